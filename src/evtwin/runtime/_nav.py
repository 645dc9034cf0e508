"""Route guidance in the running car: destination in, plan out, re-planned when SOC drifts.

:class:`NavigationService` reads the driver's (or an app's) request on the actuator
``Vehicle.Cabin.Infotainment.Navigation.Route.Destination`` (a town, city, map place or
``lat,lon``; empty ends guidance), plans the trip from the car's position with
:func:`evtwin.nav.plan_trip_detail` at the car's state of charge, outside temperature, cabin
set point (the climate model's load) and trailer mass,
and publishes the plan under ``…Navigation.Route.*`` (distance and time left, arrival SOC
P10/P50/P90, charging stops, the next stop with its distance, time, arrival SOC and charge
time). While the car drives the route it follows it by odometer: the position
(``Vehicle.CurrentLocation.*``) moves along the route geometry, and the distance and time
left count down. When the actual SOC falls more than ``replan_threshold_pct`` below what
the plan expects at that point (or rises that much above it) while driving, it plans again
from where the car is, with the SOC it has, and publishes the new plan
(``Route.ReplanCount`` counts them). An impossible request leaves guidance off and says why
in ``Route.Message``.

The car has no GNSS in the twin: its position starts at ``home`` (Oakham, in the bundled
Rutland map) and moves only along an active route.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Final

import numpy as np

from evtwin.errors import EvtwinError
from evtwin.nav import TripDetail, TripRequest, plan_trip_detail
from evtwin.runtime._signalio import read_bool, read_float, read_target
from evtwin.signals import Broker, Change, Field
from evtwin.signals import paths as P
from evtwin.vehicles.spec import VehicleSpec

__all__ = ["HOME", "ROUTE", "NavigationService"]

ROUTE: Final = "Vehicle.Cabin.Infotainment.Navigation.Route"
DESTINATION: Final = f"{ROUTE}.Destination"
NEXT: Final = f"{ROUTE}.NextChargingStop"
LAT: Final = "Vehicle.CurrentLocation.Latitude"
LON: Final = "Vehicle.CurrentLocation.Longitude"
HOME: Final = (52.66994, -0.72846)
"""Oakham, Rutland (the bundled detailed map): where the twin's car is parked."""


@dataclass(slots=True)
class _Active:
    detail: TripDetail
    start_odometer_m: float
    leg_ends_m: np.ndarray
    """Cumulative plan distance at the end of each leg (detours included)."""


