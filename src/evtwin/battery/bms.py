"""BMS state estimation: SOC from noisy current, voltage and temperature sensors.

The car's BMS cannot see the twin's true SOC; it estimates it, as production BMSs do, with an
extended Kalman filter on a first-order equivalent circuit (Plett, J. Power Sources 134 (2004)
252-292, parts 1-3)::

    state   x = [soc, v1]
    soc'  = soc + I dt / (3600 Q)                        (I > 0 charges, Q in A h)
    v1'   = a v1 + R1 (1 - a) I,      a = exp(-dt / (R1 C1))
    V     = OCV(soc) + v1 + R0(T) I                      (terminal voltage, measured)

SOC here is the *displayed* (usable-window) SOC the rest of the twin uses; the cells' gross
window adds buffers below and above it (:func:`displayed_from_gross`,
:func:`gross_from_displayed`), which is why a car showing 0 % still has a reserve and 100 %
is not the cells' full voltage. Truth is made by :func:`simulate_truth` (the same circuit,
exact parameters, no noise); sensors by :func:`measure` (Gaussian noise plus a current
offset, an explicit random generator); :func:`run_ekf` estimates; :func:`coulomb_count` is
the naive baseline that drifts with the current offset. Batched over the first axis.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from evtwin.battery.chemistry import DEFAULT_CHEMISTRY
from evtwin.battery.pack import ocv_rel, resistance_ohm
from evtwin.errors import ChargingError

__all__ = [
    "EcmParams",
    "EkfResult",
    "EkfState",
    "SensorNoise",
    "SensorReadings",
    "Truth",
    "coulomb_count",
    "displayed_from_gross",
    "ekf_step",
    "gross_from_displayed",
    "measure",
    "run_ekf",
    "simulate_truth",
]

FloatArray = npt.NDArray[np.float64]


@dataclass(frozen=True, kw_only=True, slots=True)
class EcmParams:
    """First-order equivalent circuit of a pack (SI). ``r0_25c_ohm`` follows Arrhenius."""

    capacity_ah: float
    nominal_voltage_v: float
    r0_25c_ohm: float
    r1_ohm: float
    c1_f: float
    arrhenius_b_k: float
    bottom_buffer: float = 0.03
    """Share of the gross window below displayed 0 % (ESTIMATE, typical 2-5 %)."""
    top_buffer: float = 0.02
    """Share of the gross window above displayed 100 % (ESTIMATE)."""
    chemistry: str = DEFAULT_CHEMISTRY
    """Cell chemistry: the OCV curve the cells follow and the filter uses. LFP's flat
    plateau makes the voltage say little about the charge (:mod:`evtwin.battery.chemistry`)."""

    def __post_init__(self) -> None:
        for name in ("capacity_ah", "nominal_voltage_v", "r0_25c_ohm", "r1_ohm", "c1_f"):
            if not getattr(self, name) > 0.0:
                raise ChargingError(f"EcmParams.{name} = {getattr(self, name)!r} must be positive")
        if not 0.0 <= self.bottom_buffer < 0.3 or not 0.0 <= self.top_buffer < 0.3:
            raise ChargingError("buffers must each be within 0..30 % of the gross window")


@dataclass(frozen=True, kw_only=True, slots=True)
class SensorNoise:
    """Sensor errors: standard deviations and the current sensor's constant offset."""

    current_sigma_a: float = 1.0
    current_offset_a: float = 0.5
    voltage_sigma_v: float = 0.5
    temp_sigma_c: float = 1.0


@dataclass(frozen=True, slots=True)
class Truth:
    """The twin's true history: SOC, RC voltage and terminal voltage, shape (batch, steps)."""

    soc: FloatArray
    v1: FloatArray
    voltage_v: FloatArray


@dataclass(frozen=True, slots=True)
class SensorReadings:
    """What the BMS reads, shape (batch, steps)."""

    current_a: FloatArray
    voltage_v: FloatArray
    temp_c: FloatArray


@dataclass(frozen=True, slots=True)
class EkfResult:
    """Estimated SOC and its 1-sigma uncertainty, shape (batch, steps)."""

    soc: FloatArray
    soc_sigma: FloatArray


