"""``erlen run`` for an app with WebSocket routes: uvicorn instead of Werkzeug's server.

WebSockets need an ASGI server, so an app that has WebSocket rules is served by
uvicorn (``pip install 'erlen[asgi]'``). The rest of the development server stays
Werkzeug's: its reloader restarts the process when code changes, and with the
debugger on, HTTP requests go through Werkzeug's interactive debugger (a WSGI
middleware on ``app.wsgi_app``, which the ASGI adapter runs in a worker thread)
while WebSockets are served natively.
"""

from __future__ import annotations

import typing as t

import click

if t.TYPE_CHECKING:
    from .app import Erlen


def has_websocket_routes(app: t.Any) -> bool:
    """Whether ``app`` is an erlen app with at least one WebSocket rule."""
    url_map = getattr(app, "url_map", None)
    if url_map is None or not hasattr(app, "asgi_app"):
        return False
    return any(getattr(rule, "websocket", False) for rule in url_map.iter_rules())


def serve(
    app: Erlen,
    host: str,
    port: int,
    *,
    reload: bool,
    debugger: bool,
    cert: t.Any,
    extra_files: list[str] | None,
    exclude_patterns: list[str] | None,
) -> None:
    """Serve ``app`` with uvicorn, restarted by Werkzeug's reloader when ``reload``."""
    try:
        import uvicorn
    except ImportError:
        raise click.ClickException(
            "This app has WebSocket routes, which need an ASGI server: install uvicorn"
            " (pip install 'erlen[asgi]', or pip install uvicorn), or serve the app with"
            " another ASGI server (hypercorn module:app)."
        ) from None
    ssl: dict[str, t.Any] = {}
    if isinstance(cert, tuple):
        ssl = {"ssl_certfile": cert[0], "ssl_keyfile": cert[1]}
    elif cert is not None:
        raise click.BadParameter(
            "An app with WebSocket routes is served by uvicorn, which takes a certificate"
            " file and '--key', not 'adhoc' or an SSLContext.",
            param_hint="'--cert'",
        )
    if debugger:
        from werkzeug.debug import DebuggedApplication

        app.wsgi_app = DebuggedApplication(app.wsgi_app, evalex=True)  # type: ignore[method-assign,assignment]

    def run() -> None:
        uvicorn.run(app, host=host, port=port, log_level="info", **ssl)

    if reload:
        from werkzeug._reloader import run_with_reloader

        run_with_reloader(run, extra_files=extra_files, exclude_patterns=exclude_patterns)
    else:
        run()
