"""Crash consistency by replay (ALICE/CrashMonkey style, issue 12 slice 4): 0 bricked ECUs.

An install is recorded as the sequence of durable writes it makes (every ``atomic_write``:
write a temporary file, fsync it, rename it over the target, fsync the directory). Then every
crash state a POSIX file system may leave is rebuilt on disk from the ECU's state before the
install and booted from disk alone:

- each prefix of completed writes (a cut between two writes);
- a write lost before its fsync: the target unchanged, a temporary file left behind empty,
  torn (half written) or complete;
- a torn target: the target itself holding only the first half of its new bytes (what a
  file system without atomic rename, or a failing flash, could leave);
- a rename not yet made durable (the target back to its old bytes) is the previous prefix.

In every state the ECU must boot a verified image (the old one or the new one) and a retry
must finish the update. The test fails if the install path stops being crash-safe (e.g. a
state record written before the image it names, or a slot overwritten in place).
"""

from __future__ import annotations

import shutil
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from evtwin.ota import OtaBackend, Primary
from evtwin.ota._store import atomic_write as real_atomic_write

from .test_power_loss import V1, V2, V2_BROKEN, make_ecu, staged_world

Write = tuple[Path, bytes]


@pytest.fixture
def recorder(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[Write]]:
    """Every atomic write of the ECU and its slots, in order (still performed)."""
    log: list[Write] = []

    def recording(path: Path, data: bytes) -> None:
        log.append((path, bytes(data)))
        real_atomic_write(path, data)

    for module in ("evtwin.ota.vehicle._slots", "evtwin.ota.vehicle._ecu"):
        monkeypatch.setattr(f"{module}.atomic_write", recording)
    yield log


def crash_states(writes: list[Write]) -> Iterator[tuple[str, int, Callable[[Path], None]]]:
    """(label, completed writes, what else is on disk) for every crash state."""
    for done in range(len(writes) + 1):
        yield f"after {done} writes", done, lambda root: None
        if done == len(writes):
            break
        path, data = writes[done]
        for label, garbage in (("empty", b""), ("torn", data[: len(data) // 2]), ("full", data)):

            def leftover(root: Path, name: str = path.name, blob: bytes = garbage) -> None:
                (root / f".{name}.crash.tmp").write_bytes(blob)

            yield f"write {done + 1} lost before fsync, temp {label}", done, leftover

        def torn(root: Path, p: Path = path, blob: bytes = data) -> None:
            (root / p.name).write_bytes(blob[: len(blob) // 2])

        yield f"write {done + 1} torn in place", done, torn


@pytest.mark.parametrize(
    ("new", "final"), [(V2, V2), (V2_BROKEN, V1)], ids=["healthy-image", "broken-image"]
)
def test_every_crash_state_of_an_install_boots_a_verified_image(
    backend: OtaBackend,
    car: Primary,
    tmp_path: Path,
    recorder: list[Write],
    new: bytes,
    final: bytes,
) -> None:
    director_root, targets_v1, targets = staged_world(backend, car, new)
    before = tmp_path / "before"
    make_ecu(before, director_root, backend).install(targets_v1, V1, 1)
    recorded = tmp_path / "recorded"
    shutil.copytree(before, recorded)
    recorder.clear()
    make_ecu(recorded, director_root, backend).install(targets, new, 2)
    writes = [(p.relative_to(recorded), data) for p, data in recorder]
    assert len(writes) >= 6, writes  # the slot store's records, the image, the ECU's files

    outcomes = {"old": 0, "new": 0, "bricked": 0}
    bricked: list[str] = []
    states = list(crash_states([(recorded / p, d) for p, d in writes]))
    for i, (label, done, extra) in enumerate(states):
        root = tmp_path / f"state{i}"
        shutil.copytree(before, root)
        for rel, data in writes[:done]:
            (root / rel).write_bytes(data)
        if done < len(writes):
            extra(root / writes[done][0].parent)
        restarted = make_ecu(root, director_root, backend)
        restarted.reboot()
        running = restarted.slots.read_active()
        kind = "old" if running == V1 else "new" if running == new else "bricked"
        outcomes[kind] += 1
        if kind == "bricked":
            bricked.append(label)
            continue
        restarted.install(targets, new, 2)  # the retry finishes the job
        assert restarted.slots.read_active() == final, label

    assert bricked == [], bricked
    assert outcomes["old"] + outcomes["new"] == len(states) == 5 * len(writes) + 1
