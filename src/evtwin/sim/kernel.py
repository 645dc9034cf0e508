"""The compiled time-stepped kernel: every batch element (vehicle x conditions x trace) at once.

One implementation for every caller: the single-car answer is a batch of one. The loop over
the batch runs in parallel (``numba.prange``); each element steps through its trace with
backward-difference kinematics at the interval's mean speed (as FASTSim and the GTR 15
energy calculation do).

Physics per step (references in the docstrings of :mod:`evtwin.sim.engine`):
road load ``F = (f0 + f1 v) k_m cos(th) + rho/rho_ref f2 v_air|v_air| + m g sin(th) + m_eff a``;
motor + inverter losses over torque/speed; single-speed gear; regeneration limited by
deceleration, low-speed fade, motor and battery charge power, with friction brakes taking
the rest; battery as an equivalent circuit ``V = OCV(SOC) - I R(T)`` solved for the current
that delivers the terminal power. A vehicle that cannot follow its trace (power, traction or
energy limit) falls behind it, and the kernel counts the steps outside the GTR 15 ±2 km/h
band instead of clamping silently.
"""

from __future__ import annotations

import math

import numpy as np
from numba import njit, prange

from evtwin.sim.layout import (
    C_AIR_HEADWIND,
    C_ALTITUDE_M,
    C_AMBIENT_C,
    C_AUX_W,
    C_BATT_TEMP_C,
    C_FRICTION,
    C_HVAC_W,
    C_PAYLOAD_KG,
    C_ROLL_FACTOR,
    C_SOC0,
    C_TRAILER_CDA,
    C_TRAILER_CRR,
    C_TRAILER_KG,
    G_ARRHENIUS,
    G_CU,
    G_DRY_MU,
    G_FE,
    G_GEAR,
    G_INV,
    G_REGEN_DECEL,
    G_REGEN_FULL,
    G_REGEN_ZERO,
    G_STANDBY,
    G_WIND,
    H_CURRENT,
    H_DIST,
    H_P_TERMINAL,
    H_P_WHEEL,
    H_SOC,
    H_SPEED,
    H_VOLTAGE,
    O_DEPLETED,
    O_DIST_M,
    O_E_AERO,
    O_E_AUX,
    O_E_BATT_LOSS,
    O_E_BRAKING,
    O_E_CHEMICAL,
    O_E_FRICTION,
    O_E_GEAR_LOSS,
    O_E_GRADE,
    O_E_HVAC,
    O_E_MOTOR_LOSS,
    O_E_REGEN_WHEEL,
    O_E_ROLL,
    O_E_TERMINAL,
    O_E_TRACTION,
    O_E_UNSERVED,
    O_FIRST_MISS_S,
    O_KE_END,
    O_KE_START,
    O_MAX_DEFICIT,
    O_MIN_SOC,
    O_MISS_STEPS,
    O_PEAK_TERMINAL_W,
    O_SOC_END,
    O_TIME_S,
    P_AWD,
    P_BASE_SPEED,
    P_BATT_J,
    P_BATT_R,
    P_BATT_V,
    P_CHG_W,
    P_DIS_W,
    P_DISCONNECT,
    P_F0,
    P_F1,
    P_F2,
    P_FRONT_SHARE,
    P_MASS,
    P_MOTOR_W,
    P_RHO_REF,
    P_RL_MASS,
    P_ROTFRAC,
    P_TRACTION_N,
    P_VMIN,
)

G = 9.80665
KPH = 3.6
TRACE_TOLERANCE_MPS = 2.0 / 3.6  # GTR 15 speed-trace tolerance, ±2 km/h
EFF_ESTIMATE = 0.9  # drive-efficiency estimate used only to turn electric limits into wheel limits

# Open-circuit voltage over SOC (0, 0.1, ..., 1), relative to the window mean: a generic
# NMC pack shape (assumption; normalised so its mean over the usable window is 1).
_OCV_RAW = np.array([0.880, 0.925, 0.950, 0.965, 0.980, 0.995, 1.010, 1.030, 1.050, 1.075, 1.100])
# trapezoid mean over [0, 1] with 0.1 spacing
_OCV_MEAN = (0.5 * (_OCV_RAW[0] + _OCV_RAW[-1]) + _OCV_RAW[1:-1].sum()) / 10.0
OCV_REL = _OCV_RAW / _OCV_MEAN


