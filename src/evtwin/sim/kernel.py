"""The compiled time-stepped kernel: every batch element (vehicle x conditions x trace) at once.

One implementation for every caller: the single-car answer is a batch of one. Elements that
drive the same trace are grouped into *blocks*; a block steps through time with the inner
loop running across its vehicles, so the compiler vectorises the physics (SIMD) and the CPU
overlaps independent vehicles. Blocks run in parallel (``numba.prange``). The step body is
written without data-dependent branches for that reason: limits are ``min``/``max`` and
selections, not ``if``.

Physics per step (backward-difference kinematics at the interval's mean speed, as FASTSim
and the GTR 15 energy calculation do):

- road load ``F = (f0 + f1 v) k_m cos(th) + rho/rho_ref f2 v_air|v_air| + m g sin(th) + m_eff a``
  (GTR 15 Annex 4 form; air density from the ISA barometric formula and ambient temperature);
- traction limited by tyre friction (with the load transfer of the acceleration), by the
  motor's torque below base speed and by the power the motor and the pack can deliver:
  a car that cannot keep up falls behind the trace, and steps more than 2 km/h behind (the
  GTR 15 speed tolerance) are counted, never silently clamped;
- motor + inverter losses over torque and speed (copper ~ tau^2, inverter ~ |tau|, iron ~
  sigma, windage ~ sigma^3; Larminie & Lowry 2012, ch. 7) times a factor for the motor's
  type, plus a fixed standby per running drive unit; AWD choosing the better of one axle or
  both, an idle secondary unit dragging the share of its speed losses and standby that its
  type sets (magnets drag, an unexcited machine barely, a disconnected one not at all);
  single-speed gear efficiency;
- regeneration limited by a deceleration threshold, low-speed fade, motor power and the
  pack's charge power and SOC headroom; friction brakes take the rest;
- battery as an equivalent circuit ``V = OCV(SOC) - I R(T)`` with Arrhenius resistance,
  solved for the current that delivers the terminal power; charge left and the minimum
  voltage cap the current, and what the pack cannot serve is reported as unserved energy.
"""

from __future__ import annotations

import math
from typing import Final

import numba
import numpy as np
from numba import njit, prange

from evtwin.battery.ocv import OCV_POLY, OCV_TABLE_SOC, ocv_relative
from evtwin.battery.pack import arrhenius_exponent

__all__ = [
    "BLOCK",
    "C_AIR_HEADWIND",
    "C_ALTITUDE_M",
    "C_AMBIENT_C",
    "C_AUX_W",
    "C_BATT_TEMP_C",
    "C_DRAG_FACTOR",
    "C_FRICTION",
    "C_HVAC_W",
    "C_PAYLOAD_KG",
    "C_REGEN_DECEL",
    "C_ROLL_FACTOR",
    "C_SOC0",
    "C_TRAILER_CDA",
    "C_TRAILER_CRR",
    "C_TRAILER_KG",
    "EFF_ESTIMATE",
    "G_ARRHENIUS",
    "G_CU",
    "G_DRY_MU",
    "G_FE",
    "G_GEAR",
    "G_INV",
    "G_REGEN_FULL",
    "G_REGEN_ZERO",
    "G_STANDBY",
    "G_WIND",
    "H_CURRENT",
    "H_DIST",
    "H_P_TERMINAL",
    "H_P_WHEEL",
    "H_SOC",
    "H_SPEED",
    "H_VOLTAGE",
    "KPH",
    "LOW_SOC_KNEE",
    "LOW_SOC_RESISTANCE_RISE",
    "N_C",
    "N_G",
    "N_H",
    "N_O",
    "N_P",
    "N_W",
    "OCV_POLY",
    "OCV_TABLE_SOC",
    "O_DEPLETED",
    "O_DIST_M",
    "O_E_AERO",
    "O_E_AUX",
    "O_E_BATT_LOSS",
    "O_E_BRAKING",
    "O_E_CHEMICAL",
    "O_E_FRICTION",
    "O_E_GEAR_LOSS",
    "O_E_GRADE",
    "O_E_HVAC",
    "O_E_MOTOR_LOSS",
    "O_E_REGEN_WHEEL",
    "O_E_ROLL",
    "O_E_TERMINAL",
    "O_E_TRACTION",
    "O_E_UNSERVED",
    "O_FIRST_MISS_S",
    "O_KE_END",
    "O_KE_START",
    "O_MAX_DEFICIT",
    "O_MIN_SOC",
    "O_MISS_STEPS",
    "O_PEAK_TERMINAL_W",
    "O_SOC_END",
    "O_TIME_S",
    "P_AWD",
    "P_BASE_SPEED",
    "P_BATT_J",
    "P_BATT_R",
    "P_BATT_V",
    "P_CHG_W",
    "P_DISCONNECT",
    "P_DIS_W",
    "P_F0",
    "P_F1",
    "P_F2",
    "P_FRONT_SHARE",
    "P_K_PRIMARY",
    "P_K_SECONDARY",
    "P_MASS",
    "P_MOTOR_W",
    "P_REGEN_DECEL",
    "P_RHO_REF",
    "P_RL_MASS",
    "P_ROTFRAC",
    "P_TRACTION_N",
    "P_VMIN",
    "TRACE_TOLERANCE_MPS",
    "W_ACC",
    "W_AWD",
    "W_DRAG_FRONT",
    "W_F0",
    "W_F1",
    "W_F2",
    "W_F_TRAILER",
    "W_HEADWIND",
    "W_INV_M_EFF",
    "W_INV_P_FRONT",
    "W_INV_P_RATED",
    "W_INV_P_REAR",
    "W_INV_Q",
    "W_INV_R",
    "W_INV_VBASE",
    "W_K_PRIMARY",
    "W_K_SECONDARY",
    "W_LOAD_W",
    "W_M_EFF",
    "W_M_TOT",
    "W_P_CHG",
    "W_P_DIS",
    "W_P_FRONT",
    "W_P_RATED",
    "W_P_REAR",
    "W_Q",
    "W_REC_CURRENT",
    "W_REC_P_TERM",
    "W_REC_P_WHEEL",
    "W_REC_VOLT",
    "W_REGEN_FORCE",
    "W_R_BATT",
    "W_SHARE",
    "W_SOC",
    "W_TRACTION",
    "W_V",
    "W_V_MIN",
    "W_V_NOM",
    "G",
    "ocv_relative",
    "run_kernel",
    "run_kernel_serial",
]


