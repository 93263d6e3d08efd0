"""Streamed response bodies over ASGI: a chunk per message, stopped when the client
goes away.

A synchronous body (a generator, ``stream_with_context``, a file) is iterated in a
worker thread, an async one on the loop, both in the request's context. A task
listens for ``http.disconnect`` once the request body has been received; a client
that leaves (or a ``send`` that fails) closes the body, which runs the generator's
``finally`` blocks and the teardown a ``stream_with_context`` body held back.
"""

from __future__ import annotations

import asyncio
import contextvars
import typing as t

from ._async import AsyncBody, InContext, run_sync

if t.TYPE_CHECKING:
    from collections.abc import Iterable

    from ._asgi_body import ReceiveBody
    from .app import Erlen
    from .asgi import Receive, Send

_END = object()
#: How much of an unread body of unlimited size the disconnect watcher receives.
_WATCH_LIMIT = 1 << 20


class Started:
    """A WSGI body begun in the worker thread that ran the app (a WSGI app may call
    ``start_response`` as late as its first chunk): the chunks read so far, the rest
    (None when they are the whole body), and the iterable to close once it is sent."""

    __slots__ = ("chunks", "iterator", "source")

    def __init__(
        self, chunks: list[bytes], iterator: t.Iterator[bytes] | None, source: t.Any
    ) -> None:
        self.chunks = chunks
        self.iterator = iterator
        self.source = source


def call_wsgi(func: t.Callable[..., Iterable[bytes]], *args: t.Any) -> list[bytes] | Started:
    """Call a WSGI callable (in a worker thread) and read its body up to the first
    non-empty chunk. A list is the whole body, with nothing to close."""
    app_iter = func(*args)
    if type(app_iter) is list:
        return app_iter
    if type(app_iter) is tuple:
        return list(app_iter)
    chunks: list[bytes] = []
    iterator = iter(app_iter)
    try:
        for chunk in iterator:
            chunks.append(chunk)
            if chunk:
                return Started(chunks, iterator, app_iter)
    except BaseException:
        close(app_iter)
        raise
    return Started(chunks, None, app_iter)


def close(app_iter: t.Any) -> None:
    """Close a WSGI body, as a server does once it has sent it."""
    method = getattr(app_iter, "close", None)
    if method is not None:
        method()


async def _disconnected(receive: Receive, body: ReceiveBody | None, drain: bool) -> None:
    """Wait for the client to go away. A request body the app has not read yet is
    received first when ``drain`` (into its buffer, for the app to read later), up to
    the app's limit; else, or past that, the disconnect is noticed when a send fails."""
    try:
        if body is not None and body.more:
            if not drain:
                await asyncio.Event().wait()
            limit = body.cap if body.cap is not None else _WATCH_LIMIT
            while body.more and body.received <= limit:
                await body._pull()
            if body.more:
                await asyncio.Event().wait()
        while (await receive())["type"] != "http.disconnect":
            pass
    except Exception:  # receive() failed: the connection is gone all the same
        return


async def stream_body(
    app: Erlen,
    app_iter: Iterable[bytes] | Started,
    written: list[bytes],
    send: Send,
    receive: Receive,
    body: ReceiveBody | None,
    context: contextvars.Context,
    status: int = 200,
) -> None:
    """Send ``app_iter`` (after what the app ``write()``-ed) chunk by chunk, then
    close it. An unread request body is received to watch for a disconnect only
    under a successful (2xx) response: an error does not read a body it refused."""
    from .asgi import thread_pool

    pool = thread_pool(app)
    finished = type(app_iter) is Started and app_iter.iterator is None
    watcher = (
        None
        if finished
        else asyncio.ensure_future(_disconnected(receive, body, 200 <= status < 300))
    )
    try:
        for chunk in written:
            await send({"type": "http.response.body", "body": chunk, "more_body": True})
        if type(app_iter) is AsyncBody:
            iterator = aiter(app_iter.source)
            encode = app_iter.encode
            while watcher is None or not watcher.done():
                try:
                    item = await InContext(context, anext(iterator))
                except StopAsyncIteration:
                    break
                chunk = encode(item)
                if chunk:
                    await send({"type": "http.response.body", "body": chunk, "more_body": True})
            else:
                return
        elif finished:
            content = b"".join(app_iter.chunks)  # type: ignore[union-attr]
            await send({"type": "http.response.body", "body": content})
            return
        else:
            if type(app_iter) is Started:
                for chunk in app_iter.chunks:
                    if chunk:
                        await send(
                            {"type": "http.response.body", "body": chunk, "more_body": True}
                        )
                sync_iterator = app_iter.iterator
            else:
                sync_iterator = await run_sync(pool, context, iter, app_iter)
            while watcher is None or not watcher.done():
                chunk = await run_sync(pool, context, next, sync_iterator, _END)
                if chunk is _END:
                    break
                if chunk:
                    await send({"type": "http.response.body", "body": chunk, "more_body": True})
            else:
                return
        await send({"type": "http.response.body", "body": b"", "more_body": False})
    except OSError:
        pass  # the server could not send: the client is gone
    finally:
        if watcher is not None:
            watcher.cancel()
        await close_body(app, app_iter, context)


async def close_body(
    app: Erlen, app_iter: Iterable[bytes] | Started, context: contextvars.Context
) -> None:
    """Close a response body once sent (or abandoned), as a WSGI server does: in a
    worker thread, or on the loop for an async body."""
    from .asgi import thread_pool

    if type(app_iter) is AsyncBody:
        aclose = getattr(app_iter.source, "aclose", None)
        if aclose is not None:
            await InContext(context, aclose())
        return
    source = app_iter.source if type(app_iter) is Started else app_iter
    if hasattr(source, "close"):
        await run_sync(thread_pool(app), context, close, source)


def close_result(result: list[bytes] | Started) -> None:
    """Close what :func:`call_wsgi` returned, when it will not be sent."""
    if type(result) is Started:
        close(result.source)
