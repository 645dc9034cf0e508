"""Typed reads of current values from the broker, with a stated fallback when unset."""

from __future__ import annotations

from evtwin.signals import Broker

__all__ = ["read_bool", "read_float", "read_str", "read_target"]


def read_float(broker: Broker, path: str, default: float) -> float:
    """Current value of a numeric signal; ``default`` while nothing is published."""
    dp = broker.get(path)
    if dp is None or isinstance(dp.value, bool) or not isinstance(dp.value, int | float):
        return default
    return float(dp.value)


def read_bool(broker: Broker, path: str, default: bool = False) -> bool:
    dp = broker.get(path)
    return dp.value if dp is not None and isinstance(dp.value, bool) else default


def read_str(broker: Broker, path: str, default: str = "") -> str:
    dp = broker.get(path)
    return dp.value if dp is not None and isinstance(dp.value, str) else default


def read_target(broker: Broker, path: str) -> object | None:
    """Requested (target) value of an actuator; None if none was requested."""
    dp = broker.get_target(path)
    return None if dp is None else dp.value
