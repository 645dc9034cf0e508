"""Sat nav: road routing (OSRM), places, chargers, leg energy and the charging-stop planner.

Floors: ``nav`` sits beside ``validation``, ``signals``, ``ota`` and ``ownership``; it uses
``sim``, ``vehicles``, ``charging``, ``climate`` and never ``runtime``, ``api`` or ``cli``.
"""

from evtwin.nav.chargers import ChargerFilter, ChargerSite, load_chargers
from evtwin.nav.maps import OSM_ATTRIBUTION, BuiltMap, build_map, bundled_pbf, maps_cache_dir
from evtwin.nav.places import Place, find_place, known_places
from evtwin.nav.planner import PlanProblem, StopPlan, exhaustive_plan, plan_stops
from evtwin.nav.roads import RoadRoute, Router
from evtwin.nav.trip import TripDetail, TripRequest, plan_trip, plan_trip_detail

__all__ = [
    "OSM_ATTRIBUTION",
    "BuiltMap",
    "ChargerFilter",
    "ChargerSite",
    "Place",
    "PlanProblem",
    "RoadRoute",
    "Router",
    "StopPlan",
    "TripDetail",
    "TripRequest",
    "build_map",
    "bundled_pbf",
    "exhaustive_plan",
    "find_place",
    "known_places",
    "load_chargers",
    "maps_cache_dir",
    "plan_stops",
    "plan_trip",
    "plan_trip_detail",
]
