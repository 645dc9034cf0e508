"""Screen settings (units, theme): validated, kept in one JSON file so they survive restarts,
and shared by every screen that is open (the WebSocket broadcasts each change)."""

from __future__ import annotations

import json
import os
import threading
from collections.abc import Mapping
from pathlib import Path
from typing import Final

from evtwin.errors import EvtwinError

__all__ = ["DEFAULT_SETTINGS", "ScreenSettings", "SettingsError", "SettingsStore"]

ScreenSettings = dict[str, str]

ALLOWED: Final[Mapping[str, tuple[str, ...]]] = {
    "distance_unit": ("mi", "km"),
    "temperature_unit": ("C", "F"),
    "theme": ("day", "night"),
}
DEFAULT_SETTINGS: Final[Mapping[str, str]] = {
    "distance_unit": "mi",  # a UK car: miles by default
    "temperature_unit": "C",
    "theme": "day",
}


class SettingsError(EvtwinError):
    """A screen setting with an unknown name or value, or an unreadable settings file."""


def check_settings(changes: object) -> ScreenSettings:
    """The changes as a dict of known names to allowed values; raises :class:`SettingsError`."""
    if not isinstance(changes, dict) or not changes:
        raise SettingsError("settings must be a non-empty object of name: value")
    out: ScreenSettings = {}
    for name, value in changes.items():
        if name not in ALLOWED:
            raise SettingsError(
                f"unknown setting {name!r}; known settings: {', '.join(sorted(ALLOWED))}"
            )
        if value not in ALLOWED[name]:
            raise SettingsError(
                f"setting {name} must be one of {', '.join(ALLOWED[name])}, got {value!r}"
            )
        out[name] = str(value)
    return out


class SettingsStore:
    """Settings in memory, written through to ``path`` (``None``: memory only)."""

    def __init__(self, path: Path | None = None) -> None:
        self._path = path
        self._lock = threading.Lock()
        self._values: ScreenSettings = dict(DEFAULT_SETTINGS)
        if path is not None and path.exists():
            try:
                stored = json.loads(path.read_text(encoding="utf-8"))
            except (OSError, ValueError) as e:
                raise SettingsError(f"cannot read screen settings {path}: {e}") from e
            try:
                if stored != {}:
                    self._values.update(check_settings(stored))
            except SettingsError as e:
                raise SettingsError(f"screen settings {path}: {e}") from None

    @property
    def path(self) -> Path | None:
        return self._path

    def get(self) -> ScreenSettings:
        with self._lock:
            return dict(self._values)

    def update(self, changes: object) -> ScreenSettings:
        """Apply and persist valid changes; returns every setting after the change."""
        checked = check_settings(changes)
        with self._lock:
            values = {**self._values, **checked}
            if self._path is not None:
                tmp = self._path.with_name(self._path.name + ".tmp")
                try:
                    tmp.write_text(json.dumps(values, indent=2) + "\n", encoding="utf-8")
                    os.replace(tmp, self._path)
                except OSError as e:
                    raise SettingsError(f"cannot write screen settings {self._path}: {e}") from e
            self._values = values
        return dict(values)