def _prefer_wide_vectors() -> None:
    """Let LLVM use 512-bit vectors where the CPU has AVX-512.

    LLVM defaults to 256-bit vectors on AVX-512 CPUs; this kernel's block loop is wide and
    arithmetic-bound, and runs ~1.4x faster with 512-bit vectors on the machines measured
    (BENCHMARKS.md). Does nothing if the user chose CPU features (``NUMBA_CPU_FEATURES``) or
    the CPU lacks AVX-512; the results are identical either way.
    """
    if getattr(numba.config, "CPU_FEATURES", None) is not None:
        return
    import llvmlite.binding as llvm

    features = llvm.get_host_cpu_features()
    if features.get("avx512f"):
        setattr(numba.config, "CPU_FEATURES", features.flatten() + ",-prefer-256-bit")  # noqa: B010


_prefer_wide_vectors()


# ==============================================================================================
# Column layout of the packed arrays (one row per batch element). It lives in this file on
# purpose: numba's on-disk cache is keyed on this file, so a layout change recompiles the
# kernel (constants imported from another module would be frozen into a stale cache).
# ==============================================================================================
# -- vehicle parameters (P) -----------------------------------------------------------------
P_MASS: Final = 0
P_ROTFRAC: Final = 1
P_F0: Final = 2
P_F1: Final = 3
P_F2: Final = 4
P_RHO_REF: Final = 5
P_MOTOR_W: Final = 6
P_AWD: Final = 7
P_FRONT_SHARE: Final = 8
P_DISCONNECT: Final = 9
P_BASE_SPEED: Final = 10
P_TRACTION_N: Final = 11
P_BATT_J: Final = 12
P_BATT_V: Final = 13
P_BATT_R: Final = 14
P_DIS_W: Final = 15
P_CHG_W: Final = 16
P_VMIN: Final = 17
P_RL_MASS: Final = 18
P_K_PRIMARY: Final = 19
P_K_SECONDARY: Final = 20
P_REGEN_DECEL: Final = 21
N_P: Final = 22

