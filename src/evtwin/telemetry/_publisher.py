"""The car's telemetry publisher: rate-limited, batched, compressed, buffered to disk.

``record(t, values)`` keeps a signal's value only if its minimum interval has passed since
the last kept one (a boolean or string is also kept when it changes). Kept values form
samples; samples form a batch, closed when it holds ``batch_samples`` samples or its first
is ``batch_age_s`` old. Every closed batch is written to the disk buffer first, then
published at QoS 1; its file is deleted only when the broker acknowledges it. A car that
cannot reach the broker keeps its batches on disk, at most ``buffer_max_bytes`` (the oldest
are dropped past that, and counted), and drains them, oldest first, once connected.
"""

from __future__ import annotations

import logging
import os
import threading
import time
import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Final

import paho.mqtt.client as mqtt
from paho.mqtt.enums import CallbackAPIVersion
from paho.mqtt.packettypes import PacketTypes
from paho.mqtt.properties import Properties

from evtwin.errors import TelemetryError
from evtwin.telemetry._credentials import MqttCredentials
from evtwin.telemetry._wire import SIGNALS, Batch, Sample, Value, encode_batch, topic_for

__all__ = ["DEFAULT_INTERVALS_S", "DiskBuffer", "PublisherStats", "TelemetryPublisher"]

log = logging.getLogger("evtwin.telemetry")

DEFAULT_INTERVALS_S: Final[dict[str, float]] = {
    "Vehicle.Speed": 5.0,
    "Vehicle.TraveledDistance": 30.0,
    "Vehicle.Powertrain.TractionBattery.StateOfCharge.Displayed": 30.0,
    "Vehicle.Powertrain.TractionBattery.NetCapacity": 3600.0,
    "Vehicle.Powertrain.TractionBattery.AccumulatedConsumedEnergy": 30.0,
    "Vehicle.Powertrain.TractionBattery.AccumulatedChargedEnergy": 30.0,
    "Vehicle.Powertrain.TractionBattery.Charging.IsCharging": 60.0,
    "Vehicle.Exterior.AirTemperature": 300.0,
    "Vehicle.CurrentLocation.Latitude": 30.0,
    "Vehicle.CurrentLocation.Longitude": 30.0,
    "Vehicle.Software.CurrentVersion": 3600.0,
}
"""Selected signals and their minimum intervals (s) between kept values."""

_MAX_INFLIGHT: Final = 100


class DiskBuffer:
    """Closed batches waiting for the broker's acknowledgement, one file each, oldest first.

    Bounded by ``max_bytes``: storing past it drops the oldest files (counted in
    :attr:`dropped`). Files are written to a temporary name and renamed, so a crash never
    leaves half a batch behind.
    """

    def __init__(self, directory: Path, max_bytes: int) -> None:
        if max_bytes < 1024:
            raise TelemetryError(f"buffer_max_bytes must be at least 1024, got {max_bytes}")
        self.dir = Path(directory)
        try:
            self.dir.mkdir(parents=True, exist_ok=True)
        except OSError as e:
            raise TelemetryError(f"cannot create telemetry buffer {self.dir}: {e}") from e
        self.max_bytes = max_bytes
        self.dropped = 0
        self._lock = threading.Lock()
        for tmp in self.dir.glob("*.tmp"):
            tmp.unlink(missing_ok=True)
        self._seq = max((int(p.stem) for p in self.files()), default=0)
        self._bytes = sum(p.stat().st_size for p in self.files())

    def files(self) -> list[Path]:
        return sorted(self.dir.glob("*.msg"))

    @property
    def size_bytes(self) -> int:
        return self._bytes

    def put(self, payload: bytes) -> Path:
        with self._lock:
            if len(payload) > self.max_bytes:
                raise TelemetryError("one batch is larger than the whole telemetry buffer")
            while self._bytes + len(payload) > self.max_bytes:
                oldest = self.files()[0]
                self._bytes -= oldest.stat().st_size
                oldest.unlink()
                self.dropped += 1
            self._seq += 1
            path = self.dir / f"{self._seq:016d}.msg"
            tmp = path.with_suffix(".tmp")
            with open(tmp, "wb") as f:
                f.write(payload)
                f.flush()
                os.fsync(f.fileno())
            tmp.rename(path)
            self._bytes += len(payload)
            return path

    def remove(self, path: Path) -> None:
        with self._lock:
            try:
                size = path.stat().st_size
                path.unlink()
            except FileNotFoundError:
                return
            self._bytes -= size


