"""The key ceremony: offline keys are made, used and kept away from the server.

``key_ceremony(offline_dir, state_dir, clock)`` generates every key once. The offline ones —
the Image repository's root and targets keys (k of n) and the Director's root key — are
written only to ``offline_dir`` (the key holders' medium); the server's ``state_dir`` gets the
online keys (Image snapshot/timestamp, Director targets/snapshot/timestamp), the Image
repository's first metadata signed at the ceremony, and the Director root signed at the
ceremony (every vehicle's Director root is that one). A server opened on ``state_dir``
(:meth:`OtaBackend.open`) holds the offline roles as public keys only
(:class:`~evtwin.ota._keys.OfflineKey`): it can verify but never sign them.

A release under the ceremony: the server keeps the uploaded image *pending* (offered to no
car); the key holders sign the next targets version with :func:`sign_release` and the server
publishes it (:meth:`ImageRepository.accept_signed_targets`).
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

from tuf.api.metadata import Metadata, TargetFile, Targets
from tuf.api.serialization.json import JSONSerializer

from evtwin.clock import Clock
from evtwin.errors import OtaError, OtaKeyError, OtaMetadataError
from evtwin.ota._crypt import ENCRYPTION_ALG
from evtwin.ota._fields import CUSTOM_ENCRYPTED, CUSTOM_HARDWARE_IDS, CUSTOM_RELEASE_COUNTER
from evtwin.ota._keys import RoleKeys, load_keys, save_keys
from evtwin.ota._store import ArtifactStore, DirectoryStore, atomic_write
from evtwin.ota._twin import OtaBackend, director_root_path, generate_keys, key_paths
from evtwin.ota.repository import (
    ExpiryPolicy,
    Pkcs11Token,
    build_root,
    check_release_bounds,
    generate_role_keys,
    pkcs11_keys_path,
    save_pkcs11_keys,
)

__all__ = ["IMAGE_OFFLINE", "key_ceremony", "offline_key_paths", "sign_release"]

IMAGE_OFFLINE: tuple[str, ...] = ("root", "targets")


def offline_key_paths(offline_dir: Path) -> tuple[Path, Path]:
    """Where the ceremony writes the Image repository's and the Director's offline keys."""
    return offline_dir / "image.offline.keys.json", offline_dir / "director.offline.keys.json"


def key_ceremony(
    offline_dir: Path,
    state_dir: Path,
    clock: Clock,
    *,
    store: ArtifactStore | None = None,
    offline_keys: int = 3,
    offline_threshold: int = 2,
    token: Pkcs11Token | None = None,
) -> dict[str, dict[str, RoleKeys]]:
    """Generate every key; offline ones to ``offline_dir``, online ones to ``state_dir``
    (as PEM files), or into the PKCS#11 ``token`` (``state_dir`` then records only their
    labels and public keys).

    Publishes the Image repository's first metadata to ``store`` (default
    ``state_dir/artifacts``, where ``evtwin ota server --state`` looks) and writes the
    Director root signed here. Returns the key sets (``{"image": …, "director": …}``).

    Raises:
        OtaKeyError: keys already exist in either directory, or an impossible threshold.
    """
    targets = [
        *offline_key_paths(offline_dir),
        *key_paths(state_dir),
        pkcs11_keys_path(state_dir),
    ]
    existing = [str(p) for p in targets if p.exists()]
    if existing:
        raise OtaKeyError(f"keys already exist ({', '.join(existing)}): refusing to overwrite")
    image_keys, director_keys = generate_keys(offline_keys, offline_threshold)
    if token is not None:  # the online keys are made inside the token instead
        image_keys.update(generate_role_keys(token, "image", ["snapshot", "timestamp"]))
        director_keys.update(
            generate_role_keys(token, "director", ["targets", "snapshot", "timestamp"])
        )
        time_keys = generate_role_keys(token, "time", ["server"])
    OtaBackend.create(  # publishes root and targets v1, signed here with the offline keys
        clock,
        store=store if store is not None else DirectoryStore(state_dir / "artifacts"),
        keys=(image_keys, director_keys),
    )
    director_root = Metadata(
        build_root(director_keys, (clock.now() + ExpiryPolicy().root).replace(microsecond=0))
    )
    for signer in director_keys["root"].signers:
        director_root.sign(signer, append=True)
    image_offline_path, director_offline_path = offline_key_paths(offline_dir)
    save_keys(image_offline_path, {r: image_keys[r] for r in IMAGE_OFFLINE})
    save_keys(director_offline_path, {"root": director_keys["root"]})
    image_online = {r: k for r, k in image_keys.items() if r not in IMAGE_OFFLINE}
    director_online = {r: k for r, k in director_keys.items() if r != "root"}
    if token is not None:
        save_pkcs11_keys(
            pkcs11_keys_path(state_dir),
            token,
            {
                **{f"image/{r}": k for r, k in image_online.items()},
                **{f"director/{r}": k for r, k in director_online.items()},
                "time/server": time_keys["server"],
            },
        )
    else:
        image_online_path, director_online_path = key_paths(state_dir)
        save_keys(image_online_path, image_online)
        save_keys(director_online_path, director_online)
    atomic_write(director_root_path(state_dir), director_root.to_bytes(JSONSerializer()))
    return {"image": image_keys, "director": director_keys}


def sign_release(
    current_targets: bytes,
    *,
    name: str,
    data: bytes,
    hardware_ids: Sequence[str],
    release_counter: int,
    offline_dir: Path,
    clock: Clock,
    expiry: ExpiryPolicy | None = None,
    encrypted: bool = False,
) -> bytes:
    """The next Image targets version with ``name`` added, signed with the targets keys in
    ``offline_dir`` (every one present there). ``current_targets`` is the published
    ``targets.json``; the server checks the result (:meth:`accept_signed_targets`).
    ``encrypted``: ``data`` is the ciphertext the key holders made
    (:func:`~evtwin.ota.encrypt_image`) and uploaded with its key; the entry says so.

    Raises:
        OtaKeyError: no targets keys in ``offline_dir``.
        OtaMetadataError: ``current_targets`` is not targets metadata.
        OtaReleaseError: hardware IDs or release counter out of bounds.
        OtaError: ``name`` is released already with other content.
    """
    check_release_bounds(hardware_ids, release_counter)
    keys = load_keys(offline_key_paths(offline_dir)[0]).get("targets")
    if keys is None:
        raise OtaKeyError(f"{offline_dir} holds no Image targets keys")
    try:
        md = Metadata[Targets].from_bytes(current_targets)
    except Exception as e:  # DeserializationError and the like
        raise OtaMetadataError(f"published targets are malformed: {e}") from e
    if not isinstance(md.signed, Targets):
        raise OtaMetadataError(f"published targets hold {md.signed.type!r} metadata")
    target = TargetFile.from_data(name, data, ["sha256", "sha512"])
    custom: dict[str, Any] = {
        CUSTOM_HARDWARE_IDS: sorted(set(hardware_ids)),
        CUSTOM_RELEASE_COUNTER: release_counter,
    }
    if encrypted:
        custom[CUSTOM_ENCRYPTED] = ENCRYPTION_ALG
    target.unrecognized_fields["custom"] = custom
    old = md.signed.targets.get(name)
    if old is not None and old.to_dict() != target.to_dict():
        raise OtaError(f"image {name!r} is already released with other content")
    md.signed.targets[name] = target
    md.signed.version += 1
    lifetime = (expiry or ExpiryPolicy()).targets
    md.signed.expires = (clock.now() + lifetime).replace(microsecond=0)
    md.signatures.clear()
    for signer in keys.signers:
        md.sign(signer, append=True)
    return md.to_bytes(JSONSerializer(compact=True))