@njit(cache=True, inline="always")
def ocv_rel(soc: float, table: np.ndarray) -> float:
    x = soc * 10.0
    if x <= 0.0:
        return float(table[0])
    if x >= 10.0:
        return float(table[10])
    i = int(x)
    f = x - i
    return float(table[i] * (1.0 - f) + table[i + 1] * f)


@njit(cache=True, inline="always")
def motor_loss(p_mech: float, p_rated: float, sigma: float, g: np.ndarray) -> float:
    """Motor + inverter loss (W) at mechanical power ``p_mech`` and relative speed ``sigma``."""
    if p_mech == 0.0 and sigma < 1e-6:
        return 0.0
    tau = abs(p_mech) / p_rated / max(sigma, 0.05)
    return float(p_rated) * float(
        g[G_CU] * tau * tau
        + g[G_INV] * tau
        + g[G_FE] * sigma
        + g[G_WIND] * sigma * sigma * sigma
        + g[G_STANDBY]
    )


@njit(cache=True, inline="always")
def drive_loss(
    p_mech: float,
    p_rated: float,
    awd: float,
    share: float,
    disconnect: float,
    sigma: float,
    g: np.ndarray,
) -> float:
    """Least loss over the torque splits the drivetrain allows (AWD picks the better split)."""
    if awd < 0.5:
        return motor_loss(p_mech, p_rated, sigma, g)
    p_front = share * p_rated
    p_rear = p_rated - p_front
    # both axles, torque in proportion to rating
    split = motor_loss(share * p_mech, p_front, sigma, g) + motor_loss(
        (1.0 - share) * p_mech, p_rear, sigma, g
    )
    if abs(p_mech) > p_rear:
        return split
    # rear axle alone; front motor disconnected (no loss) or dragged (spin losses)
    rear_only = motor_loss(p_mech, p_rear, sigma, g)
    if disconnect < 0.5 and sigma > 1e-6:
        rear_only += p_front * (g[G_FE] * sigma + g[G_WIND] * sigma * sigma * sigma)
    return min(split, rear_only)


