"""The Python API takes what a library user naturally passes, or says what it wants."""

from __future__ import annotations

import pytest

import evtwin
from evtwin.errors import UnknownVehicleError


def test_wltp_range_takes_a_catalogue_id() -> None:
    by_id = evtwin.wltp_range("defender-sport")
    by_spec = evtwin.wltp_range(evtwin.load_vehicle("defender-sport"))
    assert by_id.range_km == pytest.approx(by_spec.range_km)
    assert by_id.vehicle_id == "defender-sport"


def test_simulate_takes_a_spec_an_id_or_params_and_a_cycle_name() -> None:
    spec = evtwin.load_vehicle("defender-sport")
    runs = [
        evtwin.simulate(spec, evtwin.cycle("wltc")),
        evtwin.simulate("defender-sport", "wltc"),
        evtwin.simulate(evtwin.derive_params(spec), evtwin.cycle("wltc")),
    ]
    assert {round(r.energy_terminal_j) for r in runs} == {round(runs[0].energy_terminal_j)}
    assert runs[0].followed_trace


def test_derive_params_and_range_query_take_an_id() -> None:
    assert evtwin.derive_params("defender-sport") == evtwin.derive_params(
        evtwin.load_vehicle("defender-sport")
    )
    q = evtwin.RangeQuery("bmw-ix1-edrive20", "wltc", evtwin.Conditions())  # type: ignore[arg-type]
    assert evtwin.estimate_ranges([q])[0].vehicle_id == "bmw-ix1-edrive20"


@pytest.mark.parametrize(
    ("call", "words"),
    [
        (lambda: evtwin.wltp_range(42), "catalogue id"),  # type: ignore[arg-type]
        (lambda: evtwin.simulate(None, "wltc"), "VehicleParams"),  # type: ignore[arg-type]
        (lambda: evtwin.simulate("defender-sport", 3.5), r"evtwin\.cycle\(name\)"),  # type: ignore[arg-type]
        (
            lambda: evtwin.simulate("defender-sport", "wltc", {"ambient_temp_c": 0}),  # type: ignore[arg-type]
            "evtwin.Conditions",
        ),
        (lambda: evtwin.wltp_range(evtwin.derive_params("defender-sport")), "no spec"),  # type: ignore[arg-type]
    ],
)
def test_wrong_types_are_a_type_error_naming_what_is_wanted(call: object, words: str) -> None:
    with pytest.raises(TypeError, match=words):
        call()  # type: ignore[operator]


def test_an_unknown_id_is_an_evtwin_error_with_close_matches() -> None:
    with pytest.raises(UnknownVehicleError, match="Did you mean: defender-sport"):
        evtwin.wltp_range("defender-sprot")
    with pytest.raises(evtwin.EvtwinError):
        evtwin.simulate("no-such-car", "wltc")
