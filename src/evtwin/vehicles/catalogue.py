"""The bundled vehicle catalogue: one spec file per variant in ``evtwin/data/vehicles``."""

from __future__ import annotations

import difflib
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any

from evtwin.errors import UnknownVehicleError
from evtwin.vehicles.spec import VehicleSpec, load_spec_file

__all__ = ["catalogue_dir", "catalogue_json", "list_vehicles", "load_vehicle", "resolve_vehicle"]


def catalogue_dir() -> Path:
    """Directory holding the bundled spec files."""
    return Path(str(resources.files("evtwin") / "data" / "vehicles"))


@cache
def _catalogue() -> dict[str, VehicleSpec]:
    specs: dict[str, VehicleSpec] = {}
    for path in sorted(catalogue_dir().glob("*.toml")):
        spec = load_spec_file(path)
        if spec.id in specs:  # pragma: no cover - guarded by a catalogue test
            raise UnknownVehicleError(f"duplicate vehicle id {spec.id!r} in {path}")
        specs[spec.id] = spec
    return specs


def list_vehicles() -> list[VehicleSpec]:
    """All catalogue vehicles, sorted by id."""
    return [spec for _, spec in sorted(_catalogue().items())]


def load_vehicle(vehicle_id: str) -> VehicleSpec:
    """The catalogue vehicle with this id; unknown ids list close matches."""
    specs = _catalogue()
    key = vehicle_id.strip().lower()
    if key in specs:
        return specs[key]
    close = difflib.get_close_matches(key, list(specs), n=3, cutoff=0.5)
    if not close:
        close = [k for k in specs if key and (key in k or k.startswith(key.split("-")[0]))][:3]
    hint = f" Did you mean: {', '.join(close)}?" if close else ""
    raise UnknownVehicleError(
        f"unknown vehicle {vehicle_id!r}.{hint} Run 'evtwin vehicles' for the list, "
        "or pass --spec FILE."
    )


def resolve_vehicle(vehicle: str | None, spec_file: str | Path | None) -> VehicleSpec:
    """A vehicle from a catalogue id or a spec file (exactly one of them)."""
    if (vehicle is None) == (spec_file is None):
        raise UnknownVehicleError("give a catalogue VEHICLE id or --spec FILE (exactly one)")
    if spec_file is not None:
        return load_spec_file(spec_file)
    assert vehicle is not None
    return load_vehicle(vehicle)


def catalogue_json() -> list[dict[str, Any]]:
    """The catalogue as the documented ``evtwin vehicles --json`` array (``profile`` flags
    estimates); the HTTP API serves the same array."""
    return [
        {
            "id": s.id,
            "name": s.name,
            "profile": s.profile,
            "drivetrain": s.drivetrain,
            "kerb_mass_kg": s.kerb_mass_kg,
            "usable_battery_kwh": s.usable_battery_kwh,
            "motor_power_kw": s.motor_power_kw,
            "battery_voltage_v": s.battery_voltage_v,
            "official_wltp_range_km": s.official.wltp_range_km,
        }
        for s in list_vehicles()
    ]
