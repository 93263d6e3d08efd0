"""Call each framework's ASGI app directly, in one event loop, and compare per-request cost.

No server and no sockets: each request is one ``await app(scope, receive, send)`` with
a prepared scope; ``receive`` gives the (empty) body once and then blocks, as a real
server's does until the client goes away, and ``send`` keeps the messages. Every
response is checked before timing. The cases are the WSGI benchmark's first three
(``bench/wsgi_direct.py``) with ``async def`` handlers, plus a WebSocket echo: one
connection, microseconds per message round trip (the client's message in, the
handler's echo out). Frameworks are interleaved by rounds; the figure is the median
over rounds.

    .venv/bin/python bench/asgi_direct.py [--cases hello,ws-echo] [--rounds 7] [--seconds 0.2]
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import os
import statistics
import sys
import time
from collections.abc import Awaitable, Callable
from importlib import metadata
from pathlib import Path
from typing import Any

SRC_DIR = Path(__file__).resolve().parent.parent / "src"
if str(SRC_DIR) not in sys.path:
    sys.path.insert(0, str(SRC_DIR))
# Quart imports the real Flask: `import flask` must stay Flask's in this process.
os.environ["ERLEN_FLASK_ALIAS"] = "0"

ASGIApp = Callable[[dict[str, Any], Any, Any], Awaitable[None]]
ROUTES = 100
FRAMEWORKS = ("bare", "erlen", "falcon", "starlette", "quart")
CASES = ("hello", "json-params", "route-99", "ws-echo")
PATHS = {"hello": "/", "json-params": "/users/42/posts/7", "route-99": f"/route{ROUTES - 1}/abc"}
BODIES = {
    "hello": b"Hello, World!",
    "json-params": None,  # JSON: compared parsed
    "route-99": f"route{ROUTES - 1}:abc".encode(),
}


# -- the apps ---------------------------------------------------------------------------


def bare_app() -> ASGIApp:
    import json

    async def app(scope: dict[str, Any], receive: Any, send: Any) -> None:
        scope_type = scope["type"]
        if scope_type == "websocket":
            await receive()
            await send({"type": "websocket.accept"})
            while True:
                message = await receive()
                if message["type"] != "websocket.receive":
                    return
                await send({"type": "websocket.send", "text": message["text"]})
        if scope_type == "lifespan":  # a real server's (bench/server.py --interface asgi)
            while True:
                message = await receive()
                if message["type"] == "lifespan.startup":
                    await send({"type": "lifespan.startup.complete"})
                else:
                    await send({"type": "lifespan.shutdown.complete"})
                    return
        path = scope["path"]
        if path == "/":
            body, kind = b"Hello, World!", b"text/plain"
        elif path.startswith("/users/"):
            parts = path.split("/")
            body = json.dumps({"user": int(parts[2]), "post": int(parts[4])}).encode()
            kind = b"application/json"
        else:
            parts = path.split("/")
            body, kind = f"{parts[1]}:{parts[2]}".encode(), b"text/plain"
        await send(
            {
                "type": "http.response.start",
                "status": 200,
                "headers": [(b"content-type", kind), (b"content-length", str(len(body)).encode())],
            }
        )
        await send({"type": "http.response.body", "body": body})

    return app


def erlen_app() -> ASGIApp:
    from erlen import Erlen, websocket

    app = Erlen("bench")

    @app.get("/")
    async def hello() -> str:
        return "Hello, World!"

    @app.get("/users/<int:user>/posts/<int:post>")
    async def params(user: int, post: int) -> dict[str, int]:
        return {"user": user, "post": post}

    def make(i: int) -> Callable[[str], Awaitable[str]]:
        async def view(name: str) -> str:
            return f"route{i}:{name}"

        return view

    for i in range(ROUTES):
        app.add_url_rule(f"/route{i}/<name>", f"route{i}", make(i))

    @app.websocket("/ws")
    async def echo() -> None:
        while True:
            await websocket.send(await websocket.receive())

    return app  # type: ignore[return-value]


def falcon_app() -> ASGIApp:
    import falcon.asgi

    class Hello:
        async def on_get(self, req: Any, resp: Any) -> None:
            resp.content_type = "text/plain"
            resp.text = "Hello, World!"

    class Params:
        async def on_get(self, req: Any, resp: Any, user: int, post: int) -> None:
            resp.media = {"user": user, "post": post}

    class Route:
        def __init__(self, i: int) -> None:
            self.i = i

        async def on_get(self, req: Any, resp: Any, name: str) -> None:
            resp.content_type = "text/plain"
            resp.text = f"route{self.i}:{name}"

    class Echo:
        async def on_websocket(self, req: Any, ws: Any) -> None:
            await ws.accept()
            while True:
                try:
                    await ws.send_text(await ws.receive_text())
                except falcon.WebSocketDisconnected:
                    return

    app = falcon.asgi.App()
    app.add_route("/", Hello())
    app.add_route("/users/{user:int}/posts/{post:int}", Params())
    for i in range(ROUTES):
        app.add_route(f"/route{i}/{{name}}", Route(i))
    app.add_route("/ws", Echo())
    return app  # type: ignore[return-value]


def starlette_app() -> ASGIApp:
    from starlette.applications import Starlette
    from starlette.responses import JSONResponse, PlainTextResponse
    from starlette.routing import Route, WebSocketRoute
    from starlette.websockets import WebSocket, WebSocketDisconnect

    async def hello(request: Any) -> PlainTextResponse:
        return PlainTextResponse("Hello, World!")

    async def params(request: Any) -> JSONResponse:
        p = request.path_params
        return JSONResponse({"user": p["user"], "post": p["post"]})

    def make(i: int) -> Callable[[Any], Awaitable[PlainTextResponse]]:
        async def view(request: Any) -> PlainTextResponse:
            return PlainTextResponse(f"route{i}:{request.path_params['name']}")

        return view

    async def echo(ws: WebSocket) -> None:
        await ws.accept()
        try:
            while True:
                await ws.send_text(await ws.receive_text())
        except WebSocketDisconnect:
            return

    routes = [Route("/", hello), Route("/users/{user:int}/posts/{post:int}", params)]
    routes += [Route(f"/route{i}/{{name}}", make(i)) for i in range(ROUTES)]
    routes.append(WebSocketRoute("/ws", echo))
    return Starlette(routes=routes)  # type: ignore[return-value]


def quart_app() -> ASGIApp:
    from quart import Quart, websocket

    app = Quart("bench")

    @app.get("/")
    async def hello() -> str:
        return "Hello, World!"

    @app.get("/users/<int:user>/posts/<int:post>")
    async def params(user: int, post: int) -> dict[str, int]:
        return {"user": user, "post": post}

    def make(i: int) -> Callable[[str], Awaitable[str]]:
        async def view(name: str) -> str:
            return f"route{i}:{name}"

        return view

    for i in range(ROUTES):
        app.add_url_rule(f"/route{i}/<name>", f"route{i}", make(i))

    @app.websocket("/ws")
    async def echo() -> None:
        while True:
            await websocket.send(await websocket.receive())

    return app  # type: ignore[return-value]


BUILDERS = {
    "bare": bare_app,
    "erlen": erlen_app,
    "falcon": falcon_app,
    "starlette": starlette_app,
    "quart": quart_app,
}
DISTRIBUTIONS = {"erlen": "erlen", "falcon": "falcon", "starlette": "starlette", "quart": "quart"}


# -- calling ----------------------------------------------------------------------------


def http_scope(path: str) -> dict[str, Any]:
    return {
        "type": "http",
        "asgi": {"version": "3.0", "spec_version": "2.4"},
        "http_version": "1.1",
        "method": "GET",
        "scheme": "http",
        "path": path,
        "raw_path": path.encode(),
        "query_string": b"",
        "root_path": "",
        "headers": [
            (b"host", b"localhost:8000"),
            (b"user-agent", b"bench"),
            (b"accept", b"*/*"),
        ],
        "client": ("127.0.0.1", 50000),
        "server": ("127.0.0.1", 8000),
        "extensions": {},
        "state": {},
    }


_BODY = {"type": "http.request", "body": b"", "more_body": False}


async def call_http(app: ASGIApp, scope: dict[str, Any]) -> list[dict[str, Any]]:
    sent: list[dict[str, Any]] = []
    pending = [_BODY]

    async def receive() -> dict[str, Any]:
        if pending:
            return pending.pop()
        await asyncio.Event().wait()  # blocks, as a server's does until a disconnect
        raise AssertionError("unreachable")

    async def send(message: dict[str, Any]) -> None:
        sent.append(message)

    await app(dict(scope), receive, send)
    return sent


async def run_http(app: ASGIApp, scope: dict[str, Any], n: int) -> float:
    sent: list[Any] = []
    append = sent.append
    body = _BODY

    async def send(message: dict[str, Any]) -> None:
        append(message)

    start = time.perf_counter()
    for _ in range(n):
        pending = [body]

        async def receive(pending: list[Any] = pending) -> dict[str, Any]:
            if pending:
                return pending.pop()  # type: ignore[no-any-return]
            await asyncio.Event().wait()
            raise AssertionError("unreachable")

        await app(scope.copy(), receive, send)
        sent.clear()
    return time.perf_counter() - start


class Socket:
    """One WebSocket connection to an app, driven message by message."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app
        self.inbox: asyncio.Queue[dict[str, Any]] = asyncio.Queue()
        self.outbox: asyncio.Queue[dict[str, Any]] = asyncio.Queue()
        self.task: asyncio.Task[None] | None = None

    async def open(self) -> None:
        scope = http_scope("/ws")
        scope.update(type="websocket", scheme="ws", subprotocols=[])
        del scope["method"]
        self.task = asyncio.ensure_future(self.app(scope, self.inbox.get, self.outbox.put))
        await self.inbox.put({"type": "websocket.connect"})
        accepted = await self.outbox.get()
        if accepted["type"] != "websocket.accept":
            raise RuntimeError(f"the WebSocket was not accepted: {accepted}")

    async def echo(self, text: str) -> str:
        await self.inbox.put({"type": "websocket.receive", "text": text})
        message = await self.outbox.get()
        return message["text"]  # type: ignore[no-any-return]

    async def close(self) -> None:
        await self.inbox.put({"type": "websocket.disconnect", "code": 1000})
        assert self.task is not None
        try:
            await asyncio.wait_for(self.task, 5)
        except Exception:
            self.task.cancel()


