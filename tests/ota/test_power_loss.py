"""Power cuts at every step of download, write, switch and commit: 0 bricked ECUs.

A power cut is a :class:`PowerCut` raised at a step (a ``BaseException``, so no code path
can swallow it) or a real ``SIGKILL`` of a child process. After each cut the ECU restarts
from disk alone and must boot a verified image — the old one or the new one — and a retry
must then finish the update.
"""

from __future__ import annotations

import subprocess
import sys
import textwrap
from collections.abc import Callable
from pathlib import Path

import pytest

from evtwin.ota import BootOutcome, Ecu, OtaBackend, Primary, generate_signer, provision_vehicle

from .support import VIN, AttackFetcher, check_in, image, release

BMS = "bms-0001"
V1, V2 = image("bms 1.0.0"), image("bms 1.1.0")
V2_BROKEN = image("bms 1.1.0 BROKEN")  # fails its health check


class PowerCut(BaseException):
    """The supply dropped."""


def cut_at(k: int, seen: list[str]) -> Callable[[str], None]:
    def hook(step: str) -> None:
        seen.append(step)
        if len(seen) == k:
            raise PowerCut(step)

    return hook


def make_ecu(
    root: Path,
    director_root: bytes,
    backend: OtaBackend,
    fault: Callable[[str], None] | None = None,
) -> Ecu:
    return Ecu(
        serial=BMS,
        hardware_id="ds-bms-r2",
        signer=generate_signer(),
        root_dir=root,
        director_root=director_root,
        clock=backend.clock,
        fault=fault,
    )


def staged_world(backend: OtaBackend, car: Primary, new: bytes = V2) -> tuple[bytes, bytes, bytes]:
    """Director targets naming v1, then v2. Returns (director root, targets v1, targets v2)."""
    repo = backend.director.vehicle_repo(car.vin)
    release(backend, "bms-1.0.0.img", V1, "ds-bms-r2", 1)
    check_in(backend, car)
    targets_v1 = repo.role_bytes("targets")
    car.update()
    release(backend, "bms-1.1.0.img", new, "ds-bms-r2", 2)
    check_in(backend, car)
    return repo.role_bytes("root"), targets_v1, repo.role_bytes("targets")


@pytest.mark.parametrize(
    ("new", "final"), [(V2, V2), (V2_BROKEN, V1)], ids=["healthy-image", "broken-image"]
)
def test_power_cut_at_every_install_step_never_bricks_the_ecu(
    backend: OtaBackend, car: Primary, tmp_path: Path, new: bytes, final: bytes
) -> None:
    director_root, targets_v1, targets = staged_world(backend, car, new)
    steps: list[str] = []
    probe = make_ecu(tmp_path / "probe", director_root, backend, cut_at(0, steps))
    probe.install(targets_v1, V1, 1)
    steps.clear()
    probe.install(targets, new, 2)  # count the durable steps of the update (or its rollback)
    total = len(steps)
    assert total == 6, steps

    outcomes: dict[str, int] = {"old": 0, "new": 0, "bricked": 0}
    for k in range(1, total + 1):
        root = tmp_path / f"cut{k}"
        make_ecu(root, director_root, backend).install(targets_v1, V1, 1)
        seen: list[str] = []
        with pytest.raises(PowerCut):
            make_ecu(root, director_root, backend, cut_at(k, seen)).install(targets, new, 2)
        restarted = make_ecu(root, director_root, backend)
        restarted.reboot()
        running = restarted.slots.read_active()
        outcomes["old" if running == V1 else "new" if running == new else "bricked"] += 1
        restarted.install(targets, new, 2)  # the retry finishes the job
        assert restarted.slots.read_active() == final, f"retry after cut at {seen[-1]}"
        running_after = restarted.slots.active
        report = restarted.version_report("n")["signed"]["installed_image"]  # what it tells
        assert running_after is not None and report["filepath"] == running_after.filepath

    assert outcomes["bricked"] == 0, outcomes
    expected_new = 3 if final is new else 0  # cuts after "mark pending" boot the new slot
    assert outcomes == {"old": total - expected_new, "new": expected_new, "bricked": 0}


