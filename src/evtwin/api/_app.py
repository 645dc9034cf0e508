"""The FastAPI application: versioned JSON endpoints over the same objects as the CLI.

Every endpoint returns exactly the documented ``--json`` object of the matching command
(see ``docs/api.md``); estimates stay flagged (``profile: "estimate"``, price ``basis``,
grant ``status: "unknown"``, the eVED ``status: "proposal"``).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from importlib import resources
from typing import Annotated, Any, Final, Literal

from fastapi import Depends, FastAPI, Path, Query
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse, Response

from evtwin import __version__
from evtwin.api._charge import (
    DEFAULT_DC_KW,
    DEFAULT_PLUG_IN,
    DEFAULT_TARIFF,
    ChargeQuestion,
    charge_json,
)
from evtwin.api._docs import install_local_docs
from evtwin.api._errors import ERROR_RESPONSES, install_error_handlers
from evtwin.api._plots import cost_plot_png, range_plot_png
from evtwin.api._reports import (
    CostParams,
    RangeRequest,
    cost_json,
    range_all_json,
    range_json,
    vehicles_json,
)
from evtwin.api._route import router as route_router
from evtwin.api._strict import reject_unknown_query
from evtwin.charging import bundled_chargers, list_tariffs
from evtwin.ownership import default_rivals
from evtwin.sim.traces import CYCLES

__all__ = ["API_PREFIX", "create_app"]

API_PREFIX: Final = "/api/v1"

_VEHICLE = Annotated[
    str,
    Path(
        description="catalogue id (see /api/v1/vehicles)",
        examples=["defender-sport"],
        max_length=100,
    ),
]


def _q(description: str, **kw: Any) -> Any:
    """A documented query parameter (numbers pass ``allow_inf_nan=False``: NaN/inf is a 422)."""
    return Query(description=description, **kw)


def range_params(
    cycle: Annotated[
        str | None,
        _q(
            f"drive cycle, default wltc (one of: {', '.join(sorted(CYCLES))})",
            max_length=40,
            json_schema_extra={"enum": sorted(CYCLES)},
        ),
    ] = None,
    speed_kph: Annotated[
        float | None, _q("constant speed instead of a cycle, km/h (1..250)", allow_inf_nan=False)
    ] = None,
    temp_c: Annotated[float | None, _q("ambient temperature, °C", allow_inf_nan=False)] = None,
    payload_kg: Annotated[
        float | None, _q("load beyond the driver, kg", allow_inf_nan=False)
    ] = None,
    trailer_kg: Annotated[float | None, _q("trailer mass, kg", allow_inf_nan=False)] = None,
    trailer_cda_m2: Annotated[
        float | None,
        _q(
            "trailer extra drag area Cd*A, m², overriding the trailer kind's",
            allow_inf_nan=False,
        ),
    ] = None,
    trailer: Annotated[
        str | None,
        _q(
            "trailer kind (caravan, box, car): drag area, tyres and typical mass; caravan "
            "when only trailer_kg is given",
            max_length=20,
            json_schema_extra={"enum": ["box", "car", "caravan"]},
        ),
    ] = None,
    hvac_w: Annotated[
        float | None, _q("constant HVAC electric load, W", allow_inf_nan=False)
    ] = None,
    headwind_kph: Annotated[
        float | None, _q("headwind, km/h (negative: tailwind)", allow_inf_nan=False)
    ] = None,
    altitude_m: Annotated[float | None, _q("altitude, m", allow_inf_nan=False)] = None,
    road: Annotated[
        Literal["real", "test"] | None,
        _q("real: public-road rolling/drag factors (default); test: type-approval road load"),
    ] = None,
    cabin_temp_c: Annotated[
        float | None,
        _q(
            "cabin set point, °C: the climate model computes the HVAC load per car",
            allow_inf_nan=False,
        ),
    ] = None,
    heat_pump: Annotated[
        bool | None,
        _q("with cabin_temp_c: force the heat pump on/off (default: the car's spec)"),
    ] = None,
    seat_heat: Annotated[
        bool | None, _q("driver's seat and steering-wheel heating on (climate model)")
    ] = None,
    no_hvac: Annotated[
        bool | None,
        _q(
            "cabin climate off (default: cabin heated/cooled to 21 °C when temp_c is outside "
            "15-25 °C); the CLI's --no-hvac"
        ),
    ] = None,
    from_spec: Annotated[
        bool | None,
        _q("the answer from the spec alone, not calibrated to the official WLTP range"),
    ] = None,
    calibrate: Annotated[
        bool | None,
        _q(
            "calibrate to the car's official WLTP range (one per-car factor on motor + "
            "inverter losses; the default where known, see evtwin validate)"
        ),
    ] = None,
    calibrate_wltp_km: Annotated[
        float | None,
        _q(
            "calibrate to this WLTP range, km (instead of the official figure)", allow_inf_nan=False
        ),
    ] = None,
) -> RangeRequest:
    """No parameter: the WLTP procedure. Any parameter: your conditions (kerb mass + payload)."""
    return RangeRequest(
        cycle=cycle,
        speed_kph=speed_kph,
        temp_c=temp_c,
        payload_kg=payload_kg,
        trailer_kg=trailer_kg,
        trailer_cda_m2=trailer_cda_m2,
        trailer=trailer,
        hvac_w=hvac_w,
        headwind_kph=headwind_kph,
        altitude_m=altitude_m,
        road=road,
        cabin_temp_c=cabin_temp_c,
        heat_pump=heat_pump,
        seat_heat=seat_heat,
        no_hvac=no_hvac,
        from_spec=from_spec,
        calibrate=calibrate,
        calibrate_wltp_km=calibrate_wltp_km,
    )


def cost_params(
    vs: Annotated[
        list[str] | None, _q("rival vehicle id (repeat for several)", max_length=100)
    ] = None,
    rivals: Annotated[
        bool, _q(f"also compare with the default rivals ({', '.join(default_rivals())})")
    ] = False,
    registered: Annotated[
        dt.date | None, _q("first registration, YYYY-MM-DD (default 2027-03-01)")
    ] = None,
    years: Annotated[int | None, _q("ownership period, years (1..15, default 4)")] = None,
    miles_per_year: Annotated[
        float | None, _q("annual mileage, mi (default 9,000)", allow_inf_nan=False)
    ] = None,
    home_share: Annotated[
        float | None, _q("share of energy charged at home, 0..1 (default 0.8)", allow_inf_nan=False)
    ] = None,
    motorway_share: Annotated[
        float | None, _q("share of miles on motorways, 0..1 (default 0.2)", allow_inf_nan=False)
    ] = None,
    home_tariff: Annotated[
        str | None, _q("home tariff id (default price-cap)", max_length=60)
    ] = None,
    public_tariff: Annotated[
        str | None, _q("public tariff id (default public-rapid)", max_length=60)
    ] = None,
    hvac: Annotated[
        bool, _q("include the cabin climate, climate-model HVAC load (false = the CLI's --no-hvac)")
    ] = True,
    price_gbp: Annotated[
        float | None, _q("price of VEHICLE, £ (overrides the data)", allow_inf_nan=False)
    ] = None,
    residual_percent: Annotated[
        float | None, _q("residual value after the period, % of price", allow_inf_nan=False)
    ] = None,
    insurance_gbp_per_year: Annotated[
        float | None, _q("insurance, £ per year (CLI: --insurance-gbp)", allow_inf_nan=False)
    ] = None,
    servicing_gbp_per_year: Annotated[
        float | None, _q("servicing, £ per year (CLI: --servicing-gbp)", allow_inf_nan=False)
    ] = None,
) -> CostParams:
    """The ``evtwin cost`` options; missing = the documented default."""
    return CostParams(
        vs=tuple(vs or ()),
        rivals=rivals,
        registered=registered,
        years=years,
        miles_per_year=miles_per_year,
        home_share=home_share,
        motorway_share=motorway_share,
        home_tariff=home_tariff,
        public_tariff=public_tariff,
        hvac=hvac,
        price_gbp=price_gbp,
        residual_percent=residual_percent,
        insurance_gbp_per_year=insurance_gbp_per_year,
        servicing_gbp_per_year=servicing_gbp_per_year,
    )


def charge_params(
    from_percent: Annotated[
        float, _q("start state of charge, % (CLI: --from)", allow_inf_nan=False)
    ] = 10.0,
    to_percent: Annotated[
        float, _q("end state of charge, % (CLI: --to)", allow_inf_nan=False)
    ] = 80.0,
    charger_kw: Annotated[
        float | None,
        _q(
            f"DC charger power, kW (default {DEFAULT_DC_KW:g}; not with ac_kw or charger)",
            allow_inf_nan=False,
        ),
    ] = None,
    ac_kw: Annotated[
        float | None,
        _q("AC supply, kW (single-phase up to 7.4, three-phase above)", allow_inf_nan=False),
    ] = None,
    charger: Annotated[
        str | None,
        _q(
            "a bundled charger class (one of: " + ", ".join(sorted(bundled_chargers())) + ")",
            max_length=40,
        ),
    ] = None,
    charger_voltage_v: Annotated[
        int, _q("DC charger voltage class: 400 (500 V max) or 800 (920 V max)")
    ] = 800,
    battery_temp_c: Annotated[
        float, _q("pack temperature on arrival, °C (cold-soaked = ambient)", allow_inf_nan=False)
    ] = 25.0,
    ambient_temp_c: Annotated[
        float | None, _q("ambient temperature, °C (default: the pack's)", allow_inf_nan=False)
    ] = None,
    precondition: Annotated[
        bool, _q("heat the pack before arrival (DC), energy from the battery")
    ] = False,
    price_p_per_kwh: Annotated[
        float | None,
        _q(
            "price at the plug, p/kWh (default: UK average for the charger type)",
            allow_inf_nan=False,
        ),
    ] = None,
    depart: Annotated[
        str | None, _q("departure HH:MM: plan the cheapest AC schedule instead", max_length=10)
    ] = None,
    plug_in: Annotated[
        str, _q(f"plug-in time HH:MM (default {DEFAULT_PLUG_IN})", max_length=10)
    ] = DEFAULT_PLUG_IN,
    tariff: Annotated[
        str,
        _q(
            f"time-of-use tariff for depart (default {DEFAULT_TARIFF}; one of: "
            + ", ".join(list_tariffs())
            + ")",
            max_length=60,
        ),
    ] = DEFAULT_TARIFF,
    limit_percent: Annotated[
        float, _q("the car's charge limit, % (CLI: --limit)", allow_inf_nan=False)
    ] = 100.0,
) -> ChargeQuestion:
    """The ``evtwin charge`` options; missing = the CLI's default."""
    return ChargeQuestion(
        from_percent=from_percent,
        to_percent=to_percent,
        charger_kw=charger_kw,
        ac_kw=ac_kw,
        charger=charger,
        charger_voltage_v=charger_voltage_v,
        battery_temp_c=battery_temp_c,
        ambient_temp_c=ambient_temp_c,
        precondition=precondition,
        price_p_per_kwh=price_p_per_kwh,
        depart=depart,
        plug_in=plug_in,
        tariff=tariff,
        limit_percent=limit_percent,
    )


