"""A vehicle as the charging model sees it: pack, DC/AC limits, thermal management.

From a :class:`~evtwin.vehicles.VehicleSpec` alone (``usable_battery_kwh``,
``battery_voltage_v``, ``dc_peak_power_kw``, ``ac_onboard_kw``; each estimated by a stated
rule when missing) a plausible curve follows from the pack and the global charge-current
envelope. A *measured* curve overrides the envelope and the peak power: a spec file may
carry it as a table (proposed spec key, read by :func:`load_spec_with_curve`)::

    [charge_curve]
    soc_percent = [10, 20, 30, 40, 50, 60, 70, 80, 90]
    power_kw    = [150, 170, 160, 140, 120, 100, 85, 70, 45]
    source = "where the numbers come from"

Power is at the charger (inlet), warm pack, on a charger that does not limit it.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from types import MappingProxyType
from typing import Any

import numpy as np
import numpy.typing as npt

from evtwin.battery.chemistry import load_chemistry
from evtwin.battery.pack import PackParams, ocv_rel
from evtwin.battery.thermal import ThermalParams
from evtwin.charging.constants import ChargingConstants, default_charging_constants
from evtwin.errors import ChargingError, SpecError
from evtwin.physics.constants import ModelConstants, default_constants
from evtwin.vehicles import VehicleSpec, derive_params, parse_spec, read_spec_table

__all__ = [
    "CHARGE_CURVE_KEY",
    "CarChargeParams",
    "MeasuredCurve",
    "car_charge_params",
    "load_spec_with_curve",
    "parse_charge_curve",
]

FloatArray = npt.NDArray[np.float64]
CHARGE_CURVE_KEY = "charge_curve"


@dataclass(frozen=True, slots=True)
class MeasuredCurve:
    """A measured DC charge curve: inlet power (W) over usable SOC (0..1)."""

    soc: tuple[float, ...]
    power_w: tuple[float, ...]
    source: str

    def power_at(self, soc: float | FloatArray) -> FloatArray:
        """Inlet power (W) at ``soc``; held flat beyond the measured range."""
        return np.interp(np.asarray(soc, dtype=np.float64), self.soc, self.power_w)


@dataclass(frozen=True, kw_only=True, slots=True)
class CarChargeParams:
    """One vehicle's charging parameters (SI), with the basis of each estimate."""

    vehicle_id: str
    name: str
    is_estimate: bool
    pack: PackParams
    dc_peak_power_w: float
    measured_curve: MeasuredCurve | None
    envelope_taper_start_soc: float
    """Charge envelope: the cells take the car's peak power up to this SOC (0..1) ..."""
    envelope_power_at_80_rel: float
    """... then the allowed power falls linearly to this share of the peak at 80 %."""
    envelope_min_c: float
    """The envelope never asks for less than this C-rate (end of the CV taper)."""
    envelope_cold_b_factor: float
    """Factor on the envelope's cold derating exponent for the pack's chemistry (NMC 1)."""
    obc_power_w: float
    boost_power_w: float
    """Onboard DC-DC boost for 400 V-class chargers (0: the car has none)."""
    is_high_voltage: bool
    thermal: ThermalParams
    basis: Mapping[str, str]


