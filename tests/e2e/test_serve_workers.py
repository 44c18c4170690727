"""`rada serve --workers N` as an operator meets it: a master killed outright takes its
workers with it, so the port is free for the restart."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

RADA = [sys.executable, "-m", "rada.cli"]


def _children(pid: int) -> set[int]:
    found = set()
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text()
            except OSError:
                continue
            if int(stat.rsplit(")", 1)[1].split()[1]) == pid:
                found.add(int(entry.name))
    return found


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _listening(port: int) -> bool:
    with socket.socket() as probe:
        return probe.connect_ex(("127.0.0.1", port)) == 0


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="needs Linux's /proc and prctl")
def test_workers_end_when_their_master_is_killed(tmp_path: Path) -> None:
    port = _free_port()
    env = {**os.environ, "RADA_DATA_DIR": str(tmp_path), "RADA_AUDIT_INTERVAL_SECONDS": "0"}
    env.pop("RADA_DATABASE_URL", None)
    master = subprocess.Popen(
        [*RADA, "serve", "--port", str(port), "--workers", "2"],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + 60
        while not (_listening(port) and len(_children(master.pid)) >= 2):
            assert time.monotonic() < deadline, "the server did not start"
            assert master.poll() is None, "the server exited"
            time.sleep(0.2)
        workers = _children(master.pid)
        master.send_signal(signal.SIGKILL)
        master.wait()
        deadline = time.monotonic() + 15
        while any(Path(f"/proc/{w}").exists() for w in workers) or _listening(port):
            assert time.monotonic() < deadline, "workers outlived their master"
            time.sleep(0.2)
    finally:
        if master.poll() is None:
            master.kill()
        for worker in _children(master.pid):
            os.kill(worker, signal.SIGKILL)


def _serve(tmp_path: Path, port: int, **settings: str) -> subprocess.Popen[bytes]:
    env = {
        **os.environ,
        "RADA_DATA_DIR": str(tmp_path),
        "RADA_AUDIT_INTERVAL_SECONDS": "0",
        "RADA_SIGNIN_ATTEMPTS": "3",
        **settings,
    }
    env.pop("RADA_DATABASE_URL", None)
    server = subprocess.Popen(
        [*RADA, "serve", "--port", str(port)],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 60
    while not _listening(port):
        assert time.monotonic() < deadline, "the server did not start"
        assert server.poll() is None, "the server exited"
        time.sleep(0.2)
    return server


def _sign_in_statuses(port: int, count: int) -> list[int]:
    import httpx

    statuses = []
    with httpx.Client(base_url=f"http://127.0.0.1:{port}") as client:
        for n in range(count):
            answer = client.post(
                "/api/v1/auth/sign-in",
                json={"email": f"nobody{n}@x.example", "password": "wrong password"},
                headers={"X-Forwarded-For": f"203.0.113.{n + 1}"},
            )
            statuses.append(answer.status_code)
    return statuses


def test_a_client_cannot_pass_for_another_address_unless_its_proxy_is_trusted(
    tmp_path: Path,
) -> None:
    port = _free_port()
    server = _serve(tmp_path / "untrusted", port)
    try:
        # Each attempt claims another address: believed, none would reach the limit of 3.
        assert _sign_in_statuses(port, 4) == [401, 401, 401, 429]
    finally:
        server.terminate()
        server.wait()
    port = _free_port()
    server = _serve(tmp_path / "trusted", port, RADA_TRUSTED_PROXIES="127.0.0.1")
    try:
        assert _sign_in_statuses(port, 4) == [401, 401, 401, 401]  # the proxy's word counts
    finally:
        server.terminate()
        server.wait()
