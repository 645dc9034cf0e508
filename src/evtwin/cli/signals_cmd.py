"""``evtwin signals``: browse the VSS catalogue, or read live values from a running twin.

    evtwin signals [PATTERN] [--json]                 catalogue (VSS 6.0 + evtwin overlay)
    evtwin signals PATTERN --live [--server H:P]      current values from `evtwin up`

Live reads use the KUKSA ``kuksa.val.v2`` API (``ListMetadata`` + ``GetValues``), exactly as
any external KUKSA client would.
"""

from __future__ import annotations

import argparse
from typing import Any

import grpc
from kuksa.val.v2 import types_pb2 as types_v2
from kuksa.val.v2 import val_pb2 as val_v2
from kuksa.val.v2 import val_pb2_grpc as val_grpc_v2
from rich.table import Table

from evtwin.cli._output import console, print_json
from evtwin.errors import SignalPatternError, SignalServerError, UnknownSignalError
from evtwin.signals import DEFAULT_HOST, DEFAULT_PORT, SignalMetadata, load_catalogue

__all__ = ["register", "run"]

TIMEOUT_S = 10.0


def register(sub: Any) -> None:
    p: argparse.ArgumentParser = sub.add_parser(
        "signals",
        help="list VSS signals, or read their live values from a running twin",
        description=(
            "List the signals of the VSS 6.0 catalogue plus the evtwin overlay matching "
            "PATTERN (a leaf or branch path, with * for one level and ** for any). "
            "With --live, read their current values from a running `evtwin up`."
        ),
    )
    p.add_argument("pattern", nargs="?", default="Vehicle", help="VSS path or pattern")
    p.add_argument("--live", action="store_true", help="read current values over gRPC")
    p.add_argument(
        "--server",
        default=f"{DEFAULT_HOST}:{DEFAULT_PORT}",
        help=f"twin to read from with --live (default {DEFAULT_HOST}:{DEFAULT_PORT})",
    )
    p.add_argument("--json", action="store_true", help="print a JSON array instead of a table")
    p.set_defaults(func=run)


def _metadata_json(m: SignalMetadata) -> dict[str, Any]:
    return {
        "path": m.path,
        "id": m.id,
        "entry_type": m.entry_type.value,
        "datatype": m.datatype.value,
        "unit": m.unit,
        "min": m.min,
        "max": m.max,
        "allowed": list(m.allowed) if m.allowed is not None else None,
        "default": list(m.default) if isinstance(m.default, tuple) else m.default,
        "description": m.description,
    }


def _live_values(server: str, pattern: str) -> list[dict[str, Any]]:
    with grpc.insecure_channel(server) as channel:
        stub = val_grpc_v2.VALStub(channel)
        try:
            metas = stub.ListMetadata(
                val_v2.ListMetadataRequest(root=pattern), timeout=TIMEOUT_S
            ).metadata
            ids = [types_v2.SignalID(id=m.id) for m in metas]
            points = stub.GetValues(
                val_v2.GetValuesRequest(signal_ids=ids), timeout=TIMEOUT_S
            ).data_points
        except grpc.RpcError as e:
            code = e.code()
            if code == grpc.StatusCode.NOT_FOUND:
                raise UnknownSignalError(f"{server}: {e.details()}") from e
            if code == grpc.StatusCode.INVALID_ARGUMENT:
                raise SignalPatternError(f"{server}: {e.details()}") from e
            raise SignalServerError(
                f"cannot read signals from {server} ({code.name}): is `evtwin up` running?"
            ) from e
    rows = []
    for meta, point in zip(metas, points, strict=True):
        kind = point.value.WhichOneof("typed_value")
        value: Any = None
        if kind is not None:
            raw = getattr(point.value, kind)
            value = list(raw.values) if kind.endswith("_array") else raw
        stamp = point.timestamp.ToDatetime().isoformat() + "Z" if kind is not None else None
        rows.append(
            {"path": meta.path, "value": value, "unit": meta.unit or None, "time_utc": stamp}
        )
    return rows


def run(args: argparse.Namespace) -> int:
    if args.live:
        rows = _live_values(args.server, args.pattern)
        if args.json:
            print_json(rows)
            return 0
        table = Table(title=f"live signals from {args.server}", title_justify="left")
        table.add_column("path", no_wrap=True)
        for col in ("value", "unit", "time (UTC)"):
            table.add_column(col)
        for r in rows:
            shown = "—" if r["value"] is None else str(r["value"])
            table.add_row(r["path"], shown, r["unit"] or "", r["time_utc"] or "")
        console.print(table)
        return 0

    metas = load_catalogue().match(args.pattern)
    if args.json:
        print_json([_metadata_json(m) for m in metas])
        return 0
    table = Table(title=f"VSS signals matching {args.pattern}", title_justify="left")
    table.add_column("path", no_wrap=True)
    for col in ("type", "datatype", "unit", "min", "max", "allowed"):
        table.add_column(col)
    for m in metas:
        allowed = ", ".join(map(str, m.allowed)) if m.allowed else ""
        table.add_row(
            m.path,
            m.entry_type.value,
            m.datatype.value,
            m.unit or "",
            "" if m.min is None else str(m.min),
            "" if m.max is None else str(m.max),
            allowed,
        )
    console.print(table)
    return 0
