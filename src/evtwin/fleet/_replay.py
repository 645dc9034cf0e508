"""A simulated fleet's telemetry: what each car would report, day by day, as batches.

Per car and day (unix times from ``start_s``, day d at ``start_s + d * 86400``): a morning
sample (odometer, accumulated consumed/charged energy, net capacity, not charging), an
evening sample after the drive, if it charged a plug-in sample (charging, SOC) and a
plug-out sample (not charging, SOC, charged energy), and the software version after the
night's update window: the signals a real car publishes, so the fleet questions run
unchanged on simulated data.
"""

from __future__ import annotations

from collections.abc import Callable

from evtwin.fleet import _model as M
from evtwin.fleet._simulate import DayRecord
from evtwin.telemetry import Batch, Sample, Value

__all__ = ["day_batches", "fleet_vin"]

_ODO = "Vehicle.TraveledDistance"
_CONS = "Vehicle.Powertrain.TractionBattery.AccumulatedConsumedEnergy"
_CHG = "Vehicle.Powertrain.TractionBattery.AccumulatedChargedEnergy"
_SOC = "Vehicle.Powertrain.TractionBattery.StateOfCharge.Displayed"
_CAP = "Vehicle.Powertrain.TractionBattery.NetCapacity"
_IS_CHG = "Vehicle.Powertrain.TractionBattery.Charging.IsCharging"
_VER = "Vehicle.Software.CurrentVersion"


def fleet_vin(car: int) -> str:
    """The simulated car's VIN (17 characters; cars 0..9,999,999)."""
    return f"SALDS2027F{car:07d}"


class _Totals:
    def __init__(self) -> None:
        self.odo_m: dict[int, float] = {}
        self.cons_kwh: dict[int, float] = {}
        self.chg_kwh: dict[int, float] = {}


def day_batches(start_s: float, seed: int) -> Callable[[DayRecord], list[Batch]]:
    """A converter from each :class:`DayRecord` to that day's batches (one per car), keeping
    the accumulated counters between days. Message ids are (seed, car, day): replaying the
    same simulation stores nothing twice."""
    totals = _Totals()
    versions = (*M.VERSIONS, M.TARGET_VERSION)

    def convert(rec: DayRecord) -> list[Batch]:
        t0 = start_s + rec.day * 86400.0
        out = []
        for k in range(len(rec.distance_m)):
            car = rec.first_car + k
            odo = totals.odo_m.get(car, 1000.0 * (10_000.0 + 37.0 * (car % 1000)))  # metres
            cons = totals.cons_kwh.get(car, odo / 1000.0 * 0.2)
            chg = totals.chg_kwh.get(car, cons)
            morning: dict[str, Value] = {
                _ODO: odo,
                _CONS: cons,
                _CHG: chg,
                _CAP: rec.usable_battery_kwh,
                _IS_CHG: False,
            }
            samples = [Sample(t0 + 7 * 3600.0, morning)]
            km = float(rec.distance_m[k]) / 1000.0
            if km > 0:
                odo += km * 1000.0
                cons += float(rec.energy_terminal_j[k]) / 3.6e6
                samples.append(
                    Sample(
                        t0 + 18 * 3600.0,
                        {_ODO: odo, _CONS: cons, _SOC: 100.0 * float(rec.soc_after_drive[k])},
                    )
                )
            charged = float(rec.charged_kwh[k])
            if charged > 0:
                samples.append(
                    Sample(
                        t0 + 20 * 3600.0,
                        {_IS_CHG: True, _SOC: 100.0 * float(rec.soc_after_drive[k])},
                    )
                )
                chg += charged
                samples.append(
                    Sample(
                        t0 + 23 * 3600.0,
                        {
                            _IS_CHG: False,
                            _CHG: chg,
                            _SOC: 100.0 * float(rec.soc_after_charge[k]),
                        },
                    )
                )
            # late at night, after the update campaign's window: the version it now runs
            samples.append(Sample(t0 + 23.5 * 3600.0, {_VER: versions[int(rec.version[k])]}))
            totals.odo_m[car], totals.cons_kwh[car], totals.chg_kwh[car] = odo, cons, chg
            out.append(Batch(f"sim-{seed}-{car}-{rec.day}", fleet_vin(car), tuple(samples)))
        return out

    return convert
