"""Shared pieces of the YouTube tests (no tests here): a local file server and an engine-like publish loop."""

from __future__ import annotations

import http.server
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import replace
from typing import Any

from platforms.errors import NotReady
from platforms.types import PublishRequest, PublishResult
from platforms.youtube import YouTubeAdapter

MAX_STEPS = 50


class SteppingYouTube(YouTubeAdapter):
    """publish() called again with each NotReady's progress, as the engine's countdown does.

    The contract suite calls publish() once and expects a result; a YouTube upload takes several calls
    by design (session first, then chunks), so this is the engine's loop and nothing more."""

    steps: int = 0

    def publish(self, request: PublishRequest) -> PublishResult:
        for _ in range(MAX_STEPS):
            try:
                return super().publish(request)
            except NotReady as exc:
                self.steps += 1
                request = replace(request, progress=exc.progress)
        raise AssertionError("the upload never finished")


def _handler(files: dict[str, tuple[str, bytes]]) -> type[http.server.BaseHTTPRequestHandler]:
    class Files(http.server.BaseHTTPRequestHandler):
        def do_GET(self) -> None:  # noqa: N802 - http.server's naming
            mime, data = files.get(self.path, ("", b""))
            if not mime:
                self.send_response(404)
                self.end_headers()
                return
            self.send_response(200)  # Range is ignored on purpose: the adapter must cope with a plain 200
            self.send_header("Content-Type", mime)
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def log_message(self, *args: Any) -> None:
            pass

    return Files


@contextmanager
def file_server(files: dict[str, tuple[str, bytes]]) -> Iterator[str]:
    """Serve {path: (mime, bytes)} on 127.0.0.1; yields the base URL."""
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _handler(files))
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()
