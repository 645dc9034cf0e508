"""Issue 12, slice 3 (part): mutual TLS. The server (``--tls-client-ca``) accepts only clients
that present a certificate from the fleet's CA; cars get one at the factory, naming their VIN,
and a certificate works only for the VIN it names."""

from __future__ import annotations

import datetime as dt
import ipaddress
import json
import ssl
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

from evtwin.cli.main import main
from evtwin.cloud import OtaServer, certificate_vins, create_app, vin_bound_protocol
from evtwin.errors import OtaDownloadError
from evtwin.ota import HttpConfig, OtaCloudClient, build_vehicle

from .conftest import PROVISIONING

VIN = "SALDS27A1RA000911"


def _key_pem(key: ec.EllipticCurvePrivateKey) -> bytes:
    return key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )


def issue(
    tmp: Path,
    name: str,
    *,
    ca: tuple[x509.Certificate, ec.EllipticCurvePrivateKey] | None = None,
    server: bool = False,
    san_uri: str | None = None,
) -> tuple[Path, Path, x509.Certificate, ec.EllipticCurvePrivateKey]:
    """A certificate for ``name`` signed by ``ca`` (self-signed CA when ``ca`` is None)."""
    key = ec.generate_private_key(ec.SECP256R1())
    subject = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, name)])
    now = dt.datetime.now(dt.UTC)
    builder = (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(ca[0].subject if ca else subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(minutes=5))
        .not_valid_after(now + dt.timedelta(days=1))
        .add_extension(x509.BasicConstraints(ca=ca is None, path_length=None), critical=True)
    )
    if server:
        builder = builder.add_extension(
            x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]),
            critical=False,
        )
    if san_uri:
        builder = builder.add_extension(
            x509.SubjectAlternativeName([x509.UniformResourceIdentifier(san_uri)]), critical=False
        )
    cert = builder.sign(ca[1] if ca else key, hashes.SHA256())
    cert_path, key_path = tmp / f"{name}.crt", tmp / f"{name}.key"
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(_key_pem(key))
    return cert_path, key_path, cert, key


@pytest.fixture
def mtls(server: OtaServer, tmp_path: Path) -> Iterator[tuple[str, Path, tuple]]:  # type: ignore[type-arg]
    server_cert, server_key, *_ = issue(tmp_path, "server", server=True)
    fleet_ca_path, _, ca_cert, ca_key = issue(tmp_path, "fleet-ca")
    uv = uvicorn.Server(
        uvicorn.Config(
            create_app(server), host="127.0.0.1", port=0, log_level="critical",
            ssl_certfile=str(server_cert), ssl_keyfile=str(server_key),
            ssl_cert_reqs=ssl.CERT_REQUIRED, ssl_ca_certs=str(fleet_ca_path),
            http=vin_bound_protocol(),
        )
    )  # fmt: skip
    thread = threading.Thread(target=uv.run, daemon=True)
    thread.start()
    for _ in range(500):  # bounded wait for start-up, not a timing assertion
        if uv.started:
            break
        time.sleep(0.01)
    assert uv.started
    port = uv.servers[0].sockets[0].getsockname()[1]
    yield f"https://127.0.0.1:{port}", server_cert, (ca_cert, ca_key)
    uv.should_exit = True
    thread.join(timeout=10)


def register(
    base: str, config: HttpConfig, root: Path, server: OtaServer, vin: str = VIN
) -> OtaCloudClient:
    cloud = OtaCloudClient(base, config=config)
    car = build_vehicle(
        vin=vin, root_dir=root, register=lambda inv: cloud.register(inv, PROVISIONING),
        urls=cloud.urls(vin), fetcher=cloud.fetcher(), clock=server.backend.clock,
    )  # fmt: skip
    cloud.check_in(car)
    return cloud


def test_only_cars_with_a_fleet_certificate_reach_a_mutual_tls_server(
    mtls: tuple[str, Path, tuple],
    server: OtaServer,
    tmp_path: Path,  # type: ignore[type-arg]
) -> None:
    base, server_cert, fleet_ca = mtls
    car_cert, car_key, *_ = issue(tmp_path, VIN, ca=fleet_ca)
    rogue_ca = issue(tmp_path, "rogue-ca")[2:]
    rogue_cert, rogue_key, *_ = issue(tmp_path, "rogue-car", ca=rogue_ca)

    with pytest.raises(OtaDownloadError):  # no client certificate: the handshake fails
        register(base, HttpConfig(ca_file=server_cert), tmp_path / "a", server)
    with pytest.raises(OtaDownloadError):  # a certificate from another CA: refused
        register(
            base,
            HttpConfig(ca_file=server_cert, client_cert=rogue_cert, client_key=rogue_key),
            tmp_path / "b",
            server,
        )
    cloud = register(
        base,
        HttpConfig(ca_file=server_cert, client_cert=car_cert, client_key=car_key),
        tmp_path / "c",
        server,
    )
    assert cloud.token is not None and server.db.manifest_count(VIN) == 1


