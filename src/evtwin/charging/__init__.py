"""Charging: charge curves from pack and charger, sessions, smart schedules.

The validation report (10-80 % times vs the makers' figures) lives in
:mod:`evtwin.validation.charging`, a floor above the models.
"""

from evtwin.charging.chargers import Charger, ac_supply, bundled_chargers, dc_charger, get_charger
from evtwin.charging.constants import ChargingConstants, default_charging_constants
from evtwin.charging.session import (
    LIMITS,
    ChargeRequest,
    ChargeTrace,
    SessionResult,
    simulate_session,
    simulate_sessions,
)
from evtwin.charging.smart import ChargePlan, PlanSlot, SmartRequest, format_clock, plan_charge
from evtwin.charging.tariffs import (
    MINUTES_PER_DAY,
    Tariff,
    TariffWindow,
    default_price,
    list_tariffs,
    load_tariff,
    parse_clock,
)
from evtwin.charging.vehicle import (
    CHARGE_CURVE_KEY,
    CarChargeParams,
    MeasuredCurve,
    car_charge_params,
    load_spec_with_curve,
    parse_charge_curve,
)

__all__ = [
    "CHARGE_CURVE_KEY",
    "LIMITS",
    "MINUTES_PER_DAY",
    "CarChargeParams",
    "ChargePlan",
    "ChargeRequest",
    "ChargeTrace",
    "Charger",
    "ChargingConstants",
    "MeasuredCurve",
    "PlanSlot",
    "SessionResult",
    "SmartRequest",
    "Tariff",
    "TariffWindow",
    "ac_supply",
    "bundled_chargers",
    "car_charge_params",
    "dc_charger",
    "default_charging_constants",
    "default_price",
    "format_clock",
    "get_charger",
    "list_tariffs",
    "load_spec_with_curve",
    "load_tariff",
    "parse_charge_curve",
    "parse_clock",
    "plan_charge",
    "simulate_session",
    "simulate_sessions",
]
