"""The fleet's population and habits: who drives what, where, how and on which software.

Every number here is a modelling assumption (not measured fleet data); each is listed in
:func:`assumptions` and so in ``evtwin fleet simulate --json``. Random draws come from
per-(day, block of cars) streams keyed on the seed, so a car's life does not depend on how
the fleet is split into partitions (one process or Ray workers give the same answer).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final

import numpy as np
import numpy.typing as npt

from evtwin.errors import FleetError
from evtwin.ota import InstallPolicy
from evtwin.sim.traces import CYCLES, Trace, constant_speed, cycle

__all__ = [
    "CAR_BLOCK",
    "MAX_CARS",
    "MAX_CAR_DAYS",
    "MAX_DAYS",
    "FleetConfig",
    "FleetDraws",
    "assumptions",
    "day_draws",
    "static_draws",
    "templates",
]

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]

MAX_CARS: Final = 1_000_000
MAX_DAYS: Final = 3_650
MAX_CAR_DAYS: Final = 50_000_000  # ~ hours of CPU on a 2-core machine: a typo, not a request
MAX_WORKERS: Final = 256
CAR_BLOCK: Final = 256
"""Cars per random-stream block; partitions are whole blocks."""

MAX_REPEATS: Final = 4
"""A car's day is its trip template driven 1..MAX_REPEATS times back to back."""

# trip templates: name -> (trace factory, description)
_TEMPLATE_NAMES: Final = ("udds", "wltc", "hwfet", "us06", "motorway")
MOTORWAY_KPH: Final = 110.0
MOTORWAY_S: Final = 1800.0

# style -> probabilities over _TEMPLATE_NAMES
STYLES: Final = ("calm", "normal", "brisk")
STYLE_SHARE: Final = (0.3, 0.5, 0.2)
STYLE_TRIPS: Final = (
    (0.50, 0.40, 0.10, 0.00, 0.00),
    (0.30, 0.40, 0.20, 0.00, 0.10),
    (0.00, 0.30, 0.20, 0.30, 0.20),
)
DAILY_KM_MEDIAN: Final = 40.0
DAILY_KM_SIGMA: Final = 0.6  # lognormal shape
DRIVE_PROB: Final = (0.60, 0.95)  # each car's share of days it is driven, uniform in range
CLIMATE_MEAN_C: Final = 11.0  # annual mean ambient of the fleet's homes (UK-like) ...
CLIMATE_SPREAD_C: Final = 3.0  # ... spread between homes (normal sd)
SEASON_AMPLITUDE_C: Final = 7.0  # coldest mid-January, warmest mid-July
WEATHER_SD_C: Final = 3.0  # day-to-day noise
TEMP_LIMITS_C: Final = (-25.0, 40.0)
START_DAY_OF_YEAR: Final = 1
CABIN_C: Final = 21.0
PAYLOAD_KG: Final = (0.0, 75.0, 150.0, 225.0)  # 0..3 passengers/luggage beyond the driver
PAYLOAD_SHARE: Final = (0.5, 0.3, 0.15, 0.05)
HOME_CHARGER_SHARE: Final = 0.8
PLUG_SOC: Final = (0.25, 0.60)  # a car plugs in at home below its own threshold in this range
HOME_TARGET_SOC: Final = 0.8
PUBLIC_PLUG_SOC: Final = 0.3  # cars without a home charger use public DC below this
PUBLIC_TARGET_SOC: Final = 0.8
DC_EFFICIENCY: Final = 0.93  # grid to battery on a DC charger (assumption)
VERSIONS: Final = ("1.8.2", "1.9.0", "1.9.1")
VERSION_SHARE: Final = (0.15, 0.35, 0.50)
TARGET_VERSION: Final = "2.0.0"
CHECKIN_PROB: Final = 0.85  # a car checks in overnight (parked, connected) on a given day
UPDATE_FAIL_PROB: Final = 0.02  # download/verification fails; retried on a later night
UPDATE_ROLLBACK_PROB: Final = 0.01  # installs, fails its health check, rolls back for good