# -- conditions (C) --------------------------------------------------------------------------
C_AMBIENT_C: Final = 0
C_ALTITUDE_M: Final = 1
C_PAYLOAD_KG: Final = 2
C_TRAILER_KG: Final = 3
C_TRAILER_CDA: Final = 4
C_TRAILER_CRR: Final = 5
C_AIR_HEADWIND: Final = 6
C_HVAC_W: Final = 7
C_AUX_W: Final = 8
C_SOC0: Final = 9
C_BATT_TEMP_C: Final = 10
C_ROLL_FACTOR: Final = 11
C_FRICTION: Final = 12
C_REGEN_DECEL: Final = 13
C_DRAG_FACTOR: Final = 14
N_C: Final = 15

# -- global constants (G) --------------------------------------------------------------------
G_CU: Final = 0
G_INV: Final = 1
G_FE: Final = 2
G_WIND: Final = 3
G_STANDBY: Final = 4
G_GEAR: Final = 5
G_REGEN_FULL: Final = 6
G_REGEN_ZERO: Final = 7
G_ARRHENIUS: Final = 8
G_DRY_MU: Final = 9
N_G: Final = 10

# -- outputs (O), energies in J, per batch element ------------------------------------------
O_DIST_M: Final = 0
O_TIME_S: Final = 1
O_E_TERMINAL: Final = 2
O_E_CHEMICAL: Final = 3
O_E_BATT_LOSS: Final = 4
O_E_TRACTION: Final = 5
O_E_BRAKING: Final = 6
O_E_FRICTION: Final = 7
O_E_REGEN_WHEEL: Final = 8
O_E_MOTOR_LOSS: Final = 9
O_E_GEAR_LOSS: Final = 10
O_E_AUX: Final = 11
O_E_HVAC: Final = 12
O_E_ROLL: Final = 13
O_E_AERO: Final = 14
O_E_GRADE: Final = 15
O_KE_START: Final = 16
O_KE_END: Final = 17
O_SOC_END: Final = 18
O_MISS_STEPS: Final = 19
O_MAX_DEFICIT: Final = 20
O_FIRST_MISS_S: Final = 21
O_DEPLETED: Final = 22
O_PEAK_TERMINAL_W: Final = 23
O_MIN_SOC: Final = 24
O_E_UNSERVED: Final = 25
N_O: Final = 26

# -- recorded history (H), per time step ----------------------------------------------------
H_SPEED: Final = 0
H_SOC: Final = 1
H_P_TERMINAL: Final = 2
H_P_WHEEL: Final = 3
H_CURRENT: Final = 4
H_VOLTAGE: Final = 5
H_DIST: Final = 6
N_H: Final = 7


G = 9.80665
KPH = 3.6
TRACE_TOLERANCE_MPS = 2.0 / 3.6  # GTR 15 speed-trace tolerance, ±2 km/h
LOW_SOC_KNEE = 0.2  # below this SOC the pack's resistance rises ...
LOW_SOC_RESISTANCE_RISE = 1.0  # ... linearly, to (1 + this) x at 0 % (generic Li-ion ECM shape)
EFF_ESTIMATE = 0.9  # drive-efficiency estimate used only to turn electric limits into wheel limits

# Open-circuit voltage over SOC: the battery model's curve (evtwin.battery.ocv), re-exported.


_arrhenius_exponent = njit(inline="always", fastmath=True)(arrhenius_exponent)
"""The battery model's Arrhenius rule, compiled for the kernel."""


@njit(inline="always", fastmath=True)
def _ocv(soc: float, c: np.ndarray) -> float:
    return float(((((c[0] * soc + c[1]) * soc + c[2]) * soc + c[3]) * soc + c[4]) * soc + c[5])


@njit(inline="always", fastmath=True)
def _loss(
    p_abs: float,
    p_rated: float,
    inv_p_rated: float,
    inv_sig: float,
    spin: float,
    cu: float,
    inv: float,
) -> float:
    """Motor + inverter loss (W): load-dependent part plus the speed-dependent ``spin`` part."""
    tau = p_abs * inv_p_rated * inv_sig
    return p_rated * (cu * tau * tau + inv * tau + spin)


