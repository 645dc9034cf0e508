from __future__ import annotations

from evtwin.validation.climate import CLIMATE_ROWS, climate_study_report


def test_aaa_climate_effects_are_within_five_points() -> None:
    rep = climate_study_report()
    rows = {r.key: r for r in rep.rows}
    assert set(CLIMATE_ROWS) <= set(rows)
    for key in (
        "aaa2019-cold-heater-on",
        "aaa2019-heater-effect",
        "aaa2019-hot-ac-on",
        "aaa2019-ac-effect",
    ):
        assert abs(rows[key].error_pp) <= rep.goal_pp, key
    assert rep.to_json()["rows"]


def test_heat_pump_benefit_is_within_five_points_of_recurrent() -> None:
    """Frost/defrost (AHRI 210/240) and full-output warm-ups bring the same-car benefit to
    within the goal of Recurrent's fleet difference (8 points)."""
    rows = {r.key: r for r in climate_study_report().rows}
    hp = rows["recurrent2025-heat-pump-benefit"]
    assert hp.predicted_pct > 0.0
    assert abs(hp.error_pp) <= 5.0
