"""Charging-stop planner: label-setting over (time, SOC), in the style of CHArge.

Reference: M. Baum, J. Dibbelt, D. Wagner, T. Zündorf, "Modeling and Engineering
Constrained Shortest Paths Algorithms for Battery Electric Vehicles", Transportation
Science 54(6), 2020 (CHArge: labels of (time, SOC) per node, dominated labels discarded,
charging functions at charging stations).

Here the graph is the trip's corridor: node 0 is the origin, nodes 1..n the candidate
chargers in order along the route, node n+1 the destination; an edge i→j (i < j) drives from
i to j, including the detours off the route to leave charger i and to reach charger j. The
graph is acyclic, so nodes are settled in route order and each node's label set is final
when it is reached. SOC is discretised on a grid of ``soc_step``; a label is (time, SOC
level), and for each node and SOC level only the fastest label survives — a label with
less time *and* at least as much SOC dominates, which the per-level minimum plus a suffix
minimum implements. Arrival SOC is rounded **down** to the grid (never optimistic).

Objective: total trip time = driving (with detours) + charging + a fixed overhead per stop.
Constraints: arrival SOC ≥ ``min_arrival_soc`` at every stop and at the destination; charge
to at most ``max_soc``. :func:`exhaustive_plan` enumerates every stop set and charge level
(same rounding) and is the planner's reference in the tests.
"""

from __future__ import annotations

import itertools
import math
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from evtwin.errors import NavigationError

__all__ = ["PlanProblem", "PlannedStop", "StopPlan", "exhaustive_plan", "plan_stops"]

FloatArray = npt.NDArray[np.float64]
_EPS = 1e-9


@dataclass(frozen=True, kw_only=True, slots=True)
class PlanProblem:
    """A planning instance. Energies as SOC fractions, times in seconds.

    ``edge_soc[i, j]`` / ``edge_time_s[i, j]``: SOC used and time for i→j (inf if not
    allowed). ``charge_time_s[c]`` is charger node c's (1..n) time to charge from each grid
    level to each grid level (row: from, column: to), inf where not possible.
    """

    start_soc: float
    min_arrival_soc: float
    max_soc: float
    soc_step: float
    edge_soc: FloatArray
    edge_time_s: FloatArray
    charge_time_s: tuple[FloatArray, ...]
    stop_overhead_s: float = 180.0

    @property
    def n_nodes(self) -> int:
        return int(self.edge_soc.shape[0])

    @property
    def levels(self) -> int:
        return round(1.0 / self.soc_step) + 1

    def level(self, soc: float) -> int:
        """Grid level at or below ``soc``."""
        return math.floor(soc / self.soc_step + _EPS)


@dataclass(frozen=True, slots=True)
class PlannedStop:
    node: int
    arrive_soc: float
    depart_soc: float
    charge_s: float


@dataclass(frozen=True, slots=True)
class StopPlan:
    stops: tuple[PlannedStop, ...]
    total_s: float
    arrive_soc: float
    path: tuple[int, ...]
    """Nodes visited, origin and destination included."""


def _arrival_level(p: PlanProblem, dep_soc: float, used: float) -> int:
    """Arrival grid level, or -1 if below the minimum."""
    soc = dep_soc - used
    if soc + _EPS < p.min_arrival_soc or not math.isfinite(soc):
        return -1
    return p.level(soc)


