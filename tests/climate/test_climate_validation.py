from __future__ import annotations

from evtwin.climate.validation import CLIMATE_ROWS, climate_study_report


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
    # the heat pump's benefit is in the right direction (the size is a stated gap)
    assert rows["recurrent2025-heat-pump-benefit"].predicted_pct > 0.0
    assert rep.to_json()["rows"]
