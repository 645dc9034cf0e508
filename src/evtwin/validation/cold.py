"""Cold-weather validation: the drive engine's own cold effects, leave-one-out.

What a cold car loses beyond air density and battery resistance (already physics in the
engine) is two global constants (``constants.toml`` ``[cold]``): extra rolling and
drivetrain-fluid drag per kelvin below the reference, and the cold pack's lost usable
capacity per kelvin. They are fitted on a grid against two independent kinds of data and
reported leave-one-out (each study or tested car held out in turn):

- **AAA 2019** ("Electric Vehicle Range Testing", Feb 2019): five 2018-19 BEVs on a chassis
  dyno (SAE J1634, combined city/highway), heater off at -6.7 °C vs 23.9 °C: range -12 %,
  MPGe -9 %. The gap between the two is the capacity the cold pack did not deliver. The
  prediction is the mean over the published catalogue cars (the tested fleet is not in it),
  UDDS/HWFET weighted 55/45, type-approval road load.
- **B. Nyland's winter pairs** (``temperature_effect.csv``): the same car at the same
  constant speed on days of different temperature (-24 ... +24 °C), consumption relative to
  its warmest run. The tested cars are mostly not in the catalogue, so the prediction is the
  catalogue fleet's mean ratio at the same temperatures and speed on a public road, with the
  tester's cabin climate assumed as in the real-road report (:func:`test_hvac_w`).
"""

from __future__ import annotations

import csv
import io
from collections.abc import Callable
from dataclasses import dataclass
from functools import cache
from importlib import resources

import numpy as np
import numpy.typing as npt

from evtwin.errors import ValidationDataError
from evtwin.physics.constants import ModelConstants, default_constants
from evtwin.sim.conditions import Conditions
from evtwin.sim.range import RangeQuery, cold_capacity_fraction, estimate_ranges
from evtwin.sim.traces import Trace, constant_speed, cycle
from evtwin.validation.loo import LooReport, LooRow, loo_pick
from evtwin.validation.realworld import test_hvac_w
from evtwin.vehicles.catalogue import list_vehicles

__all__ = ["COLD_CAPACITY_PER_K", "COLD_ROLLING_PER_K", "WinterPair", "cold_report"]

COLD_ROLLING_PER_K = tuple(np.round(np.arange(0.0, 0.0121, 0.001), 4))
COLD_CAPACITY_PER_K = tuple(np.round(np.arange(0.0, 0.00301, 0.00025), 5))
AAA_BASELINE_C = 23.9
AAA_COLD_C = -6.7
AAA_RANGE_RETAINED = 88.0  # % (range -12 %)
AAA_CONSUMPTION_RATIO = 100.0 / 0.91  # % of warm consumption (MPGe -9 %)
CITY_SHARE = 0.55


@dataclass(frozen=True, slots=True)
class WinterPair:
    """One of the tester's runs relative to the warmest run of the same car and speed."""

    vehicle: str
    speed_kph: float
    temp_c: float
    warm_temp_c: float
    ratio_pct: float


@cache
def load_winter_pairs() -> tuple[WinterPair, ...]:
    path = (
        resources.files("evtwin") / "data" / "validation" / "realworld" / "temperature_effect.csv"
    )
    try:
        rows = list(csv.DictReader(io.StringIO(path.read_text(encoding="utf-8"))))
    except OSError as e:
        raise ValidationDataError(f"cannot read {path}: {e}") from e
    groups: dict[tuple[str, float], list[tuple[float, float]]] = {}
    for r in rows:
        try:
            speed = float(r["driving"].split()[1])
            groups.setdefault((r["vehicle"], speed), []).append(
                (float(r["ambient_temp_c"]), float(r["value"]))
            )
        except (KeyError, IndexError, ValueError) as e:
            raise ValidationDataError(f"{path}: malformed row {r}: {e}") from e
    pairs: list[WinterPair] = []
    for (vehicle, speed), runs in groups.items():
        warm_t, warm_wh = max(runs)
        for t, wh in runs:
            if t < warm_t:
                pairs.append(WinterPair(vehicle, speed, t, warm_t, wh / warm_wh * 100.0))
    if not pairs:
        raise ValidationDataError(f"{path}: no same-car pairs found")
    return tuple(pairs)