@dataclass(frozen=True, kw_only=True, slots=True)
class FleetConfig:
    """One fleet question. ``cycle``/``temp_c`` pin every car's trip / weather; ``uniform``
    removes per-car variety (no payload or HVAC, start full, charge to full every night):
    the conditions of ``evtwin range VEHICLE --cycle C --temp-c T``."""

    cars: int
    days: int = 7
    seed: int = 0
    vehicle: str = "defender-sport"
    cycle: str | None = None
    temp_c: float | None = None
    uniform: bool = False
    min_soc_percent: float = InstallPolicy().min_soc_percent

    def __post_init__(self) -> None:
        for name in ("cars", "days", "seed"):
            v = getattr(self, name)
            if isinstance(v, bool) or not isinstance(v, int):
                raise FleetError(f"{name} must be a whole number, got {v!r}")
        if self.cars < 1:
            raise FleetError(f"cars must be at least 1, got {self.cars}")
        if self.cars > MAX_CARS:
            raise FleetError(f"cars = {self.cars:,} is more than this tool runs ({MAX_CARS:,})")
        if self.days < 1:
            raise FleetError(f"days must be at least 1, got {self.days}")
        if self.days > MAX_DAYS:
            raise FleetError(f"days = {self.days:,} is more than {MAX_DAYS:,} (ten years)")
        if self.cars * self.days > MAX_CAR_DAYS:
            raise FleetError(
                f"cars x days = {self.cars * self.days:,} car-days is more than "
                f"{MAX_CAR_DAYS:,}: use fewer cars or days"
            )
        if not 0 <= self.seed < 2**63:
            raise FleetError(f"seed must be within 0..2**63-1, got {self.seed}")
        if self.cycle is not None and self.cycle not in CYCLES:
            raise FleetError(f"unknown cycle {self.cycle!r}; known: {', '.join(sorted(CYCLES))}")
        if self.temp_c is not None and not (
            np.isfinite(self.temp_c) and TEMP_LIMITS_C[0] <= self.temp_c <= TEMP_LIMITS_C[1]
        ):
            raise FleetError(
                f"temp_c = {self.temp_c:g} °C is outside {TEMP_LIMITS_C[0]:g}..."
                f"{TEMP_LIMITS_C[1]:g} °C"
            )

    @property
    def blocks(self) -> int:
        return -(-self.cars // CAR_BLOCK)


def templates(config: FleetConfig) -> tuple[tuple[str, ...], list[Trace]]:
    """Trip templates and their traces, ``traces[t * MAX_REPEATS + r - 1]`` = template t
    driven r times back to back."""
    names = (config.cycle,) if config.cycle is not None else _TEMPLATE_NAMES
    traces: list[Trace] = []
    for name in names:
        for r in range(1, MAX_REPEATS + 1):
            if name == "motorway":
                traces.append(constant_speed(MOTORWAY_KPH, MOTORWAY_S * r))
            else:
                traces.append(_repeat(cycle(name), r))
    return names, traces


def _repeat(trace: Trace, n: int) -> Trace:
    if n == 1:
        return trace
    dt_join = float(trace.time_s[1] - trace.time_s[0])
    span = trace.duration_s + dt_join
    t = np.concatenate([trace.time_s + k * span for k in range(n)])
    return Trace(
        f"{trace.name} x{n}",
        t,
        np.tile(trace.speed_mps, n),
        np.tile(trace.grade, n),
    )


@dataclass(frozen=True, slots=True)
class FleetDraws:
    """Per-car static attributes (arrays over the cars of a partition)."""

    style: IntArray
    drive_prob: FloatArray
    home_temp_c: FloatArray
    payload_kg: FloatArray
    home_charger: npt.NDArray[np.bool_]
    plug_soc: FloatArray
    version: IntArray


def _block_rng(seed: int, kind: int, block: int, day: int = 0) -> np.random.Generator:
    return np.random.default_rng([seed, kind, day, block])


def _span(config: FleetConfig, lo_block: int, hi_block: int) -> list[tuple[int, int]]:
    """(block, cars in it) for blocks lo..hi."""
    return [(b, min(CAR_BLOCK, config.cars - b * CAR_BLOCK)) for b in range(lo_block, hi_block)]


def static_draws(config: FleetConfig, lo_block: int, hi_block: int) -> FleetDraws:
    parts: dict[str, list[npt.NDArray[np.generic]]] = {k: [] for k in FleetDraws.__slots__}
    for b, n in _span(config, lo_block, hi_block):
        rng = _block_rng(config.seed, 0, b)
        parts["style"].append(rng.choice(len(STYLES), size=n, p=STYLE_SHARE))
        parts["drive_prob"].append(rng.uniform(*DRIVE_PROB, size=n))
        parts["home_temp_c"].append(rng.normal(CLIMATE_MEAN_C, CLIMATE_SPREAD_C, size=n))
        parts["payload_kg"].append(np.asarray(PAYLOAD_KG)[rng.choice(4, size=n, p=PAYLOAD_SHARE)])
        parts["home_charger"].append(rng.uniform(size=n) < HOME_CHARGER_SHARE)
        parts["plug_soc"].append(rng.uniform(*PLUG_SOC, size=n))
        parts["version"].append(rng.choice(len(VERSIONS), size=n, p=VERSION_SHARE))
    d = {k: np.concatenate(v) for k, v in parts.items()}
    if config.uniform:
        n_all = len(d["style"])
        d["drive_prob"] = np.ones(n_all)
        d["payload_kg"] = np.zeros(n_all)
        d["home_charger"] = np.ones(n_all, dtype=np.bool_)
        d["plug_soc"] = np.full(n_all, 1.01)  # plug in every night ...
    return FleetDraws(**d)


@dataclass(frozen=True, slots=True)
class DayDraws:
    drives: npt.NDArray[np.bool_]
    trace_index: IntArray
    ambient_c: FloatArray
    checkin: npt.NDArray[np.bool_]
    update_u: FloatArray


def day_draws(
    config: FleetConfig,
    static: FleetDraws,
    day: int,
    lo_block: int,
    hi_block: int,
    template_km: FloatArray,
) -> DayDraws:
    """The day's random events for the partition's cars."""
    u_drive, km, u_trip, noise, u_check, u_upd = ([], [], [], [], [], [])
    for b, n in _span(config, lo_block, hi_block):
        rng = _block_rng(config.seed, 1, b, day + 1)
        u_drive.append(rng.uniform(size=n))
        km.append(DAILY_KM_MEDIAN * np.exp(rng.normal(0.0, DAILY_KM_SIGMA, size=n)))
        u_trip.append(rng.uniform(size=n))
        noise.append(rng.normal(0.0, WEATHER_SD_C, size=n))
        u_check.append(rng.uniform(size=n))
        u_upd.append(rng.uniform(size=n))
    drives = np.concatenate(u_drive) < static.drive_prob
    n_templates = len(template_km)
    if n_templates == 1 or config.uniform:
        template = np.zeros(len(drives), dtype=np.int64)
    else:
        cum = np.cumsum(np.asarray(STYLE_TRIPS), axis=1)[static.style]
        template = (np.concatenate(u_trip)[:, None] > cum).sum(axis=1).astype(np.int64)
        template = np.minimum(template, n_templates - 1)
    if config.uniform:
        repeats = np.ones(len(drives), dtype=np.int64)
    else:
        want = np.concatenate(km) / template_km[template]
        repeats = np.clip(np.rint(want), 1, MAX_REPEATS).astype(np.int64)
    if config.temp_c is not None:
        ambient = np.full(len(drives), float(config.temp_c))
    elif config.uniform:
        ambient = np.full(len(drives), 23.0)
    else:
        doy = (START_DAY_OF_YEAR - 1 + day) % 365
        season = -SEASON_AMPLITUDE_C * np.cos(2.0 * np.pi * (doy - 15) / 365.0)
        ambient = np.clip(static.home_temp_c + season + np.concatenate(noise), *TEMP_LIMITS_C)
    return DayDraws(
        drives=drives,
        trace_index=template * MAX_REPEATS + repeats - 1,
        ambient_c=ambient,
        checkin=np.concatenate(u_check) < CHECKIN_PROB,
        update_u=np.concatenate(u_upd),
    )


def assumptions(config: FleetConfig) -> dict[str, str]:
    """Every default the model fills in, in words (the ``assumptions`` object of --json)."""
    if config.uniform:
        usage = (
            f"uniform: every car drives {config.cycle or 'wltc'} once a day, no payload, no "
            "HVAC, starts the day full (charged to 100 % every night at home)"
        )
    else:
        shares = ", ".join(
            f"{s} {p:.0%}: "
            + "/".join(f"{n} {q:.0%}" for n, q in zip(_TEMPLATE_NAMES, t, strict=True) if q)
            for s, p, t in zip(STYLES, STYLE_SHARE, STYLE_TRIPS, strict=True)
        )
        usage = (
            f"driving styles and their trips ({shares}); 'motorway' = {MOTORWAY_KPH:g} km/h "
            f"steady; a day is the trip 1..{MAX_REPEATS} times for a lognormal daily distance "
            f"(median {DAILY_KM_MEDIAN:g} km, sigma {DAILY_KM_SIGMA:g}); each car drives on "
            f"{DRIVE_PROB[0]:.0%}..{DRIVE_PROB[1]:.0%} of days"
        )
        if config.cycle is not None:
            usage += f" (trip pinned to {config.cycle})"
    if config.temp_c is not None:
        weather = f"every car at {config.temp_c:g} °C every day (pinned)"
    elif config.uniform:
        weather = "23 °C (uniform)"
    else:
        weather = (
            f"home climates normal({CLIMATE_MEAN_C:g}, {CLIMATE_SPREAD_C:g}) °C annual mean, "
            f"season ±{SEASON_AMPLITUDE_C:g} °C (coldest mid-January; day 1 = day of year "
            f"{START_DAY_OF_YEAR}), daily noise sd {WEATHER_SD_C:g} °C, clipped to "
            f"{TEMP_LIMITS_C[0]:g}..{TEMP_LIMITS_C[1]:g} °C; the pack starts each drive at "
            "ambient (cold soak)"
        )
    return {
        "vehicle": f"every car is '{config.vehicle}' (one catalogue spec)",
        "usage": usage,
        "weather": weather,
        "climate": (
            "no HVAC (uniform)"
            if config.uniform
            else f"cabin held at {CABIN_C:g} °C by the climate model (steady state at the "
            "trip's mean speed, the spec's heat pump)"
        ),
        "payload": (
            "none (uniform)"
            if config.uniform
            else "beyond the driver: "
            + ", ".join(
                f"{kg:g} kg {p:.0%}" for kg, p in zip(PAYLOAD_KG, PAYLOAD_SHARE, strict=True)
            )
        ),
        "road": "public road (real-road rolling and drag factors)",
        "charging": (
            "to 100 % every night at home on AC (uniform)"
            if config.uniform
            else f"{HOME_CHARGER_SHARE:.0%} of cars charge at home on AC to "
            f"{HOME_TARGET_SOC:.0%} once below their own threshold "
            f"({PLUG_SOC[0]:.0%}..{PLUG_SOC[1]:.0%}); the others use public DC below "
            f"{PUBLIC_PLUG_SOC:.0%} to {PUBLIC_TARGET_SOC:.0%}; the first day starts at the "
            "home target"
        )
        + f"; grid energy = battery energy / efficiency (AC: the model's global AC "
        f"efficiency, DC: {DC_EFFICIENCY:g})",
        "software": (
            "initial versions "
            + ", ".join(f"{v} {p:.0%}" for v, p in zip(VERSIONS, VERSION_SHARE, strict=True))
            + f"; one campaign to {TARGET_VERSION} from day 1; a car checks in on "
            f"{CHECKIN_PROB:.0%} of nights and installs only at >= {config.min_soc_percent:g} % "
            f"SOC (the OTA install policy); per attempt {UPDATE_FAIL_PROB:.0%} fail (retried) and "
            f"{UPDATE_ROLLBACK_PROB:.0%} fail their health check and roll back (not retried)"
        ),
        "range_km": (
            "per car: usable battery energy x (1 + the pack's WLTP internal-loss share) / the "
            "car's chemical energy per km over the run (as `evtwin range`)"
        ),
        "randomness": (
            f"numpy PCG64 streams keyed on (seed, day, block of {CAR_BLOCK} cars): the answer "
            "does not depend on how the fleet is partitioned"
        ),
    }