# Rows of the per-block workspace: one flat array ``W[row * BLOCK + j]`` holds every
# per-vehicle constant, state and accumulator of a block. A single array with a compile-time
# row stride lets the compiler prove the rows never overlap, so the loop over the block's
# vehicles is vectorised (AVX2/AVX-512) instead of running scalar.
BLOCK = 64
W_P_RATED = 0
W_INV_P_RATED = 1
W_INV_VBASE = 2
W_AWD = 3
W_P_FRONT = 4
W_P_REAR = 5
W_INV_P_FRONT = 6
W_INV_P_REAR = 7
W_DRAG_FRONT = 8
W_SHARE = 9
W_V_NOM = 10
W_V_MIN = 11
W_P_DIS = 12
W_P_CHG = 13
W_HEADWIND = 14
W_LOAD_W = 15
W_M_TOT = 16
W_M_EFF = 17
W_INV_M_EFF = 18
W_F0 = 19
W_F1 = 20
W_F2 = 21
W_F_TRAILER = 22
W_TRACTION = 23
W_R_BATT = 24
W_INV_R = 25
W_Q = 26
W_INV_Q = 27
W_REGEN_FORCE = 28
W_V = 29
W_SOC = 30
W_REC_P_TERM = 31
W_REC_P_WHEEL = 32
W_REC_CURRENT = 33
W_REC_VOLT = 34
W_K_PRIMARY = 35
W_K_SECONDARY = 36
W_ACC = 37
N_W = W_ACC + N_O


@njit(inline="always", fastmath=True)
def _init_slot(
    W: np.ndarray, B: int, j: int, P: np.ndarray, C: np.ndarray, Gc: np.ndarray, b: int, v0: float
) -> None:
    """Per-vehicle constants and initial state of slot ``j`` (row stride ``B``), element ``b``."""
    mass = P[b, P_MASS]
    pr = P[b, P_MOTOR_W]
    # a one-axle car is an AWD car with no front motor: one loss formula for all
    sh = P[b, P_FRONT_SHARE] if P[b, P_AWD] > 0.5 else 0.0
    W[W_P_RATED * B + j] = pr
    W[W_INV_P_RATED * B + j] = 1.0 / pr
    W[W_INV_VBASE * B + j] = 1.0 / P[b, P_BASE_SPEED]
    W[W_AWD * B + j] = P[b, P_AWD]
    W[W_SHARE * B + j] = sh
    W[W_P_FRONT * B + j] = sh * pr
    W[W_P_REAR * B + j] = (1.0 - sh) * pr
    W[W_INV_P_FRONT * B + j] = 1.0 / (sh * pr) if sh > 0.0 else 0.0
    W[W_INV_P_REAR * B + j] = 1.0 / ((1.0 - sh) * pr)
    W[W_DRAG_FRONT * B + j] = (1.0 - P[b, P_DISCONNECT]) if sh > 0.0 else 0.0
    W[W_K_PRIMARY * B + j] = P[b, P_K_PRIMARY]
    W[W_K_SECONDARY * B + j] = P[b, P_K_SECONDARY]
    v_nom = P[b, P_BATT_V]
    W[W_V_NOM * B + j] = v_nom
    W[W_V_MIN * B + j] = P[b, P_VMIN]
    W[W_P_DIS * B + j] = P[b, P_DIS_W]
    W[W_P_CHG * B + j] = P[b, P_CHG_W]
    ambient = C[b, C_AMBIENT_C]
    altitude = C[b, C_ALTITUDE_M]
    payload = C[b, C_PAYLOAD_KG]
    trailer = C[b, C_TRAILER_KG]
    W[W_HEADWIND * B + j] = C[b, C_AIR_HEADWIND]
    W[W_LOAD_W * B + j] = C[b, C_AUX_W] + C[b, C_HVAC_W]
    pressure = 101325.0 * (1.0 - 2.25577e-5 * altitude) ** 5.25588
    rho = pressure / (287.05 * (ambient + 273.15))
    m_veh = mass + payload
    m_eff = m_veh * (1.0 + P[b, P_ROTFRAC]) + trailer
    W[W_M_TOT * B + j] = m_veh + trailer
    W[W_M_EFF * B + j] = m_eff
    W[W_INV_M_EFF * B + j] = 1.0 / m_eff
    roll_k = (m_veh / P[b, P_RL_MASS]) * C[b, C_ROLL_FACTOR]
    W[W_F0 * B + j] = P[b, P_F0] * roll_k
    W[W_F1 * B + j] = P[b, P_F1] * roll_k
    W[W_F2 * B + j] = (
        P[b, P_F2] * C[b, C_DRAG_FACTOR] * rho / P[b, P_RHO_REF] + 0.5 * rho * C[b, C_TRAILER_CDA]
    )
    W[W_F_TRAILER * B + j] = C[b, C_TRAILER_CRR] * trailer * G
    # grip on the driven axle(s), and the motor's torque below base speed (rated power at
    # base speed: the constant-torque region of the loss model's own rating)
    W[W_TRACTION * B + j] = min(
        P[b, P_TRACTION_N] * (m_veh / mass) * C[b, C_FRICTION] / Gc[G_DRY_MU],
        pr * Gc[G_GEAR] / P[b, P_BASE_SPEED],
    )
    t_batt = C[b, C_BATT_TEMP_C]
    r = P[b, P_BATT_R] * math.exp(_arrhenius_exponent(Gc[G_ARRHENIUS], t_batt))
    W[W_R_BATT * B + j] = r
    W[W_INV_R * B + j] = 1.0 / r
    q = P[b, P_BATT_J] / v_nom
    W[W_Q * B + j] = q
    W[W_INV_Q * B + j] = 1.0 / q
    # regeneration: the conditions' (a drive mode's) limit, else the car's own (< 0 = unset)
    regen = C[b, C_REGEN_DECEL]
    W[W_REGEN_FORCE * B + j] = m_eff * (regen if regen >= 0.0 else P[b, P_REGEN_DECEL])
    soc0 = C[b, C_SOC0]
    W[W_V * B + j] = v0
    W[W_SOC * B + j] = soc0
    W[(W_ACC + O_KE_START) * B + j] = 0.5 * m_eff * v0 * v0
    W[(W_ACC + O_MIN_SOC) * B + j] = soc0
    W[(W_ACC + O_FIRST_MISS_S) * B + j] = -1.0


