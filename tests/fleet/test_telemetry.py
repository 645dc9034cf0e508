"""Telemetry: wire format, credentials and ACLs on a real Mosquitto, idempotent ingest into
SQLite and PostgreSQL (day partitions, retention, coarse positions), the car's disk buffer."""

from __future__ import annotations

import threading
import time
import zlib
from pathlib import Path

import paho.mqtt.client as mqtt
import pytest
from paho.mqtt.enums import CallbackAPIVersion

from evtwin.errors import TelemetryError
from evtwin.fleet import IngestService, TelemetryStore
from evtwin.telemetry import (
    Batch,
    MqttCredentials,
    Sample,
    TelemetryPublisher,
    decode_batch,
    encode_batch,
    mqtt_password,
    topic_for,
)

from .conftest import INGEST_PASSWORD, INGEST_USER, POSTGRES_DSN, Broker, creds, vin

SPEED = "Vehicle.Speed"
SOC = "Vehicle.Powertrain.TractionBattery.StateOfCharge.Displayed"
LAT, LON = "Vehicle.CurrentLocation.Latitude", "Vehicle.CurrentLocation.Longitude"


def _batch(mid: str, v: str, t0: float, n: int = 3, **kw: bool) -> Batch:
    return Batch(mid, v, tuple(Sample(t0 + i, {SPEED: 10.0 * i}) for i in range(n)), **kw)


def _wait(pred, timeout_s: float = 10.0) -> bool:  # type: ignore[no-untyped-def]
    end = time.monotonic() + timeout_s
    while time.monotonic() < end:
        if pred():
            return True
        time.sleep(0.05)
    return bool(pred())


# -- wire format and credentials -------------------------------------------------------------
def test_wire_round_trip_and_compression() -> None:
    b = Batch("m1", vin(1), tuple(Sample(1.8e9 + i, {SPEED: 50.0, SOC: 80.0}) for i in range(60)))
    payload = encode_batch(b)
    assert decode_batch(payload) == b
    assert len(payload) < len(zlib.decompress(payload)) / 4  # repetitive samples compress


@pytest.mark.parametrize(
    ("payload", "message"),
    [
        (b"not zlib", "not zlib-compressed JSON"),
        (zlib.compress(b"[1, 2]"), "version-1"),
        (zlib.compress(b'{"v":1,"id":"x","vin":"BAD","samples":[]}'), "VIN"),
        (zlib.compress(b" " * (9 << 20)), "more than"),
        (
            zlib.compress(
                b'{"v":1,"id":"x","vin":"SALDS2027A0000001","samples":'
                b'[{"t":1.8e9,"s":{"Vehicle.Secret":1}}]}'
            ),
            "not one cars publish",
        ),
        (
            zlib.compress(
                b'{"v":1,"id":"x","vin":"SALDS2027A0000001","samples":'
                b'[{"t":1.8e9,"s":{"Vehicle.Speed":"fast"}}]}'
            ),
            "finite number",
        ),
    ],
)
def test_bad_messages_are_telemetry_errors(payload: bytes, message: str) -> None:
    with pytest.raises(TelemetryError, match=message):
        decode_batch(payload)


def test_mqtt_password_is_derived_from_the_ota_token_not_equal_to_it() -> None:
    t = "ota-bearer-token-0123456789"
    assert mqtt_password(t) == mqtt_password(t)
    assert mqtt_password(t) != mqtt_password(t + "x")
    assert t not in mqtt_password(t)
    with pytest.raises(TelemetryError):
        MqttCredentials.for_vehicle("not-a-vin", t)


# -- rate limiting, batching, disk buffer (no broker) ---------------------------------------
def test_publisher_rate_limits_and_batches(tmp_path: Path) -> None:
    pub = TelemetryPublisher(
        vin(1),
        creds(1),
        tmp_path / "spool",
        intervals_s={SPEED: 5.0, SOC: 30.0},
        batch_samples=4,
        batch_age_s=1e9,
    )
    for i in range(60):  # one minute at 1 Hz, never connected
        pub.record(1.8e9 + i, {SPEED: 50.0, SOC: 80.0, "Vehicle.Exterior.AirTemperature": 5.0})
    # speed every 5 s -> 12 values, SOC every 30 s -> 2; the unselected signal is ignored
    assert pub.stats.values_kept == 14
    assert pub.stats.samples == 12
    assert pub.stats.batches == 3  # 12 samples / 4 per batch, all waiting on disk
    files = pub.buffer.files()
    assert len(files) == 3
    assert sum(len(decode_batch(f.read_bytes()).samples) for f in files) == 12


