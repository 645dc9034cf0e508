"""The telemetry ingest service: MQTT 5 subscriber → batched, idempotent database writes.

It subscribes to every car's topic at QoS 1 on a persistent session (clean start off, a
session expiry), with manual acknowledgements: a message is acknowledged only after the
transaction holding it has committed. So a crash of the service (or of its database) between
receipt and commit loses nothing: the broker delivers the message again, and the store's
``ON CONFLICT DO NOTHING`` makes the second copy a no-op. A message that can never be stored
(malformed, or a VIN in the payload that is not the topic's) is acknowledged and counted.
"""

from __future__ import annotations

import logging
import queue
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Final

import paho.mqtt.client as mqtt
from paho.mqtt.enums import CallbackAPIVersion
from paho.mqtt.packettypes import PacketTypes
from paho.mqtt.properties import Properties

from evtwin.errors import TelemetryError
from evtwin.fleet._store import TelemetryStore
from evtwin.telemetry import TOPIC_PREFIX, Batch, decode_batch, vin_of_topic

__all__ = ["IngestService", "IngestStats"]

log = logging.getLogger("evtwin.fleet.ingest")

SESSION_EXPIRY_S: Final = 7 * 86400
RETENTION_EVERY_S: Final = 3600.0


@dataclass
class IngestStats:
    received: int = 0
    stored_messages: int = 0
    rejected: int = 0
    db_retries: int = 0
    connects: int = 0


class IngestService:
    def __init__(
        self,
        store: TelemetryStore,
        *,
        host: str,
        port: int,
        username: str,
        password: str,
        client_id: str = "evtwin-ingest",
        batch_max: int = 500,
        batch_wait_s: float = 0.1,
        on_stored: Callable[[list[Batch]], None] | None = None,
    ) -> None:
        if not 1 <= batch_max <= 100_000:
            raise TelemetryError(f"batch_max must be within 1..100000, got {batch_max}")
        self.store = store
        self.stats = IngestStats()
        self.batch_max = batch_max
        self.batch_wait_s = batch_wait_s
        self._on_stored = on_stored
        self._queue: queue.Queue[tuple[int, int, Batch]] = queue.Queue()
        self._stop = threading.Event()
        self._connected = threading.Event()
        self._writer = threading.Thread(target=self._write_loop, name="ingest-writer", daemon=True)
        self.host, self.port = host, port
        c = mqtt.Client(
            callback_api_version=CallbackAPIVersion.VERSION2,
            client_id=client_id,
            protocol=mqtt.MQTTv5,
            manual_ack=True,
        )
        c.username_pw_set(username, password)
        c.reconnect_delay_set(min_delay=1, max_delay=4)
        c.on_connect = self._on_connect
        c.on_disconnect = self._on_disconnect
        c.on_message = self._on_message
        c.on_subscribe = self._on_subscribe
        self._client = c
        self._last_retention = 0.0

    def start(self) -> None:
        props = Properties(PacketTypes.CONNECT)  # type: ignore[no-untyped-call]
        props.SessionExpiryInterval = SESSION_EXPIRY_S
        self._client.connect_async(
            self.host, self.port, keepalive=30, clean_start=False, properties=props
        )
        self._client.loop_start()
        self._writer.start()

    def wait_connected(self, timeout_s: float) -> bool:
        return self._connected.wait(timeout_s)

    def request_stop(self) -> None:
        """Ask :meth:`run_forever` to return (safe from a signal handler)."""
        self._stop.set()

    def stop(self) -> None:
        self._stop.set()
        self._writer.join(timeout=10)
        self._client.disconnect()
        self._client.loop_stop()

    def run_forever(self) -> None:
        self.start()
        try:
            while not self._stop.wait(1.0):
                pass
        finally:
            self.stop()

    # -- MQTT callbacks (paho's network thread) ------------------------------------------------
    def _on_connect(self, client: Any, userdata: Any, flags: Any, reason: Any, props: Any) -> None:
        if reason.is_failure:
            log.error("broker refused the ingest service: %s", reason)
            return
        self.stats.connects += 1
        client.subscribe(f"{TOPIC_PREFIX}/+", qos=1)

    def _on_subscribe(self, client: Any, userdata: Any, mid: int, codes: Any, props: Any) -> None:
        if any(rc.is_failure for rc in codes):
            log.error("subscription to %s/+ refused: %s", TOPIC_PREFIX, codes)
            return
        log.info("subscribed to %s/+ (QoS 1, persistent session)", TOPIC_PREFIX)
        self._connected.set()

    def _on_disconnect(self, client: Any, userdata: Any, flags: Any, reason: Any, p: Any) -> None:
        self._connected.clear()

    def _on_message(self, client: Any, userdata: Any, msg: Any) -> None:
        self.stats.received += 1
        try:
            vin = vin_of_topic(msg.topic)
            batch = decode_batch(msg.payload)
            if batch.vin != vin:
                raise TelemetryError(f"message for {batch.vin} arrived on {vin}'s topic")
        except TelemetryError as e:
            log.warning("rejected telemetry message on %s: %s", msg.topic, e)
            self.stats.rejected += 1
            client.ack(msg.mid, msg.qos)
            return
        self._queue.put((msg.mid, msg.qos, batch))

    # -- writer thread ---------------------------------------------------------------------------
    def _take(self) -> list[tuple[int, int, Batch]]:
        try:
            first = self._queue.get(timeout=0.2)
        except queue.Empty:
            return []
        items = [first]
        end = time.monotonic() + self.batch_wait_s
        while len(items) < self.batch_max:
            left = end - time.monotonic()
            if left <= 0:
                break
            try:
                items.append(self._queue.get(timeout=left))
            except queue.Empty:
                break
        return items

    def _write_loop(self) -> None:
        while not self._stop.is_set():
            now = time.time()
            if now - self._last_retention > RETENTION_EVERY_S:
                try:
                    self.store.apply_retention(now_s=now)
                    self._last_retention = now
                except TelemetryError as e:
                    log.warning("retention pass failed: %s", e)
            items = self._take()
            if not items:
                continue
            while not self._stop.is_set():
                try:
                    self.store.write([b for _, _, b in items])
                    break
                except TelemetryError as e:
                    self.stats.db_retries += 1
                    log.warning("telemetry write failed, retrying: %s", e)
                    time.sleep(0.5)
                    try:
                        self.store.reconnect()
                    except TelemetryError as e2:
                        log.warning("%s", e2)
            else:
                return  # stopping: unacknowledged messages come again next time
            for mid, qos, _ in items:
                self._client.ack(mid, qos)
            self.stats.stored_messages += len(items)
            if self._on_stored is not None:
                self._on_stored([b for _, _, b in items])
