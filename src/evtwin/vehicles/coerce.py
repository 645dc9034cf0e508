"""What a library user naturally passes for "a vehicle", turned into what a function needs.

``evtwin.wltp_range("defender-sport")`` and ``evtwin.simulate(evtwin.load_vehicle(...), ...)``
should just work: a catalogue id, a :class:`~evtwin.vehicles.VehicleSpec` or (where the
physics needs only them) derived :class:`~evtwin.vehicles.VehicleParams` are accepted;
anything else is a :class:`TypeError` naming what is wanted.

>>> as_spec("defender-sport").id
'defender-sport'
>>> as_params("bmw-ix1-edrive20").mass_kg > 1800
True
>>> as_spec(42)
Traceback (most recent call last):
...
TypeError: expected a vehicle: a catalogue id (str, ...) or a VehicleSpec; got int 42
"""

from __future__ import annotations

from evtwin.physics.constants import ModelConstants
from evtwin.vehicles.catalogue import load_vehicle
from evtwin.vehicles.derive import VehicleParams, derive_params
from evtwin.vehicles.spec import VehicleSpec

__all__ = ["VehicleLike", "as_params", "as_spec"]

VehicleLike = str | VehicleSpec
"""A catalogue id or a spec."""


def _got(value: object) -> str:
    text = repr(value)
    return f"{type(value).__name__} {text[:60]}{'...' if len(text) > 60 else ''}"


def as_spec(vehicle: object) -> VehicleSpec:
    """The :class:`VehicleSpec` for a catalogue id or a spec (unknown id:
    :class:`~evtwin.errors.UnknownVehicleError` with close matches)."""
    if isinstance(vehicle, VehicleSpec):
        return vehicle
    if isinstance(vehicle, str):
        return load_vehicle(vehicle)
    if isinstance(vehicle, VehicleParams):
        raise TypeError(
            "expected a vehicle: a catalogue id (str) or a VehicleSpec; got VehicleParams, "
            "which has no spec to read (pass the spec or its id instead)"
        )
    raise TypeError(
        "expected a vehicle: a catalogue id (str, see evtwin.list_vehicles()) or a "
        f"VehicleSpec; got {_got(vehicle)}"
    )


def as_params(vehicle: object, constants: ModelConstants | None = None) -> VehicleParams:
    """Derived :class:`VehicleParams` for a catalogue id, a spec, or params as they are."""
    if isinstance(vehicle, VehicleParams):
        return vehicle
    if isinstance(vehicle, str | VehicleSpec):
        return derive_params(as_spec(vehicle), constants)
    raise TypeError(
        "expected a vehicle: a catalogue id (str), a VehicleSpec or VehicleParams "
        f"(evtwin.derive_params(spec)); got {_got(vehicle)}"
    )
