"""Request bodies of unknown length held to a limit while they are read.

A chunked body has no ``Content-Length`` to check up front. Werkzeug stops
reading it at ``max_content_length`` and hands the view a body silently cut
short; erlen reads one byte past the limit instead, and a body that has it is
a 413.
"""

from __future__ import annotations

import typing as t

from werkzeug.exceptions import HTTPException, RequestEntityTooLarge
from werkzeug.wsgi import LimitedStream


class CappedStream(LimitedStream):
    """A stream that raises 413 once more than ``limit`` bytes arrive.

    ``setting`` names the config key the limit comes from, for the error message;
    ``reject`` is given the error before it is raised (the request records it).
    """

    def __init__(
        self,
        stream: t.IO[bytes],
        limit: int,
        setting: str,
        reject: t.Callable[[HTTPException], HTTPException],
    ) -> None:
        super().__init__(stream, limit + 1, is_max=True)
        self.cap = limit
        self.setting = setting
        self.reject = reject

    def readinto(self, b: t.Any) -> int | None:
        size = super().readinto(b)
        if self._pos > self.cap:
            raise self.reject(
                RequestEntityTooLarge(
                    f"The request body is more than the {self.cap} bytes allowed"
                    f" ({self.setting})."
                )
            )
        return size
