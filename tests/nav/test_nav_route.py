"""``evtwin route`` end to end on the embedded data: plan shape, bands, confidence, errors."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from evtwin.cli.main import main
from evtwin.nav.energy import speed_bin
from evtwin.sim.request import RangeRequest
from evtwin.vehicles import load_vehicle

STOP_KEYS = {
    "charger_id",
    "name",
    "lat",
    "lon",
    "arrive_soc_pct",
    "depart_soc_pct",
    "charge_min",
    "power_kw",
}


def route_json(capsys: pytest.CaptureFixture[str], *argv: str) -> Any:
    assert main(["route", *argv, "--json"]) == 0, capsys.readouterr().err
    return json.loads(capsys.readouterr().out)


@pytest.fixture(scope="module")
def london_edinburgh() -> dict[str, Any]:
    from evtwin.nav import TripRequest, plan_trip

    spec = load_vehicle("defender-sport")
    return plan_trip(TripRequest(origin="London", destination="Edinburgh", spec=spec, soc_pct=90))


def test_london_to_edinburgh_has_the_documented_shape(london_edinburgh: dict[str, Any]) -> None:
    plan = london_edinburgh
    assert plan["stops"], "a 700 km trip needs charging on a ~90 kWh battery"
    for stop in plan["stops"]:
        assert set(stop) >= STOP_KEYS
        assert stop["arrive_soc_pct"] >= 10.0 - 1e-9
        assert stop["depart_soc_pct"] > stop["arrive_soc_pct"]
        assert stop["charge_min"] > 0
    t = plan["totals"]
    assert {"distance_km", "drive_min", "charge_min", "total_min"} <= set(t)
    assert t["total_min"] == pytest.approx(
        t["drive_min"] + t["charge_min"] + t["stop_overhead_min"], abs=0.2
    )
    assert 650 < t["distance_km"] < 800
    assert t["charge_min"] == pytest.approx(sum(s["charge_min"] for s in plan["stops"]), abs=0.5)
    band = plan["arrival_soc_pct"]
    assert band["p10"] < band["p50"] < band["p90"]
    assert band["p50"] >= 9.0
    assert [c["what"] for c in plan["coarse_parts"]] == ["start to road", "road to destination"]
    assert "2017" in plan["assumptions"]["charger_data"]
    # the Defender Sport is an 800 V car; the 2017 units are 50 kW, 400 V class: said so
    assert "800 V car on 400 V-class units" in plan["assumptions"]["voltage"]
    assert all(0 < s["peak_charge_kw"] <= s["power_kw"] + 1e-6 for s in plan["stops"])
    assert any("OS data" in a for a in plan["attribution"])
    assert any("OpenStreetMap" in a for a in plan["attribution"])
    assert plan["maneuvers"] and plan["maneuvers"][0]["type"] == "depart"
    legs = plan["legs"]
    assert len(legs) == len(plan["stops"]) + 1
    for leg, stop in zip(legs[1:], plan["stops"], strict=True):
        assert leg["depart_soc_pct"] == stop["depart_soc_pct"]


def test_samples_1_collapses_the_band(capsys: pytest.CaptureFixture[str]) -> None:
    plan = route_json(
        capsys, "Oakham", "Uppingham", "--vehicle", "defender-sport", "--samples", "1"
    )
    band = plan["arrival_soc_pct"]
    assert band["p10"] == band["p50"] == band["p90"]
    assert plan["stops"] == [] and plan["coarse_parts"] == []
    assert plan["map"].startswith("rutland")


def test_confidence_changes_the_plan_when_it_must(london_edinburgh: dict[str, Any]) -> None:
    from evtwin.nav import TripRequest, plan_trip

    spec = load_vehicle("defender-sport")
    sure = plan_trip(
        TripRequest(origin="London", destination="Edinburgh", spec=spec, soc_pct=90, confidence=0.9)
    )
    assert london_edinburgh["arrival_soc_pct"]["p10"] < 10.0  # the 50 % plan is not sure
    # the 90 % plan is (P10 ≈ the minimum; the plan's normal approximation per leg puts it
    # within a point: 9.4 % with the 5.2 % model spread measured 2026-12-08, the 50 % plan 1.4 %)
    assert sure["arrival_soc_pct"]["p10"] >= 9.0
    assert sure["totals"]["charge_min"] > london_edinburgh["totals"]["charge_min"]


def test_cold_plan_energy_rises_like_evtwin_range(london_edinburgh: dict[str, Any]) -> None:
    from evtwin.nav import TripRequest, plan_trip

    spec = load_vehicle("defender-sport")
    cold = plan_trip(
        TripRequest(
            origin="London",
            destination="Edinburgh",
            spec=spec,
            soc_pct=90,
            temp_c=-5.0,
            samples=1,
        )
    )
    # the trip is almost all motorway: compare with evtwin range at motorway cruise speed
    ratio = cold["totals"]["energy_kwh"] / london_edinburgh["totals"]["energy_kwh"]
    kph = float((int(speed_bin(np.array([112.0]))[0]) + 1) * 10)
    # climate off: outside 15-25 °C `evtwin range` heats the cabin by default (issue 13)
    r_cold = RangeRequest(speed_kph=kph, temp_c=-5.0, no_hvac=True).answer([spec])[0]
    r_mild = RangeRequest(speed_kph=kph).answer([spec])[0]
    assert cold["totals"]["distance_km"] == london_edinburgh["totals"]["distance_km"]
    assert ratio == pytest.approx(
        r_cold.consumption_wh_per_km / r_mild.consumption_wh_per_km, rel=0.01
    )
    assert cold["totals"]["charge_min"] >= london_edinburgh["totals"]["charge_min"]


def test_an_impossible_trip_says_what_to_change(capsys: pytest.CaptureFixture[str]) -> None:
    code = main(
        ["route", "London", "Edinburgh", "--vehicle", "defender-sport", "--charger-min-kw", "150"]
    )
    err = capsys.readouterr().err
    assert code == 2
    assert "no plan from London to Edinburgh" in err and "--chargers FILE" in err


def test_unknown_place_and_bad_options_are_clear_errors(
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert main(["route", "Oakham", "Nowhereville", "--vehicle", "defender-sport"]) == 2
    assert "unknown place 'Nowhereville'" in capsys.readouterr().err
    assert main(["route", "Oakham", "Uppingham", "--vehicle", "defender-sport", "--soc", "5"]) == 2
    assert "minimum arrival" in capsys.readouterr().err
    assert (
        main(["route", "Oakham", "Uppingham", "--vehicle", "defender-sport", "--depart", "25:99"])
        == 2
    )
    assert "HH:MM" in capsys.readouterr().err


def test_plot_and_depart_eta(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    png = tmp_path / "trip.png"
    plan = route_json(
        capsys,
        "Oakham",
        "Stamford",
        "--vehicle",
        "defender-sport",
        "--depart",
        "08:30",
        "--samples",
        "50",
        "--plot",
        str(png),
    )
    assert png.stat().st_size > 10_000
    assert plan["eta"]["depart"] == "08:30" and plan["eta"]["arrive"] > "08:30"
    assert plan["maneuvers"][-1]["eta"] >= "08:30"


def test_human_output_names_sources(capsys: pytest.CaptureFixture[str]) -> None:
    argv = ["route", "Oakham", "Uppingham", "--vehicle", "defender-sport", "--depart", "09:00"]
    assert main(argv) == 0
    out = capsys.readouterr().out
    assert "Oakham → Uppingham" in out and "OpenStreetMap contributors" in out
    assert "depart 09:00, arrive 09:0" in out  # ~10 min


def test_local_roads_join_the_motorway_skeleton(capsys: pytest.CaptureFixture[str]) -> None:
    plan = route_json(
        capsys,
        "Oakham",
        "Edinburgh",
        "--vehicle",
        "defender-sport",
        "--soc",
        "90",
        "--samples",
        "1",
    )
    assert plan["map"] == "gb-motorways" and plan["local_maps"][0].startswith("rutland")
    assert plan["coarse_parts"][0]["what"] == "local map edge to motorway"
    first_road = plan["maneuvers"][0]["road"]
    assert first_road and not first_road.startswith(("M", "A1(M)"))  # Oakham's streets
    assert any("local roads" in a for a in plan["attribution"])


def test_a_spec_file_plans_like_its_catalogue_car(capsys: pytest.CaptureFixture[str]) -> None:
    from importlib import resources

    spec = resources.files("evtwin") / "data" / "vehicles" / "kia-ev3-long-range.toml"
    args = ("Oakham", "Stamford", "--samples", "1")
    by_file = route_json(capsys, *args, "--spec", str(spec))
    by_id = route_json(capsys, *args, "--vehicle", "kia-ev3-long-range")
    assert by_file["totals"] == by_id["totals"]
    assert by_file["arrival_soc_pct"] == by_id["arrival_soc_pct"]


def test_a_place_off_every_map_is_a_clear_error(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["route", "London", "0,0", "--vehicle", "defender-sport"]) == 2
    err = capsys.readouterr().err
    assert "0.0000,0.0000 is" in err and "out of its area" in err


def test_maneuver_etas_include_the_charging_stops(london_edinburgh: dict[str, Any]) -> None:
    plan = london_edinburgh
    last = plan["maneuvers"][-1]["eta_min"]
    # the last maneuver comes after every stop: its ETA is past the driving time to it plus
    # all charging, and not after the whole trip
    assert last > plan["totals"]["charge_min"] + 0.8 * plan["totals"]["drive_min"]
    assert last <= plan["totals"]["total_min"] + 0.5
    etas = [m["eta_min"] for m in plan["maneuvers"]]
    assert etas == sorted(etas)
