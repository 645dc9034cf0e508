"""Charging: sessions started and stopped by ``StartStopCharging``, the charge limit, the
charge power and the session's signals.

- Charge power comes from a :class:`~evtwin.runtime._ports.ChargePowerModel` (by default
  ``evtwin.charging``'s session model, :class:`~evtwin.runtime._models.SessionChargePower`).
- A session starts on ``StartStopCharging = START`` only with a cable connected; a START
  without a cable is refused (recorded in :attr:`ChargingService.refusals`, the current value
  stays ``STOP``). Plugging in starts a session by itself, as cars do.
- ``Charging.Plan.Mode``: IMMEDIATE (default) charges at once. READY_BY and CHEAPEST, with a
  ``ReadyByTime`` and an AC supply, ask the :class:`~evtwin.runtime._ports.ChargePlanner`
  (by default ``evtwin.charging``'s smart planner) for charging windows that reach the limit
  by then, and charge only inside them; ``Plan.PlannedStartTime``/``PlannedEndTime``/
  ``PlannedEnergy`` tell. A plan is made when the session starts and again when the mode, the
  ready-by time, the limit or the charger change; an impossible plan is recorded as a refusal
  and the car charges at once.
- ``STOP`` or unplugging ends it.
- The pack never goes above ``ChargeLimit``: the energy of a step is capped at what reaches
  the limit. Loads running meanwhile (preconditioning) draw from the pack and the session
  covers them (it steps after them and adds their power flows), so while plugged in they are
  paid by the grid.
- The charger's offer is read from the cable's signals: ``MaximumChargingCurrent.DC`` × the
  pack's nominal voltage, or the AC phase currents × 230 V.

Publishes ``IsCharging``, ``StartStopCharging`` (current), ``AveragePower``/``MaxPower``
(kW, of the session), ``ChargeCurrent.DC`` (A), ``ChargeRate`` (km of range per hour),
``TimeToComplete`` (s) and the session's power flow into the pack (``PowerFlow.Charging``;
the BMS integrates it into ``StateOfCharge.Current``).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final

from evtwin.errors import ChargingError
from evtwin.runtime._climate import format_utc, parse_utc
from evtwin.runtime._ports import ChargePlanner, ChargePowerModel
from evtwin.runtime._services import PHASE_SUPPLY
from evtwin.runtime._signalio import read_bool, read_float, read_str
from evtwin.runtime._world import AC_PHASE_VOLTAGE_V
from evtwin.signals import Broker, Change, Field, Subscription
from evtwin.signals import paths as P

__all__ = ["ChargingRefusal", "ChargingService"]

TIME_ESTIMATE_STEP: Final = 0.01
"""SOC step of the time-to-complete estimate (1 %)."""
SHORTFALL: Final = 0.002
"""A plan that ends more than 0.2 % short of the limit is planned again for the rest."""
MAINTAIN_W: Final = 200.0
"""At the limit a session only tops up what standby loads take; ``IsCharging`` reports
true only above this power (assumption: what a car's screen calls 'charging complete')."""


@dataclass(frozen=True, kw_only=True, slots=True)
class ChargingRefusal:
    time_s: float
    reason: str


class ChargingService:
    name = "charging"
    step_phase = PHASE_SUPPLY

    def __init__(
        self,
        broker: Broker,
        *,
        usable_kwh: float,
        model: ChargePowerModel,
        planner: ChargePlanner | None = None,
    ) -> None:
        self._broker = broker
        self.usable_j = usable_kwh * 3.6e6
        self.model = model
        self.planner = planner
        self.windows: tuple[tuple[float, float], ...] | None = None
        """Planned charging windows (twin time, s) of the session; None: charge now."""
        self._plan_key: tuple[object, ...] | None = None
        self._hold_soc = 0.0
        self.active = False
        self.refusals: list[ChargingRefusal] = []
        self._sub: Subscription = broker.subscribe(
            P.CHARGE_START_STOP, fields=[Field.TARGET], initial=False
        )
        self._was_connected = False
        self._session_j = 0.0
        self._session_s = 0.0
        self._session_max_w = 0.0
        self.energy_j = 0.0
        """Energy the charging moved into the pack so far (J)."""

    def close(self) -> None:
        self._sub.close()

    def _charger(self) -> tuple[float, bool]:
        b = self._broker
        dc_a = read_float(b, P.CHARGER_MAX_CURRENT_DC_A, 0.0)
        if dc_a > 0:
            return dc_a * read_float(b, P.NOMINAL_VOLTAGE_V, 400.0), True
        phases = (
            P.CHARGER_MAX_CURRENT_PHASE1_A,
            P.CHARGER_MAX_CURRENT_PHASE2_A,
            P.CHARGER_MAX_CURRENT_PHASE3_A,
        )
        amps = sum(read_float(b, p, 0.0) for p in phases)
        return amps * AC_PHASE_VOLTAGE_V, False

    def _refuse(self, now_s: float, reason: str) -> None:
        """Record why a request was not carried out and publish it for clients to read."""
        self.refusals.append(ChargingRefusal(time_s=now_s, reason=reason))
        self._broker.set_current(P.CHARGE_REFUSAL_REASON, reason)

    def _start(self, now_s: float) -> None:
        if not self.active:
            self.active = True
            self._session_j = self._session_s = self._session_max_w = 0.0
            self._plan_key = None

    def _window_share(self, t0_s: float, t1_s: float) -> float:
        """Share of the step [t0, t1] inside the planned windows (1 without a plan)."""
        if self.windows is None or t1_s <= t0_s:
            return 1.0
        inside = sum(max(0.0, min(t1_s, end) - max(t0_s, start)) for start, end in self.windows)
        return float(min(1.0, inside / (t1_s - t0_s)))

    def _follow_plan(
        self, now_s: float, soc: float, limit: float, charger_w: float, dc: bool, temp_c: float
    ) -> None:
        """(Re)plan when the session starts or the plan's inputs change."""
        b = self._broker
        mode = read_str(b, P.PLAN_MODE, "IMMEDIATE")
        ready_text = read_str(b, P.READY_BY_TIME)
        key: tuple[object, ...] = (mode, ready_text, round(limit, 4), round(charger_w), dc)
        windows = self.windows
        if windows and now_s >= windows[-1][1] and soc < limit - SHORTFALL:
            # the plan ran out short of the limit (a colder pack, loads): plan the rest once
            key += (windows[-1][1],)
        elif self._plan_key is not None and len(self._plan_key) > len(key):
            key += self._plan_key[len(key) :]
        if key == self._plan_key:
            return
        self._plan_key = key
        self.windows = None
        ready_by_s = parse_utc(ready_text)
        planned: list[Change] = []
        if (
            self.planner is not None
            and mode != "IMMEDIATE"
            and ready_by_s is not None
            and ready_by_s > now_s
            and not dc
            and soc < limit
        ):
            try:
                plan = self.planner.plan(
                    mode=mode,
                    now_s=now_s,
                    ready_by_s=ready_by_s,
                    soc=soc,
                    limit=limit,
                    charger_w=charger_w,
                    battery_temp_c=temp_c,
                )
            except ChargingError as e:
                self._refuse(now_s, f"no {mode} plan ({e}); charging now")
            else:
                self.windows = plan.windows
                if plan.windows:
                    planned = [
                        (P.PLANNED_START_TIME, Field.VALUE, format_utc(plan.windows[0][0])),
                        (P.PLANNED_END_TIME, Field.VALUE, format_utc(plan.windows[-1][1])),
                        (P.PLANNED_ENERGY_KWH, Field.VALUE, plan.energy_kwh),
                    ]
        if not planned:
            planned = [
                (P.PLANNED_START_TIME, Field.VALUE, ""),
                (P.PLANNED_END_TIME, Field.VALUE, ""),
                (P.PLANNED_ENERGY_KWH, Field.VALUE, 0.0),
            ]
        b.update(planned)

    def _requests(self, now_s: float, connected: bool) -> None:
        for update in self._sub.next_batch(timeout_s=0):
            if update.datapoint is None:
                continue
            if update.datapoint.value == "START":
                if connected:
                    self._start(now_s)
                    self._broker.set_current(P.CHARGE_REFUSAL_REASON, "")
                else:
                    self._refuse(now_s, "no charging cable connected")
            else:
                self.active = False

    def time_to_limit_s(
        self, soc: float, limit: float, charger_w: float, dc: bool, temp_c: float
    ) -> float:
        """Seconds to reach ``limit`` from ``soc`` at this charger (1 % steps)."""
        total = 0.0
        s = soc
        while s < limit - 1e-9:
            ds = min(TIME_ESTIMATE_STEP, limit - s)
            p = self.model.pack_power_w(
                soc=s + ds / 2, charger_w=charger_w, dc=dc, battery_temp_c=temp_c
            )
            if p <= 0:
                return 0.0
            total += ds * self.usable_j / p
            s += ds
        return total

    def step(self, now_s: float, dt_s: float) -> None:
        b = self._broker
        connected = read_bool(b, P.CHARGING_CABLE_CONNECTED)
        if connected and not self._was_connected:
            self._start(now_s)  # plugging in starts a session; a plan may defer the charging
        self._was_connected = connected
        self._requests(now_s, connected)
        if not connected:
            self.active = False
        soc = read_float(b, P.SOC_CURRENT_PCT, 0.0) / 100.0
        limit = read_float(b, P.CHARGE_LIMIT_PCT, 100.0) / 100.0
        # what the other services draw over this step (published just before; negative = loads)
        loads_w = sum(read_float(b, p, 0.0) for p in P.POWER_FLOWS_W if p != P.FLOW_CHARGING_W)
        power_w = 0.0
        changes: list[Change] = []
        charger_w, dc = self._charger() if connected else (0.0, False)
        temp_c = read_float(b, P.BATTERY_TEMP_C, 25.0)
        if self.active:
            self._follow_plan(now_s, soc, limit, charger_w, dc, temp_c)
        share = self._window_share(now_s - dt_s, now_s) if self.active else 0.0
        # Outside its windows a session still feeds what other loads take (preconditioning):
        # the pack is held where the last step left it.
        target = limit if share > 0.0 else min(limit, self._hold_soc)
        need_w = (target - soc) * self.usable_j / dt_s - loads_w if dt_s > 0 else 0.0
        if self.active and dt_s > 0 and need_w > 0:
            available = self.model.pack_power_w(
                soc=min(soc, 1.0), charger_w=charger_w, dc=dc, battery_temp_c=temp_c
            )
            power_w = min(available, need_w)
            if share > 0.0:
                hold_w = (min(limit, self._hold_soc) - soc) * self.usable_j / dt_s - loads_w
                power_w = min(available, max(share * available, hold_w), power_w)
            soc += (power_w + loads_w) * dt_s / self.usable_j
            self._session_j += power_w * dt_s
            self._session_s += dt_s
            self._session_max_w = max(self._session_max_w, power_w)
        self._hold_soc = min(soc, limit) if self.active else 0.0
        self.energy_j += power_w * max(dt_s, 0.0)
        changes.append((P.FLOW_CHARGING_W, Field.VALUE, power_w))
        charging = bool(power_w > MAINTAIN_W)
        range_m = read_float(b, P.RANGE_M, 0.0)
        km_per_j = range_m / 1000.0 / (soc * self.usable_j) if soc > 0 else 0.0
        remaining = self.time_to_limit_s(soc, limit, charger_w, dc, temp_c) if self.active else 0.0
        if self.active and self.windows and soc < limit:
            remaining = max(remaining, self.windows[-1][1] - now_s)
        volts = read_float(b, P.NOMINAL_VOLTAGE_V, 400.0)
        changes += [
            (P.IS_CHARGING, Field.VALUE, charging),
            (P.CHARGE_START_STOP, Field.VALUE, "START" if self.active else "STOP"),
            (P.CHARGE_CURRENT_DC_A, Field.VALUE, power_w / volts if dc else 0.0),
            (P.CHARGE_RATE_KPH, Field.VALUE, power_w * 3600.0 * km_per_j),
            (P.CHARGE_TIME_TO_COMPLETE_S, Field.VALUE, round(remaining)),
        ]
        if self._session_s > 0:
            changes += [
                (P.CHARGE_AVG_POWER_KW, Field.VALUE, self._session_j / self._session_s / 1000.0),
                (P.CHARGE_MAX_POWER_KW, Field.VALUE, self._session_max_w / 1000.0),
            ]
        b.update(changes)