def test_disk_buffer_is_bounded_and_counts_what_it_drops(tmp_path: Path) -> None:
    pub = TelemetryPublisher(
        vin(1),
        creds(1),
        tmp_path / "spool",
        intervals_s={SPEED: 0.0},
        batch_samples=1,
        buffer_max_bytes=4096,
    )
    for i in range(400):
        pub.record(1.8e9 + i, {SPEED: float(i) + 0.123456789})
    assert pub.buffer.size_bytes <= 4096
    assert sum(f.stat().st_size for f in pub.buffer.files()) == pub.buffer.size_bytes
    assert pub.buffer.dropped > 0
    assert pub.buffer.dropped + len(pub.buffer.files()) == 400
    # the newest batches are the ones kept
    newest = decode_batch(pub.buffer.files()[-1].read_bytes())
    assert newest.samples[0].signals[SPEED] == pytest.approx(399.123456789)
    # a restarted car finds its buffer again
    again = TelemetryPublisher(vin(1), creds(1), tmp_path / "spool", buffer_max_bytes=4096)
    assert len(again.buffer.files()) == len(pub.buffer.files())


# -- the store: idempotent, partitioned, retention, coarse positions ------------------------
def test_store_is_idempotent(store: TelemetryStore) -> None:
    now = time.time()
    b = _batch("msg-1", vin(1), now - 60)
    store.write([b], now_s=now)
    store.write([b, b], now_s=now)  # redelivered twice
    store.write([_batch("msg-2", vin(1), now - 30)], now_s=now)
    assert store.count() == 6


def test_postgres_partitions_by_day_and_retention_drops_them(pg_schema: str) -> None:
    s = TelemetryStore.postgres(POSTGRES_DSN, schema=pg_schema, retention_days=3)
    now = 1_800_000_000.0
    for age_days in (0, 1, 2):
        s.write([_batch(f"m{age_days}", vin(1), now - age_days * 86400)], now_s=now)
    s.write([_batch("too-old", vin(1), now - 5 * 86400)], now_s=now)
    s.write([_batch("wrong-clock", vin(1), now + 400 * 86400)], now_s=now)
    assert len(s.partitions()) == 3
    assert s.count() == 9 and s.stats.rows_too_old == 3 and s.stats.rows_in_future == 3
    # a partition goes once its whole day is past the window: three days on, two have
    assert s.apply_retention(now_s=now + 3 * 86400) == 2
    assert len(s.partitions()) == 1
    assert s.count() == 3
    s.close()


def test_sqlite_retention_deletes_old_rows(tmp_path: Path) -> None:
    s = TelemetryStore.sqlite(tmp_path / "t.sqlite", retention_days=1)
    now = 1_800_000_000.0
    s.write([_batch("a", vin(1), now - 3600), _batch("b", vin(1), now - 80000)], now_s=now)
    assert s.count() == 6
    assert s.apply_retention(now_s=now + 7200) == 3
    assert s.count() == 3


def test_positions_are_coarse_unless_the_car_opts_in(store: TelemetryStore) -> None:
    now = time.time()
    pos = {LAT: 52.6581234, LON: -0.6391234}
    store.write(
        [
            Batch("p1", vin(1), (Sample(now, pos),)),
            Batch("p2", vin(2), (Sample(now, pos),), position_opt_in=True),
        ],
        now_s=now,
    )
    rows = dict(
        (r[0], (r[1], r[2]))
        for r in store.query("SELECT vin, latitude_deg, longitude_deg FROM samples")
    )
    assert rows[vin(1)] == (52.66, -0.64)
    assert rows[vin(2)] == (pytest.approx(52.6581234), pytest.approx(-0.6391234))


