"""Manifest envelopes: the fast canonical encoder is the reference, byte for byte."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st
from securesystemslib.formats import encode_canonical

from evtwin.errors import OtaManifestError
from evtwin.ota._keys import generate_signer
from evtwin.ota._manifest import canonical_bytes, sign_envelope, verify_envelope

_scalars = (
    st.none()
    | st.booleans()
    | st.integers(min_value=-(2**70), max_value=2**70)  # past 64 bits: the reference path
    | st.text()  # control characters, quotes, backslashes, astral planes, lone surrogates
)
_json = st.recursive(
    _scalars,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(), inner, max_size=4),
    max_leaves=20,
)


@given(st.dictionaries(st.text(), _json, max_size=6))
def test_canonical_bytes_are_securesystemslibs_canonical_json(obj: dict[str, Any]) -> None:
    try:
        expected = str(encode_canonical(obj)).encode()
    except UnicodeEncodeError:  # a lone surrogate cannot be UTF-8: both refuse it
        with pytest.raises(OtaManifestError):
            canonical_bytes(obj)
        return
    assert canonical_bytes(obj) == expected


def test_a_float_is_not_canonical_json() -> None:
    with pytest.raises(OtaManifestError, match="not canonical JSON"):
        canonical_bytes({"length": 1.5})


def test_a_signature_over_the_canonical_bytes_verifies_and_a_changed_field_does_not() -> None:
    signer = generate_signer()
    env = sign_envelope({"ecu_serial": "bms-0001", "nonce": "n\u00e9\\\n", "n": 2**65}, signer)
    assert verify_envelope(env, signer.public_key)["n"] == 2**65

    env["signed"]["n"] = 2**65 + 1
    with pytest.raises(OtaManifestError, match="bad signature"):
        verify_envelope(env, signer.public_key)


def test_a_signature_by_another_key_with_the_same_keyid_is_rejected() -> None:
    signer, other = generate_signer(), generate_signer()
    env = sign_envelope({"x": 1}, other)
    env["signatures"][0]["keyid"] = signer.public_key.keyid
    with pytest.raises(OtaManifestError, match="bad signature"):
        verify_envelope(env, signer.public_key)


def test_a_malformed_signature_is_rejected_with_a_clear_error() -> None:
    signer = generate_signer()
    env = sign_envelope({"x": 1}, signer)
    env["signatures"][0]["sig"] = "zz"
    with pytest.raises(OtaManifestError, match="bad signature"):
        verify_envelope(env, signer.public_key)
