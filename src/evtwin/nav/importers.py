"""Charger lists people bring today: OCPI 2.2.1 Locations and Open Charge Map JSON.

- **OCPI 2.2.1 Locations** (what UK charge point operators must publish under the Public
  Charge Point Regulations 2023): a JSON array of Location objects, or an OCPI response
  envelope ``{"data": [...], "status_code": 1000}``. Per Location: ``id``, ``name``,
  ``coordinates`` (``latitude``/``longitude`` as decimal strings), ``operator.name``,
  ``evses[].status`` and ``evses[].connectors[]`` with ``standard``
  (``IEC_62196_T2_COMBO`` = CCS2, ``CHADEMO``, ``IEC_62196_T2``), ``power_type`` and
  ``max_electric_power`` (W; else ``max_voltage`` × ``max_amperage``). An EVSE counts as in
  service unless ``OUTOFORDER``, ``INOPERATIVE``, ``REMOVED``, ``PLANNED`` or ``BLOCKED``.
  OCPI Locations are public (``publish``), so they count as open access unless
  ``publish`` is false.
- **Open Charge Map** (https://openchargemap.org, API/export JSON): an array of POIs with
  ``ID``, ``AddressInfo`` (``Title``, ``Latitude``, ``Longitude``), ``OperatorInfo.Title``,
  ``StatusType.IsOperational``, ``UsageType.IsMembershipRequired`` and ``Connections[]``
  (``ConnectionTypeID`` 33 = CCS Type 2, 2 = CHAdeMO, 25/1036 = Type 2; ``PowerKW``).

Both become :class:`~evtwin.nav.sites.ChargerSite` rows with the NCR connector names, so
the same filters apply.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from evtwin.errors import NavigationError
from evtwin.nav.sites import CONNECTORS, ChargerSite

__all__ = ["load_charger_json"]

_OCPI_STANDARD = {
    "IEC_62196_T2_COMBO": CONNECTORS["ccs2"],
    "CHADEMO": CONNECTORS["chademo"],
    "IEC_62196_T2": CONNECTORS["type2"],
}
_OCPI_DOWN = {"OUTOFORDER", "INOPERATIVE", "REMOVED", "PLANNED", "BLOCKED"}
_OCM_TYPE = {33: CONNECTORS["ccs2"], 2: CONNECTORS["chademo"], 25: CONNECTORS["type2"]}
_OCM_TYPE[1036] = CONNECTORS["type2"]


def _position(lat: Any, lon: Any, where: str) -> tuple[float, float]:
    try:
        la, lo = float(lat), float(lon)
    except (TypeError, ValueError):
        raise NavigationError(f"{where}: position {lat!r}, {lon!r} is not a number") from None
    if not (-90.0 <= la <= 90.0 and -180.0 <= lo <= 180.0):
        raise NavigationError(f"{where}: position {la}, {lo} is off the map")
    return la, lo


def _ocpi(items: list[Any], path: Path) -> list[ChargerSite]:
    out = []
    for n, loc in enumerate(items):
        where = f"{path}: location {n} ({loc.get('id', '?') if isinstance(loc, dict) else '?'})"
        if not isinstance(loc, dict) or "coordinates" not in loc:
            raise NavigationError(f"{where}: not an OCPI Location (no coordinates)")
        c = loc["coordinates"] or {}
        lat, lon = _position(c.get("latitude"), c.get("longitude"), where)
        types, kws, up = [], [], False
        for evse in loc.get("evses") or []:
            ok = str(evse.get("status", "")).upper() not in _OCPI_DOWN
            up = up or ok
            for con in evse.get("connectors") or []:
                name = _OCPI_STANDARD.get(str(con.get("standard", "")))
                if name is None:
                    continue
                watts = con.get("max_electric_power")
                if watts is None:
                    watts = float(con.get("max_voltage") or 0) * float(con.get("max_amperage") or 0)
                types.append(name)
                kws.append(float(watts) / 1000.0)
        operator = loc.get("operator") or {}
        out.append(
            ChargerSite(
                id=str(loc.get("id", n)),
                name=str(loc.get("name") or loc.get("address") or loc.get("id", n)),
                lat=lat,
                lon=lon,
                power_kw=max(kws, default=0.0),
                dc=True,
                network=str(operator.get("name", "")),
                in_service=up,
                open_access=loc.get("publish", True) is not False,
                connectors=tuple(types),
                connector_kw=tuple(kws),
            )
        )
    return out


def _ocm(items: list[Any], path: Path) -> list[ChargerSite]:
    out = []
    for n, poi in enumerate(items):
        where = f"{path}: POI {n} ({poi.get('ID', '?') if isinstance(poi, dict) else '?'})"
        if not isinstance(poi, dict) or not isinstance(poi.get("AddressInfo"), dict):
            raise NavigationError(f"{where}: not an Open Charge Map POI (no AddressInfo)")
        addr = poi["AddressInfo"]
        lat, lon = _position(addr.get("Latitude"), addr.get("Longitude"), where)
        types, kws = [], []
        for con in poi.get("Connections") or []:
            name = _OCM_TYPE.get(int(con.get("ConnectionTypeID") or 0))
            status = con.get("StatusType") or {}
            if name is None or status.get("IsOperational") is False:
                continue
            types.append(name)
            kws.append(float(con.get("PowerKW") or 0.0))
        status = poi.get("StatusType") or {}
        usage = poi.get("UsageType") or {}
        operator = poi.get("OperatorInfo") or {}
        out.append(
            ChargerSite(
                id=f"ocm-{poi.get('ID', n)}",
                name=str(addr.get("Title") or poi.get("ID", n)),
                lat=lat,
                lon=lon,
                power_kw=max(kws, default=0.0),
                dc=True,
                network=str(operator.get("Title") or ""),
                in_service=status.get("IsOperational", True) is not False,
                open_access=not usage.get("IsMembershipRequired", False),
                connectors=tuple(types),
                connector_kw=tuple(kws),
            )
        )
    return out


def load_charger_json(path: Path) -> tuple[ChargerSite, ...]:
    """Chargers from an OCPI 2.2.1 Locations or an Open Charge Map JSON file."""
    try:
        raw = json.loads(path.read_text(encoding="utf-8-sig"))
    except FileNotFoundError:
        raise NavigationError(f"charger file not found: {path}") from None
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as e:
        raise NavigationError(f"cannot read charger file {path}: {e}") from e
    items = raw.get("data") if isinstance(raw, dict) else raw
    if not isinstance(items, list) or not items:
        raise NavigationError(
            f"{path}: expected a non-empty array of OCPI 2.2.1 Locations (or an OCPI response "
            "with 'data') or of Open Charge Map POIs"
        )
    first = items[0]
    if isinstance(first, dict) and "AddressInfo" in first:
        return tuple(_ocm(items, path))
    if isinstance(first, dict) and "coordinates" in first:
        return tuple(_ocpi(items, path))
    raise NavigationError(
        f"{path}: neither OCPI 2.2.1 Locations (objects with 'coordinates' and 'evses') nor "
        "Open Charge Map POIs (objects with 'AddressInfo' and 'Connections')"
    )