# -- the real broker: credentials and ACLs ---------------------------------------------------
def _client(c: MqttCredentials | None, port: int, cid: str) -> tuple[mqtt.Client, dict]:
    cl = mqtt.Client(
        callback_api_version=CallbackAPIVersion.VERSION2, client_id=cid, protocol=mqtt.MQTTv5
    )
    seen: dict = {"acks": {}, "connect": None, "messages": [], "subscribed": threading.Event()}
    cl.on_connect = lambda _c, _u, _f, rc, _p: seen.__setitem__("connect", rc)
    cl.on_publish = lambda _c, _u, mid, rc, _p: seen["acks"].__setitem__(mid, rc)
    cl.on_message = lambda _c, _u, msg: seen["messages"].append(msg.topic)
    cl.on_subscribe = lambda _c, _u, _m, _rc, _p: seen["subscribed"].set()
    if c is not None:
        cl.username_pw_set(c.username, c.password)
    cl.connect("127.0.0.1", port)
    cl.loop_start()
    return cl, seen


def test_a_car_can_publish_only_under_its_own_vin(
    make_broker,
    tmp_path: Path,  # type: ignore[no-untyped-def]
) -> None:
    broker: Broker = make_broker(3)
    watcher, seen_w = _client(MqttCredentials(INGEST_USER, INGEST_PASSWORD), broker.port, "w")
    assert _wait(lambda: seen_w["connect"] is not None)
    watcher.subscribe("evtwin/v1/telemetry/#", qos=1)
    assert seen_w["subscribed"].wait(10)
    car1, seen1 = _client(creds(1), broker.port, "car1")
    assert _wait(lambda: seen1["connect"] is not None) and not seen1["connect"].is_failure
    own = car1.publish(topic_for(vin(1)), encode_batch(_batch("own", vin(1), time.time())), qos=1)
    other = car1.publish(
        topic_for(vin(2)), encode_batch(_batch("forged", vin(2), time.time())), qos=1
    )
    assert _wait(lambda: len(seen1["acks"]) == 2)
    assert not seen1["acks"][own.mid].is_failure
    assert seen1["acks"][other.mid].getName() == "Not authorized"
    assert _wait(lambda: len(seen_w["messages"]) >= 1)
    time.sleep(0.3)
    assert seen_w["messages"] == [topic_for(vin(1))]  # the forged message never arrived
    # a car may not read other cars' telemetry either
    car1.subscribe("evtwin/v1/telemetry/#", qos=1)
    assert seen1["subscribed"].wait(10)  # granted or not, the broker has answered
    car2, seen2 = _client(creds(2), broker.port, "car2")
    assert _wait(lambda: seen2["connect"] is not None)
    car2.publish(topic_for(vin(2)), encode_batch(_batch("c2", vin(2), time.time())), qos=1)
    assert _wait(lambda: len(seen_w["messages"]) == 2)  # delivered to the ingest user ...
    time.sleep(0.3)
    assert seen1["messages"] == []  # ... but not to another car
    for c in (car1, car2, watcher):
        c.loop_stop()
        c.disconnect()


def test_wrong_password_or_unknown_car_is_refused(make_broker) -> None:  # type: ignore[no-untyped-def]
    broker: Broker = make_broker(2)
    for c in (
        MqttCredentials(vin(1), creds(2).password),  # another car's password
        MqttCredentials(vin(9), creds(9).password),  # not registered
    ):
        cl = mqtt.Client(
            callback_api_version=CallbackAPIVersion.VERSION2, client_id="x", protocol=mqtt.MQTTv5
        )
        result: list = []
        cl.on_connect = lambda _c, _u, _f, rc, _p, result=result: result.append(rc)
        cl.username_pw_set(c.username, c.password)
        cl.connect("127.0.0.1", broker.port)
        cl.loop_start()
        assert _wait(lambda result=result: bool(result))
        cl.loop_stop()
        assert result[0].is_failure


# -- end to end: car -> broker -> ingest -> store; redelivery; offline buffer ------------------
def _ingest(store: TelemetryStore, port: int) -> IngestService:
    svc = IngestService(
        store,
        host="127.0.0.1",
        port=port,
        username=INGEST_USER,
        password=INGEST_PASSWORD,
        client_id=f"ingest-{port}",
    )
    svc.start()
    assert svc.wait_connected(10)
    return svc


