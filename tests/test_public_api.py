from __future__ import annotations

import evtwin


def test_the_public_api_answers_in_a_few_calls() -> None:
    spec = evtwin.load_vehicle("defender-sport")
    assert 250 <= evtwin.wltp_range(spec).range_miles <= 300
    q = evtwin.RangeQuery(spec, evtwin.cycle("us06"), evtwin.Conditions(ambient_temp_c=-5))
    (est,) = evtwin.estimate_ranges([q])
    assert est.procedure == "custom" and est.range_km > 0
    r = evtwin.simulate(evtwin.derive_params(spec), evtwin.constant_speed(120), record=True)
    assert r.history is not None and r.followed_trace


def test_every_exported_name_resolves() -> None:
    for name in evtwin.__all__:
        assert getattr(evtwin, name) is not None
