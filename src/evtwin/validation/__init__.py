"""Validation against external data, with leave-one-out calibration of global constants."""

from evtwin.validation.cold import cold_report
from evtwin.validation.epa import EpaTest, load_epa_tests
from evtwin.validation.loo import LooReport, LooRow, epa_report, wltp_report
from evtwin.validation.realworld import load_realworld_tests, realworld_report

__all__ = [
    "EpaTest",
    "LooReport",
    "LooRow",
    "cold_report",
    "epa_report",
    "load_epa_tests",
    "load_realworld_tests",
    "realworld_report",
    "wltp_report",
]