_PNG: Final[dict[int | str, dict[str, Any]]] = {
    200: {"content": {"image/png": {}}, "description": "a PNG chart"},
    **ERROR_RESPONSES,
}


def _index_html() -> str:
    return (resources.files("evtwin.api") / "static" / "index.html").read_text(encoding="utf-8")


def create_app(screen: Callable[[FastAPI], None] | None = None) -> FastAPI:
    """The evtwin HTTP API (``/api/v1``), its OpenAPI docs (``/api/docs``), the static report
    (``/report``) and, with ``screen`` (e.g. ``evtwin.hmi.Screen(...).install``), the central
    screen at ``/``; without one ``/`` redirects to the report.

    Stateless: every request is answered from the bundled data and the physics engine, so
    one app can serve any number of clients (uvicorn runs it; tests use TestClient).
    """
    app = FastAPI(
        title="evtwin API",
        version=__version__,
        summary="Range, consumption, charging and cost of ownership of the Defender Sport (an "
        "ESTIMATED profile) and its rivals (sourced data); the objects of the CLI's --json output.",
        docs_url=None,  # served below with local assets (no CDN: the page works offline)
        redoc_url=None,
        openapi_url="/api/openapi.json",
        dependencies=[Depends(reject_unknown_query)],
    )
    install_error_handlers(app)
    app.include_router(route_router)  # sat nav: GET /api/v1/route (api/_route.py)

    @app.get(f"{API_PREFIX}/health", tags=["service"])
    def health() -> dict[str, str]:
        """Liveness: ``{"status": "ok", "version", "api": "v1"}``."""
        return {"status": "ok", "version": __version__, "api": "v1"}

    @app.get(f"{API_PREFIX}/vehicles", tags=["vehicles"], response_model=None)
    def vehicles() -> JSONResponse:
        """The catalogue: the ``evtwin vehicles --json`` array."""
        return JSONResponse(vehicles_json())

    @app.get(f"{API_PREFIX}/range", tags=["range"], responses=ERROR_RESPONSES)
    def range_all(params: Annotated[RangeRequest, Depends(range_params)]) -> JSONResponse:
        """Every catalogue vehicle: the ``evtwin range --all --json`` array."""
        return JSONResponse(range_all_json(params))

    @app.get(f"{API_PREFIX}/range/{{vehicle}}", tags=["range"], responses=ERROR_RESPONSES)
    def range_one(
        vehicle: _VEHICLE, params: Annotated[RangeRequest, Depends(range_params)]
    ) -> JSONResponse:
        """Range and consumption: the ``evtwin range VEHICLE --json`` object (WLTP by
        default; any condition switches to your conditions)."""
        return JSONResponse(range_json(vehicle, params))

    @app.get(
        f"{API_PREFIX}/range/{{vehicle}}/plot.png",
        tags=["range"],
        responses=_PNG,
        response_class=Response,
    )
    def range_plot(
        vehicle: _VEHICLE, params: Annotated[RangeRequest, Depends(range_params)]
    ) -> Response:
        """``evtwin range VEHICLE --plot``: range vs constant speed at five temperatures
        (cycle, speed_kph and temp_c are swept by the chart, so unused)."""
        return Response(range_plot_png(vehicle, params), media_type="image/png")

    @app.get(f"{API_PREFIX}/cost/{{vehicle}}", tags=["cost"], responses=ERROR_RESPONSES)
    def cost(
        vehicle: _VEHICLE, params: Annotated[CostParams, Depends(cost_params)]
    ) -> JSONResponse:
        """Price, UK grant, VED, energy, pence per mile and TCO: the ``evtwin cost VEHICLE
        --json`` object (from ``evtwin.ownership.cost_report_json``)."""
        return JSONResponse(cost_json(vehicle, params))

    @app.get(
        f"{API_PREFIX}/cost/{{vehicle}}/plot.png",
        tags=["cost"],
        responses=_PNG,
        response_class=Response,
    )
    def cost_plot(
        vehicle: _VEHICLE, params: Annotated[CostParams, Depends(cost_params)]
    ) -> Response:
        """``evtwin cost VEHICLE --plot``: the TCO bar chart against the rivals."""
        return Response(cost_plot_png(vehicle, params), media_type="image/png")

    @app.get(f"{API_PREFIX}/charge/{{vehicle}}", tags=["charge"], responses=ERROR_RESPONSES)
    def charge(
        vehicle: _VEHICLE, params: Annotated[ChargeQuestion, Depends(charge_params)]
    ) -> JSONResponse:
        """A DC or AC charge session (minutes, energy from the grid, at the plug and into the
        battery, losses, cost, binding limits), or with ``depart`` the cheapest overnight AC
        plan: the ``evtwin charge VEHICLE --json`` object."""
        return JSONResponse(charge_json(vehicle, params))

    install_local_docs(app, docs_url="/api/docs", openapi_url="/api/openapi.json")

    @app.get("/report", include_in_schema=False)
    def index() -> HTMLResponse:
        return HTMLResponse(_index_html())

    if screen is not None:
        screen(app)
    else:
        app.add_api_route("/", lambda: RedirectResponse("/report"), include_in_schema=False)

    return app
