"""The fleet page and campaign status over real HTTP: a small simulated fleet
(``evtwin fleet simulate --telemetry-db``) served by ``evtwin fleet serve`` (a subprocess on a
free port), read by the API and by Debian Chromium (Playwright, as in tests/hmi).

The page's numbers must be the API's; axe-core must find no serious or critical violation.
The screenshot goes to ``out/screenshots/fleet.png`` (git-ignored). In CI (``CI`` set) a
missing browser, axe-core or built front end fails the run instead of skipping it.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from .conftest import free_port

ROOT = Path(__file__).resolve().parents[2]
EVTWIN = [sys.executable, "-m", "evtwin"]
CHROMIUM = Path(os.environ.get("EVTWIN_CHROMIUM", "/usr/bin/chromium"))
AXE = ROOT / "frontend" / "node_modules" / "axe-core" / "axe.min.js"
PAGE = ROOT / "src" / "evtwin" / "hmi" / "static" / "fleet.html"
SHOTS = ROOT / "out" / "screenshots"
LAUNCH_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
CARS, DAYS, SEED = 24, 2, 11
GROUP = "SALDS2027F000001"  # cars 10..19


def _missing(what: str) -> None:
    if os.environ.get("CI"):
        pytest.fail(f"{what} is missing: CI must run the browser tests (.ci/run installs it)")
    pytest.skip(f"{what} is missing (dev machine only: CI fails here)")


@dataclass
class Served:
    url: str
    sim: dict[str, Any]

    def get(self, path: str) -> Any:
        with urllib.request.urlopen(self.url + path, timeout=10) as r:
            return json.loads(r.read())


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Served]:
    d = tmp_path_factory.mktemp("fleetpage")
    db = d / "telemetry.sqlite"
    sim_args = ["--seed", str(SEED), "--telemetry-db", str(db), "--json"]
    campaigns = ["--campaign", "spring-27:2.0.0", "--campaign", f"pilot:2.0.0:{GROUP}"]
    campaigns += ["--campaign", "next:2.1.0"]
    sim = subprocess.run(
        [*EVTWIN, "fleet", "simulate", "--cars", str(CARS), "--days", str(DAYS), *sim_args],
        capture_output=True,
        text=True,
        timeout=300,
        check=True,
    )
    port = free_port()
    proc = subprocess.Popen(
        [*EVTWIN, "fleet", "serve", "--port", str(port), "--db", str(db), *campaigns],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        end = time.monotonic() + 60
        while True:
            try:
                urllib.request.urlopen(url + "/api/v1/fleet/health", timeout=2).close()
                break
            except OSError:
                if proc.poll() is not None or time.monotonic() > end:
                    err = proc.stderr.read().decode() if proc.stderr else ""
                    raise RuntimeError(f"evtwin fleet serve did not start: {err}") from None
                time.sleep(0.2)
        yield Served(url, json.loads(sim.stdout))
    finally:
        proc.terminate()
        proc.wait(timeout=10)


def test_campaign_status_over_http_agrees_with_the_simulation(served: Served) -> None:
    sim = served.sim
    body = served.get("/api/v1/fleet/campaigns")
    whole, pilot, nxt = body["campaigns"]
    assert nxt["status"] == "not started" and nxt["on_target"] == 0 and nxt["adoption"] == []
    assert nxt["not_on_target"] == nxt["cars"] == CARS
    assert whole["id"] == "spring-27" and whole["target_version"] == "2.0.0"
    assert whole["cars"] == CARS
    assert whole["on_target"] == sim["software_versions"]["2.0.0"] == sim["updates"]["succeeded"]
    assert whole["not_on_target"] == CARS - whole["on_target"]
    assert whole["versions"] == {v: n for v, n in sim["software_versions"].items() if n}
    expected = {0: "not started", CARS: "complete"}.get(whole["on_target"], "in progress")
    assert whole["status"] == expected
    assert whole["adoption"][-1]["cars_reached_target"] == whole["on_target"]  # no rollbacks here
    days = [a["day_start_s"] for a in whole["adoption"]]
    assert days == sorted(days) and all(d % 86400 == 0 for d in days)
    # the pilot group: cars 10..19 only, the same answer as the software census for the group
    assert pilot["group"] == [GROUP] and pilot["cars"] == 10
    census = served.get(f"/api/v1/fleet/software?vin_prefix={GROUP}&target_version=2.0.0")
    assert pilot["on_target"] == census["on_target"]
    assert pilot["on_target_share"] == census["on_target_share"]
    # histograms: every car with distance is in exactly one bin, edges span the percentiles
    cons = served.get("/api/v1/fleet/consumption")
    for key in ("consumption_wh_per_km", "range_km"):
        h = cons["histogram"][key]
        assert sum(h["counts"]) == cons["cars_with_distance"]
        assert 0 < cons["cars_with_distance"] <= cons["cars_reporting"] == CARS
        assert len(h["edges"]) == len(h["counts"]) + 1
        assert h["edges"][0] <= cons[key]["p10"] <= cons[key]["p90"] <= h["edges"][-1]


def test_bad_campaign_is_a_clear_error() -> None:
    r = subprocess.run(
        [*EVTWIN, "fleet", "serve", "--db", "x.sqlite", "--campaign", "only-an-id"],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert r.returncode == 2
    assert "evtwin: error: campaign must be ID:TARGET" in r.stderr
    assert "Traceback" not in r.stderr


def test_fleet_page_is_served_with_local_assets(served: Served) -> None:
    if not PAGE.is_file():
        _missing("the built front end (make frontend)")
    with urllib.request.urlopen(served.url + "/", timeout=10) as r:
        html = r.read().decode()
    assert "<title>evtwin — fleet</title>" in html
    assets = re.findall(r'(?:src|href)="([^"]+)"', html)
    assert assets and all(a.startswith("/screen/assets/") for a in assets), assets
    for a in assets:
        with urllib.request.urlopen(served.url + a, timeout=10) as r:
            assert r.status == 200
    with pytest.raises(urllib.error.HTTPError) as e:
        urllib.request.urlopen(served.url + "/screen/assets/nope.js", timeout=10)
    assert e.value.code == 404


def test_fleet_page_in_a_browser_shows_the_api_numbers_and_is_accessible(
    served: Served,
) -> None:
    if not PAGE.is_file():
        _missing("the built front end (make frontend)")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        _missing("the playwright Python package")
    if not CHROMIUM.exists():
        _missing(f"Chromium ({CHROMIUM}; apt-get install chromium)")
    if not AXE.is_file():
        _missing(f"axe-core ({AXE}; make frontend runs npm ci)")
    api = {
        k: served.get(f"/api/v1/fleet/{k}")
        for k in ("consumption", "charging", "software", "campaigns")
    }
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), args=LAUNCH_ARGS, headless=True)
        try:
            page = browser.new_page(viewport={"width": 1280, "height": 800})
            page.set_default_timeout(15_000)
            page.goto(served.url + "/")
            page.locator(".fleet-page[data-ready=yes]").wait_for()
            assert page.get_by_test_id("fleet-size").inner_text() == str(api["software"]["cars"])
            assert page.get_by_test_id("charging-sessions").inner_text() == str(
                api["charging"]["sessions"]
            )
            assert api["charging"]["sessions"] == served.sim["charging_sessions"]
            p50 = page.get_by_test_id("stats-consumption").locator("[data-k=p50]").inner_text()
            assert float(p50.replace(",", "")) == api["consumption"]["consumption_wh_per_km"]["p50"]
            for v, n in api["software"]["versions"].items():
                row = page.get_by_test_id(f"version-{v}")
                assert row.locator("[data-k=cars]").inner_text() == str(n)
            for c in api["campaigns"]["campaigns"]:
                card = page.get_by_test_id(f"campaign-{c['id']}")
                assert card.get_by_test_id("campaign-status").inner_text() == c["status"]
                assert card.get_by_test_id("campaign-on-target").inner_text() == str(c["on_target"])
                assert card.get_by_test_id("campaign-cars").inner_text() == str(c["cars"])
                bar = card.get_by_role("progressbar")
                assert bar.get_attribute("value") == str(c["on_target"])
            for name in ("Consumption per car", "Range per car"):
                assert page.get_by_role("img", name=name).count() == 1
            # keyboard: Tab reaches the refresh button, Enter reloads the numbers
            page.keyboard.press("Tab")
            assert page.evaluate("document.activeElement.textContent") == "Refresh"
            page.keyboard.press("Enter")
            page.get_by_role("button", name="Refresh").wait_for()
            SHOTS.mkdir(parents=True, exist_ok=True)
            page.screenshot(path=str(SHOTS / "fleet.png"), full_page=True)
            page.add_script_tag(path=str(AXE))
            violations = page.evaluate("async () => (await axe.run(document)).violations")
            bad = [
                f"{v['id']} ({v['impact']}) {[n['target'] for n in v['nodes']][:3]}"
                for v in violations
                if v["impact"] in ("serious", "critical")
            ]
            assert not bad, "\n".join(bad)
        finally:
            browser.close()
