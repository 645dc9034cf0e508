"""Chargers: DC units (power, current and voltage limits) and AC supplies (phases, current).

Bundled classes live in ``evtwin/data/chargers/chargers.toml`` with their sources. A DC
charger of any power is built by :func:`dc_charger` (400 V class: 500 V ceiling, as 50 kW
rapid units; 800 V class: 920 V); an AC supply of any power by :func:`ac_supply`
(single-phase up to 7.4 kW, the UK home norm, three-phase above).
"""

from __future__ import annotations

import math
import tomllib
from dataclasses import dataclass
from functools import cache
from importlib import resources
from typing import Literal

from evtwin.errors import ChargingError, DataFileError

__all__ = [
    "Charger",
    "ac_supply",
    "bundled_chargers",
    "dc_charger",
    "get_charger",
]

ChargerKind = Literal["dc", "ac"]

# Generic DC charger rules (assumptions, see data/chargers/chargers.toml):
_DC_CLASS_MAX_V = {400: 500.0, 800: 920.0}
_DC_CURRENT_RULE_V = 400.0  # a charger is rated to deliver its power at 400 V ...
_DC_MIN_CURRENT_A = 125.0  # ... but at least 125 A (the 50 kW class)
_DC_MAX_CURRENT_A = 500.0  # ... and at most 500 A (liquid-cooled CCS cable, IEC 62196-3)
_PHASE_V = 230.0
_SINGLE_PHASE_MAX_KW = 7.4  # 32 A x 230 V


@dataclass(frozen=True, kw_only=True, slots=True)
class Charger:
    """A charger's output limits (SI). AC supplies have ``phases`` and a per-phase current."""

    id: str
    name: str
    kind: ChargerKind
    max_power_w: float
    max_current_a: float
    min_voltage_v: float = 0.0
    max_voltage_v: float = math.inf
    phases: int = 0
    source: str = ""

    def __post_init__(self) -> None:
        if not self.max_power_w > 0.0:
            raise ChargingError(
                f"charger power must be positive, got {self.max_power_w / 1000:g} kW"
            )
        if not self.max_current_a > 0.0:
            raise ChargingError(f"charger current must be positive, got {self.max_current_a:g} A")
        if self.kind == "ac" and self.phases not in (1, 3):
            raise ChargingError(f"an AC supply has 1 or 3 phases, got {self.phases}")
        if self.kind == "dc" and not self.min_voltage_v < self.max_voltage_v:
            raise ChargingError(
                f"charger voltage window {self.min_voltage_v:g}..{self.max_voltage_v:g} V is empty"
            )

    @property
    def max_power_kw(self) -> float:
        return self.max_power_w / 1000.0


def dc_charger(power_kw: float, voltage_class_v: int = 800) -> Charger:
    """A generic DC charger of ``power_kw`` in the 400 V (500 V max) or 800 V (920 V) class."""
    if not math.isfinite(power_kw) or not 5.0 <= power_kw <= 1000.0:
        raise ChargingError(f"DC charger power = {power_kw:g} kW is outside 5..1000 kW")
    if voltage_class_v not in _DC_CLASS_MAX_V:
        raise ChargingError(f"charger voltage class = {voltage_class_v} V: choose 400 V or 800 V")
    power_w = power_kw * 1000.0
    vmax = _DC_CLASS_MAX_V[voltage_class_v]
    current = min(max(power_w / _DC_CURRENT_RULE_V, _DC_MIN_CURRENT_A), _DC_MAX_CURRENT_A)
    return Charger(
        id=f"dc{power_kw:g}-{voltage_class_v}v",
        name=f"{power_kw:g} kW DC ({voltage_class_v} V class, max {vmax:g} V)",
        kind="dc",
        max_power_w=power_w,
        max_current_a=current,
        min_voltage_v=150.0,
        max_voltage_v=vmax,
        source="generic: current P / 400 V within 125-500 A (assumption)",
    )


def ac_supply(power_kw: float) -> Charger:
    """A generic AC supply: single-phase 230 V up to 7.4 kW, three-phase above (max 22 kW)."""
    if not math.isfinite(power_kw) or not 1.0 <= power_kw <= 22.0:
        raise ChargingError(f"AC supply power = {power_kw:g} kW is outside 1..22 kW")
    phases = 1 if power_kw <= _SINGLE_PHASE_MAX_KW + 1e-9 else 3
    current = power_kw * 1000.0 / (phases * _PHASE_V)
    kind = "single" if phases == 1 else "three"
    return Charger(
        id=f"ac{power_kw:g}",
        name=f"{power_kw:g} kW AC, {kind}-phase {current:.0f} A",
        kind="ac",
        max_power_w=power_kw * 1000.0,
        max_current_a=current,
        phases=phases,
        source="generic AC supply at 230 V per phase",
    )


@cache
def bundled_chargers() -> dict[str, Charger]:
    """The charger classes in ``data/chargers/chargers.toml``, by id."""
    path = resources.files("evtwin") / "data" / "chargers" / "chargers.toml"
    try:
        raw = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, tomllib.TOMLDecodeError) as e:
        raise DataFileError(f"cannot read charger list {path}: {e}") from e
    out: dict[str, Charger] = {}
    for cid, t in raw.items():
        try:
            if t["kind"] == "dc":
                out[cid] = Charger(
                    id=cid,
                    name=t["name"],
                    kind="dc",
                    max_power_w=float(t["max_power_kw"]) * 1000.0,
                    max_current_a=float(t["max_current_a"]),
                    min_voltage_v=float(t["min_voltage_v"]),
                    max_voltage_v=float(t["max_voltage_v"]),
                    source=t["source"],
                )
            else:
                phases = int(t["phases"])
                amps = float(t["max_current_a"])
                out[cid] = Charger(
                    id=cid,
                    name=t["name"],
                    kind="ac",
                    max_power_w=phases * amps * _PHASE_V,
                    max_current_a=amps,
                    phases=phases,
                    source=t["source"],
                )
        except (KeyError, TypeError, ValueError) as e:
            raise DataFileError(f"{path}: charger {cid!r} is malformed ({e})") from e
    return out


def get_charger(charger_id: str) -> Charger:
    """A bundled charger class by id (``dc50``, ``dc150``, ``dc350``, ``ac7``, ...)."""
    chargers = bundled_chargers()
    if charger_id not in chargers:
        raise ChargingError(
            f"unknown charger {charger_id!r}; bundled: {', '.join(sorted(chargers))}"
        )
    return chargers[charger_id]
