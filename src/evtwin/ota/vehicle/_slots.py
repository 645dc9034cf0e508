"""A/B image slots of one ECU on disk, with a boot counter and automatic rollback.

Layout of an ECU directory: ``slot_a.img``, ``slot_b.img`` and two state records,
``state_0.json`` and ``state_1.json``, written in turn (as a bootloader keeps a redundant
environment): each carries a sequence number and the SHA-256 of its content, and the newest
record that verifies is the state, so a state file that rots or tears leaves the ECU on the
state before it (its last good slot), never unbootable. (``state.json`` of older ECUs is
read as sequence 0.) Every write is atomic (write-temp, fsync, rename, fsync dir), and a
record is written only after the image it names is durable, so a power cut at any step leaves
the ECU booting a verified image. Installing is: :meth:`SlotStore.stage` (write the
inactive slot, mark it pending), then :meth:`SlotStore.boot` (the bootloader: try the
pending slot with a bounded boot counter, run the health check, commit the new slot or roll
back to the old one).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path
from typing import Any

from evtwin.errors import OtaSlotError
from evtwin.ota._manifest import InstalledImage
from evtwin.ota._store import atomic_write

__all__ = ["BootOutcome", "SlotStore"]

SLOTS: tuple[str, str] = ("a", "b")
STATE_FILES: tuple[str, str] = ("state_0.json", "state_1.json")
FaultHook = Callable[[str], None]


class BootOutcome(StrEnum):
    """What the bootloader did."""

    BOOTED = "booted"  # no pending update: ran the active slot
    COMMITTED = "committed"  # the pending slot passed its health check and is now active
    ROLLED_BACK = "rolled_back"  # the pending slot failed; the previous slot stays active
    NO_IMAGE = "no_image"  # nothing verified to boot (factory-empty ECU)


@dataclass
class _State:
    active: str | None
    pending: str | None
    boot_attempts: int
    slots: dict[str, InstalledImage | None]

    def to_bytes(self) -> bytes:
        return json.dumps(
            {
                "active": self.active,
                "pending": self.pending,
                "boot_attempts": self.boot_attempts,
                "slots": {k: (v.to_dict() if v else None) for k, v in self.slots.items()},
            },
            sort_keys=True,
        ).encode()

    @classmethod
    def from_bytes(cls, data: bytes) -> _State:
        d: dict[str, Any] = json.loads(data)
        slots = {k: (InstalledImage.from_dict(v) if v else None) for k, v in d["slots"].items()}
        return cls(d["active"], d["pending"], int(d["boot_attempts"]), slots)


class SlotStore:
    """The A/B slots of one ECU.

    Args:
        root: the ECU's directory.
        max_boot_attempts: trial boots of a pending slot before rolling back.
        fault: called with a step name before each durable step (power-cut tests raise there).
    """

    def __init__(self, root: Path, *, max_boot_attempts: int = 3, fault: FaultHook | None = None):
        if max_boot_attempts < 1:
            raise OtaSlotError(f"max_boot_attempts must be >= 1, got {max_boot_attempts}")
        self.root = root
        self.max_boot_attempts = max_boot_attempts
        self.fault: FaultHook = fault or (lambda step: None)
        root.mkdir(parents=True, exist_ok=True)
        self._seq = 0
        self._state = self._load()

    # -- state ---------------------------------------------------------------------------------
    @property
    def _state_path(self) -> Path:
        """The state record written next."""
        return self.root / STATE_FILES[(self._seq + 1) % 2]

    def _slot_path(self, slot: str) -> Path:
        return self.root / f"slot_{slot}.img"

    def _load(self) -> _State:
        """The newest state record that verifies (an unreadable one is skipped); a fresh
        state when there is none.

        Raises:
            OtaSlotError: state records exist but none verifies.
        """
        best: tuple[int, _State] | None = None
        for seq, state in self._records():
            if best is None or seq > best[0]:
                best = (seq, state)
        if best is None:
            present = [p.name for p in self._state_files() if p.exists()]
            if present:
                raise OtaSlotError(f"{self.root}: every state record is corrupt ({present})")
            return _State(None, None, 0, dict.fromkeys(SLOTS))
        self._seq = best[0]
        return best[1]

    def _state_files(self) -> list[Path]:
        return [self.root / "state.json", *(self.root / name for name in STATE_FILES)]

    def _records(self) -> list[tuple[int, _State]]:
        found = []
        legacy = self.root / "state.json"
        for path in self._state_files():
            try:
                raw = path.read_bytes()
                if path == legacy:
                    found.append((0, _State.from_bytes(raw)))
                    continue
                record = json.loads(raw)
                body = json.dumps(record["state"], sort_keys=True).encode()
                if hashlib.sha256(body).hexdigest() != record["sha256"]:
                    continue  # torn or rotten: the other record stands
                found.append((int(record["seq"]), _State.from_bytes(body)))
            except FileNotFoundError:
                continue
            except (ValueError, KeyError, TypeError, AttributeError):
                continue  # unparseable: the other record stands
        return found

    def _save(self, step: str) -> None:
        self.fault(step)
        body = self._state.to_bytes()
        record = {
            "seq": self._seq + 1,
            "state": json.loads(body),
            "sha256": hashlib.sha256(body).hexdigest(),
        }
        atomic_write(self._state_path, json.dumps(record, sort_keys=True).encode())
        self._seq += 1

    @property
    def active(self) -> InstalledImage | None:
        """What the ECU runs now (its last committed image)."""
        s = self._state
        return s.slots[s.active] if s.active else None

    @property
    def pending(self) -> InstalledImage | None:
        s = self._state
        return s.slots[s.pending] if s.pending else None

    @property
    def boot_attempts(self) -> int:
        return self._state.boot_attempts

    def _inactive(self) -> str:
        return "b" if self._state.active == "a" else "a"

    def _verified(self, slot: str) -> bytes | None:
        info = self._state.slots[slot]
        if info is None:
            return None
        try:
            data = self._slot_path(slot).read_bytes()
        except FileNotFoundError:
            return None
        if len(data) != info.length or hashlib.sha256(data).hexdigest() != info.hashes["sha256"]:
            return None
        return data

    def read_active(self) -> bytes | None:
        """The active image, if its bytes still match its recorded hash."""
        return self._verified(self._state.active) if self._state.active else None

    # -- install -------------------------------------------------------------------------------
    def stage(self, data: bytes, info: InstalledImage) -> None:
        """Write ``data`` into the inactive slot and mark it pending for the next boot.

        Raises:
            OtaSlotError: the bytes do not match ``info`` or cannot be written back verified.
        """
        if len(data) != info.length or hashlib.sha256(data).hexdigest() != info.hashes.get(
            "sha256"
        ):
            raise OtaSlotError(f"image for {info.filepath!r} does not match its length/sha256")
        slot = self._inactive()
        if self._state.pending is not None:  # abandon an earlier unfinished install
            self._state.pending = None
            self._save("stage.abandon-pending")
        self._state.slots[slot] = None  # the slot is about to be overwritten
        self._save("stage.invalidate-slot")
        self.fault("stage.write-image")
        try:
            atomic_write(self._slot_path(slot), data)
        except OSError as e:
            raise OtaSlotError(f"cannot write slot {slot} of {self.root}: {e}") from e
        self._state.slots[slot] = info
        if self._verified(slot) is None:
            raise OtaSlotError(f"slot {slot} of {self.root} did not read back verified")
        self._state.pending = slot
        self._state.boot_attempts = 0
        self._save("stage.mark-pending")

    def boot(self, health_check: Callable[[bytes], bool]) -> BootOutcome:
        """Boot the ECU: try a pending slot (bounded attempts), else the active one.

        ``health_check`` receives the booted image's bytes and says whether it came up.
        """
        s = self._state
        if s.pending is not None:
            s.boot_attempts += 1
            self._save("boot.count-attempt")
            image = self._verified(s.pending)
            if image is not None and s.boot_attempts <= self.max_boot_attempts:
                self.fault("boot.health-check")
                if health_check(image):
                    s.active, s.pending, s.boot_attempts = s.pending, None, 0
                    self._save("boot.commit")
                    return BootOutcome.COMMITTED
            s.pending, s.boot_attempts = None, 0
            self._save("boot.rollback")
            return BootOutcome.ROLLED_BACK
        if self.read_active() is None:
            return BootOutcome.NO_IMAGE
        return BootOutcome.BOOTED
