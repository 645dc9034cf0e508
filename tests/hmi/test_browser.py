"""The central screen in a real browser: Debian Chromium driven by Playwright (PyPI), against a
running twin with its HTTP API, screen and KUKSA gRPC API on free ports.

One browser per module; each test gets a fresh twin and page. Screenshots of every tab, day
and night, go to ``out/screenshots/`` (git-ignored). In CI (``CI`` set) a missing browser or
axe-core fails the run instead of skipping it.
"""

from __future__ import annotations

import os
import re
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from hmi_live import LiveTwin, require_screen_built, start_live_twin

from evtwin.runtime import Charger, DriveLeg
from evtwin.sim.traces import constant_speed

ROOT = Path(__file__).resolve().parents[2]
CHROMIUM = Path(os.environ.get("EVTWIN_CHROMIUM", "/usr/bin/chromium"))
AXE = ROOT / "frontend" / "node_modules" / "axe-core" / "axe.min.js"
SHOTS = ROOT / "out" / "screenshots"
TABS = ("Home", "Navigation", "Climate", "Charging", "Energy", "Drive", "Updates", "Settings")
DRIVER_T = "Vehicle.Cabin.HVAC.Station.Row1.Driver.Temperature"
LAUNCH_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def _missing(what: str) -> None:
    if os.environ.get("CI"):
        pytest.fail(f"{what} is missing: CI must run the browser tests (.ci/run installs it)")
    pytest.skip(f"{what} is missing (dev machine only: CI fails here)")


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    require_screen_built()
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        _missing("the playwright Python package")
    if not CHROMIUM.exists():
        _missing(f"Chromium ({CHROMIUM}; apt-get install chromium)")
    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=str(CHROMIUM), args=LAUNCH_ARGS, headless=True)
        yield b
        b.close()


@pytest.fixture
def live(tmp_path: Path) -> Iterator[LiveTwin]:
    t = start_live_twin(tmp_path / "screen.json", ota_dir=tmp_path / "car")
    try:
        yield t
    finally:
        t.close()


@pytest.fixture
def page(browser: Any, live: LiveTwin) -> Iterator[Any]:
    context = browser.new_context(viewport={"width": 1920, "height": 720})
    pg = context.new_page()
    pg.set_default_timeout(10_000)
    pg.goto(live.url + "/")
    pg.get_by_test_id("soc").filter(has_text="%").wait_for()
    yield pg
    context.close()


def tab(page: Any, name: str) -> None:
    page.get_by_role("tab", name=name, exact=True).click()
    page.get_by_role("tabpanel").wait_for()


def wait_until(predicate: Any, timeout_s: float = 10.0) -> None:
    deadline = time.monotonic() + timeout_s
    while not predicate():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.05)


def test_every_tab_day_and_night_is_accessible_and_photographed(page: Any) -> None:
    if not AXE.is_file():
        _missing(f"axe-core ({AXE}; make frontend runs npm ci)")
    SHOTS.mkdir(parents=True, exist_ok=True)
    names = [page.get_by_role("tab").nth(i).inner_text() for i in range(len(TABS))]
    assert tuple(names) == TABS
    page.get_by_role("tab", name="Home", exact=True).focus()  # keyboard: arrows move along the tabs
    page.keyboard.press("ArrowDown")
    assert page.get_by_role("tab", name="Navigation").get_attribute("aria-selected") == "true"
    page.keyboard.press("End")
    assert page.get_by_role("tab", name="Settings").get_attribute("aria-selected") == "true"
    page.add_script_tag(path=str(AXE))
    problems: list[str] = []
    for theme in ("Day", "Night"):
        tab(page, "Settings")
        page.get_by_role("group", name="Theme").get_by_role("button", name=theme).click()
        page.wait_for_function(f"document.documentElement.dataset.theme === '{theme.lower()}'")
        for name in TABS:
            tab(page, name)
            if name == "Navigation":
                page.locator(
                    ".leaflet-overlay-pane path, .leaflet-overlay-pane canvas"
                ).first.wait_for()
            page.wait_for_timeout(150)
            page.screenshot(path=str(SHOTS / f"{name.lower()}-{theme.lower()}.png"))
            result = page.evaluate("async () => (await axe.run(document)).violations")
            for v in result:
                if v["impact"] in ("serious", "critical"):
                    targets = [n["target"] for n in v["nodes"]][:3]
                    problems.append(f"{theme}/{name}: {v['id']} ({v['impact']}) {targets}")
    assert not problems, "\n".join(problems)


