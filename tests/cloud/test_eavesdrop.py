"""Eavesdrop attack: with TLS configured, a wiretap on the link sees neither images nor tokens.

A relay between car and server records every byte both ways (a passive eavesdropper). The
control case, plain HTTP through the same relay, shows that the wiretap does see plaintext
there, so the TLS case would fail if encryption were removed.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import ipaddress
import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import uvicorn
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from evtwin.cloud import OtaServer, create_app
from evtwin.ota import BootOutcome, HttpConfig, OtaCloudClient, build_vehicle

from .conftest import PROVISIONING

VIN = "SALDS27A1RA000123"
IMAGE = b"DEFENDER-SPORT BMS 3.0.0 SECRET CALIBRATION\n" * 200


def self_signed(tmp: Path) -> tuple[Path, Path]:
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "evtwin-ota-test")])
    now = dt.datetime.now(dt.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(minutes=5))
        .not_valid_after(now + dt.timedelta(days=1))
        .add_extension(
            x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]),
            critical=False,
        )
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    cert_path, key_path = tmp / "cert.pem", tmp / "key.pem"
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    return cert_path, key_path


class Wiretap:
    """A TCP relay on 127.0.0.1 that forwards to ``upstream_port`` and records all bytes."""

    def __init__(self, upstream_port: int) -> None:
        self.upstream_port = upstream_port
        self.recorded = bytearray()
        self._lock = threading.Lock()
        self._listener = socket.create_server(("127.0.0.1", 0))
        self._listener.settimeout(0.1)
        self.port = self._listener.getsockname()[1]
        self._stop = threading.Event()
        self._threads: list[threading.Thread] = []
        self._sockets: list[socket.socket] = []
        self._accept = threading.Thread(target=self._serve, daemon=True)
        self._accept.start()

    def _pump(self, src: socket.socket, dst: socket.socket) -> None:
        try:
            while data := src.recv(65536):
                with self._lock:
                    self.recorded += data
                dst.sendall(data)
        except OSError:
            pass
        finally:
            for s in (src, dst):
                with contextlib.suppress(OSError):
                    s.shutdown(socket.SHUT_RDWR)

    def _serve(self) -> None:
        while not self._stop.is_set():
            try:
                client, _ = self._listener.accept()
            except TimeoutError:
                continue
            upstream = socket.create_connection(("127.0.0.1", self.upstream_port))
            self._sockets += [client, upstream]
            for a, b in ((client, upstream), (upstream, client)):
                t = threading.Thread(target=self._pump, args=(a, b), daemon=True)
                t.start()
                self._threads.append(t)

    def close(self) -> None:
        self._stop.set()
        self._accept.join()
        self._listener.close()
        for s in self._sockets:
            with contextlib.suppress(OSError):
                s.shutdown(socket.SHUT_RDWR)
        for t in self._threads:
            t.join(timeout=5)
        for s in self._sockets:
            s.close()


@pytest.fixture(params=["https", "http"])
def tapped_url(
    request: pytest.FixtureRequest, server: OtaServer, tmp_path: Path
) -> Iterator[tuple[str, HttpConfig, Wiretap]]:
    tls = request.param == "https"
    cert, key = self_signed(tmp_path)
    config = uvicorn.Config(
        create_app(server),
        host="127.0.0.1",
        port=0,
        log_level="warning",
        ssl_certfile=str(cert) if tls else None,
        ssl_keyfile=str(key) if tls else None,
    )
    uv = uvicorn.Server(config)
    thread = threading.Thread(target=uv.run, daemon=True)
    thread.start()
    for _ in range(500):  # bounded wait for start-up, not a timing assertion
        if uv.started:
            break
        time.sleep(0.01)
    assert uv.started
    tap = Wiretap(uv.servers[0].sockets[0].getsockname()[1])
    yield f"{request.param}://127.0.0.1:{tap.port}", HttpConfig(ca_file=cert), tap
    uv.should_exit = True
    thread.join(timeout=10)
    tap.close()


def test_eavesdropper_sees_no_image_or_credentials_when_tls_is_configured(
    server: OtaServer, tapped_url: tuple[str, HttpConfig, Wiretap], tmp_path: Path
) -> None:
    url, http_config, tap = tapped_url
    cloud = OtaCloudClient(url, config=http_config)
    car = build_vehicle(
        vin=VIN,
        root_dir=tmp_path / "car",
        register=lambda inv: cloud.register(inv, PROVISIONING),
        urls=cloud.urls(VIN),
        fetcher=cloud.fetcher(),
        clock=server.backend.clock,
    )
    server.release("bms-3.0.0.img", IMAGE, ["ds-bms-r2"], 30)
    cloud.check_in(car)

    report = car.update()

    assert report.outcomes == {"bms-0001": BootOutcome.COMMITTED}
    assert cloud.token is not None and len(tap.recorded) > len(IMAGE)
    seen_image = IMAGE[:64] in tap.recorded
    seen_token = cloud.token.encode() in tap.recorded
    if url.startswith("https"):
        assert not seen_image and not seen_token  # the defence
    else:
        assert seen_image and seen_token  # control: the wiretap works