def car_charge_params(
    spec: VehicleSpec,
    *,
    measured_curve: MeasuredCurve | None = None,
    constants: ChargingConstants | None = None,
    model_constants: ModelConstants | None = None,
) -> CarChargeParams:
    """Charging parameters of ``spec``, estimating what is missing by documented rules."""
    c = constants if constants is not None else default_charging_constants()
    if not 0.0 <= c.taper_start_soc < 0.8 or not 0.0 < c.power_at_80_rel <= 1.0:
        raise ChargingError(
            f"charge envelope: taper start {c.taper_start_soc:g} must be in 0..0.8 (below "
            f"80 %) and the share of the peak at 80 % {c.power_at_80_rel:g} in (0, 1]"
        )
    vp = derive_params(spec, model_constants)
    mc_b = _arrhenius_b(model_constants)
    basis = {
        "battery_voltage_v": vp.basis["battery_voltage_v"],
        "battery_resistance_ohm": (
            f"rule: {c.charge_resistance_energy_h:g} h x V^2 / E (at 25 C; the charging "
            "model's own constant, from large-format cell DCIR)"
        ),
        "dc_peak_power_w": vp.basis["battery_charge_power_w"],
    }
    if spec.ac_onboard_kw is not None:
        obc_w = spec.ac_onboard_kw * 1000.0
        basis["obc_power_w"] = "spec: ac_onboard_kw"
    else:
        obc_w = c.default_obc_kw * 1000.0
        basis["obc_power_w"] = f"rule: {c.default_obc_kw:g} kW onboard charger (assumption)"
    high_v = vp.battery_voltage_v >= c.high_voltage_class_v
    boost_w = c.boost_power_fraction * vp.battery_charge_power_w if high_v else 0.0
    basis["boost_power_w"] = (
        f"rule: 800 V class, onboard boost {c.boost_power_fraction:.0%} of DC peak (assumption)"
        if high_v
        else "none: 400 V class pack charges directly"
    )
    if measured_curve is not None:
        basis["charge_curve"] = f"spec: measured [charge_curve] ({measured_curve.source})"
        peak = max(measured_curve.power_w)
    else:
        basis["charge_curve"] = (
            "rule: global charge-current envelope capped by dc_peak_power_kw (estimate)"
        )
        peak = vp.battery_charge_power_w
    chem = load_chemistry(spec.battery_chemistry)
    basis["battery_chemistry"] = vp.basis["battery_chemistry"]
    peak_c = vp.battery_charge_power_w / (vp.battery_energy_j / 3600.0)
    c_env = c.replace(c_rate_at_80=c.c_rate_at_80 * chem.charge_c_rate_at_80_factor)
    knee, rel80 = envelope_shape(peak_c, c_env)
    basis["charge_envelope"] = (
        f"rule: peak {peak / 1000:.0f} kW ({peak_c:.2f} C) into the cells up to "
        f"{knee:.0%}, falling linearly to {rel80:.0%} of it at 80 % "
        + (
            f"(from the pack: C-rate limit {c_env.c_rate_at_80:g} C at 80 % ({chem.id}), "
            f"{c.c_rate_slope_per_soc:g} C per unit SOC below)"
            if c.c_rate_slope_per_soc > 0.0
            else "(global taper shape)"
        )
    )
    pack = PackParams(
        energy_j=vp.battery_energy_j,
        nominal_voltage_v=vp.battery_voltage_v,
        resistance_25c_ohm=c.charge_resistance_energy_h
        * vp.battery_voltage_v**2
        / (spec.usable_battery_kwh * 1000.0),
        arrhenius_b_k=mc_b,
        max_voltage_rel=float(ocv_rel(1.0, chem.id)) * (1.0 + c.cv_headroom_rel),
        heat_capacity_j_per_k=c.heat_capacity_j_per_k_per_kwh * spec.usable_battery_kwh,
        chemistry=chem.id,
    )
    return CarChargeParams(
        vehicle_id=spec.id,
        name=spec.name,
        is_estimate=spec.is_estimate,
        pack=pack,
        dc_peak_power_w=peak,
        measured_curve=measured_curve,
        envelope_taper_start_soc=knee,
        envelope_power_at_80_rel=rel80,
        envelope_min_c=c.min_c_rate,
        envelope_cold_b_factor=chem.charge_cold_b_factor,
        obc_power_w=obc_w,
        boost_power_w=boost_w,
        is_high_voltage=high_v,
        thermal=c.thermal(peak),
        basis=MappingProxyType(basis),
    )


