"""One error tree for evtwin.

Every error evtwin raises on purpose derives from :class:`EvtwinError`. Foreign errors
(``tomllib.TOMLDecodeError``, ``OSError``, ``ValueError`` from numpy, ...) are wrapped once,
at the boundary where they enter, with ``raise ... from e``. Messages name the offending
value and its unit, so the CLI can print them as they are (exit code 2, no traceback).
"""

from __future__ import annotations

__all__ = [
    "ChargingError",
    "ClimateError",
    "ClockError",
    "CycleError",
    "DataFileError",
    "EvtwinError",
    "InfeasibleTraceError",
    "NavigationError",
    "OtaError",
    "OwnershipError",
    "ScenarioError",
    "SignalError",
    "SimulationError",
    "SpecError",
    "UnknownCycleError",
    "UnknownVehicleError",
    "ValidationDataError",
]


class EvtwinError(Exception):
    """Root of every error evtwin raises on purpose.

    ``field`` optionally names the input at fault (a CLI option such as ``"--limit"``, a
    query parameter, a signal path); interfaces report it beside the message.
    """

    field: str | None = None

    def __init__(self, *args: object, field: str | None = None) -> None:
        super().__init__(*args)
        if field is not None:
            self.field = field


# -- input data -----------------------------------------------------------------------------
class DataFileError(EvtwinError):
    """A data file (TOML, CSV, JSON) cannot be read or parsed."""


class SpecError(EvtwinError):
    """A vehicle spec is malformed: missing key, wrong type, value out of physical bounds."""


class UnknownVehicleError(SpecError):
    """A vehicle id is not in the catalogue; the message lists close matches."""


class CycleError(EvtwinError):
    """A drive cycle or speed/grade profile is malformed."""


class UnknownCycleError(CycleError):
    """A cycle name is not one evtwin knows."""


class ScenarioError(EvtwinError):
    """Scenario conditions are malformed or physically impossible (e.g. negative payload)."""


class ClockError(ScenarioError, ValueError):
    """A clock asked to run backwards, at a non-positive speed, or from a naive time.

    A :class:`ScenarioError` (the twin's clocks raised that) and a ``ValueError`` (the OTA
    clocks raised that) so callers of either keep working (:mod:`evtwin.clock`)."""


# -- simulation -------------------------------------------------------------------------------
class SimulationError(EvtwinError):
    """The simulation could not produce an answer."""


class InfeasibleTraceError(SimulationError):
    """A vehicle cannot follow the requested speed trace (power, traction or energy limit)."""


class ValidationDataError(EvtwinError):
    """External reference data for ``evtwin validate`` is missing or malformed."""


# -- families for the features built on the energy core ---------------------------------------
class ChargingError(EvtwinError):
    """Charging request or schedule is impossible or malformed."""


class ClimateError(EvtwinError):
    """Climate request is malformed or impossible."""


class SignalError(EvtwinError):
    """Vehicle-signal request is malformed (unknown path, wrong type, out of range)."""


class NavigationError(EvtwinError):
    """Routing or charging-stop planning failed."""


class OtaError(EvtwinError):
    """Over-the-air update failure (metadata, download, install)."""


class OwnershipError(EvtwinError):
    """Price, grant, tax or running-cost evaluation failed."""


# -- vehicle signals (evtwin.signals) ---------------------------------------------------------
# Each maps to the status a KUKSA databroker client expects (see evtwin.signals' gRPC server).
__all__ += [
    "NotAnActuatorError",
    "SignalClaimedError",
    "SignalNotAllowedError",
    "SignalPatternError",
    "SignalPermissionError",
    "SignalRangeError",
    "SignalServerError",
    "SignalTypeError",
    "UnknownSignalError",
]


class UnknownSignalError(SignalError):
    """A VSS path (or pattern) matches no signal in the catalogue: gRPC NOT_FOUND."""


class SignalTypeError(SignalError):
    """A value's type does not match the signal's VSS datatype: gRPC INVALID_ARGUMENT."""


class SignalRangeError(SignalError):
    """A value is outside the signal's min/max or its datatype's bounds: INVALID_ARGUMENT."""