class NavigationService:
    name = "navigation"

    def __init__(
        self,
        broker: Broker,
        spec: VehicleSpec,
        *,
        home: tuple[float, float] = HOME,
        replan_threshold_pct: float = 5.0,
        samples: int = 200,
        planner: Callable[[TripRequest], TripDetail] = plan_trip_detail,
    ) -> None:
        self._broker = broker
        self._spec = spec
        self.position = home
        self.replan_threshold_pct = replan_threshold_pct
        self.samples = samples
        self._planner = planner
        self._requested: object | None = None
        self.active: _Active | None = None
        self.destination = ""
        self.replans = 0
        self.replan_failures = 0
        self.stops_done = 0
        self._suppress_until_m = 0.0
        self.leg = 0
        """The leg being driven: advances when the car has charged at the stop ending it."""
        self._charging_at_stop = False
        broker.update(
            [
                (f"{ROUTE}.IsActive", Field.VALUE, False),
                (f"{ROUTE}.ReplanCount", Field.VALUE, 0),
                (f"{ROUTE}.Message", Field.VALUE, ""),
                (DESTINATION, Field.VALUE, ""),
                (LAT, Field.VALUE, home[0]),
                (LON, Field.VALUE, home[1]),
            ]
        )

    # -- the plan --------------------------------------------------------------------------------
    @property
    def plan(self) -> dict[str, Any] | None:
        return None if self.active is None else self.active.detail.plan

    @property
    def progress_m(self) -> float:
        """Distance driven since the current plan was made."""
        if self.active is None:
            return 0.0
        odo = read_float(self._broker, P.TRAVELED_DISTANCE_M, 0.0)
        return max(odo - self.active.start_odometer_m, 0.0)

    def _plan(self, destination: str, soc_pct: float) -> TripDetail:
        b = self._broker
        temp = read_float(b, P.AMBIENT_AIR_C, 15.0)
        trailer = (
            read_float(b, P.TRAILER_MASS_KG, 0.0) if read_bool(b, P.TRAILER_CONNECTED) else 0.0
        )
        cabin = read_float(b, P.CABIN_SETPOINT_C, 21.0)
        lat, lon = self.position
        return self._planner(
            TripRequest(
                origin=f"{lat:.6f},{lon:.6f}",
                destination=destination,
                spec=self._spec,
                soc_pct=min(max(soc_pct, 1.0), 100.0),
                min_arrival_soc_pct=min(10.0, max(soc_pct - 0.5, 0.0)),
                temp_c=min(max(temp, -40.0), 55.0),
                trailer_kg=min(max(trailer, 0.0), 5000.0),
                cabin_temp_c=min(max(cabin, 10.0), 32.0),
                samples=self.samples,
            )
        )

    def _start(self, detail: TripDetail) -> list[Change]:
        legs = detail.plan["legs"]
        self._suppress_until_m = 0.0
        self.leg = 0
        self._charging_at_stop = False
        self.active = _Active(
            detail=detail,
            start_odometer_m=read_float(self._broker, P.TRAVELED_DISTANCE_M, 0.0),
            leg_ends_m=np.cumsum([leg["distance_km"] * 1000.0 for leg in legs]),
        )
        return [(f"{ROUTE}.Message", Field.VALUE, "")]

    def _clear(self, message: str = "") -> list[Change]:
        self.active = None
        return [
            (f"{ROUTE}.IsActive", Field.VALUE, False),
            (f"{ROUTE}.DistanceRemaining", Field.VALUE, 0.0),
            (f"{ROUTE}.TimeRemaining", Field.VALUE, 0),
            (f"{ROUTE}.ChargingStopCount", Field.VALUE, 0),
            (f"{NEXT}.Name", Field.VALUE, ""),
            (f"{ROUTE}.Message", Field.VALUE, message),
        ]

    def expected_soc_pct(self, d_m: float) -> float:
        """The plan's nominal SOC after ``d_m`` of driving (between stops: linear per leg)."""
        assert self.active is not None
        legs = self.active.detail.plan["legs"]
        ends = self.active.leg_ends_m
        k = min(self.leg, len(legs) - 1)
        start = 0.0 if k == 0 else float(ends[k - 1])
        det = self.active.detail
        pieces_m = np.cumsum([m for m, _ in det.leg_profiles[k]])
        used = np.asarray(det.leg_soc_used_pct[k])
        x = min(max(d_m - start, 0.0), float(pieces_m[-1]))
        return float(
            legs[k]["depart_soc_pct"]
            - np.interp(x, np.concatenate(([0.0], pieces_m)), np.concatenate(([0.0], used)))
        )

    def _where(self, d_m: float) -> tuple[float, float]:
        """Position after ``d_m`` along the route (detours ignored)."""
        assert self.active is not None
        det = self.active.detail
        route_total = float(det.cum_m[-1])
        plan_total = float(self.active.leg_ends_m[-1])
        x = d_m * route_total / max(plan_total, 1.0)
        return (float(np.interp(x, det.cum_m, det.lat)), float(np.interp(x, det.cum_m, det.lon)))

    # -- stepping --------------------------------------------------------------------------------
    def step(self, now_s: float, dt_s: float) -> None:
        b = self._broker
        changes: list[Change] = []
        requested = read_target(b, DESTINATION)
        if requested != self._requested:
            self._requested = requested
            text = requested if isinstance(requested, str) else ""
            self.destination = text.strip()
            self.replans = 0
            changes.append((DESTINATION, Field.VALUE, self.destination))
            changes.append((f"{ROUTE}.ReplanCount", Field.VALUE, 0))
            if not self.destination:
                changes += self._clear()
            else:
                try:
                    changes += self._start(
                        self._plan(self.destination, read_float(b, P.SOC_CURRENT_PCT, 80.0))
                    )
                except EvtwinError as e:
                    changes += self._clear(str(e))
        if self.active is not None:
            changes += self._follow()
        if changes:
            b.update(changes)

    def _follow(self) -> list[Change]:
        assert self.active is not None
        b = self._broker
        d = self.progress_m
        self.position = self._where(d)
        soc = read_float(b, P.SOC_CURRENT_PCT, 0.0)
        charging = read_bool(b, P.IS_CHARGING)
        moving = read_float(b, P.SPEED_KPH, 0.0) > 1.0 and not charging
        ends = self.active.leg_ends_m
        if self.leg < len(ends) - 1 and d >= float(ends[self.leg]) - 2000.0:
            if charging:
                self._charging_at_stop = True
            elif self._charging_at_stop:  # charged at the stop: on to the next leg
                self._charging_at_stop = False
                self.leg += 1
                self.stops_done += 1
        total = float(self.active.leg_ends_m[-1])
        if d >= total - 50.0 and not moving:
            self.position = (float(self.active.detail.lat[-1]), float(self.active.detail.lon[-1]))
            out = self._clear("arrived")
            out += [(LAT, Field.VALUE, self.position[0]), (LON, Field.VALUE, self.position[1])]
            return out
        drift = abs(soc - self.expected_soc_pct(d)) > self.replan_threshold_pct
        if moving and drift and d >= self._suppress_until_m:
            try:
                detail = self._plan(self.destination, soc)
            except EvtwinError as e:  # keep guiding on the plan in hand, and say why
                self.replan_failures += 1
                out = self._publish(d)
                out.append((f"{ROUTE}.Message", Field.VALUE, f"re-plan failed: {e}"))
                self._suppress_until_m = d + 10_000.0
                return out
            self.replans += 1
            out = self._start(detail)
            out.append((f"{ROUTE}.ReplanCount", Field.VALUE, self.replans))
            return out + self._publish(0.0)
        return self._publish(d)

    def _publish(self, d: float) -> list[Change]:
        assert self.active is not None
        plan = self.active.detail.plan
        ends = self.active.leg_ends_m
        total = float(ends[-1])
        k = min(self.leg, len(ends) - 1)
        stops = plan["stops"][k:]
        left_frac = max(total - d, 0.0) / max(total, 1.0)
        drive_left_s = plan["totals"]["drive_min"] * 60.0 * left_frac
        charge_left_s = sum(s["charge_min"] * 60.0 for s in stops)
        band = plan["arrival_soc_pct"]
        out: list[Change] = [
            (f"{ROUTE}.IsActive", Field.VALUE, True),
            (f"{ROUTE}.DestinationName", Field.VALUE, plan["to"]["name"]),
            (f"{ROUTE}.DistanceRemaining", Field.VALUE, round(max(total - d, 0.0) / 1000.0, 3)),
            (f"{ROUTE}.TimeRemaining", Field.VALUE, round(drive_left_s + charge_left_s)),
            (f"{ROUTE}.ArrivalStateOfCharge", Field.VALUE, float(band["p50"])),
            (f"{ROUTE}.ArrivalStateOfChargeP10", Field.VALUE, float(max(band["p10"], 0.0))),
            (f"{ROUTE}.ArrivalStateOfChargeP90", Field.VALUE, float(min(band["p90"], 100.0))),
            (f"{ROUTE}.ChargingStopCount", Field.VALUE, len(stops)),
            (LAT, Field.VALUE, self.position[0]),
            (LON, Field.VALUE, self.position[1]),
        ]
        if stops:
            s = stops[0]
            to_stop = max(float(ends[k]) - d, 0.0)
            leg_m = max(float(ends[k]) - (0.0 if k == 0 else float(ends[k - 1])), 1.0)
            to_stop_s = plan["legs"][k]["drive_min"] * 60.0 * to_stop / leg_m
            out += [
                (f"{NEXT}.Name", Field.VALUE, s["name"]),
                (f"{NEXT}.Latitude", Field.VALUE, float(s["lat"])),
                (f"{NEXT}.Longitude", Field.VALUE, float(s["lon"])),
                (f"{NEXT}.ArrivalStateOfCharge", Field.VALUE, float(s["arrive_soc_pct"])),
                (f"{NEXT}.ChargeDuration", Field.VALUE, round(s["charge_min"] * 60.0)),
                (f"{NEXT}.DistanceRemaining", Field.VALUE, round(to_stop / 1000.0, 3)),
                (f"{NEXT}.TimeRemaining", Field.VALUE, round(to_stop_s)),
            ]
        else:
            out.append((f"{NEXT}.Name", Field.VALUE, ""))
        return out
