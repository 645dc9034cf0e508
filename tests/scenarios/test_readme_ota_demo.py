"""Issue 12's done-when: the OTA demo in README.md runs, with the key ceremony, the time server
and per-car identity, exactly as written there.

The commands are parsed from README.md's demo block at test time, so the test fails if the
README drifts from what works. Terminal 1's and 2's long-running commands (``evtwin ota
server``, ``evtwin up``) run in the background; terminal 3's run one after another. A comment
after a command is its expected result: ``# once terminal 2 shows the offer`` waits for the
next ``AVAILABLE`` line of terminal 2; ``# A ... B`` re-runs the command (bounded) until its
output holds A and B (text before any ``(``). The one change made to the commands: the fixed
ports (8080, 55555, 8000) become free ones, as every test server here runs on free ports.
"""

from __future__ import annotations

import json
import os
import re
import signal
import socket
import subprocess
import sys
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

import pytest
import urllib3

README = Path(__file__).resolve().parents[2] / "README.md"
PORTS = ("8080", "55555", "8000")
WAIT_S = 240.0  # generous bound for each expected result (a busy 2-core machine)


@dataclass
class Command:
    terminal: int
    line: str
    expect: str = ""


@dataclass
class Background:
    proc: subprocess.Popen[str]
    lines: list[str] = field(default_factory=list)

    def follow(self) -> None:
        def read() -> None:
            assert self.proc.stdout is not None
            for line in self.proc.stdout:
                self.lines.append(line.rstrip("\n"))

        threading.Thread(target=read, daemon=True).start()

    def text(self) -> str:
        return "\n".join(self.lines)


def demo_commands(readme: str) -> list[Command]:
    """The commands of the README's OTA demo block, by terminal, with their comments."""
    section = readme.split("## Demo: an over-the-air update", 1)[1]
    block = section.split("```sh\n", 1)[1].split("```", 1)[0]
    commands, terminal = [], 0
    for raw in block.splitlines():
        line = raw.strip()
        heading = re.match(r"^# (\d) —", line)
        if heading:
            terminal = int(heading[1])
            continue
        if not line or line.startswith("#"):
            continue
        command, _, comment = line.partition(" # ")
        commands.append(Command(terminal, command.strip(), comment.strip()))
    return commands


def free_port() -> str:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return str(s.getsockname()[1])


