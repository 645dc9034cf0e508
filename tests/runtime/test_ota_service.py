"""The OTA client as a runtime service: every step through the broker, on the twin's clock.

The repositories run in process on the same (manual) twin clock; the car reaches them
through an in-memory link. The HTTP story lives in ``tests/scenarios/test_ota_story.py``.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from evtwin.errors import OtaDownloadError
from evtwin.ota import Consent, InstallPolicy, OtaBackend, Primary, provision_vehicle
from evtwin.runtime import (
    CheckIn,
    DriveLeg,
    OtaService,
    Twin,
    UpdateState,
)
from evtwin.sim.traces import constant_speed

MakeTwin = Callable[..., Twin]  # the make_twin fixture (tests/runtime/conftest.py)

U = "Vehicle.Software.Update"
VIN = "SALDS27A1RA000001"


def image(tag: str, size_bytes: int = 4096) -> bytes:
    head = f"DEFENDER-SPORT FIRMWARE {tag}\n".encode()
    return (head * (size_bytes // len(head) + 1))[:size_bytes]


class MemoryLink:
    """The server's check-in in process: manifest in, newest image per ECU assigned."""

    def __init__(self, backend: OtaBackend, consent: Consent = Consent.REQUIRED) -> None:
        self.backend = backend
        self.consent = consent
        self.check_ins = 0

    def check_in(self, primary: Primary) -> CheckIn:
        director = self.backend.director
        director.receive_manifest(primary.vin, primary.manifest(director.issue_nonce(primary.vin)))
        self.check_ins += 1
        return CheckIn(assigned=director.assign_latest(primary.vin), consent=self.consent)


class Car:
    def __init__(self, twin: Twin, backend: OtaBackend, link: MemoryLink, ota: OtaService):
        self.twin, self.backend, self.link, self.ota = twin, backend, link, ota

    def value(self, name: str) -> object:
        dp = self.twin.broker.get(f"{U}.{name}")
        return None if dp is None else dp.value

    def state(self) -> str:
        return str(self.value("State"))

    def run_until(self, state: UpdateState, max_steps: int = 50) -> None:
        for _ in range(max_steps):
            if self.state() == state:
                return
            self.twin.advance(1.0)
        raise AssertionError(f"never reached {state}; history {self.ota.history}")

    def approve(self) -> None:
        self.twin.broker.set_target(f"{U}.IsInstallApproved", True)

    def release(self, name: str, hw: str, counter: int, tag: str | None = None) -> None:
        self.backend.image_repo.add_image(
            name, image(tag or name), hardware_ids=[hw], release_counter=counter
        )


@pytest.fixture
def car(make_twin: MakeTwin, tmp_path: Path) -> Iterator[Car]:
    twin = make_twin(soc_percent=70.0)
    clock = twin.clock
    backend = OtaBackend.create(clock)
    primary = provision_vehicle(backend, vin=VIN, root_dir=tmp_path / "car")
    link = MemoryLink(backend)
    ota = twin.attach_ota(OtaService(twin.broker, primary, link, check_in_interval_s=60.0))
    yield Car(twin, backend, link, ota)


def test_an_offer_is_published_with_version_size_ecus_and_consent_mode(car: Car) -> None:
    car.release("bms-2.1.0.img", "ds-bms-r2", 21)
    car.run_until(UpdateState.AVAILABLE)
    assert car.value("AvailableVersion") == "bms-2.1.0"
    assert car.value("AvailableSize") == 4096
    assert car.value("Ecus") == ("bms-0001",)
    assert car.value("ConsentMode") == "REQUIRED"
    assert car.value("IsInstallApproved") is False


