"""Print the validation section of BENCHMARKS.md from `evtwin validate --json`.

Run:
    .venv/bin/evtwin validate --json > /tmp/val.json
    .venv/bin/python tools/validation_tables.py /tmp/val.json
"""

from __future__ import annotations

import collections
import json
import sys
from typing import Any


def summary(r: dict[str, Any]) -> str:
    if r.get("expectation"):
        goal = f"expectation: {r['expectation']}"
    else:
        goal = f"goal MAE ≤ {r['goal_mae_pct']:g} %"
    if r["goal_max_abs_error_pct"]:
        goal += f", max ≤ {r['goal_max_abs_error_pct']:g} %"
    verdict = "**met**" if r["goal_met"] else "**not met**"
    return (
        f"leave-one-out MAE **{r['loo_mae_pct']:.1f} %**, max {r['loo_max_abs_error_pct']:.1f} %, "
        f"bias {r['loo_bias_pct']:+.1f} % (in-sample MAE {r['in_sample_mae_pct']:.1f} %); "
        f"{goal}: {verdict}"
    )


def main() -> None:
    with open(sys.argv[1], encoding="utf-8") as f:
        d = json.load(f)
    w, e, rr = d["wltp"], d["epa"], d["real_road"]
    print("### WLTP range, catalogue cars\n")
    print(summary(w) + ".  ")
    pc = w["plug_consumption"]
    print(
        f"Full-sample fit: {w['calibrated_full_sample']}. Plug consumption vs official WLTP "
        f"where published ({len(pc['rows'])} cars): LOO MAE {pc['loo_mae_pct']:.1f} %.\n"
    )
    print("| car | predicted km | official km | error % |\n| --- | ---: | ---: | ---: |")
    for r in w["rows"]:
        print(
            f"| {r['label']} | {r['predicted']:.0f} | {r['reference']:g} | {r['error_pct']:+.1f} |"
        )
    print("\n### EPA dyno plug energy from measured road load\n")
    print(summary(e) + f", over {e['tests']} tests of {e['cars']} cars.  ")
    print(f"Full-sample fit: {e['calibrated_full_sample']}.")
    for x in e["excluded"]:
        print(
            f"Excluded as physically impossible: {x['label']} {x['cycle']} (plug "
            f"{x['plug_wh_per_km']} Wh/km < its own road-load work "
            f"{x['road_load_work_wh_per_km']} Wh/km)."
        )
    print("\n| car (all years and trims) | tests | mean error % | max abs error % |")
    print("| --- | ---: | ---: | ---: |")
    g: dict[str, list[float]] = collections.defaultdict(list)
    for r in e["rows"]:
        g[r["key"]].append(r["error_pct"])
    for k, v in sorted(g.items()):
        print(f"| {k} | {len(v)} | {sum(v) / len(v):+.1f} | {max(abs(x) for x in v):.1f} |")
    u = [r["error_pct"] for r in e["rows"] if r["detail"] == "udds"]
    h = [r["error_pct"] for r in e["rows"] if r["detail"] == "hwfet"]
    print(
        f"\nBy cycle: UDDS MAE {sum(abs(x) for x in u) / len(u):.1f} % ({len(u)} tests), "
        f"HWFET MAE {sum(abs(x) for x in h) / len(h):.1f} % ({len(h)} tests)."
    )
    print("\n### Real-road consumption at 90/120 km/h (independent tester)\n")
    print(summary(rr) + f", over {rr['tests']} tests of {rr['cars']} cars.  ")
    print(f"Full-sample fit: {rr['calibrated_full_sample']}.\n")
    print("| car | test | predicted Wh/km | measured Wh/km | error % |")
    print("| --- | --- | ---: | ---: | ---: |")
    for r in rr["rows"]:
        print(
            f"| {r['key']} | {r['detail']} | {r['predicted']:.0f} | {r['reference']:g} | "
            f"{r['error_pct']:+.1f} |"
        )

    if "real_road_calibrated" in d:
        rc = d["real_road_calibrated"]
        print(
            "\nCalibrated to official WLTP (the default answer of `evtwin range`): " + summary(rc)
        )
        print("\n| car | test | from spec % | calibrated % |\n| --- | --- | ---: | ---: |")
        for a, b in zip(rr["rows"], rc["rows"], strict=True):
            print(f"| {a['key']} | {a['detail']} | {a['error_pct']:+.1f} | {b['error_pct']:+.1f} |")
    dc, cl = d["dc_10_80"], d["climate"]
    print("\n### DC 10–80 % charging time vs makers' claims\n")
    print(summary(dc) + ".  ")
    print(f"Method: {dc['method']}. Full-sample fit: {dc['calibrated_full_sample']}.\n")
    print("| car | fit | predicted min | claimed min | error % |")
    print("| --- | --- | ---: | ---: | ---: |")
    for r in dc["rows"]:
        print(
            f"| {r['label']} | {r['detail']} | {r['predicted']:.1f} | {r['reference']:g} | "
            f"{r['error_pct']:+.1f} |"
        )
    if "cold" in d:
        co = d["cold"]
        print("\n### Cold weather: the drive engine's own cold effects\n")
        print(summary(co) + f", over {len(co['rows'])} rows ({co['cars']} groups).  ")
        print(f"Method: {co['method']}. Full-sample fit: {co['calibrated_full_sample']}.\n")
        print("| reference | fit without it | predicted % | measured % | error % |")
        print("| --- | --- | ---: | ---: | ---: |")
        for r in co["rows"]:
            print(
                f"| {r['label']} | {r['detail']} | {r['predicted']:.1f} | {r['reference']:g} | "
                f"{r['error_pct']:+.1f} |"
            )
    print("\n### Temperature and climate effects vs published studies\n")
    verdict = "**met**" if cl["goal_met"] else "**not met**"
    print(
        f"Climate rows within {cl['goal_max_abs_error_pp']:g} points: {verdict} (all rows: "
        f"MAE {cl['mae_pp']:.1f} points, max {cl['max_abs_error_pp']:.1f}). "
        f"Method: {cl['method']}\n"
    )
    print("| study | predicted % | study % | error (points) |")
    print("| --- | ---: | ---: | ---: |")
    for r in cl["rows"]:
        print(
            f"| {r['label']} | {r['predicted_pct']:+.1f} | {r['reference_pct']:+.1f} | "
            f"{r['error_pp']:+.1f} |"
        )


if __name__ == "__main__":
    main()
