"""Validation against external data, with leave-one-out calibration of global constants.

Every comparison with outside data lives here (the models never import it): WLTP and EPA
(:mod:`~evtwin.validation.loo`, :mod:`~evtwin.validation.epa`), real-world constant-speed
tests (:mod:`~evtwin.validation.realworld`), scale weights and 0-100 km/h runs
(:mod:`~evtwin.validation.mass`, :mod:`~evtwin.validation.acceleration`), DC 10-80 % times
(:mod:`~evtwin.validation.charging`) and the climate studies (:mod:`~evtwin.validation.climate`).
"""

from evtwin.validation.acceleration import acceleration_report, sprint_times_s
from evtwin.validation.charging import dc_10_80_report
from evtwin.validation.climate import StudyReport, StudyRow, climate_study_report
from evtwin.validation.cold import cold_report
from evtwin.validation.epa import EpaTest, load_epa_tests
from evtwin.validation.loo import LooReport, LooRow, epa_report, wltp_report
from evtwin.validation.mass import mass_report
from evtwin.validation.realworld import load_realworld_tests, realworld_report

__all__ = [
    "EpaTest",
    "LooReport",
    "LooRow",
    "StudyReport",
    "StudyRow",
    "acceleration_report",
    "climate_study_report",
    "cold_report",
    "dc_10_80_report",
    "epa_report",
    "load_epa_tests",
    "load_realworld_tests",
    "mass_report",
    "realworld_report",
    "sprint_times_s",
    "wltp_report",
]
