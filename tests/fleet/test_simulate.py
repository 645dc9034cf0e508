"""Fleet simulation: deterministic, matches the single-car answer, partition-independent."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from evtwin.cli.main import main
from evtwin.errors import FleetError
from evtwin.fleet import FleetConfig, partitions, simulate_fleet
from evtwin.fleet._simulate import merge, simulate_partition


def _run_json(capsys: pytest.CaptureFixture[str], *argv: str) -> dict:
    assert main(list(argv)) == 0
    return json.loads(capsys.readouterr().out)


def _strip(j: dict) -> dict:
    return {k: v for k, v in j.items() if k not in ("wall_s", "engine", "workers")}


def test_same_seed_same_answer_other_seed_other_answer(capsys: pytest.CaptureFixture[str]) -> None:
    a = _run_json(
        capsys, "fleet", "simulate", "--cars", "300", "--days", "3", "--seed", "7", "--json"
    )
    b = _run_json(
        capsys, "fleet", "simulate", "--cars", "300", "--days", "3", "--seed", "7", "--json"
    )
    c = _run_json(
        capsys, "fleet", "simulate", "--cars", "300", "--days", "3", "--seed", "8", "--json"
    )
    assert _strip(a) == _strip(b)
    assert a["distance_km"] != c["distance_km"]


def test_json_keys_and_sanity(capsys: pytest.CaptureFixture[str]) -> None:
    j = _run_json(capsys, "fleet", "simulate", "--cars", "500", "--days", "4", "--json")
    for key in ("cars", "days", "distance_km", "energy_kwh", "charging_sessions", "wall_s"):
        assert key in j
    assert set(j["updates"]) >= {"succeeded", "failed", "rolled_back"}
    assert j["cars"] == 500 and j["days"] == 4
    # every car is accounted for in the software census
    assert sum(j["software_versions"].values()) == 500
    u = j["updates"]
    assert u["succeeded"] + u["rolled_back"] + u["pending"] == 500
    assert u["succeeded"] > 300  # 85 % check-in a night over 4 nights
    # plausible physics: an SUV averages 150..350 Wh/km over mixed trips and weather
    assert 150 < j["consumption_wh_per_km"] < 350
    assert j["energy_kwh"] == pytest.approx(
        j["distance_km"] * j["consumption_wh_per_km"] / 1000, rel=1e-3
    )
    assert j["charging_sessions"] == j["charging"]["ac_sessions"] + j["charging"]["dc_sessions"]
    assert j["charging_sessions"] > 0
    assert {"usage", "weather", "charging", "software", "payload"} <= set(j["assumptions"])


def test_one_car_wltc_23c_matches_evtwin_range(capsys: pytest.CaptureFixture[str]) -> None:
    r = _run_json(capsys, "range", "defender-sport", "--cycle", "wltc", "--temp-c", "23", "--json")
    f = _run_json(
        capsys,
        "fleet",
        "simulate",
        "--cars",
        "1",
        "--days",
        "1",
        "--cycle",
        "wltc",
        "--temp-c",
        "23",
        "--uniform",
        "--json",
    )
    assert f["consumption_wh_per_km"] == pytest.approx(r["consumption_wh_per_km"], rel=1e-3)
    assert f["per_car"]["range_km"]["p50"] == pytest.approx(r["range_km"], rel=1e-3)
    assert f["distance_km"] == pytest.approx(23.27, abs=0.05)  # one WLTC


def test_colder_fleet_uses_more_energy() -> None:
    warm = simulate_fleet(FleetConfig(cars=200, days=2, temp_c=20.0)).to_json()
    cold = simulate_fleet(FleetConfig(cars=200, days=2, temp_c=-10.0)).to_json()
    assert cold["consumption_wh_per_km"] > 1.1 * warm["consumption_wh_per_km"]
    assert cold["per_car"]["range_km"]["p50"] < warm["per_car"]["range_km"]["p50"]


def test_partitions_do_not_change_per_car_results() -> None:
    config = FleetConfig(cars=700, days=2, seed=3)
    whole = simulate_partition(config, 0, config.blocks)
    parts = [simulate_partition(config, lo, hi) for lo, hi in partitions(config, 3)]
    assert len(parts) == 3
    merged = merge(parts)
    # the engine's SIMD lanes may round the last bit differently when a car sits in another
    # block of 64: per-car floats agree to 1e-12, counts and outcomes exactly
    for name in ("distance_m", "energy_terminal_j", "energy_chemical_j", "grid_ac_kwh"):
        np.testing.assert_allclose(getattr(merged, name), getattr(whole, name), rtol=1e-12)
    for name in ("version", "ac_sessions", "dc_sessions", "rolled_back", "update_failures"):
        np.testing.assert_array_equal(getattr(merged, name), getattr(whole, name))


@pytest.mark.slow
def test_ray_workers_give_the_same_answer_as_one_process() -> None:
    config = FleetConfig(cars=600, days=2, seed=11)
    one = simulate_fleet(config, workers=1).to_json()
    ray = simulate_fleet(config, workers=2).to_json()
    assert ray["engine"].startswith("ray (2 partitions)")
    _assert_same(_strip(one), _strip(ray))


def _assert_same(a: object, b: object) -> None:
    """Equal, floats to 1e-9 relative (the last digit of a rounded sum may differ)."""
    if isinstance(a, dict) and isinstance(b, dict):
        assert a.keys() == b.keys()
        for k in a:
            _assert_same(a[k], b[k])
    elif isinstance(a, float):
        assert a == pytest.approx(b, rel=1e-9, abs=1e-3)
    else:
        assert a == b


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["--cars", "0"], "cars must be at least 1"),
        (["--cars", "5", "--days", "-1"], "days must be at least 1"),
        (["--cars", "5", "--days", "0"], "days must be at least 1"),
        (["--cars", "1000000000"], "more than this tool runs"),
        (["--cars", "100000", "--days", "3650"], "car-days"),
        (["--cars", "5", "--workers", "0"], "workers must be at least 1"),
        (["--cars", "5", "--temp-c", "90"], "temp_c = 90"),
        (["--cars", "5", "--vehicle", "no-such-car"], "no-such-car"),
        (["--cars", "5", "--cycle", "nope"], "unknown cycle 'nope'"),
        (["--cars", "5", "--workers", "2", "--telemetry-db", "x.db"], "needs --workers 1"),
    ],
)
def test_bad_input_is_a_clear_error(
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
    argv: list[str],
    message: str,
) -> None:
    monkeypatch.chdir(tmp_path)
    assert main(["fleet", "simulate", *argv]) == 2
    err = capsys.readouterr().err
    assert err.startswith("evtwin: error: ")
    assert message in err
    assert "Traceback" not in err
    assert list(tmp_path.iterdir()) == []  # a refused run leaves no files behind


def test_config_rejects_non_integers() -> None:
    with pytest.raises(FleetError, match="whole number"):
        FleetConfig(cars=2.5)  # type: ignore[arg-type]


def test_gpu_without_a_cuda_device_is_a_clear_error(capsys: pytest.CaptureFixture[str]) -> None:
    from evtwin.sim.gpu import gpu_available

    if gpu_available():
        pytest.skip("a CUDA device is present: the GPU path runs instead")
    assert main(["fleet", "simulate", "--cars", "3", "--days", "1", "--gpu"]) == 2
    assert "no CUDA device" in capsys.readouterr().err


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["--broker", "nohost", "--db", "x.sqlite", "--password", "p"], "HOST:PORT"),
        (["--broker", "127.0.0.1:99999", "--db", "x.sqlite", "--password", "p"], "HOST:PORT"),
        (["--db", "x.sqlite"], "EVTWIN_FLEET_INGEST_PASSWORD"),
        (["--db", "x.sqlite", "--password", "p", "--retention-days", "0"], "retention_days"),
        (["--postgres", "host=127.0.0.1", "--schema", "x;drop", "--password", "p"], "schema"),
    ],
)
def test_ingest_bad_input(
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: object,
    argv: list[str],
    message: str,
) -> None:
    monkeypatch.delenv("EVTWIN_FLEET_INGEST_PASSWORD", raising=False)
    monkeypatch.chdir(str(tmp_path))
    assert main(["fleet", "ingest", *argv]) == 2
    err = capsys.readouterr().err
    assert err.startswith("evtwin: error: ") and message in err


def test_progress_reports_every_car_day() -> None:
    done: list[int] = []
    simulate_fleet(FleetConfig(cars=300, days=3), progress=done.append)
    assert sum(done) == 900 and len(done) == 3  # one report per simulated day


def test_simulated_fleet_telemetry_answers_the_same_fleet_questions(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    """`--telemetry-db` stores what each simulated car would report; the fleet questions
    computed from that telemetry agree with the simulation's own totals."""
    from evtwin.fleet import TelemetryStore
    from evtwin.fleet import _questions as Q

    db = tmp_path / "fleet.sqlite"
    j = _run_json(
        capsys,
        "fleet",
        "simulate",
        "--cars",
        "150",
        "--days",
        "4",
        "--seed",
        "5",
        "--telemetry-db",
        str(db),
        "--json",
    )
    store = TelemetryStore.sqlite(db, retention_days=30)
    cons = Q.consumption(store, min_km=0.001)
    assert cons["cars_reporting"] == 150
    for k in ("p10", "p50", "p90"):
        assert cons["consumption_wh_per_km"][k] == pytest.approx(
            j["per_car"]["consumption_wh_per_km"][k], abs=0.06
        )
    chg = Q.charging(store)
    assert chg["sessions"] == j["charging_sessions"]
    sw = Q.software(store, target_version="2.0.0")
    assert sw["versions"] == {k: v for k, v in j["software_versions"].items() if v}
    assert sw["on_target"] == j["updates"]["succeeded"]
    # replaying the same simulation stores nothing twice (message ids are seed/car/day)
    rows = store.count()
    _run_json(
        capsys,
        "fleet",
        "simulate",
        "--cars",
        "150",
        "--days",
        "4",
        "--seed",
        "5",
        "--telemetry-db",
        str(db),
        "--json",
    )
    assert store.count() == rows
