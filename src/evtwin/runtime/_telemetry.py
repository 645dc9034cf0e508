"""The running car's telemetry: selected signals from its broker to the fleet's MQTT broker.

:class:`TelemetryService` reads the publisher's selected signals from the signal broker at
each step and hands them to :class:`~evtwin.telemetry.TelemetryPublisher` (which rate-limits,
batches, compresses, buffers to disk and publishes). The car logs in with the identity its
OTA registration gave it (:func:`telemetry_credentials`: VIN + bearer token from the car's
storage, see :func:`~evtwin.runtime.open_car`).
"""

from __future__ import annotations

import json
from pathlib import Path

from evtwin.errors import TelemetryError
from evtwin.runtime._services import PHASE_INTEGRATE
from evtwin.signals import Broker
from evtwin.telemetry import SIGNALS, MqttCredentials, TelemetryPublisher, Value, check_vin

__all__ = ["TelemetryService", "telemetry_credentials"]


def telemetry_credentials(car_dir: Path) -> MqttCredentials:
    """The car's MQTT login, derived from the OTA registration stored in ``car_dir``: the
    password derived from the token issued at registration (kept as ``mqtt_password``, so
    the car's token rotations leave the broker's password file valid)."""
    path = Path(car_dir) / "credentials.json"
    try:
        cred = json.loads(path.read_text())
        if cred.get("mqtt_password"):
            return MqttCredentials(check_vin(str(cred["vin"])), str(cred["mqtt_password"]))
        return MqttCredentials.for_vehicle(str(cred["vin"]), str(cred["token"]))
    except FileNotFoundError:
        raise TelemetryError(
            f"no registered car in {car_dir}: telemetry uses the OTA registration "
            "(start with --ota-server first)"
        ) from None
    except (OSError, ValueError, KeyError) as e:
        raise TelemetryError(f"{path} is damaged: {e}") from e


class TelemetryService:
    """A runtime service: each step, the current values of the selected signals."""

    name = "telemetry"
    step_phase = PHASE_INTEGRATE + 1
    """After the BMS has integrated: it reports the car as this step left it (it writes
    nothing to the broker)."""

    def __init__(self, broker: Broker, publisher: TelemetryPublisher) -> None:
        self.broker = broker
        self.publisher = publisher

    def step(self, now_s: float, dt_s: float) -> None:
        values: dict[str, Value] = {}
        for path in self.publisher.intervals:
            dp = self.broker.get(path)
            if dp is None:
                continue
            v = dp.value
            kind = SIGNALS[path][1]
            if kind is float and isinstance(v, int | float) and not isinstance(v, bool):
                values[path] = float(v)
            elif (kind is bool and isinstance(v, bool)) or (kind is str and isinstance(v, str)):
                values[path] = v
        self.publisher.record(now_s, values)

    def close(self) -> None:
        """Close the open batch (to disk, and to the broker if connected) and disconnect."""
        self.publisher.flush()
        self.publisher.wait_drained(2.0)
        self.publisher.stop()
