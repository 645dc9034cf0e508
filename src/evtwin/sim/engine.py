"""The batched engine: pack vehicles x conditions x traces into arrays, run the kernel once.

There is one engine. :func:`simulate` (one car) calls :func:`run_batch` with a batch of one.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from evtwin.errors import SimulationError
from evtwin.physics.constants import ModelConstants, default_constants
from evtwin.sim import layout as L
from evtwin.sim.conditions import Conditions
from evtwin.sim.kernel import BLOCK, OCV_POLY, run_kernel, run_kernel_serial
from evtwin.sim.traces import Trace, as_trace
from evtwin.vehicles.coerce import as_params
from evtwin.vehicles.derive import VehicleParams
from evtwin.vehicles.spec import VehicleSpec

__all__ = ["BatchResult", "Case", "CaseResult", "History", "pack_params", "run_batch", "simulate"]

FloatArray = npt.NDArray[np.float64]


@dataclass(frozen=True, slots=True)
class Case:
    """One batch element: a vehicle, its conditions and the trace it drives."""

    params: VehicleParams
    conditions: Conditions
    trace: Trace


@dataclass(frozen=True, slots=True)
class History:
    """Per-time-step record of one batch element (SI units)."""

    time_s: FloatArray
    speed_mps: FloatArray
    soc: FloatArray
    terminal_power_w: FloatArray
    wheel_power_w: FloatArray
    current_a: FloatArray
    voltage_v: FloatArray
    distance_m: FloatArray


@dataclass(frozen=True, slots=True)
class CaseResult:
    """Totals of one batch element. Energies in J; battery terminal energy is 'DC'."""

    distance_m: float
    duration_s: float
    energy_terminal_j: float
    energy_chemical_j: float
    energy_battery_loss_j: float
    energy_traction_j: float
    energy_braking_j: float
    energy_friction_brake_j: float
    energy_regen_wheel_j: float
    energy_motor_loss_j: float
    energy_gear_loss_j: float
    energy_aux_j: float
    energy_hvac_j: float
    energy_rolling_j: float
    energy_aero_j: float
    energy_grade_j: float
    kinetic_start_j: float
    kinetic_end_j: float
    soc_end: float
    soc_min: float
    trace_miss_steps: int
    max_speed_deficit_mps: float
    first_miss_s: float | None
    depleted: bool
    energy_unserved_j: float
    peak_terminal_power_w: float
    history: History | None = None

    @property
    def followed_trace(self) -> bool:
        """True if the car stayed within the GTR 15 ±2 km/h band and never ran empty."""
        return self.trace_miss_steps == 0 and not self.depleted

    @property
    def dc_wh_per_km(self) -> float:
        if self.distance_m <= 0:
            raise SimulationError("the car did not move: consumption per km is undefined")
        return self.energy_terminal_j / 3600.0 / (self.distance_m / 1000.0)


@dataclass(frozen=True, slots=True)
class BatchResult:
    """Totals of a batch, one row per element (columns: :mod:`evtwin.sim.layout` ``O_*``)."""

    out: FloatArray
    hist: FloatArray
    traces: tuple[Trace, ...]
    trace_of: npt.NDArray[np.int64]

    def __len__(self) -> int:
        return int(self.out.shape[0])

    @property
    def distance_m(self) -> FloatArray:
        return self.out[:, L.O_DIST_M]

    @property
    def energy_terminal_j(self) -> FloatArray:
        return self.out[:, L.O_E_TERMINAL]

    @property
    def dc_wh_per_km(self) -> FloatArray:
        return self.out[:, L.O_E_TERMINAL] / 3.6 / np.maximum(self.out[:, L.O_DIST_M], 1e-9)

    def case(self, i: int) -> CaseResult:
        o = self.out[i]
        history = None
        if i < self.hist.shape[0]:
            tr = self.traces[int(self.trace_of[i])]
            n = len(tr)
            h = self.hist[i]
            history = History(
                time_s=tr.time_s.copy(),
                speed_mps=h[L.H_SPEED, :n].copy(),
                soc=h[L.H_SOC, :n].copy(),
                terminal_power_w=h[L.H_P_TERMINAL, :n].copy(),
                wheel_power_w=h[L.H_P_WHEEL, :n].copy(),
                current_a=h[L.H_CURRENT, :n].copy(),
                voltage_v=h[L.H_VOLTAGE, :n].copy(),
                distance_m=h[L.H_DIST, :n].copy(),
            )
        return CaseResult(
            distance_m=float(o[L.O_DIST_M]),
            duration_s=float(o[L.O_TIME_S]),
            energy_terminal_j=float(o[L.O_E_TERMINAL]),
            energy_chemical_j=float(o[L.O_E_CHEMICAL]),
            energy_battery_loss_j=float(o[L.O_E_BATT_LOSS]),
            energy_traction_j=float(o[L.O_E_TRACTION]),
            energy_braking_j=float(o[L.O_E_BRAKING]),
            energy_friction_brake_j=float(o[L.O_E_FRICTION]),
            energy_regen_wheel_j=float(o[L.O_E_REGEN_WHEEL]),
            energy_motor_loss_j=float(o[L.O_E_MOTOR_LOSS]),
            energy_gear_loss_j=float(o[L.O_E_GEAR_LOSS]),
            energy_aux_j=float(o[L.O_E_AUX]),
            energy_hvac_j=float(o[L.O_E_HVAC]),
            energy_rolling_j=float(o[L.O_E_ROLL]),
            energy_aero_j=float(o[L.O_E_AERO]),
            energy_grade_j=float(o[L.O_E_GRADE]),
            kinetic_start_j=float(o[L.O_KE_START]),
            kinetic_end_j=float(o[L.O_KE_END]),
            soc_end=float(o[L.O_SOC_END]),
            soc_min=float(o[L.O_MIN_SOC]),
            trace_miss_steps=int(o[L.O_MISS_STEPS]),
            max_speed_deficit_mps=float(o[L.O_MAX_DEFICIT]),
            first_miss_s=None if o[L.O_FIRST_MISS_S] < 0 else float(o[L.O_FIRST_MISS_S]),
            depleted=bool(o[L.O_DEPLETED]),
            energy_unserved_j=float(o[L.O_E_UNSERVED]),
            peak_terminal_power_w=float(o[L.O_PEAK_TERMINAL_W]),
            history=history,
        )


def pack_params(params: Sequence[VehicleParams]) -> FloatArray:
    """Vehicle parameters as an (n, N_P) array in the kernel's column layout."""
    P = np.empty((len(params), L.N_P))
    for i, p in enumerate(params):
        row = P[i]
        row[L.P_MASS] = p.mass_kg
        row[L.P_ROTFRAC] = p.rotating_mass_fraction
        row[L.P_F0] = p.f0_n
        row[L.P_F1] = p.f1_n_per_mps
        row[L.P_F2] = p.f2_n_per_mps2
        row[L.P_RHO_REF] = p.reference_air_density_kg_per_m3
        row[L.P_MOTOR_W] = p.motor_power_w
        row[L.P_AWD] = 1.0 if p.drivetrain == "awd" else 0.0
        row[L.P_FRONT_SHARE] = p.awd_front_share
        row[L.P_DISCONNECT] = 1.0 if p.awd_disconnect else 0.0
        row[L.P_BASE_SPEED] = p.base_speed_mps
        row[L.P_TRACTION_N] = p.traction_force_max_n
        row[L.P_BATT_J] = p.battery_energy_j
        row[L.P_BATT_V] = p.battery_voltage_v
        row[L.P_BATT_R] = p.battery_resistance_ohm
        row[L.P_DIS_W] = p.battery_discharge_power_w
        row[L.P_CHG_W] = p.battery_charge_power_w
        row[L.P_VMIN] = p.battery_min_voltage_v
        row[L.P_RL_MASS] = p.road_load_mass_kg
    return P


