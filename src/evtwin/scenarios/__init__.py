"""Scenarios: stories the twin lives through, from TOML files (drive a cycle or a profile,
park for hours in the cold, plug in, precondition, unplug), run headless and deterministic.
"""

from __future__ import annotations

from evtwin.scenarios._load import bundled_scenarios, load_scenario
from evtwin.scenarios._model import ACTIONS, DriveSpec, Scenario, Step, parse_scenario
from evtwin.scenarios._output import TRACE_COLUMNS, plot_trace, write_trace_csv
from evtwin.scenarios._result import (
    SNAPSHOT_SIGNALS,
    LegReport,
    ScenarioResult,
    StepReport,
    TraceRow,
)
from evtwin.scenarios._run import LiveScenario, ScenarioPlayer, run

__all__ = [
    "ACTIONS",
    "SNAPSHOT_SIGNALS",
    "TRACE_COLUMNS",
    "DriveSpec",
    "LegReport",
    "LiveScenario",
    "Scenario",
    "ScenarioPlayer",
    "ScenarioResult",
    "Step",
    "StepReport",
    "TraceRow",
    "bundled_scenarios",
    "load_scenario",
    "parse_scenario",
    "plot_trace",
    "run",
    "write_trace_csv",
]
