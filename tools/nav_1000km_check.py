"""Plausibility of trip plans against the 1,000 km challenge (driving + charging time per car).

``../shared/data/realworld/trip_1000km_challenge.csv`` records, per car, the total time
(driving plus every charging stop) of one mostly-motorway 1,000 km loop in southern Norway.
The roads differ from anything evtwin can route, so this is a plausibility check, not a
validation: for each catalogue car that appears in the table, evtwin plans a 1,017 km GB
motorway loop (London → Carlisle → London on the bundled skeleton) at the row's average
temperature, starting at 100 %, with modern chargers (synthetic: a 150 kW CCS unit every
~50 km along the route, standing in for Norway's dense fast-charger network; the bundled
2017 NCR list would be far sparser) and prints predicted vs recorded times side by side.

Run: ``.venv/bin/python tools/nav_1000km_check.py PATH/TO/trip_1000km_challenge.csv``.
"""

from __future__ import annotations

import csv
import re
import sys
import tempfile
from pathlib import Path

from evtwin.nav import Router, TripRequest, find_place, plan_trip
from evtwin.nav.chargers import ChargerFilter
from evtwin.nav.roads import haversine_m
from evtwin.vehicles import load_vehicle

CARS = {  # challenge row name -> catalogue id (same model and battery)
    "Kia EV3 LR": "kia-ev3-long-range",
    "Porsche Macan 4": "porsche-macan-4-electric",
    "Ford Explorer": "ford-explorer-er-rwd",
    "Skoda Enyaq iV 80": "skoda-enyaq-iv80",
    "Volvo EX30 RWD ER": "volvo-ex30-single-motor-er",
    "BMW iX1 xDrive30": "bmw-ix1-xdrive30",
}
HEADER = (
    "chargeDeviceID,name,latitude,longitude,deviceNetworks,chargeDeviceStatus,"
    "subscriptionRequired,connector1Type,connector1RatedOutputKW\n"
)


def synthetic_chargers(path: Path) -> None:
    pts = [find_place(p) for p in ("London", "Carlisle", "London")]
    route = Router().route([(p.lat, p.lon) for p in pts])
    rows, last, travelled = [], None, 0.0
    for la, lo in zip(route.lat, route.lon, strict=True):
        if last is not None:
            travelled += float(haversine_m(last[0], last[1], la, lo))
        last = (la, lo)
        if travelled >= 50_000:
            travelled = 0.0
            rows.append(
                f"s{len(rows)},synthetic 150 kW site {len(rows)},{la},{lo},synthetic,"
                "In service,0,Type 2 Combo (IEC62196) DC,150\n"
            )
    path.write_text(HEADER + "".join(rows), encoding="utf-8")


def main(csv_path: str) -> None:
    with open(csv_path, encoding="utf-8") as f:
        rows = [r for r in csv.DictReader(f) if r["Car"] in CARS]
    with tempfile.TemporaryDirectory() as tmp:
        chargers = Path(tmp) / "chargers.csv"
        synthetic_chargers(chargers)
        print(
            f"{'car (challenge row)':24s} {'T avg':>6s} {'recorded h':>10s} {'plan h':>7s} "
            f"{'drive h':>7s} {'charge h':>8s} {'stops':>5s} {'plan/rec':>8s}"
        )
        for r in rows:
            m = re.match(r"(-?\d+)", r["T avg"])
            temp = float(m.group(1)) if m else 10.0
            hh, mm = (int(x) for x in r["Time"].split(":"))
            plan = plan_trip(
                TripRequest(
                    origin="London",
                    destination="London",
                    vias=("Carlisle",),
                    spec=load_vehicle(CARS[r["Car"]]),
                    soc_pct=100.0,
                    temp_c=temp,
                    samples=1,
                    chargers_file=chargers,
                    charger_filter=ChargerFilter(min_power_kw=100.0),
                )
            )
            t = plan["totals"]
            rec = hh + mm / 60
            print(
                f"{r['Car']:24s} {temp:6.0f} {rec:10.2f} {t['total_min'] / 60:7.2f} "
                f"{t['drive_min'] / 60:7.2f} {t['charge_min'] / 60:8.2f} "
                f"{len(plan['stops']):5d} {t['total_min'] / 60 / rec:8.2f}"
            )


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else "../shared/data/realworld/trip_1000km_challenge.csv")
