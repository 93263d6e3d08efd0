"""Running coroutine functions from synchronous code, for async views and hooks."""

from __future__ import annotations

import asyncio
import contextvars
import threading
import typing as t

T = t.TypeVar("T")


def call_in_event_loop(
    func: t.Callable[..., t.Coroutine[t.Any, t.Any, T]],
) -> t.Callable[..., T]:
    """A synchronous function running ``func`` to completion in a new event loop per call.

    The coroutine sees the caller's context (``request``, ``g`` ...). When the calling
    thread already runs a loop (which cannot be re-entered), the coroutine runs in a
    helper thread with a copy of the caller's context.
    """

    def run(*args: t.Any, **kwargs: t.Any) -> T:
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
