"""A range question as people ask it (CLI options, HTTP query parameters) → engine queries.

One mapping for every interface: ``evtwin range`` and ``GET /api/v1/range/...`` both build a
:class:`RangeRequest` and call :meth:`RangeRequest.queries`, so their answers cannot drift.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from dataclasses import dataclass, fields
from typing import Any, Literal

from evtwin.errors import ScenarioError
from evtwin.physics.constants import default_constants
from evtwin.sim.conditions import Conditions
from evtwin.sim.range import (
    RangeEstimate,
    RangeQuery,
    calibration_factor,
    estimate_ranges,
    wltp_queries,
)
from evtwin.sim.range import (
    calibrate as calibrate_estimate,
)
from evtwin.sim.traces import Trace, constant_speed, cycle
from evtwin.units import KPH_PER_MPS
from evtwin.vehicles.derive import derive_params
from evtwin.vehicles.spec import VehicleSpec

__all__ = [
    "CALIBRATE_TO_OFFICIAL_BY_DEFAULT",
    "DEFAULT_CABIN_TEMP_C",
    "DEFAULT_TRAILER_CDA_M2",
    "DEFAULT_TRAILER_KIND",
    "MILD_AMBIENT_C",
    "TRAILER_KINDS",
    "RangeRequest",
    "TrailerKind",
]

DEFAULT_CABIN_TEMP_C = 21.0
"""Cabin set point assumed when the ambient is outside :data:`MILD_AMBIENT_C` and the
question does not set the climate: someone asking for range at -5 °C heats the cabin."""
_CALIBRATION = ("from_spec", "calibrate", "calibrate_wltp_km")
CALIBRATE_TO_OFFICIAL_BY_DEFAULT = True
"""Whether an answer is calibrated to the car's official WLTP range unless the question says.