def test_driver_set_point_on_screen_reaches_the_broker_and_warms_the_cabin(
    page: Any, live: LiveTwin
) -> None:
    broker = live.twin.broker
    broker.set_target(
        "Vehicle.Powertrain.TractionBattery.Charging.Plan.IsPreconditioningRequested", True
    )
    tab(page, "Climate")
    cabin_start = broker.get("Vehicle.Cabin.HVAC.AmbientAirTemperature").value  # type: ignore[union-attr]
    shown = page.get_by_test_id("driver-setpoint")
    up = page.get_by_role("button", name="Driver temperature up")
    up.click()  # no target yet: starts from the current set point
    wait_until(lambda: broker.get_target(DRIVER_T) is not None)
    start = float(broker.get_target(DRIVER_T).value)  # type: ignore[union-attr, arg-type]
    for _ in range(5):
        up.click()
    wait_until(lambda: float(broker.get_target(DRIVER_T).value) == start + 2.5)  # type: ignore[union-attr, arg-type]
    shown.filter(has_text=f"{start + 2.5:.1f}").wait_for(timeout=1000)
    assert re.fullmatch(r"\d+\.[05]", shown.inner_text()), shown.inner_text()
    wait_until(
        lambda: broker.get("Vehicle.Cabin.HVAC.AmbientAirTemperature").value > cabin_start + 2,  # type: ignore[union-attr, operator]
        timeout_s=30,
    )
    page.get_by_test_id("cabin-temp").filter(has_text=re.compile(r"\d")).wait_for()
    tab(page, "Energy")  # the heating shows as the climate's power flow out of the pack
    page.get_by_test_id("flow-climate").filter(
        has_text=re.compile(r"^-\d+(\.\d kW| W)$")
    ).wait_for()


def test_values_changed_over_kuksa_change_the_screen(page: Any, live: LiveTwin) -> None:
    from kuksa_client.grpc import Datapoint, VSSClient

    with VSSClient("127.0.0.1", live.grpc.port) as client:
        client.set_target_values({DRIVER_T: Datapoint(19.5)})
        # within 1 s of the change (the bound), whoever made it
        page.get_by_test_id("driver-setpoint").filter(has_text="19.5").wait_for(timeout=1000)
        client.set_target_values(
            {
                "Vehicle.Cabin.HVAC.Station.Row1.Passenger.Temperature": Datapoint(23.0),
                "Vehicle.Cabin.HVAC.IsRecirculationActive": Datapoint(True),
                "Vehicle.Cabin.HVAC.IsFrontDefrosterActive": Datapoint(True),
                "Vehicle.Cabin.Seat.Row1.DriverSide.HeatingCooling": Datapoint(66),
                "Vehicle.Cabin.HVAC.Station.Row1.Driver.FanSpeed": Datapoint(70),
                "Vehicle.Powertrain.TractionBattery.Charging.ChargeLimit": Datapoint(85),
                "Vehicle.TerrainResponse.Mode": Datapoint("SAND"),
            }
        )
    page.get_by_test_id("passenger-setpoint").filter(has_text="23.0").wait_for(timeout=1000)
    strip = page.get_by_role("contentinfo")
    assert strip.get_by_role("button", name="Recirculation").get_attribute("aria-pressed") == "true"
    assert strip.get_by_role("button", name="Front defrost").get_attribute("aria-pressed") == "true"
    strip.get_by_role("button", name="Driver seat: 2").wait_for(timeout=1000)
    assert page.get_by_test_id("fan").inner_text() == "7"
    page.get_by_test_id("mode").filter(has_text="Sand").wait_for(timeout=1000)
    tab(page, "Charging")
    page.get_by_test_id("charge-limit").filter(has_text="85 %").wait_for(timeout=1000)


def test_a_refused_value_shows_its_reason(page: Any, live: LiveTwin) -> None:
    tab(page, "Charging")
    page.get_by_role("button", name="Start charging").click()  # no cable
    alert = page.get_by_test_id("refusal")
    alert.wait_for()
    assert "cable" in alert.inner_text().lower()


