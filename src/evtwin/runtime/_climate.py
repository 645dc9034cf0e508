"""Climate: the driver's temperature set point, preconditioning, cabin temperature and the
HVAC's draw on the pack (cabin physics: a :class:`~evtwin.runtime._ports.CabinModel`, by
default ``evtwin.climate``'s cabin and HVAC, :class:`~evtwin.runtime._models.ClimateCabin`).

- Set point: ``Vehicle.Cabin.HVAC.Station.Row1.Driver.Temperature`` (target → current) within
  :data:`SETPOINT_MIN_C`..:data:`SETPOINT_MAX_C`; a request outside is refused (recorded in
  :attr:`ClimateService.refusals`) and the set point in effect stays.
- The HVAC runs while the car is on (``LowVoltageSystemState`` ON) or preconditions:
  ``Charging.Plan.IsPreconditioningRequested`` true, either now (no ``ReadyByTime``) or
  during the :data:`PRECONDITION_LEAD_S` before ``ReadyByTime``.
- A mode with ``hvac_eco`` lowers the HVAC's power ceiling.
- The mean electric power of each step is published as the climate's power flow
  (``PowerFlow.Climate``, negative: drawn from the pack); the BMS integrates it. When plugged
  in, the charging session covers it.

Publishes the cabin air temperature (``Vehicle.Cabin.HVAC.AmbientAirTemperature``) and whether
the A/C is cooling (``IsAirConditioningActive``), and the heat pump's state and power
(``HeatPump.State``/``Power``, overlay).

Keep-climate (overlay ``Vehicle.Cabin.HVAC.KeepClimate.Mode``: OFF, KEEP, DOG, CAMP): while the
car is parked (speed 0) a mode other than OFF holds the cabin at the driver set point; DOG
also publishes a message for passers-by (``Message``), CAMP keeps the cabin loads on
(:data:`~evtwin.climate.CAMP_ACCESSORY_W`, people aboard). The awake car's own load
(:data:`~evtwin.climate.AWAKE_LOAD_W`) is drawn too. ``Power`` is the draw now, ``Energy``
what the mode used since it was switched on, ``EstimatedPower``/``EstimatedTimeRemaining``
the climate model's steady estimate (:func:`evtwin.climate.keep_climate`, the one behind
``evtwin climate``). At :data:`KEEP_CLIMATE_MIN_SOC_PCT` the mode ends (back to OFF, the reason
in ``Message``).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Final

from evtwin.climate import (
    AWAKE_LOAD_W,
    CAMP_ACCESSORY_W,
    CabinParams,
    ClimateSetting,
    keep_climate,
)
from evtwin.errors import EvtwinError
from evtwin.modes import load_mode
from evtwin.runtime._ports import ECO_POWER_FRACTION, CabinModel
from evtwin.runtime._signalio import read_bool, read_float, read_str, read_target
from evtwin.signals import Broker, Change, Field
from evtwin.signals import paths as P

__all__ = [
    "DEFAULT_SETPOINT_C",
    "KEEP_CLIMATE_MIN_SOC_PCT",
    "KEEP_CLIMATE_MODES",
    "PRECONDITION_LEAD_S",
    "SETPOINT_MAX_C",
    "SETPOINT_MIN_C",
    "ClimateRefusal",
    "ClimateService",
    "format_utc",
    "parse_utc",
]

SETPOINT_MIN_C: Final = 15.0
SETPOINT_MAX_C: Final = 28.0
"""Set-point range of the climate control (assumption: the common 15.5-28 °C car range)."""
DEFAULT_SETPOINT_C: Final = 21.0
"""Factory set point (assumption)."""
PRECONDITION_LEAD_S: Final = 30 * 60.0
"""Preconditioning starts this long before the ready-by time (assumption: cars use 20-45 min)."""
KEEP_CLIMATE_MODES: Final = ("OFF", "KEEP", "DOG", "CAMP")
KEEP_CLIMATE_MIN_SOC_PCT: Final = 20.0
"""Keep-climate ends at this displayed SOC (``evtwin climate keep``'s default ``--stop-at``)."""


@dataclass(frozen=True, kw_only=True, slots=True)
class ClimateRefusal:
    time_s: float
    reason: str


def format_utc(time_s: float) -> str:
    """ISO 8601 UTC (``2027-01-15T07:30:00Z``) of seconds since the epoch."""
    return datetime.fromtimestamp(round(time_s), UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def parse_utc(text: str) -> float | None:
    """Seconds since the epoch of an ISO 8601 time (``Z`` or offset); None if empty/bad."""
    if not text:
        return None
    try:
        return datetime.fromisoformat(text.replace("Z", "+00:00")).timestamp()
    except ValueError:
        return None


class ClimateService:
    name = "climate"

    def __init__(
        self,
        broker: Broker,
        *,
        usable_kwh: float,
        model: CabinModel,
        cabin_temp_c: float,
        cabin: CabinParams | None = None,
        heat_pump: bool = False,
    ) -> None:
        self._broker = broker
        self.usable_j = usable_kwh * 3.6e6
        self.model = model
        self.cabin_temp_c = cabin_temp_c
        self.hvac_w = 0.0
        self.energy_j = 0.0
        """Energy the climate moved into the pack so far (J; the HVAC makes it negative)."""
        self.refusals: list[ClimateRefusal] = []
        self._last_request: object | None = None
        self.cabin = cabin
        """Cabin of the keep-climate estimate (None: no estimate published)."""
        self.heat_pump = heat_pump
        self.keep_mode = "OFF"
        self.keep_refusals: list[ClimateRefusal] = []
        """Keep-climate requests not carried out (too little charge)."""
        self.keep_energy_j = 0.0
        self._keep_message = ""
        self._estimate_key: tuple[float, float, str] | None = None
        self._estimate_w = 0.0

    def _keep_mode(self, soc_pct: float) -> str:
        """The keep-climate mode in effect: the request (the broker checked its allowed
        values), switched off at :data:`KEEP_CLIMATE_MIN_SOC_PCT`."""
        request = read_target(self._broker, P.KEEP_CLIMATE_MODE)
        if isinstance(request, str) and request != self.keep_mode:
            if request != "OFF" and soc_pct <= KEEP_CLIMATE_MIN_SOC_PCT:
                self._keep_message = (
                    f"keep-climate needs more than {KEEP_CLIMATE_MIN_SOC_PCT:g} % charge"
                )
                self.keep_refusals.append(
                    ClimateRefusal(time_s=self._broker.now_s(), reason=self._keep_message)
                )
                self._broker.update([(P.KEEP_CLIMATE_MODE, Field.TARGET, "OFF")])
                return "OFF"
            self.keep_mode = request
            self.keep_energy_j = 0.0
            self._keep_message = ""
        if self.keep_mode != "OFF" and soc_pct <= KEEP_CLIMATE_MIN_SOC_PCT:
            self.keep_mode = "OFF"
            self._keep_message = f"keep-climate ended: battery at {KEEP_CLIMATE_MIN_SOC_PCT:g} %"
            self._broker.update([(P.KEEP_CLIMATE_MODE, Field.TARGET, "OFF")])
        return self.keep_mode

    def _estimate_w_for(self, mode: str, setpoint: float, ambient: float, soc: float) -> float:
        """Steady draw of ``mode`` from :func:`evtwin.climate.keep_climate` (cached)."""
        if mode == "OFF" or self.cabin is None:
            return 0.0
        key = (round(setpoint, 1), round(ambient, 1), mode)
        if key != self._estimate_key:
            try:
                est = keep_climate(
                    self.cabin,
                    ClimateSetting(cabin_temp_c=setpoint, heat_pump=self.heat_pump),
                    ambient_c=ambient,
                    usable_battery_kwh=self.usable_j / 3.6e6,
                    soc=min(max(soc, 1e-3), 1.0),
                )
            except EvtwinError:
                return 0.0
            self._estimate_key = key
            self._estimate_w = est.power_w + (CAMP_ACCESSORY_W if mode == "CAMP" else 0.0)
        return self._estimate_w

    def _setpoint(self, now_s: float) -> float:
        b = self._broker
        current = read_float(b, P.CABIN_SETPOINT_C, DEFAULT_SETPOINT_C)
        request = read_target(b, P.CABIN_SETPOINT_C)
        if request is not None and request != self._last_request:
            self._last_request = request
            value = float(request)  # type: ignore[arg-type]
            if SETPOINT_MIN_C <= value <= SETPOINT_MAX_C:
                current = value
            else:
                self.refusals.append(
                    ClimateRefusal(
                        time_s=now_s,
                        reason=f"set point {value:g} °C is outside "
                        f"{SETPOINT_MIN_C:g}..{SETPOINT_MAX_C:g} °C",
                    )
                )
        return current

    def preconditioning(self, now_s: float) -> bool:
        b = self._broker
        if not read_bool(b, P.PRECONDITION_REQUESTED):
            return False
        ready_by = parse_utc(read_str(b, P.READY_BY_TIME))
        return ready_by is None or ready_by - PRECONDITION_LEAD_S <= now_s <= ready_by

    def step(self, now_s: float, dt_s: float) -> None:
        b = self._broker
        setpoint = self._setpoint(now_s)
        soc_pct = read_float(b, P.SOC_CURRENT_PCT, 0.0)
        soc = soc_pct / 100.0
        driven = read_str(b, P.POWER_STATE, "OFF") == "ON"  # someone is aboard
        parked = read_float(b, P.SPEED_KPH, 0.0) == 0.0
        keep = self._keep_mode(soc_pct)
        keeping = keep != "OFF" and parked
        on = (driven or keeping or self.preconditioning(now_s)) and soc > 0.0
        eco = load_mode(read_str(b, P.TERRAIN_MODE, "COMFORT")).hvac_eco
        ambient = read_float(b, P.AMBIENT_AIR_C, self.cabin_temp_c)
        result = self.model.step(
            cabin_temp_c=self.cabin_temp_c,
            ambient_temp_c=ambient,
            setpoint_c=setpoint if on else None,
            power_fraction=ECO_POWER_FRACTION if eco else 1.0,
            dt_s=dt_s,
            speed_mps=read_float(b, P.SPEED_KPH, 0.0) / 3.6,
            occupied=driven or (keeping and keep in ("DOG", "CAMP")),
        )
        self.cabin_temp_c = result.cabin_temp_c
        self.hvac_w = result.hvac_electric_w
        keep_w = 0.0
        if keeping and not driven:  # the awake car (and camp's cabin loads) beside the HVAC
            keep_w = AWAKE_LOAD_W + (CAMP_ACCESSORY_W if keep == "CAMP" else 0.0)
        flow_w = -(self.hvac_w + keep_w) if dt_s > 0 else 0.0
        self.energy_j += flow_w * max(dt_s, 0.0)
        if keeping:
            self.keep_energy_j += -flow_w * max(dt_s, 0.0)
        estimate_w = self._estimate_w_for(keep, setpoint, ambient, soc)
        above_j = max(0.0, (soc_pct - KEEP_CLIMATE_MIN_SOC_PCT) / 100.0) * self.usable_j
        message = self._keep_message
        if keep == "DOG":
            what = "A/C" if result.cooling else "heating"
            message = (
                f"My driver will be back soon. Don't worry: the {what} is on and "
                f"it is {self.cabin_temp_c:.0f} °C in here."
            )
        if not result.heat_pump_fitted:
            pump = "NOT_FITTED"
        elif result.heat_pump_w <= 0.0:
            pump = "OFF"
        else:
            pump = "COOLING" if result.cooling else "HEATING"
        changes: list[Change] = [
            (P.CABIN_SETPOINT_C, Field.VALUE, setpoint),
            (P.CABIN_AIR_C, Field.VALUE, self.cabin_temp_c),
            (P.HVAC_COOLING_ACTIVE, Field.VALUE, result.cooling),
            (P.FLOW_CLIMATE_W, Field.VALUE, flow_w),
            (P.HEAT_PUMP_STATE, Field.VALUE, pump),
            (P.HEAT_PUMP_W, Field.VALUE, max(0.0, result.heat_pump_w)),
            (P.KEEP_CLIMATE_MODE, Field.VALUE, keep),
            (P.KEEP_CLIMATE_ACTIVE, Field.VALUE, keeping),
            (P.KEEP_CLIMATE_MESSAGE, Field.VALUE, message),
            (P.KEEP_CLIMATE_W, Field.VALUE, -flow_w if keeping else 0.0),
            (P.KEEP_CLIMATE_ENERGY_KWH, Field.VALUE, self.keep_energy_j / 3.6e6),
            (P.KEEP_CLIMATE_ESTIMATED_W, Field.VALUE, estimate_w),
            (
                P.KEEP_CLIMATE_TIME_LEFT_S,
                Field.VALUE,
                min(round(above_j / estimate_w), 2**32 - 1) if estimate_w > 0 else 0,
            ),
        ]
        b.update(changes)
