"""A range question as people ask it (CLI options, HTTP query parameters) → engine queries.

One mapping for every interface: ``evtwin range`` and ``GET /api/v1/range/...`` both build a
:class:`RangeRequest` and call :meth:`RangeRequest.queries`, so their answers cannot drift.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, fields
from typing import Any, Literal

from evtwin.errors import ScenarioError
from evtwin.physics.constants import default_constants
from evtwin.sim.conditions import Conditions
from evtwin.sim.range import RangeEstimate, RangeQuery, estimate_ranges, wltp_queries
from evtwin.sim.traces import Trace, constant_speed, cycle
from evtwin.units import KPH_PER_MPS
from evtwin.vehicles.spec import VehicleSpec

__all__ = ["DEFAULT_CABIN_TEMP_C", "DEFAULT_TRAILER_CDA_M2", "MILD_AMBIENT_C", "RangeRequest"]

DEFAULT_CABIN_TEMP_C = 21.0
"""Cabin set point assumed when the ambient is outside :data:`MILD_AMBIENT_C` and the
question does not set the climate: someone asking for range at -5 °C heats the cabin."""
MILD_AMBIENT_C = (15.0, 25.0)
"""Ambient band (°C) in which a cabin needs no heating or cooling by default."""

DEFAULT_TRAILER_CDA_M2 = 0.6
"""Trailer drag area Cd*A (m²) when a trailer is given without one (assumption: a small
box trailer behind an SUV adds roughly 0.5-0.8 m²)."""


@dataclass(frozen=True, kw_only=True, slots=True)
class RangeRequest:
    """Conditions of a range question (units in names); all ``None`` = the WLTP procedure.

    Any value switches to your conditions: kerb mass plus ``payload_kg``, on ``cycle``
    (default WLTC) or a constant ``speed_kph``, on a public road (``road="real"``, default)
    or with the type-approval road load (``road="test"``). Climate: ``hvac_w`` is a constant
    electric load you state; ``cabin_temp_c`` (and ``heat_pump``, ``seat_heat``) instead let
    the climate model compute it for each car from the ambient temperature and speed.
    """

    cycle: str | None = None
    speed_kph: float | None = None
    temp_c: float | None = None
    payload_kg: float | None = None
    trailer_kg: float | None = None
    trailer_cda_m2: float | None = None
    hvac_w: float | None = None
    headwind_kph: float | None = None
    altitude_m: float | None = None
    road: Literal["real", "test"] | None = None
    cabin_temp_c: float | None = None
    heat_pump: bool | None = None
    seat_heat: bool | None = None
    no_hvac: bool | None = None

    @property
    def is_wltp(self) -> bool:
        return all(getattr(self, f.name) is None for f in fields(self))

    @property
    def default_cabin(self) -> bool:
        """True when the cabin is heated/cooled to :data:`DEFAULT_CABIN_TEMP_C` because the
        ambient is outside :data:`MILD_AMBIENT_C` and nothing else sets the climate."""
        return (
            self.temp_c is not None
            and not MILD_AMBIENT_C[0] <= self.temp_c <= MILD_AMBIENT_C[1]
            and self.hvac_w is None
            and self.cabin_temp_c is None
            and not self.no_hvac
        )

    @property
    def cabin_set_point_c(self) -> float | None:
        """The cabin set point the climate model uses (stated or defaulted), or None."""
        if self.cabin_temp_c is not None:
            return self.cabin_temp_c
        return DEFAULT_CABIN_TEMP_C if self.default_cabin else None

    @property
    def uses_climate_model(self) -> bool:
        return self.cabin_set_point_c is not None or bool(self.seat_heat)

    def conditions(self) -> Conditions:
        """Conditions before any climate-model HVAC (which depends on the car)."""
        if self.hvac_w is not None and self.uses_climate_model:
            raise ScenarioError(
                "give either a constant HVAC load (hvac_w) or a cabin set point / seat heat "
                "for the climate model, not both"
            )
        if self.no_hvac and (
            self.hvac_w is not None or self.cabin_temp_c is not None or self.seat_heat
        ):
            raise ScenarioError(
                "no_hvac (--no-hvac) switches the climate off: drop hvac_w, cabin_temp_c and "
                "seat_heat, or drop no_hvac"
            )
        if self.heat_pump is not None and not self.uses_climate_model:
            raise ScenarioError(
                "heat pump on/off needs a cabin set point (cabin_temp_c) or an ambient "
                f"outside {MILD_AMBIENT_C[0]:g}-{MILD_AMBIENT_C[1]:g} °C (cabin then "
                f"{DEFAULT_CABIN_TEMP_C:g} °C by default)"
            )
        kw: dict[str, Any] = {"initial_soc": 1.0, "road": self.road or "real"}
        if self.temp_c is not None:
            kw["ambient_temp_c"] = self.temp_c
        if self.payload_kg is not None:
            kw["payload_kg"] = self.payload_kg
        if self.trailer_kg is not None:
            kw["trailer_kg"] = self.trailer_kg
            kw["trailer_cda_m2"] = (
                DEFAULT_TRAILER_CDA_M2 if self.trailer_cda_m2 is None else self.trailer_cda_m2
            )
        elif self.trailer_cda_m2 is not None:
            raise ScenarioError("trailer_cda_m2 needs trailer_kg (a trailer mass, kg)")
        if self.hvac_w is not None:
            kw["hvac_w"] = self.hvac_w
        if self.headwind_kph is not None:
            kw["headwind_mps"] = self.headwind_kph / KPH_PER_MPS
        if self.altitude_m is not None:
            kw["altitude_m"] = self.altitude_m
        return Conditions(**kw)

    def trace(self) -> Trace:
        if self.cycle is not None and self.speed_kph is not None:
            raise ScenarioError(
                f"give a cycle or a constant speed, not both (cycle={self.cycle!r}, "
                f"speed_kph={self.speed_kph:g} km/h)"
            )
        if self.speed_kph is not None:
            return constant_speed(self.speed_kph)
        return cycle(self.cycle or "wltc")

    def climate_hvac_w(self, spec: VehicleSpec, conditions: Conditions, trace: Trace) -> float:
        """HVAC power (W) from the climate model for this car on this trace (steady state:
        a range answer is a long drive, so the cabin warm-up is left out)."""
        from evtwin.climate import vehicle_hvac_w

        mean_speed = trace.distance_m / max(trace.duration_s, 1.0)
        return vehicle_hvac_w(
            spec,
            ambient_c=conditions.ambient_temp_c,
            cabin_temp_c=self.cabin_set_point_c,
            speed_mps=mean_speed,
            heat_pump=self.heat_pump,
            seat_heat=bool(self.seat_heat),
        )

    def queries(self, specs: Sequence[VehicleSpec], trace: Trace | None = None) -> list[RangeQuery]:
        """Engine queries for ``specs``; ``trace`` overrides the cycle (a profile file)."""
        if self.is_wltp and trace is None:
            return wltp_queries(specs, default_constants())
        conditions = self.conditions()
        tr = self.trace() if trace is None else trace
        if not self.uses_climate_model:
            return [RangeQuery(s, tr, conditions, "custom") for s in specs]
        return [
            RangeQuery(
                s, tr, conditions.replace(hvac_w=self.climate_hvac_w(s, conditions, tr)), "custom"
            )
            for s in specs
        ]

    def answer(
        self, specs: Sequence[VehicleSpec], trace: Trace | None = None
    ) -> list[RangeEstimate]:
        """Run the queries in one batch; climate-model inputs join each answer's assumptions."""
        estimates = estimate_ranges(self.queries(specs, trace))
        if self.uses_climate_model:
            hp = "spec" if self.heat_pump is None else ("on" if self.heat_pump else "off")
            why = (
                f"default: ambient {self.temp_c:g} °C is outside "
                f"{MILD_AMBIENT_C[0]:g}-{MILD_AMBIENT_C[1]:g} °C, so the cabin is heated/cooled "
                f"to {DEFAULT_CABIN_TEMP_C:g} °C (--no-hvac / no_hvac=true switches it off); "
                if self.default_cabin and self.temp_c is not None
                else ""
            )
            for est in estimates:
                est.assumptions["hvac_w"] = (
                    f"{why}climate model: cabin {self.cabin_set_point_c} °C, heat pump {hp}, "
                    f"seat/wheel heat {'on' if self.seat_heat else 'off'}, steady state at the "
                    f"trace's mean speed -> {est.conditions['hvac_w']:.0f} W"
                )
        elif self.hvac_w is None and not self.is_wltp:
            why = (
                "--no-hvac / no_hvac=true"
                if self.no_hvac
                else f"ambient within {MILD_AMBIENT_C[0]:g}-{MILD_AMBIENT_C[1]:g} °C (default)"
            )
            for est in estimates:
                est.assumptions["hvac_w"] = f"climate off: {why}"
        return estimates
