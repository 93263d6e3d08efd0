"""One module per framework, each exposing ``make(case) -> WSGIApp``, ``SUPPORTED``
and ``SERVER_SUPPORTED``.

``SUPPORTED`` names the cases of ``CASES`` a module implements, in ``CASES`` order; the
others are skipped for that framework (``-`` in the table). ``SERVER_SUPPORTED`` names
the cases of ``SERVER_CASES`` it implements: cases that only ``bench/server.py`` serves
(through ``bench/wsgi_apps.py``), which ``bench/wsgi_direct.py`` does not time. Every
module builds its cases idiomatically for its framework. The expected responses live in
``bench/wsgi_direct.py`` (and, for ``SERVER_CASES``, in ``bench/server.py``), which
check them before timing anything. What the apps share (data, paths, the secret key)
is defined here, once.
"""

import hashlib
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeAlias

Environ: TypeAlias = dict[str, Any]
StartResponse: TypeAlias = Callable[..., Callable[[bytes], None]]
WSGIApp: TypeAlias = Callable[[Environ, StartResponse], Iterable[bytes]]

CASES: tuple[str, ...] = (
    "hello",
    "json-params",
    "route-99",
    "template",
    "session",
    "static",
    "static-304",
    "blueprint",
)

# Served by bench/server.py only. mixed: one app with the template case's /page, the
# session case's /count and the static case's /static/file.bin, requested in turn.
SERVER_CASES: tuple[str, ...] = ("mixed",)

# route-99 registers /route0/<id> ... /route100/<id> and requests the last one.
ROUTE_COUNT = 101

BENCH_DIR = Path(__file__).resolve().parent.parent

# template: bench/templates/page.html extends base.html and loops over ROW_COUNT rows.
TEMPLATE_DIR = str(BENCH_DIR / "templates")
TEMPLATE_NAME = "page.html"
# The "&" must come out as "&amp;": the check that autoescaping is on.
PAGE_TITLE = "Rows & columns"
ROW_COUNT = 50


@dataclass(frozen=True)
class Row:
    id: int
    name: str


def make_rows() -> list[Row]:
    """The template's data; each app builds it once, when it is created."""
    return [Row(id=i, name=f"Row {i}") for i in range(1, ROW_COUNT + 1)]


# session: every framework signs its cookie with this key.
SECRET_KEY = "erlen-bench-secret-key"

# static, static-304: GET /static/file.bin is served from bench/static/.
STATIC_DIR = str(BENCH_DIR / "static")
STATIC_FILE = "file.bin"
STATIC_SIZE = 10240


def static_content() -> bytes:
    """What bench/static/file.bin holds: 320 SHA-256 digests, 10240 bytes."""
    return b"".join(
        hashlib.sha256(f"erlen bench {i}".encode()).digest() for i in range(STATIC_SIZE // 32)
    )
