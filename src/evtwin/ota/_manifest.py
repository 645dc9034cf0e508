"""Signed ECU version reports and the vehicle version manifest (Uptane §5.4.2.1).

Each ECU signs a report of what it runs (image name, length, hashes, release counter) with
its own key, including the Director's check-in nonce so that an old report cannot be
replayed. The Primary bundles the reports and signs the vehicle version manifest. Envelopes
are ``{"signed": …, "signatures": [{"keyid", "sig"}]}`` over canonical JSON, as in TUF.

Verification is on the server's hot path (six envelopes per check-in), so
:func:`canonical_bytes` encodes with ``orjson`` when the result is provably the same bytes as
securesystemslib's reference encoder (plain JSON types, no float, nothing that needs an escape)
and falls back to the reference otherwise; ed25519 keys are verified with ``cryptography``
directly, each public key parsed once.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any, cast

import nacl.exceptions
import nacl.signing
import orjson
from securesystemslib.formats import encode_canonical
from securesystemslib.signer import Key, Signature, Signer

from evtwin.errors import OtaManifestError

__all__ = [
    "EcuVersionReport",
    "InstalledImage",
    "SignatureCheck",
    "VehicleManifest",
    "canonical_bytes",
    "check_signature",
    "open_envelope",
    "sign_envelope",
    "verify_ed25519_batch",
    "verify_envelope",
]


def _plain(obj: object) -> bool:
    """True if ``obj`` holds only dicts with str keys, lists, str, int, bool and None.

    Exact types only: anything else (a float, a tuple, a subclass) goes to the reference
    encoder, which accepts or rejects it as canonical JSON does. Iterative (no recursion).
    """
    stack = [obj]
    while stack:
        o = stack.pop()
        t = type(o)
        if t is dict:
            d = cast(dict[Any, Any], o)
            for k in d:
                if type(k) is not str:
                    return False
            stack.extend(d.values())
        elif t is list:
            stack.extend(cast(list[Any], o))
        elif t is not str and t is not int and t is not bool and o is not None:
            return False
    return True


def canonical_bytes(obj: Mapping[str, Any]) -> bytes:
    """``obj`` as canonical JSON (OLPC, as securesystemslib writes it), UTF-8 encoded.

    Byte-for-byte :func:`securesystemslib.formats.encode_canonical`: keys sorted, no
    whitespace, only ``"`` and ``\\`` escaped, no floats. The fast path (``orjson`` with
    sorted keys) is taken only when the two encoders provably agree: plain JSON types, integers
    within 64 bits, and no backslash in the output (so no string needed any escape, where
    the two differ); everything else goes through the reference encoder.

    Raises:
        OtaManifestError: ``obj`` cannot be canonical JSON (a float, a lone surrogate, …).
    """
    if _plain(obj):
        try:
            data = orjson.dumps(obj, option=orjson.OPT_SORT_KEYS)
        except (orjson.JSONEncodeError, TypeError):
            pass  # e.g. an integer past 64 bits or a lone surrogate: let the reference decide
        else:
            if b"\\" not in data:
                return data
    try:
        text = encode_canonical(dict(obj))
        if not isinstance(text, str):  # pragma: no cover - encode_canonical returns str here
            raise OtaManifestError("canonical JSON encoding failed")
        return text.encode()
    except OtaManifestError:
        raise
    except Exception as e:  # FormatError for floats, UnicodeEncodeError for lone surrogates
        raise OtaManifestError(f"not canonical JSON: {e}") from e


@lru_cache(maxsize=65536)
def _ed25519_key(public_hex: str) -> nacl.signing.VerifyKey:
    """A parsed ed25519 public key, once per key (keyed by its public bytes, not its keyid).

    Verified with libsodium (PyNaCl): ~59 µs a signature on this project's 2-core machine
    against ~107 µs through OpenSSL (``cryptography``), and a check-in verifies six
    (BENCHMARKS.md, OTA section). libsodium's verification is the strict one: it also
    refuses non-canonical and small-order keys and signatures, which no honest signer makes.
    """
    return nacl.signing.VerifyKey(bytes.fromhex(public_hex))


# What a bad key or signature raises: libsodium's BadSignatureError, PyNaCl's ValueError
# family (wrong lengths), TypeError/ValueError from hex decoding.
_BAD = (nacl.exceptions.BadSignatureError, nacl.exceptions.CryptoError, ValueError, TypeError)


def _verify(key: Key, sig: Signature, payload: bytes) -> None:
    """Raise unless ``sig`` by ``key`` is valid over ``payload``."""
    public = key.keyval.get("public")
    if key.keytype == "ed25519" and key.scheme == "ed25519" and isinstance(public, str):
        try:
            _ed25519_key(public).verify(payload, bytes.fromhex(sig.signature))
        except _BAD as e:
            raise OtaManifestError(f"bad signature by key {key.keyid[:12]}…: invalid") from e
        return
    try:  # other key types: securesystemslib's general path
        key.verify_signature(sig, payload)
    except Exception as e:  # securesystemslib raises its own VerificationError family
        raise OtaManifestError(f"bad signature by key {key.keyid[:12]}…: {e}") from e


def sign_envelope(signed: Mapping[str, Any], signer: Signer) -> dict[str, Any]:
    """Wrap ``signed`` in a TUF-style envelope signed by ``signer``."""
    sig = signer.sign(canonical_bytes(signed))
    return {"signed": dict(signed), "signatures": [sig.to_dict()]}


@dataclass(frozen=True)
class SignatureCheck:
    """One signature still to verify: ``key``'s ``signature`` over ``payload``."""

    key: Key
    signature: Signature
    payload: bytes

    def ed25519_args(self) -> tuple[str, str, bytes] | None:
        """``(public key hex, signature hex, payload)`` for :func:`verify_ed25519_batch`, or
        ``None`` for another key type."""
        public = self.key.keyval.get("public")
        if (
            self.key.keytype == "ed25519"
            and self.key.scheme == "ed25519"
            and isinstance(public, str)
        ):
            return public, self.signature.signature, self.payload
        return None


