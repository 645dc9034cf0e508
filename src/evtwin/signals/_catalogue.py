"""The VSS catalogue: COVESA VSS 6.0 plus the evtwin overlay, as typed metadata.

The catalogue files live in ``evtwin/data/vss`` (see its README): ``vss.json`` is the
unmodified VSS 6.0 export (MPL-2.0, © COVESA), ``evtwin_overlay.json`` the project overlay
compiled from ``evtwin_overlay.vspec``. Both use the upstream nested JSON layout
(``{"Vehicle": {"type": "branch", "children": {...}}}``).

Path patterns follow KUKSA databroker: a plain path names a leaf or a whole branch, ``*``
matches one path segment and ``**`` any number of them (``Vehicle.Cabin.*.IsOpen``).
"""

from __future__ import annotations

import difflib
import json
import re
from collections.abc import Iterator, Mapping, Sequence
from functools import cache
from importlib import resources
from importlib.resources.abc import Traversable
from pathlib import Path
from typing import Any, Final

from evtwin.errors import DataFileError, SignalPatternError, UnknownSignalError
from evtwin.signals._types import DataType, EntryType, Scalar, SignalMetadata, Value

__all__ = ["Catalogue", "load_catalogue"]

VSS_FILE: Final = "vss.json"
OVERLAY_FILE: Final = "evtwin_overlay.json"
_LEAF_TYPES: Final = frozenset(t.value for t in EntryType)
_SEGMENT: Final = re.compile(r"^[^.\s:*]+$")


class Catalogue(Mapping[str, SignalMetadata]):
    """Every VSS leaf by path, with its branches; a read-only mapping ``path -> metadata``."""

    def __init__(
        self, signals: Sequence[SignalMetadata], branches: Mapping[str, str] | None = None
    ) -> None:
        self._signals: dict[str, SignalMetadata] = {s.path: s for s in signals}
        self._by_id: dict[int, SignalMetadata] = {s.id: s for s in signals}
        self._branches: dict[str, str] = dict(branches or {})

    # -- Mapping -------------------------------------------------------------------------------
    def __getitem__(self, path: str) -> SignalMetadata:
        try:
            return self._signals[path]
        except KeyError:
            raise UnknownSignalError(self._unknown_message(path)) from None

    def __iter__(self) -> Iterator[str]:
        return iter(self._signals)

    def __len__(self) -> int:
        return len(self._signals)

    def __contains__(self, path: object) -> bool:
        return path in self._signals

    # -- lookups -------------------------------------------------------------------------------
    @property
    def branches(self) -> Mapping[str, str]:
        """Branch paths and their descriptions."""
        return self._branches

    def by_id(self, signal_id: int) -> SignalMetadata:
        """The signal with KUKSA v2 numeric id ``signal_id``."""
        try:
            return self._by_id[signal_id]
        except KeyError:
            raise UnknownSignalError(f"no signal has id {signal_id}") from None

    def match(self, pattern: str) -> list[SignalMetadata]:
        """Leaves matching ``pattern`` (leaf path, branch path, or ``*``/``**`` wildcards),
        in catalogue order. Raises :class:`UnknownSignalError` if nothing matches."""
        if pattern in self._signals:
            return [self._signals[pattern]]
        if pattern in ("", "**"):
            return list(self._signals.values())
        regex = _pattern_regex(pattern)
        found = [s for path, s in self._signals.items() if regex.match(path)]
        if not found:
            raise UnknownSignalError(self._unknown_message(pattern))
        return found

    def _unknown_message(self, path: str) -> str:
        close = difflib.get_close_matches(path, self._signals.keys(), n=3, cutoff=0.75)
        hint = f"; did you mean {', '.join(close)}?" if close else ""
        return f"unknown VSS signal {path!r}{hint}"


def _pattern_regex(pattern: str) -> re.Pattern[str]:
    segments = pattern.split(".")
    parts: list[str] = []
    for seg in segments:
        if seg == "**":
            parts.append(r"[^.]+(?:\.[^.]+)*")
        elif seg == "*":
            parts.append(r"[^.]+")
        elif _SEGMENT.match(seg):
            parts.append(re.escape(seg))
        else:
            raise SignalPatternError(
                f"bad VSS path pattern {pattern!r}: segment {seg!r} must be a name, '*' or '**'"
            )
    body = r"\.".join(parts)
    if "*" not in pattern:
        body += r"(?:\..+)?"  # a plain branch path names everything below it
    return re.compile(f"^{body}$")