@njit(inline="always", fastmath=True)
def _step_slot(
    W: np.ndarray,
    B: int,
    j: int,
    dt: float,
    inv_dt: float,
    v_target: float,
    cos_t: float,
    sin_t: float,
    t_now: float,
    ocv_c: np.ndarray,
    Gc: np.ndarray,
) -> None:
    """One time step of slot ``j``: the physics of the module docstring, state and
    accumulators read from and written to the workspace ``W`` (row stride ``B``)."""
    cu = Gc[G_CU]
    inv = Gc[G_INV]
    fe = Gc[G_FE]
    wind = Gc[G_WIND]
    standby = Gc[G_STANDBY]
    gear = Gc[G_GEAR]
    inv_gear = 1.0 / gear
    regen_zero = Gc[G_REGEN_ZERO] / KPH
    inv_fade = 1.0 / (Gc[G_REGEN_FULL] / KPH - regen_zero)
    s = W[W_SOC * B + j]
    vj = W[W_V * B + j]
    # resistance rises at low SOC (x2 at empty, from LOW_SOC_KNEE down)
    low = max(LOW_SOC_KNEE - s, 0.0) * (1.0 / LOW_SOC_KNEE)
    r_factor = 1.0 + LOW_SOC_RESISTANCE_RISE * low
    r = W[W_R_BATT * B + j] * r_factor
    q = W[W_Q * B + j]
    load = W[W_LOAD_W * B + j]
    m_eff = W[W_M_EFF * B + j]
    inv_m_eff = W[W_INV_M_EFF * B + j]
    f0 = W[W_F0 * B + j]
    f1 = W[W_F1 * B + j]
    f2 = W[W_F2 * B + j]
    headwind = W[W_HEADWIND * B + j]
    traction = W[W_TRACTION * B + j]
    p_rated = W[W_P_RATED * B + j]
    voc = W[W_V_NOM * B + j] * _ocv(s, ocv_c)
    # current the pack can give: charge left this step, voltage floor
    i_max = max(
        min(s * q * inv_dt, (voc - W[W_V_MIN * B + j]) * W[W_INV_R * B + j] / r_factor),
        0.0,
    )
    p_avail = min(W[W_P_DIS * B + j], voc * i_max - i_max * i_max * r)
    p_wheel_max = max(min(p_rated * gear, (p_avail - load) * EFF_ESTIMATE), 0.0)
    f_grade = W[W_M_TOT * B + j] * G * sin_t
    roll_c = W[W_F_TRAILER * B + j] * cos_t
    # requested acceleration, then one correction if a power or grip limit binds
    # (the limit is evaluated at the requested mean speed: slightly conservative)
    a = (v_target - vj) * inv_dt
    for _ in range(2):
        v_avg = max(vj + 0.5 * a * dt, 0.0)
        mv = 1.0 if v_avg > 1e-3 else 0.0
        v_air = v_avg + headwind
        f_res = mv * ((f0 + f1 * v_avg) * cos_t + roll_c + f2 * v_air * abs(v_air)) + f_grade
        f_lim = min(traction, p_wheel_max / max(v_avg, 0.5))
        a = a if m_eff * a + f_res <= f_lim * (1.0 + 1e-9) else ((f_lim - f_res) * inv_m_eff)
    # a limit that would roll the car backwards stops it instead
    a = max(a, -vj * inv_dt)
    v_new = vj + a * dt
    v_avg = 0.5 * (vj + v_new)
    mv = 1.0 if v_avg > 1e-3 else 0.0
    v_air = v_avg + headwind
    f_roll = mv * ((f0 + f1 * v_avg) * cos_t + roll_c)
    f_aero = mv * f2 * v_air * abs(v_air)
    p_wheel = (f_roll + f_aero + f_grade + m_eff * a) * v_avg

    # regeneration cap (binds only when braking)
    fade = min(max((v_avg - regen_zero) * inv_fade, 0.0), 1.0)
    p_chg_now = min(W[W_P_CHG * B + j], voc * (1.0 - s) * q * inv_dt)
    # (the pack-side bound assumes a lossless drivetrain, so it can never
    # push more charge than the pack's limit or its SOC headroom)
    cap = fade * min(W[W_REGEN_FORCE * B + j] * v_avg, p_rated, (p_chg_now + load) * inv_gear)
    p_regen_wheel = min(max(p_wheel, -cap), 0.0)
    p_trac = max(p_wheel, 0.0)
    p_fric = min(p_wheel, 0.0) - p_regen_wheel
    p_mech = p_trac * inv_gear + p_regen_wheel * gear
    p_abs = abs(p_mech)

    # motor + inverter losses; AWD takes the better of rear-only and both axles
    # (for one-axle cars the front motor has zero rating and both equal one motor)
    sig = v_avg * W[W_INV_VBASE * B + j]
    inv_sig = 1.0 / max(sig, 0.05)
    turning = 1.0 if (sig > 1e-6 or p_abs > 0.0) else 0.0
    spin_speed = fe * sig + wind * sig * sig * sig
    spin_unit = turning * spin_speed
    # standby (W) of each drive unit that runs (inverter, pumps, gear churning): a fixed
    # cost per unit, not per kW, so a second unit is never free
    unit_w = turning * standby
    share = W[W_SHARE * B + j]
    p_front = W[W_P_FRONT * B + j]
    p_rear = W[W_P_REAR * B + j]
    inv_p_rear = W[W_INV_P_REAR * B + j]
    k_pri = W[W_K_PRIMARY * B + j]
    k_sec = W[W_K_SECONDARY * B + j]
    has_front = W[W_AWD * B + j]
    primary = k_pri * (
        _loss((1.0 - share) * p_abs, p_rear, inv_p_rear, inv_sig, spin_unit, cu, inv) + unit_w
    )
    split = primary + k_sec * (
        _loss(share * p_abs, p_front, W[W_INV_P_FRONT * B + j], inv_sig, spin_unit, cu, inv)
        + has_front * unit_w
    )
    rear_only = k_pri * (
        _loss(p_abs, p_rear, inv_p_rear, inv_sig, spin_unit, cu, inv) + unit_w
    ) + W[W_DRAG_FRONT * B + j] * (p_front * spin_unit + has_front * unit_w)
    loss = split if p_abs > p_rear else min(split, rear_only)
    p_term = p_mech + loss + load

    # equivalent circuit: I from P = (Voc - I R) I (stable form for small P)
    rad = max(voc * voc - 4.0 * r * p_term, 0.0)
    current = 2.0 * p_term / (voc + math.sqrt(rad))
    short = current > i_max
    served = voc * i_max - i_max * i_max * r
    unserved = (p_term - served) * dt if short else 0.0
    current = i_max if short else current
    p_term = served if short else p_term
    s_new = s - current * dt * W[W_INV_Q * B + j]

    A = W_ACC * B + j
    W[A + O_E_TERMINAL * B] += p_term * dt
    W[A + O_E_CHEMICAL * B] += voc * current * dt
    W[A + O_E_BATT_LOSS * B] += current * current * r * dt
    W[A + O_E_TRACTION * B] += p_trac * dt
    W[A + O_E_BRAKING * B] -= min(p_wheel, 0.0) * dt
    W[A + O_E_FRICTION * B] -= p_fric * dt
    W[A + O_E_REGEN_WHEEL * B] -= p_regen_wheel * dt
    W[A + O_E_GEAR_LOSS * B] += (p_trac * (inv_gear - 1.0) - p_regen_wheel * (1.0 - gear)) * dt
    W[A + O_E_MOTOR_LOSS * B] += loss * dt
    W[A + O_E_ROLL * B] += f_roll * v_avg * dt
    W[A + O_E_AERO * B] += f_aero * v_avg * dt
    W[A + O_E_GRADE * B] += f_grade * v_avg * dt
    W[A + O_E_UNSERVED * B] += unserved
    W[A + O_DEPLETED * B] = max(W[A + O_DEPLETED * B], 1.0 if short else 0.0)
    W[A + O_PEAK_TERMINAL_W * B] = max(W[A + O_PEAK_TERMINAL_W * B], p_term)
    W[A + O_MIN_SOC * B] = min(W[A + O_MIN_SOC * B], s_new)
    W[A + O_DIST_M * B] += v_avg * dt
    deficit = v_target - v_new
    missed = deficit > TRACE_TOLERANCE_MPS
    W[A + O_MISS_STEPS * B] += 1.0 if missed else 0.0
    first = W[A + O_FIRST_MISS_S * B]
    W[A + O_FIRST_MISS_S * B] = t_now if (missed and first < 0.0) else first
    W[A + O_MAX_DEFICIT * B] = max(W[A + O_MAX_DEFICIT * B], deficit)
    W[W_V * B + j] = v_new
    W[W_SOC * B + j] = s_new
    W[W_REC_P_TERM * B + j] = p_term
    W[W_REC_P_WHEEL * B + j] = p_wheel
    W[W_REC_CURRENT * B + j] = current
    W[W_REC_VOLT * B + j] = voc - current * r