@dataclass(slots=True)
class EkfState:
    """The filter's state between steps: estimate ``[soc, v1]`` and its covariance, batched.

    :func:`ekf_step` advances it one reading at a time (a running BMS);
    :func:`run_ekf` runs it over a recorded history.
    """

    soc: FloatArray
    v1: FloatArray
    p11: FloatArray
    p12: FloatArray
    p22: FloatArray

    @classmethod
    def start(cls, soc0_guess: FloatArray | float, soc0_sigma: float = 0.1) -> EkfState:
        soc = np.atleast_1d(np.asarray(soc0_guess, dtype=np.float64)).copy()
        n = soc.shape[0]
        return cls(
            soc=soc,
            v1=np.zeros(n),
            p11=np.full(n, soc0_sigma**2),
            p12=np.zeros(n),
            p22=np.full(n, 1e-4),
        )


def displayed_from_gross(gross_soc: FloatArray | float, p: EcmParams) -> FloatArray:
    """Displayed SOC (0..1 over the usable window) of a gross cell SOC; may leave 0..1."""
    g = np.asarray(gross_soc, dtype=np.float64)
    return np.asarray((g - p.bottom_buffer) / (1.0 - p.bottom_buffer - p.top_buffer))


def gross_from_displayed(soc: FloatArray | float, p: EcmParams) -> FloatArray:
    """Gross cell SOC of a displayed SOC (inverse of :func:`displayed_from_gross`)."""
    s = np.asarray(soc, dtype=np.float64)
    return np.asarray(p.bottom_buffer + s * (1.0 - p.bottom_buffer - p.top_buffer))


def _ocv(p: EcmParams, soc: FloatArray) -> FloatArray:
    return np.asarray(p.nominal_voltage_v * ocv_rel(soc, p.chemistry), dtype=np.float64)


def _docv(p: EcmParams, soc: FloatArray) -> FloatArray:
    h = 1e-4
    lo, hi = np.clip(soc - h, 0.0, 1.0), np.clip(soc + h, 0.0, 1.0)
    return np.asarray((_ocv(p, hi) - _ocv(p, lo)) / np.maximum(hi - lo, 1e-9))


def _check(current_a: FloatArray, dt_s: float) -> None:
    if current_a.ndim != 2:
        raise ChargingError(f"current must be (batch, steps), got shape {current_a.shape}")
    if not dt_s > 0.0:
        raise ChargingError(f"time step = {dt_s:g} s must be positive")


def simulate_truth(
    p: EcmParams, current_a: FloatArray, temp_c: FloatArray, soc0: FloatArray, dt_s: float
) -> Truth:
    """True SOC and voltages for a current history (A, >0 charging) at temperatures (°C)."""
    _check(current_a, dt_s)
    n, steps = current_a.shape
    soc = np.empty((n, steps))
    v1 = np.empty((n, steps))
    volt = np.empty((n, steps))
    a = np.exp(-dt_s / (p.r1_ohm * p.c1_f))
    s, v = np.asarray(soc0, dtype=np.float64).copy(), np.zeros(n)
    for k in range(steps):
        i = current_a[:, k]
        r0 = resistance_ohm(p.r0_25c_ohm, p.arrhenius_b_k, temp_c[:, k])
        soc[:, k], v1[:, k] = s, v
        volt[:, k] = _ocv(p, s) + v + r0 * i
        s = s + i * dt_s / (3600.0 * p.capacity_ah)
        v = a * v + p.r1_ohm * (1.0 - a) * i
    if np.any(soc < -p.bottom_buffer / (1 - p.bottom_buffer - p.top_buffer)):
        raise ChargingError("the current history empties the pack below its gross window")
    return Truth(soc=soc, v1=v1, voltage_v=volt)


def measure(
    truth: Truth,
    current_a: FloatArray,
    temp_c: FloatArray,
    noise: SensorNoise,
    rng: np.random.Generator,
) -> SensorReadings:
    """Sensor readings: truth plus Gaussian noise and the current sensor's offset."""
    shape = current_a.shape
    return SensorReadings(
        current_a=current_a + noise.current_offset_a + rng.normal(0, noise.current_sigma_a, shape),
        voltage_v=truth.voltage_v + rng.normal(0, noise.voltage_sigma_v, shape),
        temp_c=temp_c + rng.normal(0, noise.temp_sigma_c, shape),
    )


def coulomb_count(
    p: EcmParams, readings: SensorReadings, soc0: FloatArray, dt_s: float
) -> FloatArray:
    """The naive estimate: integrate the measured current from an initial guess."""
    _check(readings.current_a, dt_s)
    steps = np.cumsum(readings.current_a, axis=1) * dt_s / (3600.0 * p.capacity_ah)
    start = np.asarray(soc0, dtype=np.float64)[:, None]
    return np.asarray(start + np.concatenate([np.zeros_like(steps[:, :1]), steps[:, :-1]], axis=1))