def test_nothing_installs_until_the_driver_consents_through_the_broker(car: Car) -> None:
    car.release("bms-2.1.0.img", "ds-bms-r2", 21)
    car.run_until(UpdateState.AVAILABLE)
    car.twin.advance(600.0)  # ten twin minutes, several check-ins: still only offered
    assert car.state() == UpdateState.AVAILABLE
    assert car.ota.primary.ecus["bms-0001"].slots.active is None
    car.approve()
    car.run_until(UpdateState.SUCCEEDED)
    assert car.ota.history == [
        "IDLE",
        "AVAILABLE",
        "CONSENTED",
        "DOWNLOADING",
        "INSTALLING",
        "REBOOTING",
        "SUCCEEDED",
    ]
    active = car.ota.primary.ecus["bms-0001"].slots.active
    assert active is not None and active.filepath == "bms-2.1.0.img"
    assert "bms-0001=bms-2.1.0.img" in car.twin.broker.get("Vehicle.Software.InstalledImages").value  # type: ignore[union-attr, operator]


def test_the_server_sees_the_commit_at_the_next_check_in(car: Car) -> None:
    car.release("bms-2.1.0.img", "ds-bms-r2", 21)
    car.run_until(UpdateState.AVAILABLE)
    car.approve()
    car.run_until(UpdateState.SUCCEEDED)
    car.twin.advance(2.0)
    director = car.backend.director
    assert director.installed[VIN]["bms-0001"].filepath == "bms-2.1.0.img"
    assert director.update_states[VIN]["state"] == "installed"


def test_a_broken_image_rolls_back_by_itself_and_is_not_offered_again(car: Car) -> None:
    car.release("bms-2.1.0.img", "ds-bms-r2", 21)
    car.run_until(UpdateState.AVAILABLE)
    car.approve()
    car.run_until(UpdateState.SUCCEEDED)
    car.release("bms-2.2.0.img", "ds-bms-r2", 22, tag="bms 2.2.0 BROKEN")
    car.twin.advance(61.0)
    car.run_until(UpdateState.AVAILABLE)
    car.approve()
    car.run_until(UpdateState.ROLLED_BACK)
    assert car.ota.history[-4:] == ["DOWNLOADING", "INSTALLING", "REBOOTING", "ROLLED_BACK"]
    assert "rolled back by itself: bms-0001 (bms-2.2.0.img)" in str(car.value("LastError"))
    active = car.ota.primary.ecus["bms-0001"].slots.active
    assert active is not None and active.filepath == "bms-2.1.0.img"
    car.twin.advance(300.0)  # more check-ins: the failed image is not offered again
    assert car.state() == UpdateState.ROLLED_BACK
    assert "bms-2.2.0.img" in car.backend.director.install_failures[VIN]["bms-0001"]


def test_the_policy_defers_a_consented_update_while_driving(car: Car) -> None:
    car.release("bms-2.1.0.img", "ds-bms-r2", 21)
    car.run_until(UpdateState.AVAILABLE)
    twin = car.twin
    twin.world.leg = DriveLeg(trace=constant_speed(50.0, 120.0), start_s=twin.clock.now_s())
    twin.advance(5.0)
    car.approve()
    car.run_until(UpdateState.DEFERRED)
    assert "not parked" in str(car.value("DeferredReason"))
    assert car.ota.primary.ecus["bms-0001"].slots.active is None
    twin.world.leg = None  # the driver stops and parks
    car.run_until(UpdateState.SUCCEEDED, max_steps=200)
    assert car.value("DeferredReason") == ""


def test_the_policy_defers_below_the_soc_floor_and_while_charging(
    make_twin: MakeTwin, tmp_path: Path
) -> None:
    from evtwin.runtime import Charger, World

    twin = make_twin(world=World(charger=Charger(power_kw=7.4)), soc_percent=20.0)
    backend = OtaBackend.create(twin.clock)
    primary = provision_vehicle(backend, vin=VIN, root_dir=tmp_path / "car")
    ota = twin.attach_ota(
        OtaService(
            twin.broker, primary, MemoryLink(backend, Consent.FORCED), check_in_interval_s=60
        )
    )
    backend.image_repo.add_image(
        "bms-2.1.0.img", image("bms"), hardware_ids=["ds-bms-r2"], release_counter=21
    )
    for _ in range(10):
        twin.advance(1.0)
    reason = str(twin.broker.get(f"{U}.DeferredReason").value)  # type: ignore[union-attr]
    assert ota.history[-1] == "DEFERRED"
    assert "state of charge 20 % is below 30 %" in reason
    assert "a charge is planned" in reason  # plugged in: a session runs
    assert primary.ecus["bms-0001"].slots.active is None


