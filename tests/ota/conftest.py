"""Shared fixtures: a backend on a manual clock and a provisioned Defender Sport."""

from __future__ import annotations

from pathlib import Path

import pytest

from evtwin.ota import ManualClock, OtaBackend, Primary, provision_vehicle

from .support import VIN, AttackFetcher


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock()


@pytest.fixture
def backend(clock: ManualClock) -> OtaBackend:
    return OtaBackend.create(clock)


@pytest.fixture
def car(backend: OtaBackend, tmp_path: Path) -> Primary:
    return provision_vehicle(backend, vin=VIN, root_dir=tmp_path / "car")


@pytest.fixture
def mitm(backend: OtaBackend, clock: ManualClock) -> AttackFetcher:
    return AttackFetcher(backend.store, clock)


@pytest.fixture
def attacked_car(backend: OtaBackend, mitm: AttackFetcher, tmp_path: Path) -> Primary:
    """A Defender Sport whose network is in the attacker's hands."""
    return provision_vehicle(backend, vin=VIN, root_dir=tmp_path / "car", fetcher=mitm)
