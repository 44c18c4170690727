"""How ``rada serve`` runs the app under uvicorn.

With ``--workers N`` uvicorn binds the listening socket itself, without naming the protocol
(``socket.socket(AF_INET)``, so ``proto`` is 0), and asyncio then leaves Nagle's algorithm on
for every accepted connection: it sets ``TCP_NODELAY`` only on sockets whose ``proto`` is TCP.
A response written in two parts (headers, then body) then waits for the client's delayed
acknowledgement, about 40 ms on Linux, on every request. The protocol here turns Nagle off on
each connection, whatever socket it came from.
"""

from __future__ import annotations

import asyncio
import socket
from typing import Any

try:  # uvicorn uses httptools where it is installed, h11 otherwise; so does Rada
    from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol as _Http
except ImportError:  # pragma: no cover - depends on what is installed
    from uvicorn.protocols.http.h11_impl import H11Protocol as _Http  # type: ignore[assignment]

__all__ = ["NoDelayHttpProtocol", "die_with_parent", "no_delay"]


def no_delay(transport: asyncio.BaseTransport) -> None:
    """Turn off Nagle's algorithm on the transport's TCP socket (nothing on other sockets)."""
    sock: Any = transport.get_extra_info("socket")
    if sock is not None and sock.family in (socket.AF_INET, socket.AF_INET6):
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)


class NoDelayHttpProtocol(_Http):
    """uvicorn's HTTP/1.1 protocol, with Nagle's algorithm off on every connection."""

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        no_delay(transport)
        super().connection_made(transport)


PR_SET_PDEATHSIG = 1  # linux/prctl.h


def die_with_parent() -> bool:
    """In a worker of ``rada serve --workers N``: ask Linux to end this process when the
    master dies, so that a killed master does not leave workers holding the port (a restart
    would then fail with "Address already in use"). Does nothing in a process that is not a
    multiprocessing child (``rada serve`` with one worker, tests) or off Linux; returns whether
    the request was made."""
    import ctypes
    import ctypes.util
    import multiprocessing
    import os
    import signal
    import sys

    parent = multiprocessing.parent_process()
    if parent is None or not sys.platform.startswith("linux"):
        return False
    libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6", use_errno=True)
    if libc.prctl(PR_SET_PDEATHSIG, signal.SIGTERM, 0, 0, 0) != 0:
        return False
    if os.getppid() != parent.pid:  # the master died before the request was made
        os.kill(os.getpid(), signal.SIGTERM)
    return True