# The step loop over a block's vehicles is a function of its own, compiled with numpy's error
# model, so that the serial entry point vectorises it as the parallel one does (measured:
# one block of 64 cars on the WLTC ~10x faster single-threaded, BENCHMARKS.md). Inlined into
# the serial entry's body at numba's level, the loop kept a reference-count increment and
# decrement of ``W`` per vehicle (numba's copy of the inlined argument) and a
# ZeroDivisionError exit per division (Python's error model), and LLVM left it scalar; the
# parallel entry escaped both because numba outlines a ``prange`` body into a function of its
# own compiled with numpy's error model. ``forceinline`` has LLVM inline it into each entry
# point (where the reference counts are pruned before the loop is vectorised): called
# instead, a fresh compilation ran the function's own, scalar copy. Same arithmetic: the
# divisors are positive constants, bounded below or the pack's open-circuit voltage, so the
# error model only says what a division by zero would do (give inf rather than raise, as it
# always did in the parallel entry). The two entry points give the same answers (bit for
# bit on the machine measured, bar the last bit of a recorded voltage) and both compile to
# packed arithmetic (tests/sim/test_kernel_entries.py).
@njit(fastmath=True, error_model="numpy", forceinline=True)
def _step_block(
    W: np.ndarray,
    nb: int,
    dt: float,
    inv_dt: float,
    v_target: float,
    cos_t: float,
    sin_t: float,
    t_now: float,
    ocv_c: np.ndarray,
    Gc: np.ndarray,
) -> None:
    """One time step of slots ``0 .. nb-1`` of a block's workspace (row stride ``BLOCK``)."""
    for j in range(nb):
        _step_slot(W, BLOCK, j, dt, inv_dt, v_target, cos_t, sin_t, t_now, ocv_c, Gc)