def test_a_forced_campaign_installs_without_asking(car: Car) -> None:
    car.link.consent = Consent.FORCED
    car.release("bms-2.1.0.img", "ds-bms-r2", 21)
    car.run_until(UpdateState.SUCCEEDED)
    assert "CONSENTED" not in car.ota.history
    assert car.value("ConsentMode") == "FORCED"


def test_a_download_only_campaign_downloads_and_never_installs(car: Car) -> None:
    car.link.consent = Consent.DOWNLOAD_ONLY
    car.release("bms-2.1.0.img", "ds-bms-r2", 21)
    car.run_until(UpdateState.READY_TO_INSTALL)
    car.approve()
    car.twin.advance(300.0)
    assert car.state() == UpdateState.READY_TO_INSTALL
    assert car.value("DownloadProgress") == 100
    assert car.ota.primary.ecus["bms-0001"].slots.active is None


def test_no_install_on_metadata_that_expired_while_the_car_was_held(car: Car) -> None:
    car.release("bms-2.1.0.img", "ds-bms-r2", 21)
    car.run_until(UpdateState.AVAILABLE)
    twin = car.twin
    twin.world.leg = DriveLeg(trace=constant_speed(50.0, 60.0), start_s=twin.clock.now_s())
    car.approve()
    car.run_until(UpdateState.DEFERRED)
    twin.world.leg = None
    car.ota.policy = InstallPolicy(min_soc_percent=99.0)  # held back while the car sits ...
    twin.advance(30 * 86400.0, step_s=3600.0)  # ... for a month: the timestamp expired
    assert car.state() == UpdateState.DEFERRED
    car.ota.policy = InstallPolicy()
    car.run_until(UpdateState.FAILED)
    assert "expired" in str(car.value("LastError")).lower()
    assert car.ota.primary.ecus["bms-0001"].slots.active is None


def test_the_service_reads_time_from_the_twin_clock(car: Car) -> None:
    assert car.ota.primary.clock.now().timestamp() == car.twin.clock.now_s()


class DownLink:
    def __init__(self) -> None:
        self.attempts = 0

    def check_in(self, primary: Primary) -> CheckIn:
        self.attempts += 1
        raise OtaDownloadError("GET http://127.0.0.1:9/ failed: connection refused")


def test_an_unreachable_server_is_retried_each_interval_not_each_step(
    make_twin: MakeTwin, tmp_path: Path
) -> None:
    twin = make_twin()
    backend = OtaBackend.create(twin.clock)
    primary = provision_vehicle(backend, vin=VIN, root_dir=tmp_path / "car")
    link = DownLink()
    ota = twin.attach_ota(OtaService(twin.broker, primary, link, check_in_interval_s=60.0))
    for _ in range(600):
        twin.advance(1.0)
    assert link.attempts == 10
    assert ota.history == ["IDLE", "FAILED"]
    assert "connection refused" in str(twin.broker.get(f"{U}.LastError").value)  # type: ignore[union-attr]


def test_an_install_waits_for_the_time_the_driver_scheduled(car: Car) -> None:
    from datetime import UTC, datetime

    car.release("bms-2.1.0.img", "ds-bms-r2", 21)
    car.run_until(UpdateState.AVAILABLE)
    at_s = car.twin.clock.now_s() + 3600.0
    at = datetime.fromtimestamp(at_s, UTC).isoformat().replace("+00:00", "Z")
    car.twin.broker.set_target(f"{U}.ScheduledTime", at)
    car.approve()
    car.run_until(UpdateState.SCHEDULED)
    assert car.value("DeferredReason") == f"scheduled for {at}"
    car.twin.advance(3500.0, step_s=50.0)
    assert car.state() == UpdateState.SCHEDULED
    assert car.ota.primary.ecus["bms-0001"].slots.active is None
    car.twin.advance(100.0, step_s=50.0)
    car.run_until(UpdateState.SUCCEEDED)