def test_redelivered_message_is_never_a_duplicate_row(
    make_broker,
    store: TelemetryStore,  # type: ignore[no-untyped-def]
) -> None:
    broker: Broker = make_broker(2)
    svc = _ingest(store, broker.port)
    car, seen = _client(creds(1), broker.port, "car1")
    assert _wait(lambda: seen["connect"] is not None)
    payload = encode_batch(_batch("same-id", vin(1), time.time(), n=5))
    for _ in range(3):  # the same message three times, as QoS 1 redelivery would
        car.publish(topic_for(vin(1)), payload, qos=1)
    car.publish(topic_for(vin(1)), encode_batch(_batch("next", vin(1), time.time())), qos=1)
    assert _wait(lambda: svc.stats.stored_messages == 4)
    assert store.count() == 8
    ids = store.query("SELECT message_id, COUNT(*) FROM samples GROUP BY message_id")
    assert dict(ids) == {"same-id": 5, "next": 3}
    car.loop_stop()
    svc.stop()


def test_car_buffers_to_disk_while_the_broker_is_away_then_drains(
    make_broker,
    tmp_path: Path,  # type: ignore[no-untyped-def]
) -> None:
    broker: Broker = make_broker(2)
    broker.stop()  # the car starts with no broker to reach
    store = TelemetryStore.sqlite(tmp_path / "t.sqlite")
    pub = TelemetryPublisher(
        vin(1),
        creds(1),
        tmp_path / "spool",
        port=broker.port,
        intervals_s={SPEED: 0.0},
        batch_samples=10,
        buffer_max_bytes=1 << 20,
    )
    pub.start()
    t0 = time.time() - 100
    for i in range(50):
        pub.record(t0 + i, {SPEED: float(i)})
    assert len(pub.buffer.files()) == 5 and pub.stats.acknowledged == 0
    broker.start()
    svc = _ingest(store, broker.port)
    assert pub.wait_drained(20)
    assert _wait(lambda: store.count() == 50)
    assert pub.stats.acknowledged == 5 and pub.buffer.dropped == 0
    pub.stop()
    svc.stop()


# -- the fleet API over real HTTP -------------------------------------------------------------
def test_fleet_api_over_http(tmp_path: Path) -> None:
    import httpx2 as httpx
    import uvicorn

    from evtwin.fleet import create_fleet_app

    from .conftest import free_port

    store = TelemetryStore.sqlite(tmp_path / "t.sqlite")
    now = time.time()
    cons = "Vehicle.Powertrain.TractionBattery.AccumulatedConsumedEnergy"
    chg = "Vehicle.Powertrain.TractionBattery.AccumulatedChargedEnergy"
    odo, cap = "Vehicle.TraveledDistance", "Vehicle.Powertrain.TractionBattery.NetCapacity"
    is_chg = "Vehicle.Powertrain.TractionBattery.Charging.IsCharging"
    ver = "Vehicle.Software.CurrentVersion"
    batches = []
    for i, wh_per_km in enumerate((150.0, 200.0, 250.0)):
        v = vin(i)
        batches.append(
            Batch(
                f"b{i}",
                v,
                (
                    Sample(
                        now - 3600,
                        {
                            odo: 1_000_000.0,  # metres (VSS)
                            cons: 500.0,
                            cap: 75.0,
                            SOC: 60.0,
                            is_chg: False,
                            chg: 100.0,
                            ver: "1.9.1",
                        },
                    ),
                    Sample(
                        now - 1800, {odo: 1_100_000.0, cons: 500.0 + wh_per_km * 0.1, SOC: 30.0}
                    ),
                    Sample(now - 1200, {is_chg: True}),
                    Sample(
                        now - 600,
                        {
                            is_chg: False,
                            SOC: 80.0,
                            chg: 140.0,
                            ver: "2.0.0" if i else "1.9.1",
                            LAT: 52.65,
                            LON: -0.64,
                        },
                    ),
                ),
            )
        )
    store.write(batches, now_s=now)
    port = free_port()
    server = uvicorn.Server(
        uvicorn.Config(create_fleet_app(store), host="127.0.0.1", port=port, log_level="error")
    )
    th = threading.Thread(target=server.run, daemon=True)
    th.start()
    assert _wait(lambda: server.started)
    base = f"http://127.0.0.1:{port}/api/v1/fleet"
    try:
        with httpx.Client(timeout=10) as http:
            c = http.get(f"{base}/consumption").json()
            assert c["cars_with_distance"] == 3
            assert c["consumption_wh_per_km"]["p50"] == pytest.approx(200.0)
            assert c["range_km"]["p50"] == pytest.approx(375.0)  # 75 kWh / 200 Wh/km
            ch = http.get(f"{base}/charging").json()
            assert ch["sessions"] == 3
            assert ch["start_soc_percent"]["p50"] == pytest.approx(30.0)
            assert ch["charged_energy_kwh"] == pytest.approx(120.0)
            sw = http.get(f"{base}/software", params={"target_version": "2.0.0"}).json()
            assert sw["versions"] == {"1.9.1": 1, "2.0.0": 2} and sw["on_target"] == 2
            grp = http.get(
                f"{base}/software", params={"vin_prefix": vin(1), "target_version": "2.0.0"}
            ).json()
            assert grp["cars"] == 1 and grp["on_target_share"] == 1.0
            last = http.get(f"{base}/vehicles/{vin(1)}/latest").json()
            assert last["software_version"] == "2.0.0" and last["latitude_deg"] == 52.65
            assert http.get(f"{base}/health").json()["rows"] == 12
            # bad input: 4xx with a JSON body, never a 5xx
            r = http.get(f"{base}/consumption", params={"since_s": "abc"})
            assert r.status_code == 422 and "since_s" in r.json()["error"]["message"]
            r = http.get(f"{base}/consumption", params={"since_s": 10, "until_s": 5})
            assert r.status_code == 400 and "after" in r.json()["error"]["message"]
            r = http.get(f"{base}/vehicles/not-a-vin/latest")
            assert r.status_code == 400
            r = http.get(f"{base}/vehicles/{vin(7)}/latest")
            assert r.status_code == 404 and r.json()["error"]["type"] == "NotFound"
            r = http.get(f"{base}/software", params={"vin_prefix": "x'--"})
            assert r.status_code == 400
    finally:
        server.should_exit = True
        th.join(timeout=10)


