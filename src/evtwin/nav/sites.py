"""A public charge device as the planner sees it, and the connector names it uses (NCR's)."""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["CONNECTORS", "ChargerSite"]

CONNECTORS = {
    "ccs2": "Type 2 Combo (IEC62196) DC",
    "chademo": "JEVS G105 (CHAdeMO) DC",
    "type2": "Type 2 Mennekes (IEC62196)",
}


@dataclass(frozen=True, kw_only=True, slots=True)
class ChargerSite:
    """One charge device: position, the chosen connector's power, network."""

    id: str
    name: str
    lat: float
    lon: float
    power_kw: float
    dc: bool
    network: str
    in_service: bool
    open_access: bool
    connectors: tuple[str, ...]
    connector_kw: tuple[float, ...]
