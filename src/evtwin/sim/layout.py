"""Column layout of the engine's packed arrays (one row per batch element).

Kept in one place so the compiled kernel and the Python packing code cannot disagree.
"""

from __future__ import annotations

from typing import Final

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
N_P: Final = 19

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
N_C: Final = 14

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
