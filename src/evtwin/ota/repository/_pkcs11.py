"""Online signing keys in a PKCS#11 token (an HSM; SoftHSM2 in tests), never on disk.

:class:`Pkcs11Token` opens one logged-in session on a token (``python-pkcs11``) and makes or
finds ed25519 key pairs by label; :class:`Pkcs11Signer` is a securesystemslib ``Signer``
whose private key never leaves the token (generated there, sensitive, not extractable), so
the repositories sign with it like with any other key. What the server keeps on disk is a
reference (:func:`save_pkcs11_keys`: module, token label, key labels and public keys).
"""

from __future__ import annotations

import json
import os
import secrets
import threading
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from securesystemslib.signer import Key, SecretsHandler, Signature, Signer, SSlibKey

from evtwin.errors import OtaKeyError
from evtwin.ota._keys import RoleKeys

__all__ = [
    "PKCS11_PIN_ENV",
    "Pkcs11Signer",
    "Pkcs11Token",
    "generate_role_keys",
    "load_pkcs11_keys",
    "pkcs11_keys_path",
    "save_pkcs11_keys",
]

PKCS11_PIN_ENV = "EVTWIN_OTA_PKCS11_PIN"
_ED25519_OID = "1.3.101.112"


def _raw_public(ec_point: bytes) -> bytes:
    """The 32 public bytes from a CKA_EC_POINT (a DER OCTET STRING, or raw)."""
    if len(ec_point) == 34 and ec_point[:2] == b"\x04\x20":
        return ec_point[2:]
    if len(ec_point) == 32:
        return ec_point
    raise OtaKeyError(f"unexpected ed25519 EC_POINT of {len(ec_point)} bytes from the token")


class Pkcs11Token:
    """A logged-in session on one PKCS#11 token.

    Args:
        module: the PKCS#11 library (SoftHSM2: ``/usr/lib/softhsm/libsofthsm2.so``).
        token_label: the token's label.
        pin: the user PIN (default: the ``EVTWIN_OTA_PKCS11_PIN`` environment variable).

    Raises:
        OtaKeyError: the module cannot be loaded, no such token, or a wrong PIN.
    """

    def __init__(self, module: Path, token_label: str, pin: str | None = None) -> None:
        import pkcs11

        pin = pin if pin is not None else os.environ.get(PKCS11_PIN_ENV)
        if not pin:
            raise OtaKeyError(f"PKCS#11 token {token_label!r}: no PIN (set {PKCS11_PIN_ENV})")
        self.module = module
        self.token_label = token_label
        self._lock = threading.Lock()  # one session, used by one thread at a time
        try:
            lib = pkcs11.lib(str(module))
            token = lib.get_token(token_label=token_label)
            try:
                self._session = token.open(user_pin=pin, rw=True)
            except pkcs11.UserAlreadyLoggedIn:  # this process has a session on it already
                self._session = token.open(rw=True)  # PKCS#11 login is per application
        except Exception as e:  # PKCS11Error family, OSError for a missing module
            raise OtaKeyError(
                f"cannot open PKCS#11 token {token_label!r} with {module}: {type(e).__name__}: {e}"
            ) from e

    def close(self) -> None:
        with self._lock:
            self._session.close()

    def generate(self, label: str) -> Pkcs11Signer:
        """A new ed25519 key pair made inside the token (sensitive, never extractable)."""
        import pkcs11
        from pkcs11 import Attribute, KeyType
        from pkcs11.util.ec import encode_named_curve_parameters

        with self._lock:
            try:
                params = self._session.create_domain_parameters(
                    KeyType.EC_EDWARDS,
                    {Attribute.EC_PARAMS: encode_named_curve_parameters(_ED25519_OID)},
                    local=True,
                )
                public, _ = params.generate_keypair(
                    store=True,
                    label=label,
                    private_template={Attribute.SENSITIVE: True, Attribute.EXTRACTABLE: False},
                )
                raw = _raw_public(public[Attribute.EC_POINT])
            except pkcs11.PKCS11Error as e:
                raise OtaKeyError(f"PKCS#11: cannot generate key {label!r}: {e!r}") from e
        return Pkcs11Signer(self, label, _public_key(raw))

    def signer(self, label: str, public_hex: str) -> Pkcs11Signer:
        """The signer of the token's key ``label``, whose public key must be ``public_hex``.

        Raises:
            OtaKeyError: no such key in the token, or another public key.
        """
        from pkcs11 import Attribute, KeyType, ObjectClass

        with self._lock:
            try:
                public = self._session.get_key(
                    object_class=ObjectClass.PUBLIC_KEY, key_type=KeyType.EC_EDWARDS, label=label
                )
                raw = _raw_public(public[Attribute.EC_POINT])
            except Exception as e:  # NoSuchKey, MultipleObjectsReturned, PKCS11Error
                raise OtaKeyError(
                    f"PKCS#11 token {self.token_label!r}: key {label!r}: {e!r}"
                ) from e
        if raw.hex() != public_hex:
            raise OtaKeyError(f"PKCS#11 key {label!r} is not the public key on record")
        return Pkcs11Signer(self, label, _public_key(raw))

    def generate_secret(self, label: str) -> None:
        """A new AES-256 key made inside the token (sensitive, never extractable): a
        key-encryption key that wraps secrets the server must keep (image keys)."""
        import pkcs11
        from pkcs11 import Attribute, KeyType

        with self._lock:
            try:
                self._session.generate_key(
                    KeyType.AES,
                    256,
                    label=label,
                    store=True,
                    template={Attribute.SENSITIVE: True, Attribute.EXTRACTABLE: False},
                )
            except pkcs11.PKCS11Error as e:
                raise OtaKeyError(f"PKCS#11: cannot generate AES key {label!r}: {e!r}") from e

    def _aes_gcm(self, label: str, data: bytes, nonce: bytes, aad: bytes, *, seal: bool) -> bytes:
        from pkcs11 import KeyType, Mechanism, ObjectClass
        from pkcs11.mechanisms import GCMParams

        with self._lock:
            try:
                key = self._session.get_key(
                    object_class=ObjectClass.SECRET_KEY, key_type=KeyType.AES, label=label
                )
                param = GCMParams(nonce, aad, 128)
                out: bytes = (
                    key.encrypt(data, mechanism=Mechanism.AES_GCM, mechanism_param=param)  # type: ignore[attr-defined]
                    if seal
                    else key.decrypt(data, mechanism=Mechanism.AES_GCM, mechanism_param=param)  # type: ignore[attr-defined]
                )
            except Exception as e:  # NoSuchKey, PKCS11Error (a wrong tag included)
                what = "encrypting with" if seal else "decrypting with"
                raise OtaKeyError(f"PKCS#11: {what} {label!r} failed: {e!r}") from e
        return out

    def seal(self, label: str, data: bytes, aad: bytes) -> bytes:
        """``nonce || AES-256-GCM(data)`` under the token's AES key ``label``, bound to
        ``aad``; the key never leaves the token."""
        nonce = secrets.token_bytes(12)
        return nonce + self._aes_gcm(label, data, nonce, aad, seal=True)

    def unseal(self, label: str, blob: bytes, aad: bytes) -> bytes:
        """The plaintext of :meth:`seal`'s ``blob``.

        Raises:
            OtaKeyError: no such key, another ``aad``, or an altered blob.
        """
        return self._aes_gcm(label, blob[12:], blob[:12], aad, seal=False)

    def sign(self, label: str, payload: bytes) -> bytes:
        from pkcs11 import KeyType, Mechanism, ObjectClass

        with self._lock:
            try:
                private = self._session.get_key(
                    object_class=ObjectClass.PRIVATE_KEY, key_type=KeyType.EC_EDWARDS, label=label
                )
                signature: bytes = private.sign(  # type: ignore[attr-defined]
                    payload, mechanism=Mechanism.EDDSA
                )
            except Exception as e:  # PKCS11Error family
                raise OtaKeyError(f"PKCS#11: signing with {label!r} failed: {e!r}") from e
        return signature


