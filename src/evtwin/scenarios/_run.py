"""Run a scenario headless on a manual clock: deterministic under its seed.

The runner plays the world and the people around the car: it changes the weather, hands the
driver a drive leg, plugs a cable in, hitches a trailer and requests actuators through the
broker, as an app or the screen would. The car (the services of :func:`build_twin`) does the
rest. After every host step one :class:`TraceRow` of signal values is recorded; after every
scenario step a :class:`StepReport` keeps a snapshot of the car's signals.
"""

from __future__ import annotations

import math
import threading
from collections.abc import Callable
from importlib import resources
from pathlib import Path
from typing import Final

import numpy as np

from evtwin.errors import EvtwinError, ScenarioError
from evtwin.modes import load_mode, load_surface
from evtwin.runtime import (
    Charger,
    Clock,
    DriveLeg,
    ManualClock,
    Trailer,
    Twin,
    World,
    build_twin,
    read_bool,
    read_float,
    read_str,
)
from evtwin.scenarios._model import DriveSpec, Scenario, Step
from evtwin.scenarios._result import (
    SNAPSHOT_SIGNALS,
    LegReport,
    ScenarioResult,
    StepReport,
    TraceRow,
)
from evtwin.signals import Field
from evtwin.signals import paths as P
from evtwin.sim.traces import Trace, constant_speed, cycle, load_profile
from evtwin.units import KPH_PER_MPS

__all__ = ["STOP_TIMEOUT_S", "ScenarioPlayer", "run"]

NAV_ROUTE: Final = "Vehicle.Cabin.Infotainment.Navigation.Route"
NAV_DESTINATION: Final = f"{NAV_ROUTE}.Destination"
STOP_TIMEOUT_S: Final = 120.0
"""Longest a car may take to come to rest after a leg (then the scenario is in error)."""