def run_ekf(
    p: EcmParams,
    readings: SensorReadings,
    soc0_guess: FloatArray,
    dt_s: float,
    *,
    noise: SensorNoise | None = None,
    soc0_sigma: float = 0.1,
    model_sigma_v: float = 2.0,
) -> EkfResult:
    """Extended Kalman filter over the readings (Plett 2004), batched over the first axis.

    ``p`` is the BMS's *own* circuit model, which may differ from the truth's (capacity fade,
    resistance drift): that mismatch is what limits a real BMS. Process noise comes from the
    current sensor (its variance plus the offset as a random walk); measurement noise from
    the voltage sensor, the temperature sensor's effect on ``R0 I`` and ``model_sigma_v``, the
    circuit model's own voltage error (ESTIMATE 2 V at pack level, ~20 mV per cell).
    """
    _check(readings.current_a, dt_s)
    nz = noise if noise is not None else SensorNoise()
    n, steps = readings.current_a.shape
    state = EkfState.start(soc0_guess, soc0_sigma)
    out_soc = np.empty((n, steps))
    out_sig = np.empty((n, steps))
    for k in range(steps):
        out_soc[:, k], out_sig[:, k] = ekf_step(
            p,
            state,
            current_a=readings.current_a[:, k],
            voltage_v=readings.voltage_v[:, k],
            temp_c=readings.temp_c[:, k],
            dt_s=dt_s,
            noise=nz,
            model_sigma_v=model_sigma_v,
        )
    return EkfResult(soc=out_soc, soc_sigma=out_sig)


def ekf_step(
    p: EcmParams,
    state: EkfState,
    *,
    current_a: FloatArray,
    voltage_v: FloatArray,
    temp_c: FloatArray,
    dt_s: float,
    noise: SensorNoise,
    model_sigma_v: float = 2.0,
) -> tuple[FloatArray, FloatArray]:
    """One reading through the filter (see :func:`run_ekf`), updating ``state`` in place.

    Returns the SOC estimate given this reading and its 1-sigma uncertainty; ``state`` is
    left predicted to the next step (the reading's current applied over ``dt_s``).
    """
    nz = noise
    a = np.exp(-dt_s / (p.r1_ohm * p.c1_f))
    q_scale = dt_s / (3600.0 * p.capacity_ah)
    q_soc = (nz.current_sigma_a**2 + nz.current_offset_a**2) * q_scale**2
    q_v1 = (p.r1_ohm * (1.0 - a)) ** 2 * nz.current_sigma_a**2
    x_soc, x_v1, p11, p12, p22 = state.soc, state.v1, state.p11, state.p12, state.p22
    i = current_a
    r0 = resistance_ohm(p.r0_25c_ohm, p.arrhenius_b_k, temp_c)
    # measurement update with this reading
    h1 = _docv(p, np.clip(x_soc, 0.0, 1.0))
    pred = _ocv(p, np.clip(x_soc, 0.0, 1.0)) + x_v1 + r0 * i
    dr0 = r0 * p.arrhenius_b_k / (temp_c + 273.15) ** 2 * nz.temp_sigma_c
    r_meas = nz.voltage_sigma_v**2 + (dr0 * i) ** 2 + model_sigma_v**2
    s = h1 * h1 * p11 + 2.0 * h1 * p12 + p22 + r_meas
    k1 = (p11 * h1 + p12) / s
    k2 = (p12 * h1 + p22) / s
    innov = voltage_v - pred
    x_soc = x_soc + k1 * innov
    x_v1 = x_v1 + k2 * innov
    # P = (I - K H) P
    n11 = p11 - k1 * (h1 * p11 + p12)
    n12 = p12 - k1 * (h1 * p12 + p22)
    n22 = p22 - k2 * (h1 * p12 + p22)
    p11, p12, p22 = n11, n12, n22
    soc_out = np.asarray(x_soc, dtype=np.float64)
    sigma_out = np.sqrt(np.maximum(p11, 0.0))
    # time update to the next step
    state.soc = x_soc + i * q_scale
    state.v1 = a * x_v1 + p.r1_ohm * (1.0 - a) * i
    state.p11, state.p12, state.p22 = p11 + q_soc, a * p12, a * a * p22 + q_v1
    return soc_out, sigma_out
