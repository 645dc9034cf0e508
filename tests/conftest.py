from __future__ import annotations

from pathlib import Path

import pytest

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
