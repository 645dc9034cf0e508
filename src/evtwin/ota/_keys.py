"""Signing keys and k-of-n role key sets (ed25519 via securesystemslib/cryptography)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from securesystemslib.signer import CryptoSigner, Key, Signer

from evtwin.errors import OtaKeyError

__all__ = ["RoleKeys", "generate_signer"]


def generate_signer() -> CryptoSigner:
    """A fresh ed25519 signing key (private key in process memory)."""
    return CryptoSigner.generate_ed25519()


@dataclass(frozen=True, kw_only=True)
class RoleKeys:
    """The keys of one TUF role and how many of them must sign (k of n).

    Args:
        signers: the n signing keys the repository holds for the role.
        threshold: k, the number of distinct valid signatures a client requires.

    Raises:
        OtaKeyError: no keys, or a threshold outside 1..n.
    """

    signers: tuple[Signer, ...]
    threshold: int = 1

    def __post_init__(self) -> None:
        if not self.signers:
            raise OtaKeyError("a role needs at least one key, got 0")
        if not 1 <= self.threshold <= len(self.signers):
            raise OtaKeyError(
                f"threshold {self.threshold} is impossible with {len(self.signers)} key(s): "
                f"it must be 1..{len(self.signers)}"
            )

    @classmethod
    def generate(cls, count: int = 1, threshold: int = 1) -> RoleKeys:
        """``count`` fresh ed25519 keys with the given threshold."""
        if count < 1:
            raise OtaKeyError(f"a role needs at least one key, asked for {count}")
        return cls(signers=tuple(generate_signer() for _ in range(count)), threshold=threshold)

    @property
    def public_keys(self) -> Sequence[Key]:
        return [s.public_key for s in self.signers]

    @property
    def keyids(self) -> list[str]:
        return [s.public_key.keyid for s in self.signers]
