from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from evtwin.scenarios import ScenarioResult, parse_scenario, run

RunSteps = Callable[..., ScenarioResult]


@pytest.fixture
def run_steps() -> RunSteps:
    """Run an inline scenario: the Defender Sport at 80 %, 20 °C on asphalt unless told."""

    def go(
        steps: list[dict[str, Any]], drive_step_s: float = 2.0, **initial: Any
    ) -> ScenarioResult:
        raw = {
            "name": "inline",
            "initial": {"soc_percent": 80, "ambient_temp_c": 20, **initial},
            "timing": {"drive_step_s": drive_step_s},
            "step": steps,
        }
        return run(parse_scenario(raw, source="inline"))

    return go
