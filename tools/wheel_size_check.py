"""Does wheel size explain consumption in the independent tester's data? (issue 13, cause 4)

Pairs tests of the same car, speed and tyre season on its smallest and largest rim (ambient
within 8 °C of each other) and prints the consumption change per inch of rim diameter.

    .venv/bin/python tools/wheel_size_check.py [/work/shared/data/realworld/highway_range_tests.csv]
"""

from __future__ import annotations

import csv
import re
import statistics
import sys
from collections import defaultdict
from pathlib import Path

DEFAULT = Path(__file__).resolve().parents[2] / "shared/data/realworld/highway_range_tests.csv"


def rim_in(wheel: str) -> int | None:
    """Rim diameter (in) from a size like '235/45-19' or '255/40 R20'."""
    m = re.search(r"(\d{2})\s*$", wheel.strip())
    return int(m.group(1)) if m else None


def main() -> None:
    path = Path(sys.argv[1]) if len(sys.argv) > 1 else DEFAULT
    groups: dict[tuple[str, int, str], list[tuple[int, float, float]]] = defaultdict(list)
    with path.open(encoding="utf-8") as f:
        for r in csv.DictReader(f):
            try:
                wh = float(r["consumption_wh_per_km"])
                temp = float(r["ambient_temp_c"])
                speed = int(float(r["speed_kmh"]))
            except ValueError:
                continue
            rim = rim_in(r["wheel_front"] or "")
            if rim is not None:
                groups[(r["vehicle"], speed, r["tyre_season"])].append((rim, wh, temp))
    per_inch: list[float] = []
    cars: set[str] = set()
    for key, tests in sorted(groups.items()):
        rims = sorted({t[0] for t in tests})
        if len(rims) < 2:
            continue
        small = [t for t in tests if t[0] == rims[0]]
        large = [t for t in tests if t[0] == rims[-1]]
        for a in small:
            for b in large:
                if abs(a[2] - b[2]) <= 8:
                    change = (b[1] / a[1] - 1) * 100 / (rims[-1] - rims[0])
                    per_inch.append(change)
                    cars.add(key[0])
                    rims_txt = f"{rims[0]}->{rims[-1]} in"
                    print(f"{key[0]:32s} {key[1]:4d} km/h {rims_txt}: {change:+.1f} %/in")
    if len(per_inch) < 2:
        print("fewer than two pairs: nothing to fit")
        return
    print(
        f"{len(per_inch)} pairs, {len(cars)} cars: median {statistics.median(per_inch):+.2f} %/in, "
        f"mean {statistics.mean(per_inch):+.2f}, sd {statistics.stdev(per_inch):.2f}"
    )


if __name__ == "__main__":
    main()
