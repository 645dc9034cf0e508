"""What a scenario run reports: per-step snapshots of the car's signals, drive-leg results
and one trace row per host step."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Final

from evtwin.scenarios._model import Scenario
from evtwin.signals import Value
from evtwin.signals import paths as P

__all__ = ["SNAPSHOT_SIGNALS", "LegReport", "ScenarioResult", "StepReport", "TraceRow"]

SNAPSHOT_SIGNALS: Final = (
    P.SPEED_KPH,
    P.TRAVELED_DISTANCE_M,
    P.POWER_STATE,
    P.SOC_CURRENT_PCT,
    P.SOC_DISPLAYED_PCT,
    P.PACK_POWER_W,
    P.RANGE_M,
    P.BATTERY_TEMP_C,
    P.AMBIENT_AIR_C,
    P.CABIN_AIR_C,
    P.CABIN_SETPOINT_C,
    P.CHARGING_CABLE_CONNECTED,
    P.IS_CHARGING,
    P.CHARGE_START_STOP,
    P.CHARGE_LIMIT_PCT,
    P.PLAN_MODE,
    P.READY_BY_TIME,
    P.PLANNED_START_TIME,
    P.PLANNED_END_TIME,
    P.PLANNED_ENERGY_KWH,
    P.PRECONDITION_REQUESTED,
    P.CHARGE_RATE_KPH,
    P.CHARGE_TIME_TO_COMPLETE_S,
    P.CHARGED_ENERGY_KWH,
    P.CONSUMED_ENERGY_KWH,
    P.TERRAIN_MODE,
    P.SURFACE,
    P.WADING_DEPTH_MM,
    P.WADING_LIMIT_EXCEEDED,
    P.TRAILER_MASS_KG,
    P.TOWING_MODE,
    P.HDC_ENABLED,
)
"""Signals kept in each step's snapshot."""


@dataclass(frozen=True, kw_only=True, slots=True)
class TraceRow:
    """One sample of the run (units in names)."""

    time_s: float
    step: int
    action: str
    speed_kph: float
    odometer_km: float
    soc_percent: float
    soc_displayed_percent: float
    pack_power_kw: float
    range_km: float
    battery_temp_c: float
    ambient_temp_c: float
    cabin_temp_c: float
    setpoint_c: float
    hvac_kw: float
    is_charging: bool
    charge_rate_kph: float
    mode: str
    surface: str
    grade_percent: float


@dataclass(frozen=True, kw_only=True, slots=True)
class LegReport:
    """What a drive step achieved."""

    distance_km: float
    duration_s: float
    energy_kwh: float
    """Net energy at the pack terminals for traction and the 12 V load (HVAC excluded)."""
    completed: bool
    """Covered the asked distance (distance legs), or drove the whole time of a cycle,
    profile or timed leg without running out of charge."""
    followed_trace: bool
    """Never more than 2 km/h (GTR 15 tolerance) behind what the driver asked for."""
    trace_miss_steps: int
    max_speed_deficit_kph: float
    max_speed_kph: float


@dataclass(frozen=True, kw_only=True, slots=True)
class StepReport:
    index: int
    label: str
    action: str
    start_s: float
    end_s: float
    signals: Mapping[str, Value | None]
    leg: LegReport | None = None


@dataclass(kw_only=True)
class ScenarioResult:
    scenario: Scenario
    steps: list[StepReport] = field(default_factory=list)
    rows: list[TraceRow] = field(default_factory=list)
    faults: list[str] = field(default_factory=list)
    charging_refusals: list[str] = field(default_factory=list)
    climate_refusals: list[str] = field(default_factory=list)

    def step(self, label: str) -> StepReport:
        """The report of the (first) step with this label."""
        for report in self.steps:
            if report.label == label:
                return report
        raise KeyError(f"no step labelled {label!r}; labels: {[s.label for s in self.steps]}")
