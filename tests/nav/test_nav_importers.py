"""OCPI 2.2.1 Locations and Open Charge Map JSON as --chargers files."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from evtwin.cli.main import main
from evtwin.errors import NavigationError
from evtwin.nav import ChargerFilter, load_chargers


def _ocpi_location(i: int, lat: float, lon: float, kw: float, status: str = "AVAILABLE") -> Any:
    return {
        "id": f"LOC{i}",
        "name": f"Services {i}",
        "publish": True,
        "coordinates": {"latitude": f"{lat:.6f}", "longitude": f"{lon:.6f}"},
        "operator": {"name": "Fast Network"},
        "evses": [
            {
                "uid": f"E{i}",
                "status": status,
                "connectors": [
                    {
                        "id": "1",
                        "standard": "IEC_62196_T2_COMBO",
                        "power_type": "DC",
                        "max_voltage": 920,
                        "max_amperage": 500,
                        "max_electric_power": kw * 1000,
                    },
                    {
                        "id": "2",
                        "standard": "IEC_62196_T2",
                        "power_type": "AC_3_PHASE",
                        "max_voltage": 400,
                        "max_amperage": 32,
                    },
                ],
            }
        ],
    }


def test_ocpi_locations_are_read_and_filtered(tmp_path: Path) -> None:
    f = tmp_path / "ocpi.json"
    locs = [
        _ocpi_location(1, 52.0, -0.7, 350),
        _ocpi_location(2, 52.1, -0.8, 150, status="OUTOFORDER"),
        _ocpi_location(3, 52.2, -0.9, 22),
    ]
    f.write_text(json.dumps({"data": locs, "status_code": 1000}), encoding="utf-8")
    sites = load_chargers(f, ChargerFilter())
    assert [(s.id, s.power_kw, s.network) for s in sites] == [("LOC1", 350.0, "Fast Network")]
    ac = load_chargers(f, ChargerFilter(connector="type2", min_power_kw=11))
    assert {s.id for s in ac} == {"LOC1", "LOC3"}  # 400 V x 32 A = 12.8 kW
    assert ac[0].power_kw == pytest.approx(12.8)


def test_open_charge_map_pois_are_read_and_filtered(tmp_path: Path) -> None:
    f = tmp_path / "ocm.json"
    pois = [
        {
            "ID": 7,
            "AddressInfo": {"Title": "Hub", "Latitude": 52.3, "Longitude": -1.0},
            "OperatorInfo": {"Title": "Hub Co"},
            "StatusType": {"IsOperational": True},
            "UsageType": {"IsMembershipRequired": False},
            "Connections": [{"ConnectionTypeID": 33, "PowerKW": 150}],
        },
        {
            "ID": 8,
            "AddressInfo": {"Title": "Members only", "Latitude": 52.4, "Longitude": -1.1},
            "UsageType": {"IsMembershipRequired": True},
            "Connections": [{"ConnectionTypeID": 33, "PowerKW": 150}],
        },
    ]
    f.write_text(json.dumps(pois), encoding="utf-8")
    sites = load_chargers(f, ChargerFilter())
    assert [(s.id, s.name, s.power_kw) for s in sites] == [("ocm-7", "Hub", 150.0)]


def test_unrecognised_json_is_a_clear_error(tmp_path: Path) -> None:
    f = tmp_path / "x.json"
    f.write_text(json.dumps([{"foo": 1}]), encoding="utf-8")
    with pytest.raises(NavigationError, match=r"neither OCPI 2\.2\.1 Locations"):
        load_chargers(f, ChargerFilter())
    f.write_text("{not json", encoding="utf-8")
    with pytest.raises(NavigationError, match="cannot read charger file"):
        load_chargers(f, ChargerFilter())
    f.write_text(json.dumps([{"coordinates": {"latitude": "north", "longitude": "0"}}]))
    with pytest.raises(NavigationError, match="not a number"):
        load_chargers(f, ChargerFilter())


def test_a_plan_uses_todays_chargers_from_an_ocpi_file(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # 350 kW units every ~0.5 degrees of latitude along the M1/M6/M74 corridor
    corridor = [
        (52.2, -0.9),
        (52.6, -1.3),
        (53.1, -2.3),
        (53.6, -2.6),
        (54.1, -2.75),
        (54.6, -2.8),
        (55.1, -3.3),
        (55.5, -3.7),
    ]
    f = tmp_path / "today.json"
    f.write_text(
        json.dumps([_ocpi_location(i, la, lo, 350) for i, (la, lo) in enumerate(corridor)]),
        encoding="utf-8",
    )
    argv = [
        "route",
        "London",
        "Edinburgh",
        "--vehicle",
        "defender-sport",
        "--soc",
        "90",
        "--samples",
        "1",
        "--json",
    ]
    assert main([*argv, "--chargers", str(f)]) == 0
    today = json.loads(capsys.readouterr().out)
    assert main(argv) == 0
    old = json.loads(capsys.readouterr().out)
    assert today["stops"] and all(s["charger_id"].startswith("LOC") for s in today["stops"])
    assert "charger_data" not in today["assumptions"]  # not the 2017 list
    assert today["totals"]["charge_min"] < old["totals"]["charge_min"] / 2
