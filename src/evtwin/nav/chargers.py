"""Public chargers for trip planning: the bundled NCR 2017 snapshot or a file you bring.

Bundled default: ``data/nav/chargers/ncr_gb_2017-11.csv``, the UK National Chargepoint
Registry as of about November 2017 (OGL v3.0: "Contains public sector information licensed
under the Open Government Licence v3.0"). It is **old**: 583 CCS devices then against
14,448 ≥ 50 kW devices in 2025, so plans made on it have far fewer rapid chargers than a
trip today. Every plan that uses it says so (:data:`NCR_NOTE`).

Filters (defaults as issue 10 asks): the connector (CCS2 = "Type 2 Combo (IEC62196) DC"),
in service, open access (no subscription), minimum power, network name.
"""

from __future__ import annotations

import csv
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache
from importlib import resources
from pathlib import Path

from evtwin.errors import NavigationError
from evtwin.nav.importers import load_charger_json
from evtwin.nav.sites import CONNECTORS, ChargerSite

__all__ = [
    "CONNECTORS",
    "NCR_ATTRIBUTION",
    "NCR_NOTE",
    "ChargerFilter",
    "ChargerSite",
    "bundled_ncr_path",
    "load_chargers",
]

NCR_ATTRIBUTION = (
    "Chargers: UK National Chargepoint Registry (2017 snapshot). Contains public sector "
    "information licensed under the Open Government Licence v3.0."
)
NCR_NOTE = (
    "chargers are the bundled NCR snapshot of November 2017: it has few rapid chargers "
    "(583 CCS devices, mostly 50 kW) against ~14,000 ≥50 kW devices in the UK in 2025; bring "
    "today's list with --chargers FILE"
)


@dataclass(frozen=True, kw_only=True, slots=True)
class ChargerFilter:
    connector: str = "ccs2"
    min_power_kw: float = 50.0
    network: str | None = None
    include_out_of_service: bool = False
    include_subscription: bool = False

    def __post_init__(self) -> None:
        if self.connector not in CONNECTORS:
            raise NavigationError(
                f"connector {self.connector!r} unknown; choose one of {', '.join(CONNECTORS)}"
            )
        if not 0.0 <= self.min_power_kw <= 1000.0:
            raise NavigationError(f"charger minimum power {self.min_power_kw:g} kW: 0..1000 kW")


def bundled_ncr_path() -> Path:
    return Path(str(resources.files("evtwin") / "data" / "nav" / "chargers" / "ncr_gb_2017-11.csv"))


def _float(s: str) -> float:
    try:
        return float(s)
    except ValueError:
        return 0.0


@cache
def _read_ncr(path: Path) -> tuple[ChargerSite, ...]:
    try:
        with path.open(encoding="utf-8-sig", newline="") as f:
            reader = csv.DictReader(f)
            need = {"chargeDeviceID", "name", "latitude", "longitude", "chargeDeviceStatus"}
            missing = need - set(reader.fieldnames or [])
            if missing:
                raise NavigationError(
                    f"{path}: not an NCR charger CSV (missing columns {sorted(missing)})"
                )
            out: list[ChargerSite] = []
            for line, r in enumerate(reader, start=2):
                try:
                    lat, lon = float(r["latitude"]), float(r["longitude"])
                except (TypeError, ValueError):
                    raise NavigationError(
                        f"{path}:{line}: latitude/longitude {r.get('latitude')!r}, "
                        f"{r.get('longitude')!r} are not numbers"
                    ) from None
                if not (-90 <= lat <= 90 and -180 <= lon <= 180):
                    raise NavigationError(f"{path}:{line}: position {lat}, {lon} is off the map")
                types, kws = [], []
                for c in range(1, 9):
                    t = (r.get(f"connector{c}Type") or "").strip()
                    if t:
                        types.append(t)
                        kws.append(_float(r.get(f"connector{c}RatedOutputKW") or ""))
                out.append(
                    ChargerSite(
                        id=r["chargeDeviceID"],
                        name=(r["name"] or "").strip() or r["chargeDeviceID"],
                        lat=lat,
                        lon=lon,
                        power_kw=max(kws, default=0.0),
                        dc=True,
                        network=(r.get("deviceNetworks") or "").strip(),
                        in_service=r["chargeDeviceStatus"].strip() == "In service",
                        open_access=(r.get("subscriptionRequired") or "0").strip() != "1",
                        connectors=tuple(types),
                        connector_kw=tuple(kws),
                    )
                )
    except FileNotFoundError:
        raise NavigationError(f"charger file not found: {path}") from None
    except (OSError, UnicodeDecodeError, csv.Error) as e:
        raise NavigationError(f"cannot read charger file {path}: {e}") from e
    if not out:
        raise NavigationError(f"{path}: no chargers in the file")
    return tuple(out)


def load_chargers(path: Path | None, flt: ChargerFilter) -> list[ChargerSite]:
    """Chargers from ``path`` (default: bundled NCR 2017; ``.json``: OCPI 2.2.1 Locations
    or Open Charge Map, see :mod:`evtwin.nav.importers`) that pass ``flt``.

    A site's ``power_kw`` becomes the power of its best connector of the chosen type.
    """
    src = (path or bundled_ncr_path()).resolve()
    sites: Sequence[ChargerSite] = (
        load_charger_json(src) if src.suffix.lower() == ".json" else _read_ncr(src)
    )
    want = CONNECTORS[flt.connector]
    out = []
    for s in sites:
        kws = [kw for t, kw in zip(s.connectors, s.connector_kw, strict=True) if t == want]
        if not kws:
            continue
        kw = max(kws)
        if kw < flt.min_power_kw:
            continue
        if not flt.include_out_of_service and not s.in_service:
            continue
        if not flt.include_subscription and not s.open_access:
            continue
        if flt.network and flt.network.lower() not in s.network.lower():
            continue
        out.append(
            ChargerSite(
                id=s.id,
                name=s.name,
                lat=s.lat,
                lon=s.lon,
                power_kw=kw,
                dc=flt.connector != "type2",
                network=s.network,
                in_service=s.in_service,
                open_access=s.open_access,
                connectors=s.connectors,
                connector_kw=s.connector_kw,
            )
        )
    return out
