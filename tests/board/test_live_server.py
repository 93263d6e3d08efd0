"""The live view's WebSocket under a real ASGI server (granian): sockets that send
data, many at once, and connections dropped without a closing handshake leave the
feed working for the others, and every socket that goes unsubscribes."""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import Iterator

import httpx
import pytest
import websockets
from board_servers import BoardServer, run_python, serve_board, write_app

pytestmark = pytest.mark.server

PASSWORD = "live and let live"

APP_SOURCE = """
    from board import create_app

    app = create_app(
        {{"SECRET_KEY": "live-test", "SQLALCHEMY_DATABASE_URI": "sqlite:///{database}"}}
    )


    @app.get("/_test/subscribers")
    def subscribers():
        # The test's own route: how many sockets the broadcaster feeds right now.
        return {{"count": len(app.extensions["board_live"]._subscribers)}}
"""


@pytest.fixture(scope="module")
def board(tmp_path_factory: pytest.TempPathFactory) -> Iterator[BoardServer]:
    """The board under granian's ASGI interface, with one user, ada."""
    folder = tmp_path_factory.mktemp("board_live")
    write_app(folder, APP_SOURCE.format(database=folder / "board.sqlite"))
    run_python(
        folder, "-m", "erlen", "--app", "served_board:app",
        "board", "create-user", "ada", "--password", PASSWORD,
    )  # fmt: skip
    server = serve_board(folder, "granian-asgi")
    yield server
    server.stop()


async def subscribers_become(client: httpx.AsyncClient, count: int, seconds: float = 5) -> None:
    """Wait until the broadcaster feeds ``count`` sockets."""
    deadline = time.monotonic() + seconds
    while True:
        now = (await client.get("/_test/subscribers")).json()["count"]
        if now == count:
            return
        assert time.monotonic() < deadline, f"{now} subscribers, not {count}"
        await asyncio.sleep(0.05)


def test_misbehaving_sockets_do_not_break_the_feed(board: BoardServer) -> None:
    token = httpx.post(
        f"{board.url}/api/tokens", json={"username": "ada", "password": PASSWORD}, timeout=10
    ).json()["token"]
    live = board.url.replace("http://", "ws://") + "/live"

    async def scenario() -> None:
        async with httpx.AsyncClient(base_url=board.url, timeout=10) as client:
            sockets = [await websockets.connect(live) for _ in range(30)]
            await subscribers_become(client, 30)
            talkers, dropped, quiet = sockets[:10], sockets[10:20], sockets[20:]
            for ws in talkers:  # the feed reads nothing it is sent
                await ws.send("chatter " * 2000)
                await ws.send(b"\x00\xff" * 8000)
            for ws in dropped:  # the connection just ends: no closing handshake
                ws.transport.abort()
            await subscribers_become(client, 20)

            created = await client.post(
                "/api/posts",
                json={"title": "Still on air", "body": "b"},
                headers={"Authorization": f"Bearer {token}"},
            )
            assert created.status_code == 201, created.text
            for ws in talkers + quiet:
                message = json.loads(await asyncio.wait_for(ws.recv(), 5))
                assert message["id"] == created.json()["id"]

            for ws in quiet:
                await ws.close()
            for ws in talkers:
                ws.transport.abort()
            await subscribers_become(client, 0)
            assert (await client.get("/")).status_code == 200

    asyncio.run(scenario())
    assert "Traceback" not in board.output(), board.output()[-3000:]
