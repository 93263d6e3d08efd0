"""Werkzeug's development server on a free port of 127.0.0.1, for tests that need
real HTTP on the wire (raw sockets, chunked bodies, what a client really receives)."""

from __future__ import annotations

import threading
import typing as t
from collections.abc import Iterator
from contextlib import contextmanager

from werkzeug.serving import make_server


@contextmanager
def serving(app: t.Any) -> Iterator[int]:
    """Serve ``app`` in a thread for the block; yield the port."""
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield server.server_port
    finally:
        server.shutdown()
        server.server_close()
        thread.join(5)