def _fleet_case_grid(
    c0: ModelConstants,
    progress: Callable[[int, int], None] | None,
) -> tuple[npt.NDArray[np.float64], npt.NDArray[np.float64], npt.NDArray[np.float64]]:
    """Per rolling-grid value: AAA consumption ratio, AAA range ratio before capacity, and
    the winter pairs' consumption ratios (fleet means, %)."""
    specs = [s for s in list_vehicles() if not s.is_estimate]
    pairs = load_winter_pairs()
    dyno: tuple[Trace, Trace] = (cycle("udds"), cycle("hwfet"))
    temps = sorted({p.temp_c for p in pairs} | {p.warm_temp_c for p in pairs})
    speeds = sorted({p.speed_kph for p in pairs})
    traces = {v: constant_speed(v, 600.0) for v in speeds}
    aaa_cons = np.empty(len(COLD_ROLLING_PER_K))
    aaa_range = np.empty(len(COLD_ROLLING_PER_K))
    pair_ratio = np.empty((len(COLD_ROLLING_PER_K), len(pairs)))
    for gi, k in enumerate(COLD_ROLLING_PER_K):
        c = c0.replace(cold_rolling_per_k=float(k), cold_capacity_per_k=0.0)
        queries: list[RangeQuery] = []
        for t in (AAA_BASELINE_C, AAA_COLD_C):
            cond = Conditions(ambient_temp_c=t, initial_soc=1.0, road="test")
            queries += [RangeQuery(s, tr, cond) for s in specs for tr in dyno]
        for t in temps:
            cond = Conditions(ambient_temp_c=t, hvac_w=test_hvac_w(t), initial_soc=1.0)
            queries += [RangeQuery(s, traces[v], cond) for v in speeds for s in specs]
        res = estimate_ranges(queries, constants=c)
        n = len(specs)
        wh = np.array([r.consumption_wh_per_km for r in res])
        rng = np.array([r.range_km for r in res])
        d = wh[: 4 * n].reshape(2, n, 2)
        comb = CITY_SHARE * d[..., 0] + (1 - CITY_SHARE) * d[..., 1]
        r2 = rng[: 4 * n].reshape(2, n, 2)
        comb_range = 1.0 / (CITY_SHARE / r2[..., 0] + (1 - CITY_SHARE) / r2[..., 1])
        aaa_cons[gi] = float(np.mean(comb[1] / comb[0])) * 100.0
        aaa_range[gi] = float(np.mean(comb_range[1] / comb_range[0])) * 100.0
        road = wh[4 * n :].reshape(len(temps), len(speeds), n)
        for pi, p in enumerate(pairs):
            si = speeds.index(p.speed_kph)
            cold = road[temps.index(p.temp_c), si]
            warm = road[temps.index(p.warm_temp_c), si]
            pair_ratio[gi, pi] = float(np.mean(cold / warm)) * 100.0
        if progress is not None:
            progress(gi + 1, len(COLD_ROLLING_PER_K))
    return aaa_cons, aaa_range, pair_ratio


