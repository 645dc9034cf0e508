"""``kuksa.val.v1.VAL`` service over the broker, with KUKSA databroker's semantics.

- ``Get``: per-entry errors in the response (404 ``not_found`` for a path that matches
  nothing), the first one repeated as ``error``; an empty request is INVALID_ARGUMENT.
- ``Set``: unknown paths are reported per entry (404); a target value on a non-actuator
  aborts the call with INVALID_ARGUMENT; a value of the wrong type or out of bounds is a 400
  entry error, and then no update of the request is applied.
- ``Subscribe``: NOT_FOUND for a path that matches nothing; the first response carries
  the current value of every followed entry.

Reference: eclipse-kuksa/kuksa-databroker ``databroker/src/grpc/kuksa_val_v1/val.rs`` and
``proto/kuksa/val/v1/val.proto``.
"""

from __future__ import annotations

import time
from collections.abc import Iterable, Iterator
from typing import Any, Final, NoReturn

import grpc
from kuksa.val.v1 import types_pb2 as types_v1
from kuksa.val.v1 import val_pb2 as val_v1

from evtwin import __version__
from evtwin.errors import SignalError, SignalPermissionError, UnknownSignalError
from evtwin.signals._broker import Broker, Change
from evtwin.signals._proto import (
    datapoint_to_v1,
    grpc_status,
    metadata_to_v1,
    v1_error,
    value_from_v1,
)
from evtwin.signals._subscription import Field, SignalUpdate
from evtwin.signals._types import SignalMetadata

__all__ = ["ValV1Servicer"]

POLL_S: Final = 0.25
"""How often a streaming call re-checks that its client is still there (seconds)."""

_VIEW_FIELDS: Final[dict[int, tuple[int, ...]]] = {
    types_v1.VIEW_CURRENT_VALUE: (types_v1.FIELD_PATH, types_v1.FIELD_VALUE),
    types_v1.VIEW_TARGET_VALUE: (types_v1.FIELD_PATH, types_v1.FIELD_ACTUATOR_TARGET),
    types_v1.VIEW_METADATA: (types_v1.FIELD_PATH, types_v1.FIELD_METADATA),
    types_v1.VIEW_FIELDS: (),
    types_v1.VIEW_ALL: (
        types_v1.FIELD_PATH,
        types_v1.FIELD_VALUE,
        types_v1.FIELD_ACTUATOR_TARGET,
        types_v1.FIELD_METADATA,
    ),
}


def combine_view_and_fields(view: int, fields: Iterable[int]) -> set[int]:
    """The fields a v1 entry request asks for (databroker's ``combine_view_and_fields``)."""
    combined = set(fields)
    if view == types_v1.VIEW_UNSPECIFIED:
        if not combined:
            combined |= {types_v1.FIELD_PATH, types_v1.FIELD_VALUE}
    else:
        combined |= set(_VIEW_FIELDS.get(view, ()))
    return combined


def _abort(context: Any, error: SignalError) -> NoReturn:
    context.abort(grpc_status(error), str(error))
    raise AssertionError("context.abort returned")  # pragma: no cover


