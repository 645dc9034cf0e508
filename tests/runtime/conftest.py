from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest

from evtwin.runtime import ManualClock, Twin, World, build_twin

START_S = 1_800_000_000.0
"""2027-01-15T08:00:00Z."""

MakeTwin = Callable[..., Twin]


@pytest.fixture
def make_twin() -> Iterator[MakeTwin]:
    """Build parked twins on a manual clock (stepped once); closes them afterwards."""
    twins: list[Twin] = []

    def make(world: World | None = None, **kw: Any) -> Twin:
        kw.setdefault("reference_wh_per_km", lambda: 180.0)
        twin = build_twin(ManualClock(START_S), world=world or World(), **kw)
        twins.append(twin)
        twin.host.step()
        return twin

    yield make
    for twin in twins:
        twin.close()