def test_the_readme_ota_demo_runs_as_written(tmp_path: Path) -> None:
    commands = demo_commands(README.read_text())
    assert {c.terminal for c in commands} == {1, 2, 3}, "three terminals, as the README says"
    assert any("keys init --offline" in c.line for c in commands)  # the ceremony
    assert any("--ota-factory" in c.line for c in commands if c.line.startswith("evtwin up"))
    assert any("--keys " in c.line for c in commands if "ota release" in c.line)
    ports = {p: free_port() for p in PORTS}

    def local(text: str) -> str:
        return re.sub(r"\b(8080|55555|8000)\b", lambda m: ports[m[1]], text)

    bin_dir = str(Path(sys.executable).parent)
    base_env = {k: v for k, v in os.environ.items() if not k.startswith("EVTWIN_")}
    base_env["PATH"] = bin_dir + os.pathsep + base_env.get("PATH", "")
    envs = {t: dict(base_env) for t in (1, 2, 3)}
    background: dict[int, Background] = {}
    offers_seen = 0
    first_token = None
    http = urllib3.PoolManager(retries=False, timeout=2.0)

    def shell(command: Command) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            ["bash", "-c", local(command.line)],
            cwd=tmp_path,
            env=envs[command.terminal],
            capture_output=True,
            text=True,
            timeout=120,
        )

    def wait_for(what: str, ready: object) -> None:
        deadline = time.monotonic() + WAIT_S
        while time.monotonic() < deadline:
            if callable(ready) and ready():
                return
            for t, bg in background.items():
                assert bg.proc.poll() is None, f"terminal {t} ended:\n{bg.text()[-3000:]}"
            time.sleep(0.25)
        raise AssertionError(f"{what}: not within {WAIT_S:g} s\n" + "\n".join(
            f"--- terminal {t}\n{bg.text()[-3000:]}" for t, bg in background.items()
        ))  # fmt: skip

    try:
        for command in commands:
            line = local(command.line)
            if line.startswith("export "):
                for name, value in re.findall(r"(\w+)=(\S+)", line[len("export ") :]):
                    envs[command.terminal][name] = value
                continue
            if line.startswith(("evtwin ota server", "evtwin up")):
                proc = subprocess.Popen(
                    ["bash", "-c", "exec " + line],
                    cwd=tmp_path,
                    env={**envs[command.terminal], "PYTHONUNBUFFERED": "1"},
                    stdout=subprocess.PIPE,
                    stderr=subprocess.STDOUT,
                    text=True,
                )
                bg = background[command.terminal] = Background(proc)
                bg.follow()
                if line.startswith("evtwin ota server"):
                    url = f"http://127.0.0.1:{ports['8080']}/healthz"

                    def healthy(url: str = url) -> bool:
                        try:
                            return http.request("GET", url).status == 200
                        except urllib3.exceptions.HTTPError:
                            return False

                    wait_for("the OTA server answers", healthy)
                else:
                    wait_for("the car is up", lambda bg=bg: "stop:     Ctrl-C" in bg.text())
                    credentials = tmp_path / "my-car" / "credentials.json"
                    first_token = json.loads(credentials.read_text())["token"]
                continue
            if "once terminal 2 shows the offer" in command.expect:
                offers_seen += 1
                want = offers_seen
                car = background[2]
                wait_for(
                    f"offer {want} in terminal 2",
                    lambda car=car, want=want: sum("AVAILABLE" in ln for ln in car.lines) >= want,
                )
            parts = [p.strip() for p in command.expect.split("(")[0].split("...") if p.strip()]
            if parts and "terminal" not in command.expect:
                last: list[subprocess.CompletedProcess[str]] = []

                def shows_result(
                    command: Command = command,
                    parts: list[str] = parts,
                    last: list[subprocess.CompletedProcess[str]] = last,
                ) -> bool:
                    done = shell(command)
                    last[:] = [done]
                    return done.returncode == 0 and all(p in done.stdout for p in parts)

                try:
                    wait_for(f"{line!r} shows {parts}", shows_result)
                except AssertionError:
                    if last:
                        print(last[0].stdout, last[0].stderr)
                    raise
                continue
            done = shell(command)
            assert done.returncode == 0, f"{line!r} failed:\n{done.stdout}\n{done.stderr}"

        car_out = background[2].text()
        print(car_out)  # the transcript (pytest -s shows it)
        assert "expiry on time attested by the server's time server" in car_out
        assert "trust: factory provisioning ./factory" in car_out  # not trust on first use
        for state in ("AVAILABLE", "CONSENTED", "INSTALLING", "SUCCEEDED", "ROLLED_BACK"):
            assert re.search(rf"\b{state}\b", car_out), (state, car_out[-3000:])
        assert "FAILED" not in car_out
        token = json.loads((tmp_path / "my-car" / "credentials.json").read_text())["token"]
        if token == first_token:  # the run was quicker than 10 twin minutes: wait for one
            wait_for(
                "a token rotation",
                lambda: (
                    json.loads((tmp_path / "my-car" / "credentials.json").read_text())["token"]
                    != first_token
                ),
            )
        nonce = f"http://127.0.0.1:{ports['8080']}/api/v1/vehicles/SALDS27A1RA000001/nonce"
        refused = http.request("GET", nonce, headers={"Authorization": f"Bearer {first_token}"})
        assert refused.status == 401  # the car's first token no longer works
        state_files = b"".join(p.read_bytes() for p in (tmp_path / "ota-state").rglob("*.json"))
        assert b"PRIVATE KEY" in state_files  # the online keys are there (the search works)
        offline = json.loads((tmp_path / "key-holders" / "image.offline.keys.json").read_text())
        for entry in offline.values():
            for pem in entry["keys"]:
                body = "".join(ln for ln in pem.splitlines() if "-----" not in ln)
                assert body.encode() not in state_files  # no offline key on the server
        plain = b"DEFENDER-SPORT FIRMWARE bms 2.1.0"
        stored = [p.read_bytes() for p in (tmp_path / "ota-state").rglob("*") if p.is_file()]
        assert not [s for s in stored if plain in s]  # encrypted before upload
    finally:
        for bg in background.values():
            if bg.proc.poll() is None:
                bg.proc.send_signal(signal.SIGTERM)
        for bg in background.values():
            try:
                bg.proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                bg.proc.kill()
                bg.proc.wait(timeout=10)


def test_the_demo_block_is_found_and_parsed() -> None:
    commands = demo_commands(README.read_text())
    assert [c.line.split()[0] for c in commands if c.terminal == 1][:1] == ["export"]
    approve = [c for c in commands if c.line.startswith("evtwin ota approve")]
    assert len(approve) == 2 and all("terminal 2 shows the offer" in c.expect for c in approve)
    if not commands:
        pytest.fail("no demo commands in README.md")
