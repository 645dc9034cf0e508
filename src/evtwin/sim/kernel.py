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
- traction limited by tyre friction and by the power the motor and the pack can deliver:
  a car that cannot keep up falls behind the trace, and steps more than 2 km/h behind (the
  GTR 15 speed tolerance) are counted, never silently clamped;
- motor + inverter losses over torque and speed (copper ~ tau^2, inverter ~ |tau|, iron ~
  sigma, windage ~ sigma^3, standby; Larminie & Lowry 2012, ch. 7), AWD choosing the better
  of one axle or both; single-speed gear efficiency;
- regeneration limited by a deceleration threshold, low-speed fade, motor power and the
  pack's charge power and SOC headroom; friction brakes take the rest;
- battery as an equivalent circuit ``V = OCV(SOC) - I R(T)`` with Arrhenius resistance,
  solved for the current that delivers the terminal power; charge left and the minimum
  voltage cap the current, and what the pack cannot serve is reported as unserved energy.
"""

from __future__ import annotations

import math

import numpy as np
from numba import njit, prange

from evtwin.sim import layout as L

G = 9.80665
KPH = 3.6
TRACE_TOLERANCE_MPS = 2.0 / 3.6  # GTR 15 speed-trace tolerance, ±2 km/h
EFF_ESTIMATE = 0.9  # drive-efficiency estimate used only to turn electric limits into wheel limits

# Open-circuit voltage over SOC, relative to its mean over the usable window: a generic NMC
# pack shape (assumption). Tabulated at SOC 0, 0.1, ..., 1; the kernel uses the least-squares
# 5th-order polynomial through these points (max deviation 0.1 %), normalised to mean 1.
OCV_TABLE_SOC = np.linspace(0.0, 1.0, 11)
_OCV_RAW = np.array([0.880, 0.925, 0.950, 0.965, 0.980, 0.995, 1.010, 1.030, 1.050, 1.075, 1.100])
_poly = np.polyfit(OCV_TABLE_SOC, _OCV_RAW, 5)
_mean = float(np.polyval(np.polyint(_poly), 1.0) - np.polyval(np.polyint(_poly), 0.0))
OCV_POLY = _poly / _mean
"""Coefficients, highest power first, of OCV/V_nom as a polynomial in SOC."""


def ocv_relative(soc: np.ndarray | float) -> np.ndarray:
    """OCV / nominal voltage at ``soc`` (0..1), the same curve the kernel uses."""
    return np.asarray(np.polyval(OCV_POLY, soc), dtype=np.float64)


@njit(cache=True, inline="always", fastmath=True)
def _ocv(soc: float, c: np.ndarray) -> float:
    return float(((((c[0] * soc + c[1]) * soc + c[2]) * soc + c[3]) * soc + c[4]) * soc + c[5])


@njit(cache=True, inline="always", fastmath=True)
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
W_ACC = 35
N_W = W_ACC + L.N_O


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
    """Step every block; ``blocks[i] = (start, length <= BLOCK, trace)`` into ``order``."""
    cu = Gc[L.G_CU]
    inv = Gc[L.G_INV]
    fe = Gc[L.G_FE]
    wind = Gc[L.G_WIND]
    standby = Gc[L.G_STANDBY]
    gear = Gc[L.G_GEAR]
    inv_gear = 1.0 / gear
    regen_full = Gc[L.G_REGEN_FULL] / KPH
    regen_zero = Gc[L.G_REGEN_ZERO] / KPH
    inv_fade = 1.0 / (regen_full - regen_zero)
    B = BLOCK
    for bi in prange(blocks.shape[0]):
        start = blocks[bi, 0]
        nb = blocks[bi, 1]
        tr = blocks[bi, 2]
        nt = lengths[tr]
        # the block's elements; slots past nb repeat the first element (results discarded)
        idx = np.empty(B, dtype=np.int64)
        for j in range(B):
            idx[j] = order[start + (j if j < nb else 0)]
        rec_block = False
        for j in range(nb):
            if hist_row[idx[j]] >= 0:
                rec_block = True
        W = np.zeros(N_W * B)

        # -- per-vehicle constants and initial state -------------------------------------------
        for j in range(B):
            b = idx[j]
            mass = P[b, L.P_MASS]
            pr = P[b, L.P_MOTOR_W]
            # a one-axle car is an AWD car with no front motor: one loss formula for all
            sh = P[b, L.P_FRONT_SHARE] if P[b, L.P_AWD] > 0.5 else 0.0
            W[W_P_RATED * B + j] = pr
            W[W_INV_P_RATED * B + j] = 1.0 / pr
            W[W_INV_VBASE * B + j] = 1.0 / P[b, L.P_BASE_SPEED]
            W[W_AWD * B + j] = P[b, L.P_AWD]
            W[W_SHARE * B + j] = sh
            W[W_P_FRONT * B + j] = sh * pr
            W[W_P_REAR * B + j] = (1.0 - sh) * pr
            W[W_INV_P_FRONT * B + j] = 1.0 / (sh * pr) if sh > 0.0 else 0.0
            W[W_INV_P_REAR * B + j] = 1.0 / ((1.0 - sh) * pr)
            W[W_DRAG_FRONT * B + j] = (1.0 - P[b, L.P_DISCONNECT]) if sh > 0.0 else 0.0
            v_nom = P[b, L.P_BATT_V]
            W[W_V_NOM * B + j] = v_nom
            W[W_V_MIN * B + j] = P[b, L.P_VMIN]
            W[W_P_DIS * B + j] = P[b, L.P_DIS_W]
            W[W_P_CHG * B + j] = P[b, L.P_CHG_W]
            ambient = C[b, L.C_AMBIENT_C]
            altitude = C[b, L.C_ALTITUDE_M]
            payload = C[b, L.C_PAYLOAD_KG]
            trailer = C[b, L.C_TRAILER_KG]
            W[W_HEADWIND * B + j] = C[b, L.C_AIR_HEADWIND]
            W[W_LOAD_W * B + j] = C[b, L.C_AUX_W] + C[b, L.C_HVAC_W]
            pressure = 101325.0 * (1.0 - 2.25577e-5 * altitude) ** 5.25588
            rho = pressure / (287.05 * (ambient + 273.15))
            m_veh = mass + payload
            m_eff = m_veh * (1.0 + P[b, L.P_ROTFRAC]) + trailer
            W[W_M_TOT * B + j] = m_veh + trailer
            W[W_M_EFF * B + j] = m_eff
            W[W_INV_M_EFF * B + j] = 1.0 / m_eff
            roll_k = (m_veh / P[b, L.P_RL_MASS]) * C[b, L.C_ROLL_FACTOR]
            W[W_F0 * B + j] = P[b, L.P_F0] * roll_k
            W[W_F1 * B + j] = P[b, L.P_F1] * roll_k
            W[W_F2 * B + j] = (
                P[b, L.P_F2] * rho / P[b, L.P_RHO_REF] + 0.5 * rho * C[b, L.C_TRAILER_CDA]
            )
            W[W_F_TRAILER * B + j] = C[b, L.C_TRAILER_CRR] * trailer * G
            W[W_TRACTION * B + j] = (
                P[b, L.P_TRACTION_N] * (m_veh / mass) * C[b, L.C_FRICTION] / Gc[L.G_DRY_MU]
            )
            t_batt = C[b, L.C_BATT_TEMP_C]
            r = P[b, L.P_BATT_R] * math.exp(
                Gc[L.G_ARRHENIUS] * (1.0 / (t_batt + 273.15) - 1.0 / 298.15)
            )
            W[W_R_BATT * B + j] = r
            W[W_INV_R * B + j] = 1.0 / r
            q = P[b, L.P_BATT_J] / v_nom
            W[W_Q * B + j] = q
            W[W_INV_Q * B + j] = 1.0 / q
            W[W_REGEN_FORCE * B + j] = m_eff * Gc[L.G_REGEN_DECEL]
            v0 = VT[tr, 0]
            soc0 = C[b, L.C_SOC0]
            W[W_V * B + j] = v0
            W[W_SOC * B + j] = soc0
            W[(W_ACC + L.O_KE_START) * B + j] = 0.5 * m_eff * v0 * v0
            W[(W_ACC + L.O_MIN_SOC) * B + j] = soc0
            W[(W_ACC + L.O_FIRST_MISS_S) * B + j] = -1.0
            if j < nb and hist_row[b] >= 0:
                h = hist_row[b]
                hist[h, L.H_SPEED, 0] = v0
                hist[h, L.H_SOC, 0] = soc0
                hist[h, L.H_VOLTAGE, 0] = v_nom * _ocv(soc0, ocv_c)

        # -- time loop: one step for every vehicle of the block (vectorised over j) -----------
        for k in range(1, nt):
            dt = TT[tr, k] - TT[tr, k - 1]
            inv_dt = 1.0 / dt
            v_target = VT[tr, k]
            cos_t = COS[tr, k]
            sin_t = SIN[tr, k]
            t_now = TT[tr, k]
            for j in range(B):
                s = W[W_SOC * B + j]
                vj = W[W_V * B + j]
                r = W[W_R_BATT * B + j]
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
                    min(s * q * inv_dt, (voc - W[W_V_MIN * B + j]) * W[W_INV_R * B + j]), 0.0
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
                    f_res = (
                        mv * ((f0 + f1 * v_avg) * cos_t + roll_c + f2 * v_air * abs(v_air))
                        + f_grade
                    )
                    f_lim = min(traction, p_wheel_max / max(v_avg, 0.5))
                    a = (
                        a
                        if m_eff * a + f_res <= f_lim * (1.0 + 1e-9)
                        else ((f_lim - f_res) * inv_m_eff)
                    )
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
                cap = fade * min(
                    W[W_REGEN_FORCE * B + j] * v_avg, p_rated, (p_chg_now + load) * inv_gear
                )
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
                spin_unit = turning * (spin_speed + standby)
                share = W[W_SHARE * B + j]
                p_front = W[W_P_FRONT * B + j]
                p_rear = W[W_P_REAR * B + j]
                inv_p_rear = W[W_INV_P_REAR * B + j]
                split = _loss(
                    share * p_abs, p_front, W[W_INV_P_FRONT * B + j], inv_sig, spin_unit, cu, inv
                ) + _loss((1.0 - share) * p_abs, p_rear, inv_p_rear, inv_sig, spin_unit, cu, inv)
                rear_only = _loss(p_abs, p_rear, inv_p_rear, inv_sig, spin_unit, cu, inv) + (
                    W[W_DRAG_FRONT * B + j] * p_front * turning * spin_speed
                )
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
                W[A + L.O_E_TERMINAL * B] += p_term * dt
                W[A + L.O_E_CHEMICAL * B] += voc * current * dt
                W[A + L.O_E_BATT_LOSS * B] += current * current * r * dt
                W[A + L.O_E_TRACTION * B] += p_trac * dt
                W[A + L.O_E_BRAKING * B] -= min(p_wheel, 0.0) * dt
                W[A + L.O_E_FRICTION * B] -= p_fric * dt
                W[A + L.O_E_REGEN_WHEEL * B] -= p_regen_wheel * dt
                W[A + L.O_E_GEAR_LOSS * B] += (
                    p_trac * (inv_gear - 1.0) - p_regen_wheel * (1.0 - gear)
                ) * dt
                W[A + L.O_E_MOTOR_LOSS * B] += loss * dt
                W[A + L.O_E_ROLL * B] += f_roll * v_avg * dt
                W[A + L.O_E_AERO * B] += f_aero * v_avg * dt
                W[A + L.O_E_GRADE * B] += f_grade * v_avg * dt
                W[A + L.O_E_UNSERVED * B] += unserved
                W[A + L.O_DEPLETED * B] = max(W[A + L.O_DEPLETED * B], 1.0 if short else 0.0)
                W[A + L.O_PEAK_TERMINAL_W * B] = max(W[A + L.O_PEAK_TERMINAL_W * B], p_term)
                W[A + L.O_MIN_SOC * B] = min(W[A + L.O_MIN_SOC * B], s_new)
                W[A + L.O_DIST_M * B] += v_avg * dt
                deficit = v_target - v_new
                missed = deficit > TRACE_TOLERANCE_MPS
                W[A + L.O_MISS_STEPS * B] += 1.0 if missed else 0.0
                first = W[A + L.O_FIRST_MISS_S * B]
                W[A + L.O_FIRST_MISS_S * B] = t_now if (missed and first < 0.0) else first
                W[A + L.O_MAX_DEFICIT * B] = max(W[A + L.O_MAX_DEFICIT * B], deficit)
                W[W_V * B + j] = v_new
                W[W_SOC * B + j] = s_new
                W[W_REC_P_TERM * B + j] = p_term
                W[W_REC_P_WHEEL * B + j] = p_wheel
                W[W_REC_CURRENT * B + j] = current
                W[W_REC_VOLT * B + j] = voc - current * r
            if rec_block:
                for j in range(nb):
                    h = hist_row[idx[j]]
                    if h >= 0:
                        hist[h, L.H_SPEED, k] = W[W_V * B + j]
                        hist[h, L.H_SOC, k] = W[W_SOC * B + j]
                        hist[h, L.H_P_TERMINAL, k] = W[W_REC_P_TERM * B + j]
                        hist[h, L.H_P_WHEEL, k] = W[W_REC_P_WHEEL * B + j]
                        hist[h, L.H_CURRENT, k] = W[W_REC_CURRENT * B + j]
                        hist[h, L.H_VOLTAGE, k] = W[W_REC_VOLT * B + j]
                        hist[h, L.H_DIST, k] = W[(W_ACC + L.O_DIST_M) * B + j]

        # -- totals ------------------------------------------------------------------------------
        duration = TT[tr, nt - 1] - TT[tr, 0]
        for j in range(nb):
            b = idx[j]
            for o in range(L.N_O):
                out[b, o] = W[(W_ACC + o) * B + j]
            out[b, L.O_E_AUX] = C[b, L.C_AUX_W] * duration
            out[b, L.O_E_HVAC] = C[b, L.C_HVAC_W] * duration
            out[b, L.O_TIME_S] = duration
            vj = W[W_V * B + j]
            out[b, L.O_KE_END] = 0.5 * W[W_M_EFF * B + j] * vj * vj
            out[b, L.O_SOC_END] = W[W_SOC * B + j]