@njit(inline="always", fastmath=True)
def _finish_slot(
    W: np.ndarray, B: int, j: int, out: np.ndarray, C: np.ndarray, b: int, duration: float
) -> None:
    """Totals of slot ``j`` into ``out[b]``."""
    for o in range(N_O):
        out[b, o] = W[(W_ACC + o) * B + j]
    out[b, O_E_AUX] = C[b, C_AUX_W] * duration
    out[b, O_E_HVAC] = C[b, C_HVAC_W] * duration
    out[b, O_TIME_S] = duration
    vj = W[W_V * B + j]
    out[b, O_KE_END] = 0.5 * W[W_M_EFF * B + j] * vj * vj
    out[b, O_SOC_END] = W[W_SOC * B + j]


@njit(inline="always", fastmath=True)
def _run_blocks(
    P: np.ndarray,
    C: np.ndarray,
    Gc: np.ndarray,
    ocv_c: np.ndarray,
    blocks: np.ndarray,
    order: np.ndarray,
    TT: np.ndarray,
    VT: np.ndarray,
    COS: np.ndarray,
    SIN: np.ndarray,
    lengths: np.ndarray,
    out: np.ndarray,
    hist: np.ndarray,
    hist_row: np.ndarray,
) -> None:
    """Step every block; ``blocks[i] = (start, length <= BLOCK, trace)`` into ``order``."""
    B = BLOCK
    for bi in prange(blocks.shape[0]):
        start = blocks[bi, 0]
        nb = blocks[bi, 1]
        tr = blocks[bi, 2]
        nt = lengths[tr]
        # the block's elements: full blocks run as vectors, a short block's tail runs scalar
        # (a batch of one steps one slot, not BLOCK)
        idx = np.empty(B, dtype=np.int64)
        for j in range(nb):
            idx[j] = order[start + j]
        rec_block = False
        for j in range(nb):
            if hist_row[idx[j]] >= 0:
                rec_block = True
        W = np.zeros(N_W * B)

        # -- per-vehicle constants and initial state -------------------------------------------
        for j in range(nb):
            b = idx[j]
            _init_slot(W, B, j, P, C, Gc, b, VT[tr, 0])
            if hist_row[b] >= 0:
                h = hist_row[b]
                hist[h, H_SPEED, 0] = W[W_V * B + j]
                hist[h, H_SOC, 0] = W[W_SOC * B + j]
                hist[h, H_VOLTAGE, 0] = W[W_V_NOM * B + j] * _ocv(W[W_SOC * B + j], ocv_c)

        # -- time loop: one step for every vehicle of the block (vectorised over j) -----------
        for k in range(1, nt):
            dt = TT[tr, k] - TT[tr, k - 1]
            inv_dt = 1.0 / dt
            v_target = VT[tr, k]
            cos_t = COS[tr, k]
            sin_t = SIN[tr, k]
            t_now = TT[tr, k]
            _step_block(W, nb, dt, inv_dt, v_target, cos_t, sin_t, t_now, ocv_c, Gc)
            if rec_block:
                for j in range(nb):
                    h = hist_row[idx[j]]
                    if h >= 0:
                        hist[h, H_SPEED, k] = W[W_V * B + j]
                        hist[h, H_SOC, k] = W[W_SOC * B + j]
                        hist[h, H_P_TERMINAL, k] = W[W_REC_P_TERM * B + j]
                        hist[h, H_P_WHEEL, k] = W[W_REC_P_WHEEL * B + j]
                        hist[h, H_CURRENT, k] = W[W_REC_CURRENT * B + j]
                        hist[h, H_VOLTAGE, k] = W[W_REC_VOLT * B + j]
                        hist[h, H_DIST, k] = W[(W_ACC + O_DIST_M) * B + j]

        # -- totals ------------------------------------------------------------------------------
        duration = TT[tr, nt - 1] - TT[tr, 0]
        for j in range(nb):
            _finish_slot(W, B, j, out, C, idx[j], duration)


