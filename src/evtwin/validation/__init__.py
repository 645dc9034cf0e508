"""Validation against external data, with leave-one-out calibration of global constants.

Every comparison with outside data lives here (the models never import it): WLTP and EPA
(:mod:`~evtwin.validation.loo`, :mod:`~evtwin.validation.epa`), real-world constant-speed
tests (:mod:`~evtwin.validation.realworld`), DC 10-80 % times
(:mod:`~evtwin.validation.charging`) and the climate studies (:mod:`~evtwin.validation.climate`).
"""

from evtwin.validation.charging import dc_10_80_report
from evtwin.validation.climate import StudyReport, StudyRow, climate_study_report
from evtwin.validation.epa import EpaTest, load_epa_tests
from evtwin.validation.loo import LooReport, LooRow, epa_report, wltp_report
from evtwin.validation.realworld import load_realworld_tests, realworld_report

__all__ = [
    "EpaTest",
    "LooReport",
    "LooRow",
    "StudyReport",
    "StudyRow",
    "climate_study_report",
    "dc_10_80_report",
    "epa_report",
    "load_epa_tests",
    "load_realworld_tests",
    "realworld_report",
    "wltp_report",
]
