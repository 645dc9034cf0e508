"""The ``evtwin charge --json`` object over HTTP: query values -> a charge session or plan.

:class:`~evtwin.charging.question.ChargeQuestion` holds the options of ``evtwin charge``
(``None`` = the CLI's default) and :func:`charge_json` answers them with the charging
model's own objects (:meth:`~evtwin.charging.SessionResult.to_json`,
:meth:`~evtwin.charging.ChargePlan.to_json`). The CLI builds the same question from its flags;
``tests/api/test_charge.py`` checks both give the same object for the same inputs and
``tests/api/test_no_drift.py`` that every CLI option is a query parameter here.
"""

from __future__ import annotations

from typing import Any

from evtwin.charging.question import (
    DEFAULT_DC_KW,
    DEFAULT_PLUG_IN,
    DEFAULT_TARIFF,
    ChargeQuestion,
    answer_charge,
)
from evtwin.charging.vehicle import car_charge_params
from evtwin.vehicles import load_vehicle

__all__ = [
    "DEFAULT_DC_KW",
    "DEFAULT_PLUG_IN",
    "DEFAULT_TARIFF",
    "ChargeParams",
    "ChargeQuestion",
    "charge_json",
]

ChargeParams = ChargeQuestion
"""Deprecated name of :class:`~evtwin.charging.question.ChargeQuestion` (one name per idea)."""


def charge_json(vehicle: str, p: ChargeQuestion) -> dict[str, Any]:
    """The ``evtwin charge VEHICLE --json`` object for ``p`` (a session, or with ``depart``
    the AC session plus its cheapest ``plan``). Bad input raises
    :class:`~evtwin.errors.ChargingError` (HTTP 400) or
    :class:`~evtwin.errors.UnknownVehicleError` (404)."""
    spec = load_vehicle(vehicle)
    return answer_charge(car_charge_params(spec), p, spec=spec).to_json()
