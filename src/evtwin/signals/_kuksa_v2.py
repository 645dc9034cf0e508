"""``kuksa.val.v2.VAL`` service over the broker, with KUKSA databroker's status codes.

NOT_FOUND for an unknown path or id; INVALID_ARGUMENT for a wrong type, a value out of
min/max or not allowed, actuating a sensor or attribute, an empty request or a bad pattern.

The twin itself provides every actuator, so ``Actuate`` never answers UNAVAILABLE: it sets
the target value, which the twin's services (and any provider that claimed the actuator
through ``OpenProviderStream``) receive. Subscriptions coalesce to the latest value per
signal, so ``buffer_size`` is only checked (at most 1000, as databroker) and a slow client
skips intermediate values rather than slowing the car.

Reference: eclipse-kuksa/kuksa-databroker ``databroker/src/grpc/kuksa_val_v2/val.rs`` and
``proto/kuksa/val/v2/val.proto``.
"""

from __future__ import annotations

import itertools
import queue
import threading
from collections.abc import Iterator
from typing import Any, Final, NoReturn

import grpc
from kuksa.val.v2 import types_pb2 as types_v2
from kuksa.val.v2 import val_pb2 as val_v2

from evtwin import __version__
from evtwin.errors import (
    SignalError,
    SignalPermissionError,
    SignalTypeError,
    UnknownSignalError,
)
from evtwin.signals._broker import Broker, Change
from evtwin.signals._proto import (
    datapoint_to_v2,
    grpc_status,
    metadata_to_v2,
    timestamp_s_of,
    value_from_v2,
    value_to_v2,
)
from evtwin.signals._subscription import Field, SignalUpdate, Subscription
from evtwin.signals._types import SignalMetadata

__all__ = ["ValV2Servicer"]

POLL_S: Final = 0.25
MAX_BUFFER_SIZE: Final = 1000
MAX_REQUEST_PATH_LENGTH: Final = 1000


class _Abort(Exception):
    def __init__(self, code: grpc.StatusCode, details: str) -> None:
        super().__init__(details)
        self.code = code
        self.details = details


_END: Final = object()


def _abort(context: Any, error: SignalError) -> NoReturn:
    context.abort(grpc_status(error), str(error))
    raise AssertionError("context.abort returned")  # pragma: no cover


def _error_code(error: SignalError) -> int:
    if isinstance(error, UnknownSignalError):
        return int(types_v2.ERROR_CODE_NOT_FOUND)
    if isinstance(error, SignalPermissionError):
        return int(types_v2.ERROR_CODE_PERMISSION_DENIED)
    return int(types_v2.ERROR_CODE_INVALID_ARGUMENT)