@njit(cache=True, parallel=True)
def run_kernel(
    P: np.ndarray,
    C: np.ndarray,
    Gc: np.ndarray,
    ocv_table: np.ndarray,
    trace_of: np.ndarray,
    T: np.ndarray,
    V: np.ndarray,
    GR: np.ndarray,
    L: np.ndarray,
    out: np.ndarray,
    hist: np.ndarray,
) -> None:
    n = P.shape[0]
    n_hist = hist.shape[0]
    for b in prange(n):
        tr = trace_of[b]
        nt = L[tr]
        mass = P[b, P_MASS]
        p_rated = P[b, P_MOTOR_W]
        v_base = P[b, P_BASE_SPEED]
        awd = P[b, P_AWD]
        share = P[b, P_FRONT_SHARE]
        disc = P[b, P_DISCONNECT]
        e_batt = P[b, P_BATT_J]
        v_nom = P[b, P_BATT_V]
        v_min = P[b, P_VMIN]
        p_dis = P[b, P_DIS_W]
        p_chg = P[b, P_CHG_W]

        ambient = C[b, C_AMBIENT_C]
        altitude = C[b, C_ALTITUDE_M]
        payload = C[b, C_PAYLOAD_KG]
        trailer = C[b, C_TRAILER_KG]
        headwind = C[b, C_AIR_HEADWIND]
        hvac = C[b, C_HVAC_W]
        aux = C[b, C_AUX_W]
        soc = C[b, C_SOC0]
        t_batt = C[b, C_BATT_TEMP_C]
        mu = C[b, C_FRICTION]

        # air density: ISA barometric pressure at altitude, ideal gas at ambient temperature
        pressure = 101325.0 * (1.0 - 2.25577e-5 * altitude) ** 5.25588
        rho = pressure / (287.05 * (ambient + 273.15))
        m_veh = mass + payload
        m_tot = m_veh + trailer
        m_eff = m_veh * (1.0 + P[b, P_ROTFRAC]) + trailer
        roll_k = (m_veh / P[b, P_RL_MASS]) * C[b, C_ROLL_FACTOR]
        f0 = P[b, P_F0] * roll_k
        f1 = P[b, P_F1] * roll_k
        f2 = P[b, P_F2] * rho / P[b, P_RHO_REF] + 0.5 * rho * C[b, C_TRAILER_CDA]
        f_trailer_roll = C[b, C_TRAILER_CRR] * trailer * G
        traction_max = P[b, P_TRACTION_N] * (m_veh / mass) * mu / Gc[G_DRY_MU]
        r_batt = P[b, P_BATT_R] * math.exp(
            Gc[G_ARRHENIUS] * (1.0 / (t_batt + 273.15) - 1.0 / 298.15)
        )
        q_coulomb = e_batt / v_nom
        gear = Gc[G_GEAR]
        regen_force_max = m_eff * Gc[G_REGEN_DECEL]
        regen_full = Gc[G_REGEN_FULL] / KPH
        regen_zero = Gc[G_REGEN_ZERO] / KPH

        v = V[tr, 0]
        ke_start = 0.5 * m_eff * v * v
        dist = 0.0
        e_term = 0.0
        e_chem = 0.0
        e_rloss = 0.0
        e_trac = 0.0
        e_brake = 0.0
        e_fric = 0.0
        e_regen = 0.0
        e_mloss = 0.0
        e_gloss = 0.0
        e_aux = 0.0
        e_hvac = 0.0
        e_roll = 0.0
        e_aero = 0.0
        e_grade = 0.0
        e_unserved = 0.0
        miss = 0.0
        max_def = 0.0
        first_miss = -1.0
        depleted = 0.0
        peak = 0.0
        min_soc = soc
        rec = b < n_hist
        if rec:
            hist[b, H_SPEED, 0] = v
            hist[b, H_SOC, 0] = soc
            hist[b, H_VOLTAGE, 0] = v_nom * ocv_rel(soc, ocv_table)

        for k in range(1, nt):
            dt = T[tr, k] - T[tr, k - 1]
            v_target = V[tr, k]
            grade = GR[tr, k]
            inv_hyp = 1.0 / math.sqrt(1.0 + grade * grade)
            cos_t = inv_hyp
            sin_t = grade * inv_hyp

            voc = v_nom * ocv_rel(soc, ocv_table)
            # electric power the pack can deliver this step: rating, voltage floor, charge left
            i_left = soc * q_coulomb / dt
            i_vmin = (voc - v_min) / r_batt
            i_cap = min(i_left, i_vmin)
            p_avail = min(p_dis, voc * i_cap - i_cap * i_cap * r_batt)
            p_wheel_max = min(p_rated * gear, (p_avail - aux - hvac) * EFF_ESTIMATE)
            if p_wheel_max < 0.0:
                p_wheel_max = 0.0

            a = (v_target - v) / dt
            f_roll = 0.0
            f_aero = 0.0
            f_grade = 0.0
            v_avg = 0.0
            f_wheel = 0.0
            for _ in range(3):  # at most two corrections when a limit binds
                v_avg = v + 0.5 * a * dt
                if v_avg < 0.0:
                    v_avg = 0.0
                moving = v_avg > 1e-3
                f_roll = ((f0 + f1 * v_avg) * cos_t + f_trailer_roll * cos_t) if moving else 0.0
                v_air = v_avg + headwind
                f_aero = f2 * v_air * abs(v_air) if moving else 0.0
                f_grade = m_tot * G * sin_t
                f_res = f_roll + f_aero + f_grade
                f_wheel = f_res + m_eff * a
                if f_wheel <= 0.0:
                    break
                f_lim = min(traction_max, p_wheel_max / max(v_avg, 0.5))
                if f_wheel <= f_lim * (1.0 + 1e-9):
                    break
                a = (f_lim - f_res) / m_eff
            v_new = v + a * dt
            if v_new < 0.0:
                v_new = 0.0
                a = -v / dt
                v_avg = 0.5 * v
            p_wheel = f_wheel * v_avg
            sigma = v_avg / v_base

            if p_wheel >= 0.0:
                p_mech = p_wheel / gear
                p_fric = 0.0
                p_regen_wheel = 0.0
            else:
                fade = (v_avg - regen_zero) / (regen_full - regen_zero)
                fade = min(max(fade, 0.0), 1.0)
                # battery headroom: charge limit and the SOC room left in this step
                i_room = (1.0 - soc) * q_coulomb / dt
                p_chg_now = min(p_chg, voc * i_room)
                cap = min(
                    regen_force_max * v_avg,
                    p_rated,
                    (p_chg_now + aux + hvac) / (gear * EFF_ESTIMATE),
                )
                cap *= fade
                p_regen_wheel = max(p_wheel, -cap)
                p_fric = p_wheel - p_regen_wheel
                p_mech = p_regen_wheel * gear
            loss = drive_loss(p_mech, p_rated, awd, share, disc, sigma, Gc)
            p_elec = p_mech + loss
            p_term = p_elec + aux + hvac

            # equivalent circuit: I from P = (Voc - I R) I, stable form for small P
            rad = voc * voc - 4.0 * r_batt * p_term
            if rad < 0.0:
                rad = 0.0
            current = 2.0 * p_term / (voc + math.sqrt(rad))
            i_max = min(i_left, i_vmin)
            if current > i_max:
                # the pack cannot serve this step (empty or at its voltage floor)
                served = voc * i_max - i_max * i_max * r_batt
                e_unserved += (p_term - served) * dt
                current = i_max
                p_term = served
                depleted = 1.0
            soc -= current * dt / q_coulomb
            if soc < min_soc:
                min_soc = soc

            e_term += p_term * dt
            e_chem += voc * current * dt
            e_rloss += current * current * r_batt * dt
            if p_wheel >= 0.0:
                e_trac += p_wheel * dt
                e_gloss += (p_mech - p_wheel) * dt
            else:
                e_brake -= p_wheel * dt
                e_fric -= p_fric * dt
                e_regen -= p_regen_wheel * dt
                e_gloss += (p_mech - p_regen_wheel) * dt
            e_mloss += loss * dt
            e_aux += aux * dt
            e_hvac += hvac * dt
            e_roll += f_roll * v_avg * dt
            e_aero += f_aero * v_avg * dt
            e_grade += f_grade * v_avg * dt
            if p_term > peak:
                peak = p_term
            dist += v_avg * dt
            deficit = v_target - v_new
            if deficit > TRACE_TOLERANCE_MPS:
                miss += 1.0
                if first_miss < 0.0:
                    first_miss = T[tr, k]
            if deficit > max_def:
                max_def = deficit
            v = v_new
            if rec:
                hist[b, H_SPEED, k] = v
                hist[b, H_SOC, k] = soc
                hist[b, H_P_TERMINAL, k] = p_term
                hist[b, H_P_WHEEL, k] = p_wheel
                hist[b, H_CURRENT, k] = current
                hist[b, H_VOLTAGE, k] = voc - current * r_batt
                hist[b, H_DIST, k] = dist

        out[b, O_DIST_M] = dist
        out[b, O_TIME_S] = T[tr, nt - 1] - T[tr, 0]
        out[b, O_E_TERMINAL] = e_term
        out[b, O_E_CHEMICAL] = e_chem
        out[b, O_E_BATT_LOSS] = e_rloss
        out[b, O_E_TRACTION] = e_trac
        out[b, O_E_BRAKING] = e_brake
        out[b, O_E_FRICTION] = e_fric
        out[b, O_E_REGEN_WHEEL] = e_regen
        out[b, O_E_MOTOR_LOSS] = e_mloss
        out[b, O_E_GEAR_LOSS] = e_gloss
        out[b, O_E_AUX] = e_aux
        out[b, O_E_HVAC] = e_hvac
        out[b, O_E_ROLL] = e_roll
        out[b, O_E_AERO] = e_aero
        out[b, O_E_GRADE] = e_grade
        out[b, O_KE_START] = ke_start
        out[b, O_KE_END] = 0.5 * m_eff * v * v
        out[b, O_SOC_END] = soc
        out[b, O_MISS_STEPS] = miss
        out[b, O_MAX_DEFICIT] = max_def
        out[b, O_FIRST_MISS_S] = first_miss
        out[b, O_DEPLETED] = depleted
        out[b, O_PEAK_TERMINAL_W] = peak
        out[b, O_MIN_SOC] = min_soc
        out[b, O_E_UNSERVED] = e_unserved
