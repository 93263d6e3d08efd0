"""``app.logger``: a standard logger named after the app, writing to the server's error
stream during a request."""

from __future__ import annotations

import logging
import sys
import typing as t

from werkzeug.local import LocalProxy

from . import globals as _globals

if t.TYPE_CHECKING:
    from .sansio.app import App


# Assigned, not imported (see erlen.globals): their methods are called per request.
_cv_request = _globals._cv_request

def _errors_stream() -> t.TextIO:
    ctx = _cv_request.get(None)
    if ctx is not None:
        return ctx.request.environ["wsgi.errors"]  # type: ignore[no-any-return]
    return sys.stderr


#: The request's ``wsgi.errors`` stream, or ``sys.stderr`` outside a request.
wsgi_errors_stream: t.TextIO = LocalProxy(_errors_stream)  # type: ignore[assignment]


def has_level_handler(logger: logging.Logger) -> bool:
    """Whether a handler on the logger or its ancestors takes the logger's level."""
    level = logger.getEffectiveLevel()
    current: logging.Logger | None = logger
    while current is not None:
        if any(handler.level <= level for handler in current.handlers):
            return True
        if not current.propagate:
            break
        current = current.parent
    return False


#: The handler erlen adds when logging is not configured.
default_handler = logging.StreamHandler(wsgi_errors_stream)
default_handler.setFormatter(
    logging.Formatter("[%(asctime)s] %(levelname)s in %(module)s: %(message)s")
)


def create_logger(app: App) -> logging.Logger:
    """The app's logger: DEBUG level in debug mode unless set, and a default handler
    unless logging already has one."""
    logger = logging.getLogger(app.name)
    if app.debug and not logger.level:
        logger.setLevel(logging.DEBUG)
    if not has_level_handler(logger):
        logger.addHandler(default_handler)
    return logger


if not t.TYPE_CHECKING:  # ``flask.logging``'s run-time names; see flask_module_names
    from ._internal import flask_module_names

    __getattr__, __dir__ = flask_module_names(
        globals(),
        {
            "request": ("erlen.globals", "request"),
        },
    )
