"""The floor: plain WSGI callables that return a fixed response without routing.

They send the same status, content type and body the framework apps do, so the
difference between this column and any other is the framework's own work.
"""

import json

from . import Environ, StartResponse, WSGIApp

# The floor is given for the first three cases only; the others are skipped for it.
SUPPORTED: tuple[str, ...] = ("hello", "json-params", "route-99")
# Not mixed: a fixed answer cannot stand for three routes (bench/server.py leaves it out).
SERVER_SUPPORTED: tuple[str, ...] = ()


def _fixed(body: bytes, content_type: str) -> WSGIApp:
    headers = [("Content-Type", content_type), ("Content-Length", str(len(body)))]

    def app(environ: Environ, start_response: StartResponse) -> list[bytes]:
        start_response("200 OK", list(headers))
        return [body]

    return app


def make(case: str) -> WSGIApp:
    if case == "hello":
        return _fixed(b"Hello, World!", "text/plain; charset=utf-8")
    if case == "json-params":
        body = json.dumps({"user": 42, "post": 7}).encode()
        return _fixed(body, "application/json")
    if case == "route-99":
        return _fixed(b"route100:abc", "text/plain; charset=utf-8")
    raise ValueError(f"unknown case {case!r}")
