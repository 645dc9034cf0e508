"""The central screen: the built front end (``frontend/`` → ``static/``) and one WebSocket
that pushes the car's signals from broker subscriptions and takes set-target requests.

Beside :mod:`evtwin.api` (the CLI joins them: ``start_api_server(screen=Screen(...).install)``),
above :mod:`evtwin.runtime` / :mod:`evtwin.signals`. See ``docs/screen.md``.
"""

from evtwin.hmi._screen import (
    SCREEN_SIGNALS,
    WS_PATH,
    Screen,
    VehicleInfo,
    may_control,
    screen_for_twin,
)
from evtwin.hmi._settings import DEFAULT_SETTINGS, ScreenSettings, SettingsError, SettingsStore

__all__ = [
    "DEFAULT_SETTINGS",
    "SCREEN_SIGNALS",
    "WS_PATH",
    "Screen",
    "ScreenSettings",
    "SettingsError",
    "SettingsStore",
    "VehicleInfo",
    "may_control",
    "screen_for_twin",
]