class _Runner:
    def __init__(
        self,
        scenario: Scenario,
        twin: Twin,
        clock: ManualClock,
        pace: Callable[[float], None] | None = None,
    ) -> None:
        self.scenario = scenario
        self.twin = twin
        self.clock = clock
        self.pace = pace
        self.result = ScenarioResult(scenario=scenario)
        self.t0 = clock.now_s()
        self._step_index = 0
        self._action = "start"

    # -- stepping and recording ------------------------------------------------------------------
    def tick(self, dt_s: float) -> None:
        self.clock.advance(dt_s)
        self.twin.host.step()
        self.record()
        if self.pace is not None:
            self.pace(self.clock.now_s() - self.t0)

    def record(self) -> None:
        b, twin = self.twin.broker, self.twin
        leg = twin.world.leg
        grade = leg.grade(self.clock.now_s()) if leg is not None else 0.0
        self.result.rows.append(
            TraceRow(
                time_s=round(self.clock.now_s() - self.t0, 6),
                step=self._step_index,
                action=self._action,
                speed_kph=read_float(b, P.SPEED_KPH, 0.0),
                odometer_km=read_float(b, P.TRAVELED_DISTANCE_M, 0.0) / 1000.0,
                soc_percent=read_float(b, P.SOC_CURRENT_PCT, 0.0),
                soc_displayed_percent=read_float(b, P.SOC_DISPLAYED_PCT, 0.0),
                pack_power_kw=read_float(b, P.PACK_POWER_W, 0.0) / 1000.0,
                range_km=read_float(b, P.RANGE_M, 0.0) / 1000.0,
                battery_temp_c=read_float(b, P.BATTERY_TEMP_C, float("nan")),
                ambient_temp_c=read_float(b, P.AMBIENT_AIR_C, float("nan")),
                cabin_temp_c=read_float(b, P.CABIN_AIR_C, float("nan")),
                setpoint_c=read_float(b, P.CABIN_SETPOINT_C, float("nan")),
                hvac_kw=twin.climate.hvac_w / 1000.0,
                is_charging=read_bool(b, P.IS_CHARGING),
                charge_rate_kph=read_float(b, P.CHARGE_RATE_KPH, 0.0),
                mode=read_str(b, P.TERRAIN_MODE),
                surface=read_str(b, P.SURFACE),
                grade_percent=grade * 100.0,
            )
        )

    def run_for(self, duration_s: float, step_s: float) -> None:
        end = self.clock.now_s() + duration_s
        while self.clock.now_s() < end - 1e-9:
            self.tick(min(step_s, end - self.clock.now_s()))

    # -- actions ---------------------------------------------------------------------------------
    def _trace(self, d: DriveSpec) -> Trace:
        if d.cycle is not None:
            base = cycle(d.cycle)
        elif d.profile is not None:
            base = load_profile(self._profile_path(d.profile))
        else:
            assert d.speed_kph is not None
            if d.duration_s is not None:
                duration = d.duration_s
            else:
                assert d.distance_km is not None
                # ten times the time at the asked speed: room for caps (HDC, modes) and grip loss
                duration = 10.0 * d.distance_km * 1000.0 / (d.speed_kph / KPH_PER_MPS) + 60.0
            base = constant_speed(d.speed_kph, duration, d.grade_percent / 100.0)
            # start from rest: the driver pulls away
            speed = base.speed_mps.copy()
            speed[0] = 0.0
            base = Trace(base.name, base.time_s, speed, base.grade)
        if d.repeat == 1:
            return base
        n = len(base)
        span = float(base.time_s[-1] - base.time_s[0]) + float(base.time_s[1] - base.time_s[0])
        t = np.concatenate([base.time_s + i * span for i in range(d.repeat)])
        return (
            Trace(
                f"{base.name} x{d.repeat}",
                t,
                np.tile(base.speed_mps, d.repeat),
                np.tile(base.grade, d.repeat),
            )
            if n
            else base
        )

    def _profile_path(self, profile: str) -> Path:
        src = self.scenario.source
        if src.startswith("bundled:"):
            with resources.as_file(
                resources.files("evtwin").joinpath("data", "scenarios", profile)
            ) as p:
                return Path(p)
        return Path(src).parent / profile

    def drive(self, step: Step) -> LegReport:
        d = step.drive
        assert d is not None
        twin, world = self.twin, self.twin.world
        if d.surface is not None:
            world.surface = load_surface(d.surface)
        if d.mode is not None:
            twin.broker.set_target(P.TERRAIN_MODE, load_mode(d.mode).signal_value)
        trace = self._trace(d)
        leg = DriveLeg(
            trace=trace,
            start_s=self.clock.now_s(),
            distance_m=None if d.distance_km is None else d.distance_km * 1000.0,
            speed_noise_kph=d.speed_noise_kph,
            seed=self.scenario.seed * 1000 + step.index,
        )
        world.leg = leg
        twin.drive.reset_leg()
        stats = twin.drive.leg
        step_s = self.scenario.drive_step_s
        while self.clock.now_s() < leg.end_s - 1e-9:
            if leg.distance_m is not None and stats.distance_m >= leg.distance_m:
                break
            self.tick(min(step_s, leg.end_s - self.clock.now_s()))
        world.leg = None
        waited = 0.0
        while twin.drive.speed_mps > 0.0:
            if waited > STOP_TIMEOUT_S:
                raise ScenarioError(f"step {step.index + 1}: the car did not come to rest")
            self.tick(step_s)
            waited += step_s
        self.tick(step_s)  # parked: the car switches off
        completed = (
            stats.distance_m >= leg.distance_m - 1e-6
            if leg.distance_m is not None
            else not stats.depleted
        )
        return LegReport(
            distance_km=stats.distance_m / 1000.0,
            duration_s=stats.duration_s,
            energy_kwh=stats.energy_terminal_j / 3.6e6,
            completed=completed,
            followed_trace=stats.trace_miss_steps == 0 and not stats.depleted,
            trace_miss_steps=stats.trace_miss_steps,
            max_speed_deficit_kph=stats.max_speed_deficit_mps * KPH_PER_MPS,
            max_speed_kph=max(stats.speeds_kph, default=0.0),
        )

    def hitch(self, step: Step) -> None:
        assert step.trailer_kg is not None
        spec = self.twin.spec
        capacity = spec.towing_capacity_kg
        if capacity is None or capacity <= 0:
            raise ScenarioError(
                f"step {step.index + 1}: {spec.id} has no towing capacity in its spec; "
                "it may not tow"
            )
        if step.trailer_kg > capacity:
            raise ScenarioError(
                f"step {step.index + 1}: trailer {step.trailer_kg:g} kg exceeds the towing "
                f"capacity of {spec.id}, {capacity:g} kg"
            )
        trailer = (
            Trailer(mass_kg=step.trailer_kg)
            if step.trailer_cda_m2 is None
            else Trailer(mass_kg=step.trailer_kg, cda_m2=step.trailer_cda_m2)
        )
        self.twin.world.trailer = trailer

    def _drive_trace(self, trace: Trace, distance_m: float, seed: int) -> None:
        """Drive ``trace`` until ``distance_m`` is covered (or the trace ends), then stop."""
        twin, world = self.twin, self.twin.world
        leg = DriveLeg(trace=trace, start_s=self.clock.now_s(), distance_m=distance_m, seed=seed)
        world.leg = leg
        twin.drive.reset_leg()
        stats = twin.drive.leg
        step_s = self.scenario.drive_step_s
        while self.clock.now_s() < leg.end_s - 1e-9 and stats.distance_m < distance_m:
            self.tick(min(step_s, leg.end_s - self.clock.now_s()))
        world.leg = None
        waited = 0.0
        while twin.drive.speed_mps > 0.0:
            if waited > STOP_TIMEOUT_S:
                raise ScenarioError("the car did not come to rest")
            self.tick(step_s)
            waited += step_s

    def follow_route(self, step: Step) -> None:
        """Set the destination like the screen would, then drive the car's own plan leg by
        leg (speed profile from the route), charge at its stops to the planned level, and
        follow the new plan whenever the car re-plans."""
        twin = self.twin
        nav = twin.nav
        assert nav is not None and step.destination is not None
        where = f"step {step.index + 1}"
        if step.replan_threshold_pct is not None:
            nav.replan_threshold_pct = step.replan_threshold_pct
        twin.broker.update([(NAV_DESTINATION, Field.TARGET, step.destination)])
        self.tick(self.scenario.drive_step_s)
        if nav.active is None:
            message = read_str(twin.broker, f"{NAV_ROUTE}.Message")
            raise ScenarioError(f"{where}: no route to {step.destination!r}: {message}")
        deadline = self.clock.now_s() + step.max_hours * 3600.0
        n, leg_k, current = 0, 0, nav.active
        while nav.active is not None:
            if self.clock.now_s() > deadline:
                raise ScenarioError(f"{where}: not there after {step.max_hours:g} h")
            if nav.active is not current:  # the car planned again: follow the new plan
                current, leg_k = nav.active, 0
            assert current is not None
            d = nav.progress_m
            ends = current.leg_ends_m
            start = 0.0 if leg_k == 0 else float(ends[leg_k - 1])
            left = float(ends[leg_k]) - d
            n += 1
            if left > 50.0:
                trace = _profile_trace(current.detail.leg_profiles[leg_k], max(d - start, 0.0))
                odo = read_float(self.twin.broker, P.TRAVELED_DISTANCE_M, 0.0)
                self._drive_trace(trace, left, self.scenario.seed * 1000 + step.index * 50 + n)
                if read_float(self.twin.broker, P.TRAVELED_DISTANCE_M, 0.0) - odo < 1.0:
                    raise ScenarioError(f"{where}: the car cannot move on (battery empty?)")
                continue
            if leg_k == len(ends) - 1:
                self.tick(self.scenario.drive_step_s)  # parked at the destination
                continue
            self._charge_at(current.detail.plan["stops"][leg_k])
            leg_k += 1

    def _check_arrived(self, step: Step) -> None:
        message = read_str(self.twin.broker, f"{NAV_ROUTE}.Message")
        if message != "arrived":
            raise ScenarioError(f"step {step.index + 1}: route guidance ended: {message}")

    def _charge_at(self, stop: dict[str, object]) -> None:
        twin, world = self.twin, self.twin.world
        target = float(stop["depart_soc_pct"])  # type: ignore[arg-type]
        power = min(max(float(stop["power_kw"]), 5.0), 400.0)  # type: ignore[arg-type]
        twin.broker.update([(P.CHARGE_LIMIT_PCT, Field.TARGET, min(round(target + 0.5), 100))])
        world.charger = Charger(power_kw=power, dc=True)
        self.tick(self.scenario.drive_step_s)
        waited = 0.0
        while read_float(twin.broker, P.SOC_CURRENT_PCT, 0.0) < target - 0.25:
            if waited > 4 * 3600.0 or not read_bool(twin.broker, P.IS_CHARGING):
                break
            self.tick(self.scenario.drive_step_s * 6)
            waited += self.scenario.drive_step_s * 6
        world.charger = None
        self.tick(self.scenario.drive_step_s)

    def apply(self, step: Step) -> LegReport | None:
        twin, world = self.twin, self.twin.world
        if step.action == "drive":
            return self.drive(step)
        if step.action == "follow_route":
            self.follow_route(step)
            self._check_arrived(step)
            return None
        if step.action == "park":
            if step.ambient_temp_c is not None:
                world.ambient_temp_c = step.ambient_temp_c
            duration = step.duration_s
            if duration < 0:  # until_utc
                duration = -duration - self.clock.now_s()
                if duration <= 0:
                    raise ScenarioError(
                        f"step {step.index + 1}: until_utc is {-duration:.0f} s in the past "
                        "when the step begins"
                    )
            self.run_for(duration, self.scenario.park_step_s)
        elif step.action == "set":
            twin.broker.update(
                [(path, Field.TARGET, value) for path, value in step.signals.items()]
            )
            self.tick(self.scenario.drive_step_s)
        elif step.action == "plug_in":
            assert step.charger_kw is not None
            world.charger = Charger(power_kw=step.charger_kw, dc=step.dc)
            self.tick(self.scenario.drive_step_s)
        elif step.action == "unplug":
            world.charger = None
            self.tick(self.scenario.drive_step_s)
        elif step.action == "hitch":
            self.hitch(step)
            self.tick(self.scenario.drive_step_s)
        elif step.action == "unhitch":
            world.trailer = None
            self.tick(self.scenario.drive_step_s)
        elif step.action == "world":
            if step.ambient_temp_c is not None:
                world.ambient_temp_c = step.ambient_temp_c
            if step.water_depth_mm is not None:
                world.water_depth_mm = step.water_depth_mm
            if step.surface is not None:
                world.surface = load_surface(step.surface)
            self.tick(self.scenario.drive_step_s)
        return None

    def run(self) -> ScenarioResult:
        self.twin.host.step()
        self.record()
        for step in self.scenario.steps:
            self._step_index, self._action = step.index + 1, step.action
            start = self.clock.now_s()
            leg = self.apply(step)
            snapshot = self.twin.broker.snapshot(SNAPSHOT_SIGNALS)
            self.result.steps.append(
                StepReport(
                    index=step.index + 1,
                    label=step.label,
                    action=step.action,
                    start_s=start - self.t0,
                    end_s=self.clock.now_s() - self.t0,
                    signals={
                        p: (dp.value if (dp := snapshot.get(p)) else None) for p in SNAPSHOT_SIGNALS
                    },
                    leg=leg,
                )
            )
        twin = self.twin
        self.result.faults = [f"{f.service} at {f.time_s:.0f}: {f.error}" for f in twin.host.faults]
        self.result.charging_refusals = [r.reason for r in twin.charging.refusals]
        self.result.climate_refusals = [r.reason for r in twin.climate.refusals]
        return self.result


