from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest


@pytest.fixture(scope="session", autouse=True)
def maps_dir(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """Built maps go to one temporary cache for the whole run (built once, ~5 s)."""
    d = tmp_path_factory.mktemp("maps")
    old = os.environ.get("EVTWIN_MAPS_DIR")
    os.environ["EVTWIN_MAPS_DIR"] = str(d)
    yield d
    if old is None:
        os.environ.pop("EVTWIN_MAPS_DIR", None)
    else:
        os.environ["EVTWIN_MAPS_DIR"] = old
