"""A loopback TCP proxy to put between two nodes, and break the link between them at will.

It listens on a port of its own and forwards every connection to ``upstream``, byte for byte.
What it does to the traffic can be switched while it runs:

- ``dropping``: new connections are reset as soon as they are accepted;
- ``delay``: seconds slept before each chunk is forwarded, either way;
- :meth:`Proxy.cut`: every established connection is reset (a kept-alive one included), and
  :meth:`Proxy.cut` returns once they are.

A partition is ``dropping`` and a cut; healing is the two undone. Threads, not asyncio: the test
that switches the proxy is synchronous, and one thread per connection is plenty on loopback.
"""

from __future__ import annotations

import contextlib
import select
import socket
import struct
import threading
import time
from types import TracebackType

#: How often a connection's thread looks whether it was cut, or the proxy closed.
_POLL_S = 0.05
_CHUNK = 64 * 1024


def _reset(sock: socket.socket) -> None:
    """Close ``sock`` with an RST rather than a FIN: the peer sees the connection reset."""
    with contextlib.suppress(OSError):
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    sock.close()


class Proxy:
    """Forwards 127.0.0.1:``port`` to 127.0.0.1:``upstream`` (see the module docstring)."""

    def __init__(self, upstream: int) -> None:
        self.upstream = upstream
        self.dropping = False
        self.delay = 0.0
        self._server = socket.create_server(("127.0.0.1", 0))
        self.port: int = self._server.getsockname()[1]
        self._generation = 0
        self._links: dict[int, int] = {}  # generation -> connections open in it
        self._lock = threading.Condition()
        self._closed = False
        self._thread = threading.Thread(target=self._accept, name=f"proxy-{self.port}", daemon=True)

    def __enter__(self) -> Proxy:
        self._thread.start()
        return self

    def __exit__(
        self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()

    # -- switches -------------------------------------------------------------------------------

    def cut(self, timeout: float = 5.0) -> None:
        """Reset every established connection; return once each one is."""
        with self._lock:
            old = self._generation
            self._generation += 1
            deadline = time.monotonic() + timeout
            while any(n for g, n in self._links.items() if g <= old):
                left = deadline - time.monotonic()
                if left <= 0:
                    raise AssertionError(f"proxy {self.port}: connections outlived the cut")
                self._lock.wait(left)

    def partition(self) -> None:
        """No traffic at all: new connections dropped, established ones reset."""
        self.dropping = True
        self.cut()

    def heal(self) -> None:
        self.dropping = False
        self.delay = 0.0

    def close(self) -> None:
        with self._lock:
            self._closed = True
        self._server.close()
        self.cut()
        self._thread.join(timeout=5)

    # -- forwarding -----------------------------------------------------------------------------

    def _accept(self) -> None:
        while True:
            try:
                client, _ = self._server.accept()
            except OSError:
                return  # closed
            if self.dropping or self._closed:
                _reset(client)
                continue
            with self._lock:
                generation = self._generation
                self._links[generation] = self._links.get(generation, 0) + 1
            threading.Thread(target=self._forward, args=(client, generation), daemon=True).start()

    def _forward(self, client: socket.socket, generation: int) -> None:
        try:
            try:
                upstream = socket.create_connection(("127.0.0.1", self.upstream), timeout=5)
            except OSError:
                _reset(client)
                return
            self._pump(client, upstream, generation)
        finally:
            with self._lock:
                self._links[generation] -= 1
                self._lock.notify_all()

    def _pump(self, client: socket.socket, upstream: socket.socket, generation: int) -> None:
        other = {client: upstream, upstream: client}
        reading = [client, upstream]
        finished = False  # both ends closed their side: nothing left to reset
        try:
            while reading:
                if self._generation != generation or self._closed:
                    break
                ready, _, _ = select.select(reading, [], [], _POLL_S)
                for sock in ready:
                    data = sock.recv(_CHUNK)
                    if not data:  # a half close: pass it on, keep the other way open
                        reading.remove(sock)
                        other[sock].shutdown(socket.SHUT_WR)
                        continue
                    if self.delay:
                        time.sleep(self.delay)
                    other[sock].sendall(data)
            else:
                finished = True
        except OSError:
            pass
        finally:
            for sock in (client, upstream):
                if finished:
                    sock.close()
                else:
                    _reset(sock)
