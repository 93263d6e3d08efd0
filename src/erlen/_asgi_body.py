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
import tempfile
import threading
import typing as t

from werkzeug.exceptions import RequestEntityTooLarge

#: How much of a body received ahead of the app is kept in memory.
SPOOL_AT = 1 << 20

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
        #: Where a body received ahead of the app goes past SPOOL_AT bytes (a temporary
        #: file: a large upload is not held in memory), and how far it has been read.
        self._spool: t.BinaryIO | None = None
        self._spool_read = 0
        self._data_lock = threading.Lock()

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
                self.received += len(data)
                with self._data_lock:
                    if self._spool is not None:
                        self._spool.seek(0, io.SEEK_END)
                        self._spool.write(data)
                    else:
                        self._buffer += data
                        if len(self._buffer) > SPOOL_AT:
                            spool = t.cast(t.BinaryIO, tempfile.TemporaryFile())  # noqa: SIM115 (closed with the body)
                            spool.write(self._buffer)
                            del self._buffer[:]
                            self._spool = spool
            self.more = bool(message.get("more_body", False))
        elif kind == "http.disconnect":
            self.more = False
            self.disconnected = True

    async def fill(self, limit: int | None) -> None:
        """Receive the body until it ends, or until it is more than ``limit`` bytes
        (the request's ``cap``); past ``SPOOL_AT`` bytes it goes to a temporary file."""
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
        while True:
            with self._data_lock:
                spool = self._spool
                if spool is not None:
                    spool.seek(self._spool_read)
                    size = int(spool.readinto(b))  # type: ignore[attr-defined]
                    self._spool_read += size
                else:
                    buffer = self._buffer
                    size = min(len(b), len(buffer))
                    if size:
                        b[:size] = buffer[:size]
                        del buffer[:size]
            if size or not self.more:
                break
            self._pull_sync()
        if not size and self.disconnected:
            raise ClientGone("the client disconnected before it sent the whole body")
        return size

    def close(self) -> None:
        if self._spool is not None:
            self._spool.close()
        super().close()