async def run_ws(socket: Socket, n: int) -> float:
    put, get = socket.inbox.put_nowait, socket.outbox.get
    message = {"type": "websocket.receive", "text": "ping"}
    start = time.perf_counter()
    for _ in range(n):
        put(message)
        await get()
    return time.perf_counter() - start


# -- checking and timing ------------------------------------------------------------------


async def check(framework: str, app: ASGIApp, case: str) -> None:
    if case == "ws-echo":
        socket = Socket(app)
        await socket.open()
        reply = await socket.echo("ping")
        await socket.close()
        if reply != "ping":
            raise RuntimeError(f"{framework} {case}: echoed {reply!r}")
        return
    sent = await call_http(app, http_scope(PATHS[case]))
    status = sent[0]["status"]
    body = b"".join(m.get("body", b"") for m in sent[1:])
    expected = BODIES[case]
    if case == "json-params":
        import json

        ok = json.loads(body) == {"user": 42, "post": 7}
    else:
        ok = body == expected
    if status != 200 or not ok:
        raise RuntimeError(f"{framework} {case}: {status} {body[:200]!r}")


async def measure(app: ASGIApp, case: str, n: int, socket: Socket | None) -> float:
    if case == "ws-echo":
        assert socket is not None
        return await run_ws(socket, n)
    return await run_http(app, http_scope(PATHS[case]), n)