def pack_conditions(conditions: Sequence[Conditions], constants: ModelConstants) -> FloatArray:
    """Conditions as an (n, N_C) array in the kernel's column layout."""
    C = np.empty((len(conditions), L.N_C))
    for i, c in enumerate(conditions):
        row = C[i]
        row[L.C_AMBIENT_C] = c.ambient_temp_c
        row[L.C_ALTITUDE_M] = c.altitude_m
        row[L.C_PAYLOAD_KG] = c.payload_kg
        row[L.C_TRAILER_KG] = c.trailer_kg
        row[L.C_TRAILER_CDA] = c.trailer_cda_m2
        row[L.C_TRAILER_CRR] = c.trailer_crr
        row[L.C_AIR_HEADWIND] = c.headwind_mps
        row[L.C_HVAC_W] = c.hvac_w
        row[L.C_AUX_W] = constants.aux_base_load_w if c.aux_w is None else c.aux_w
        row[L.C_SOC0] = c.initial_soc
        row[L.C_BATT_TEMP_C] = c.ambient_temp_c if c.battery_temp_c is None else c.battery_temp_c
        real = c.road == "real"
        row[L.C_ROLL_FACTOR] = c.rolling_factor * (
            constants.real_road_rolling_factor if real else 1.0
        )
        row[L.C_DRAG_FACTOR] = constants.real_road_drag_factor if real else 1.0
        row[L.C_FRICTION] = c.friction
        row[L.C_REGEN_DECEL] = (
            constants.regen_max_decel_mps2
            if c.regen_max_decel_mps2 is None
            else c.regen_max_decel_mps2
        )
    return C


