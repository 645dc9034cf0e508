"""The curated public surface of ``evtwin.ota`` and ``evtwin.cloud``."""

from __future__ import annotations

import importlib

import pytest


@pytest.mark.parametrize("module", ["evtwin.ota", "evtwin.cloud"])
def test_all_is_sorted_and_every_name_resolves(module: str) -> None:
    mod = importlib.import_module(module)

    assert list(mod.__all__) == sorted(mod.__all__, key=lambda n: (not n.isupper(), n))
    assert all(hasattr(mod, name) for name in mod.__all__)


def test_every_ota_error_is_an_evtwin_error() -> None:
    from evtwin import errors

    ota_errors = [getattr(errors, n) for n in errors.__all__ if n.startswith("Ota")]

    assert len(ota_errors) >= 10
    assert all(
        issubclass(e, errors.OtaError) and issubclass(e, errors.EvtwinError) for e in ota_errors
    )