class ValV2Servicer:
    """The v2 ``VAL`` service (methods named as the generated servicer expects)."""

    def __init__(self, broker: Broker) -> None:
        self._broker = broker
        self._claims_lock = threading.Lock()
        self._claimed: set[str] = set()
        self._provider_ids = itertools.count(1)

    # -- helpers -----------------------------------------------------------------------------
    def _meta(self, signal_id: Any) -> SignalMetadata:
        which = signal_id.WhichOneof("signal")
        if which == "path":
            if len(signal_id.path) > MAX_REQUEST_PATH_LENGTH:
                raise SignalTypeError(
                    f"path of {len(signal_id.path)} characters is longer than the "
                    f"{MAX_REQUEST_PATH_LENGTH} allowed"
                )
            return self._broker.metadata(signal_id.path)
        if which == "id":
            return self._broker.catalogue.by_id(signal_id.id)
        raise SignalTypeError("SignalID contains neither path nor id")

    def _actuation(self, request: Any) -> Change:
        if not request.HasField("signal_id"):
            raise SignalTypeError("No signal_id provided")
        meta = self._meta(request.signal_id)
        if not request.HasField("value"):
            raise SignalTypeError(f"{meta.path}: no value provided")
        value = value_from_v2(meta, request.value)
        self._broker.check(meta.path, Field.TARGET, value)
        return (meta.path, Field.TARGET, value)

    # -- reading -----------------------------------------------------------------------------
    def GetValue(self, request: Any, context: Any) -> Any:
        try:
            meta = self._meta(request.signal_id)
        except SignalError as e:
            _abort(context, e)
        dp = self._broker.get(meta.path)
        return val_v2.GetValueResponse(data_point=datapoint_to_v2(meta, dp))

    def GetValues(self, request: Any, context: Any) -> Any:
        try:
            metas = [self._meta(sid) for sid in request.signal_ids]
        except SignalError as e:
            _abort(context, e)
        points = [datapoint_to_v2(m, self._broker.get(m.path)) for m in metas]
        return val_v2.GetValuesResponse(data_points=points)

    def ListMetadata(self, request: Any, context: Any) -> Any:
        try:
            metas = self._broker.list_metadata(request.root)
        except SignalError as e:
            _abort(context, e)
        return val_v2.ListMetadataResponse(metadata=[metadata_to_v2(m) for m in metas])

    def GetServerInfo(self, request: Any, context: Any) -> Any:
        return val_v2.GetServerInfoResponse(name="evtwin", version=__version__, commit_hash="")

    # -- subscribing -------------------------------------------------------------------------
    def _stream(self, sub: Subscription, context: Any) -> Iterator[list[SignalUpdate]]:
        context.add_callback(sub.close)
        try:
            while context.is_active() and not sub.closed:
                batch = sub.next_batch(timeout_s=POLL_S)
                if batch:
                    yield batch
        finally:
            sub.close()

    def _subscribe(self, request: Any, metas: list[SignalMetadata], context: Any) -> Subscription:
        if not metas:
            context.abort(grpc.StatusCode.INVALID_ARGUMENT, "No valid id or path specified")
        if request.buffer_size > MAX_BUFFER_SIZE:
            context.abort(
                grpc.StatusCode.INVALID_ARGUMENT,
                f"Subscription buffer_size max allowed value is {MAX_BUFFER_SIZE}",
            )
        keys = frozenset((m.path, Field.VALUE) for m in metas)
        return self._broker.subscribe_keys(keys, max_pending=len(keys))

    def Subscribe(self, request: Any, context: Any) -> Iterator[Any]:
        try:
            metas = [self._broker.metadata(p) for p in request.signal_paths]
        except SignalError as e:
            _abort(context, e)
        sub = self._subscribe(request, metas, context)
        for batch in self._stream(sub, context):
            entries = {
                u.path: datapoint_to_v2(self._broker.metadata(u.path), u.datapoint) for u in batch
            }
            yield val_v2.SubscribeResponse(entries=entries)

    def SubscribeById(self, request: Any, context: Any) -> Iterator[Any]:
        try:
            metas = [self._broker.catalogue.by_id(i) for i in request.signal_ids]
        except SignalError as e:
            _abort(context, e)
        sub = self._subscribe(request, metas, context)
        for batch in self._stream(sub, context):
            entries: dict[int, Any] = {}
            for u in batch:
                meta = self._broker.metadata(u.path)
                entries[meta.id] = datapoint_to_v2(meta, u.datapoint)
            yield val_v2.SubscribeByIdResponse(entries=entries)

    # -- writing -----------------------------------------------------------------------------
    def Actuate(self, request: Any, context: Any) -> Any:
        try:
            self._broker.update([self._actuation(request)])
        except SignalError as e:
            _abort(context, e)
        return val_v2.ActuateResponse()

    def BatchActuate(self, request: Any, context: Any) -> Any:
        try:
            self._broker.update([self._actuation(r) for r in request.actuate_requests])
        except SignalError as e:
            _abort(context, e)
        return val_v2.BatchActuateResponse()

    def ActuateStream(self, request_iterator: Iterator[Any], context: Any) -> Any:
        try:
            for request in request_iterator:
                self._broker.update([self._actuation(request)])
        except SignalError as e:
            _abort(context, e)
        return val_v2.ActuateResponse()

    def _publish(self, signal_id: Any, data_point: Any, provider: str | None = None) -> None:
        meta = self._meta(signal_id)
        self._broker.check_provider(meta.path, provider)
        value = value_from_v2(meta, data_point.value)
        self._broker.set_current(meta.path, value, timestamp_s=timestamp_s_of(data_point))

    def PublishValue(self, request: Any, context: Any) -> Any:
        try:
            self._publish(request.signal_id, request.data_point)
        except SignalError as e:
            _abort(context, e)
        return val_v2.PublishValueResponse()

    # -- providers ---------------------------------------------------------------------------
    def _claim(self, request: Any, out: queue.Queue[object]) -> Subscription:
        metas = [self._meta(sid) for sid in request.actuator_identifiers]
        for meta in metas:
            if not meta.is_actuator:
                raise SignalTypeError(f"{meta.path} is a {meta.entry_type.value}, not an actuator")
        paths = {m.path for m in metas}
        with self._claims_lock:
            taken = sorted(paths & self._claimed)
            if taken:
                raise _Abort(
                    grpc.StatusCode.ALREADY_EXISTS,
                    f"a provider already claimed {', '.join(taken)}",
                )
            self._claimed |= paths
        keys = frozenset((p, Field.TARGET) for p in paths)
        sub = self._broker.subscribe_keys(keys, max_pending=max(1, len(keys)), initial=False)

        def forward() -> None:
            for batch in sub:
                requests = []
                for u in batch:
                    if u.datapoint is None:
                        continue
                    meta = self._broker.metadata(u.path)
                    requests.append(
                        val_v2.ActuateRequest(
                            signal_id=types_v2.SignalID(id=meta.id),
                            value=value_to_v2(meta, u.datapoint.value),
                        )
                    )
                if not requests:
                    continue
                batch_request = val_v2.BatchActuateStreamRequest(actuate_requests=requests)
                out.put(
                    val_v2.OpenProviderStreamResponse(batch_actuate_stream_request=batch_request)
                )
            with self._claims_lock:
                self._claimed -= paths

        threading.Thread(target=forward, name="evtwin-v2-provider", daemon=True).start()
        return sub

    def _provider_reader(
        self,
        request_iterator: Iterator[Any],
        out: queue.Queue[object],
        subs: list[Subscription],
        provider: str,
    ) -> None:
        try:
            for request in request_iterator:
                action = request.WhichOneof("action")
                if action == "provide_actuation_request":
                    subs.append(self._claim(request.provide_actuation_request, out))
                    response = val_v2.ProvideActuationResponse()
                    out.put(val_v2.OpenProviderStreamResponse(provide_actuation_response=response))
                elif action == "publish_values_request":
                    publish = request.publish_values_request
                    status: dict[int, Any] = {}
                    for signal_id, data_point in publish.data_points.items():
                        try:
                            self._publish(types_v2.SignalID(id=signal_id), data_point, provider)
                        except SignalError as e:
                            status[signal_id] = types_v2.Error(code=_error_code(e), message=str(e))
                    if status:
                        response = val_v2.PublishValuesResponse(
                            request_id=publish.request_id, status=status
                        )
                        out.put(val_v2.OpenProviderStreamResponse(publish_values_response=response))
                elif action == "provide_signal_request":
                    ids = request.provide_signal_request.signals_sample_intervals.keys()
                    metas = [self._broker.catalogue.by_id(i) for i in ids]
                    self._broker.claim([m.path for m in metas], provider)
                    response = val_v2.ProvideSignalResponse()
                    out.put(val_v2.OpenProviderStreamResponse(provide_signal_response=response))
                # batch_actuate_stream_response, update_filter_response, ... need no answer
        except SignalError as e:
            out.put(_Abort(grpc_status(e), str(e)))
        except _Abort as e:
            out.put(e)
        except Exception:  # the client went away (or sent garbage): end this stream only
            out.put(_Abort(grpc.StatusCode.CANCELLED, "provider stream closed"))
            return
        if not subs:
            out.put(_END)

    def OpenProviderStream(self, request_iterator: Iterator[Any], context: Any) -> Iterator[Any]:
        out: queue.Queue[object] = queue.Queue()
        subs: list[Subscription] = []
        provider = f"provider-{next(self._provider_ids)}"
        reader = threading.Thread(
            target=self._provider_reader,
            args=(request_iterator, out, subs, provider),
            name="evtwin-v2-provider-reader",
            daemon=True,
        )
        reader.start()
        try:
            while context.is_active():
                try:
                    item = out.get(timeout=POLL_S)
                except queue.Empty:
                    continue
                if item is _END:
                    return
                if isinstance(item, _Abort):
                    context.abort(item.code, item.details)
                yield item
        finally:
            for sub in subs:
                sub.close()
            self._broker.release(provider)