def pack_constants(c: ModelConstants) -> FloatArray:
    G = np.empty(L.N_G)
    s = c.motor_loss_scale
    G[L.G_CU] = c.motor_copper * s
    G[L.G_INV] = c.motor_inverter * s
    G[L.G_FE] = c.motor_iron * s
    G[L.G_WIND] = c.motor_windage * s
    G[L.G_STANDBY] = c.motor_standby * s
    G[L.G_GEAR] = c.gear_efficiency
    G[L.G_REGEN_FULL] = c.regen_full_speed_kph
    G[L.G_REGEN_ZERO] = c.regen_zero_speed_kph
    G[L.G_ARRHENIUS] = c.battery_arrhenius_b_k
    G[L.G_DRY_MU] = c.dry_friction
    return G


def pack_traces(
    traces: Sequence[Trace],
) -> tuple[FloatArray, FloatArray, FloatArray, FloatArray, npt.NDArray[np.int64]]:
    """Time, speed, cos and sin of the road angle, padded to the longest trace."""
    n_max = max(len(t) for t in traces)
    T = np.zeros((len(traces), n_max))
    V = np.zeros((len(traces), n_max))
    COS = np.ones((len(traces), n_max))
    SIN = np.zeros((len(traces), n_max))
    lengths = np.empty(len(traces), dtype=np.int64)
    for i, tr in enumerate(traces):
        n = len(tr)
        T[i, :n] = tr.time_s
        V[i, :n] = tr.speed_mps
        hyp = np.sqrt(1.0 + tr.grade * tr.grade)
        COS[i, :n] = 1.0 / hyp
        SIN[i, :n] = tr.grade / hyp
        lengths[i] = n
    return T, V, COS, SIN, lengths


BLOCK_SIZE = BLOCK
"""Vehicles stepped together (vectorised) on one trace; blocks run in parallel."""


def make_blocks(
    trace_of: npt.NDArray[np.int64], block_size: int = BLOCK_SIZE
) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.int64]]:
    """Group batch elements by trace into blocks: (blocks[start, length, trace], order)."""
    order = np.argsort(trace_of, kind="stable").astype(np.int64)
    sorted_tr = trace_of[order]
    rows: list[tuple[int, int, int]] = []
    bounds = np.flatnonzero(np.diff(sorted_tr)) + 1
    starts = np.concatenate(([0], bounds))
    ends = np.concatenate((bounds, [len(order)]))
    for s, e in zip(starts, ends, strict=True):
        for b in range(int(s), int(e), block_size):
            rows.append((b, min(block_size, int(e) - b), int(sorted_tr[s])))
    return np.array(rows, dtype=np.int64).reshape(-1, 3), order


