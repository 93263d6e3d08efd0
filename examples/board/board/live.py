"""The live view: every new post is pushed to open pages over a WebSocket at ``/live``.

Posts are created by ordinary synchronous views, in whatever thread the server runs
them, while each WebSocket handler waits on an ``asyncio.Queue`` on the server's
event loop. The :class:`Broadcaster` bridges the two: ``publish`` hands a message
to each subscriber's loop with ``call_soon_threadsafe``, the asyncio call that is
safe from any thread.

It works within one process. Behind several worker processes, a page only hears of
the posts created in its own worker; a shared channel (Redis pub/sub, PostgreSQL
``LISTEN``) would carry them across. WebSockets need an ASGI server: under a WSGI
server the page works the same, without live updates.
"""

from __future__ import annotations

import asyncio
import contextlib
import threading
import typing as t
from collections.abc import Iterator

from erlen import Blueprint, Erlen, WebsocketDisconnect, current_app, url_for, websocket

from .models import Post

Message = dict[str, t.Any]

bp = Blueprint("live", __name__)


class Broadcaster:
    """Fans messages out to subscribers, each an asyncio queue on its own event loop."""

    def __init__(self, queue_size: int = 100) -> None:
        self.queue_size = queue_size
        self._lock = threading.Lock()
        self._subscribers: set[tuple[asyncio.AbstractEventLoop, asyncio.Queue[Message]]] = set()

    @contextlib.contextmanager
    def subscribe(self) -> Iterator[asyncio.Queue[Message]]:
        """A queue that receives every message published while the block runs.
        Enter it from a coroutine: the queue belongs to the running event loop."""
        queue: asyncio.Queue[Message] = asyncio.Queue(maxsize=self.queue_size)
        entry = (asyncio.get_running_loop(), queue)
        with self._lock:
            self._subscribers.add(entry)
        try:
            yield queue
        finally:
            with self._lock:
                self._subscribers.discard(entry)

    def publish(self, message: Message) -> None:
        """Send ``message`` to every subscriber; callable from any thread."""
        with self._lock:
            subscribers = list(self._subscribers)
        for loop, queue in subscribers:
            try:
                loop.call_soon_threadsafe(_offer, queue, message)
            except RuntimeError:  # that loop is closed: its subscriber is gone
                pass


def _offer(queue: asyncio.Queue[Message], message: Message) -> None:
    """Queue a message; a subscriber that stopped reading misses it rather than
    holding ever more memory."""
    try:
        queue.put_nowait(message)
    except asyncio.QueueFull:
        pass


def init_app(app: Erlen) -> None:
    """Give ``app`` its broadcaster and the ``/live`` WebSocket route."""
    app.extensions["board_live"] = Broadcaster()
    app.register_blueprint(bp)


def broadcaster() -> Broadcaster:
    """The current app's broadcaster."""
    return t.cast(Broadcaster, current_app.extensions["board_live"])


def publish_post(post: Post) -> None:
    """Tell the open pages about a new post (called by the views that create one)."""
    broadcaster().publish(
        {
            "id": post.id,
            "title": post.title,
            "author": post.author.username,
            "url": url_for("posts.detail", post_id=post.id),
        }
    )


@bp.websocket("/live")
async def feed() -> None:
    """Send each new post as JSON until the browser goes away."""
    # Subscribe before accepting: a post created once the socket is open is never missed.
    with broadcaster().subscribe() as inbox:
        await websocket.accept()
        sender = asyncio.create_task(_send_from(inbox))
        try:
            while True:  # the browser sends nothing; this notices when it leaves
                await websocket.receive()
        except WebsocketDisconnect:
            pass
        finally:
            sender.cancel()


async def _send_from(inbox: asyncio.Queue[Message]) -> None:
    """Forward queued messages to the socket until it closes."""
    try:
        while True:
            await websocket.send_json(await inbox.get())
    except WebsocketDisconnect:
        pass
