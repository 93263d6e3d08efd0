"""The test client's WebSockets: ``client.websocket("/ws")`` runs the app over ASGI
in-process, on an event loop in a background thread, and talks to it through
synchronous calls (``send``, ``receive``, ``send_json``, ``receive_json``, ``close``).
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import queue
import threading
import typing as t
from types import TracebackType
from urllib.parse import urlsplit

from .websockets import WebsocketDisconnect

if t.TYPE_CHECKING:
    from .testing import ErlenClient

_ENDED = {"type": "erlen.test.ended"}

_loop: asyncio.AbstractEventLoop | None = None
_loop_lock = threading.Lock()


def _shared_loop() -> asyncio.AbstractEventLoop:
    """The event loop every test WebSocket runs on, in a daemon thread: like a real
    server's one loop, so handlers of several sockets can share asyncio objects."""
    global _loop
    with _loop_lock:
        if _loop is None:
            loop = asyncio.new_event_loop()
            threading.Thread(
                target=loop.run_forever, name="erlen-test-websockets", daemon=True
            ).start()
            _loop = loop
        return _loop


class WebsocketDenied(Exception):
    """The app refused the handshake with an HTTP response (``status_code``,
    ``headers``, ``body``), or closed it before accepting (``status_code`` 403, the
    answer an ASGI server gives then)."""

    def __init__(self, status_code: int, headers: list[tuple[str, str]], body: bytes) -> None:
        super().__init__(f"The WebSocket handshake was refused with {status_code}.")
        self.status_code = status_code
        self.headers = headers
        self.body = body