def test_charging_power_rises_after_plug_in(page: Any, live: LiveTwin) -> None:
    tab(page, "Charging")
    kw = page.get_by_test_id("charge-kw")
    assert kw.inner_text() == "not plugged in"
    page.get_by_role("button", name="Start charging").click()  # refused: no cable
    why = page.get_by_test_id("not-charging")  # the status signal KUKSA clients read too
    why.filter(has_text="Not charging: no charging cable connected").wait_for()
    live.twin.world.charger = Charger(power_kw=7.4)  # the scenario's plug_in step
    kw.filter(has_text=re.compile(r"\d+\.\d kW")).wait_for()
    why.wait_for(state="detached")
    value = float(kw.inner_text().split()[0])
    assert 3.0 < value < 7.5
    assert page.get_by_test_id("plugged").inner_text() == "connected"
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / "charging-plugged-in-day.png"))


def test_lockout_while_the_car_moves(page: Any, live: LiveTwin) -> None:
    tab(page, "Navigation")
    search = page.get_by_role("searchbox")
    assert search.is_enabled()
    search.fill("Lee")
    page.get_by_role("button", name="Leeds").wait_for()
    live.twin.world.leg = DriveLeg(
        trace=constant_speed(50.0, 600.0), start_s=live.twin.clock.now_s()
    )
    page.get_by_test_id("lockout").wait_for()
    assert not search.is_enabled()
    assert page.get_by_role("list", name="Matching places").count() == 0
    small = page.evaluate(
        """() => [...document.querySelectorAll('button, input, .leaflet-bar a')]
             .filter(e => e.offsetParent !== null)
             .map(e => [e.getAttribute('aria-label') || e.textContent, e.getBoundingClientRect()])
             .filter(([, r]) => r.height < 60 || r.width < 60).map(([n]) => n)"""
    )
    assert small == []
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / "navigation-moving-day.png"))
    tab(page, "Settings")  # the long list of the estimate's assumptions waits for a stop
    assert page.get_by_role("list", name="Assumptions").count() == 0
    page.get_by_text("listed when the car is stopped").wait_for()


def test_destination_search_calls_the_route_api(page: Any, live: LiveTwin) -> None:
    tab(page, "Navigation")
    page.get_by_role("searchbox").fill("Leicest")
    page.get_by_role("button", name="Leicester", exact=True).click()
    coming = page.get_by_test_id("routing-coming")
    plan = page.get_by_test_id("route-plan")
    error = page.get_by_test_id("route-error")
    coming.or_(plan).or_(error).wait_for(timeout=120_000)  # a first plan may build its map
    if plan.count():
        page.get_by_test_id("arrival-soc").filter(has_text="%").wait_for()
        assert page.locator(".leaflet-route-pane path, .leaflet-route-pane canvas").count() > 0
    elif error.count():
        assert error.inner_text().strip()  # the planner's reason, shown on screen
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / "navigation-route-api-day.png"))
    assert "OpenStreetMap contributors" in page.locator(".leaflet-control-attribution").inner_text()
    if not plan.count():
        return
    # guidance: the destination goes to the car as a VSS target; its plan comes back live
    page.get_by_role("button", name="Start guidance").click()
    destination = "Vehicle.Cabin.Infotainment.Navigation.Route.Destination"
    broker = live.twin.broker
    wait_until(lambda: broker.get_target(destination) is not None)
    assert str(broker.get_target(destination).value).startswith("52.6")  # type: ignore[union-attr]
    page.get_by_test_id("guidance-arrival").filter(has_text="%").wait_for(timeout=60_000)
    page.screenshot(path=str(SHOTS / "navigation-guidance-day.png"))
    tab(page, "Home")
    page.get_by_test_id("next-stop").wait_for()
    tab(page, "Navigation")
    page.get_by_role("button", name="End guidance").click()
    page.get_by_test_id("guidance").wait_for(state="detached", timeout=30_000)


