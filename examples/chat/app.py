"""A chat room over WebSockets: one app object, served by any ASGI server.

    uvicorn app:app              # or: hypercorn app:app, granian --interface asgi app:app
    erlen --app app run          # the development server (uvicorn, with the reloader)

Pick a name (kept in the signed session), then every message you send reaches
everyone in the room. The last messages are kept in memory for newcomers; the
JSON API at /api/messages serves the same list over plain HTTP.
"""

from __future__ import annotations

import asyncio
import collections
import os
import typing as t

from erlen import (
    Erlen,
    WebsocketDisconnect,
    abort,
    redirect,
    render_template,
    request,
    session,
    url_for,
    websocket,
)

app = Erlen(__name__)
app.config["SECRET_KEY"] = os.environ.get("CHAT_SECRET_KEY", "dev: change me in production")
app.config["MAX_CONTENT_LENGTH"] = 16 * 1024

#: The room: each connected socket's outgoing queue, and the last messages.
listeners: set[asyncio.Queue[dict[str, str]]] = set()
history: collections.deque[dict[str, str]] = collections.deque(maxlen=50)


@app.get("/")
def index() -> t.Any:
    if "name" not in session:
        return redirect(url_for("join"))
    return render_template("room.html", name=session["name"])


@app.route("/join", methods=["GET", "POST"])
def join() -> t.Any:
    error = None
    if request.method == "POST":
        name = request.form.get("name", "").strip()
        if 1 <= len(name) <= 32:
            session["name"] = name
            return redirect(url_for("index"))
        error = "A name is 1 to 32 characters."
    return render_template("join.html", error=error)


@app.post("/leave")
def leave() -> t.Any:
    session.pop("name", None)
    return redirect(url_for("join"))


@app.get("/api/messages")
async def messages() -> list[dict[str, str]]:
    return list(history)


@app.before_websocket
def only_members() -> None:
    if "name" not in session:
        abort(403)


@app.websocket("/ws")
async def room() -> None:
    name = session["name"]
    inbox: asyncio.Queue[dict[str, str]] = asyncio.Queue()
    await websocket.accept()
    for message in history:
        await websocket.send_json(message)
    listeners.add(inbox)
    await _broadcast({"from": "", "text": f"{name} joined"})
    forward = asyncio.ensure_future(_forward(inbox))
    try:
        while True:
            data = await websocket.receive_json()
            text = str(data.get("text", "")).strip()[:500] if isinstance(data, dict) else ""
            if text:
                await _broadcast({"from": name, "text": text})
    except WebsocketDisconnect:
        pass
    finally:
        forward.cancel()
        listeners.discard(inbox)
        await _broadcast({"from": "", "text": f"{name} left"})


async def _forward(inbox: asyncio.Queue[dict[str, str]]) -> None:
    while True:
        await websocket.send_json(await inbox.get())


async def _broadcast(message: dict[str, str]) -> None:
    if message["from"]:
        history.append(message)
    for inbox in list(listeners):
        inbox.put_nowait(message)
