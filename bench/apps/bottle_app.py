"""Bottle versions of the benchmark cases (str -> text/html, dict -> JSON, as Bottle defaults).

``template`` uses Bottle's Jinja2 adapter (``jinja2_view``) with ``TEMPLATE_PATH``, and
``session`` uses Bottle's signed cookies. ``static``, ``static-304`` and ``blueprint``
are not implemented: Bottle has no built-in static route (one writes a view that calls
``static_file``) and no blueprints (the nearest thing, sub-apps mounted with
``Bottle.mount``, is a different mechanism).
"""

from typing import Any

import bottle

from . import (
    PAGE_TITLE,
    ROUTE_COUNT,
    SECRET_KEY,
    TEMPLATE_DIR,
    TEMPLATE_NAME,
    WSGIApp,
    make_rows,
)

SUPPORTED: tuple[str, ...] = ("hello", "json-params", "route-99", "template", "session")

# Passed to jinja2.Environment. Flask autoescapes .html templates, and outside debug
# mode it does not reload them. Bottle's Jinja2 loader reports every template as out
# of date, so with Jinja's default auto_reload=True the parent template would be read
# and compiled again on every render.
JINJA2_SETTINGS: dict[str, Any] = {"autoescape": True, "auto_reload": False}


def _add_numbered_route(app: bottle.Bottle, index: int) -> None:
    @app.get(f"/route{index}/<id>")
    def view(id: str) -> str:
        return f"route{index}:{id}"


def make(case: str) -> WSGIApp:
    app = bottle.Bottle()
    if case == "hello":

        @app.get("/")
        def hello() -> str:
            return "Hello, World!"

    elif case == "json-params":

        @app.get("/users/<user_id:int>/posts/<post_id:int>")
        def user_post(user_id: int, post_id: int) -> dict[str, int]:
            return {"user": user_id, "post": post_id}

    elif case == "route-99":
        for index in range(ROUTE_COUNT):
            _add_numbered_route(app, index)
    elif case == "template":
        if TEMPLATE_DIR not in bottle.TEMPLATE_PATH:
            bottle.TEMPLATE_PATH.insert(0, TEMPLATE_DIR)
        rows = make_rows()

        @app.get("/page")
        @bottle.jinja2_view(TEMPLATE_NAME, template_settings=JINJA2_SETTINGS)
        def page() -> dict[str, Any]:
            return {"title": PAGE_TITLE, "rows": rows}

    elif case == "session":

        @app.get("/count")
        def count() -> str:
            n = int(bottle.request.get_cookie("n", "0", secret=SECRET_KEY)) + 1
            bottle.response.set_cookie("n", str(n), secret=SECRET_KEY)
            return str(n)

    else:
        raise ValueError(f"unknown case {case!r}")
    return app
