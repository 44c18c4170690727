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

__all__ = ["NoDelayHttpProtocol", "no_delay"]


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
