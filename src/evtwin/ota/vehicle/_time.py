"""Secure time for the car: the Uptane time server's signed attestations.

A car's own clock can be wound back (a flat 12 V battery, a tampered RTC), and every
freeze-attack defence rests on "is this metadata expired?". :class:`AttestedClock` answers
that with time the car verified instead: the OTA server's time server signs the current time
over fresh nonces the car chose (:meth:`AttestedClock.fresh_nonce`), the car checks the
signature against the time server key pinned at the factory, that its nonce is in it, and that
the time does not go back before the last attested time; between attestations the clock runs on
from the last attested time by the car's monotonic counter. The last attested time is kept on
disk, so a restart never goes back past it.

Uptane sends one attestation request for every ECU of a car: each ECU's clock makes its own
nonce, the Primary sends them together, and the one signed answer carries them all; each ECU
verifies it for itself (:meth:`OtaCloudClient.attest_time_for`).

Before the first attestation the clock starts from the factory's time (its own clock's wall
time once, written as ``"source": "factory"``); the first attestation may set any time, later
ones never one before the last attested time. A new attestation is compared with the last
*attested* time, not with the clock's reading run on since: a car's counter that runs a little
fast (or the server's one-second resolution) must not make the next genuine attestation look
like a step back.
"""

from __future__ import annotations

import json
import secrets
from collections.abc import Mapping
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from securesystemslib.signer import Key

from evtwin.clock import Clock
from evtwin.errors import OtaManifestError, OtaMetadataError
from evtwin.ota._manifest import verify_envelope
from evtwin.ota._store import atomic_write

__all__ = ["AttestedClock"]


class AttestedClock:
    """A :class:`~evtwin.ota.Clock` that reads the last verified time attestation.

    Args:
        path: file keeping the last attested time (owner's storage of the car).
        base: the car's own clock; only its monotonic counter is used (and its wall time
            once, as the factory time, before any attestation).
        time_key: the time server's public key (pin it with :meth:`pin_key` if it comes
            with registration).
    """

    def __init__(self, path: Path, base: Clock, time_key: Key | None = None) -> None:
        self.path = path
        self.base = base
        self.time_key = time_key
        self._nonces: set[str] = set()
        self._factory = False  # True until the first attestation
        try:
            stored = json.loads(path.read_text())
            self._attested = datetime.fromisoformat(stored["time"])
            self._factory = stored.get("source") == "factory"
            key = stored.get("key")
            if key is not None and self.time_key is None:
                self.time_key = Key.from_dict(key["keyid"], dict(key["key"]))
        except FileNotFoundError:
            self._attested = base.now().astimezone(UTC)  # the factory's time
            self._factory = True
            self._save()
        except (ValueError, KeyError, TypeError) as e:
            raise OtaMetadataError(f"{path}: corrupt attested time: {e}") from e
        self._at_mono_s = base.monotonic_s()

    def _save(self) -> None:
        doc: dict[str, Any] = {
            "time": self._attested.isoformat(),
            "source": "factory" if self._factory else "time-server",
        }
        if self.time_key is not None:
            doc["key"] = {"keyid": self.time_key.keyid, "key": self.time_key.to_dict()}
        atomic_write(self.path, json.dumps(doc, sort_keys=True).encode())

    def pin_key(self, key: Mapping[str, Any]) -> None:
        """Trust this time server key (``{"keyid", "keytype", "scheme", "keyval"}``), once.

        Raises:
            OtaMetadataError: a key is pinned already and this is another, or it is malformed.
        """
        try:
            d = dict(key)
            parsed = Key.from_dict(str(d.pop("keyid")), d)
        except (KeyError, TypeError, ValueError) as e:
            raise OtaMetadataError(f"malformed time server key: {e}") from e
        if self.time_key is not None and self.time_key.keyid != parsed.keyid:
            raise OtaMetadataError("another time server key is pinned already")
        self.time_key = parsed
        self._save()

    @property
    def attested_at(self) -> datetime | None:
        """The last time the time server attested (``None``: still on the factory's time)."""
        return None if self._factory else self._attested

    def now(self) -> datetime:
        elapsed_s = max(0.0, self.base.monotonic_s() - self._at_mono_s)
        return self._attested + timedelta(seconds=elapsed_s)

    def now_s(self) -> float:
        return self.now().timestamp()

    def monotonic_s(self) -> float:
        return self.base.monotonic_s()

    def fresh_nonce(self) -> str:
        """A one-time nonce for the next attestation request."""
        nonce = secrets.token_hex(16)
        self._nonces.add(nonce)
        return nonce

    def attest(self, envelope: Mapping[str, Any]) -> datetime:
        """Verify a time attestation and move the clock to it; returns the attested time.

        Raises:
            OtaMetadataError: no pinned key, a bad signature, none of this clock's open
                nonces in it, or a time before the last attested one (the factory's time
                does not count: the first attestation may set any time).
        """
        if self.time_key is None:
            raise OtaMetadataError("no time server key pinned: cannot verify time")
        try:
            signed = verify_envelope(envelope, self.time_key)
            nonces = signed["nonces"]
            when = datetime.fromisoformat(str(signed["time"]))
        except OtaManifestError as e:
            raise OtaMetadataError(f"time attestation: {e}") from e
        except (KeyError, TypeError, ValueError) as e:
            raise OtaMetadataError(f"malformed time attestation: {e}") from e
        if when.tzinfo is None or not isinstance(nonces, list):
            raise OtaMetadataError("malformed time attestation: naive time or no nonce list")
        mine = self._nonces.intersection(n for n in nonces if isinstance(n, str))
        if not mine:
            raise OtaMetadataError("time attestation carries none of this car's nonces (replay)")
        self._nonces -= mine
        if when < self._attested and not self._factory:
            raise OtaMetadataError(
                f"time attestation {when.isoformat()} is before the time already attested "
                f"({self._attested.isoformat()})"
            )
        self._attested, self._at_mono_s = when.astimezone(UTC), self.base.monotonic_s()
        self._factory = False
        self._save()
        return self._attested
