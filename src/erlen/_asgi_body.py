"""The request body of an ASGI request, as the file object a WSGI environ holds.

The body arrives in ``http.request`` messages from ``receive``. A synchronous view
runs in a worker thread and reads it as it arrives, each read waiting on the
server's loop for the next message; an ``async def`` view runs on the loop, which
must not wait on itself, so its body is received first (:meth:`ReceiveBody.fill`),
up to the app's limit. Either way the request's ``BodyStream`` sits on top and
applies the limits: one byte past ``MAX_CONTENT_LENGTH`` is a 413, a body cut
short by a disconnecting client a 400.
"""

from __future__ import annotations

import asyncio
import io
import threading
import typing as t

from werkzeug.exceptions import RequestEntityTooLarge

Receive = t.Callable[[], t.Awaitable[t.MutableMapping[str, t.Any]]]


class ClientGone(OSError):
    """The client disconnected before it sent the whole body."""


class ReceiveBody(io.RawIOBase):
    """A readable stream over the ``http.request`` messages of ``receive``."""

    def __init__(self, receive: Receive, loop: asyncio.AbstractEventLoop) -> None:
        super().__init__()
        self._receive = receive
        self._loop = loop
        self._loop_thread = threading.get_ident()
        self._buffer = bytearray()
        #: Whether more body may come from ``receive``.
        self.more = True
        #: Whether the client disconnected.
        self.disconnected = False
        #: Bytes received so far.
        self.received = 0
        #: The most the adapter receives before the app reads (the request's limit).
        self.cap: int | None = None
        # One receive() at a time: the app's reads and the disconnect watcher share it.
        self._lock = asyncio.Lock()

    def readable(self) -> bool:
        return True

    async def _pull(self) -> None:
        async with self._lock:
            if self.more:
                await self._receive_one()

    async def _receive_one(self) -> None:
        message = await self._receive()
        kind = message["type"]
        if kind == "http.request":
            data = message.get("body", b"")
            if data:
                self._buffer += data
                self.received += len(data)
            self.more = bool(message.get("more_body", False))
        elif kind == "http.disconnect":
            self.more = False
            self.disconnected = True

    async def fill(self, limit: int | None) -> None:
        """Receive the body until it ends, or until it is more than ``limit`` bytes."""
        self.cap = limit
        while self.more and (limit is None or self.received <= limit):
            await self._pull()

    def fill_sync(self) -> None:
        """Receive the rest of the body from a worker thread, before a coroutine that
        may read it runs on the loop: up to the request's limit (``cap``), past which
        reading it is a 413 anyway."""
        cap = self.cap
        while self.more and (cap is None or self.received <= cap):
            self._pull_sync()

    def _pull_sync(self) -> None:
        if threading.get_ident() == self._loop_thread:
            # Code on the loop (an async view) reads past what was received for it:
            # the body is longer than the limit in effect when it was received.
            raise RequestEntityTooLarge(
                f"The request body is more than the {self.cap} bytes received for it"
                " (the request's max_content_length when its view started)."
            )
        asyncio.run_coroutine_threadsafe(self._pull(), self._loop).result()

    def readinto(self, b: t.Any) -> int:
        buffer = self._buffer
        while not buffer and self.more:
            self._pull_sync()
        if not buffer:
            if self.disconnected:
                raise ClientGone("the client disconnected before it sent the whole body")
            return 0
        size = min(len(b), len(buffer))
        b[:size] = buffer[:size]
        del buffer[:size]
        return size