def plan_stops(p: PlanProblem) -> StopPlan:
    """The fastest plan (see the module docstring). Raises :class:`NavigationError` if none."""
    n, m = p.n_nodes, p.levels
    step = p.soc_step
    soc_of = np.arange(m) * step
    max_lvl = p.level(p.max_soc)
    inf = math.inf
    # arrival labels A[j, a]; departure labels D[i, k] (charged at i)
    A = np.full((n, m), inf)
    D = np.full((n, m), inf)
    a_pred = np.full((n, m, 2), -1, dtype=np.int64)  # (node i, departure level k)
    d_pred = np.full((n, m), -1, dtype=np.int64)  # arrival level charged from
    start_lvl = p.level(p.start_soc)
    D[0, start_lvl] = 0.0
    dep_soc0 = p.start_soc  # the origin departs at the exact start SOC
    for i in range(n):
        if 0 < i < n - 1:
            # charging at i: from arrival level a to level k > a (k <= max level)
            C = p.charge_time_s[i - 1]
            cand = A[i][:, None] + C + p.stop_overhead_s
            cand[:, max_lvl + 1 :] = inf
            cand = np.where(np.triu(np.ones((m, m), dtype=bool), 1), cand, inf)
            best_a = np.argmin(cand, axis=0)
            D[i] = cand[best_a, np.arange(m)]
            d_pred[i] = np.where(np.isfinite(D[i]), best_a, -1)
        ks = np.flatnonzero(np.isfinite(D[i]))
        if ks.size == 0 or i == n - 1:
            continue
        js = np.arange(i + 1, n)
        used = p.edge_soc[i, js]
        ok = np.isfinite(used)
        js, used = js[ok], used[ok]
        if js.size == 0:
            continue
        dep = soc_of[ks] if i > 0 else np.full(ks.size, dep_soc0)
        arr = dep[:, None] - used[None, :]
        valid = arr + _EPS >= p.min_arrival_soc
        lvl = np.floor(arr / step + _EPS).astype(np.int64)
        t = D[i, ks][:, None] + p.edge_time_s[i, js][None, :]
        kk, jj = np.nonzero(valid)
        if kk.size == 0:
            continue
        flat = js[jj] * m + lvl[kk, jj]
        tt = t[kk, jj]
        order = np.lexsort((tt, flat))
        first = np.ones(order.size, dtype=bool)
        first[1:] = flat[order][1:] != flat[order][:-1]
        pick = order[first]
        better = tt[pick] < A.ravel()[flat[pick]]
        pick = pick[better]
        A.ravel()[flat[pick]] = tt[pick]
        jn, an = np.divmod(flat[pick], m)
        a_pred[jn, an, 0] = i
        a_pred[jn, an, 1] = ks[kk[pick]]
    dest = n - 1
    if not np.isfinite(A[dest]).any():
        raise NavigationError("no feasible plan")
    a = int(np.argmin(A[dest]))
    # walk back
    stops: list[PlannedStop] = []
    path = [dest]
    j, lvl_j = dest, a
    while True:
        i, k = (int(x) for x in a_pred[j, lvl_j])
        path.append(i)
        if i == 0:
            break
        a_i = int(d_pred[i, k])
        stops.append(
            PlannedStop(
                node=i,
                arrive_soc=a_i * step,
                depart_soc=k * step,
                charge_s=float(p.charge_time_s[i - 1][a_i, k]),
            )
        )
        j, lvl_j = i, a_i
    stops.reverse()
    path.reverse()
    return StopPlan(
        stops=tuple(stops), total_s=float(A[dest, a]), arrive_soc=a * step, path=tuple(path)
    )


def exhaustive_plan(p: PlanProblem) -> float:
    """Reference: the fastest total time over every stop set and charge level (inf if none)."""
    n, step = p.n_nodes, p.soc_step
    max_lvl = p.level(p.max_soc)
    best = math.inf
    chargers = range(1, n - 1)
    for r in range(len(chargers) + 1):
        for subset in itertools.combinations(chargers, r):
            path = (0, *subset, n - 1)
            level_choices = [range(max_lvl + 1)] * len(subset)
            for targets in itertools.product(*level_choices):
                soc, t, ok = p.start_soc, 0.0, True
                for leg, (i, j) in enumerate(itertools.pairwise(path)):
                    used = p.edge_soc[i, j]
                    a = _arrival_level(p, soc, used)
                    if a < 0 or not math.isfinite(p.edge_time_s[i, j]):
                        ok = False
                        break
                    t += p.edge_time_s[i, j]
                    if j == n - 1:
                        break
                    k = targets[leg]
                    if k <= a:
                        ok = False
                        break
                    ct = p.charge_time_s[j - 1][a, k]
                    if not math.isfinite(ct):
                        ok = False
                        break
                    t += ct + p.stop_overhead_s
                    soc = k * step
                if ok:
                    best = min(best, t)
    return best