class TestWebsocket:
    """A WebSocket to the app, open inside ``with``."""

    __test__ = False  # not a pytest test class

    def __init__(
        self,
        client: ErlenClient,
        path: str,
        headers: t.Mapping[str, str] | t.Iterable[tuple[str, str]] | None = None,
        subprotocols: t.Sequence[str] = (),
        timeout: float = 5.0,
    ) -> None:
        self.client = client
        self.timeout = timeout
        app = client.application
        url = urlsplit(path)
        host = url.netloc or app.config.get("SERVER_NAME") or "localhost"
        pairs = list(headers.items() if isinstance(headers, t.Mapping) else headers or ())
        if client._cookies is not None:
            from .testing import EnvironBuilder

            builder = EnvironBuilder(app, path, base_url=f"http://{host}")
            try:
                environ = builder.get_environ()
            finally:
                builder.close()
            client._add_cookies_to_wsgi(environ)
        else:
            environ = {}
        if environ.get("HTTP_COOKIE"):
            pairs.append(("cookie", environ["HTTP_COOKIE"]))
        root = app.config["APPLICATION_ROOT"].rstrip("/")
        self.scope: dict[str, t.Any] = {
            "type": "websocket",
            "asgi": {"version": "3.0", "spec_version": "2.4"},
            "http_version": "1.1",
            "scheme": "wss" if url.scheme in ("https", "wss") else "ws",
            "path": root + (url.path or "/"),
            "raw_path": (root + (url.path or "/")).encode(),
            "query_string": url.query.encode(),
            "root_path": root,
            "headers": [(b"host", host.encode())]
            + [(k.lower().encode("latin-1"), v.encode("latin-1")) for k, v in pairs],
            "client": ("127.0.0.1", 50000),
            "server": (host.partition(":")[0], 80),
            "subprotocols": list(subprotocols),
            "extensions": {"websocket.http.response": {}},
        }
        self._outbox: queue.Queue[dict[str, t.Any]] = queue.Queue()
        self._loop: asyncio.AbstractEventLoop | None = None
        self._inbox: asyncio.Queue[dict[str, t.Any]] | None = None
        self._ready = threading.Event()
        self._task: concurrent.futures.Future[None] | None = None
        self._error: BaseException | None = None
        #: The subprotocol the app accepted, if any.
        self.subprotocol: str | None = None
        #: The headers the app accepted with.
        self.accept_headers: list[tuple[str, str]] = []

    # -- the app's side, on the background loop ------------------------------------------

    async def _serve(self) -> None:
        self._inbox = asyncio.Queue()
        self._ready.set()
        inbox = self._inbox

        async def receive() -> t.MutableMapping[str, t.Any]:
            return await inbox.get()

        async def send(message: t.MutableMapping[str, t.Any]) -> None:
            self._outbox.put(dict(message))

        try:
            await self.client.application.asgi_app(self.scope, receive, send)
        except BaseException as e:
            self._error = e
        finally:
            self._outbox.put(_ENDED)

    def _put(self, message: dict[str, t.Any]) -> None:
        assert self._loop is not None and self._inbox is not None
        self._loop.call_soon_threadsafe(self._inbox.put_nowait, message)

    def _get(self) -> dict[str, t.Any]:
        try:
            message = self._outbox.get(timeout=self.timeout)
        except queue.Empty:
            raise TimeoutError(
                f"The app sent nothing on the WebSocket within {self.timeout} seconds."
            ) from None
        if message is _ENDED:
            self._outbox.put(_ENDED)  # every later read ends too
            if self._error is not None:
                raise self._error
        return message

    # -- the client's side -------------------------------------------------------------------

    def __enter__(self) -> TestWebsocket:
        self._loop = _shared_loop()
        self._task = asyncio.run_coroutine_threadsafe(self._serve(), self._loop)
        self._ready.wait()
        self._put({"type": "websocket.connect"})
        message = self._get()
        kind = message["type"]
        if kind == "websocket.accept":
            self.subprotocol = message.get("subprotocol")
            self.accept_headers = [
                (k.decode("latin-1"), v.decode("latin-1")) for k, v in message.get("headers") or ()
            ]
            return self
        self._join()
        if kind == "websocket.http.response.start":
            body = b""
            while True:
                part = self._get()
                if part["type"] != "websocket.http.response.body":
                    break
                body += part.get("body", b"")
                if not part.get("more_body"):
                    break
            headers = [(k.decode("latin-1"), v.decode("latin-1")) for k, v in message["headers"]]
            raise WebsocketDenied(message["status"], headers, body)
        raise WebsocketDenied(403, [], b"")

    def __exit__(
        self, exc_type: type | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()

    def send(self, data: str | bytes) -> None:
        """Send a text (``str``) or binary (``bytes``) message to the app."""
        key = "text" if isinstance(data, str) else "bytes"
        self._put({"type": "websocket.receive", key: data})

    def send_json(self, data: t.Any) -> None:
        self.send(self.client.application.json.dumps(data))

    def receive(self) -> str | bytes:
        """The app's next message; :class:`WebsocketDisconnect` when it closed."""
        message = self._get()
        kind = message["type"]
        if kind == "websocket.send":
            text = message.get("text")
            return text if text is not None else message.get("bytes") or b""
        if kind == "websocket.close":
            code = message.get("code", 1000)
            if code == 1011:
                self._join()  # the handler's error, when the app propagates it
            raise WebsocketDisconnect(code, message.get("reason") or "")
        raise WebsocketDisconnect(1006, "the app ended without closing the WebSocket")

    def receive_json(self) -> t.Any:
        return self.client.application.json.loads(self.receive())

    def close(self, code: int = 1000) -> None:
        """Close the socket from the client's side and wait for the handler to end."""
        if self._task is not None and not self._task.done():
            self._put({"type": "websocket.disconnect", "code": code})
        self._join()

    def _join(self) -> None:
        if self._task is not None:
            try:
                self._task.result(self.timeout)
            except concurrent.futures.TimeoutError:
                raise TimeoutError(
                    f"The WebSocket handler did not end within {self.timeout} seconds of"
                    " the close."
                ) from None
            self._task = None
            if self._error is not None:
                error, self._error = self._error, None
                raise error
