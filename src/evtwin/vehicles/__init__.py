"""Vehicles: spec schema, the bundled catalogue and derived physical parameters."""

from evtwin.vehicles.catalogue import (
    catalogue_json,
    list_vehicles,
    load_vehicle,
    resolve_vehicle,
)
from evtwin.vehicles.coerce import VehicleLike, as_params, as_spec
from evtwin.vehicles.derive import Derived, VehicleParams, derive_params, frontal_area
from evtwin.vehicles.spec import (
    OfficialFigures,
    VehicleSpec,
    load_spec_file,
    parse_spec,
    read_spec_table,
)

__all__ = [
    "Derived",
    "OfficialFigures",
    "VehicleLike",
    "VehicleParams",
    "VehicleSpec",
    "as_params",
    "as_spec",
    "catalogue_json",
    "derive_params",
    "frontal_area",
    "list_vehicles",
    "load_spec_file",
    "load_vehicle",
    "parse_spec",
    "read_spec_table",
    "resolve_vehicle",
]
