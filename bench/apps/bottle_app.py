"""Bottle versions of the benchmark cases (str -> text/html, dict -> JSON, as Bottle defaults).

``template`` uses Bottle's own SimpleTemplate engine (``bottle.view``, the page written
as ``bench/templates/page.tpl``) with ``TEMPLATE_PATH``, and
``session`` uses Bottle's signed cookies. ``static``, ``static-304`` and ``blueprint``
are not implemented: Bottle has no built-in static route (one writes a view that calls
``static_file``) and no blueprints (the nearest thing, sub-apps mounted with
``Bottle.mount``, is a different mechanism). ``mixed``, which only ``bench/server.py``
serves, has the ``template`` and ``session`` routes and such a view:
``/static/<filename:path>`` calling ``bottle.static_file`` with ``bench/static`` as root.
"""

from typing import Any

import bottle

from . import (
    PAGE_TITLE,
    ROUTE_COUNT,
    SECRET_KEY,
    STATIC_DIR,
    TEMPLATE_DIR,
    WSGIApp,
    make_rows,
)

SUPPORTED: tuple[str, ...] = ("hello", "json-params", "route-99", "template", "session")
# mixed (bench/server.py only): the template and session routes and a static_file view.
SERVER_SUPPORTED: tuple[str, ...] = ("mixed",)

# Bottle's own engine, SimpleTemplate: the same page as page.html in its syntax
# (bench/templates/page.tpl extends base.tpl); {{ }} escapes HTML, as autoescaping does.
SIMPLE_TEMPLATE_NAME = "page.tpl"


def _add_numbered_route(app: bottle.Bottle, index: int) -> None:
    @app.get(f"/route{index}/<id>")
    def view(id: str) -> str:
        return f"route{index}:{id}"


def _add_page(app: bottle.Bottle) -> None:
    if TEMPLATE_DIR not in bottle.TEMPLATE_PATH:
        bottle.TEMPLATE_PATH.insert(0, TEMPLATE_DIR)
    rows = make_rows()

    @app.get("/page")
    @bottle.view(SIMPLE_TEMPLATE_NAME)
    def page() -> dict[str, Any]:
        return {"title": PAGE_TITLE, "rows": rows}


def _add_counter(app: bottle.Bottle) -> None:
    @app.get("/count")
    def count() -> str:
        n = int(bottle.request.get_cookie("n", "0", secret=SECRET_KEY)) + 1
        bottle.response.set_cookie("n", str(n), secret=SECRET_KEY)
        return str(n)


def _add_static(app: bottle.Bottle) -> None:
    @app.get("/static/<filename:path>")
    def static(filename: str) -> bottle.HTTPResponse:
        return bottle.static_file(filename, root=STATIC_DIR)


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
        _add_page(app)
    elif case == "session":
        _add_counter(app)
    elif case == "mixed":
        _add_page(app)
        _add_counter(app)
        _add_static(app)
    else:
        raise ValueError(f"unknown case {case!r}")
    return app