def test_an_update_offered_consented_installed_and_a_failing_one_rolled_back(
    page: Any, live: LiveTwin
) -> None:
    tab(page, "Updates")
    live.release("bms-2.1.0.img", "ds-bms-r2", 21)
    state = page.get_by_test_id("ota-state")
    state.filter(has_text="available").wait_for(timeout=15_000)
    assert page.get_by_test_id("ota-version").inner_text() == "bms-2.1.0"
    assert page.get_by_test_id("update-badge").is_visible()
    twin = live.twin
    twin.world.leg = DriveLeg(trace=constant_speed(40.0, 3600.0), start_s=twin.clock.now_s())
    page.get_by_test_id("lockout").wait_for()
    page.get_by_role("button", name="Install now").click()  # consent while driving
    page.get_by_test_id("ota-deferred").wait_for(timeout=20_000)  # downloaded, held back
    assert "park" in page.get_by_test_id("ota-deferred").inner_text().lower()
    twin.world.leg = None  # the driver stops and parks
    state.filter(has_text="succeeded").wait_for(timeout=30_000)
    page.get_by_test_id("ota-success").wait_for()
    live.release("bms-2.2.0.img", "ds-bms-r2", 22, tag="bms 2.2.0 BROKEN")
    state.filter(has_text="available").wait_for(timeout=15_000)
    page.get_by_role("button", name="Install now").click()
    state.filter(has_text="rolled back").wait_for(timeout=20_000)
    page.get_by_test_id("ota-rollback").wait_for()
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / "updates-rolled-back-day.png"))
    assert "rolled back" in page.get_by_test_id("ota-error").inner_text()


def test_settings_sync_between_two_screens_and_survive_a_restart(
    browser: Any, page: Any, live: LiveTwin, tmp_path: Path
) -> None:
    other = browser.new_page(viewport={"width": 1280, "height": 800})
    try:
        other.goto(live.url + "/#Settings")
        other.get_by_test_id("soc").filter(has_text="%").wait_for()
        tab(page, "Settings")
        page.get_by_role("group", name="Distance").get_by_role("button", name="Kilometres").click()
        other.get_by_test_id("range").filter(has_text="km").wait_for()
        SHOTS.mkdir(parents=True, exist_ok=True)
        other.get_by_role("tab", name="Home", exact=True).click()
        other.screenshot(path=str(SHOTS / "home-1280x800.png"))
    finally:
        other.close()
    live.restart_http()
    page.reload()
    page.get_by_test_id("range").filter(has_text="km").wait_for()


def test_backend_restart_shows_reconnecting_and_recovers(page: Any, live: LiveTwin) -> None:
    port = live.api.port
    live.api.stop()
    page.get_by_test_id("reconnecting").wait_for()
    assert "Reconnecting" in page.get_by_test_id("connectivity").inner_text()
    from evtwin.api import start_api_server

    live.api = start_api_server("127.0.0.1", port, screen=live.screen.install)
    page.get_by_test_id("reconnecting").wait_for(state="detached")
    live.twin.broker.set_target(DRIVER_T, 26.5)
    page.get_by_test_id("driver-setpoint").filter(has_text="26.5").wait_for(timeout=1000)


def test_a_planned_route_is_drawn_with_its_stops_and_arrival_band(
    page: Any, live: LiveTwin
) -> None:
    """The route view against the sat nav's JSON (answered here by the browser, so the test
    does not depend on the planner's maps): line, stops, arrival SOC p50 with its p10-p90."""
    import json

    asked: list[str] = []
    plan = {
        "legs": [],
        "stops": [
            {
                "charger_id": "ncr-1",
                "name": "Leicester Forest East",
                "lat": 52.62,
                "lon": -1.2,
                "arrive_soc_pct": 14.2,
                "depart_soc_pct": 71.8,
                "charge_min": 23.4,
                "power_kw": 148.0,
            },
        ],
        "totals": {"distance_km": 231.5, "total_min": 171.0, "charge_min": 23.4},
        "arrival_soc_pct": {"p10": 18.0, "p50": 24.6, "p90": 31.2},
        "assumptions": [],
        "coarse_parts": [],
        "geometry": {"lat": [52.674, 52.62, 53.0, 53.8], "lon": [-0.722, -1.2, -1.4, -1.54]},
    }

    def answer(route: Any) -> None:
        asked.append(route.request.url)
        route.fulfill(status=200, content_type="application/json", body=json.dumps(plan))

    page.route("**/api/v1/route?*", answer)
    tab(page, "Navigation")
    page.get_by_role("searchbox").fill("Leed")
    page.get_by_role("button", name="Leeds").click()
    page.get_by_test_id("route-plan").wait_for()
    lat = live.twin.broker.get("Vehicle.CurrentLocation.Latitude")
    lon = live.twin.broker.get("Vehicle.CurrentLocation.Longitude")
    start = "52.674%2C-0.7223" if lat is None else f"{lat.value}%2C{lon.value}"  # type: ignore[union-attr]
    assert f"from={start}" in asked[0] and "vehicle=defender-sport" in asked[0]
    assert "soc=60" in asked[0]
    assert page.get_by_test_id("arrival-soc").inner_text() == "25 % (18–31 %)"
    stops = page.get_by_role("list", name="Charging stops").inner_text()
    assert "Leicester Forest East" in stops and "14 → 72 %" in stops and "23 min" in stops
    # the route line is drawn after the list: wait for it (a busy machine is slower)
    page.locator(".leaflet-route-pane path, .leaflet-route-pane canvas").first.wait_for()
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / "navigation-route-day.png"))
    tab(page, "Home")  # the next charging stop of the planned trip
    next_stop = page.get_by_test_id("next-stop").inner_text()
    assert "Leicester Forest East" in next_stop and "14 → 72 %" in next_stop