def _profile_trace(pieces: tuple[tuple[float, float], ...], offset_m: float) -> Trace:
    """A leg's speed profile (distance, cruise km/h pieces) from ``offset_m`` as a 1 s trace,
    from rest, with 10 % spare time at the end (the car lags its wish when accelerating)."""
    m = np.array([p[0] for p in pieces], dtype=np.float64)
    v = np.maximum(np.array([p[1] for p in pieces], dtype=np.float64), 5.0) / KPH_PER_MPS
    start = np.concatenate(([0.0], np.cumsum(m)[:-1]))
    m = np.maximum(np.minimum(m, start + m - offset_m), 0.0)
    keep = m > 0
    m, v = (m[keep], v[keep]) if keep.any() else (np.array([50.0]), np.array([5.0 / KPH_PER_MPS]))
    t_end = np.cumsum(m / v)
    total = float(t_end[-1]) * 1.1 + 30.0
    t = np.arange(0.0, math.ceil(total) + 1.0)
    speed = v[np.minimum(np.searchsorted(t_end, t, side="right"), len(v) - 1)]
    speed[0] = 0.0
    return Trace("route leg", t, speed, np.zeros_like(t))


class ScenarioPlayer:
    """A scenario's car, built and parked at the scenario's start, ready to :meth:`play`.

    Serve ``player.twin.broker`` first to watch the story live (``evtwin up --scenario``);
    ``pace(elapsed_twin_s)`` is called after every step (e.g. to sleep until real time
    catches up with an accelerated clock, or to raise and stop).
    """

    def __init__(self, scenario: Scenario, *, pace: Callable[[float], None] | None = None):
        self.scenario = scenario
        self.clock = ManualClock(scenario.start_s)
        world = World(
            ambient_temp_c=scenario.ambient_temp_c, surface=load_surface(scenario.surface)
        )
        self.twin = build_twin(
            self.clock,
            vehicle=scenario.vehicle,
            world=world,
            soc_percent=scenario.soc_percent,
            cabin_temp_c=scenario.cabin_temp_c,
            battery_temp_c=scenario.battery_temp_c,
            mode=scenario.mode,
            step_s=scenario.drive_step_s,
        )
        self._runner = _Runner(scenario, self.twin, self.clock, pace)

    def play(self) -> ScenarioResult:
        """Run every step, from the start state to the last step."""
        return self._runner.run()

    def close(self) -> None:
        self.twin.close()