class ValV1Servicer:
    """The v1 ``VAL`` service (methods named as the generated servicer expects)."""

    def __init__(self, broker: Broker) -> None:
        self._broker = broker

    # -- Get ---------------------------------------------------------------------------------
    def _entry(self, meta: SignalMetadata, fields: set[int]) -> Any:
        entry = types_v1.DataEntry(path=meta.path)
        if types_v1.FIELD_VALUE in fields:
            dp = self._broker.get(meta.path)
            if dp is not None:
                entry.value.CopyFrom(datapoint_to_v1(meta, dp))
        if types_v1.FIELD_ACTUATOR_TARGET in fields and meta.is_actuator:
            target = self._broker.get_target(meta.path)
            if target is not None:
                entry.actuator_target.CopyFrom(datapoint_to_v1(meta, target))
        metadata = metadata_to_v1(meta, fields)
        if metadata is not None:
            entry.metadata.CopyFrom(metadata)
        return entry

    def Get(self, request: Any, context: Any) -> Any:
        if not request.entries:
            context.abort(grpc.StatusCode.INVALID_ARGUMENT, "No datapoints requested")
        entries: list[Any] = []
        errors: list[Any] = []
        for entry_request in request.entries:
            try:
                metas = self._broker.list_metadata(entry_request.path)
            except SignalError as e:
                errors.append(types_v1.DataEntryError(path=entry_request.path, error=v1_error(e)))
                continue
            fields = combine_view_and_fields(entry_request.view, entry_request.fields)
            entries.extend(self._entry(meta, fields) for meta in metas)
        response = val_v1.GetResponse(entries=entries, errors=errors)
        if errors:
            response.error.CopyFrom(errors[0].error)
        return response

    # -- Set ---------------------------------------------------------------------------------
    def _set(self, updates: Iterable[Any], context: Any | None) -> list[Any]:
        changes: list[Change] = []
        errors: list[Any] = []
        for update in updates:
            if not update.HasField("entry") or not update.entry.path:
                if context is not None:
                    context.abort(grpc.StatusCode.INVALID_ARGUMENT, "Path is required")
                error = types_v1.Error(code=400, reason="invalid_data", message="Path is required")
                errors.append(types_v1.DataEntryError(path="", error=error))
                continue
            entry = update.entry
            try:
                meta = self._broker.metadata(entry.path)
            except UnknownSignalError as e:
                errors.append(types_v1.DataEntryError(path=entry.path, error=v1_error(e)))
                continue
            if entry.HasField("actuator_target") and not meta.is_actuator and context is not None:
                context.abort(
                    grpc.StatusCode.INVALID_ARGUMENT,
                    f"Tried to set a target value for a non-actuator ({meta.path} is a "
                    f"{meta.entry_type.value}). Non-actuators have no target value.",
                )
            fields = set(update.fields)
            try:
                if types_v1.FIELD_VALUE in fields and entry.HasField("value"):
                    try:
                        self._broker.check_provider(meta.path, None)
                    except SignalPermissionError as e:
                        if context is not None:
                            _abort(context, e)
                        raise
                    value = value_from_v1(meta, entry.value)
                    self._broker.check(meta.path, Field.VALUE, value)
                    changes.append((meta.path, Field.VALUE, value))
                if types_v1.FIELD_ACTUATOR_TARGET in fields and entry.HasField("actuator_target"):
                    value = value_from_v1(meta, entry.actuator_target)
                    self._broker.check(meta.path, Field.TARGET, value)
                    changes.append((meta.path, Field.TARGET, value))
            except SignalError as e:
                errors.append(types_v1.DataEntryError(path=entry.path, error=v1_error(e)))
        if changes and not any(e.error.code == 400 for e in errors):
            self._broker.update(changes)
        return errors

    def Set(self, request: Any, context: Any) -> Any:
        return val_v1.SetResponse(errors=self._set(request.updates, context))

    def StreamedUpdate(self, request_iterator: Iterator[Any], context: Any) -> Iterator[Any]:
        for request in request_iterator:
            errors = self._set(request.updates, None)
            response = val_v1.StreamedUpdateResponse(errors=errors)
            if errors:
                response.error.CopyFrom(errors[0].error)
            yield response

    # -- Subscribe ---------------------------------------------------------------------------
    def _entry_update(self, update: SignalUpdate) -> Any:
        meta = self._broker.metadata(update.path)
        entry = types_v1.DataEntry(path=update.path)
        if update.field is Field.VALUE:
            field = types_v1.FIELD_VALUE
            if update.datapoint is not None:
                entry.value.CopyFrom(datapoint_to_v1(meta, update.datapoint))
        else:
            field = types_v1.FIELD_ACTUATOR_TARGET
            if update.datapoint is not None:
                entry.actuator_target.CopyFrom(datapoint_to_v1(meta, update.datapoint))
        return val_v1.EntryUpdate(entry=entry, fields=[field])

    def Subscribe(self, request: Any, context: Any) -> Iterator[Any]:
        if not request.entries:
            context.abort(
                grpc.StatusCode.INVALID_ARGUMENT,
                "Subscription request must contain at least one entry.",
            )
        keys: set[tuple[str, Field]] = set()
        metadata_updates: list[Any] = []
        for entry in request.entries:
            wanted = combine_view_and_fields(entry.view, entry.fields)
            fields = [Field.VALUE] if types_v1.FIELD_VALUE in wanted else []
            if types_v1.FIELD_ACTUATOR_TARGET in wanted:
                fields.append(Field.TARGET)
            meta_fields = {f for f in wanted if f >= types_v1.FIELD_METADATA}
            try:
                keys |= self._broker.resolve(entry.path, fields)
                if meta_fields or not fields:
                    metadata_updates.extend(
                        self._metadata_update(m, meta_fields)
                        for m in self._broker.list_metadata(entry.path)
                    )
            except SignalError as e:
                _abort(context, e)
        if metadata_updates:
            # Metadata of the twin's signals never changes while it runs: the first response
            # carries it, later ones only value / target changes (if those were asked for).
            yield val_v1.SubscribeResponse(updates=metadata_updates)
        if not keys:
            while context.is_active():
                time.sleep(POLL_S)
            return
        sub = self._broker.subscribe_keys(frozenset(keys), max_pending=max(1, len(keys)))
        context.add_callback(sub.close)
        try:
            while context.is_active() and not sub.closed:
                batch = sub.next_batch(timeout_s=POLL_S)
                if batch:
                    yield val_v1.SubscribeResponse(updates=[self._entry_update(u) for u in batch])
        finally:
            sub.close()

    def _metadata_update(self, meta: SignalMetadata, fields: set[int]) -> Any:
        entry = types_v1.DataEntry(path=meta.path)
        metadata = metadata_to_v1(meta, fields or {types_v1.FIELD_METADATA})
        if metadata is not None:
            entry.metadata.CopyFrom(metadata)
        return val_v1.EntryUpdate(entry=entry, fields=sorted(fields) or [types_v1.FIELD_METADATA])

    def GetServerInfo(self, request: Any, context: Any) -> Any:
        return val_v1.GetServerInfoResponse(name="evtwin", version=__version__)