def test_a_valid_fleet_certificate_works_only_for_the_vin_it_names(
    mtls: tuple[str, Path, tuple],
    server: OtaServer,
    tmp_path: Path,  # type: ignore[type-arg]
) -> None:
    base, server_cert, fleet_ca = mtls
    vin_b = "SALDS27A1RA000912"
    a_cert, a_key, a_x509, _ = issue(tmp_path, VIN, ca=fleet_ca)  # the VIN as common name
    b_cert, b_key, b_x509, _ = issue(tmp_path, "car-b", ca=fleet_ca, san_uri=f"urn:vin:{vin_b}")
    assert certificate_vins(a_x509) == {VIN} and certificate_vins(b_x509) == {vin_b}
    config_a = HttpConfig(ca_file=server_cert, client_cert=a_cert, client_key=a_key)
    config_b = HttpConfig(ca_file=server_cert, client_cert=b_cert, client_key=b_key)
    register(base, config_a, tmp_path / "a", server)
    car_b = register(base, config_b, tmp_path / "b", server, vin=vin_b)
    server.release("bms-9.0.0.img", b"BMS 9" * 100, ["ds-bms-r2"], 90)
    image = server.backend.image_repo.get_image("bms-9.0.0.img")
    assert image is not None
    b_token = {"Authorization": f"Bearer {car_b.token}"}
    paths = [
        ("GET", f"/api/v1/vehicles/{vin_b}/nonce"),
        ("POST", f"/api/v1/vehicles/{vin_b}/token"),
        ("GET", f"/director/{vin_b}/metadata/1.root.json"),
        ("GET", f"/image/targets/{image.hashes['sha256']}.bms-9.0.0.img"),
    ]
    with_a, with_b = config_a.pool(), config_b.pool()
    for method, path in paths:  # car A's valid certificate with car B's stolen token
        answer = with_a.request(method, base + path, headers=b_token)
        assert answer.status == 403, (path, answer.status, answer.data[:200])
        assert vin_b in answer.json()["detail"] or "not" in answer.json()["detail"]
    for method, path in paths:  # car B itself, with the same token and its own certificate
        if method == "GET":
            answer = with_b.request(method, base + path, headers=b_token)
            assert answer.status == 200, (path, answer.status, answer.data[:200])
    inventory = {"vin": "SALDS27A1RA000913", "primary_serial": "x", "ecus": {}}
    refused = with_a.request(  # car A's certificate registering another VIN
        "POST",
        base + "/api/v1/vehicles",
        body=json.dumps(inventory).encode(),
        headers={"X-Provisioning-Token": PROVISIONING, "Content-Type": "application/json"},
    )
    assert refused.status == 403
    assert "SALDS27A1RA000913" not in server.db.vehicles()


def test_the_running_car_registers_over_mutual_tls_with_its_own_certificate_only(
    mtls: tuple[str, Path, tuple],
    server: OtaServer,
    tmp_path: Path,  # type: ignore[type-arg]
    capsys: pytest.CaptureFixture[str],
) -> None:
    base, server_cert, fleet_ca = mtls
    car_cert, car_key, *_ = issue(tmp_path, VIN, ca=fleet_ca)
    other_cert, other_key, *_ = issue(tmp_path, "SALDS27A1RA000919", ca=fleet_ca)

    def up(car: Path, cert: Path, key: Path) -> int:
        return main(
            ["up", "--port", "0", "--no-http", "--duration-s", "0.5", "--ota-server", base,
             "--ota-car-dir", str(car), "--ota-token", PROVISIONING, "--ota-vin", VIN,
             "--ota-trust-on-first-use",
             "--ota-ca-file", str(server_cert), "--ota-client-cert", str(cert),
             "--ota-client-key", str(key)]
        )  # fmt: skip

    assert up(tmp_path / "thief", other_cert, other_key) == 2  # another car's certificate
    assert "HTTP 403" in capsys.readouterr().err
    assert VIN not in server.db.vehicles()
    assert up(tmp_path / "car", car_cert, car_key) == 0
    out = capsys.readouterr().out
    assert f"{VIN} registered with {base}" in out
    assert "expiry on time attested by the server's time server" in out
    assert VIN in server.db.vehicles()
