"""Bundled scenarios the screen can start in the running twin (Drive tab)."""

from __future__ import annotations

import threading
from typing import Any

from evtwin.errors import EvtwinError
from evtwin.runtime import Twin, read_float
from evtwin.scenarios import LiveScenario, bundled_scenarios, load_scenario
from evtwin.signals import paths as P

__all__ = ["ScenarioControl", "ScenarioRefusedError"]


class ScenarioRefusedError(EvtwinError):
    """A scenario the screen asked for cannot start (unknown, or the car is moving)."""


class ScenarioControl:
    """Lists the bundled scenarios and plays one at a time on ``twin``
    (:class:`evtwin.scenarios.LiveScenario`)."""

    def __init__(self, twin: Twin) -> None:
        self.twin = twin
        self.catalogue: list[dict[str, Any]] = []
        for name in bundled_scenarios():
            s = load_scenario(name)
            self.catalogue.append(
                {"id": name, "name": s.name, "description": s.description, "steps": len(s.steps)}
            )
        self._live: LiveScenario | None = None
        self._id: str | None = None
        self._lock = threading.Lock()

    def status(self) -> dict[str, Any]:
        live = self._live
        if live is None:
            return {"id": None, "playing": False, "step": 0, "steps": 0, "error": None}
        return {
            "id": self._id,
            "playing": live.running,
            "step": live.step,
            "steps": len(live.scenario.steps),
            "error": live.error,
        }

    def start(self, scenario_id: object) -> None:
        """Play a bundled scenario by name ("" or None: stop the one playing)."""
        with self._lock:
            if scenario_id in ("", None):
                self.stop()
                return
            known = [c["id"] for c in self.catalogue]
            if scenario_id not in known:
                raise ScenarioRefusedError(
                    f"unknown scenario {scenario_id!r}; bundled: {', '.join(known)}"
                )
            playing = self._live is not None and self._live.running
            if not playing and not self.twin.host.running:
                raise ScenarioRefusedError(
                    "the twin is not running on its own clock (another scenario drives it, "
                    "e.g. evtwin up --scenario)"
                )
            if read_float(self.twin.broker, P.SPEED_KPH, 0.0) > 0.0:
                raise ScenarioRefusedError("a scenario cannot start while the car is moving")
            self.stop()
            self._id = str(scenario_id)
            self._live = LiveScenario(load_scenario(self._id), self.twin).start()

    def stop(self) -> None:
        if self._live is not None and self._live.running:
            self._live.stop()
