"""Derived physical parameters: from a spec (what the file says) to SI model inputs.

Every parameter records where it came from: ``"spec"`` (the file states it) or the rule that
estimated it. Nothing missing is ever silently zero. The rules and their sources live in
``evtwin/data/model/constants.toml``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from types import MappingProxyType
from typing import TypeVar

from evtwin.physics.constants import ModelConstants, default_constants
from evtwin.units import G_M_PER_S2, J_PER_KWH, KPH_PER_MPS
from evtwin.vehicles.spec import VehicleSpec

__all__ = [
    "TYRE_CLASS_RRC_N_PER_KN",
    "Derived",
    "VehicleParams",
    "derive_params",
    "frontal_area",
    "mass_in_running_order",
    "model_year_of",
    "regen_decel_for_year",
]

_YEAR = re.compile(r"(19|20)\d\d")


def model_year_of(spec: VehicleSpec) -> int | None:
    """The first four-digit year in the spec's ``model_year`` ("2023-2024" -> 2023)."""
    if spec.model_year is None:
        return None
    m = _YEAR.search(spec.model_year)
    return int(m.group(0)) if m else None


def regen_decel_for_year(year: float, c: ModelConstants) -> float:
    """The global regeneration rule: the deceleration (m/s²) up to which a car of this model
    year brakes regeneratively (``constants.toml`` ``[drivetrain]``)."""
    grown = c.regen_max_decel_mps2 + c.regen_growth_per_year * (year - c.regen_reference_year)
    return min(max(grown, c.regen_max_decel_mps2), c.regen_cap_mps2)


T = TypeVar("T")


@dataclass(frozen=True, slots=True)
class Derived[T]:
    """A value and how it was obtained."""

    value: T
    basis: str


@dataclass(frozen=True, kw_only=True, slots=True)
class VehicleParams:
    """SI inputs of the energy model for one vehicle (no conditions, no state)."""

    vehicle_id: str
    name: str
    is_estimate: bool
    drivetrain: str
    mass_kg: float
    """Mass in running order (EU definition: includes a 75 kg driver), from the spec's kerb
    mass and its basis (:func:`mass_in_running_order`)."""
    wltp_test_mass_kg: float
    """GTR 15 test mass: the mass the WLTP procedure drives."""
    road_load_mass_kg: float
    """Mass at which ``f0``/``f1`` apply; rolling resistance scales with actual mass."""
    rotating_mass_fraction: float
    f0_n: float
    f1_n_per_mps: float
    f2_n_per_mps2: float
    """Road load F = f0 + f1 v + f2 v^2 at ``mass_kg`` and reference air density."""
    reference_air_density_kg_per_m3: float
    motor_power_w: float
    awd_front_share: float
    awd_disconnect: bool
    base_speed_mps: float
    traction_force_max_n: float
    battery_energy_j: float
    battery_voltage_v: float
    battery_resistance_ohm: float
    battery_discharge_power_w: float
    battery_charge_power_w: float
    battery_min_voltage_v: float
    usable_battery_kwh: float
    motor_loss_factor: float
    """Loss-model factor of the primary motor's type (PMSM 1)."""
    secondary_loss_factor: float
    """Same for the secondary (AWD) motor; 1 for one-motor cars."""
    secondary_drag_fraction: float
    """Share of the secondary motor's speed losses dragged when it is idle (0 disconnected)."""
    regen_max_decel_mps2: float
    """Deceleration (m/s²) up to which braking regenerates (global rule by model year)."""
    basis: MappingProxyType[str, str]
    """Parameter name → 'spec' or the rule that estimated it."""
    battery_chemistry: str = "nmc"
    """Cell chemistry (``nmc``/``nca``/``lfp``; NMC, ``evtwin.battery.DEFAULT_CHEMISTRY``,
    when the spec does not say)."""


def _type_loss_factor(motor_type: str, c: ModelConstants) -> float:
    """Loss-model factor of a motor type (``constants.toml`` ``[motor_types]``)."""
    if motor_type == "induction":
        return c.induction_loss_factor
    if motor_type == "eesm":
        return c.eesm_loss_factor
    return 1.0


TYRE_CLASS_RRC_N_PER_KN = {"A": 6.0, "B": 7.15, "C": 8.4, "D": 9.8, "E": 11.0}
"""Midpoints of the EU label rolling-resistance classes (C1 tyres), N/kN."""


