"""Error pages: HTML in the site's layout for people, JSON under ``/api/`` for programs.

One handler for every ``HTTPException`` covers 400, 403, 404, 405, 413 and the
rest. An unhandled exception arrives as a 500 (``InternalServerError``), whose
handler first rolls back the database session. A refused CSRF token gets its own
page that says what to do.
"""

from __future__ import annotations

from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException, InternalServerError

from erlen import Erlen, render_template, request
from erlen.typing import ResponseReturnValue

from .models import db


def is_api_request() -> bool:
    """Whether the request is for the JSON API (also when no route matched)."""
    return request.path == "/api" or request.path.startswith("/api/")


def handle_http_error(error: HTTPException) -> ResponseReturnValue:
    """Render the error as a page, or as JSON for the API. The exception's own
    headers are kept (``Allow`` for a 405, ``WWW-Authenticate`` for a 401), all but
    its ``Content-Type``."""
    code = error.code or 500
    headers = [(k, v) for k, v in error.get_headers() if k.lower() != "content-type"]
    if is_api_request():
        return {"status": code, "error": error.name, "message": error.description}, code, headers
    return render_template("error.html", error=error, code=code), code, headers


def handle_server_error(error: InternalServerError) -> ResponseReturnValue:
    """A 500. The error may have come from the database (a failed commit), which
    leaves the session unusable until it is rolled back; the page's layout needs it
    (to load the logged-in user), so roll back first."""
    db.session.rollback()
    return handle_http_error(error)


def handle_csrf_error(error: CSRFError) -> ResponseReturnValue:
    """A form sent without a valid CSRF token: most often a page left open too long."""
    return render_template("csrf_error.html", reason=error.description), 400


def init_app(app: Erlen) -> None:
    """Install the error handlers on ``app``."""
    app.register_error_handler(HTTPException, handle_http_error)
    app.register_error_handler(InternalServerError, handle_server_error)
    app.register_error_handler(CSRFError, handle_csrf_error)
