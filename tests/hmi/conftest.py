from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from hmi_live import LiveTwin, start_live_twin


@pytest.fixture
def live(tmp_path: Path) -> Iterator[LiveTwin]:
    """A fresh running twin with the screen, on free ports, for one test."""
    t = start_live_twin(tmp_path / "screen.json")
    try:
        yield t
    finally:
        t.close()
