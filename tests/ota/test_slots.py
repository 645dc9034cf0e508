"""A/B slots: atomic staging, boot counter, health check, commit or automatic rollback."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import pytest

from evtwin.errors import OtaSlotError
from evtwin.ota import BootOutcome, InstalledImage, SlotStore

from .support import image


def info(name: str, data: bytes, counter: int = 1) -> InstalledImage:
    return InstalledImage(
        filepath=name,
        length=len(data),
        hashes={"sha256": hashlib.sha256(data).hexdigest()},
        release_counter=counter,
    )


def healthy(_: bytes) -> bool:
    return True


def test_factory_empty_ecu_has_nothing_to_boot(tmp_path: Path) -> None:
    assert SlotStore(tmp_path).boot(healthy) is BootOutcome.NO_IMAGE


def test_staged_image_is_committed_after_a_healthy_boot(tmp_path: Path) -> None:
    slots = SlotStore(tmp_path)
    data = image("v1")
    slots.stage(data, info("v1", data))

    assert slots.boot(healthy) is BootOutcome.COMMITTED
    assert slots.read_active() == data
    assert SlotStore(tmp_path).active == info("v1", data)  # durable across a restart


def test_new_image_goes_to_the_other_slot_and_the_old_one_stays_intact(tmp_path: Path) -> None:
    slots = SlotStore(tmp_path)
    v1, v2 = image("v1"), image("v2")
    slots.stage(v1, info("v1", v1))
    slots.boot(healthy)
    slots.stage(v2, info("v2", v2, 2))

    assert slots.read_active() == v1
    assert {p.read_bytes() for p in tmp_path.glob("slot_*.img")} == {v1, v2}


def test_unhealthy_image_rolls_back_and_keeps_the_old_slot_active(tmp_path: Path) -> None:
    slots = SlotStore(tmp_path)
    v1, v2 = image("v1"), image("v2")
    slots.stage(v1, info("v1", v1))
    slots.boot(healthy)
    slots.stage(v2, info("v2", v2, 2))

    assert slots.boot(lambda img: img != v2) is BootOutcome.ROLLED_BACK
    assert slots.read_active() == v1 and slots.pending is None
    assert slots.boot(healthy) is BootOutcome.BOOTED


def test_boot_counter_rolls_back_after_too_many_interrupted_trial_boots(tmp_path: Path) -> None:
    v1, v2 = image("v1"), image("v2")
    slots = SlotStore(tmp_path, max_boot_attempts=2)
    slots.stage(v1, info("v1", v1))
    slots.boot(healthy)
    slots.stage(v2, info("v2", v2, 2))

    class Hang(BaseException):
        pass

    def hangs(_: bytes) -> bool:
        raise Hang  # the new firmware hangs: the watchdog resets the ECU

    for _ in range(2):
        with pytest.raises(Hang):
            SlotStore(tmp_path, max_boot_attempts=2).boot(hangs)
    after = SlotStore(tmp_path, max_boot_attempts=2)

    assert after.boot(healthy) is BootOutcome.ROLLED_BACK
    assert after.read_active() == v1


def test_corrupted_pending_slot_is_never_booted(tmp_path: Path) -> None:
    slots = SlotStore(tmp_path)
    v1, v2 = image("v1"), image("v2")
    slots.stage(v1, info("v1", v1))
    slots.boot(healthy)
    slots.stage(v2, info("v2", v2, 2))
    pending = next(p for p in tmp_path.glob("slot_*.img") if p.read_bytes() == v2)
    pending.write_bytes(b"X" + v2[1:])  # flash bit rot after staging

    assert slots.boot(healthy) is BootOutcome.ROLLED_BACK
    assert slots.read_active() == v1


def test_stage_rejects_bytes_that_do_not_match_their_description(tmp_path: Path) -> None:
    slots = SlotStore(tmp_path)

    with pytest.raises(OtaSlotError, match="does not match"):
        slots.stage(image("v1"), info("v1", image("v2")))

    assert slots.pending is None and not list(tmp_path.glob("slot_*.img"))


def test_corrupt_state_file_is_a_clear_error(tmp_path: Path) -> None:
    (tmp_path / "state.json").write_text("{ torn")

    with pytest.raises(OtaSlotError, match="corrupt"):
        SlotStore(tmp_path)


def test_a_rotten_newest_state_record_leaves_the_ecu_on_its_last_good_state(
    tmp_path: Path,
) -> None:
    """Issue 12 (slice 4): a state file that rots or tears is not the end of the ECU: the
    other record (the state one step earlier) stands, naming verified slots only."""
    slots = SlotStore(tmp_path)
    slots.stage(image("v1"), info("v1", image("v1")))
    assert slots.boot(lambda _: True) is BootOutcome.COMMITTED
    slots.stage(image("v2"), info("v2", image("v2")))
    assert slots.boot(lambda _: True) is BootOutcome.COMMITTED
    records = sorted(tmp_path.glob("state_*.json"), key=lambda p: json.loads(p.read_bytes())["seq"])
    newest = records[-1]
    newest.write_bytes(newest.read_bytes().replace(b'"v2"', b'"v9"', 1))  # bit rot

    reopened = SlotStore(tmp_path)

    assert reopened.active is not None and reopened.active.filepath == "v1"  # one step back
    assert reopened.read_active() == image("v1")
    assert reopened.boot(lambda _: True) is BootOutcome.COMMITTED  # and it finishes the job
    assert reopened.read_active() == image("v2")
    newest.write_text("{ torn")  # a torn record is skipped the same way
    assert SlotStore(tmp_path).read_active() == image("v2")
