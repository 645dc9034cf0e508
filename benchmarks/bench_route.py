"""Sat nav timings, side by side in one run (issue 10 goals in brackets).

1. our road route call (``Router.route``: OSRM + steps, annotations and geometry converted to
   arrays, coarse legs added) vs the raw OSRM call with the same parameters (goal ≤ 2x). A
   third column is the floor the bindings set: the raw call plus reading only the fields we
   use (``_read_route``), since ``osrm-bindings`` copies the sub-tree below every ``[]``;
2. London → Edinburgh plan (``plan_trip``, default charger filter: every open-access CCS
   charger ≥ 50 kW in the bundled NCR list), one sample, p50 of repeated calls (goal < 300 ms);
3. the 1,000-sample arrival band: the same plan with 1,000 samples minus the one-sample plan
   (goal < 1 s).

Maps are built first (not timed). Run: ``.venv/bin/python benchmarks/bench_route.py``.
"""

from __future__ import annotations

import os
import platform
import statistics
import time
from collections.abc import Callable

from evtwin.nav import Router, TripRequest, find_place, plan_trip
from evtwin.nav.roads import _ANNOTATIONS, _engine, _read_route
from evtwin.nav.skeleton import motorway_map
from evtwin.vehicles import load_vehicle


def timed(fn: Callable[[], object], n: int) -> list[float]:
    out = []
    for _ in range(n):
        t = time.perf_counter()
        fn()
        out.append((time.perf_counter() - t) * 1000.0)
    return out


def main() -> None:
    import osrm

    spec = load_vehicle("defender-sport")
    a, b = find_place("London"), find_place("Edinburgh")
    router = Router()
    sk = motorway_map()
    eng = _engine(sk.base)
    pts = [(a.lat, a.lon), (b.lat, b.lon)]

    def raw() -> object:
        p = osrm.RouteParameters(
            coordinates=[(lon, lat) for lat, lon in pts],
            steps=True,
            annotations=_ANNOTATIONS,
            overview="full",
            geometries="polyline6",
            generate_hints=False,
        )
        return eng.Route(p)

    def floor() -> object:
        return _read_route(raw())

    def ours() -> object:
        return router.route(pts)

    def plan(samples: int) -> Callable[[], object]:
        req = TripRequest(
            origin="London", destination="Edinburgh", spec=spec, soc_pct=90, samples=samples
        )
        return lambda: plan_trip(req)

    for fn in (raw, floor, ours, plan(1), plan(1000)):  # warm-up: map load, numba compile
        fn()
    rounds = 3
    raw_ms: list[float] = []
    floor_ms: list[float] = []
    our_ms: list[float] = []
    p1: list[float] = []
    p1000: list[float] = []
    for _ in range(rounds):  # interleaved rounds
        raw_ms += timed(raw, 20)
        floor_ms += timed(floor, 20)
        our_ms += timed(ours, 20)
        p1 += timed(plan(1), 3)
        p1000 += timed(plan(1000), 3)
    med = statistics.median
    load = os.getloadavg()[0]
    print(
        f"machine: {platform.machine()}, {os.cpu_count()} CPUs, load average {load:.1f} "
        "(shared machine: other work was running)"
    )
    print(f"{'measure':55s} {'evtwin':>10s} {'peer':>10s} {'ratio':>7s}  goal")
    print(
        f"{'London-Edinburgh road route, ms (ours vs raw OSRM)':55s} {med(our_ms):10.2f} "
        f"{med(raw_ms):10.2f} {med(our_ms) / med(raw_ms):6.2f}x  <= 2x"
    )
    print(
        f"{'  bindings floor: raw call + reading the fields used, ms':55s} "
        f"{med(floor_ms):10.2f} {med(raw_ms):10.2f} {med(floor_ms) / med(raw_ms):6.2f}x"
    )
    print(
        f"{'London-Edinburgh plan, 1 sample, ms (p50)':55s} {med(p1):10.1f} {'':>10s} "
        f"{'':>7s}  < 300 ms"
    )
    print(f"{'same plan, 1,000 samples, ms (p50)':55s} {med(p1000):10.1f}")
    print(
        f"{'1,000-sample band (difference), ms':55s} {med(p1000) - med(p1):10.1f} "
        f"{'':>10s} {'':>7s}  < 1,000 ms"
    )
    print(
        f"route_ratio={med(our_ms) / med(raw_ms):.2f} "
        f"floor_ratio={med(floor_ms) / med(raw_ms):.2f} plan_ms={med(p1):.1f} "
        f"band_ms={med(p1000) - med(p1):.1f}"
    )


if __name__ == "__main__":
    main()
