"""Twins calibrate to what is published: one per-car factor on motor + inverter losses
reproduces a known WLTP range and is used under every condition. Whether that is the default
follows the measurement (``CALIBRATE_TO_OFFICIAL_BY_DEFAULT``, checked against ``evtwin
validate`` in tests/validation/test_shipped_fit.py); ``--from-spec`` / ``--calibrate`` ask."""

from __future__ import annotations

import json

import pytest
from fastapi.testclient import TestClient

from evtwin.api import create_app
from evtwin.cli.main import main
from evtwin.errors import ScenarioError
from evtwin.physics.constants import default_constants
from evtwin.sim.range import estimate_ranges
from evtwin.sim.request import CALIBRATE_TO_OFFICIAL_BY_DEFAULT, RangeRequest
from evtwin.vehicles import load_vehicle


def _json(capsys: pytest.CaptureFixture[str], *argv: str) -> dict:  # type: ignore[type-arg]
    assert main(["range", *argv, "--json"]) == 0
    return json.loads(capsys.readouterr().out)  # type: ignore[no-any-return]


def test_the_default_follows_the_measurement_and_says_so(
    capsys: pytest.CaptureFixture[str],
) -> None:
    out = _json(capsys, "bmw-ix1-xdrive30")
    assert out["calibrated"] is CALIBRATE_TO_OFFICIAL_BY_DEFAULT
    if CALIBRATE_TO_OFFICIAL_BY_DEFAULT:
        assert out["calibrated_to"]["source"] == "official"
        assert out["range_km"] == pytest.approx(440, abs=0.1)
    else:
        assert out["calibrated_to"] is None
        assert "the default" in out["assumptions"]["calibration"]
    raw = _json(capsys, "bmw-ix1-xdrive30", "--from-spec")
    assert raw["calibrated"] is False
    assert "not calibrated to the official WLTP range 440 km" in raw["assumptions"]["calibration"]


def test_calibrate_reproduces_the_official_wltp_range(capsys: pytest.CaptureFixture[str]) -> None:
    out = _json(capsys, "bmw-ix1-xdrive30", "--calibrate")
    assert out["calibrated"] is True
    assert out["calibrated_to"]["source"] == "official"
    assert out["range_km"] == pytest.approx(440, abs=0.1)
    raw = _json(capsys, "bmw-ix1-xdrive30", "--from-spec")
    assert raw["calibrated"] is False and raw["calibrated_to"] is None
    assert raw["range_km"] != pytest.approx(440, abs=1)


def test_an_estimate_without_a_figure_stays_from_spec_and_says_so(
    capsys: pytest.CaptureFixture[str],
) -> None:
    out = _json(capsys, "defender-sport")
    assert out["calibrated"] is False
    assert "no official WLTP range" in out["assumptions"]["calibration"]
    stated = _json(capsys, "defender-sport", "--calibrate-wltp-km", "420")
    assert stated["calibrated"] is True and stated["range_km"] == pytest.approx(420, abs=0.1)


