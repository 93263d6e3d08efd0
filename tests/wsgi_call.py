"""One WSGI call as a server makes it, for tests that look at the raw answer."""

from __future__ import annotations

import typing as t


def call_wsgi(app: t.Any, environ: dict[str, t.Any]) -> tuple[str, list[tuple[str, str]], bytes]:
    """The status line, header list and body of one call; the body is read and closed."""
    seen: dict[str, t.Any] = {}

    def start_response(
        status: str, headers: list[tuple[str, str]], exc_info: t.Any = None
    ) -> t.Any:
        seen["status"], seen["headers"] = status, list(headers)
        return lambda data: None

    result = app(environ, start_response)
    try:
        body = b"".join(result)
    finally:
        close = getattr(result, "close", None)
        if close is not None:
            close()
    return seen["status"], seen["headers"], body
