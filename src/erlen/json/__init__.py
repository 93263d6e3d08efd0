"""JSON helpers that use the current app's provider (``app.json``) when there is one."""

from __future__ import annotations

import json as _json
import typing as t

from .. import globals as _globals
from ..globals import current_app
from .provider import _default

if t.TYPE_CHECKING:
    from ..wrappers import Response


# Assigned, not imported (see erlen.globals): their methods are called per request.
_cv_app = _globals._cv_app

def dumps(obj: t.Any, **kwargs: t.Any) -> str:
    """Serialize to a JSON string, with the app's settings inside an app context."""
    app_ctx = _cv_app.get(None)
    if app_ctx is not None:
        return app_ctx.app.json.dumps(obj, **kwargs)
    kwargs.setdefault("default", _default)
    return _json.dumps(obj, **kwargs)


def dump(obj: t.Any, fp: t.IO[str], **kwargs: t.Any) -> None:
    """Serialize to JSON and write it to a text file."""
    app_ctx = _cv_app.get(None)
    if app_ctx is not None:
        app_ctx.app.json.dump(obj, fp, **kwargs)
        return
    kwargs.setdefault("default", _default)
    _json.dump(obj, fp, **kwargs)


def loads(s: str | bytes, **kwargs: t.Any) -> t.Any:
    """Parse a JSON string or bytes."""
    app_ctx = _cv_app.get(None)
    if app_ctx is not None:
        return app_ctx.app.json.loads(s, **kwargs)
    return _json.loads(s, **kwargs)


def load(fp: t.IO[t.AnyStr], **kwargs: t.Any) -> t.Any:
    """Parse JSON read from a file."""
    app_ctx = _cv_app.get(None)
    if app_ctx is not None:
        return app_ctx.app.json.load(fp, **kwargs)
    return _json.load(fp, **kwargs)


def jsonify(*args: t.Any, **kwargs: t.Any) -> Response:
    """A JSON response of the arguments: one value as is, several as a list, keywords as
    a dict. Needs an app context."""
    return current_app.json.response(*args, **kwargs)  # type: ignore[return-value]
