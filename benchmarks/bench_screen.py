"""Central screen latency: a signal change in the broker → the DOM updated, and first paint.

Starts the twin as ``evtwin up`` does (services stepping at 10 Hz on a 60x clock, the HTTP API
with the screen on a free port), opens the screen in Debian Chromium (Playwright), then:

- first paint of Home: ``first-contentful-paint`` and the time until Home shows live values
  (SOC in the status bar), over fresh browser contexts;
- broker → DOM: sets the driver set point's target in the broker (as a KUKSA Actuate does) and
  timestamps, in the page, the mutation that shows it (``performance.timeOrigin + now()``,
  the same wall clock as Python's ``time.time()`` on this machine).

    .venv/bin/python benchmarks/bench_screen.py [--changes 300] [--loads 8]
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import tempfile
import time
from pathlib import Path

from playwright.sync_api import sync_playwright

from evtwin.api import start_api_server
from evtwin.hmi import SettingsStore, screen_for_twin
from evtwin.runtime import ScaledClock, World, build_twin

DRIVER_T = "Vehicle.Cabin.HVAC.Station.Row1.Driver.Temperature"
ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
FCP = "performance.getEntriesByName('first-contentful-paint')[0]?.startTime ?? NaN"
WATCH = """() => {
  window.__seen = {};
  const el = document.querySelector('[data-testid="driver-setpoint"]');
  new MutationObserver(() => {
    const t = el.textContent;
    if (!(t in window.__seen)) window.__seen[t] = performance.timeOrigin + performance.now();
  }).observe(el, {childList: true, characterData: true, subtree: true});
}"""


def pct(values: list[float], p: float) -> float:
    s = sorted(values)
    return s[min(len(s) - 1, round(p / 100 * (len(s) - 1)))]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--changes", type=int, default=300)
    ap.add_argument("--loads", type=int, default=8)
    args = ap.parse_args()
    speedup, step_real_s = 60.0, 0.1
    twin = build_twin(
        ScaledClock(speedup),
        world=World(ambient_temp_c=5.0),
        step_s=step_real_s * speedup,
        background_reference=True,
    )
    twin.host.step()
    with tempfile.TemporaryDirectory() as tmp:
        screen = screen_for_twin(twin, SettingsStore(Path(tmp) / "s.json"))
        api = start_api_server("127.0.0.1", 0, screen=screen.install)
        twin.host.start(real_step_s=step_real_s)
        try:
            with sync_playwright() as p:
                browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=ARGS)
                fcp: list[float] = []
                live: list[float] = []
                for _ in range(args.loads):
                    ctx = browser.new_context(viewport={"width": 1920, "height": 720})
                    page = ctx.new_page()
                    page.goto(api.url + "/")
                    page.get_by_test_id("soc").filter(has_text="%").wait_for()
                    live.append(page.evaluate("performance.now()"))
                    fcp.append(page.evaluate(FCP))
                    ctx.close()
                ctx = browser.new_context(viewport={"width": 1920, "height": 720})
                page = ctx.new_page()
                page.goto(api.url + "/")
                page.get_by_test_id("driver-setpoint").filter(has_text=".").wait_for()
                page.evaluate(WATCH)
                latencies: list[float] = []
                for i in range(args.changes):
                    value = 15.0 + (i % 26) * 0.5  # 15.0 .. 27.5, every text differs from the last
                    text = f"{value:.1f}"
                    page.evaluate(f"delete window.__seen[{text!r}]")
                    sent = time.time() * 1000
                    twin.broker.set_target(DRIVER_T, value)
                    page.wait_for_function(f"window.__seen[{text!r}] !== undefined", timeout=5000)
                    latencies.append(page.evaluate(f"window.__seen[{text!r}]") - sent)
                    time.sleep(0.02)
                browser.close()
        finally:
            api.stop()
            twin.close()
    load = os.getloadavg()[0]
    print(
        f"machine: {platform.machine()}, {os.cpu_count()} CPUs; python "
        f"{platform.python_version()}; load average {load:.1f} (shared machine)"
    )
    print(f"twin: services at 10 Hz on a x{speedup:g} clock; Debian Chromium headless")
    print(
        f"first paint of Home ({args.loads} loads): FCP median {statistics.median(fcp):.0f} ms, "
        f"max {max(fcp):.0f} ms; live values shown median {statistics.median(live):.0f} ms, "
        f"max {max(live):.0f} ms"
    )
    print(
        f"broker change -> DOM ({args.changes} changes): p50 {pct(latencies, 50):.1f} ms, "
        f"p95 {pct(latencies, 95):.1f} ms, max {max(latencies):.1f} ms"
    )


if __name__ == "__main__":
    main()