def test_mqtt_login_comes_from_the_ota_registration(tmp_path: Path) -> None:
    """The factory registers the car with the OTA server (provisioning token) and gets its
    bearer token once; the car's MQTT login derives from that, and works on the broker."""
    from evtwin.cloud import OtaDatabase, OtaServer
    from evtwin.fleet import write_mosquitto_config
    from evtwin.ota import ManualClock, OtaBackend, Registration, StoreFetcher, build_vehicle

    from .conftest import MOSQUITTO, _missing, free_port

    clock = ManualClock()
    server = OtaServer(
        OtaBackend.create(clock),
        OtaDatabase.sqlite(tmp_path / "ota.sqlite"),
        provisioning_token="factory-secret-0123456789",
        admin_token="release-secret-0123456789",
    )
    issued = []

    def register(inv):  # type: ignore[no-untyped-def]
        creds = server.register(inv.to_dict(), "factory-secret-0123456789")
        issued.append(creds)
        return Registration(director_root=creds.director_root, image_root=creds.image_root)

    car_vin = "SALDS27A1RA000123"
    build_vehicle(
        vin=car_vin,
        root_dir=tmp_path / "car",
        register=register,
        urls=server.backend.urls(car_vin),
        fetcher=StoreFetcher(server.backend.store),
        clock=clock,
    )
    (reg,) = issued
    login = MqttCredentials.from_registration(reg)
    assert login.username == car_vin and login.password == mqtt_password(reg.token)
    server.authenticate_vehicle(car_vin, reg.token)  # the same identity the OTA server checks

    port = free_port()
    conf = write_mosquitto_config(
        tmp_path / "broker",
        port=port,
        ingest_user=INGEST_USER,
        accounts={login.username: login.password, INGEST_USER: INGEST_PASSWORD},
    )
    broker = Broker(tmp_path / "broker", port, conf)
    if not Path(MOSQUITTO).exists():
        _missing("mosquitto (Debian package mosquitto)")
    broker.start()
    try:
        store = TelemetryStore.sqlite(tmp_path / "t.sqlite")
        svc = _ingest(store, port)
        pub = TelemetryPublisher(car_vin, login, tmp_path / "spool", port=port, batch_samples=1)
        pub.start()
        pub.record(time.time(), {SPEED: 42.0})
        assert pub.wait_drained(10) and pub.stats.acknowledged == 1
        assert _wait(lambda: store.count() == 1)
        pub.stop()
        svc.stop()
    finally:
        broker.stop()