def open_envelope(envelope: Mapping[str, Any], key: Key) -> tuple[dict[str, Any], SignatureCheck]:
    """Parse an envelope and find ``key``'s signature; nothing is verified yet.

    Returns the (unverified) ``signed`` part and the check that :func:`check_signature`
    must pass before anything in it is trusted.

    Raises:
        OtaManifestError: malformed envelope, not canonical JSON, or no signature by ``key``.
    """
    try:
        signed = envelope["signed"]
        raw_sigs = envelope["signatures"]
    except (KeyError, TypeError) as e:
        raise OtaManifestError(f"malformed signed envelope: {e}") from e
    if not isinstance(raw_sigs, list):
        raise OtaManifestError("envelope 'signatures' must be a list")
    sigs = []
    for s in raw_sigs:
        # keyid and sig must be hex strings: anything else (int, list, dict, null) would only
        # fail deep inside verification
        if not (
            isinstance(s, Mapping)
            and isinstance(s.get("keyid"), str)
            and isinstance(s.get("sig"), str)
        ):
            raise OtaManifestError(
                "malformed signed envelope: each signature must be "
                '{"keyid": <hex string>, "sig": <hex string>}'
            )
        sigs.append(Signature(s["keyid"], s["sig"]))
    if not isinstance(signed, dict):
        raise OtaManifestError(f"envelope 'signed' must be an object, got {type(signed).__name__}")
    payload = canonical_bytes(signed)
    for sig in sigs:
        if sig.keyid == key.keyid:
            return signed, SignatureCheck(key, sig, payload)
    raise OtaManifestError(f"no signature by key {key.keyid[:12]}…")


def check_signature(check: SignatureCheck) -> None:
    """Raises OtaManifestError unless the signature is valid."""
    _verify(check.key, check.signature, check.payload)