# -- loading ---------------------------------------------------------------------------------
def _merge(base: dict[str, Any], overlay: Mapping[str, Any]) -> None:
    """Merge an overlay tree into ``base`` in place (VSS overlay semantics: nodes are added,
    existing nodes' keys are overridden, children merged recursively)."""
    for name, node in overlay.items():
        if name in base and isinstance(base[name], dict):
            target = base[name]
            for key, value in node.items():
                if key == "children":
                    _merge(target.setdefault("children", {}), value)
                else:
                    target[key] = value
        else:
            base[name] = node


def _scalar_or_none(raw: object, where: str) -> int | float | None:
    if raw is None:
        return None
    if isinstance(raw, bool) or not isinstance(raw, int | float):
        raise DataFileError(f"{where}: min/max must be a number, got {raw!r}")
    return raw


def _allowed(raw: object, where: str) -> tuple[Scalar, ...] | None:
    if raw is None:
        return None
    if not isinstance(raw, list) or not all(isinstance(v, bool | int | float | str) for v in raw):
        raise DataFileError(f"{where}: 'allowed' must be a list of scalars, got {raw!r}")
    return tuple(raw)


def _default(raw: object) -> Value | None:
    if raw is None:
        return None
    if isinstance(raw, list):
        return tuple(raw)
    if isinstance(raw, bool | int | float | str):
        return raw
    return None


def _flatten(tree: Mapping[str, Any], source: str) -> tuple[list[SignalMetadata], dict[str, str]]:
    signals: list[SignalMetadata] = []
    branches: dict[str, str] = {}

    def walk(prefix: str, name: str, node: Mapping[str, Any]) -> None:
        path = f"{prefix}.{name}" if prefix else name
        kind = node.get("type")
        if kind == "branch":
            branches[path] = str(node.get("description", ""))
            for child_name, child in node.get("children", {}).items():
                walk(path, child_name, child)
            return
        if kind not in _LEAF_TYPES:
            raise DataFileError(f"{source}: {path} has unknown VSS node type {kind!r}")
        try:
            datatype = DataType(node["datatype"])
        except (KeyError, ValueError) as e:
            raise DataFileError(
                f"{source}: {path} has unsupported datatype {node.get('datatype')!r}"
            ) from e
        signals.append(
            SignalMetadata(
                path=path,
                id=len(signals),
                entry_type=EntryType(kind),
                datatype=datatype,
                description=str(node.get("description", "")),
                unit=node.get("unit"),
                min=_scalar_or_none(node.get("min"), f"{source}: {path}"),
                max=_scalar_or_none(node.get("max"), f"{source}: {path}"),
                allowed=_allowed(node.get("allowed"), f"{source}: {path}"),
                default=_default(node.get("default")),
                comment=node.get("comment"),
                deprecation=node.get("deprecation"),
            )
        )

    for root_name, root in tree.items():
        walk("", root_name, root)
    return signals, branches


def _read_json(path: Path | Traversable, name: str) -> dict[str, Any]:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError) as e:
        raise DataFileError(f"cannot read VSS catalogue {name}: {e}") from e
    if not isinstance(data, dict):
        raise DataFileError(f"VSS catalogue {name} is not a JSON object")
    return data


def load_catalogue(*, overlay: bool = True, extra: Sequence[Path] = ()) -> Catalogue:
    """Load VSS 6.0 (+ the evtwin overlay unless ``overlay=False``, + any ``extra`` overlay
    JSON files, in order). The default catalogue is built once and shared (it is immutable)."""
    if not extra:
        return _default_catalogue(overlay)
    return _build(overlay, tuple(extra))


@cache
def _default_catalogue(overlay: bool) -> Catalogue:
    return _build(overlay, ())


def _build(overlay: bool, extra: tuple[Path, ...]) -> Catalogue:
    data_dir = resources.files("evtwin").joinpath("data", "vss")
    tree = _read_json(data_dir.joinpath(VSS_FILE), VSS_FILE)
    if overlay:
        _merge(tree, _read_json(data_dir.joinpath(OVERLAY_FILE), OVERLAY_FILE))
    for path in extra:
        _merge(tree, _read_json(path, str(path)))
    signals, branches = _flatten(tree, VSS_FILE)
    return Catalogue(signals, branches)
