"""Drive and terrain modes (Comfort, Eco, Dynamic, Grass/Gravel/Snow, Mud & Ruts, Sand,
Rock Crawl, Wade) and driving surfaces, as validated data from ``evtwin/data/modes``.

The mode a driver selects is the VSS overlay signal ``Vehicle.TerrainResponse.Mode``; each
mode's ``signal_value`` is one of its allowed values.
"""

from __future__ import annotations

from evtwin.modes._load import (
    load_mode,
    load_modes,
    load_surface,
    load_surfaces,
    parse_mode,
    parse_surface,
)
from evtwin.modes._model import DriveMode, ModeKind, Surface, SurfaceBasis, ThrottleMap

__all__ = [
    "DriveMode",
    "ModeKind",
    "Surface",
    "SurfaceBasis",
    "ThrottleMap",
    "load_mode",
    "load_modes",
    "load_surface",
    "load_surfaces",
    "parse_mode",
    "parse_surface",
]
