"""The ``hello`` app of each framework (and of ``bare``, a plain WSGI function) as a
module-level WSGI callable, for real servers.

    granian --interface wsgi --workers 1 wsgi_apps:erlen_app
    gunicorn --workers 1 --worker-class sync wsgi_apps:flask_app

Run the server with ``bench/`` as the working directory (or on ``PYTHONPATH``), so
that this module and the ``apps`` package can be imported. ``bench/server.py`` does
that for you.

The attributes are built lazily, on first access (PEP 562 ``__getattr__``): a server
that asks for ``falcon_app`` imports Falcon and nothing else, so no server process
carries another framework's modules. The case served is ``hello`` unless the
environment variable ``ERLEN_BENCH_CASE`` names another one: a case of the framework's
``SUPPORTED`` or ``SERVER_SUPPORTED`` (``mixed``, which ``bench/server.py --case mixed``
serves).
"""

from __future__ import annotations

import importlib
import os
import sys
from pathlib import Path
from typing import Any

BENCH_DIR = Path(__file__).resolve().parent
SRC_DIR = BENCH_DIR.parent / "src"
# Same arrangement as wsgi_direct.py: bench/ first (for `apps`), then the working
# tree's src/, so an uninstalled checkout of erlen is served too.
if str(SRC_DIR) not in sys.path:
    sys.path.insert(0, str(SRC_DIR))
if str(BENCH_DIR) not in sys.path:
    sys.path.insert(0, str(BENCH_DIR))

FRAMEWORKS: tuple[str, ...] = ("erlen", "flask", "falcon", "bottle", "bare")
CASE = os.environ.get("ERLEN_BENCH_CASE", "hello")

APP_NAMES: tuple[str, ...] = tuple(f"{name}_app" for name in FRAMEWORKS)

_built: dict[str, Any] = {}


def build(framework: str, case: str = CASE) -> Any:
    """Build ``framework``'s app for ``case`` from ``apps/<framework>_app.py``."""
    if framework not in FRAMEWORKS:
        raise ValueError(f"unknown framework {framework!r}; expected one of {FRAMEWORKS}")
    module = importlib.import_module(f"apps.{framework}_app")
    if case not in module.SUPPORTED and case not in module.SERVER_SUPPORTED:
        raise ValueError(f"{framework} does not implement case {case!r}")
    return module.make(case)


def __getattr__(name: str) -> Any:
    if name in APP_NAMES:
        if name not in _built:
            _built[name] = build(name.removesuffix("_app"))
        return _built[name]
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted([*globals(), *APP_NAMES])
