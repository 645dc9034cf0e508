"""One recipe for bands over a spec's [ranges]: range, charge time and cost per mile share it."""

from __future__ import annotations

import numpy as np

from evtwin.vehicles import load_vehicle
from evtwin.vehicles.uncertainty import band, sample_ranges


def test_samples_come_first_then_each_unknown_alone_at_its_low_and_high_end() -> None:
    spec = load_vehicle("defender-sport")
    drawn = sample_ranges(spec, 10)
    keys = sorted(spec.ranges)
    assert drawn.keys == tuple(keys)
    assert len(drawn.variants) == 10 + 2 * len(keys)
    for i, k in enumerate(keys):
        lo, hi = spec.ranges[k]
        assert getattr(drawn.variants[10 + 2 * i], k) == lo
        assert getattr(drawn.variants[10 + 2 * i + 1], k) == hi
        for v in drawn.variants[:10]:
            assert lo <= getattr(v, k) <= hi


def test_distinct_ids_name_every_variant_once() -> None:
    drawn = sample_ranges(load_vehicle("defender-sport"), 5, distinct_ids=True)
    ids = [v.id for v in drawn.variants]
    assert len(set(ids)) == len(ids)


def test_the_same_vehicle_gets_the_same_band() -> None:
    spec = load_vehicle("defender-sport")
    a, b = sample_ranges(spec, 20), sample_ranges(spec, 20)
    values = [float(v.usable_battery_kwh) for v in a.variants]
    assert band(values, a, 5.0) == band(values, b, 5.0)


def test_the_unknown_that_swings_the_answer_most_is_named() -> None:
    spec = load_vehicle("defender-sport")
    drawn = sample_ranges(spec, 32)
    k = drawn.keys[0]
    # an answer that depends on one unknown only, strongly
    values = np.array([100.0 * float(getattr(v, k)) for v in drawn.variants])
    b = band(values, drawn, 0.1)
    assert b.dominant_unknown == k
    assert b.p10 < b.p50 < b.p90


def test_with_no_spread_in_the_unknowns_the_model_error_dominates() -> None:
    spec = load_vehicle("defender-sport")
    drawn = sample_ranges(spec, 32)
    b = band(np.full(len(drawn.variants), 400.0), drawn, 5.0)
    assert b.dominant_unknown == "model error"
    assert b.p10 < 400.0 < b.p90