def frontal_area(spec: VehicleSpec, constants: ModelConstants | None = None) -> Derived[float]:
    """The car's frontal area (m²): the spec's, or the rule factor × width × height.

    The one frontal-area rule: the road load (:func:`derive_params`) and the cabin envelope
    (:func:`evtwin.climate.cabin_params`) both use it.
    """
    if spec.frontal_area_m2 is not None:
        return Derived(spec.frontal_area_m2, "spec")
    c = constants if constants is not None else default_constants()
    a = c.frontal_area_factor * spec.width_mm / 1000 * spec.height_mm / 1000
    return Derived(
        a,
        f"default {a:.2f} m²: not in the spec; rule {c.frontal_area_factor:g} x width x "
        "height (from two published areas)",
    )


def mass_in_running_order(
    spec: VehicleSpec, constants: ModelConstants | None = None
) -> Derived[float]:
    """The car's EU mass in running order (driver aboard, kg) from its kerb mass and the
    kerb mass's basis (``kerb_mass_basis``): the one global rule (``constants.toml``
    ``[mass]``).

    - ``eu_incl_driver``: the kerb mass as stated;
    - ``without_driver`` (a DIN/US kerb weight): plus the EU driver (75 kg);
    - ``unknown`` (the source does not say): plus ``[mass] unknown_basis_added_kg`` (its
      value and why: ``constants.toml``; ``evtwin validate``'s mass report fits it on cars
      weighed on scales);
    - not stated in the spec: read as ``eu_incl_driver`` (the catalogue's convention until
      2026-12-08), and the answer says so.
    """
    c = constants if constants is not None else default_constants()
    kerb = spec.kerb_mass_kg
    if spec.kerb_mass_basis is None:
        return Derived(
            kerb,
            f"default eu_incl_driver: not in the spec; kerb_mass_kg {kerb:g} kg read as EU mass "
            f"in running order ({c.kerb_driver_kg:g} kg driver included; assumption)",
        )
    if spec.kerb_mass_basis == "without_driver":
        return Derived(
            kerb + c.kerb_driver_kg,
            f"spec: without_driver; kerb {kerb:g} kg + {c.kerb_driver_kg:g} kg driver (EU "
            "mass in running order)",
        )
    if spec.kerb_mass_basis == "unknown":
        added = c.kerb_unknown_basis_added_kg
        return Derived(
            kerb + added,
            f"spec: unknown (the source does not say whether the driver is included); kerb "
            f"{kerb:g} kg + {added:g} kg (global rule [mass] unknown_basis_added_kg, "
            "assumption; its basis in constants.toml)",
        )
    return Derived(kerb, "spec: eu_incl_driver (EU mass in running order, driver included)")