Set by measurement, not preference: ``evtwin validate`` predicts an independent tester's
90/120 km/h consumption leave-one-car-out both ways, and the default is whichever has the
lower MAE on those held-out tests (a test checks it). Measured 2026-12-08, calibrating the
motor + inverter losses: calibrated MAE 4.0 % (max 15.9 %), from the spec 4.4 % (max 10.5 %),
so the default is calibrated; ``from_spec`` / ``--from-spec`` gives the model alone. The two
are within the noise of 27 tests of 13 cars (on 2026-12-07, with the earlier drivetrain
constants and the driving-energy calibration, the order was the other way: 5.8 vs 4.0 %)."""
MILD_AMBIENT_C = (15.0, 25.0)
"""Ambient band (°C) in which a cabin needs no heating or cooling by default."""


@dataclass(frozen=True, slots=True)
class TrailerKind:
    """A kind of trailer: the drag area it adds behind a car, its tyres, a typical mass."""

    cda_m2: float
    crr: float
    typical_mass_kg: float
    basis: str


TRAILER_KINDS: dict[str, TrailerKind] = {
    # A UK touring caravan: ~2.25 m wide, ~2.3 m of body above the ground clearance (~5.2 m²
    # face); car + box-shaped caravan combinations measure Cd ~0.5 on the caravan's face
    # (Hucho, "Aerodynamics of Road Vehicles"), ~2.7 m², less the car's own ~0.7 m²: +2.0 m².
    # (A streamlined Airstream measured Cd 0.196 in a sedan's wake on 5.45 m², ~1.1 m²:
    # Buckley, University of Maryland wind-tunnel study, late 1970s.) Typical laden mass
    # 1,400 kg (UK twin-axle-free tourers' MTPLM ~1,300-1,500 kg, assumption).
    "caravan": TrailerKind(
        2.0,
        0.010,
        1400.0,
        "touring caravan: +2.0 m² drag area (car+caravan Cd ~0.5 on a ~5.2 m² caravan face, "
        "Hucho; less the car's own ~0.7 m²)",
    ),
    # A small open/box trailer lower than the car, mostly in its wake (assumption 0.5-0.8 m²);
    # typical mass the EU unbraked limit, 750 kg.
    "box": TrailerKind(
        0.6,
        0.010,
        750.0,
        "box trailer: +0.6 m² drag area (low trailer in the car's wake; 0.5-0.8 m², assumption)",
    ),
    # A car transporter trailer with a car on it: the carried car's own drag area (~0.7 m²,
    # Cd 0.3 x 2.3 m²) plus the open frame and wheels (~0.3 m²), partly in the tow car's
    # wake: +1.0 m² (assumption); mass ~1,600 kg car + ~700 kg trailer.
    "car": TrailerKind(
        1.0,
        0.010,
        2300.0,
        "car on a transporter trailer: +1.0 m² drag area (the carried car ~0.7 m² + frame "
        "and wheels ~0.3 m², assumption)",
    ),
}
"""Trailer kinds for ``--trailer`` / ``trailer=``: a caravan is the default when only a mass
is given (the common UK towing case)."""
DEFAULT_TRAILER_KIND = "caravan"
DEFAULT_TRAILER_CDA_M2 = TRAILER_KINDS[DEFAULT_TRAILER_KIND].cda_m2
"""Trailer drag area Cd*A (m²) when a trailer mass is given without a kind or a drag area."""


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
    trailer: str | None = None
    hvac_w: float | None = None
    headwind_kph: float | None = None
    altitude_m: float | None = None
    road: Literal["real", "test"] | None = None
    cabin_temp_c: float | None = None
    heat_pump: bool | None = None
    seat_heat: bool | None = None
    no_hvac: bool | None = None
    from_spec: bool | None = None
    calibrate: bool | None = None
    calibrate_wltp_km: float | None = None

    @property
    def is_wltp(self) -> bool:
        return all(
            getattr(self, f.name) is None for f in fields(self) if f.name not in _CALIBRATION
        )

    @property
    def trailer_kind(self) -> TrailerKind | None:
        """The trailer's kind (caravan when only a mass is given), or None without one."""
        if self.trailer is None:
            return TRAILER_KINDS[DEFAULT_TRAILER_KIND] if self.trailer_kg is not None else None
        if self.trailer not in TRAILER_KINDS:
            raise ScenarioError(
                f"unknown trailer kind {self.trailer!r}; known: {', '.join(TRAILER_KINDS)}"
            )
        return TRAILER_KINDS[self.trailer]

    def trailer_assumption(self) -> str | None:
        """What the answer assumed about the trailer, or None without one."""
        kind = self.trailer_kind
        if kind is None:
            return None
        name = self.trailer or DEFAULT_TRAILER_KIND
        parts = [
            kind.basis
            if self.trailer_cda_m2 is None
            else f"{name}: drag area {self.trailer_cda_m2:g} m² as given (trailer_cda_m2)"
        ]
        if self.trailer is None:
            parts.append(f"kind {DEFAULT_TRAILER_KIND} by default (only a mass was given)")
        if self.trailer_kg is None:
            parts.append(f"mass {kind.typical_mass_kg:g} kg typical for a {name} (assumption)")
        parts.append(f"trailer tyres Crr {kind.crr:g}")
        return "; ".join(parts)

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
            and self.road != "test"
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
        kind = self.trailer_kind
        if kind is not None:
            kw["trailer_kg"] = kind.typical_mass_kg if self.trailer_kg is None else self.trailer_kg
            kw["trailer_cda_m2"] = (
                kind.cda_m2 if self.trailer_cda_m2 is None else self.trailer_cda_m2
            )
            kw["trailer_crr"] = kind.crr
        elif self.trailer_cda_m2 is not None:
            raise ScenarioError(
                "trailer_cda_m2 needs trailer_kg (a trailer mass, kg) or a trailer kind"
            )
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
        queries = []
        for s in specs:
            cond = conditions
            if self.road == "test" and self.payload_kg is None:
                # the type-approval run: the car at its test mass
                p = derive_params(s, default_constants())
                cond = cond.replace(payload_kg=p.wltp_test_mass_kg - p.mass_kg)
            if self.uses_climate_model:
                cond = cond.replace(hvac_w=self.climate_hvac_w(s, cond, tr))
            queries.append(RangeQuery(s, tr, cond, "custom"))
        return queries

    def calibration_targets(self, specs: Sequence[VehicleSpec]) -> list[dict[str, Any] | None]:
        """Per spec: the WLTP range to calibrate to (stated, else official when asked for or
        by default), or None."""
        asked = [
            name
            for name, on in (
                ("--from-spec", self.from_spec),
                ("--calibrate", self.calibrate),
                ("--calibrate-wltp-km", self.calibrate_wltp_km is not None),
            )
            if on
        ]
        if len(asked) > 1:
            raise ScenarioError(f"give one of {' / '.join(asked)}, not both")
        if self.calibrate_wltp_km is not None and not 50.0 <= self.calibrate_wltp_km <= 2000.0:
            raise ScenarioError(
                f"calibrate_wltp_km = {self.calibrate_wltp_km:g} km is outside 50..2000 km"
            )
        to_official = (
            bool(self.calibrate)
            if self.calibrate is not None
            else (CALIBRATE_TO_OFFICIAL_BY_DEFAULT and not self.from_spec)
        )
        targets: list[dict[str, Any] | None] = []
        for s in specs:
            if self.calibrate_wltp_km is not None:
                targets.append({"wltp_range_km": self.calibrate_wltp_km, "source": "stated"})
            elif to_official and s.official.wltp_range_km is not None:
                targets.append({"wltp_range_km": s.official.wltp_range_km, "source": "official"})
            else:
                targets.append(None)
        if self.calibrate and len(specs) == 1 and targets[0] is None:
            # asked for, and it cannot take effect: say so rather than answer from the spec
            raise ScenarioError(
                f"calibrate: {specs[0].id} has no official WLTP range to calibrate to; give "
                "calibrate_wltp_km (--calibrate-wltp-km N) for a stated one, or leave it out",
                field="calibrate",
            )
        return targets

    def answer(
        self, specs: Sequence[VehicleSpec], trace: Trace | None = None
    ) -> list[RangeEstimate]:
        """Run the queries in one batch; climate-model inputs join each answer's assumptions.

        Calibrated to the official WLTP range where known, or from the spec, by
        :data:`CALIBRATE_TO_OFFICIAL_BY_DEFAULT` (whichever measures better on held-out
        real-road tests); ``calibrate`` / ``from_spec`` ask for one, ``calibrate_wltp_km`` for
        a stated range: one per-car factor on motor + inverter losses reproduces it and is
        used under every condition.
        """
        targets = self.calibration_targets(specs)
        queries = self.queries(specs, trace)
        c = default_constants()
        to_fit = [i for i, t in enumerate(targets) if t is not None]
        # a calibrated car on a public road runs with the real-road factors fitted for
        # calibrated answers ([real_road] calibrated_*), everything else with the from-spec
        # ones (also a calibrated car with [ranges]: its band is scaled from that answer)
        own = {i for i in to_fit if queries[i].conditions.road == "real"}
        plain_idx = [i for i, s in enumerate(specs) if i not in own or s.ranges]
        own_idx = sorted(own)
        plain = dict(
            zip(plain_idx, estimate_ranges([queries[i] for i in plain_idx]), strict=True)
            if plain_idx
            else {}
        )
        mine = dict(
            zip(
                own_idx,
                estimate_ranges(
                    [queries[i] for i in own_idx], constants=c.for_calibrated_answers()
                ),
                strict=True,
            )
            if own_idx
            else {}
        )
        estimates = [mine[i] if i in own else plain[i] for i in range(len(specs))]
        raw_km = {i: e.range_km for i, e in plain.items()}
        if to_fit:
            wltp = estimate_ranges(wltp_queries([specs[i] for i in to_fit], c))
            for i, w in zip(to_fit, wltp, strict=True):
                target = targets[i]
                assert target is not None
                k = calibration_factor(w, float(target["wltp_range_km"]))
                estimates[i] = calibrate_estimate(estimates[i], k, target)
        for i, (spec, target) in enumerate(zip(specs, targets, strict=True)):
            if target is None and spec.official.wltp_range_km is not None:
                estimates[i].assumptions["calibration"] = (
                    f"from the spec: not calibrated to the official WLTP range "
                    f"{spec.official.wltp_range_km:g} km"
                    + (
                        " (as asked)"
                        if CALIBRATE_TO_OFFICIAL_BY_DEFAULT
                        else " (the default: answers from the spec predict an independent "
                        "tester's held-out 90/120 km/h tests better, 'evtwin validate'; "
                        "--calibrate / calibrate=true for the calibrated answer)"
                    )
                )
            elif target is None:
                estimates[i].assumptions["calibration"] = (
                    "from the spec: no official WLTP range is known for this car "
                    "(calibrate_wltp_km / --calibrate-wltp-km calibrates to a stated one)"
                )
        for i, spec in enumerate(specs):
            if spec.ranges:
                from evtwin.sim.bands import range_band

                band = range_band(
                    spec,
                    lambda variants: self.queries(variants, trace),
                    scale=estimates[i].range_km / raw_km[i],
                )
                estimates[i] = dataclasses.replace(estimates[i], range_km_band=band.to_json())
        if self.road == "test":
            for spec, est in zip(specs, estimates, strict=True):
                p = derive_params(spec, default_constants())
                mass = (
                    f"test mass {p.wltp_test_mass_kg:.0f} kg ({p.basis['wltp_test_mass_kg']})"
                    if self.payload_kg is None
                    else f"kerb mass + payload {self.payload_kg:g} kg as given"
                )
                est.assumptions["road"] = (
                    f"type-approval run: {mass}, the type-approved road load (no real-road "
                    f"factors), {est.conditions['ambient_temp_c']:g} °C, HVAC "
                    f"{'as given' if self.hvac_w or self.uses_climate_model else 'off'}"
                )
        trailer = self.trailer_assumption()
        if trailer is not None:
            for est in estimates:
                est.assumptions["trailer"] = trailer
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
