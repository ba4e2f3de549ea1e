"""A tiny local HTTP file server for tests: the stand-in for SMO's media URLs."""

from __future__ import annotations

import mimetypes
import threading
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

Files = Mapping[str, "bytes | tuple[bytes, str]"]


def _entries(files: Files) -> dict[str, tuple[bytes, str]]:
    entries = {}
    for path, value in files.items():
        if isinstance(value, tuple):
            entries[path] = value
        else:
            entries[path] = (value, mimetypes.guess_type(path)[0] or "application/octet-stream")
    return entries


@contextmanager
def serve_files(files: Files) -> Iterator[str]:
    """Serve {path: bytes | (bytes, content_type)} over GET on 127.0.0.1; yields "http://127.0.0.1:<port>".

    The query string is ignored, unknown paths answer 404, and Range is ignored on purpose: every answer is
    a plain 200 with the whole body, which clients that ask for a range must cope with."""
    entries = _entries(files)

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:  # noqa: N802 - http.server's naming
            entry = entries.get(self.path.split("?")[0])
            if entry is None:
                self.send_response(404)
                self.send_header("Content-Length", "0")
                self.end_headers()
                return
            body, content_type = entry
            self.send_response(200)
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()
