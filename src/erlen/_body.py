"""The request body as a stream that turns every way it can go wrong into a 4xx.

Werkzeug's ``LimitedStream`` stops at a limit. erlen's :class:`BodyStream` adds
what a body from a real server needs:

- A chunked body has no ``Content-Length`` to check up front. Werkzeug stops
  reading it at ``max_content_length`` and hands the view a body silently cut
  short; here one byte past the limit is a 413.
- A body shorter than its ``Content-Length``, or a malformed chunked encoding
  (the server raises ``ValueError`` or ``OSError`` while reading), is a 400
  instead of an error that escapes the app as a 500.

Every error goes through ``reject``, which marks it as the client's (see
:func:`erlen._internal.mark_client_error`), and is raised again on a later read.
"""

from __future__ import annotations

import sys
import typing as t

from werkzeug.exceptions import (
    BadRequest,
    ClientDisconnected,
    HTTPException,
    RequestEntityTooLarge,
)
from werkzeug.wsgi import LimitedStream


class BodyStream(LimitedStream):
    """A request body of ``length`` bytes (a ``Content-Length``), or of unknown length
    held to ``cap`` bytes (None: no cap), named by ``setting`` in the 413 message."""

    def __init__(
        self,
        stream: t.IO[bytes],
        reject: t.Callable[[HTTPException], HTTPException],
        *,
        length: int | None = None,
        cap: int | None = None,
        setting: str = "MAX_CONTENT_LENGTH",
    ) -> None:
        if length is not None:
            super().__init__(stream, length)
        else:
            # One byte past the cap is read, to tell a body at the cap from a longer one.
            super().__init__(stream, sys.maxsize if cap is None else cap + 1, is_max=True)
        self.cap = cap if length is None else None
        self.setting = setting
        self.reject = reject
        self.error: HTTPException | None = None

    def _fail(self, error: HTTPException) -> t.NoReturn:
        if self.error is None:
            self.error = self.reject(error)
        raise self.error

    def readinto(self, b: t.Any) -> int | None:
        if self.error is not None:
            raise self.error
        size = super().readinto(b)
        if self.cap is not None and self._pos > self.cap:
            self._fail(
                RequestEntityTooLarge(
                    f"The request body is more than the {self.cap} bytes allowed"
                    f" ({self.setting})."
                )
            )
        return size

    def on_exhausted(self) -> None:
        if self.error is not None:  # read again after the 413
            raise self.error
        super().on_exhausted()

    def on_disconnect(self, error: Exception | None = None) -> None:
        if error is not None:
            self._fail(BadRequest(f"The request body could not be read: {error}."))
        if not self._limit_is_max:
            self._fail(
                ClientDisconnected(
                    f"The request body ended after {self._pos} of the {self.limit} bytes"
                    " its Content-Length announced."
                )
            )
        # Else an unknown-length body ended before the cap: that is its end.
