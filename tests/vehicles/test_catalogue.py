from __future__ import annotations

import pytest

from evtwin.errors import UnknownVehicleError
from evtwin.vehicles import derive_params, list_vehicles, load_vehicle
from evtwin.vehicles.spec import REQUIRED_KEYS


def test_catalogue_holds_the_defender_and_the_seed_rivals() -> None:
    ids = {s.id for s in list_vehicles()}
    assert {
        "defender-sport",
        "bmw-ix1-edrive20",
        "bmw-ix1-xdrive30",
        "mercedes-g-class-small-electric",
    } <= ids
    assert len(ids) >= 20


def test_unreleased_cars_are_marked_as_estimates_with_a_source_for_every_number() -> None:
    for vid in ("defender-sport", "mercedes-g-class-small-electric"):
        spec = load_vehicle(vid)
        assert spec.is_estimate
        numeric = [k for k in REQUIRED_KEYS if k != "name"]
        stated = [
            k
            for k in (
                *numeric,
                "drag_coefficient",
                "battery_voltage_v",
                "dc_peak_power_kw",
                "uk_price_gbp",
            )
            if getattr(spec, k) is not None
        ]
        missing = [k for k in stated if k not in spec.sources]
        assert not missing, f"{vid}: no source/assumption for {missing}"


def test_real_cars_are_published_and_cite_their_sources() -> None:
    for spec in list_vehicles():
        if not spec.is_estimate:
            assert spec.sources.get("all"), spec.id


def test_every_catalogue_vehicle_derives_positive_parameters() -> None:
    for spec in list_vehicles():
        p = derive_params(spec)
        assert p.mass_kg > 0 and p.f0_n > 0 and p.f2_n_per_mps2 > 0, spec.id
        assert p.battery_resistance_ohm > 0 and p.base_speed_mps > 0, spec.id


def test_unknown_vehicle_suggests_close_matches() -> None:
    with pytest.raises(UnknownVehicleError) as exc:
        load_vehicle("bmw-ix1-edrive2")
    assert "bmw-ix1-edrive20" in str(exc.value)
    assert "evtwin vehicles" in str(exc.value)


def test_ids_are_case_insensitive() -> None:
    assert load_vehicle("Defender-Sport").id == "defender-sport"


def test_every_catalogue_car_states_its_kerb_mass_basis_as_its_source_gives_it() -> None:
    # the basis follows the cited source's note, never a guess: "not stated" is unknown
    for spec in list_vehicles():
        assert spec.kerb_mass_basis is not None, spec.id
        note = spec.sources.get("kerb_mass_kg", "")
        if "not stated" in note or note.startswith("assumption: compact"):
            assert spec.kerb_mass_basis == "unknown", spec.id
        elif "incl. 75 kg driver" in note or "rijklaar" in note:
            assert spec.kerb_mass_basis == "eu_incl_driver", spec.id
        else:
            pytest.fail(f"{spec.id}: kerb basis note {note!r} not classified")