@pytest.mark.parametrize("speed", [90.0, 120.0])
def test_the_factor_carries_to_other_conditions(speed: float) -> None:
    spec = load_vehicle("mg4-long-range-64")  # the model's largest WLTP miss
    c = default_constants()
    raw_wltp = RangeRequest(from_spec=True).answer([spec])[0]
    cal_wltp = RangeRequest(calibrate=True).answer([spec])[0]
    ask = RangeRequest(speed_kph=speed, temp_c=20, from_spec=True)
    raw = ask.answer([spec])[0]
    # the same car from the spec, with the real-road factors calibrated answers use
    raw_c = estimate_ranges(ask.queries([spec]), constants=c.for_calibrated_answers())[0]
    cal = RangeRequest(speed_kph=speed, temp_c=20, calibrate=True).answer([spec])[0]
    assert cal_wltp.range_km == pytest.approx(spec.official.wltp_range_km, rel=1e-6)
    # the calibration moves the motorway answer the same way as the WLTP one, less (the
    # fixed 12 V load is not scaled, and losses weigh less at speed)
    wltp_shift = cal_wltp.range_km / raw_wltp.range_km
    shift = cal.range_km / raw_c.range_km
    assert (shift - 1.0) * (wltp_shift - 1.0) > 0
    assert abs(shift - 1.0) <= abs(wltp_shift - 1.0) * 1.05
    assert "calibrated to official WLTP range" in cal.assumptions["calibration"]
    assert "motor + inverter losses" in cal.assumptions["calibration"]
    # only the drivetrain losses move: road work is the model's own, with the calibrated
    # answers' real-road factors
    for key in ("rolling_resistance", "aerodynamic_drag", "auxiliary"):
        assert cal.energy_wh_per_km[key] == pytest.approx(raw_c.energy_wh_per_km[key])
    assert cal.energy_wh_per_km["aerodynamic_drag"] == pytest.approx(
        raw.energy_wh_per_km["aerodynamic_drag"]
        * c.real_road_calibrated_drag_factor
        / c.real_road_drag_factor
    )
    assert f"drag x{c.real_road_calibrated_drag_factor:g}" in cal.assumptions["road"]
    k = cal.calibration["drivetrain_loss_factor"] if cal.calibration else 0.0
    assert cal.energy_wh_per_km["motor_inverter_loss"] == pytest.approx(
        raw_c.energy_wh_per_km["motor_inverter_loss"] * k, rel=1e-3
    )


@pytest.mark.parametrize(
    "kwargs",
    [
        {"from_spec": True, "calibrate_wltp_km": 400},
        {"from_spec": True, "calibrate": True},
        {"calibrate": True, "calibrate_wltp_km": 400},
    ],
)
def test_conflicting_calibration_requests_are_refused(kwargs: dict[str, object]) -> None:
    with pytest.raises(ScenarioError, match="not both"):
        RangeRequest(**kwargs).answer([load_vehicle("vw-id3-pro-s")])  # type: ignore[arg-type]


def test_calibrate_that_cannot_take_effect_is_refused(capsys: pytest.CaptureFixture[str]) -> None:
    # asked to calibrate a car with no official WLTP range: an error, not a silent from-spec
    assert main(["range", "defender-sport", "--calibrate", "--json"]) == 2
    captured = capsys.readouterr()
    assert "has no official WLTP range" in captured.out + captured.err
    with pytest.raises(ScenarioError, match="no official WLTP range"):
        RangeRequest(calibrate=True).answer([load_vehicle("defender-sport")])
    with TestClient(create_app()) as client:
        r = client.get("/api/v1/range/defender-sport", params={"calibrate": True})
    assert r.status_code == 400 and "no official WLTP range" in r.text


def test_the_cli_refuses_two_calibration_options(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit):
        main(["range", "vw-id3-pro-s", "--from-spec", "--calibrate"])
    assert "not allowed with argument" in capsys.readouterr().err


def test_http_calibration_matches_the_cli(capsys: pytest.CaptureFixture[str]) -> None:
    cli = _json(capsys, "vw-id3-pro-s", "--speed-kph", "110")
    cli_cal = _json(capsys, "vw-id3-pro-s", "--speed-kph", "110", "--calibrate")
    cli_raw = _json(capsys, "vw-id3-pro-s", "--speed-kph", "110", "--from-spec")
    with TestClient(create_app()) as client:
        url = "/api/v1/range/vw-id3-pro-s"
        http = client.get(url, params={"speed_kph": 110}).json()
        cal = client.get(url, params={"speed_kph": 110, "calibrate": True}).json()
        raw = client.get(url, params={"speed_kph": 110, "from_spec": True}).json()
    assert (http, cal, raw) == (cli, cli_cal, cli_raw)
    assert cal["calibrated"] is True and raw["calibrated"] is False
    assert cal["range_km"] != raw["range_km"]
    assert http == (cal if CALIBRATE_TO_OFFICIAL_BY_DEFAULT else raw)
