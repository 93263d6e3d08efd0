"""Running coroutine functions from synchronous code, for async views and hooks."""

from __future__ import annotations

import asyncio
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
