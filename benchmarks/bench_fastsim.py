"""evtwin's batched engine vs NREL FASTSim 3.1, same cycle (WLTC class 3b), same machine, same run.

Measures
1. batch throughput: vehicle-cycles per second for 10,000 vehicle variants on the WLTC
   (evtwin: one batched call; FASTSim: one SimDrive per variant over a process pool with as
   many workers as evtwin's threads, so both use every core);
2. single-cycle latency: one car, one WLTC, end to end (evtwin: ``simulate``; FASTSim:
   ``SimDrive(...)`` + ``walk()``), median of repeated calls.

FASTSim's history saving is switched off (``save_interval = None``) for its fastest mode;
the figures with history on are printed too. Numba compilation is excluded (a warm-up call
runs first, as FASTSim's first call also runs once before timing).

Run: ``make bench`` (installs the optional ``fastsim`` dependency). The last line is
machine-readable: ``fastsim_batch_ratio=<x> fastsim_single_ratio=<y>`` (evtwin speed /
FASTSim speed, measured in this run).
"""

from __future__ import annotations

import csv
import os
import platform
import statistics
import sys
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path
from typing import Any

os.environ.setdefault("RUST_LIB_BACKTRACE", "0")  # FASTSim runs 10-25x slower without it

import numba
import numpy as np

from evtwin.physics.constants import default_constants
from evtwin.sim.conditions import Conditions
from evtwin.sim.engine import pack_conditions, pack_params, run_arrays, simulate
from evtwin.sim.traces import cycle
from evtwin.vehicles import derive_params, list_vehicles

N_BATCH = int(os.environ.get("EVTWIN_BENCH_BATCH", "10000"))
N_FASTSIM = int(os.environ.get("EVTWIN_BENCH_FASTSIM_RUNS", "400"))
N_SINGLE = 300
ROUNDS = int(os.environ.get("EVTWIN_BENCH_ROUNDS", "3"))
WORKERS = numba.get_num_threads()
WLTC_CSV = Path(__file__).resolve().parents[1] / "src/evtwin/data/cycles/wltc_class3b.csv"
ZOE = "2022_Renault_Zoe_ZE50_R135.yaml"


# -- FASTSim side ------------------------------------------------------------------------------
def _no_history(obj: Any) -> Any:
    if isinstance(obj, dict):
        return {k: (None if k == "save_interval" else _no_history(v)) for k, v in obj.items()}
    if isinstance(obj, list):
        return [_no_history(v) for v in obj]
    return obj


def fastsim_objects(history: bool) -> tuple[Any, Any]:
    import fastsim as fsim

    base = fsim.Cycle.from_resource("udds.csv").to_dict()
    rows = list(csv.DictReader(WLTC_CSV.open(encoding="utf-8")))
    n = len(rows)
    cyc = dict(base)
    cyc.update(
        name="wltc_class3b",
        time_seconds=[float(r["cycSecs"]) for r in rows],
        speed_meters_per_second=[float(r["cycMps"]) for r in rows],
        dist_meters=[0.0] * n,
        grade=[0.0] * n,
        elev_meters=[base["init_elev_meters"]] * n,
        pwr_max_chrg_watts=[0.0] * n,
        temp_amb_air_kelvin=[296.15] * n,
        pwr_solar_load_watts=[0.0] * n,
    )
    veh = fsim.Vehicle.from_resource(ZOE)
    if not history:
        veh = fsim.Vehicle.from_dict(_no_history(veh.to_dict()))
    return veh, fsim.Cycle.from_dict(cyc)


def fastsim_chunk(args: tuple[int, bool]) -> float:
    """Run ``n`` FASTSim WLTC simulations in this process; return elapsed seconds."""
    import fastsim as fsim

    n, history = args
    veh, cyc = fastsim_objects(history)
    fsim.SimDrive(veh, cyc).walk()  # warm-up
    t0 = time.perf_counter()
    for _ in range(n):
        sd = fsim.SimDrive(veh, cyc)
        sd.walk()
    return time.perf_counter() - t0


def fastsim_batch_rate(history: bool) -> float:
    per = N_FASTSIM // WORKERS
    with ProcessPoolExecutor(WORKERS) as pool:
        list(pool.map(fastsim_chunk, [(1, history)] * WORKERS))  # start + warm workers
        t0 = time.perf_counter()
        list(pool.map(fastsim_chunk, [(per, history)] * WORKERS))
        wall = time.perf_counter() - t0
    return per * WORKERS / wall


