"""``evtwin-tuf-client`` against an Image repository served by ``http.server`` on loopback."""

from __future__ import annotations

import functools
import subprocess
import sys
import threading
from collections.abc import Iterator
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from evtwin.ota import DirectoryStore, ImageRepository, RoleKeys, SystemClock
from evtwin.ota.tuf_client import main

from .support import image


class _QuietHandler(SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: object) -> None:
        pass


@pytest.fixture
def served(tmp_path: Path) -> Iterator[tuple[ImageRepository, str]]:
    """An Image repository on disk, served over HTTP on 127.0.0.1 (ephemeral port)."""
    root = tmp_path / "www"
    keys = {role: RoleKeys.generate() for role in ("root", "targets", "snapshot", "timestamp")}
    repo = ImageRepository(keys=keys, store=DirectoryStore(root), clock=SystemClock())
    repo.add_image(
        "bms-1.0.0.img", image("bms 1.0.0"), hardware_ids=["ds-bms-r2"], release_counter=1
    )
    handler = functools.partial(_QuietHandler, directory=str(root))
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    try:
        yield repo, f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join()


def _init(tmp_path: Path, repo: ImageRepository) -> Path:
    md = tmp_path / "client"
    root_file = tmp_path / "trusted-root.json"
    root_file.write_bytes(repo.role_bytes("root"))
    assert main(["--metadata-dir", str(md), "init", str(root_file)]) == 0
    return md


def test_init_refresh_download_succeed_and_store_metadata_by_role_name(
    served: tuple[ImageRepository, str], tmp_path: Path
) -> None:
    repo, url = served
    md = _init(tmp_path, repo)
    meta_url = f"{url}/image/metadata"

    assert main(["--metadata-dir", str(md), "--metadata-url", meta_url, "refresh"]) == 0
    assert main(
        [
            "--metadata-dir", str(md), "--metadata-url", meta_url,
            "--target-name", "bms-1.0.0.img", "--target-base-url", f"{url}/image/targets",
            "--target-dir", str(tmp_path / "dl"), "download",
        ]
    ) == 0  # fmt: skip

    assert {p.name for p in md.glob("*.json")} == {
        "root.json",
        "timestamp.json",
        "snapshot.json",
        "targets.json",
    }
    assert (tmp_path / "dl" / "bms-1.0.0.img").read_bytes() == image("bms 1.0.0")


def test_download_of_an_unknown_target_exits_1(
    served: tuple[ImageRepository, str], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    repo, url = served
    md = _init(tmp_path, repo)

    code = main(
        [
            "--metadata-dir", str(md), "--metadata-url", f"{url}/image/metadata",
            "--target-name", "nope.img", "--target-base-url", f"{url}/image/targets",
            "--target-dir", str(tmp_path / "dl"), "download",
        ]
    )  # fmt: skip

    assert code == 1
    assert "not in the repository" in capsys.readouterr().err


def test_refresh_against_a_repository_with_a_forged_timestamp_exits_1(
    served: tuple[ImageRepository, str], tmp_path: Path
) -> None:
    repo, url = served
    md = _init(tmp_path, repo)
    repo.keys["timestamp"] = RoleKeys.generate()  # signed by a key root does not trust
    repo.refresh_timestamp()

    code = main(["--metadata-dir", str(md), "--metadata-url", f"{url}/image/metadata", "refresh"])

    assert code == 1
    assert not (md / "timestamp.json").exists()


def test_missing_metadata_url_and_bad_usage_exit_1(tmp_path: Path) -> None:
    assert main(["--metadata-dir", str(tmp_path), "refresh"]) == 1
    assert main(["--metadata-dir", str(tmp_path), "frobnicate"]) == 1


def test_installed_console_script_follows_the_protocol(
    served: tuple[ImageRepository, str], tmp_path: Path
) -> None:
    repo, url = served
    script = Path(sys.executable).parent / "evtwin-tuf-client"
    root_file = tmp_path / "trusted-root.json"
    root_file.write_bytes(repo.role_bytes("root"))
    md = str(tmp_path / "client")

    init = subprocess.run([script, "--metadata-dir", md, "init", root_file], timeout=60)
    refresh = subprocess.run(
        [script, "--metadata-dir", md, "--metadata-url", f"{url}/image/metadata", "refresh"],
        timeout=60,
    )

    assert (init.returncode, refresh.returncode) == (0, 0)


def test_repeated_target_name_downloads_every_target(
    served: tuple[ImageRepository, str], tmp_path: Path
) -> None:
    """Finding (issue 12): the client kept only the last ``--target-name``."""
    repo, url = served
    repo.add_image(
        "tcu-1.0.0.img", image("tcu 1.0.0"), hardware_ids=["ds-tcu-r1"], release_counter=1
    )
    md = _init(tmp_path, repo)

    code = main(
        [
            "--metadata-dir", str(md), "--metadata-url", f"{url}/image/metadata",
            "--target-name", "bms-1.0.0.img", "--target-name", "tcu-1.0.0.img",
            "--target-base-url", f"{url}/image/targets",
            "--target-dir", str(tmp_path / "dl"), "download",
        ]
    )  # fmt: skip

    assert code == 0
    assert (tmp_path / "dl" / "bms-1.0.0.img").read_bytes() == image("bms 1.0.0")
    assert (tmp_path / "dl" / "tcu-1.0.0.img").read_bytes() == image("tcu 1.0.0")
