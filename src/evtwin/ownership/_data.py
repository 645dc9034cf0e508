"""Reading the ownership data files (rules, tariffs, prices, usage) and dated values.

Every ownership number lives in a TOML file under ``evtwin/data`` with its source. Dated
values carry inclusive ``valid_from`` / ``valid_to`` dates (an open end is omitted). Asking
for a date past the newest entry returns the newest value, *held flat*, and says so: no
forecast is ever made silently.
"""

from __future__ import annotations

import datetime as dt
import tomllib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any

from evtwin.errors import DataFileError

__all__ = [
    "Dated",
    "as_date",
    "as_float",
    "as_str",
    "dated_list",
    "load_toml",
    "pick",
]


def _data_dir() -> Path:
    return Path(str(resources.files("evtwin") / "data"))


@cache
def load_toml(relative: str) -> Mapping[str, Any]:
    """Parse ``evtwin/data/<relative>``; IO and syntax errors become :class:`DataFileError`."""
    path = _data_dir() / relative
    try:
        with path.open("rb") as f:
            return tomllib.load(f)
    except OSError as e:
        raise DataFileError(f"cannot read ownership data file {path}: {e.strerror}") from e
    except tomllib.TOMLDecodeError as e:
        raise DataFileError(f"malformed ownership data file {path}: {e}") from e


def as_date(table: Mapping[str, Any], key: str, where: str) -> dt.date:
    value = table.get(key)
    if isinstance(value, dt.datetime) or not isinstance(value, dt.date):
        raise DataFileError(f"{where}: {key} must be a TOML date (YYYY-MM-DD), got {value!r}")
    return value


def as_float(table: Mapping[str, Any], key: str, where: str) -> float:
    value = table.get(key)
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise DataFileError(f"{where}: {key} must be a number, got {value!r}")
    return float(value)


def as_str(table: Mapping[str, Any], key: str, where: str, default: str | None = None) -> str:
    value = table.get(key, default)
    if not isinstance(value, str):
        raise DataFileError(f"{where}: {key} must be a string, got {value!r}")
    return value


@dataclass(frozen=True, kw_only=True, slots=True)
class Dated:
    """A value valid over an inclusive date interval, with its source.

    ``status`` is ``""`` for a primary source, else e.g. ``"secondary"``, ``"CONFLICT"``.
    """

    value: float
    valid_from: dt.date
    valid_to: dt.date | None
    source: str
    status: str = ""
    note: str = ""

    def covers(self, on: dt.date) -> bool:
        return self.valid_from <= on and (self.valid_to is None or on <= self.valid_to)

    def label(self) -> str:
        end = self.valid_to.isoformat() if self.valid_to else "open"
        flag = f" [{self.status}]" if self.status else ""
        return f"{self.source} (valid {self.valid_from.isoformat()}..{end}){flag}"


def dated_list(rows: Any, value_key: str, where: str) -> tuple[Dated, ...]:
    """Parse a TOML array of tables into :class:`Dated` entries sorted by ``valid_from``."""
    if not isinstance(rows, list) or not rows:
        raise DataFileError(f"{where}: expected a non-empty array of tables")
    out: list[Dated] = []
    for i, row in enumerate(rows):
        w = f"{where}[{i}]"
        if not isinstance(row, dict):
            raise DataFileError(f"{w}: expected a table")
        valid_to = as_date(row, "valid_to", w) if "valid_to" in row else None
        out.append(
            Dated(
                value=as_float(row, value_key, w),
                valid_from=as_date(row, "valid_from", w),
                valid_to=valid_to,
                source=as_str(row, "source", w),
                status=as_str(row, "status", w, ""),
                note=as_str(row, "conflict", w, ""),
            )
        )
    out.sort(key=lambda d: d.valid_from)
    return tuple(out)


def pick(values: Sequence[Dated], on: dt.date) -> tuple[Dated | None, bool]:
    """The entry in force on ``on`` and whether it is *held flat* past its known end.

    Returns ``(None, False)`` before the first entry. After the last entry's ``valid_to``
    the last entry is returned with ``held_flat=True``: the caller must say so.
    """
    for d in values:
        if d.covers(on):
            return d, False
    if values and on > values[-1].valid_from:
        return values[-1], True
    return None, False
