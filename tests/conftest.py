from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import HealthCheck, settings

# Tests never assert on wall time (benchmarks do): no per-example deadline, and no
# "too slow" health check, so a busy machine cannot turn a property test red.
settings.register_profile("evtwin", deadline=None, suppress_health_check=[HealthCheck.too_slow])
settings.load_profile("evtwin")

MINIMAL_SPEC = """\
name = "Minimal test car"
drivetrain = "rwd"
kerb_mass_kg = 1800
usable_battery_kwh = 60
width_mm = 1850
height_mm = 1600
motor_power_kw = 150
"""


@pytest.fixture
def minimal_spec_file(tmp_path: Path) -> Path:
    p = tmp_path / "minimal-car.toml"
    p.write_text(MINIMAL_SPEC, encoding="utf-8")
    return p
