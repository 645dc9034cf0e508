"""The packages' curated public names all resolve (``from evtwin.climate import X``)."""

from __future__ import annotations

import importlib

import pytest


@pytest.mark.parametrize("package", ["evtwin.climate", "evtwin.charging", "evtwin.battery"])
def test_every_exported_name_resolves(package: str) -> None:
    mod = importlib.import_module(package)
    assert mod.__all__ == sorted(mod.__all__, key=lambda n: (not n.isupper(), n))
    for name in mod.__all__:
        assert getattr(mod, name) is not None, name


def test_controller_and_parked_climate_are_top_level() -> None:
    from evtwin.climate import keep_climate_run, precondition_schedule, simulate_cabin

    assert callable(simulate_cabin) and callable(precondition_schedule)
    assert callable(keep_climate_run)
