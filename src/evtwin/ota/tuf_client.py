"""``evtwin-tuf-client``: a TUF client following the tuf-conformance client protocol.

So the TUF conformance suite can run against evtwin's client stack unchanged::

    evtwin-tuf-client --metadata-dir D init ROOT_FILE
    evtwin-tuf-client --metadata-dir D --metadata-url U refresh
    evtwin-tuf-client --metadata-dir D --metadata-url U --target-name T \\
        --target-base-url U --target-dir D download

Exit status 0 on success, 1 on any failure (the reason goes to stderr). Metadata is kept in
the metadata directory as ``root.json``, ``timestamp.json``, ``snapshot.json``,
``targets.json`` (python-tuf keeps root versions under ``root_history/`` and links
``root.json`` to the newest). In this mode time comes from the system clock, as the
protocol expects.
"""

from __future__ import annotations

import argparse
import shutil
import sys
from collections.abc import Sequence
from pathlib import Path

from tuf.ngclient import Updater, UpdaterConfig

__all__ = ["main"]

EXIT_OK = 0
EXIT_FAIL = 1


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="evtwin-tuf-client",
        description="evtwin's TUF client, following the tuf-conformance client protocol.",
    )
    p.add_argument("--metadata-dir", required=True, type=Path, help="local trusted metadata")
    p.add_argument("--metadata-url", help="base URL of the repository's metadata")
    p.add_argument(
        "--target-name",
        action="append",
        help="target path to download (repeat for several; each is downloaded)",
    )
    p.add_argument("--target-base-url", help="base URL of the repository's targets")
    p.add_argument("--target-dir", type=Path, help="directory to download the target into")
    sub = p.add_subparsers(dest="command", required=True)
    init = sub.add_parser("init", help="trust ROOT_FILE as the initial root metadata")
    init.add_argument("root_file", type=Path)
    sub.add_parser("refresh", help="refresh top-level metadata")
    sub.add_parser("download", help="refresh, then download and verify one target")
    return p


def _updater(args: argparse.Namespace) -> Updater:
    if not args.metadata_url:
        raise ValueError("--metadata-url is required for this command")
    return Updater(
        metadata_dir=str(args.metadata_dir),
        metadata_base_url=args.metadata_url,
        target_dir=str(args.target_dir) if args.target_dir else None,
        target_base_url=args.target_base_url,
        config=UpdaterConfig(app_user_agent="evtwin-tuf-client"),
        bootstrap=None,  # the root trusted by ``init``, as the protocol prescribes
    )


def _init(args: argparse.Namespace) -> None:
    args.metadata_dir.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(args.root_file, args.metadata_dir / "root.json")


def _refresh(args: argparse.Namespace) -> None:
    _updater(args).refresh()


def _download(args: argparse.Namespace) -> None:
    for flag in ("target_name", "target_base_url", "target_dir"):
        if not getattr(args, flag):
            raise ValueError(f"--{flag.replace('_', '-')} is required for download")
    args.target_dir.mkdir(parents=True, exist_ok=True)
    updater = _updater(args)
    updater.refresh()
    infos = []
    for name in args.target_name:  # every name is looked up before anything is downloaded
        info = updater.get_targetinfo(name)
        if info is None:
            raise LookupError(f"target {name!r} is not in the repository")
        infos.append(info)
    for info in infos:
        if updater.find_cached_target(info) is None:
            updater.download_target(info)


def main(argv: Sequence[str] | None = None) -> int:
    """Run one protocol command; return the exit status (0 success, 1 failure)."""
    try:
        args = _parser().parse_args(argv)
    except SystemExit as e:  # usage errors are failures too (``--help`` exits 0)
        return EXIT_OK if e.code == 0 else EXIT_FAIL
    commands = {"init": _init, "refresh": _refresh, "download": _download}
    try:
        commands[args.command](args)
    except Exception as e:  # the protocol's contract is an exit status, never a traceback
        print(f"evtwin-tuf-client: {args.command} failed: {type(e).__name__}: {e}", file=sys.stderr)
        return EXIT_FAIL
    return EXIT_OK


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
