"""One module per framework, each exposing ``make(case) -> WSGIApp``.

Every module builds the same three cases idiomatically for its framework; the
expected responses live in ``bench/wsgi_direct.py``, which checks them before
timing anything.
"""

from collections.abc import Callable, Iterable
from typing import Any, TypeAlias

Environ: TypeAlias = dict[str, Any]
StartResponse: TypeAlias = Callable[..., Callable[[bytes], None]]
WSGIApp: TypeAlias = Callable[[Environ, StartResponse], Iterable[bytes]]

CASES: tuple[str, ...] = ("hello", "json-params", "route-99")

# route-99 registers /route0/<id> ... /route100/<id> and requests the last one.
ROUTE_COUNT = 101