@dataclass
class PublisherStats:
    samples: int = 0
    values_kept: int = 0
    values_dropped_by_rate: int = 0
    batches: int = 0
    published: int = 0
    acknowledged: int = 0
    rejected: int = 0  # the broker refused (not authorised): dropped, never retried


class TelemetryPublisher:
    """One car's telemetry client (paho-mqtt 2, MQTT 5, QoS 1, TLS left to the caller)."""

    def __init__(
        self,
        vin: str,
        credentials: MqttCredentials,
        buffer_dir: Path,
        *,
        host: str = "127.0.0.1",
        port: int = 1883,
        intervals_s: Mapping[str, float] | None = None,
        batch_samples: int = 60,
        batch_age_s: float = 60.0,
        buffer_max_bytes: int = 16 << 20,
        position_opt_in: bool = False,
        keepalive_s: int = 30,
    ) -> None:
        self.vin = vin
        self.topic = topic_for(vin)
        self.intervals = dict(DEFAULT_INTERVALS_S if intervals_s is None else intervals_s)
        for path, dt in self.intervals.items():
            if path not in SIGNALS:
                raise TelemetryError(f"signal {path!r} is not one cars publish")
            if not 0.0 <= dt <= 86400.0:
                raise TelemetryError(f"interval for {path} must be within 0..86400 s, got {dt}")
        if not 1 <= batch_samples <= 10_000:
            raise TelemetryError(f"batch_samples must be within 1..10000, got {batch_samples}")
        self.batch_samples = batch_samples
        self.batch_age_s = batch_age_s
        self.position_opt_in = position_opt_in
        self.buffer = DiskBuffer(buffer_dir, buffer_max_bytes)
        self.stats = PublisherStats()
        self._last_t: dict[str, float] = {}
        self._last_v: dict[str, Value] = {}
        self._samples: list[Sample] = []
        self._lock = threading.Lock()
        self._inflight: dict[int, Path] = {}
        self._early_acks: dict[int, Any] = {}
        self._inflight_paths: set[Path] = set()
        self._connected = threading.Event()
        self.host, self.port, self.keepalive_s = host, port, keepalive_s
        client = mqtt.Client(
            callback_api_version=CallbackAPIVersion.VERSION2,
            client_id=vin,
            protocol=mqtt.MQTTv5,
        )
        client.username_pw_set(credentials.username, credentials.password)
        client.reconnect_delay_set(min_delay=1, max_delay=8)
        client.max_queued_messages_set(0)
        client.on_connect = self._on_connect
        client.on_disconnect = self._on_disconnect
        client.on_publish = self._on_publish
        self._client = client
        self._started = False

    # -- recording ------------------------------------------------------------------------
    def record(self, time_s: float, values: Mapping[str, Value]) -> None:
        """Offer the car's current values at ``time_s`` (unix seconds)."""
        kept: dict[str, Value] = {}
        for path, value in values.items():
            if path not in self.intervals:
                continue
            last_t = self._last_t.get(path)
            changed = isinstance(value, bool | str) and self._last_v.get(path) != value
            if last_t is None or changed or time_s - last_t >= self.intervals[path]:
                kept[path] = value
                self._last_t[path] = time_s
                self._last_v[path] = value
            else:
                self.stats.values_dropped_by_rate += 1
        if kept:
            self.stats.values_kept += len(kept)
            self.stats.samples += 1
            self._samples.append(Sample(time_s, kept))
        if self._samples and (
            len(self._samples) >= self.batch_samples
            or time_s - self._samples[0].time_s >= self.batch_age_s
        ):
            self.flush()

    def flush(self) -> str | None:
        """Close the open batch (if any): to disk, then to the broker. Returns its id."""
        if not self._samples:
            return None
        mid = uuid.uuid4().hex
        batch = Batch(mid, self.vin, tuple(self._samples), self.position_opt_in)
        self._samples = []
        self.buffer.put(encode_batch(batch))
        self.stats.batches += 1
        self._pump()
        return mid

    # -- connection -------------------------------------------------------------------------
    def start(self) -> None:
        """Connect in the background (and keep reconnecting); buffered batches drain."""
        if self._started:
            return
        self._started = True
        self._client.connect_async(self.host, self.port, keepalive=self.keepalive_s)
        self._client.loop_start()

    def wait_connected(self, timeout_s: float) -> bool:
        return self._connected.wait(timeout_s)

    def drained(self) -> bool:
        return not self._samples and not self.buffer.files()

    def wait_drained(self, timeout_s: float) -> bool:
        end = time.monotonic() + timeout_s
        while time.monotonic() < end:
            if self.drained():
                return True
            self._pump()
            time.sleep(0.05)
        return self.drained()

    def stop(self) -> None:
        if self._started:
            self._client.disconnect()
            self._client.loop_stop()
            self._started = False

    def _on_connect(self, client: Any, userdata: Any, flags: Any, reason: Any, props: Any) -> None:
        if reason.is_failure:
            log.warning("telemetry broker refused %s: %s", self.vin, reason)
            return
        with self._lock:
            self._inflight.clear()
            self._inflight_paths.clear()
            self._early_acks.clear()
        self._connected.set()
        self._pump()

    def _on_disconnect(
        self, client: Any, userdata: Any, flags: Any, reason: Any, props: Any
    ) -> None:
        self._connected.clear()

    def _pump(self) -> None:
        """Publish buffered batches, oldest first, up to the in-flight limit.

        paho holds its own lock while it runs ``on_publish``, and ``on_publish`` takes ours:
        so ours is never held while calling into paho (no lock-order deadlock).
        """
        if not self._connected.is_set():
            return
        with self._lock:
            room = _MAX_INFLIGHT - len(self._inflight_paths)
            if room <= 0:
                return
            todo = [p for p in self.buffer.files() if p not in self._inflight_paths][:room]
            self._inflight_paths.update(todo)
        for i, path in enumerate(todo):
            try:
                payload = path.read_bytes()
            except FileNotFoundError:
                with self._lock:
                    self._inflight_paths.discard(path)
                continue
            props = Properties(PacketTypes.PUBLISH)  # type: ignore[no-untyped-call]
            props.ContentType = "application/json+zlib"
            info = self._client.publish(self.topic, payload, qos=1, properties=props)
            if info.rc != mqtt.MQTT_ERR_SUCCESS:
                with self._lock:
                    self._inflight_paths.difference_update(todo[i:])
                return
            with self._lock:
                early = self._early_acks.pop(info.mid, None)
                if early is None:
                    self._inflight[info.mid] = path
                self.stats.published += 1
            if early is not None:
                self._acked(path, early)

    def _on_publish(self, client: Any, userdata: Any, mid: int, reason: Any, props: Any) -> None:
        with self._lock:
            path = self._inflight.pop(mid, None)
            if path is None:  # acknowledged before _pump filed it (or from a past connection)
                self._early_acks[mid] = reason
                return
        self._acked(path, reason)
        self._pump()

    def _acked(self, path: Path, reason: Any) -> None:
        with self._lock:
            self._inflight_paths.discard(path)
        if reason.is_failure:
            # 0x87 not authorised (ACL), 0x97 quota, ...: retrying cannot help
            log.warning("broker refused telemetry from %s: %s", self.vin, reason)
            self.stats.rejected += 1
        else:
            self.stats.acknowledged += 1
        self.buffer.remove(path)
