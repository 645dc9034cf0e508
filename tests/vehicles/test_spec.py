from __future__ import annotations

from pathlib import Path

import pytest

from evtwin.errors import DataFileError, EvtwinError, SpecError
from evtwin.vehicles import derive_params, load_spec_file, parse_spec

BASE = {
    "name": "Car",
    "drivetrain": "fwd",
    "kerb_mass_kg": 1800,
    "usable_battery_kwh": 60,
    "width_mm": 1850,
    "height_mm": 1600,
    "motor_power_kw": 150,
}


def parse(**changes: object) -> object:
    data = {**BASE, **changes}
    return parse_spec(
        {k: v for k, v in data.items() if v is not None}, default_id="car", where="test.toml"
    )


def test_a_file_with_only_the_required_keys_loads(minimal_spec_file: Path) -> None:
    spec = load_spec_file(minimal_spec_file)
    assert spec.id == "minimal-car"
    assert spec.drivetrain == "rwd"
    assert spec.drag_coefficient is None


def test_missing_values_are_estimated_by_named_rules_never_zero(minimal_spec_file: Path) -> None:
    params = derive_params(load_spec_file(minimal_spec_file))
    assert params.f2_n_per_mps2 > 0 and params.f0_n > 0
    assert params.basis["frontal_area_m2"].startswith("default")
    assert params.basis["drag_coefficient"].startswith("default")
    assert params.basis["battery_voltage_v"].startswith("default")
    assert "GTR 15" in params.basis["wltp_test_mass_kg"]


def test_stated_values_are_used_and_marked_as_spec() -> None:
    spec = parse(drag_coefficient=0.3, frontal_area_m2=2.5)
    params = derive_params(spec)  # type: ignore[arg-type]
    assert params.basis["drag_coefficient"] == "spec"
    assert params.f2_n_per_mps2 == pytest.approx(0.5 * 1.189 * 0.3 * 2.5)


def test_measured_road_load_replaces_the_drag_and_rolling_estimates() -> None:
    spec = parse(
        test_mass_kg=1950,
        road_load_f0_n=150.0,
        road_load_f1_n_per_kph=0.5,
        road_load_f2_n_per_kph2=0.03,
    )
    params = derive_params(spec)  # type: ignore[arg-type]
    assert params.f0_n == 150.0
    assert params.f1_n_per_mps == pytest.approx(0.5 * 3.6)
    assert params.f2_n_per_mps2 == pytest.approx(0.03 * 3.6**2)
    assert params.road_load_mass_kg == 1950
    assert "measured" in params.basis["f0_n"]


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"kerb_mass_kg": -5}, "kerb_mass_kg = -5 kg is outside"),
        ({"kerb_mass_kg": "heavy"}, "kerb_mass_kg must be a number"),
        ({"kerb_mass_kg": True}, "kerb_mass_kg must be a number"),
        ({"drivetrain": "4x4"}, "drivetrain must be one of fwd, rwd, awd"),
        ({"kerb_mass_kg": None}, "missing required key(s): kerb_mass_kg"),
        ({"kerb_mass": 1800}, "unknown key 'kerb_mass' (did you mean 'kerb_mass_kg'?)"),
        ({"road_load_f0_n": 100.0}, "road-load coefficients come as a set"),
        ({"tyre_size": "big ones"}, "tyre_size must look like"),
        ({"id": "Not A Slug"}, "id must be a lowercase slug"),
        ({"heat_pump": "yes"}, "heat_pump must be true or false"),
        ({"awd_front_power_share": 0.4}, "only applies to drivetrain = 'awd'"),
        ({"official": {"wltp_range_km": -1}}, "official.wltp_range_km must be a positive"),
        ({"kerb_mass_basis": "din"}, "kerb_mass_basis must be one of eu_incl_driver"),
    ],
)
def test_bad_specs_are_rejected_with_a_message_naming_the_problem(
    changes: dict[str, object], message: str
) -> None:
    with pytest.raises(SpecError) as exc:
        parse(**changes)
    assert message in str(exc.value)
    assert "test.toml" in str(exc.value)


def test_malformed_toml_names_the_file(tmp_path: Path) -> None:
    p = tmp_path / "broken.toml"
    p.write_text('name = "unterminated\n', encoding="utf-8")
    with pytest.raises(DataFileError, match=r"broken\.toml: malformed TOML"):
        load_spec_file(p)


def test_missing_spec_file_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(SpecError, match="spec file not found"):
        load_spec_file(tmp_path / "nope.toml")


def test_every_error_is_an_evtwin_error() -> None:
    assert issubclass(SpecError, EvtwinError) and issubclass(DataFileError, EvtwinError)


def test_the_kerb_mass_basis_sets_the_mass_in_running_order_and_the_test_mass() -> None:
    from evtwin.physics.constants import default_constants

    c = default_constants()
    eu = derive_params(parse(kerb_mass_basis="eu_incl_driver"))  # type: ignore[arg-type]
    us = derive_params(parse(kerb_mass_basis="without_driver"))  # type: ignore[arg-type]
    unknown = derive_params(parse(kerb_mass_basis="unknown"))  # type: ignore[arg-type]
    unstated = derive_params(parse())  # type: ignore[arg-type]
    assert eu.mass_kg == 1800.0 and eu.basis["kerb_mass_basis"].startswith("spec")
    # a kerb weight without driver gets the EU driver, on the road and in the test mass
    assert us.mass_kg == pytest.approx(1800.0 + c.kerb_driver_kg)
    assert us.wltp_test_mass_kg - eu.wltp_test_mass_kg == pytest.approx(c.kerb_driver_kg)
    assert us.traction_force_max_n > eu.traction_force_max_n
    assert unknown.mass_kg == pytest.approx(1800.0 + c.kerb_unknown_basis_added_kg)
    # not stated: read as EU, and the answer's assumptions say so
    assert unstated.mass_kg == 1800.0
    assert unstated.basis["kerb_mass_basis"].startswith("default eu_incl_driver")
    # with a max laden mass, the vehicle load is counted from the mass in running order
    laden = derive_params(
        parse(kerb_mass_basis="without_driver", max_laden_mass_kg=2400)  # type: ignore[arg-type]
    )
    load = 2400 - (1800 + c.kerb_driver_kg) - c.wltp_added_mass_kg
    assert laden.wltp_test_mass_kg == pytest.approx(
        1800 + c.kerb_driver_kg + c.wltp_added_mass_kg + c.wltp_load_fraction * load
    )
