"""Time-of-use tariffs for smart charging, and default public charging prices.

Tariffs are data files (``evtwin/data/charging_tariffs/*.toml``) with their source and the
date of their figures; prices are in pence per kWh in the files, GBP inside.
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass
from functools import cache
from importlib import resources
from typing import Any

from evtwin.charging.chargers import Charger
from evtwin.errors import ChargingError, DataFileError

__all__ = [
    "MINUTES_PER_DAY",
    "Tariff",
    "TariffWindow",
    "default_price",
    "list_tariffs",
    "load_tariff",
    "parse_clock",
]

MINUTES_PER_DAY = 24 * 60
_CLOCK = re.compile(r"^([01]?\d|2[0-3]):([0-5]\d)$")
_PENCE_PER_GBP = 100.0


def parse_clock(text: str, *, what: str = "time") -> int:
    """Minutes after midnight of a 24-hour ``HH:MM`` clock time."""
    m = _CLOCK.match(text.strip())
    if not m:
        raise ChargingError(f"{what} = {text!r} is not a 24-hour HH:MM clock time")
    return int(m.group(1)) * 60 + int(m.group(2))


@dataclass(frozen=True, slots=True)
class TariffWindow:
    """A daily cheap-rate window; ``end_min`` may be below ``start_min`` (past midnight)."""

    start_min: int
    end_min: int
    rate_gbp_per_kwh: float

    def contains(self, minute_of_day: float) -> bool:
        m = minute_of_day % MINUTES_PER_DAY
        if self.start_min <= self.end_min:
            return self.start_min <= m < self.end_min
        return m >= self.start_min or m < self.end_min


@dataclass(frozen=True, kw_only=True, slots=True)
class Tariff:
    id: str
    name: str
    standard_rate_gbp_per_kwh: float
    windows: tuple[TariffWindow, ...]
    source: str
    as_of: str
    notes: str = ""

    def rate_at(self, minute_of_day: float) -> float:
        """Unit rate (GBP/kWh) at a minute of the day."""
        for w in self.windows:
            if w.contains(minute_of_day):
                return w.rate_gbp_per_kwh
        return self.standard_rate_gbp_per_kwh

    def boundaries(self) -> tuple[int, ...]:
        """Minutes of the day where the rate may change."""
        return tuple(sorted({m for w in self.windows for m in (w.start_min, w.end_min)}))


def _tariff_dir() -> Any:
    return resources.files("evtwin") / "data" / "charging_tariffs"


def list_tariffs() -> list[str]:
    """Ids of the bundled tariffs."""
    return sorted(p.name[:-5] for p in _tariff_dir().iterdir() if p.name.endswith(".toml"))


@cache
def load_tariff(tariff_id: str) -> Tariff:
    """A bundled tariff by id (file name without ``.toml``)."""
    if tariff_id not in list_tariffs():
        raise ChargingError(f"unknown tariff {tariff_id!r}; bundled: {', '.join(list_tariffs())}")
    path = _tariff_dir() / f"{tariff_id}.toml"
    try:
        raw = tomllib.loads(path.read_text(encoding="utf-8"))
        windows = tuple(
            TariffWindow(
                parse_clock(w["start"], what=f"{tariff_id} window start"),
                parse_clock(w["end"], what=f"{tariff_id} window end"),
                float(w["rate_p_per_kwh"]) / _PENCE_PER_GBP,
            )
            for w in raw.get("windows", [])
        )
        return Tariff(
            id=tariff_id,
            name=str(raw["name"]),
            standard_rate_gbp_per_kwh=float(raw["standard_rate_p_per_kwh"]) / _PENCE_PER_GBP,
            windows=windows,
            source=str(raw["source"]),
            as_of=str(raw["as_of"]),
            notes=str(raw.get("notes", "")),
        )
    except (OSError, tomllib.TOMLDecodeError, KeyError, TypeError, ValueError) as e:
        raise DataFileError(f"tariff file {path} is malformed: {e}") from e


@cache
def _public_prices() -> dict[str, Any]:
    path = resources.files("evtwin") / "data" / "chargers" / "public_prices.toml"
    try:
        return tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, tomllib.TOMLDecodeError) as e:
        raise DataFileError(f"cannot read {path}: {e}") from e


def default_price(charger: Charger) -> tuple[float, str]:
    """Default price (GBP/kWh at the plug) for a charger and its source."""
    if charger.kind == "ac":
        key = "ac_home"
    else:
        key = "dc_ultra" if charger.max_power_w >= 150_000.0 else "dc_rapid"
    try:
        t = _public_prices()[key]
        return float(t["rate_p_per_kwh"]) / _PENCE_PER_GBP, str(t["source"])
    except (KeyError, TypeError, ValueError) as e:
        raise DataFileError(f"public_prices.toml: [{key}] is malformed ({e})") from e
