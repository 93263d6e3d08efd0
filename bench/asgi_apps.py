"""Each ASGI framework's app from ``asgi_direct.py`` as a module-level callable, for servers.

    uvicorn --workers 1 --loop uvloop --http httptools --no-access-log --lifespan on \\
        asgi_apps:erlen_app
    granian --interface asgi --workers 1 --loop uvloop asgi_apps:starlette_app

Run the server with ``bench/`` as the working directory (or on ``PYTHONPATH``).
``bench/server.py --interface asgi`` does that for you.

The apps are ``asgi_direct.py``'s, unchanged: ``GET /`` answers ``Hello, World!`` from
an ``async def`` view (erlen, Starlette, Quart), an async responder (Falcon) or a plain
ASGI function (``bare``), and each app also has the JSON, 100-route and WebSocket routes
that script measures. ``erlen_app`` is the ``Erlen`` object itself, the same one that
serves WSGI, with no wrapper. Every app, ``bare`` included, answers the lifespan protocol.

The attributes are built on first access (PEP 562 ``__getattr__``), so a server that
asks for ``falcon_app`` imports Falcon and no other framework.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

BENCH_DIR = Path(__file__).resolve().parent
if str(BENCH_DIR) not in sys.path:
    sys.path.insert(0, str(BENCH_DIR))

# asgi_direct imports only the standard library at module level (and puts src/ first on
# sys.path, so the working tree's erlen is the one served).
from asgi_direct import BUILDERS  # noqa: E402

FRAMEWORKS: tuple[str, ...] = tuple(BUILDERS)
APP_NAMES: tuple[str, ...] = tuple(f"{name}_app" for name in FRAMEWORKS)

_built: dict[str, Any] = {}


def __getattr__(name: str) -> Any:
    if name in APP_NAMES:
        if name not in _built:
            _built[name] = BUILDERS[name.removesuffix("_app")]()
        return _built[name]
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted([*globals(), *APP_NAMES])