def test_off_peak_charging_with_a_departure_time_is_planned_from_the_screen(
    page: Any, live: LiveTwin
) -> None:
    broker = live.twin.broker
    live.twin.world.charger = Charger(power_kw=7.4)
    tab(page, "Charging")
    page.get_by_role("group", name="When to charge").get_by_role("button", name="Off-peak").click()
    page.get_by_label("Departure time (UTC)").fill("07:30")
    page.get_by_role("button", name="Set departure").click()
    plan = "Vehicle.Powertrain.TractionBattery.Charging.Plan"
    wait_until(lambda: broker.get_target(f"{plan}.ReadyByTime") is not None)
    assert broker.get_target(f"{plan}.Mode").value == "CHEAPEST"  # type: ignore[union-attr]
    assert str(broker.get_target(f"{plan}.ReadyByTime").value).endswith("T07:30:00Z")  # type: ignore[union-attr]
    window = page.locator(".row", has_text="Planned").filter(has_text="→")
    window.wait_for()
    assert re.search(r"\dT\d\d:\d\d:\d\dZ → \d{4}-", window.inner_text())


def test_a_terrain_mode_chosen_on_drive_is_the_broker_target_and_explained(
    page: Any, live: LiveTwin
) -> None:
    broker = live.twin.broker
    tab(page, "Drive")
    page.get_by_role("group", name="Drive mode").get_by_role("button", name="Sand").click()
    wait_until(lambda: broker.get_target("Vehicle.TerrainResponse.Mode") is not None)
    assert broker.get_target("Vehicle.TerrainResponse.Mode").value == "SAND"  # type: ignore[union-attr]
    page.get_by_test_id("mode-description").filter(has_text="Regeneration 15 %").wait_for()
    page.get_by_role("button", name="Towing mode").click()
    wait_until(lambda: broker.get_target("Vehicle.Trailer.IsTowingModeEnabled") is not None)
    assert broker.get_target("Vehicle.Trailer.IsTowingModeEnabled").value is True  # type: ignore[union-attr]
    towing = page.get_by_role("button", name="Towing mode")
    page.wait_for_function(
        "b => b.getAttribute('aria-pressed') === 'true'", arg=towing.element_handle()
    )


KEEP = "Vehicle.Cabin.HVAC.KeepClimate"


def test_climate_strip_shows_the_twins_initial_values(page: Any) -> None:
    # the twin publishes its comfort settings at start: no "--" before anyone touches them
    page.get_by_test_id("passenger-setpoint").filter(has_text="21.0").wait_for(timeout=1000)
    assert page.get_by_test_id("driver-setpoint").inner_text() == "21.0"
    assert page.get_by_test_id("fan").inner_text() == "3"


