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


async def _disconnected(receive: Receive) -> None:
    while (await receive())["type"] != "http.disconnect":
        pass


async def stream_body(
    app: Erlen,
    app_iter: Iterable[bytes],
    written: list[bytes],
    send: Send,
    receive: Receive,
    body: ReceiveBody | None,
    context: contextvars.Context,
) -> None:
    """Send ``app_iter`` (after what the app ``write()``-ed) chunk by chunk."""
    from .asgi import thread_pool

    pool = thread_pool(app)
    watcher = (
        None if body is not None and body.more else asyncio.ensure_future(_disconnected(receive))
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
        if type(app_iter) is AsyncBody:
            aclose = getattr(app_iter.source, "aclose", None)
            if aclose is not None:
                await InContext(context, aclose())
        else:
            close = getattr(app_iter, "close", None)
            if close is not None:
                await run_sync(pool, context, close)
