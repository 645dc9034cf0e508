"""Vehicle telemetry: the wire format, per-car MQTT credentials from the OTA registration,
and the car's publisher (rate-limited, batched, compressed, buffered to disk).

The ingest service, store and fleet questions live in :mod:`evtwin.fleet` (the cloud side).
"""

from __future__ import annotations

from evtwin.telemetry._credentials import (
    MqttCredentials,
    acl_text,
    mosquitto_password_line,
    mqtt_password,
)
from evtwin.telemetry._publisher import (
    DEFAULT_INTERVALS_S,
    DiskBuffer,
    PublisherStats,
    TelemetryPublisher,
)
from evtwin.telemetry._wire import (
    SIGNALS,
    TOPIC_PREFIX,
    Batch,
    Sample,
    Value,
    check_vin,
    decode_batch,
    encode_batch,
    topic_for,
    vin_of_topic,
)

__all__ = [
    "DEFAULT_INTERVALS_S",
    "SIGNALS",
    "TOPIC_PREFIX",
    "Batch",
    "DiskBuffer",
    "MqttCredentials",
    "PublisherStats",
    "Sample",
    "TelemetryPublisher",
    "Value",
    "acl_text",
    "check_vin",
    "decode_batch",
    "encode_batch",
    "mosquitto_password_line",
    "mqtt_password",
    "topic_for",
    "vin_of_topic",
]