def test_dog_mode_from_the_screen_holds_the_cabin_and_shows_its_cost(
    page: Any, live: LiveTwin
) -> None:
    broker = live.twin.broker
    tab(page, "Climate")
    page.get_by_test_id("heat-pump").filter(has_text=re.compile(r"\w")).wait_for()
    assert page.get_by_test_id("keep-state").inner_text() == "off"
    page.get_by_role("group", name="Parked mode").get_by_role("button", name="Dog").click()
    wait_until(lambda: getattr(broker.get_target(f"{KEEP}.Mode"), "value", None) == "DOG")
    wait_until(lambda: getattr(broker.get(f"{KEEP}.IsActive"), "value", None) is True)
    banner = page.get_by_test_id("dog-banner")  # visible on every tab for passers-by
    banner.filter(has_text=re.compile(r"My driver will be back soon.*\d+ °C")).wait_for()
    page.get_by_test_id("keep-state").filter(has_text="Dog mode holding the cabin").wait_for()
    # its energy cost: the draw now and the climate model's estimate (kWh/h, hours left)
    page.get_by_test_id("keep-power").filter(has_text=re.compile(r"^\d+(\.\d kW| W)$")).wait_for()
    estimate_w = float(broker.get(f"{KEEP}.EstimatedPower").value)  # type: ignore[union-attr, arg-type]
    assert estimate_w > 250.0  # at least the awake car's own load
    page.get_by_test_id("keep-estimate").filter(
        has_text=f"{estimate_w / 1000:.2f} kWh per hour"
    ).wait_for()
    page.get_by_test_id("keep-left").filter(has_text=re.compile(r"\d+ (h|min).*to 20 %")).wait_for()
    assert float(broker.get("Vehicle.Powertrain.TractionBattery.PowerFlow.Climate").value) < 0  # type: ignore[union-attr, arg-type]
    if AXE.is_file():
        page.add_script_tag(path=str(AXE))
    SHOTS.mkdir(parents=True, exist_ok=True)
    problems: list[str] = []
    for theme in ("Day", "Night"):
        tab(page, "Settings")
        page.get_by_role("group", name="Theme").get_by_role("button", name=theme).click()
        page.wait_for_function(f"document.documentElement.dataset.theme === '{theme.lower()}'")
        tab(page, "Climate")
        page.wait_for_timeout(150)
        page.screenshot(path=str(SHOTS / f"climate-dog-{theme.lower()}.png"))
        if AXE.is_file():
            result = page.evaluate("async () => (await axe.run(document)).violations")
            problems += [
                f"{theme}: {v['id']}" for v in result if v["impact"] in ("serious", "critical")
            ]
    assert not problems, problems
    page.get_by_role("group", name="Parked mode").get_by_role("button", name="Off").click()
    banner.wait_for(state="detached")
    wait_until(lambda: broker.get(f"{KEEP}.IsActive").value is False)  # type: ignore[union-attr]


def test_keep_climate_mode_set_over_kuksa_changes_the_screen(page: Any, live: LiveTwin) -> None:
    from kuksa_client.grpc import Datapoint, VSSClient

    tab(page, "Climate")
    with VSSClient("127.0.0.1", live.grpc.port) as client:
        client.set_target_values({f"{KEEP}.Mode": Datapoint("CAMP")})
    page.get_by_test_id("keep-state").filter(has_text="Camp mode holding the cabin").wait_for(
        timeout=2000
    )
    camp = page.get_by_role("group", name="Parked mode").get_by_role("button", name="Camp")
    assert camp.get_attribute("aria-pressed") == "true"
    assert page.get_by_test_id("dog-banner").count() == 0  # the message is dog mode's


def test_a_bundled_scenario_starts_from_the_drive_tab_and_locks_out_while_moving(
    page: Any, live: LiveTwin
) -> None:
    tab(page, "Drive")
    group = page.get_by_role("group", name="Scenarios")
    group.get_by_role("button", name="Winter commute").wait_for()
    assert group.get_by_role("button").count() == 4  # every bundled scenario
    assert page.get_by_test_id("scenario-status").inner_text() == "No scenario playing."
    group.get_by_role("button", name="Winter commute").click()  # its first step drives (WLTC)
    page.get_by_test_id("scenario-status").filter(
        has_text=re.compile(r"Playing Winter commute: step \d+ of \d+")
    ).wait_for()
    wait_until(lambda: float(live.twin.broker.get("Vehicle.Speed").value) > 0, timeout_s=20)  # type: ignore[union-attr, arg-type]
    page.get_by_test_id("lockout").wait_for()  # moving: the other scenarios are locked out
    assert group.get_by_role("button", name="Green lane").is_disabled()
    page.get_by_role("button", name="Stop scenario").click()
    page.get_by_test_id("scenario-status").filter(has_text="No scenario playing.").wait_for()