# One implementation, two entry points: parallel over blocks for batches, and serial for a
# single block, where waking the thread pool costs more than the whole run. (Two distinct
# functions, so numba's on-disk cache keeps the two compilations apart.)
@njit(cache=True, parallel=True, fastmath=True)
def run_kernel(
    P: np.ndarray,
    C: np.ndarray,
    Gc: np.ndarray,
    ocv_c: np.ndarray,
    blocks: np.ndarray,
    order: np.ndarray,
    TT: np.ndarray,
    VT: np.ndarray,
    COS: np.ndarray,
    SIN: np.ndarray,
    lengths: np.ndarray,
    out: np.ndarray,
    hist: np.ndarray,
    hist_row: np.ndarray,
) -> None:
    _run_blocks(P, C, Gc, ocv_c, blocks, order, TT, VT, COS, SIN, lengths, out, hist, hist_row)


@njit(cache=True, parallel=False, fastmath=True)
def run_kernel_serial(
    P: np.ndarray,
    C: np.ndarray,
    Gc: np.ndarray,
    ocv_c: np.ndarray,
    blocks: np.ndarray,
    order: np.ndarray,
    TT: np.ndarray,
    VT: np.ndarray,
    COS: np.ndarray,
    SIN: np.ndarray,
    lengths: np.ndarray,
    out: np.ndarray,
    hist: np.ndarray,
    hist_row: np.ndarray,
) -> None:
    _run_blocks(P, C, Gc, ocv_c, blocks, order, TT, VT, COS, SIN, lengths, out, hist, hist_row)
