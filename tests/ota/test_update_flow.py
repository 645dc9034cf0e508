"""End-to-end update of the Defender Sport's ECUs against both repositories."""

from __future__ import annotations

from evtwin.ota import BootOutcome, OtaBackend, Primary

from .support import check_in, image, release


def test_fresh_car_installs_released_images_on_every_matching_ecu(
    backend: OtaBackend, car: Primary
) -> None:
    release(backend, "bms-1.0.0.img", image("bms 1.0.0"), "ds-bms-r2", 1)
    release(backend, "ivi-4.2.0.img", image("ivi 4.2.0"), "ds-infotainment-r3", 7)

    assigned = check_in(backend, car)
    report = car.update()

    assert assigned == {"bms-0001": "bms-1.0.0.img", "ivi-0001": "ivi-4.2.0.img"}
    assert report.errors == {}
    assert report.installed == ["bms-0001", "ivi-0001"]
    bms = car.ecus["bms-0001"].slots
    assert bms.active is not None and bms.active.filepath == "bms-1.0.0.img"
    assert bms.active.release_counter == 1
    assert bms.read_active() == image("bms 1.0.0")
    assert car.ecus["inv-0001"].slots.active is None


def test_second_cycle_with_nothing_new_installs_nothing(backend: OtaBackend, car: Primary) -> None:
    release(backend, "bms-1.0.0.img", image("bms 1.0.0"), "ds-bms-r2", 1)
    check_in(backend, car)
    car.update()

    assert check_in(backend, car) == {}
    report = car.update()

    assert report.outcomes == {} and report.errors == {}


def test_newer_release_replaces_the_running_image_and_director_sees_it(
    backend: OtaBackend, car: Primary
) -> None:
    release(backend, "bms-1.0.0.img", image("bms 1.0.0"), "ds-bms-r2", 1)
    check_in(backend, car)
    car.update()
    release(backend, "bms-1.1.0.img", image("bms 1.1.0"), "ds-bms-r2", 2)

    assert check_in(backend, car) == {"bms-0001": "bms-1.1.0.img"}
    report = car.update()
    check_in(backend, car)

    assert report.outcomes == {"bms-0001": BootOutcome.COMMITTED}
    seen = backend.director.installed[car.vin]["bms-0001"]
    assert seen is not None and seen.filepath == "bms-1.1.0.img"


def test_broken_image_rolls_back_to_the_previous_slot(backend: OtaBackend, car: Primary) -> None:
    release(backend, "inv-3.0.0.img", image("inv 3.0.0"), "ds-inverter-r1", 3)
    check_in(backend, car)
    car.update()
    release(backend, "inv-3.1.0.img", image("inv 3.1.0 BROKEN"), "ds-inverter-r1", 4)
    check_in(backend, car)

    report = car.update()

    assert report.outcomes == {"inv-0001": BootOutcome.ROLLED_BACK}
    inv = car.ecus["inv-0001"].slots
    assert inv.active is not None and inv.active.filepath == "inv-3.0.0.img"
    assert inv.read_active() == image("inv 3.0.0")


def test_image_that_failed_its_health_check_is_not_retried_and_the_director_moves_on(
    backend: OtaBackend, car: Primary
) -> None:
    release(backend, "inv-3.0.0.img", image("inv 3.0.0"), "ds-inverter-r1", 3)
    check_in(backend, car)
    car.update()
    release(backend, "inv-3.1.0.img", image("inv 3.1.0 BROKEN"), "ds-inverter-r1", 4)
    check_in(backend, car)
    car.update()

    reassigned = check_in(backend, car)  # the car reports the failure
    report = car.update()

    assert backend.director.install_failures[car.vin]["inv-0001"] == ("inv-3.1.0.img",)
    assert reassigned == {"inv-0001": "inv-3.0.0.img"}  # back to what it runs
    assert report.outcomes == {} and report.errors == {}
    assert check_in(backend, car) == {}


def test_status_shows_what_each_ecu_runs_and_what_failed(backend: OtaBackend, car: Primary) -> None:
    release(backend, "inv-3.0.0.img", image("inv 3.0.0"), "ds-inverter-r1", 3)
    check_in(backend, car)
    car.update()
    release(backend, "inv-3.1.0.img", image("inv 3.1.0 BROKEN"), "ds-inverter-r1", 4)
    check_in(backend, car)
    car.update()

    status = car.status()

    assert status["vin"] == car.vin
    assert status["ecus"]["inv-0001"] == {
        "serial": "inv-0001",
        "hardware_id": "ds-inverter-r1",
        "image": "inv-3.0.0.img",
        "release_counter": 3,
        "pending": None,
        "boot_attempts": 0,
        "failed_images": ["inv-3.1.0.img"],
        "last_error": "",
    }
    assert status["ecus"]["bms-0001"]["image"] is None