def fastsim_single_ms(history: bool) -> float:
    import fastsim as fsim

    veh, cyc = fastsim_objects(history)
    fsim.SimDrive(veh, cyc).walk()
    times = []
    for _ in range(N_SINGLE // 3):
        t0 = time.perf_counter()
        fsim.SimDrive(veh, cyc).walk()
        times.append(time.perf_counter() - t0)
    return statistics.median(times) * 1e3


# -- evtwin side ------------------------------------------------------------------------------
def variants(n: int) -> list[Any]:
    """n vehicle variants: catalogue cars with mass, battery, power and drag varied."""
    rng = np.random.default_rng(2027)
    base = list_vehicles()
    out = []
    for i in range(n):
        spec = base[i % len(base)]
        out.append(
            spec.replace(
                kerb_mass_kg=spec.kerb_mass_kg * float(rng.uniform(0.9, 1.1)),
                usable_battery_kwh=spec.usable_battery_kwh * float(rng.uniform(0.8, 1.2)),
                motor_power_kw=spec.motor_power_kw * float(rng.uniform(0.8, 1.2)),
                drag_coefficient=float(rng.uniform(0.22, 0.36)),
            )
        )
    return out


def evtwin_batch() -> tuple[float, float, float]:
    """(engine rate, end-to-end rate incl. spec derivation, mean DC Wh/km)."""
    c = default_constants()
    wltc = cycle("wltc")
    t0 = time.perf_counter()
    specs = variants(N_BATCH)
    params = [derive_params(s, c) for s in specs]
    t_derive = time.perf_counter() - t0
    conds = [Conditions(payload_kg=p.wltp_test_mass_kg - p.mass_kg, road="test") for p in params]
    trace_of = np.zeros(N_BATCH, dtype=np.int64)
    run_arrays(pack_params(params[:8]), pack_conditions(conds[:8], c), [wltc], trace_of[:8])
    best = float("inf")
    res = None
    for _ in range(3):
        t0 = time.perf_counter()
        P = pack_params(params)
        C = pack_conditions(conds, c)
        res = run_arrays(P, C, [wltc], trace_of, constants=c)
        best = min(best, time.perf_counter() - t0)
    assert res is not None
    return N_BATCH / best, N_BATCH / (best + t_derive), float(np.mean(res.dc_wh_per_km))


def evtwin_single_ms() -> float:
    p = derive_params(list_vehicles()[0])
    wltc = cycle("wltc")
    simulate(p, wltc)
    times = []
    for _ in range(N_SINGLE):
        t0 = time.perf_counter()
        simulate(p, wltc)
        times.append(time.perf_counter() - t0)
    return statistics.median(times) * 1e3


def main() -> None:
    import fastsim

    print(
        f"machine: {platform.processor() or platform.machine()}, {os.cpu_count()} CPUs; "
        f"python {sys.version.split()[0]}; numba {numba.__version__} ({WORKERS} threads); "
        f"fastsim {fastsim.__version__}"
    )
    print(
        f"cycle: WLTC class 3b (1,801 s); evtwin batch {N_BATCH:,} variants; FASTSim "
        f"{N_FASTSIM} runs over {WORKERS} processes (vehicle: {ZOE}); best of {ROUNDS} "
        "interleaved rounds per measure\n"
    )
    # The machine may be shared: every measure is taken ROUNDS times, interleaved, and the
    # best (fastest) run of each is kept, for evtwin and FASTSim alike.
    ev_rate = ev_e2e = fs_rate = fs_rate_hist = 0.0
    ev_ms = fs_ms = fs_ms_hist = float("inf")
    ev_mean = 0.0
    for _ in range(ROUNDS):
        rate, e2e, ev_mean = evtwin_batch()
        ev_rate, ev_e2e = max(ev_rate, rate), max(ev_e2e, e2e)
        fs_rate = max(fs_rate, fastsim_batch_rate(history=False))
        fs_rate_hist = max(fs_rate_hist, fastsim_batch_rate(history=True))
        ev_ms = min(ev_ms, evtwin_single_ms())
        fs_ms = min(fs_ms, fastsim_single_ms(history=False))
        fs_ms_hist = min(fs_ms_hist, fastsim_single_ms(history=True))
    batch_ratio = ev_rate / fs_rate
    single_ratio = fs_ms / ev_ms
    rows = [
        (
            "batch, vehicle-cycles/s (engine)",
            f"{ev_rate:,.0f}",
            f"{fs_rate:,.0f}",
            f"{batch_ratio:,.1f}x",
        ),
        (
            "batch, vehicle-cycles/s (incl. spec derivation)",
            f"{ev_e2e:,.0f}",
            f"{fs_rate:,.0f}",
            f"{ev_e2e / fs_rate:,.1f}x",
        ),
        (
            "batch, FASTSim with history saving",
            f"{ev_rate:,.0f}",
            f"{fs_rate_hist:,.0f}",
            f"{ev_rate / fs_rate_hist:,.1f}x",
        ),
        (
            "single WLTC latency, ms (median)",
            f"{ev_ms:.3f}",
            f"{fs_ms:.3f}",
            f"{single_ratio:,.1f}x",
        ),
        (
            "single WLTC latency, FASTSim with history",
            f"{ev_ms:.3f}",
            f"{fs_ms_hist:.3f}",
            f"{fs_ms_hist / ev_ms:,.1f}x",
        ),
    ]
    w = max(len(r[0]) for r in rows)
    print(f"{'measure':<{w}}  {'evtwin':>10}  {'FASTSim':>10}  {'evtwin speed-up':>15}")
    for r in rows:
        print(f"{r[0]:<{w}}  {r[1]:>10}  {r[2]:>10}  {r[3]:>15}")
    print(f"\n(evtwin batch mean WLTC DC consumption {ev_mean:.0f} Wh/km, a sanity check)")
    print(f"fastsim_batch_ratio={batch_ratio:.1f} fastsim_single_ratio={single_ratio:.1f}")


if __name__ == "__main__":
    main()