async def bench(frameworks: list[str], cases: list[str], rounds: int, seconds: float) -> dict[
    str, dict[str, float]
]:
    apps: dict[str, ASGIApp] = {}
    for name in frameworks:
        app = BUILDERS[name]()
        if name == "quart":
            await app.startup()  # type: ignore[attr-defined]
        apps[name] = app
    results: dict[str, dict[str, float]] = {case: {} for case in cases}
    for case in cases:
        sockets: dict[str, Socket] = {}
        counts: dict[str, int] = {}
        for name, app in apps.items():
            await check(name, app, case)
            if case == "ws-echo":
                sockets[name] = Socket(app)
                await sockets[name].open()
            n = 100
            while True:
                took = await measure(app, case, n, sockets.get(name))
                if took >= seconds / 4:
                    break
                n *= 2
            counts[name] = max(100, int(n * seconds / took))
        samples: dict[str, list[float]] = {name: [] for name in apps}
        order = list(apps)
        for r in range(rounds):
            for name in order[r % len(order) :] + order[: r % len(order)]:
                gc.collect()
                gc.disable()
                try:
                    took = await measure(apps[name], case, counts[name], sockets.get(name))
                finally:
                    gc.enable()
                samples[name].append(took / counts[name] * 1e6)
        for socket in sockets.values():
            await socket.close()
        for name in apps:
            results[case][name] = statistics.median(samples[name])
    for name, app in apps.items():
        if name == "quart":
            await app.shutdown()  # type: ignore[attr-defined]
    return results


def version(name: str) -> str:
    if name == "bare":
        return "-"
    try:
        return metadata.version(DISTRIBUTIONS[name])
    except metadata.PackageNotFoundError:
        return "?"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cases", default=",".join(CASES))
    parser.add_argument("--frameworks", default=",".join(FRAMEWORKS))
    parser.add_argument("--rounds", type=int, default=7)
    parser.add_argument("--seconds", type=float, default=0.2)
    args = parser.parse_args(argv)
    cases = [c for c in args.cases.split(",") if c]
    frameworks = [f for f in args.frameworks.split(",") if f]
    for value, allowed in ((cases, CASES), (frameworks, FRAMEWORKS)):
        unknown = set(value) - set(allowed)
        if unknown:
            parser.error(f"unknown: {', '.join(sorted(unknown))} (choose from {allowed})")
    results = asyncio.run(bench(frameworks, cases, args.rounds, args.seconds))
    print(f"Python {sys.version.split()[0]}; " + ", ".join(
        f"{name} {version(name)}" for name in frameworks if name != "bare"
    ))
    print("median microseconds per request (ws-echo: per message round trip)\n")
    print("| case | " + " | ".join(frameworks) + " |")
    print("|---|" + "---|" * len(frameworks))
    for case in cases:
        row = [f"{results[case][name]:.2f}" for name in frameworks]
        print(f"| {case} | " + " | ".join(row) + " |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
