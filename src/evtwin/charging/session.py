"""Charge sessions, time-stepped and batched over vehicles x chargers x conditions.

Each step, for every session in the batch (numpy arrays over the batch axis):

1. pack state: ``OCV(SOC)``, ``R(T)`` (:mod:`evtwin.battery.pack`);
2. thermal controller: heater (fast charge, or a pack below freezing on AC) and chiller
   demand (:mod:`evtwin.battery.thermal`); they draw from the charger first;
3. inlet power cap: charger power (DC), onboard boost for an 800 V car on a 400 V-class
   charger, the car's DC peak or its measured curve (DC), or supply and onboard charger (AC);
4. pack current = the least of: what that power buys at ``V = OCV + I R`` (quadratic),
   the charge-current envelope (C-rate over SOC, derated when cold or hot), the cell
   voltage ceiling ``(V_max - OCV) / R`` (constant-voltage taper) and the charger current;
5. energies: stored ``OCV I dt`` (SOC is the usable-energy fraction, so
   ``dSOC = OCV I dt / E``), Joule heat ``I^2 R dt``, conversion (charger, boost or onboard
   charger), housekeeping and thermal loads; the last step is cut to land exactly on the
   target SOC. ``grid = battery + losses`` closes by construction.

Which limit binds is recorded per step: it is the "why" of a slow charge.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import numpy.typing as npt

from evtwin.battery.pack import ocv_rel, resistance_ohm
from evtwin.battery.thermal import (
    ThermalParams,
    advance_temperature,
    precondition_cost,
    thermal_loads,
)
from evtwin.charging.chargers import Charger
from evtwin.charging.constants import ChargingConstants, default_charging_constants
from evtwin.charging.vehicle import CarChargeParams
from evtwin.errors import ChargingError
from evtwin.units import J_PER_KWH, ZERO_C_IN_K

__all__ = [
    "LIMITS",
    "ChargeRequest",
    "ChargeTrace",
    "SessionResult",
    "simulate_session",
    "simulate_sessions",
]

FloatArray = npt.NDArray[np.float64]
BoolArray = npt.NDArray[np.bool_]

LIMITS: tuple[str, ...] = (
    "inlet power (charger, car peak or curve, boost, onboard charger)",
    "battery current envelope (C-rate over SOC)",
    "cell voltage ceiling (constant-voltage taper)",
    "charger current",
)
_L_POWER, _L_ENVELOPE, _L_CV, _L_CURRENT = range(4)
_TARGET_STEPS = 1200
_MAX_STEPS = 40_000
_SOC_GRID = np.linspace(0.0, 1.0, 101)


@dataclass(frozen=True, kw_only=True, slots=True)
class ChargeRequest:
    """One charge session to simulate. SOCs are usable fractions (0..1), temperatures °C.

    ``battery_temp_c`` is the pack temperature on arrival (a cold-soaked pack sits at
    ambient); ``ambient_temp_c`` None means the same as the pack. ``precondition`` heats the
    pack to the fast-charge target before arrival (DC only), from the battery.
    ``price_gbp_per_kwh`` applies to the energy through the plug (what chargers bill).
    """

    car: CarChargeParams
    charger: Charger
    from_soc: float
    to_soc: float
    battery_temp_c: float = 25.0
    ambient_temp_c: float | None = None
    precondition: bool = False
    price_gbp_per_kwh: float = 0.0

    def __post_init__(self) -> None:
        for name, v in (("from SOC", self.from_soc), ("to SOC", self.to_soc)):
            if not math.isfinite(v) or not 0.0 <= v <= 1.0:
                raise ChargingError(f"{name} = {v * 100:g} % is outside 0..100 %")
        if not self.from_soc < self.to_soc:
            raise ChargingError(
                f"from SOC = {self.from_soc * 100:g} % must be below to SOC = "
                f"{self.to_soc * 100:g} %"
            )
        temps = [("battery temperature", self.battery_temp_c)]
        if self.ambient_temp_c is not None:
            temps.append(("ambient temperature", self.ambient_temp_c))
        for name, t in temps:
            if not math.isfinite(t) or not -40.0 <= t <= 60.0:
                raise ChargingError(f"{name} = {t:g} °C is outside -40..60 °C")
        if self.precondition and self.charger.kind != "dc":
            raise ChargingError(
                "preconditioning heats the pack for DC fast charging; this is an AC "
                f"supply ({self.charger.name})"
            )
        if not math.isfinite(self.price_gbp_per_kwh) or self.price_gbp_per_kwh < 0.0:
            raise ChargingError(
                f"price = {self.price_gbp_per_kwh * 100:g} p/kWh must be zero or positive"
            )

    @property
    def ambient_c(self) -> float:
        return self.battery_temp_c if self.ambient_temp_c is None else self.ambient_temp_c


@dataclass(frozen=True, slots=True)
class ChargeTrace:
    """Recorded history of one session, one entry per step (SI; SOC as a fraction)."""

    time_s: FloatArray
    soc: FloatArray
    inlet_power_w: FloatArray
    battery_power_w: FloatArray
    """Chemical power into the cells (OCV x I)."""
    current_a: FloatArray
    voltage_v: FloatArray
    temp_c: FloatArray
    limit: npt.NDArray[np.int64]
    """Index into :data:`LIMITS` of the binding limit."""


@dataclass(frozen=True, kw_only=True, slots=True)
class SessionResult:
    """Outcome of one session. Energies in kWh, power in kW, time in minutes."""

    vehicle_id: str
    name: str
    is_estimate: bool
    charger: str
    kind: str
    from_soc: float
    to_soc: float
    minutes: float
    energy_grid_kwh: float
    energy_plug_kwh: float
    energy_battery_kwh: float
    losses_kwh: dict[str, float]
    peak_kw: float
    mean_kw: float
    cost_gbp: float
    price_gbp_per_kwh: float
    start_temp_c: float
    end_temp_c: float
    max_temp_c: float
    precondition_kwh: float
    precondition_min: float
    limit_minutes: dict[str, float]
    trace: ChargeTrace = field(repr=False)
    basis: dict[str, str] = field(default_factory=dict)

    @property
    def loss_total_kwh(self) -> float:
        return sum(self.losses_kwh.values())

    def to_json(self) -> dict[str, Any]:
        """The documented ``evtwin charge --json`` object (units in key names)."""
        return {
            "vehicle": self.vehicle_id,
            "name": self.name,
            "profile": "estimate" if self.is_estimate else "published",
            "charger": self.charger,
            "kind": self.kind,
            "from_percent": round(self.from_soc * 100, 2),
            "to_percent": round(self.to_soc * 100, 2),
            "minutes": round(self.minutes, 2),
            "energy_grid_kwh": round(self.energy_grid_kwh, 3),
            "energy_plug_kwh": round(self.energy_plug_kwh, 3),
            "energy_battery_kwh": round(self.energy_battery_kwh, 3),
            "losses_kwh": {k: round(v, 3) for k, v in self.losses_kwh.items()},
            "efficiency_grid_to_battery": round(self.energy_battery_kwh / self.energy_grid_kwh, 4),
            "peak_kw": round(self.peak_kw, 2),
            "mean_kw": round(self.mean_kw, 2),
            "cost_gbp": round(self.cost_gbp, 2),
            "price_gbp_per_kwh": round(self.price_gbp_per_kwh, 4),
            "battery_temp_start_c": round(self.start_temp_c, 2),
            "battery_temp_end_c": round(self.end_temp_c, 2),
            "battery_temp_max_c": round(self.max_temp_c, 2),
            "precondition_kwh": round(self.precondition_kwh, 3),
            "precondition_minutes": round(self.precondition_min, 2),
            "limit_minutes": {k: round(v, 2) for k, v in self.limit_minutes.items()},
            "basis": self.basis,
        }


def simulate_session(
    request: ChargeRequest, constants: ChargingConstants | None = None
) -> SessionResult:
    """One session (a batch of one)."""
    return simulate_sessions([request], constants)[0]


def _col(values: Sequence[float]) -> FloatArray:
    return np.asarray(values, dtype=np.float64)


def _stack_thermal(ts: Sequence[ThermalParams], heat_target: FloatArray) -> ThermalParams:
    return ThermalParams(
        heater_power_w=_col([float(t.heater_power_w) for t in ts]),
        heater_efficiency=_col([float(t.heater_efficiency) for t in ts]),
        chiller_heat_w=_col([float(t.chiller_heat_w) for t in ts]),
        chiller_cop=_col([float(t.chiller_cop) for t in ts]),
        ua_w_per_k=_col([float(t.ua_w_per_k) for t in ts]),
        heat_target_c=heat_target,
        cool_on_c=_col([float(t.cool_on_c) for t in ts]),
        band_k=_col([float(t.band_k) for t in ts]),
    )


def simulate_sessions(
    requests: Sequence[ChargeRequest],
    constants: ChargingConstants | None = None,
    *,
    record: bool = True,
) -> list[SessionResult]:
    """Simulate every session in one batch; results in request order.

    ``record=False`` keeps only the first and last point of each trace (large batches,
    e.g. calibration grids, need no history).
    """
    if not requests:
        return []
    c = constants if constants is not None else default_charging_constants()
    n = len(requests)
    cars = [r.car for r in requests]
    chg = [r.charger for r in requests]
    is_dc = np.array([ch.kind == "dc" for ch in chg])

    e_j = _col([car.pack.energy_j for car in cars])
    v_nom = _col([car.pack.nominal_voltage_v for car in cars])
    r25 = _col([car.pack.resistance_25c_ohm for car in cars])
    b_k = _col([car.pack.arrhenius_b_k for car in cars])
    v_max = _col([car.pack.max_voltage_v for car in cars])
    heat_cap = _col([car.pack.heat_capacity_j_per_k for car in cars])
    amp_per_c = _col([car.pack.capacity_ah for car in cars])
    knee = _col([car.envelope_taper_start_soc for car in cars])
    rel80 = _col([car.envelope_power_at_80_rel for car in cars])
    cmin = _col([car.envelope_min_c for car in cars])
    cold_b = c.plating_arrhenius_b_k * _col([car.envelope_cold_b_factor for car in cars])
    chems = [car.pack.chemistry for car in cars]
    chem_masks = {ch: np.array([x == ch for x in chems]) for ch in dict.fromkeys(chems)}
    p_peak = _col([car.dc_peak_power_w for car in cars])
    p_obc = _col([car.obc_power_w for car in cars])
    has_curve = np.array([car.measured_curve is not None for car in cars])
    curve = np.stack(
        [
            car.measured_curve.power_at(_SOC_GRID)
            if car.measured_curve is not None
            else np.zeros_like(_SOC_GRID)
            for car in cars
        ]
    )
    p_ch = _col([ch.max_power_w for ch in chg])
    i_ch = _col([ch.max_current_a for ch in chg])
    v_ch_max = _col([ch.max_voltage_v if ch.kind == "dc" else math.inf for ch in chg])

    # -- a DC charger whose ceiling is below the pack's top voltage needs the car's boost ----
    needs_boost = is_dc & (v_ch_max < v_max)
    p_boost = _col([car.boost_power_w for car in cars])
    no_boost = np.flatnonzero(needs_boost & (p_boost <= 0.0))
    if no_boost.size:
        kb = int(no_boost[0])
        raise ChargingError(
            f"{cars[kb].vehicle_id}: the charger's ceiling of {v_ch_max[kb]:g} V is below the "
            f"pack's charge voltage of {v_max[kb]:.0f} V and the car has no boost converter"
        )
    eta_conv = np.where(is_dc, np.where(needs_boost, c.boost_efficiency, 1.0), c.obc_efficiency)
    p_in_cap_fixed = np.where(
        is_dc,
        np.where(needs_boost, np.minimum.reduce([p_ch, i_ch * v_ch_max, p_boost]), p_ch),
        np.minimum(p_ch, p_obc),
    )
    i_cap_fixed = np.where(is_dc & ~needs_boost, np.minimum(i_ch, c.max_inlet_current_a), math.inf)
    house = np.where(is_dc, c.dc_housekeeping_w, c.ac_housekeeping_w)
    eta_grid = np.where(is_dc, c.dc_charger_efficiency, 1.0)
    thermal = _stack_thermal(
        [car.thermal for car in cars],
        np.where(is_dc, c.heat_target_c, c.ac_heat_below_c),
    )
    ambient = _col([r.ambient_c for r in requests])
    soc = _col([r.from_soc for r in requests])
    to = _col([r.to_soc for r in requests])
    temp = _col([r.battery_temp_c for r in requests])

    # -- preconditioning (DC, before arrival, from the battery) -----------------------------
    pre = np.array([r.precondition for r in requests]) & is_dc
    pre_j = np.zeros(n)
    pre_s = np.zeros(n)
    if pre.any():
        ej, ts = precondition_cost(
            temp_c=temp[pre],
            target_c=c.precondition_target_c,
            ambient_c=ambient[pre],
            heat_capacity_j_per_k=heat_cap[pre],
            params=ThermalParams(
                heater_power_w=c.heater_power_w,
                heater_efficiency=c.heater_efficiency,
                chiller_heat_w=0.0,
                chiller_cop=c.chiller_cop,
                ua_w_per_k=c.ua_w_per_k,
                heat_target_c=c.precondition_target_c,
                cool_on_c=c.cool_on_c,
                band_k=c.band_k,
            ),
        )
        pre_j[pre], pre_s[pre] = ej, ts
        temp = np.where(pre, np.maximum(temp, c.precondition_target_c), temp)
    start_temp = temp.copy()

    # -- step size: ~_TARGET_STEPS steps per session at a rough mean power -----------------
    p_rough = np.where(is_dc, 0.6 * np.minimum(p_in_cap_fixed, p_peak), 0.8 * p_in_cap_fixed)
    dt = np.clip((to - soc) * e_j / np.maximum(p_rough, 100.0) / _TARGET_STEPS, 0.5, 60.0)

    acc = {
        k: np.zeros(n)
        for k in (
            "grid",
            "plug",
            "stored",
            "joule",
            "conv",
            "house",
            "heater",
            "chiller",
            "charger",
            "time",
        )
    }
    limit_s = np.zeros((n, len(LIMITS)))
    max_temp = temp.copy()
    peak = np.zeros(n)
    hist: list[tuple[FloatArray, ...]] = []
    active = soc < to
    t_ref_k = c.reference_temp_c + ZERO_C_IN_K
    for _step in range(_MAX_STEPS):
        if not active.any():
            break
        if len(chem_masks) == 1:
            ocv = v_nom * ocv_rel(soc, chems[0])
        else:
            ocv = np.zeros(n)
            for ch, mask in chem_masks.items():
                ocv = np.where(mask, v_nom * ocv_rel(soc, ch), ocv)
        r = resistance_ohm(r25, b_k, temp)
        t_k = temp + ZERO_C_IN_K
        f_cold = np.where(
            temp < c.reference_temp_c,
            np.exp(-cold_b * (1.0 / t_k - 1.0 / t_ref_k)),
            1.0,
        )
        f_hot = np.clip((c.derate_end_c - temp) / (c.derate_end_c - c.derate_start_c), 0.0, 1.0)
        f_t = f_cold * f_hot

        heating = is_dc | (temp < c.ac_heat_below_c)
        loads = thermal_loads(temp, heating, thermal)
        idx = np.clip(np.rint(soc * 100.0).astype(np.int64), 0, 100)
        p_car = np.where(has_curve, curve[np.arange(n), idx] * f_t, p_peak)
        p_in_cap = np.where(is_dc, np.minimum(p_in_cap_fixed, p_car), p_in_cap_fixed)
        budget = eta_conv * p_in_cap - house
        heater = np.clip(loads.heater_w, 0.0, np.maximum(budget, 0.0))
        chiller = np.clip(loads.chiller_w, 0.0, np.maximum(budget - heater, 0.0))
        # the chiller removes heat in proportion to the electric power it was granted
        share = np.divide(chiller, loads.chiller_w, out=np.zeros(n), where=loads.chiller_w > 0.0)
        chiller_heat = share * loads.chiller_heat_w
        p_t_cap = np.maximum(budget - heater - chiller, 0.0)
        i_p = 2.0 * p_t_cap / (ocv + np.sqrt(ocv * ocv + 4.0 * r * p_t_cap))
        # envelope: the car's peak power into the cells on the plateau up to the knee, a
        # linear taper to rel80 x peak at 80 %, held there above (the CV ceiling takes over)
        s_env = np.minimum(soc, 0.8)
        g_env = np.minimum(1.0, 1.0 - (1.0 - rel80) * (s_env - knee) / (0.8 - knee))
        i_env = np.maximum(g_env * p_peak / ocv, cmin * amp_per_c)
        i_env = np.where(has_curve & is_dc, math.inf, i_env * f_t)
        i_cv = np.maximum((v_max - ocv) / r, 0.0)
        cands = np.stack([i_p, i_env, i_cv, i_cap_fixed], axis=1)
        code = np.argmin(cands, axis=1)
        current = cands[np.arange(n), code]
        stuck = active & (current <= 1e-6) & (heater <= 0.0) & (chiller <= 0.0)
        if stuck.any():
            k = int(np.flatnonzero(stuck)[0])
            raise ChargingError(
                f"{cars[k].vehicle_id}: no power reaches the battery at "
                f"{soc[k] * 100:.1f} % and {temp[k]:.1f} °C (inlet cap "
                f"{p_in_cap[k] / 1000:.2f} kW, car's own load {house[k] / 1000:.2f} kW)"
            )
        v_t = ocv + current * r
        p_stored = ocv * current
        p_joule = current * current * r
        p_in = (p_stored + p_joule + house + heater + chiller) / eta_conv
        d_soc = p_stored * dt / e_j
        frac = np.where(
            d_soc > 0.0, np.clip((to - soc) / np.where(d_soc > 0, d_soc, 1.0), 0, 1), 1.0
        )
        h = np.where(active, dt * frac, 0.0)

        if record or _step == 0:
            hist.append(
                (
                    acc["time"].copy(),
                    soc.copy(),
                    p_in,
                    p_stored,
                    current,
                    v_t,
                    temp.copy(),
                    code.astype(np.float64),
                    active.copy().astype(np.float64),
                )
            )
        acc["time"] += h
        acc["plug"] += p_in * h
        acc["grid"] += p_in / eta_grid * h
        acc["charger"] += p_in * (1.0 / eta_grid - 1.0) * h
        acc["stored"] += p_stored * h
        acc["joule"] += p_joule * h
        acc["conv"] += p_in * (1.0 - eta_conv) * h
        acc["house"] += house * h
        acc["heater"] += heater * h
        acc["chiller"] += chiller * h
        limit_s[np.arange(n), code] += h
        peak = np.where(active, np.maximum(peak, p_in), peak)

        temp, _q = advance_temperature(
            temp_c=temp,
            joule_heat_w=p_joule,
            heater_w=heater,
            chiller_heat_w=chiller_heat,
            ambient_c=ambient,
            heat_capacity_j_per_k=heat_cap,
            params=thermal,
            dt_s=h,
        )
        max_temp = np.maximum(max_temp, temp)
        soc = np.where(active, np.where(frac < 1.0, to, soc + d_soc), soc)
        active = active & (frac >= 1.0) & (soc < to)
    else:
        k = int(np.flatnonzero(active)[0])
        raise ChargingError(
            f"{cars[k].vehicle_id}: the session did not reach {to[k] * 100:g} % within "
            f"{acc['time'][k] / 3600:.1f} h (stuck at {soc[k] * 100:.1f} %)"
        )

    h_arr = [np.stack([row[j] for row in hist], axis=1) for j in range(9)]
    results = []
    for k, req in enumerate(requests):
        mask = h_arr[8][k] > 0.5
        trace = ChargeTrace(
            time_s=np.append(h_arr[0][k][mask], acc["time"][k]),
            soc=np.append(h_arr[1][k][mask], soc[k]),
            inlet_power_w=np.append(h_arr[2][k][mask], h_arr[2][k][mask][-1]),
            battery_power_w=np.append(h_arr[3][k][mask], h_arr[3][k][mask][-1]),
            current_a=np.append(h_arr[4][k][mask], h_arr[4][k][mask][-1]),
            voltage_v=np.append(h_arr[5][k][mask], h_arr[5][k][mask][-1]),
            temp_c=np.append(h_arr[6][k][mask], temp[k]),
            limit=np.append(h_arr[7][k][mask], h_arr[7][k][mask][-1]).astype(np.int64),
        )
        losses = {
            "charger_conversion": acc["charger"][k] / J_PER_KWH,
            "car_conversion": acc["conv"][k] / J_PER_KWH,
            "battery_joule": acc["joule"][k] / J_PER_KWH,
            "housekeeping": acc["house"][k] / J_PER_KWH,
            "pack_heating": acc["heater"][k] / J_PER_KWH,
            "pack_cooling": acc["chiller"][k] / J_PER_KWH,
        }
        minutes = acc["time"][k] / 60.0
        plug_kwh = acc["plug"][k] / J_PER_KWH
        results.append(
            SessionResult(
                vehicle_id=req.car.vehicle_id,
                name=req.car.name,
                is_estimate=req.car.is_estimate,
                charger=req.charger.name,
                kind=req.charger.kind,
                from_soc=req.from_soc,
                to_soc=req.to_soc,
                minutes=minutes,
                energy_grid_kwh=acc["grid"][k] / J_PER_KWH,
                energy_plug_kwh=plug_kwh,
                energy_battery_kwh=acc["stored"][k] / J_PER_KWH,
                losses_kwh=losses,
                peak_kw=peak[k] / 1000.0,
                mean_kw=plug_kwh / (minutes / 60.0) if minutes > 0 else 0.0,
                cost_gbp=plug_kwh * req.price_gbp_per_kwh,
                price_gbp_per_kwh=req.price_gbp_per_kwh,
                start_temp_c=float(start_temp[k]),
                end_temp_c=float(temp[k]),
                max_temp_c=float(max_temp[k]),
                precondition_kwh=pre_j[k] / J_PER_KWH,
                precondition_min=pre_s[k] / 60.0,
                limit_minutes={
                    LIMITS[j]: limit_s[k, j] / 60.0 for j in range(len(LIMITS)) if limit_s[k, j] > 0
                },
                trace=trace,
                basis=dict(req.car.basis),
            )
        )
    return results