def derive_params(
    spec: VehicleSpec | str, constants: ModelConstants | None = None
) -> VehicleParams:
    """Turn a spec (or a catalogue id) into model parameters, estimating what is missing by
    documented rules.

    >>> derive_params("defender-sport").mass_kg > 2000
    True
    """
    if isinstance(spec, str):
        from evtwin.vehicles.catalogue import load_vehicle

        spec = load_vehicle(spec)
    if not isinstance(spec, VehicleSpec):
        raise TypeError(
            "derive_params expects a VehicleSpec or a catalogue id (str), got "
            f"{type(spec).__name__}"
        )
    c = constants if constants is not None else default_constants()
    basis: dict[str, str] = {}

    # -- mass: on the road (mass in running order, driver aboard) and the WLTP test mass ----
    mro = mass_in_running_order(spec, c)
    basis["kerb_mass_basis"] = mro.basis
    if spec.test_mass_kg is not None:
        mass = Derived(spec.test_mass_kg, "spec")
    else:
        load = (
            spec.max_laden_mass_kg - mro.value - c.wltp_added_mass_kg
            if spec.max_laden_mass_kg is not None
            else c.wltp_default_vehicle_load_kg
        )
        tm = mro.value + c.wltp_added_mass_kg + c.wltp_load_fraction * load
        mass = Derived(
            tm,
            f"GTR 15 test mass: mass in running order {mro.value:g} kg + "
            f"{c.wltp_added_mass_kg:g} kg + {c.wltp_load_fraction:.0%} of vehicle load "
            f"{load:g} kg" + ("" if spec.max_laden_mass_kg is not None else " (assumed)"),
        )
    basis["wltp_test_mass_kg"] = mass.basis
    if spec.test_mass_kg is None and spec.max_laden_mass_kg is None:
        basis["max_laden_mass_kg"] = (
            f"default: vehicle load {c.wltp_default_vehicle_load_kg:g} kg for the GTR 15 test "
            "mass (not in the spec; typical compact-SUV payload, assumption)"
        )

    # -- road load ----------------------------------------------------------------------------
    if (
        spec.road_load_f0_n is not None
        and spec.road_load_f1_n_per_kph is not None
        and spec.road_load_f2_n_per_kph2 is not None
    ):
        f0 = spec.road_load_f0_n
        f1 = spec.road_load_f1_n_per_kph * KPH_PER_MPS
        f2 = spec.road_load_f2_n_per_kph2 * KPH_PER_MPS**2
        for k in ("f0_n", "f1_n_per_mps", "f2_n_per_mps2"):
            basis[k] = "spec (measured road-load coefficients)"
        basis["drag_area_m2"] = "implied by measured f2"
    else:
        area = frontal_area(spec, c)
        if spec.drag_coefficient is not None:
            cd = Derived(spec.drag_coefficient, "spec")
        else:
            cd = Derived(
                c.default_drag_coefficient,
                f"default {c.default_drag_coefficient:g}: not in the spec; catalogue median of "
                "published Cd values, rounded up (assumption)",
            )
        crr = c.rolling_resistance
        if spec.tyre_rr_class is not None:
            rrc = TYRE_CLASS_RRC_N_PER_KN[spec.tyre_rr_class]
            crr *= rrc / c.tyre_rrc_reference_n_per_kn
            basis["tyre_rr_class"] = (
                f"spec: class {spec.tyre_rr_class} ({rrc:g} N/kN) -> Crr x "
                f"{rrc / c.tyre_rrc_reference_n_per_kn:.3f} of the global constant"
            )
        else:
            basis["tyre_rr_class"] = (
                "default: not in the spec; the global tyre constant (typical fitment, label "
                f"~{c.tyre_rrc_reference_n_per_kn:g} N/kN)"
            )
        f0 = crr * mass.value * G_M_PER_S2
        f1 = crr * c.rolling_resistance_speed_per_mps * mass.value * G_M_PER_S2
        f2 = 0.5 * c.reference_air_density_kg_per_m3 * cd.value * area.value
        basis["frontal_area_m2"] = area.basis
        basis["drag_coefficient"] = cd.basis
        basis["f0_n"] = f"rule: Crr {crr:g} x m g (global tyre constant)"
        basis["f1_n_per_mps"] = "rule: speed growth of rolling resistance (global)"
        basis["f2_n_per_mps2"] = "0.5 rho_ref Cd A"

    # -- drivetrain ---------------------------------------------------------------------------
    power = spec.motor_power_kw * 1000.0
    if spec.drivetrain == "awd":
        share = (
            Derived(spec.awd_front_power_share, "spec")
            if spec.awd_front_power_share is not None
            else Derived(
                c.awd_front_power_share,
                f"default {c.awd_front_power_share:g}: not in the spec; AWD front share "
                "(assumption)",
            )
        )
        secondary = (
            Derived(spec.secondary_motor_type, "spec")
            if spec.secondary_motor_type is not None
            else Derived(
                "pmsm",
                "default pmsm: not in the spec; the common secondary motor (assumption)",
            )
        )
        basis["secondary_motor_type"] = secondary.basis
        disconnect = (
            Derived(spec.awd_disconnect, "spec")
            if spec.awd_disconnect is not None
            else Derived(
                False,
                "default: not in the spec; no disconnect unit (assumption): an idle "
                f"{secondary.value} secondary motor is spun by the road",
            )
        )
        basis["awd_front_share"] = share.basis
        basis["awd_front_power_share"] = share.basis
        basis["awd_disconnect"] = disconnect.basis
        front_share, awd_disconnect = share.value, disconnect.value
        secondary_loss = _type_loss_factor(secondary.value, c)
        if awd_disconnect:
            drag = 0.0
        elif secondary.value == "pmsm":
            drag = c.secondary_drag_pmsm
        else:
            drag = c.secondary_drag_unexcited
        basis["secondary_drag_fraction"] = (
            f"rule: {drag:g} of its speed losses ({secondary.value}, "
            f"{'disconnected' if awd_disconnect else 'not disconnected'})"
        )
        driven_fraction = 1.0
    else:
        front_share, awd_disconnect = 0.0, False
        secondary_loss, drag = 1.0, 0.0
        driven_fraction = 0.6 if spec.drivetrain == "fwd" else 0.5
    primary = (
        Derived(spec.motor_type, "spec")
        if spec.motor_type is not None
        else Derived("pmsm", "default pmsm: not in the spec; the most common EV motor (assumption)")
    )
    basis["motor_type"] = primary.basis
    v_rule = power / (c.peak_force_over_weight * mro.value * G_M_PER_S2)
    v_ref = c.base_speed_reference_mps
    base_speed = v_ref * (v_rule / v_ref) ** c.base_speed_power_exponent
    basis["base_speed_mps"] = (
        f"rule: {v_ref:g} m/s x (P / ({c.peak_force_over_weight:g} m g) / {v_ref:g} m/s)^"
        f"{c.base_speed_power_exponent:g}"
    )
    # grip of the driven axle(s) at the limit, with the load transfer of that acceleration
    # (Gillespie 1992 ch. 2): rear drive gains load, front drive loses it, AWD uses it all
    mu, hl = c.dry_friction, c.cg_height_over_wheelbase
    transfer = {"rwd": 1.0 / (1.0 - mu * hl), "fwd": 1.0 / (1.0 + mu * hl)}.get(
        spec.drivetrain, 1.0
    )
    traction = mu * driven_fraction * transfer * mro.value * G_M_PER_S2
    basis["traction_force_max_n"] = (
        f"rule: mu {c.dry_friction:g} x {driven_fraction:.0%} of weight on driven axle(s)"
        + (
            f", load transfer under acceleration x {transfer:.3f} (h/L {hl:g})"
            if spec.drivetrain != "awd"
            else ""
        )
        + "; the engine also caps it at the motor's torque below base speed"
    )

    # -- battery ------------------------------------------------------------------------------
    if spec.battery_voltage_v is not None:
        volts = Derived(spec.battery_voltage_v, "spec")
    else:
        volts = Derived(
            c.battery_default_voltage_v,
            f"default {c.battery_default_voltage_v:g} V: not in the spec; 400 V class (the "
            "catalogue majority)",
        )
    basis["battery_voltage_v"] = volts.basis
    energy_j = spec.usable_battery_kwh * J_PER_KWH
    resistance = c.battery_resistance_energy_h * volts.value**2 / (spec.usable_battery_kwh * 1000)
    basis["battery_resistance_ohm"] = (
        f"rule: {c.battery_resistance_energy_h:g} h x V^2 / E (at 25 C)"
    )
    if spec.dc_peak_power_kw is not None:
        charge_power = Derived(spec.dc_peak_power_kw * 1000.0, "spec: dc_peak_power_kw")
    else:
        charge_power = Derived(
            c.battery_charge_power_over_motor * power,
            f"default {c.battery_charge_power_over_motor * power / 1000:.0f} kW: not in the "
            f"spec; {c.battery_charge_power_over_motor:g} x motor power (pack charge and "
            "regeneration limit)",
        )
        basis["dc_peak_power_kw"] = charge_power.basis
    basis["battery_charge_power_w"] = charge_power.basis
    if spec.heat_pump is None:
        basis["heat_pump"] = (
            "default: no heat pump (not in the spec; the conservative rule for the climate model)"
        )

    # imported here: evtwin.battery pulls in numpy, which `evtwin vehicles` must not load
    from evtwin.battery.chemistry import DEFAULT_CHEMISTRY, chemistry_basis

    basis["battery_chemistry"] = chemistry_basis(spec.battery_chemistry)

    year = model_year_of(spec)
    if year is None:
        regen_year = c.regen_unknown_year
        basis["model_year"] = (
            f"default {c.regen_unknown_year:g}: no model year in the spec; a current car for "
            "the regeneration rule (assumption)"
        )
    else:
        regen_year = float(year)
    regen = regen_decel_for_year(regen_year, c)
    basis["regen_max_decel_mps2"] = (
        f"rule: {regen:.2f} m/s² for model year {regen_year:g} (global rule by model year, "
        "fitted on EPA dyno tests)"
    )

    return VehicleParams(
        vehicle_id=spec.id,
        name=spec.name,
        is_estimate=spec.is_estimate,
        drivetrain=spec.drivetrain,
        mass_kg=mro.value,
        wltp_test_mass_kg=mass.value,
        road_load_mass_kg=mass.value,
        rotating_mass_fraction=c.rotating_mass_fraction,
        f0_n=f0,
        f1_n_per_mps=f1,
        f2_n_per_mps2=f2,
        reference_air_density_kg_per_m3=c.reference_air_density_kg_per_m3,
        motor_power_w=power,
        awd_front_share=front_share,
        awd_disconnect=awd_disconnect,
        base_speed_mps=base_speed,
        traction_force_max_n=traction,
        battery_energy_j=energy_j,
        battery_voltage_v=volts.value,
        battery_resistance_ohm=resistance,
        battery_discharge_power_w=c.battery_discharge_power_over_motor * power,
        battery_charge_power_w=charge_power.value,
        battery_min_voltage_v=c.battery_min_voltage_fraction * volts.value,
        usable_battery_kwh=spec.usable_battery_kwh,
        motor_loss_factor=_type_loss_factor(primary.value, c),
        secondary_loss_factor=secondary_loss,
        secondary_drag_fraction=drag,
        regen_max_decel_mps2=regen,
        basis=MappingProxyType(basis),
        battery_chemistry=spec.battery_chemistry or DEFAULT_CHEMISTRY,
    )