def envelope_shape(peak_c: float, c: ChargingConstants) -> tuple[float, float]:
    """(knee SOC, share of the peak at 80 %) of a pack whose peak charge is ``peak_c`` (C).

    With ``c_rate_slope_per_soc`` > 0 the shape follows from the pack: a C-rate limit that
    falls linearly to ``c_rate_at_80`` at 80 %; else the global shape (taper_start_soc,
    power_at_80_rel)."""
    if c.c_rate_slope_per_soc <= 0.0:
        return c.taper_start_soc, c.power_at_80_rel
    knee = 0.8 - (peak_c - c.c_rate_at_80) / c.c_rate_slope_per_soc
    return min(max(knee, 0.05), 0.79), min(max(c.c_rate_at_80 / peak_c, 0.02), 1.0)


def _arrhenius_b(mc: ModelConstants | None) -> float:
    return (mc if mc is not None else default_constants()).battery_arrhenius_b_k


def parse_charge_curve(table: Any, *, where: str) -> MeasuredCurve:
    """Validate a ``[charge_curve]`` table: SOC strictly rising in 0..100 %, power 0..1000 kW."""
    if not isinstance(table, Mapping):
        raise SpecError(f"{where}: [{CHARGE_CURVE_KEY}] must be a table")
    unknown = set(table) - {"soc_percent", "power_kw", "source"}
    if unknown:
        raise SpecError(f"{where}: unknown key(s) in [{CHARGE_CURVE_KEY}]: {sorted(unknown)}")
    soc, power = table.get("soc_percent"), table.get("power_kw")
    if not isinstance(soc, list) or not isinstance(power, list):
        raise SpecError(f"{where}: [{CHARGE_CURVE_KEY}] needs lists soc_percent and power_kw")
    if len(soc) != len(power) or len(soc) < 2:
        raise SpecError(
            f"{where}: [{CHARGE_CURVE_KEY}] soc_percent ({len(soc)} values) and power_kw "
            f"({len(power)} values) must have the same length, at least 2"
        )
    for name, values, lo, hi, unit in (
        ("soc_percent", soc, 0.0, 100.0, "%"),
        ("power_kw", power, 0.0, 1000.0, "kW"),
    ):
        for v in values:
            if isinstance(v, bool) or not isinstance(v, int | float) or not math.isfinite(v):
                raise SpecError(f"{where}: {CHARGE_CURVE_KEY}.{name} has a non-number {v!r}")
            if not lo <= v <= hi:
                raise SpecError(
                    f"{where}: {CHARGE_CURVE_KEY}.{name} = {v:g} {unit} is outside "
                    f"{lo:g}..{hi:g} {unit}"
                )
    if any(b <= a for a, b in itertools.pairwise(soc)):
        raise SpecError(f"{where}: {CHARGE_CURVE_KEY}.soc_percent must rise strictly")
    if max(power) <= 0.0:
        raise SpecError(f"{where}: {CHARGE_CURVE_KEY}.power_kw is all zero")
    source = table.get("source", "unstated")
    if not isinstance(source, str):
        raise SpecError(f"{where}: {CHARGE_CURVE_KEY}.source must be a string")
    return MeasuredCurve(
        soc=tuple(float(s) / 100.0 for s in soc),
        power_w=tuple(float(p) * 1000.0 for p in power),
        source=source,
    )


def load_spec_with_curve(path: str | Path) -> tuple[VehicleSpec, MeasuredCurve | None]:
    """Read a spec file that may carry a ``[charge_curve]`` table.

    The table is split off before the spec schema sees the rest, so a file without it reads
    exactly as :func:`evtwin.vehicles.load_spec_file` reads it (both read it with
    :func:`evtwin.vehicles.read_spec_table`).
    """
    p = Path(path)
    data = read_spec_table(p)  # the one reader of spec files
    curve_raw = data.pop(CHARGE_CURVE_KEY, None)
    spec = parse_spec(data, default_id=p.stem.lower(), where=str(p))
    curve = None if curve_raw is None else parse_charge_curve(curve_raw, where=str(p))
    return spec, curve
