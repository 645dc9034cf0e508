"""Range and consumption answers, including the WLTP procedure for pure EVs.

WLTP (UN GTR No. 15, transposed by Regulation (EU) 2017/1151 Annex XXI; pure-EV procedure in
Annex 8 of the GTR / Sub-Annex 8 of the Regulation):

- the car is driven at its *test mass*: mass in running order + 25 kg + 15 % of the vehicle
  load for M1 cars (see :func:`evtwin.vehicles.derive.derive_params`);
- over the WLTC for its class: class 3b (v_max >= 120 km/h) for every car here;
- in the test cell at 23 °C, HVAC off, with the car's normal 12 V loads;
- the electric range is usable battery energy over DC consumption, ``EAER/PER = UBE /
  EC_DC`` (the shortened test procedure's ratio form); DC energy is measured at the battery
  terminals, so internal-resistance losses are inside UBE, not EC_DC;
- consumption at the plug is ``EC_AC = E_AC / range``: the AC energy that recharges UBE,
  modelled here as ``EC_DC / eta_AC`` with the global wall-to-battery efficiency.

Every other question (another cycle, constant speed, cold, payload, trailer, wind, HVAC load)
uses the same engine with the car at kerb mass plus the stated payload.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from typing import Any

import numpy as np
import numpy.typing as npt

from evtwin.battery.chemistry import load_chemistry
from evtwin.physics.constants import ModelConstants, default_constants
from evtwin.sim import kernel as L
from evtwin.sim.conditions import Conditions
from evtwin.sim.engine import Case, CaseResult, run_batch
from evtwin.sim.traces import Trace, as_trace, cycle
from evtwin.units import J_PER_KWH, KM_PER_MILE
from evtwin.vehicles.coerce import as_spec
from evtwin.vehicles.derive import VehicleParams, derive_params
from evtwin.vehicles.spec import VehicleSpec

__all__ = [
    "CALIBRATION_MIN_LOSS_FACTOR",
    "RangeEstimate",
    "RangeQuery",
    "calibrate",
    "calibrated_consumption",
    "calibration_factor",
    "cold_capacity_fraction",
    "estimate_ranges",
    "wltp_conditions",
    "wltp_range",
]

WLTP_AMBIENT_C = 23.0
FloatArray = npt.NDArray[np.float64]


@dataclass(frozen=True, slots=True)
class RangeQuery:
    """One range question: a vehicle on a trace under conditions."""

    spec: VehicleSpec
    trace: Trace
    conditions: Conditions
    procedure: str = "custom"

    def __post_init__(self) -> None:
        # A catalogue id is accepted for the spec; anything else is a clear TypeError.
        object.__setattr__(self, "spec", as_spec(self.spec))
        if not isinstance(self.trace, Trace):
            object.__setattr__(self, "trace", as_trace(self.trace))
        if not isinstance(self.conditions, Conditions):
            raise TypeError(
                f"RangeQuery.conditions must be evtwin.Conditions, got "
                f"{type(self.conditions).__name__}"
            )


@dataclass(frozen=True, slots=True)
class RangeEstimate:
    """The answer to a :class:`RangeQuery` (units in names)."""

    vehicle_id: str
    name: str
    is_estimate: bool
    procedure: str
    trace: str
    range_km: float
    consumption_wh_per_km: float
    consumption_ac_wh_per_km: float
    usable_battery_kwh: float
    mass_driven_kg: float
    followed_trace: bool
    trace_miss_steps: int
    max_speed_deficit_kph: float
    conditions: dict[str, Any]
    energy_wh_per_km: dict[str, float]
    assumptions: dict[str, str]
    official: dict[str, float] = field(default_factory=dict)
    sources: dict[str, str] = field(default_factory=dict)
    calibration: dict[str, Any] | None = None
    range_km_band: dict[str, Any] | None = None
    """P10/P50/P90 and the dominant unknown for a spec with ``[ranges]``."""
    """None: from the spec alone; else what the answer was calibrated to (see
    :func:`calibrate`)."""

    @property
    def range_miles(self) -> float:
        return self.range_km / KM_PER_MILE

    def to_json(self) -> dict[str, Any]:
        """The documented ``--json`` object (stable keys, units in names)."""
        return {
            "vehicle": self.vehicle_id,
            "name": self.name,
            "profile": "estimate" if self.is_estimate else "published",
            "procedure": self.procedure,
            "cycle": self.trace,
            "range_km": round(self.range_km, 1),
            "range_miles": round(self.range_miles, 1),
            "consumption_wh_per_km": round(self.consumption_wh_per_km, 1),
            "consumption_ac_wh_per_km": round(self.consumption_ac_wh_per_km, 1),
            "usable_battery_kwh": self.usable_battery_kwh,
            "mass_driven_kg": round(self.mass_driven_kg, 1),
            "followed_trace": self.followed_trace,
            "trace_miss_steps": self.trace_miss_steps,
            "max_speed_deficit_kph": round(self.max_speed_deficit_kph, 2),
            "inputs": self.conditions,
            "energy_wh_per_km": {k: round(v, 2) for k, v in self.energy_wh_per_km.items()},
            "assumptions": self.assumptions,
            "spec_sources": self.sources,
            "official": self.official,
            "calibrated": self.calibration is not None,
            "calibrated_to": self.calibration,
            **({"range_km_band": self.range_km_band} if self.range_km_band else {}),
        }


def wltp_conditions(params: VehicleParams) -> Conditions:
    """GTR 15 type-1 test conditions for a pure EV: 23 °C, test mass, HVAC off."""
    return Conditions(
        ambient_temp_c=WLTP_AMBIENT_C,
        payload_kg=params.wltp_test_mass_kg - params.mass_kg,
        initial_soc=1.0,
        road="test",
    )


def _estimate(
    query: RangeQuery,
    params: VehicleParams,
    result: CaseResult,
    c: ModelConstants,
    reference_loss_fraction: float,
) -> RangeEstimate:
    km = result.distance_m / 1000.0
    dc = result.dc_wh_per_km
    per_km = 1.0 / 3600.0 / km
    energy = {
        "traction_at_wheel": result.energy_traction_j * per_km,
        "regenerated_at_wheel": result.energy_regen_wheel_j * per_km,
        "friction_braking": result.energy_friction_brake_j * per_km,
        "motor_inverter_loss": result.energy_motor_loss_j * per_km,
        "gear_loss": result.energy_gear_loss_j * per_km,
        "auxiliary": result.energy_aux_j * per_km,
        "hvac": result.energy_hvac_j * per_km,
        "rolling_resistance": result.energy_rolling_j * per_km,
        "aerodynamic_drag": result.energy_aero_j * per_km,
        "climbing": result.energy_grade_j * per_km,
        "battery_internal_loss": result.energy_battery_loss_j * per_km,
    }
    cond = asdict(query.conditions)
    cond["aux_w"] = c.aux_base_load_w if query.conditions.aux_w is None else cond["aux_w"]
    official = {k: v for k, v in asdict(query.spec.official).items() if v is not None}
    assumptions = dict(params.basis)
    if query.procedure == "wltp":
        assumptions["range"] = "WLTP: usable battery energy / DC consumption (GTR 15 Annex 8)"
    else:
        assumptions["range"] = (
            "usable battery energy (at WLTP discharge rates) / consumption on this trace, "
            "counting the pack's extra internal losses beyond the WLTP's"
        )
    if query.conditions.road == "real":
        assumptions["road"] = (
            f"public road: rolling resistance x{c.real_road_rolling_factor:g}, drag "
            f"x{c.real_road_drag_factor:g} (calibrated on independent 90/120 km/h tests)"
        )
    else:
        assumptions["road"] = "type-approval road load (test conditions)"
    cold_k = c.cold_reference_temp_c - query.conditions.ambient_temp_c
    chem = load_chemistry(params.battery_chemistry).cold_capacity_factor
    if cold_k > 0.0 and query.procedure != "wltp":
        assumptions["cold"] = (
            f"{cold_k:g} K below {c.cold_reference_temp_c:g} °C: cold tyres and drivetrain "
            f"fluids x{1.0 + c.cold_rolling_per_k * cold_k:.3f} rolling resistance, cold pack "
            f"delivers {cold_capacity_fraction(query.conditions, c, chemistry_factor=chem):.1%}"
            f" of its usable energy ({params.battery_chemistry}) "
            "(global constants fitted on AAA 2019 and an independent tester's winter runs; "
            "leave-one-out error in 'evtwin validate')"
        )
    assumptions["consumption_ac"] = (
        f"DC consumption / {c.ac_charging_efficiency:g} wall-to-battery efficiency (global)"
    )
    return RangeEstimate(
        vehicle_id=query.spec.id,
        name=query.spec.name,
        is_estimate=query.spec.is_estimate,
        procedure=query.procedure,
        trace=query.trace.name,
        range_km=_range_km(query, result, reference_loss_fraction, c),
        consumption_wh_per_km=dc,
        consumption_ac_wh_per_km=dc / c.ac_charging_efficiency,
        usable_battery_kwh=query.spec.usable_battery_kwh,
        mass_driven_kg=params.mass_kg + query.conditions.payload_kg,
        followed_trace=result.followed_trace,
        trace_miss_steps=result.trace_miss_steps,
        max_speed_deficit_kph=result.max_speed_deficit_mps * 3.6,
        conditions=cond,
        energy_wh_per_km=energy,
        assumptions=assumptions,
        official=official,
        sources=dict(query.spec.sources),
    )


def cold_capacity_fraction(
    conditions: Conditions, c: ModelConstants, *, chemistry_factor: float = 1.0
) -> float:
    """Share of the stated usable energy a pack at the drive's temperature delivers
    (``constants.toml`` ``[cold]``): 1 at or above the reference temperature.
    ``chemistry_factor`` scales the loss per kelvin for the pack's cell chemistry
    (``chemistry.toml`` ``cold_capacity_factor``: LFP loses more; NMC 1)."""
    t_pack = (
        conditions.ambient_temp_c
        if conditions.battery_temp_c is None
        else conditions.battery_temp_c
    )
    loss = c.cold_capacity_per_k * chemistry_factor * max(c.cold_reference_temp_c - t_pack, 0.0)
    return 1.0 - loss


def _range_km(
    query: RangeQuery,
    result: CaseResult,
    reference_loss_fraction: float,
    c: ModelConstants,
) -> float:
    """Usable battery energy over consumption.

    The usable energy a maker states is what the pack delivers at its terminals at
    type-approval discharge rates (the WLTP's UBE). Under harder conditions (cold pack,
    motorway power) more of the chemical energy turns into heat inside the pack, so the
    range is chemical energy over chemical consumption:
    ``E_usable * (1 + f_wltp) / (E_chem / km)``, with ``f_wltp`` the car's internal-loss
    fraction on the WLTP run, times the cold pack's capacity share
    (:func:`cold_capacity_fraction`). For the WLTP itself this is ``E_usable / (E_DC / km)``.
    """
    usable_j = query.spec.usable_battery_kwh * J_PER_KWH
    km = result.distance_m / 1000.0
    if query.procedure == "wltp":
        return usable_j / (result.energy_terminal_j / km)
    chemical_per_km = (result.energy_terminal_j + result.energy_battery_loss_j) / km
    capacity = cold_capacity_fraction(
        query.conditions,
        c,
        chemistry_factor=load_chemistry(query.spec.battery_chemistry).cold_capacity_factor,
    )
    return usable_j * capacity * (1.0 + reference_loss_fraction) / chemical_per_km


def estimate_ranges(
    queries: Sequence[RangeQuery], *, constants: ModelConstants | None = None
) -> list[RangeEstimate]:
    """Answer many range questions in one batched engine run (with each car's WLTP run as
    the reference for its pack's internal losses, in the same batch)."""
    c = constants if constants is not None else default_constants()
    params_by_id: dict[int, VehicleParams] = {}
    cases: list[Case] = []
    for q in queries:
        key = id(q.spec)
        if key not in params_by_id:
            params_by_id[key] = derive_params(q.spec, c)
        cases.append(Case(params_by_id[key], q.conditions, q.trace))
    # one WLTP reference run per distinct car that has a non-WLTP question
    ref_index: dict[int, int] = {}
    wltc = cycle("wltc")
    for q in queries:
        key = id(q.spec)
        if q.procedure != "wltp" and key not in ref_index:
            params = params_by_id[key]
            ref_index[key] = len(cases)
            cases.append(Case(params, wltp_conditions(params), wltc))
    batch = run_batch(cases, constants=c)
    out = batch.out
    estimates = []
    for i, q in enumerate(queries):
        key = id(q.spec)
        f_ref = 0.0
        if key in ref_index:
            r = ref_index[key]
            f_ref = out[r, L.O_E_BATT_LOSS] / max(out[r, L.O_E_TERMINAL], 1e-9)
        estimates.append(_estimate(q, params_by_id[key], batch.case(i), c, float(f_ref)))
    return estimates


def wltp_queries(specs: Sequence[VehicleSpec], constants: ModelConstants) -> list[RangeQuery]:
    wltc = cycle("wltc")
    return [
        RangeQuery(s, wltc, wltp_conditions(derive_params(s, constants)), "wltp") for s in specs
    ]


def wltp_range(
    spec: VehicleSpec | str, *, constants: ModelConstants | None = None
) -> RangeEstimate:
    """WLTP range and consumption of one vehicle, a spec or a catalogue id (see module
    docstring for the procedure).

    >>> r = wltp_range("bmw-ix1-edrive20")
    >>> r.vehicle_id, r.procedure, 350 < r.range_km < 600
    ('bmw-ix1-edrive20', 'wltp', True)
    """
    c = constants if constants is not None else default_constants()
    return estimate_ranges(wltp_queries([as_spec(spec)], c), constants=c)[0]


CALIBRATION_MIN_LOSS_FACTOR = 0.1
"""Floor of the per-car drivetrain-loss factor: an official range that would need the motor
and inverter to lose (almost) nothing is not reproduced but said so."""


def calibrated_consumption[F: (float, FloatArray)](dc: F, motor_loss: F, factor: F) -> F:
    """DC consumption with the motor + inverter losses scaled by ``factor`` (same units in,
    same out). Exact to first order: the losses enter the terminal power additively; only the
    pack's I²R loss on the changed current is left out."""
    return dc + (factor - 1.0) * motor_loss


def calibration_factor(wltp: RangeEstimate, wltp_range_km: float) -> float:
    """The one per-car factor on motor + inverter losses that makes the model's WLTP range
    equal ``wltp_range_km`` (floored at :data:`CALIBRATION_MIN_LOSS_FACTOR`).

    Why the losses, not all driving energy (until 2026-12-08) or the road load: of the
    parameters one could calibrate per car, it predicts an independent tester's held-out
    90/120 km/h tests best (``tools/calibration_modes_check.py``; docs/energy-model.md): a
    WLTP miss is mostly at low speed and light load, where drivetrain losses weigh most."""
    target = wltp.usable_battery_kwh * 1000.0 / wltp_range_km
    loss = wltp.energy_wh_per_km["motor_inverter_loss"]
    k = 1.0 + (target - wltp.consumption_wh_per_km) / max(loss, 1e-9)
    return max(k, CALIBRATION_MIN_LOSS_FACTOR)


def calibrate(estimate: RangeEstimate, factor: float, to: dict[str, Any]) -> RangeEstimate:
    """``estimate`` with its motor + inverter losses scaled by ``factor``
    (:func:`calibration_factor`): consumption, plug consumption and range follow."""
    e = dict(estimate.energy_wh_per_km)
    dc = calibrated_consumption(estimate.consumption_wh_per_km, e["motor_inverter_loss"], factor)
    e["motor_inverter_loss"] *= factor
    ratio = dc / estimate.consumption_wh_per_km
    assumptions = dict(estimate.assumptions)
    floored = factor <= CALIBRATION_MIN_LOSS_FACTOR
    assumptions["calibration"] = (
        f"calibrated to {to['source']} WLTP range {to['wltp_range_km']:g} km: motor + inverter "
        f"losses x{factor:.3f} under every condition (one per-car factor; --from-spec for the "
        "model alone)"
        + (
            f"; floored at x{CALIBRATION_MIN_LOSS_FACTOR:g}, so the WLTP range is NOT reproduced"
            if floored
            else ""
        )
    )
    return dataclasses.replace(
        estimate,
        range_km=estimate.range_km / ratio,
        consumption_wh_per_km=dc,
        consumption_ac_wh_per_km=estimate.consumption_ac_wh_per_km * ratio,
        energy_wh_per_km=e,
        assumptions=assumptions,
        calibration={**to, "drivetrain_loss_factor": round(factor, 4)},
    )
