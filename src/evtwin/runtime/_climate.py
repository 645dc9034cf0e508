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
the A/C is cooling (``IsAirConditioningActive``).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Final

from evtwin.modes import load_mode
from evtwin.runtime._ports import ECO_POWER_FRACTION, CabinModel
from evtwin.runtime._signalio import read_bool, read_float, read_str, read_target
from evtwin.signals import Broker, Change, Field
from evtwin.signals import paths as P

__all__ = [
    "DEFAULT_SETPOINT_C",
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
        self, broker: Broker, *, usable_kwh: float, model: CabinModel, cabin_temp_c: float
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
        soc = read_float(b, P.SOC_CURRENT_PCT, 0.0) / 100.0
        driven = read_str(b, P.POWER_STATE, "OFF") == "ON"  # someone is aboard
        on = (driven or self.preconditioning(now_s)) and soc > 0.0
        eco = load_mode(read_str(b, P.TERRAIN_MODE, "COMFORT")).hvac_eco
        ambient = read_float(b, P.AMBIENT_AIR_C, self.cabin_temp_c)
        result = self.model.step(
            cabin_temp_c=self.cabin_temp_c,
            ambient_temp_c=ambient,
            setpoint_c=setpoint if on else None,
            power_fraction=ECO_POWER_FRACTION if eco else 1.0,
            dt_s=dt_s,
            speed_mps=read_float(b, P.SPEED_KPH, 0.0) / 3.6,
            occupied=driven,
        )
        self.cabin_temp_c = result.cabin_temp_c
        self.hvac_w = result.hvac_electric_w
        flow_w = -self.hvac_w if dt_s > 0 else 0.0
        self.energy_j += flow_w * max(dt_s, 0.0)
        changes: list[Change] = [
            (P.CABIN_SETPOINT_C, Field.VALUE, setpoint),
            (P.CABIN_AIR_C, Field.VALUE, self.cabin_temp_c),
            (P.HVAC_COOLING_ACTIVE, Field.VALUE, result.cooling),
            (P.FLOW_CLIMATE_W, Field.VALUE, flow_w),
        ]
        b.update(changes)
