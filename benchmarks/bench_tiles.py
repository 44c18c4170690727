"""Full tlog-tiles served by one worker: requests per second for ``/log/tile/...``.

Target (issue 13): full tiles at 5,000 requests/s or more from one server process. A record
of ``--entries`` entries (default 100,000: 390 full hash tiles at level 0, one at level 1, and
390 full entry bundles) is built once in a temporary directory, with a checkpoint. One
``uvicorn`` process (one worker, httptools, as ``rada serve`` runs it) serves it, pinned to
one core when ``taskset`` exists; every full tile is fetched once (they are then in the
server's memory, as on any busy server), and the load generator asks for them in turn over
``--connections`` keep-alive connections for ``--seconds`` seconds, on the other core.

The load generator is ``wrk`` (Debian package ``wrk``) when installed, else a small asyncio
HTTP/1.1 client in this process (which is slower than the server, so then the figure is the
client's limit, and says so). The figure is the median of ``--runs`` runs.

    python benchmarks/bench_tiles.py --runs 5 --seconds 10
"""

from __future__ import annotations

import argparse
import asyncio
import os
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

from _measure import fill_record, machine, median

SRC = Path(__file__).resolve().parents[1] / "src"


def _paths(entries: int) -> list[str]:
    from rada.record.tiles import TILE_WIDTH, TilePath

    full = entries // TILE_WIDTH
    tiles = [TilePath(0, n) for n in range(full)] + [TilePath(None, n) for n in range(full)]
    tiles += [TilePath(1, n) for n in range(full // TILE_WIDTH)]
    return ["/log/" + tile.path() for tile in tiles]


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _pinned(command: list[str], core: int) -> list[str]:
    cores = os.cpu_count() or 1
    if shutil.which("taskset") and cores > 1:
        return ["taskset", "-c", str(core % cores), *command]
    return command


def _serve(data_dir: Path, port: int) -> subprocess.Popen[bytes]:
    env = {
        **os.environ,
        "RADA_DATA_DIR": str(data_dir),
        # Measure serving alone: no self-audit of the (untyped, synthetic) record meanwhile.
        "RADA_AUDIT_INTERVAL_SECONDS": "0",
        "RADA_DATABASE_URL": "",
        "RADA_CHECKPOINT_INTERVAL_SECONDS": "0",
        "PYTHONPATH": os.pathsep.join(filter(None, [str(SRC), os.environ.get("PYTHONPATH")])),
    }
    command = [
        sys.executable,
        "-m",
        "uvicorn",
        "--factory",
        "rada.web.app:create_app",
        "--port",
        str(port),
        "--no-access-log",
        "--log-level",
        "warning",
        "--http",
        "rada.web.serving:NoDelayHttpProtocol",
    ]
    return subprocess.Popen(_pinned(command, 0), env=env)


def _wait(base: str, process: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + 60
    while True:
        try:
            with urllib.request.urlopen(base + "/log/checkpoint", timeout=2):
                return
        except OSError:
            if process.poll() is not None or time.monotonic() > deadline:
                raise SystemExit("the server did not start") from None
            time.sleep(0.2)


def _wrk(base: str, paths: list[str], connections: int, seconds: int, script: Path) -> float:
    quoted = ",".join(f'"{p}"' for p in paths)
    script.write_text(
        f"local paths = {{{quoted}}}\nlocal i = 0\n"
        "request = function()\n  i = i + 1\n"
        "  return wrk.format('GET', paths[(i % #paths) + 1])\nend\n"
    )
    command = ["wrk", "-t1", f"-c{connections}", f"-d{seconds}s", "-s", str(script), base]
    output = subprocess.run(_pinned(command, 1), capture_output=True, text=True, check=True).stdout
    if "Non-2xx" in output:
        raise SystemExit(f"some answers were not 200:\n{output}")
    found = re.search(r"Requests/sec:\s+([\d.]+)", output)
    if found is None:
        raise SystemExit(f"wrk said:\n{output}")
    return float(found.group(1))


async def _client(host: str, port: int, paths: list[str], connections: int, seconds: int) -> float:
    done = 0
    stop = time.monotonic() + seconds

    async def one(offset: int) -> None:
        nonlocal done
        reader, writer = await asyncio.open_connection(host, port)
        i = offset
        while time.monotonic() < stop:
            path = paths[i % len(paths)]
            i += connections
            writer.write(f"GET {path} HTTP/1.1\r\nHost: {host}\r\n\r\n".encode())
            head = await reader.readuntil(b"\r\n\r\n")
            if not head.startswith(b"HTTP/1.1 200"):
                raise SystemExit(f"{path}: {head[:40]!r}")
            length = int(re.search(rb"content-length: (\d+)", head.lower()).group(1))  # type: ignore[union-attr]
            await reader.readexactly(length)
            done += 1
        writer.close()

    began = time.monotonic()
    await asyncio.gather(*(one(k) for k in range(connections)))
    return done / (time.monotonic() - began)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--entries", type=int, default=100_000)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--seconds", type=int, default=10)
    parser.add_argument("--connections", type=int, default=32)
    args = parser.parse_args()
    print(machine())
    with tempfile.TemporaryDirectory(prefix="rada-bench-tiles-") as tmp:
        data_dir = Path(tmp)
        began = time.perf_counter()
        fill_record(data_dir, args.entries, origin="bench.example/log")
        paths = _paths(args.entries)
        print(
            f"built {args.entries} entries ({len(paths)} full tiles and bundles) in "
            f"{time.perf_counter() - began:.1f} s"
        )
        port = _free_port()
        base = f"http://127.0.0.1:{port}"
        server = _serve(data_dir, port)
        try:
            _wait(base, server)
            for path in paths:  # each full tile once: from then on they are in memory
                with urllib.request.urlopen(base + path, timeout=10) as response:
                    response.read()
            tool = "wrk" if shutil.which("wrk") else "the asyncio client (the client's limit)"
            rates = []
            for run in range(args.runs):
                if shutil.which("wrk"):
                    rate = _wrk(base, paths, args.connections, args.seconds, data_dir / "w.lua")
                else:
                    rate = asyncio.run(
                        _client("127.0.0.1", port, paths, args.connections, args.seconds)
                    )
                rates.append(rate)
                print(f"run {run + 1}: {rate:,.0f} requests/s")
            print(
                f"full tiles, one worker, {tool}, {args.connections} connections: median "
                f"{median(rates):,.0f} requests/s over {args.runs} runs (target 5,000)"
            )
        finally:
            server.terminate()
            server.wait(timeout=10)


if __name__ == "__main__":
    main()