def run_arrays(
    P: FloatArray,
    C: FloatArray,
    traces: Sequence[Trace],
    trace_of: npt.NDArray[np.int64],
    *,
    constants: ModelConstants | None = None,
    record: int = 0,
) -> BatchResult:
    """Run pre-packed arrays (the fast path for large batches)."""
    n = P.shape[0]
    if n == 0:
        raise SimulationError("empty batch: give at least one case")
    if P.shape[0] != C.shape[0] or P.shape[0] != trace_of.shape[0]:
        raise SimulationError(
            f"batch arrays disagree: {P.shape[0]} vehicles, {C.shape[0]} conditions, "
            f"{trace_of.shape[0]} trace indices"
        )
    if not traces:
        raise SimulationError("a batch needs at least one trace")
    if trace_of.min() < 0 or trace_of.max() >= len(traces):
        raise SimulationError(f"trace index out of range 0..{len(traces) - 1}")
    G = pack_constants(constants if constants is not None else default_constants())
    T, V, COS, SIN, lengths = pack_traces(traces)
    blocks, order = make_blocks(trace_of)
    out = np.zeros((n, L.N_O))
    n_rec = min(record, n)
    hist = np.zeros((n_rec, L.N_H, T.shape[1] if n_rec else 1))
    hist_row = np.full(n, -1, dtype=np.int64)
    hist_row[:n_rec] = np.arange(n_rec)
    kernel = run_kernel if len(blocks) > 1 else run_kernel_serial
    kernel(P, C, G, OCV_POLY, blocks, order, T, V, COS, SIN, lengths, out, hist, hist_row)
    return BatchResult(out=out, hist=hist, traces=tuple(traces), trace_of=trace_of)


def run_batch(
    cases: Sequence[Case], *, constants: ModelConstants | None = None, record: int = 0
) -> BatchResult:
    """Run every case at once. ``record`` = how many leading cases keep a per-step history."""
    if not cases:
        raise SimulationError("empty batch: give at least one case")
    c = constants if constants is not None else default_constants()
    trace_ids: dict[int, int] = {}
    traces: list[Trace] = []
    trace_of = np.empty(len(cases), dtype=np.int64)
    for i, case in enumerate(cases):
        key = id(case.trace)
        if key not in trace_ids:
            trace_ids[key] = len(traces)
            traces.append(case.trace)
        trace_of[i] = trace_ids[key]
    P = pack_params([case.params for case in cases])
    C = pack_conditions([case.conditions for case in cases], c)
    return run_arrays(P, C, traces, trace_of, constants=c, record=record)


def simulate(
    params: VehicleParams | VehicleSpec | str,
    trace: Trace | str,
    conditions: Conditions | None = None,
    *,
    constants: ModelConstants | None = None,
    record: bool = False,
) -> CaseResult:
    """One car on one trace: a batch of one.

    ``params`` may be derived :class:`~evtwin.vehicles.VehicleParams`, a
    :class:`~evtwin.vehicles.VehicleSpec` or a catalogue id; ``trace`` a
    :class:`~evtwin.sim.traces.Trace` or a cycle name.

    >>> r = simulate("defender-sport", "wltc")
    >>> round(r.distance_m / 1000, 1), r.followed_trace
    (23.3, True)
    """
    if conditions is not None and not isinstance(conditions, Conditions):
        raise TypeError(f"conditions must be evtwin.Conditions, got {type(conditions).__name__}")
    case = Case(
        as_params(params, constants),
        conditions if conditions is not None else Conditions(),
        as_trace(trace),
    )
    return run_batch([case], constants=constants, record=1 if record else 0).case(0)