def verify_ed25519_batch(items: Sequence[tuple[str, str, bytes]]) -> int:
    """Verify ed25519 signatures ``(public key hex, signature hex, payload)``; return the
    index of the first invalid one, or -1 if all are valid.

    A pure function of its arguments, so a server can run it in worker processes (the GIL is
    held during ed25519 verification, so threads would not run two at once).
    """
    for i, (public, sig, payload) in enumerate(items):
        try:
            _ed25519_key(public).verify(payload, bytes.fromhex(sig))
        except _BAD:
            return i
    return -1


def verify_envelope(envelope: Mapping[str, Any], key: Key) -> dict[str, Any]:
    """Check that ``key`` signed ``envelope`` and return its ``signed`` part.

    Raises:
        OtaManifestError: malformed envelope or no valid signature by ``key``.
    """
    signed, check = open_envelope(envelope, key)
    check_signature(check)
    return signed


@dataclass(frozen=True, kw_only=True)
class InstalledImage:
    """What an ECU runs: target name, length in bytes, hashes (hex by algorithm)."""

    filepath: str
    length: int
    hashes: dict[str, str]
    release_counter: int

    def to_dict(self) -> dict[str, Any]:
        return {
            "filepath": self.filepath,
            "length": self.length,
            "hashes": dict(self.hashes),
            "release_counter": self.release_counter,
        }

    @classmethod
    def from_dict(cls, d: Mapping[str, Any]) -> InstalledImage:
        try:
            return cls(
                filepath=str(d["filepath"]),
                length=int(d["length"]),
                hashes={str(k): str(v) for k, v in dict(d["hashes"]).items()},
                release_counter=int(d["release_counter"]),
            )
        except (KeyError, TypeError, ValueError) as e:
            raise OtaManifestError(f"malformed installed image {d!r}: {e}") from e


@dataclass(frozen=True, kw_only=True)
class EcuVersionReport:
    """One ECU's signed statement of what it runs."""

    ecu_serial: str
    installed: InstalledImage | None
    nonce: str
    time: str
    attacks_detected: str = ""
    install_failures: tuple[str, ...] = ()  # images that failed their health check here

    def to_dict(self) -> dict[str, Any]:
        return {
            "install_failures": list(self.install_failures),
            "ecu_serial": self.ecu_serial,
            "installed_image": self.installed.to_dict() if self.installed else None,
            "nonce": self.nonce,
            "time": self.time,
            "attacks_detected": self.attacks_detected,
        }

    @classmethod
    def from_dict(cls, d: Mapping[str, Any]) -> EcuVersionReport:
        try:
            img = d["installed_image"]
            return cls(
                ecu_serial=str(d["ecu_serial"]),
                installed=InstalledImage.from_dict(img) if img is not None else None,
                nonce=str(d["nonce"]),
                time=str(d["time"]),
                attacks_detected=str(d.get("attacks_detected", "")),
                install_failures=tuple(str(f) for f in d.get("install_failures", [])),
            )
        except (KeyError, TypeError) as e:
            raise OtaManifestError(f"malformed ECU version report: {e}") from e

    def sign(self, signer: Signer) -> dict[str, Any]:
        return sign_envelope(self.to_dict(), signer)


@dataclass(frozen=True, kw_only=True)
class VehicleManifest:
    """The Primary's signed bundle of every ECU's signed version report."""

    vin: str
    primary_ecu_serial: str
    nonce: str
    ecu_version_reports: dict[str, dict[str, Any]] = field(default_factory=dict)
    update_state: dict[str, Any] = field(default_factory=dict)  # the last update cycle

    def to_dict(self) -> dict[str, Any]:
        return {
            "update_state": dict(self.update_state),
            "vin": self.vin,
            "primary_ecu_serial": self.primary_ecu_serial,
            "nonce": self.nonce,
            "ecu_version_reports": dict(self.ecu_version_reports),
        }

    def sign(self, signer: Signer) -> dict[str, Any]:
        return sign_envelope(self.to_dict(), signer)

    def to_bytes(self, signer: Signer) -> bytes:
        return json.dumps(self.sign(signer), sort_keys=True).encode()
