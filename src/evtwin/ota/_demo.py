"""The OTA story in one process: release, install, commit; then a broken image rolls back.

Drives the in-memory twin (:class:`OtaBackend` + :func:`provision_vehicle`) on a
:class:`ManualClock`, so it needs no network and no set-up. ``evtwin ota demo`` prints it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from evtwin.clock import ManualClock
from evtwin.ota._twin import OtaBackend, provision_vehicle
from evtwin.ota.vehicle import Primary

__all__ = ["DemoStep", "run_demo"]

DEMO_VIN = "SALDS27A1RA000001"


@dataclass(frozen=True, kw_only=True)
class DemoStep:
    """One step of the story and what each ECU did."""

    action: str
    outcomes: dict[str, str] = field(default_factory=dict)
    errors: dict[str, str] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        return {"action": self.action, "outcomes": self.outcomes, "errors": self.errors}


def _image(tag: str, size_bytes: int = 4096) -> bytes:
    head = f"DEFENDER-SPORT FIRMWARE {tag}\n".encode()
    return (head * (size_bytes // len(head) + 1))[:size_bytes]


def _cycle(backend: OtaBackend, car: Primary, action: str) -> DemoStep:
    nonce = backend.director.issue_nonce(car.vin)
    backend.director.receive_manifest(car.vin, car.manifest(nonce))
    backend.director.assign_latest(car.vin)
    report = car.update()
    return DemoStep(
        action=action,
        outcomes={s: o.value for s, o in sorted(report.outcomes.items())},
        errors=dict(sorted(report.errors.items())),
    )


def run_demo(work_dir: Path) -> tuple[list[DemoStep], dict[str, Any]]:
    """Run the story under ``work_dir``; return its steps and each ECU's final image."""
    clock = ManualClock()
    backend = OtaBackend.create(clock)
    car = provision_vehicle(backend, vin=DEMO_VIN, root_dir=work_dir / "car")
    repo = backend.image_repo
    steps = []
    repo.add_image(
        "bms-2.1.0.img", _image("bms 2.1.0"), hardware_ids=["ds-bms-r2"], release_counter=21
    )
    repo.add_image(
        "ivi-5.0.0.img",
        _image("ivi 5.0.0"),
        hardware_ids=["ds-infotainment-r3"],
        release_counter=50,
    )
    steps.append(_cycle(backend, car, "release bms-2.1.0 and ivi-5.0.0; car checks in"))
    repo.add_image(
        "bms-2.2.0.img", _image("bms 2.2.0 BROKEN"), hardware_ids=["ds-bms-r2"], release_counter=22
    )
    steps.append(_cycle(backend, car, "release bms-2.2.0 (broken); car checks in"))
    final = {
        serial: (
            {
                "image": ecu.slots.active.filepath,
                "release_counter": ecu.slots.active.release_counter,
            }
            if ecu.slots.active
            else None
        )
        for serial, ecu in sorted(car.ecus.items())
    }
    return steps, {"vin": car.vin, "ecus": final}
