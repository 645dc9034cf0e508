"""Delta update vs full image: bytes to transfer and time to build/apply (issue 5).

Synthetic firmware: pseudo-random bytes where a new version rewrites a few scattered
regions (as a point release does). Prints a side-by-side table; never run by the tests.

    .venv/bin/python benchmarks/bench_ota_delta.py --size-mb 8
"""

from __future__ import annotations

import argparse
import random
import time

from evtwin.ota._delta import apply_delta, create_delta


def firmware(size_bytes: int, version: int) -> bytes:
    rng = random.Random(1234)
    data = bytearray(rng.randbytes(size_bytes))
    edit = random.Random(version)
    for _ in range(version * 8):  # a few scattered edits per version
        at = edit.randrange(0, size_bytes - 4096)
        data[at : at + 4096] = edit.randbytes(4096)
    return bytes(data)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--size-mb", type=float, default=8.0, help="image size [MB]")
    args = parser.parse_args()
    size = int(args.size_mb * 1_000_000)
    base, new = firmware(size, 1), firmware(size, 2)
    t0 = time.perf_counter()
    patch = create_delta(base, new)
    t1 = time.perf_counter()
    out = apply_delta(base, patch, expected_length=len(new))
    t2 = time.perf_counter()
    assert out == new
    print(f"{'':<22}{'full image':>14}{'delta':>14}")
    print(f"{'bytes to transfer':<22}{len(new):>14,}{len(patch):>14,}")
    print(f"{'share of full [%]':<22}{100.0:>14.1f}{100 * len(patch) / len(new):>14.2f}")
    print(f"{'build on server [s]':<22}{'-':>14}{t1 - t0:>14.2f}")
    print(f"{'apply on ECU [s]':<22}{'-':>14}{t2 - t1:>14.2f}")


if __name__ == "__main__":
    main()
