"""Validation against external data, with leave-one-out calibration of global constants."""

from evtwin.validation.epa import EpaTest, load_epa_tests
from evtwin.validation.loo import LooReport, LooRow, epa_report, wltp_report

__all__ = ["EpaTest", "LooReport", "LooRow", "epa_report", "load_epa_tests", "wltp_report"]