@pytest.mark.parametrize("chunk", [1, 3])
def test_power_cut_during_download_leaves_nothing_installed_and_the_retry_succeeds(
    backend: OtaBackend, tmp_path: Path, chunk: int
) -> None:
    mitm = AttackFetcher(backend.store, backend.clock)  # type: ignore[arg-type]
    car = provision_vehicle(backend, vin=VIN, root_dir=tmp_path / "car", fetcher=mitm)
    big = image("bms big", 64 * 1024 * 4)
    release(backend, "bms-2.0.0.img", big, "ds-bms-r2", 3)
    check_in(backend, car)
    served = {"n": 0}
    original = mitm._fetch

    def cut_mid_image(url: str):  # type: ignore[no-untyped-def]
        chunks = original(url)
        if "/targets/" not in url:
            return chunks

        def gen():  # type: ignore[no-untyped-def]
            for c in chunks:
                served["n"] += 1
                if served["n"] == chunk:
                    raise PowerCut(url)
                yield c

        return gen()

    mitm._fetch = cut_mid_image  # type: ignore[method-assign]
    with pytest.raises(PowerCut):
        car.update()
    assert car.ecus[BMS].slots.active is None

    mitm._fetch = original  # type: ignore[method-assign]
    again = provision_again(backend, tmp_path / "car", mitm, car)
    report = again.update()

    assert report.outcomes == {BMS: BootOutcome.COMMITTED}
    assert again.ecus[BMS].slots.read_active() == big
    check_in(backend, again)  # and the server's view follows the car's
    seen = backend.director.installed[VIN][BMS]
    assert seen is not None and seen.filepath == "bms-2.0.0.img"


def provision_again(
    backend: OtaBackend, root: Path, fetcher: AttackFetcher, car: Primary
) -> Primary:
    """The same car after a restart: new objects over the same disk."""
    ecus = {
        s: Ecu(
            serial=s,
            hardware_id=e.hardware_id,
            signer=e.signer,
            root_dir=e.root_dir,
            director_root=b"",  # already provisioned on disk
            clock=backend.clock,
        )
        for s, e in car.ecus.items()
    }
    return Primary(
        vin=car.vin,
        ecu=ecus[car.ecu.serial],
        secondaries={s: e for s, e in ecus.items() if s != car.ecu.serial},
        storage_dir=car.storage_dir,
        urls=car.urls,
        fetcher=fetcher,
        clock=backend.clock,
        image_root=b"",
        director_root=b"",
    )


_CHILD = textwrap.dedent(
    """
    import os, signal, sys
    from pathlib import Path
    from evtwin.ota import Ecu, ManualClock, generate_signer
    root, k = Path(sys.argv[1]), int(sys.argv[2])
    seen = []
    def hook(step):
        seen.append(step)
        if len(seen) == k:
            os.kill(os.getpid(), signal.SIGKILL)
    ecu = Ecu(serial="bms-0001", hardware_id="ds-bms-r2", signer=generate_signer(),
              root_dir=root, director_root=b"", clock=ManualClock(), fault=hook)
    ecu.install((root / "targets.json").read_bytes(), (root / "v2.img").read_bytes(), 2)
    print(len(seen))
    """
)


def test_sigkill_of_the_updater_at_every_step_never_bricks_the_ecu(
    backend: OtaBackend, car: Primary, tmp_path: Path
) -> None:
    director_root, targets_v1, targets = staged_world(backend, car)
    total = 7  # stage: invalidate, write, mark-pending; boot: count, health, commit (+1 spare)
    results = {"old": 0, "new": 0, "bricked": 0, "cut": 0}
    for k in range(1, total + 1):
        root = tmp_path / f"kill{k}"
        make_ecu(root, director_root, backend).install(targets_v1, V1, 1)
        (root / "targets.json").write_bytes(targets)
        (root / "v2.img").write_bytes(V2)
        proc = subprocess.run(
            [sys.executable, "-c", _CHILD, str(root), str(k)], capture_output=True, timeout=60
        )
        results["cut"] += proc.returncode == -9
        restarted = make_ecu(root, director_root, backend)
        restarted.reboot()
        running = restarted.slots.read_active()
        results["old" if running == V1 else "new" if running == V2 else "bricked"] += 1

    assert results["bricked"] == 0, results
    assert results["cut"] == 6, results  # every step but the spare one was killed