def _public_key(raw: bytes) -> Key:
    return SSlibKey.from_crypto(Ed25519PublicKey.from_public_bytes(raw))


class Pkcs11Signer(Signer):
    """Signs with an ed25519 key held in a :class:`Pkcs11Token`."""

    def __init__(self, token: Pkcs11Token, label: str, public_key: Key) -> None:
        self.token = token
        self.label = label
        self._public_key = public_key

    @property
    def public_key(self) -> Key:
        return self._public_key

    def sign(self, payload: bytes) -> Signature:
        return Signature(self._public_key.keyid, self.token.sign(self.label, payload).hex())

    @classmethod
    def from_priv_key_uri(
        cls,
        priv_key_uri: str,
        public_key: Key,
        secrets_handler: SecretsHandler | Callable[[str], str] | None = None,
    ) -> Pkcs11Signer:
        raise OtaKeyError("open a Pkcs11Token and call its signer() instead")


def pkcs11_keys_path(state_dir: Path) -> Path:
    """Where a server's state records its online keys in a PKCS#11 token."""
    return state_dir / "keys" / "online.pkcs11.json"


def generate_role_keys(token: Pkcs11Token, prefix: str, roles: list[str]) -> dict[str, RoleKeys]:
    """One fresh key in the token per role (threshold 1), labelled ``{prefix}-{role}-{rand}``."""
    return {
        role: RoleKeys(signers=(token.generate(f"{prefix}-{role}-{secrets.token_hex(4)}"),))
        for role in roles
    }


def save_pkcs11_keys(path: Path, token: Pkcs11Token, keys: Mapping[str, RoleKeys]) -> None:
    """Write where each role's keys are (token, labels, public keys): no private material."""
    doc: dict[str, Any] = {"module": str(token.module), "token": token.token_label, "roles": {}}
    for role, role_keys in keys.items():
        entries = []
        for signer in role_keys.signers:
            if not isinstance(signer, Pkcs11Signer):
                raise OtaKeyError(f"{role}: only PKCS#11 keys go in {path.name}")
            entries.append({"label": signer.label, "public": signer.public_key.keyval["public"]})
        doc["roles"][role] = {"threshold": role_keys.threshold, "keys": entries}
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(doc, indent=1))


def load_pkcs11_keys(path: Path, pin: str | None = None) -> dict[str, RoleKeys]:
    """The role key sets :func:`save_pkcs11_keys` recorded, signing in their token.

    Raises:
        OtaKeyError: malformed file, the token cannot be opened, or a key is missing.
    """
    try:
        doc = json.loads(path.read_text())
        token = Pkcs11Token(Path(doc["module"]), str(doc["token"]), pin)
        return {
            role: RoleKeys(
                signers=tuple(token.signer(str(k["label"]), str(k["public"])) for k in e["keys"]),
                threshold=int(e["threshold"]),
            )
            for role, e in doc["roles"].items()
        }
    except (OSError, ValueError, KeyError, TypeError) as e:
        raise OtaKeyError(f"cannot load PKCS#11 key references from {path}: {e}") from e