def cold_report(
    constants: ModelConstants | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> LooReport:
    """Cold effects vs AAA 2019 (heater off) and the tester's winter pairs, leave-one-out."""
    c0 = constants if constants is not None else default_constants()
    pairs = load_winter_pairs()
    aaa_cons, aaa_range0, pair_ratio = _fleet_case_grid(c0, progress)
    nr, nc = len(COLD_ROLLING_PER_K), len(COLD_CAPACITY_PER_K)
    cap = np.array(
        [
            cold_capacity_fraction(
                Conditions(ambient_temp_c=AAA_COLD_C), c0.replace(cold_capacity_per_k=float(k))
            )
            / cold_capacity_fraction(
                Conditions(ambient_temp_c=AAA_BASELINE_C),
                c0.replace(cold_capacity_per_k=float(k)),
            )
            for k in COLD_CAPACITY_PER_K
        ]
    )
    # rows: AAA range, AAA consumption, then the pairs; grid (rolling x capacity) flattened
    n_rows = 2 + len(pairs)
    pred = np.empty((nr * nc, n_rows))
    for ri in range(nr):
        for ci in range(nc):
            g = ri * nc + ci
            pred[g, 0] = aaa_range0[ri] * cap[ci]
            pred[g, 1] = aaa_cons[ri]
            pred[g, 2:] = pair_ratio[ri]
    ref = np.array(
        [AAA_RANGE_RETAINED, AAA_CONSUMPTION_RATIO] + [p.ratio_pct for p in pairs], dtype=float
    )
    log_ratio = np.log(pred) - np.log(ref)[None, :]

    def loss(train: npt.NDArray[np.bool_]) -> npt.NDArray[np.float64]:
        # small preference for the smallest effect among equal fits: grid order is ascending
        return np.asarray(np.mean(log_ratio[:, train] ** 2, axis=1), dtype=np.float64)

    groups = ["AAA 2019", "AAA 2019"] + [f"Nyland {p.vehicle}" for p in pairs]
    picks, best = loo_pick(loss, groups)

    def label(g: int) -> str:
        return (
            f"rolling +{COLD_ROLLING_PER_K[g // nc] * 100:.1f} %/K, capacity "
            f"-{COLD_CAPACITY_PER_K[g % nc] * 100:.3g} %/K"
        )

    rows: list[LooRow] = [
        LooRow(
            "AAA 2019",
            "AAA 2019 -6.7 °C heater off: range retained % (fleet mean)",
            label(picks["AAA 2019"]),
            float(pred[picks["AAA 2019"], 0]),
            AAA_RANGE_RETAINED,
        ),
        LooRow(
            "AAA 2019",
            "AAA 2019 -6.7 °C heater off: consumption % of warm (fleet mean)",
            label(picks["AAA 2019"]),
            float(pred[picks["AAA 2019"], 1]),
            round(AAA_CONSUMPTION_RATIO, 1),
        ),
    ]
    for i, p in enumerate(pairs):
        key = groups[2 + i]
        rows.append(
            LooRow(
                key,
                f"{p.vehicle} {p.speed_kph:g} km/h {p.temp_c:g} vs {p.warm_temp_c:g} °C: "
                "consumption % of warm run",
                label(picks[key]),
                float(pred[picks[key], 2 + i]),
                round(p.ratio_pct, 1),
            )
        )
    return LooReport(
        title="Cold weather: the drive engine's own cold effects (heater off / assumed cabin)",
        quantity="cold ratio",
        unit="%",
        rows=tuple(rows),
        calibrated={
            "cold_rolling_per_k": float(COLD_ROLLING_PER_K[best // nc]),
            "cold_capacity_per_k": float(COLD_CAPACITY_PER_K[best % nc]),
        },
        method=(
            "leave-one-out (AAA 2019 as one group, each tested car as one): cold rolling/"
            "drivetrain drag per K and cold-pack capacity per K below "
            f"{c0.cold_reference_temp_c:g} °C on a grid; catalogue fleet means (the tested "
            "cars are not in the catalogue); the tester's cabin climate assumed "
            "as in the real-road report"
        ),
        goal_mae_pct=5.0,
        goal_max_pct=None,
        in_sample_mae_pct=float(np.mean(np.abs(pred[best] / ref - 1.0)) * 100.0),
        extra={"pairs": len(pairs), "cars": len(set(groups)) - 1},
    )
