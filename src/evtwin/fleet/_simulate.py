"""Fleet simulation: one batched engine run per day over every car that drives that day.

A partition is a run of whole car blocks (:data:`~evtwin.fleet._model.CAR_BLOCK`); it returns
per-car totals, and the fleet's answer is computed from the per-car arrays concatenated in
car order, so one process and any number of Ray workers give the same numbers.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable
from dataclasses import dataclass, fields
from typing import Any

import numpy as np
import numpy.typing as npt

from evtwin.errors import FleetError
from evtwin.fleet import _model as M
from evtwin.fleet._model import FleetConfig
from evtwin.physics.constants import default_constants
from evtwin.sim import layout as L
from evtwin.sim.conditions import Conditions
from evtwin.sim.engine import Case, pack_conditions, pack_params, run_arrays, run_batch
from evtwin.sim.range import wltp_conditions
from evtwin.sim.traces import cycle
from evtwin.units import J_PER_KWH
from evtwin.vehicles import load_vehicle
from evtwin.vehicles.derive import derive_params

__all__ = [
    "DayRecord",
    "FleetResult",
    "PartitionResult",
    "merge",
    "partitions",
    "simulate_partition",
]

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]
Progress = Callable[[int], None]
"""Called with the number of car-days just finished."""


@dataclass(frozen=True, slots=True)
class PartitionResult:
    """Per-car totals of a partition (arrays over its cars, in car order)."""

    first_car: int
    distance_m: FloatArray
    energy_terminal_j: FloatArray
    energy_chemical_j: FloatArray
    drive_days: IntArray
    depleted_days: IntArray
    ac_sessions: IntArray
    dc_sessions: IntArray
    grid_ac_kwh: FloatArray
    grid_dc_kwh: FloatArray
    version: IntArray  # index into VERSIONS, or len(VERSIONS) for the campaign's target
    update_failures: IntArray
    rolled_back: npt.NDArray[np.bool_]
    vehicle_steps: int
    wltp_loss_fraction: float


@dataclass(frozen=True, slots=True)
class DayRecord:
    """One simulated day of a partition's cars (arrays over its cars): what each car would
    report. ``charged_kwh`` is battery-side energy (0 without a session)."""

    day: int
    first_car: int
    distance_m: FloatArray
    energy_terminal_j: FloatArray
    soc_after_drive: FloatArray
    charged_kwh: FloatArray
    soc_after_charge: FloatArray
    version: IntArray
    usable_battery_kwh: float


def partitions(config: FleetConfig, workers: int) -> list[tuple[int, int]]:
    """Contiguous block ranges, one per worker (fewer when there are fewer blocks)."""
    if workers < 1:
        raise FleetError(f"workers must be at least 1, got {workers}")
    if workers > M.MAX_WORKERS:
        raise FleetError(f"workers = {workers} is more than {M.MAX_WORKERS}")
    k = min(workers, config.blocks)
    edges = np.linspace(0, config.blocks, k + 1).round().astype(int)
    return [(int(a), int(b)) for a, b in itertools.pairwise(edges) if b > a]


def _engine(gpu: bool) -> Callable[..., FloatArray]:
    if not gpu:
        return lambda P, C, traces, trace_of, constants: (
            run_arrays(P, C, traces, trace_of, constants=constants).out
        )
    from evtwin.sim.gpu import gpu_available, run_arrays_gpu

    if not gpu_available():
        raise FleetError("--gpu: no CUDA device visible to numba (run without --gpu)")
    return lambda P, C, traces, trace_of, constants: run_arrays_gpu(
        P, C, traces, trace_of, constants=constants
    )


def simulate_partition(
    config: FleetConfig,
    lo_block: int,
    hi_block: int,
    *,
    gpu: bool = False,
    progress: Progress | None = None,
    on_day: Callable[[DayRecord], None] | None = None,
) -> PartitionResult:
    """Simulate the cars of blocks ``lo_block..hi_block`` for every day of ``config``."""
    c = default_constants()
    spec = load_vehicle(config.vehicle)
    params = derive_params(spec, c)
    engine = _engine(gpu)
    names, traces = M.templates(config)
    template_km = np.array(
        [traces[t * M.MAX_REPEATS].distance_m / 1000.0 for t in range(len(names))]
    )
    mean_speed = np.array(
        [
            traces[t * M.MAX_REPEATS].distance_m / traces[t * M.MAX_REPEATS].duration_s
            for t in range(len(names))
        ]
    )
    static = M.static_draws(config, lo_block, hi_block)
    n = len(static.style)
    first_car = lo_block * M.CAR_BLOCK

    # the pack's internal-loss share on the WLTP: the reference of the range formula
    ref = run_batch([Case(params, wltp_conditions(params), cycle("wltc"))], constants=c).out[0]
    f_ref = float(ref[L.O_E_BATT_LOSS] / max(ref[L.O_E_TERMINAL], 1e-9))

    p_row = pack_params([params])[0]
    c_row = pack_conditions([Conditions(road="real")], c)[0]
    hvac_cache: dict[tuple[int, int], float] = {}

    def hvac_w(template: int, temp_bin: int) -> float:
        key = (template, temp_bin)
        if key not in hvac_cache:
            from evtwin.climate import vehicle_hvac_w

            hvac_cache[key] = vehicle_hvac_w(
                spec,
                ambient_c=float(temp_bin),
                cabin_temp_c=M.CABIN_C,
                speed_mps=float(mean_speed[template]),
            )
        return hvac_cache[key]

    soc = np.full(n, 1.0 if config.uniform else M.HOME_TARGET_SOC)
    target_soc = 1.0 if config.uniform else M.HOME_TARGET_SOC
    acc: dict[str, Any] = {
        "distance_m": np.zeros(n),
        "energy_terminal_j": np.zeros(n),
        "energy_chemical_j": np.zeros(n),
        "grid_ac_kwh": np.zeros(n),
        "grid_dc_kwh": np.zeros(n),
    }
    cnt: dict[str, Any] = {
        k: np.zeros(n, dtype=np.int64)
        for k in ("drive_days", "depleted_days", "ac_sessions", "dc_sessions", "update_failures")
    }
    version = static.version.astype(np.int64).copy()
    rolled_back = np.zeros(n, dtype=np.bool_)
    battery_kwh = params.battery_energy_j / J_PER_KWH
    ac_eff = c.ac_charging_efficiency
    steps = 0
    lengths = np.array([len(t) for t in traces], dtype=np.int64)

    for day in range(config.days):
        d = M.day_draws(config, static, day, lo_block, hi_block, template_km)
        idx = np.flatnonzero(d.drives)
        day_dist, day_energy = np.zeros(n), np.zeros(n)
        if len(idx):
            trace_of = d.trace_index[idx]
            template = trace_of // M.MAX_REPEATS
            ambient = d.ambient_c[idx]
            P = np.tile(p_row, (len(idx), 1))
            C = np.tile(c_row, (len(idx), 1))
            C[:, L.C_AMBIENT_C] = ambient
            C[:, L.C_BATT_TEMP_C] = ambient
            C[:, L.C_PAYLOAD_KG] = static.payload_kg[idx]
            C[:, L.C_SOC0] = np.maximum(soc[idx], 1e-3)
            if not config.uniform:
                bins = np.rint(ambient).astype(np.int64)
                C[:, L.C_HVAC_W] = [
                    hvac_w(int(t), int(b)) for t, b in zip(template, bins, strict=True)
                ]
            out = engine(P, C, traces, trace_of, c)
            steps += int(lengths[trace_of].sum())
            acc["distance_m"][idx] += out[:, L.O_DIST_M]
            acc["energy_terminal_j"][idx] += out[:, L.O_E_TERMINAL]
            acc["energy_chemical_j"][idx] += out[:, L.O_E_TERMINAL] + out[:, L.O_E_BATT_LOSS]
            cnt["drive_days"][idx] += 1
            cnt["depleted_days"][idx] += out[:, L.O_DEPLETED] > 0
            soc[idx] = np.clip(out[:, L.O_SOC_END], 0.0, 1.0)
            day_dist[idx] = out[:, L.O_DIST_M]
            day_energy[idx] = out[:, L.O_E_TERMINAL]
        soc_after_drive = soc.copy()
        # overnight: charging
        home = static.home_charger & (soc < static.plug_soc)
        public = ~static.home_charger & (soc < M.PUBLIC_PLUG_SOC)
        pub_target = target_soc if config.uniform else M.PUBLIC_TARGET_SOC
        home_kwh = np.where(home, np.maximum(target_soc - soc, 0.0) * battery_kwh, 0.0)
        pub_kwh = np.where(public, np.maximum(pub_target - soc, 0.0) * battery_kwh, 0.0)
        home &= home_kwh > 0
        public &= pub_kwh > 0
        acc["grid_ac_kwh"] += home_kwh / ac_eff
        acc["grid_dc_kwh"] += pub_kwh / M.DC_EFFICIENCY
        cnt["ac_sessions"] += home
        cnt["dc_sessions"] += public
        soc = np.where(home, target_soc, np.where(public, pub_target, soc))
        # overnight: the update campaign
        pending = (version < len(M.VERSIONS)) & ~rolled_back
        attempt = pending & d.checkin & (soc * 100.0 >= config.min_soc_percent)
        fail = attempt & (d.update_u < M.UPDATE_FAIL_PROB)
        roll = attempt & ~fail & (d.update_u < M.UPDATE_FAIL_PROB + M.UPDATE_ROLLBACK_PROB)
        ok = attempt & ~fail & ~roll
        cnt["update_failures"] += fail
        rolled_back |= roll
        version[ok] = len(M.VERSIONS)
        if on_day is not None:
            on_day(
                DayRecord(
                    day=day,
                    first_car=first_car,
                    distance_m=day_dist,
                    energy_terminal_j=day_energy,
                    soc_after_drive=soc_after_drive,
                    charged_kwh=home_kwh + pub_kwh,
                    soc_after_charge=soc.copy(),
                    version=version.copy(),
                    usable_battery_kwh=spec.usable_battery_kwh,
                )
            )
        if progress is not None:
            progress(n)

    return PartitionResult(
        first_car=first_car,
        version=version,
        rolled_back=rolled_back,
        vehicle_steps=steps,
        wltp_loss_fraction=f_ref,
        **acc,
        **cnt,
    )


@dataclass(frozen=True, slots=True)
class FleetResult:
    config: FleetConfig
    cars: PartitionResult  # every car, in car order
    usable_battery_kwh: float
    wall_s: float
    workers: int
    backend: str

    def to_json(self) -> dict[str, Any]:
        """The documented ``evtwin fleet simulate --json`` object."""
        r = self.cars
        dist_km = r.distance_m / 1000.0
        driven = dist_km > 0
        wh_per_km = r.energy_terminal_j[driven] / 3600.0 / dist_km[driven]
        chem_per_km = r.energy_chemical_j[driven] / dist_km[driven]
        range_km = self.usable_battery_kwh * J_PER_KWH * (1.0 + r.wltp_loss_fraction) / chem_per_km
        versions = {v: int((r.version == i).sum()) for i, v in enumerate(M.VERSIONS)}
        versions[M.TARGET_VERSION] = int((r.version == len(M.VERSIONS)).sum())
        total_km = float(dist_km.sum())
        energy_kwh = float(r.energy_terminal_j.sum() / J_PER_KWH)
        return {
            "cars": self.config.cars,
            "days": self.config.days,
            "seed": self.config.seed,
            "vehicle": self.config.vehicle,
            "distance_km": round(total_km, 3),
            "energy_kwh": round(energy_kwh, 4),
            "consumption_wh_per_km": (
                round(energy_kwh * 1000.0 / total_km, 3) if total_km > 0 else None
            ),
            "per_car": {
                "consumption_wh_per_km": _stats(wh_per_km, 3),
                "range_km": _stats(range_km, 2),
                "distance_km": _stats(dist_km, 2),
            },
            "drive_days": int(r.drive_days.sum()),
            "depleted_days": int(r.depleted_days.sum()),
            "charging_sessions": int(r.ac_sessions.sum() + r.dc_sessions.sum()),
            "charging": {
                "ac_sessions": int(r.ac_sessions.sum()),
                "dc_sessions": int(r.dc_sessions.sum()),
                "grid_energy_kwh": round(float(r.grid_ac_kwh.sum() + r.grid_dc_kwh.sum()), 3),
            },
            "updates": {
                "target_version": M.TARGET_VERSION,
                "succeeded": versions[M.TARGET_VERSION],
                "failed": int(r.update_failures.sum()),
                "rolled_back": int(r.rolled_back.sum()),
                "pending": int(((r.version < len(M.VERSIONS)) & ~r.rolled_back).sum()),
            },
            "software_versions": versions,
            "vehicle_steps": r.vehicle_steps,
            "engine": self.backend,
            "workers": self.workers,
            "wall_s": round(self.wall_s, 3),
            "assumptions": M.assumptions(self.config),
        }


def _stats(x: FloatArray, nd: int) -> dict[str, float | None]:
    if len(x) == 0:
        return {"p10": None, "p50": None, "p90": None, "mean": None}
    p10, p50, p90 = np.percentile(x, [10, 50, 90])
    return {
        "p10": round(float(p10), nd),
        "p50": round(float(p50), nd),
        "p90": round(float(p90), nd),
        "mean": round(float(np.mean(x)), nd),
    }


def merge(parts: list[PartitionResult]) -> PartitionResult:
    """Concatenate partitions in car order (their per-car values are independent of the
    split, so the fleet's sums are the same whichever way it was split)."""
    parts = sorted(parts, key=lambda p: p.first_car)
    arrays: dict[str, Any] = {}
    for f in fields(PartitionResult):
        if f.name in ("first_car", "vehicle_steps", "wltp_loss_fraction"):
            continue
        arrays[f.name] = np.concatenate([getattr(p, f.name) for p in parts])
    return PartitionResult(
        first_car=0,
        vehicle_steps=sum(p.vehicle_steps for p in parts),
        wltp_loss_fraction=parts[0].wltp_loss_fraction,
        **arrays,
    )
