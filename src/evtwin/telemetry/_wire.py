"""The telemetry wire format: one MQTT message = one batch of samples from one car.

Topic ``evtwin/v1/telemetry/<VIN>``; payload = zlib-compressed JSON::

    {"v": 1, "id": "<message id, unique per message>", "vin": "<VIN>",
     "position_opt_in": false,
     "samples": [{"t": <unix time, s>, "s": {"<VSS path>": value, ...}}, ...]}

A message keeps its id when it is sent again (QoS 1 redelivery, a car draining its disk
buffer), so the ingest service stores each id once.
"""

from __future__ import annotations

import math
import re
import zlib
from dataclasses import dataclass
from typing import Any, Final

import orjson

from evtwin.errors import TelemetryError

__all__ = [
    "MAX_PAYLOAD_BYTES",
    "SIGNALS",
    "TOPIC_PREFIX",
    "Batch",
    "Sample",
    "Value",
    "check_vin",
    "decode_batch",
    "encode_batch",
    "topic_for",
    "vin_of_topic",
]

TOPIC_PREFIX: Final = "evtwin/v1/telemetry"
MAX_PAYLOAD_BYTES: Final = 1 << 20  # compressed
MAX_JSON_BYTES: Final = 8 << 20  # after decompression: a zip bomb stops here
_VIN: Final = re.compile(r"^[A-HJ-NPR-Z0-9]{17}$")

Value = float | int | bool | str

SIGNALS: Final[dict[str, tuple[str, type]]] = {
    # VSS path -> (store column, Python type)
    "Vehicle.Speed": ("speed_kph", float),
    "Vehicle.TraveledDistance": ("odometer_m", float),  # VSS 6.0: metres
    "Vehicle.Powertrain.TractionBattery.StateOfCharge.Displayed": ("soc_percent", float),
    "Vehicle.Powertrain.TractionBattery.NetCapacity": ("net_capacity_kwh", float),
    "Vehicle.Powertrain.TractionBattery.AccumulatedConsumedEnergy": ("consumed_kwh", float),
    "Vehicle.Powertrain.TractionBattery.AccumulatedChargedEnergy": ("charged_kwh", float),
    "Vehicle.Powertrain.TractionBattery.Charging.IsCharging": ("is_charging", bool),
    "Vehicle.Exterior.AirTemperature": ("ambient_c", float),
    "Vehicle.CurrentLocation.Latitude": ("latitude_deg", float),
    "Vehicle.CurrentLocation.Longitude": ("longitude_deg", float),
    "Vehicle.Software.CurrentVersion": ("software_version", str),
}
"""The signals a car may publish (VSS 6.0 paths and evtwin's overlay)."""


@dataclass(frozen=True, slots=True)
class Sample:
    time_s: float
    signals: dict[str, Value]


@dataclass(frozen=True, slots=True)
class Batch:
    message_id: str
    vin: str
    samples: tuple[Sample, ...]
    position_opt_in: bool = False


def topic_for(vin: str) -> str:
    check_vin(vin)
    return f"{TOPIC_PREFIX}/{vin}"


def vin_of_topic(topic: str) -> str:
    prefix = TOPIC_PREFIX + "/"
    if not topic.startswith(prefix) or not _VIN.match(topic[len(prefix) :]):
        raise TelemetryError(f"not a telemetry topic: {topic!r}")
    return topic[len(prefix) :]


def check_vin(vin: Any) -> str:
    if not isinstance(vin, str) or not _VIN.match(vin):
        raise TelemetryError(f"VIN {vin!r} is not 17 characters of A-Z/0-9 without I, O, Q")
    return vin


def _check_value(path: str, value: Any) -> Value:
    if path not in SIGNALS:
        raise TelemetryError(f"signal {path!r} is not one cars publish (see SIGNALS)")
    kind = SIGNALS[path][1]
    if kind is bool:
        if not isinstance(value, bool):
            raise TelemetryError(f"{path} must be true/false, got {value!r}")
        return value
    if kind is str:
        if not isinstance(value, str) or len(value) > 64:
            raise TelemetryError(f"{path} must be a string of at most 64 characters")
        return value
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        raise TelemetryError(f"{path} must be a finite number, got {value!r}")
    return float(value)


def encode_batch(batch: Batch) -> bytes:
    check_vin(batch.vin)
    obj = {
        "v": 1,
        "id": batch.message_id,
        "vin": batch.vin,
        "position_opt_in": batch.position_opt_in,
        "samples": [
            {"t": s.time_s, "s": {p: _check_value(p, v) for p, v in s.signals.items()}}
            for s in batch.samples
        ],
    }
    payload = zlib.compress(orjson.dumps(obj), 6)
    if len(payload) > MAX_PAYLOAD_BYTES:
        raise TelemetryError(f"batch of {len(payload):,} bytes is over {MAX_PAYLOAD_BYTES:,}")
    return payload


def decode_batch(payload: bytes) -> Batch:
    """Parse and check a message; any fault is a :class:`TelemetryError`."""
    if len(payload) > MAX_PAYLOAD_BYTES:
        raise TelemetryError(f"message of {len(payload):,} bytes is over {MAX_PAYLOAD_BYTES:,}")
    try:
        d = zlib.decompressobj()
        raw = d.decompress(payload, MAX_JSON_BYTES)
        if d.unconsumed_tail:
            raise TelemetryError(f"message decompresses to more than {MAX_JSON_BYTES:,} bytes")
        obj = orjson.loads(raw)
    except (zlib.error, orjson.JSONDecodeError) as e:
        raise TelemetryError(f"message is not zlib-compressed JSON: {e}") from e
    if not isinstance(obj, dict) or obj.get("v") != 1:
        raise TelemetryError("message is not a version-1 telemetry batch")
    mid, vin, samples = obj.get("id"), obj.get("vin"), obj.get("samples")
    if not isinstance(mid, str) or not 1 <= len(mid) <= 100:
        raise TelemetryError("message id must be a string of 1..100 characters")
    vin = check_vin(vin)
    if not isinstance(samples, list) or not samples:
        raise TelemetryError("a batch needs a non-empty list of samples")
    out = []
    for s in samples:
        if not isinstance(s, dict) or not isinstance(s.get("s"), dict):
            raise TelemetryError("each sample needs 't' and 's'")
        t = s.get("t")
        if isinstance(t, bool) or not isinstance(t, int | float) or not 0 < t < 4e9:
            raise TelemetryError(f"sample time {t!r} is not a unix time in seconds")
        out.append(Sample(float(t), {p: _check_value(p, v) for p, v in s["s"].items()}))
    return Batch(mid, vin, tuple(out), bool(obj.get("position_opt_in", False)))
