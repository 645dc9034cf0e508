"""Tariffs and the owner's usage: dated unit prices for home and public charging.

Each tariff (``evtwin/data/tariffs/uk_electricity.toml``) has dated unit prices and names the
charger its energy is drawn through (a home wallbox, a public DC or AC unit); the energy it
bills comes from :mod:`evtwin.ownership.year` (the charging model), the price from here: the
one in force when each licence year starts; past the newest known price it is held flat and
said so. Standing charges are left out (the home pays them anyway).
"""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass
from functools import cache
from typing import Any

from evtwin.errors import OwnershipError
from evtwin.ownership._data import Dated, as_str, dated_list, load_toml, pick

__all__ = [
    "Tariff",
    "TariffPrice",
    "Usage",
    "blended_price",
    "load_tariffs",
    "tariff_price",
    "usage_tariffs",
]


@dataclass(frozen=True, kw_only=True, slots=True)
class Usage:
    """How the owner drives and charges.

    ``home_share`` is the fraction of the battery energy put back at home (the rest at
    public chargers of ``public_tariff``); ``motorway_share`` the fraction of miles on
    motorways; ``hvac`` False leaves the cabin climate out (winter energy understated).
    """

    miles_per_year: float
    home_share: float = 0.8
    motorway_share: float | None = None
    home_tariff: str = "price-cap"
    public_tariff: str = "public-rapid"
    hvac: bool = True

    def __post_init__(self) -> None:
        if not math.isfinite(self.miles_per_year) or self.miles_per_year <= 0:
            raise OwnershipError(
                f"miles per year must be above 0 mi, got {self.miles_per_year:g} mi"
            )
        if self.miles_per_year > 100_000:
            raise OwnershipError(
                f"miles per year {self.miles_per_year:g} mi is above 100,000 mi: not a car year"
            )
        for name, v in (("home share", self.home_share), ("motorway share", self.motorway_share)):
            if v is not None and not (math.isfinite(v) and 0.0 <= v <= 1.0):
                raise OwnershipError(f"{name} must be between 0 and 1, got {v:g}")


@dataclass(frozen=True, kw_only=True, slots=True)
class Tariff:
    id: str
    kind: str
    name: str
    note: str
    periods: tuple[Dated, ...]
    charger: str
    """Bundled charger id (``evtwin.charging.get_charger``) the energy is drawn through."""
    charger_source: str


@dataclass(frozen=True, kw_only=True, slots=True)
class TariffPrice:
    """A tariff's unit price on a date, with a note when it is held flat."""

    tariff: Tariff
    pence_per_kwh: float
    period: Dated
    held: str

    def to_json(self) -> dict[str, Any]:
        return {
            "tariff": self.tariff.id,
            "name": self.tariff.name,
            "pence_per_kwh": self.pence_per_kwh,
            "source": self.period.label(),
            "conflict": self.period.note or None,
            "held_flat": self.held or None,
            "note": self.tariff.note,
            "charger": self.tariff.charger,
        }


def tariff_price(tariff: Tariff, on: dt.date) -> TariffPrice:
    """The unit price of ``tariff`` on ``on``; outside known periods the nearest is held."""
    d, held = pick(tariff.periods, on)
    note = ""
    if d is None:
        d = tariff.periods[0]
        note = f"{on.isoformat()} is before the first known price: earliest known held"
    elif held:
        note = f"no price known for {on.isoformat()}: newest known held flat (no forecast)"
    elif d.valid_to is None and on > d.valid_from:
        note = (
            f"price as seen from {d.valid_from.isoformat()}; later changes unknown: held flat "
            "(no forecast)"
        )
    return TariffPrice(tariff=tariff, pence_per_kwh=d.value, period=d, held=note)


def usage_tariffs(usage: Usage, tariffs: dict[str, Tariff]) -> tuple[Tariff, Tariff]:
    """``usage``'s home and public tariffs; an unknown id is an :class:`OwnershipError`."""
    home = tariffs.get(usage.home_tariff)
    public = tariffs.get(usage.public_tariff)
    if home is None or home.kind != "home":
        raise OwnershipError(
            f"unknown home tariff {usage.home_tariff!r}; known: "
            + ", ".join(k for k, t in tariffs.items() if t.kind == "home")
        )
    if public is None or public.kind != "public":
        raise OwnershipError(
            f"unknown public tariff {usage.public_tariff!r}; known: "
            + ", ".join(k for k, t in tariffs.items() if t.kind == "public")
        )
    return home, public


def blended_price(
    usage: Usage, on: dt.date, tariffs: dict[str, Tariff]
) -> tuple[float, TariffPrice, TariffPrice]:
    """Unit prices on ``on``: ``usage``'s home and public tariffs and their mean weighted
    by ``home_share`` (the mean per kWh billed also depends on the charging losses of each:
    see :meth:`evtwin.ownership.year.EnergyUse.cost_pence`)."""
    home, public = usage_tariffs(usage, tariffs)
    hp, pp = tariff_price(home, on), tariff_price(public, on)
    price = usage.home_share * hp.pence_per_kwh + (1.0 - usage.home_share) * pp.pence_per_kwh
    return price, hp, pp


@cache
def load_tariffs() -> dict[str, Tariff]:
    """The bundled tariffs by id (``evtwin/data/tariffs/uk_electricity.toml``)."""
    where = "tariffs/uk_electricity.toml"
    out: dict[str, Tariff] = {}
    for row in load_toml(where)["tariff"]:
        tid = as_str(row, "id", where)
        out[tid] = Tariff(
            id=tid,
            kind=as_str(row, "kind", where),
            name=as_str(row, "name", where),
            note=as_str(row, "note", where, ""),
            periods=dated_list(row.get("period"), "pence_per_kwh", f"{where} {tid}"),
            charger=as_str(row, "charger", where),
            charger_source=as_str(row, "charger_source", where),
        )
    return out
