"""Running coroutine functions from synchronous code, for async views and hooks."""

from __future__ import annotations

import asyncio
import concurrent.futures
import contextvars
import importlib
import sys
import threading
import typing as t

T = t.TypeVar("T")


def _green_thread_runner() -> t.Callable[[t.Callable[[], T]], T] | None:
    """Under gevent or eventlet (threading monkey-patched), a function that runs a
    callable in a real OS thread and waits for it cooperatively; else None.

    Greenlets share their OS thread, and with it asyncio's record of the running
    loop: a second greenlet's ``asyncio.run`` would find the first one's loop
    running. A real thread has its own.
    """
    gevent_monkey = sys.modules.get("gevent.monkey")
    if gevent_monkey is not None and gevent_monkey.is_module_patched("threading"):
        return sys.modules["gevent"].get_hub().threadpool.apply  # type: ignore[no-any-return]
    eventlet_patcher = sys.modules.get("eventlet.patcher")
    if eventlet_patcher is not None and eventlet_patcher.is_monkey_patched("thread"):
        return importlib.import_module("eventlet.tpool").execute  # type: ignore[no-any-return]
    return None


def call_in_event_loop(
    func: t.Callable[..., t.Coroutine[t.Any, t.Any, T]],
) -> t.Callable[..., T]:
    """A synchronous function running ``func`` to completion in a new event loop per call.

    The coroutine sees the caller's context (``request``, ``g`` ...). When the calling
    thread already runs a loop (which cannot be re-entered), or under gevent or
    eventlet, the coroutine runs in another OS thread with a copy of the caller's
    context.
    """

    def run(*args: t.Any, **kwargs: t.Any) -> T:
        loop = getattr(_worker, "loop", None)
        if loop is not None:
            # A worker thread of an ASGI server: the coroutine runs on the server's loop.
            from .asgi import before_loop_hop

            before_loop_hop()
            return asyncio.run_coroutine_threadsafe(func(*args, **kwargs), loop).result()
        green = _green_thread_runner()
        if green is not None:
            context = contextvars.copy_context()
            return green(lambda: context.run(asyncio.run, func(*args, **kwargs)))
        try:
            asyncio.get_running_loop()
        except RuntimeError:
            return asyncio.run(func(*args, **kwargs))
        context = contextvars.copy_context()
        outcome: list[t.Any] = []

        def target() -> None:
            try:
                outcome.append(context.run(asyncio.run, func(*args, **kwargs)))
            except BaseException as e:
                outcome.extend((e, None))

        worker = threading.Thread(target=target)
        worker.start()
        worker.join()
        if len(outcome) == 2:
            raise outcome[0]
        return outcome[0]  # type: ignore[no-any-return]

    return run


# -- ASGI: the server's loop, a bounded thread pool, and a request's own context ------

#: The thread pool size for synchronous code under ASGI (``Erlen.asgi_threads``).
DEFAULT_THREADS = 40

_worker = threading.local()
_NOT_STARTED: t.Any = object()


def server_loop() -> asyncio.AbstractEventLoop | None:
    """The ASGI server's loop when this thread is one of its workers, else None."""
    return getattr(_worker, "loop", None)


def _run_in_worker(
    loop: asyncio.AbstractEventLoop,
    context: contextvars.Context,
    func: t.Callable[..., T],
    args: tuple[t.Any, ...],
) -> T:
    _worker.loop = loop
    try:
        return context.run(func, *args)
    finally:
        _worker.loop = None