def run(scenario: Scenario) -> ScenarioResult:
    """Run ``scenario`` headless, as fast as the machine allows."""
    player = ScenarioPlayer(scenario)
    try:
        return player.play()
    finally:
        player.close()


class _Stopped(Exception):
    """The live scenario was asked to stop."""


class _PacedClock:
    """A running twin's clock (real time × speed-up) as the runner sees it: advancing waits
    until the clock itself has moved on that far (a :class:`ManualClock` just advances)."""

    def __init__(self, clock: Clock, stop: threading.Event) -> None:
        self._clock = clock
        self._stop = stop
        self._factor = float(getattr(clock, "factor", 1.0))

    def now_s(self) -> float:
        return self._clock.now_s()

    def advance(self, dt_s: float) -> float:
        if isinstance(self._clock, ManualClock):
            if self._stop.is_set():
                raise _Stopped
            return self._clock.advance(dt_s)
        target = self._clock.now_s() + dt_s
        while (left := target - self._clock.now_s()) > 0:
            if self._stop.wait(min(left / self._factor, 0.05)):
                raise _Stopped
        if self._stop.is_set():
            raise _Stopped
        return self._clock.now_s()


class LiveScenario:
    """A scenario's steps played on an already running twin (the screen's "start scenario"),
    in a background thread, at the twin's own clock (``evtwin up --speedup``).

    The car stays the twin's: the scenario's vehicle, start time and state of charge are not
    applied; its outside temperature and surface are. While it plays, the runner steps the
    twin's services (the host's own loop pauses and resumes afterwards). ``error`` holds why a
    step could not be carried out (e.g. a ``until_utc`` already past on this clock).
    """

    def __init__(self, scenario: Scenario, twin: Twin) -> None:
        self.scenario = scenario
        self.twin = twin
        self.error: str | None = None
        self.finished = False
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._runner: _Runner | None = None
        self._host_was_running = twin.host.running

    @property
    def step(self) -> int:
        """1-based index of the step playing now (0 before the first)."""
        return 0 if self._runner is None else self._runner._step_index

    @property
    def running(self) -> bool:
        return self._thread is not None and self._thread.is_alive()

    def start(self) -> LiveScenario:
        if self._thread is None:
            self._thread = threading.Thread(
                target=self._play, name="evtwin-live-scenario", daemon=True
            )
            self._thread.start()
        return self

    def _play(self) -> None:
        twin = self.twin
        twin.host.stop()
        try:
            twin.world.ambient_temp_c = self.scenario.ambient_temp_c
            twin.world.surface = load_surface(self.scenario.surface)
            clock = _PacedClock(twin.clock, self._stop)
            self._runner = _Runner(self.scenario, twin, clock)  # type: ignore[arg-type]
            self._runner.run()
        except _Stopped:
            pass
        except EvtwinError as e:
            self.error = str(e)
        finally:
            twin.world.leg = None
            if self._host_was_running and not self._stop.is_set():
                twin.host.start(real_step_s=_real_step_s(twin))
            self.finished = True

    def stop(self) -> None:
        """Stop playing (the car stays as it is) and wait for the thread."""
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=10.0)
        if self._host_was_running and not self.twin.host.running:
            self.twin.host.start(real_step_s=_real_step_s(self.twin))


def _real_step_s(twin: Twin) -> float:
    """Real seconds between host steps for the twin's clock (its step over its speed-up)."""
    return twin.host.step_s / float(getattr(twin.clock, "factor", 1.0))
