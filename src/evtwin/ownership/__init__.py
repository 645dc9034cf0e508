"""The owner's view: price, UK grant eligibility, taxes, running costs and TCO.

Rules (grant, VED, eVED proposal, BiK), tariffs, prices and the UK driving year are dated,
sourced data files under ``evtwin/data``; running costs come from the physics engine, the
climate model and the charging model (:mod:`evtwin.ownership.year`). Start
with :func:`compare_costs` (or :func:`request_from_mapping` for string input).
"""

from evtwin.ownership.bik import BikYear, bik_schedule, load_bik_rules, tax_year_of
from evtwin.ownership.grant import (
    EcgListing,
    GrantInput,
    GrantResult,
    GrantRules,
    GrantScenario,
    evaluate_grant,
    load_grant_rules,
)
from evtwin.ownership.plots import plot_tco
from evtwin.ownership.prices import PriceInfo, PriceScenario, default_rivals, price_info
from evtwin.ownership.request import (
    DEFAULT_MILES_PER_YEAR,
    DEFAULT_REGISTERED,
    CostRequest,
    request_from_mapping,
)
from evtwin.ownership.running import (
    Tariff,
    TariffPrice,
    Usage,
    blended_price,
    load_tariffs,
    tariff_price,
)
from evtwin.ownership.tco import (
    CostReport,
    ScenarioCost,
    VehicleCost,
    compare_costs,
    cost_report_json,
)
from evtwin.ownership.ved import (
    EvedRules,
    EvedYear,
    LicenceVed,
    VedRules,
    eved_schedule,
    licence_ved,
    load_eved_rules,
    load_ved_rules,
    ved_schedule,
)
from evtwin.ownership.year import EnergyUse, UkYear, load_uk_year, simulate_year

__all__ = [
    "DEFAULT_MILES_PER_YEAR",
    "DEFAULT_REGISTERED",
    "BikYear",
    "CostReport",
    "CostRequest",
    "EcgListing",
    "EnergyUse",
    "EvedRules",
    "EvedYear",
    "GrantInput",
    "GrantResult",
    "GrantRules",
    "GrantScenario",
    "LicenceVed",
    "PriceInfo",
    "PriceScenario",
    "ScenarioCost",
    "Tariff",
    "TariffPrice",
    "UkYear",
    "Usage",
    "VedRules",
    "VehicleCost",
    "bik_schedule",
    "blended_price",
    "compare_costs",
    "cost_report_json",
    "default_rivals",
    "evaluate_grant",
    "eved_schedule",
    "licence_ved",
    "load_bik_rules",
    "load_eved_rules",
    "load_grant_rules",
    "load_tariffs",
    "load_uk_year",
    "load_ved_rules",
    "plot_tco",
    "price_info",
    "request_from_mapping",
    "simulate_year",
    "tariff_price",
    "tax_year_of",
    "ved_schedule",
]