async def run_sync(
    pool: t.Any,
    context: contextvars.Context,
    func: t.Callable[..., T],
    *args: t.Any,
    cleanup: t.Callable[[T], object] | None = None,
) -> T:
    """Run ``func(*args)`` in ``context`` on a thread of ``pool``, without blocking the loop.

    Coroutine functions that ``func`` calls through ``app.ensure_sync`` run back on
    this loop (see :func:`call_in_event_loop`). Cancelled (the server shuts down, the
    client left), it still waits for the thread, which is in ``context`` until it
    returns, and hands what it returned to ``cleanup`` (in a thread too).
    """
    loop = asyncio.get_running_loop()
    work = pool.submit(_run_in_worker, loop, context, func, args)
    try:
        return await asyncio.wrap_future(work, loop=loop)
    except asyncio.CancelledError:
        await _outlast(work, loop)
        if cleanup is not None and not work.cancelled() and work.exception() is None:
            await _outlast(
                pool.submit(_run_in_worker, loop, context, cleanup, (work.result(),)), loop
            )
        raise


async def _outlast(work: concurrent.futures.Future[t.Any], loop: asyncio.AbstractEventLoop) -> None:
    """Wait until ``work`` is done, whatever cancellations come meanwhile."""
    while not work.done():
        try:
            await asyncio.wrap_future(work, loop=loop)
        except BaseException:  # cancelled again, or the work failed: done either way
            pass


class InContext:
    """Await ``coro`` with each of its steps run in ``context``: an ``async def`` view
    sees its request's contexts (and keeps what it sets) while the adapter itself runs
    in the server's task. (``asyncio.Task(context=...)`` does this from Python 3.11,
    at the cost of a task.)"""

    __slots__ = ("context", "coro", "first")

    def __init__(
        self, context: contextvars.Context, coro: t.Awaitable[t.Any], first: t.Any = _NOT_STARTED
    ) -> None:
        self.context = context
        self.coro = coro
        #: What the coroutine yielded on a first step its caller already took.
        self.first = first

    def __await__(self) -> t.Generator[t.Any, t.Any, t.Any]:
        run = self.context.run
        coro = t.cast("t.Coroutine[t.Any, t.Any, t.Any]", self.coro)
        step: t.Callable[[t.Any], t.Any] = coro.send
        value: t.Any = None
        signal = self.first
        while True:
            if signal is _NOT_STARTED:
                try:
                    signal = run(step, value)
                except StopIteration as stop:
                    return stop.value
            try:
                value = yield signal
            except BaseException as e:  # cancellation, or a failed future
                step, value = coro.throw, e
            else:
                step = coro.send
            signal = _NOT_STARTED


class AsyncBody:
    """A response body that is an async iterable (an ``async def`` generator).

    The ASGI adapter iterates :attr:`source` on its loop. Under WSGI the body is
    iterated here: each step runs on one private event loop (or, in an ASGI worker
    thread, on the server's loop), which is closed with the body.
    """

    def __init__(self, source: t.AsyncIterable[t.Any], encode: t.Callable[[t.Any], bytes]) -> None:
        self.source = source
        self.encode = encode
        self._loop: asyncio.AbstractEventLoop | None = None
        self._iterator: t.AsyncIterator[t.Any] | None = None

    def _run(self, awaitable: t.Awaitable[T]) -> T:
        loop = server_loop()
        if loop is not None:
            return asyncio.run_coroutine_threadsafe(_awaited(awaitable), loop).result()
        if self._loop is None:
            self._loop = asyncio.new_event_loop()
        return self._loop.run_until_complete(awaitable)

    def __iter__(self) -> AsyncBody:
        return self

    def __next__(self) -> bytes:
        if self._iterator is None:
            self._iterator = aiter(self.source)
        try:
            return self.encode(self._run(anext(self._iterator)))
        except StopAsyncIteration:
            raise StopIteration from None

    def close(self) -> None:
        try:
            aclose = getattr(self._iterator or self.source, "aclose", None)
            if aclose is not None:
                self._run(aclose())
        finally:
            if self._loop is not None:
                self._loop.run_until_complete(self._loop.shutdown_asyncgens())
                self._loop.close()
                self._loop = None


async def _awaited(awaitable: t.Awaitable[T]) -> T:
    return await awaitable
