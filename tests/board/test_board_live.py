"""The live view: new posts pushed over the WebSocket at /live (in-process, through
the test client's ``websocket``), and the page script that shows them."""

from __future__ import annotations

import asyncio
import contextlib
import threading
from collections.abc import Callable

from board.live import Broadcaster
from board_helpers import Visitor

from erlen import Erlen


def test_a_new_post_reaches_an_open_socket(app: Erlen, ada: Visitor) -> None:
    reader = app.test_client()  # anyone may watch, logged in or not
    with reader.websocket("/live") as ws:
        post_id = ada.new_post("Breaking", "News.")
        assert ws.receive_json() == {
            "id": post_id,
            "title": "Breaking",
            "author": "ada",
            "url": f"/posts/{post_id}",
        }


def test_every_socket_gets_every_post_from_the_site_and_the_api(
    app: Erlen, ada: Visitor, bob: Visitor
) -> None:
    token = app.test_client().post(
        "/api/tokens", json={"username": "bob", "password": "password123"}
    ).json["token"]
    with ada.client.websocket("/live") as first, app.test_client().websocket("/live") as second:
        from_form = ada.new_post("One")
        from_api = bob.client.post(
            "/api/posts", json={"title": "Two", "body": "b"},
            headers={"Authorization": f"Bearer {token}"},
        ).json["id"]  # fmt: skip
        for ws in (first, second):
            got = [ws.receive_json(), ws.receive_json()]
            assert [(m["id"], m["title"], m["author"]) for m in got] == [
                (from_form, "One", "ada"),
                (from_api, "Two", "bob"),
            ]
    # Edits and refused posts are not news.
    with app.test_client().websocket("/live", timeout=0.5) as ws:
        ada.submit(f"/posts/{from_form}/edit", "post-form", {"title": "One!", "body": "b"})
        ada.submit("/posts/new", "post-form", {"title": "", "body": ""})
        last = ada.new_post("Three")
        assert ws.receive_json()["id"] == last


def test_a_closed_socket_unsubscribes(app: Erlen, ada: Visitor) -> None:
    broadcaster = app.extensions["board_live"]
    with app.test_client().websocket("/live"):
        assert len(broadcaster._subscribers) == 1
    assert len(broadcaster._subscribers) == 0
    ada.new_post("Nobody listens")  # publishing to no one is fine


def test_the_broadcaster_is_safe_from_other_threads() -> None:
    """Publishers in plain threads, a subscriber on an event loop: all arrive, in each
    thread's order, and a subscriber that stops reading only drops messages."""
    broadcaster = Broadcaster(queue_size=1000)

    async def listen() -> list[dict[str, int]]:
        with broadcaster.subscribe() as inbox:
            started.set()
            return [await asyncio.wait_for(inbox.get(), 5) for _ in range(400)]

    started = threading.Event()

    def publish(thread: int) -> None:
        started.wait(5)
        for n in range(100):
            broadcaster.publish({"thread": thread, "n": n})

    publishers = [threading.Thread(target=publish, args=(k,)) for k in range(4)]
    for thread in publishers:
        thread.start()
    received = asyncio.run(listen())
    for thread in publishers:
        thread.join()
    for k in range(4):
        assert [m["n"] for m in received if m["thread"] == k] == list(range(100))

    small = Broadcaster(queue_size=2)

    async def slow_reader() -> int:
        with small.subscribe() as inbox:
            for n in range(5):
                small.publish({"n": n})
            await asyncio.sleep(0.05)  # the loop runs the hand-overs
            return inbox.qsize()

    assert asyncio.run(slow_reader()) == 2


def test_the_index_page_runs_the_live_script_on_its_first_page_only(
    app: Erlen, ada: Visitor, visitor: Callable[[], Visitor]
) -> None:
    for n in range(11):
        ada.new_post(f"Post {n}")
    reader = visitor()
    first = reader.page("/")
    assert '<ul id="posts" class="posts" data-live="ws://localhost/live">' in first
    assert '<script src="/static/board.js" defer></script>' in first
    # Older pages and search results are not where new posts go.
    assert "data-live" not in reader.page("/?page=2")
    assert "data-live" not in reader.page("/?q=post")
    with reader.get("/static/board.js") as script:
        assert script.status_code == 200
        assert "new WebSocket(" in script.get_data(as_text=True)
    with reader.get("/static/style.css") as style:
        assert style.status_code == 200


def test_sockets_that_talk_or_leave_do_not_disturb_the_others(app: Erlen, ada: Visitor) -> None:
    """The feed only sends: text or bytes a browser sends are ignored, many sockets
    at once each get the news, and every one that leaves unsubscribes."""
    broadcaster = app.extensions["board_live"]
    with contextlib.ExitStack() as stack:
        sockets = [stack.enter_context(app.test_client().websocket("/live")) for _ in range(25)]
        for n, ws in enumerate(sockets[:10]):
            ws.send("hello " * 1000 if n % 2 else b"\x00\xff" * 5000)
            ws.send_json({"id": 999, "title": "Forged", "author": "eve", "url": "/"})
        for ws in sockets[10:15]:
            ws.close()
        post_id = ada.new_post("Still live")
        for ws in sockets[:10] + sockets[15:]:  # the news, not what any socket sent
            message = ws.receive_json()
            assert (message["id"], message["title"]) == (post_id, "Still live")
        assert len(broadcaster._subscribers) == 20
    assert len(broadcaster._subscribers) == 0
    assert ada.page("/").count('<li class="post"') == 1  # the site works on