class SignalNotAllowedError(SignalError):
    """A value is not one of the signal's VSS ``allowed`` values: INVALID_ARGUMENT."""


class NotAnActuatorError(SignalError):
    """A target value was set on a sensor or attribute (only actuators have one)."""


class SignalServerError(SignalError):
    """The signal server cannot start (address in use, bad host or port)."""


class SignalPatternError(SignalError):
    """A VSS path pattern is malformed (empty segment, bad wildcard): INVALID_ARGUMENT."""


class SignalPermissionError(SignalError):
    """A client wrote a signal another provider claimed (a sensor the twin simulates):
    gRPC PERMISSION_DENIED."""


class SignalClaimedError(SignalError):
    """A provider claimed a signal another provider already claimed: gRPC ALREADY_EXISTS."""


# -- drive and terrain modes, surfaces (evtwin.modes) ------------------------------------------
__all__ += ["ModeError", "UnknownModeError"]


class ModeError(DataFileError):
    """A drive/terrain mode or surface file is malformed (missing key, value out of bounds)."""


class UnknownModeError(EvtwinError):
    """A mode or surface name is not one evtwin knows; the message lists the known ones."""


# -- OTA updates (issue 5; owned by the ota branch) -------------------------------------------
# Listed here, not in the sorted list above, so other features' edits do not collide.
__all__ += [
    "OtaAuthError",
    "OtaConsensusError",
    "OtaDownloadError",
    "OtaImageError",
    "OtaInventoryError",
    "OtaKeyError",
    "OtaManifestError",
    "OtaMetadataError",
    "OtaRangeError",
    "OtaRollbackError",
    "OtaSlotError",
    "OtaTrustError",
]


class OtaMetadataError(OtaError):
    """TUF/Uptane metadata failed to verify: bad signature, expired, rolled back, malformed."""


class OtaTrustError(OtaMetadataError):
    """The server is not the one the car was provisioned for at the factory: its roots or its
    time server key differ from the factory's (the car refuses to register with it)."""


class OtaDownloadError(OtaError):
    """Metadata or an image could not be fetched: dropped, too slow, too long, HTTP error."""


class OtaConsensusError(OtaError):
    """The Director and the Image repository disagree about an image (Uptane full verification)."""


class OtaRollbackError(OtaError):
    """An image's release counter is lower than the one installed on the ECU."""


class OtaImageError(OtaError):
    """An image does not match its metadata (length, hash, hardware ID, ECU serial)."""


class OtaManifestError(OtaError):
    """A vehicle version manifest or ECU version report is unsigned, replayed or inconsistent."""


class OtaInventoryError(OtaError):
    """A VIN, ECU serial or hardware ID is not in the Director's inventory."""


class OtaKeyError(OtaError):
    """Key configuration is impossible (e.g. threshold above the number of keys)."""


class OtaSlotError(OtaError):
    """An A/B slot cannot be written, read or switched."""


class OtaAuthError(OtaError):
    """Missing or wrong credentials at the OTA server (HTTP 401)."""


class OtaRangeError(OtaError):
    """An HTTP byte range lies outside the file (HTTP 416)."""


__all__ += ["OtaReleaseConflictError", "OtaReleaseError"]


class OtaReleaseError(OtaError):
    """A release's hardware ID or release counter is out of bounds or unknown (HTTP 422)."""


class OtaReleaseConflictError(OtaReleaseError):
    """A released image would change: releases are immutable (HTTP 409)."""


# -- scenarios (evtwin.scenarios) ---------------------------------------------------------------
__all__ += ["UnknownScenarioError"]


class UnknownScenarioError(ScenarioError):
    """A scenario name is neither a bundled scenario nor a file; the message lists the known."""


# -- fleet simulation and telemetry (issue 15; owned by the fleet branch) ---------------------
__all__ += ["FleetError", "TelemetryError"]


class FleetError(EvtwinError):
    """A fleet simulation request is malformed or too large (cars, days, workers)."""


class TelemetryError(EvtwinError):
    """Telemetry cannot be published, ingested or queried (broker, store, bad message)."""
