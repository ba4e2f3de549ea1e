"""A small TCP proxy that can cut every connection it carries (to simulate a database outage)."""

from __future__ import annotations

import contextlib
import socket
import struct
import threading
import time


def _abort(sock: socket.socket) -> None:
    """Reset the connection: linger 0 turns close() into an RST; SHUT_RD wakes a blocked recv."""
    with contextlib.suppress(OSError):
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    with contextlib.suppress(OSError):
        sock.shutdown(socket.SHUT_RD)
    with contextlib.suppress(OSError):
        sock.close()


class TcpProxy:
    """Listens on 127.0.0.1:<port> and forwards to ``upstream``; ``cut()`` resets everything open."""

    def __init__(self, upstream_host: str, upstream_port: int) -> None:
        self.upstream = (upstream_host, upstream_port)
        self._listener = socket.create_server(("127.0.0.1", 0))
        self.port: int = self._listener.getsockname()[1]
        self._lock = threading.Lock()
        self._pairs: set[tuple[socket.socket, socket.socket]] = set()
        self._refuse_until = 0.0
        self._closed = False
        self.accepted = 0
        self.cuts = 0
        threading.Thread(target=self._accept_loop, name="proxy-accept", daemon=True).start()

    @property
    def open_connections(self) -> int:
        with self._lock:
            return len(self._pairs)

    def cut(self, refuse_for: float = 0.0) -> int:
        """Reset every open connection, and refuse new ones for ``refuse_for`` seconds."""
        self._refuse_until = time.monotonic() + refuse_for
        with self._lock:
            pairs, self._pairs = self._pairs, set()
        for client, upstream in pairs:
            _abort(client)
            _abort(upstream)
        self.cuts += len(pairs)
        return len(pairs)

    def close(self) -> None:
        self._closed = True
        with contextlib.suppress(OSError):
            self._listener.close()
        self.cut()

    def _accept_loop(self) -> None:
        while not self._closed:
            try:
                client, _ = self._listener.accept()
            except OSError:
                return
            if time.monotonic() < self._refuse_until:
                _abort(client)
                continue
            try:
                upstream = socket.create_connection(self.upstream, timeout=5)
                upstream.settimeout(None)
            except OSError:
                _abort(client)
                continue
            pair = (client, upstream)
            with self._lock:
                self._pairs.add(pair)
            self.accepted += 1
            for src, dst in ((client, upstream), (upstream, client)):
                threading.Thread(target=self._pump, args=(src, dst, pair), daemon=True).start()

    def _pump(self, src: socket.socket, dst: socket.socket, pair: tuple[socket.socket, socket.socket]) -> None:
        try:
            while chunk := src.recv(65536):
                dst.sendall(chunk)
        except OSError:
            pass
        finally:
            with self._lock:
                self._pairs.discard(pair)
            _abort(src)
            _abort(dst)
