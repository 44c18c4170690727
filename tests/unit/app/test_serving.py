"""``rada serve``'s HTTP protocol turns Nagle's algorithm off on every connection, also on
sockets that asyncio would leave alone (uvicorn's --workers socket has ``proto`` 0)."""

from __future__ import annotations

import asyncio
import socket
from concurrent.futures import ThreadPoolExecutor

from rada.web.serving import no_delay


def test_nagle_is_turned_off_on_a_socket_asyncio_leaves_alone() -> None:
    async def accepted_nodelay() -> int:
        # A listening socket made as uvicorn makes it for --workers: protocol not named.
        listener = socket.socket(socket.AF_INET)
        listener.bind(("127.0.0.1", 0))
        listener.listen()
        seen: asyncio.Future[int] = asyncio.get_running_loop().create_future()

        class Probe(asyncio.Protocol):
            def connection_made(self, transport: asyncio.BaseTransport) -> None:
                sock = transport.get_extra_info("socket")
                before = sock.getsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY)
                no_delay(transport)
                after = sock.getsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY)
                seen.set_result(before * 10 + (1 if after else 0))
                transport.close()

        server = await asyncio.get_running_loop().create_server(Probe, sock=listener)
        port = listener.getsockname()[1]
        _, writer = await asyncio.open_connection("127.0.0.1", port)
        try:
            return await asyncio.wait_for(seen, 5)
        finally:
            writer.close()
            server.close()

    # In a thread of its own: another test may leave an event loop running in this one.
    with ThreadPoolExecutor(1) as pool:
        seen = pool.submit(asyncio.run, accepted_nodelay()).result(timeout=10)
    # Before: Nagle on (asyncio set nothing on a proto-0 socket); after: off.
    assert seen == 1
