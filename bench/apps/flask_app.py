"""Flask versions of the benchmark cases.

erlen_app.py must stay identical to this file apart from the imports of the
framework, so the two frameworks run exactly the same application code.
"""

from flask import Blueprint, g, render_template, session
from flask import Flask as App

from . import (
    CASES,
    PAGE_TITLE,
    ROUTE_COUNT,
    SECRET_KEY,
    SERVER_CASES,
    STATIC_DIR,
    TEMPLATE_DIR,
    TEMPLATE_NAME,
    WSGIApp,
    make_rows,
)

SUPPORTED: tuple[str, ...] = CASES
# mixed (bench/server.py only): the template, session and static cases in one app.
SERVER_SUPPORTED: tuple[str, ...] = SERVER_CASES


def _add_numbered_route(app: App, index: int) -> None:
    @app.route(f"/route{index}/<id>", endpoint=f"route{index}")
    def view(id: str) -> str:
        return f"route{index}:{id}"


def _mark_app() -> None:
    g.level_app = True


def _mark_api() -> None:
    g.level_api = True


def _mark_v1() -> None:
    g.level_v1 = True


def _add_nested_blueprints(app: App) -> None:
    api = Blueprint("api", __name__, url_prefix="/api")
    v1 = Blueprint("v1", __name__, url_prefix="/v1")
    app.before_request(_mark_app)
    api.before_request(_mark_api)
    v1.before_request(_mark_v1)

    @v1.route("/items/<int:item_id>")
    def item(item_id: int) -> str:
        if g.level_app and g.level_api and g.level_v1:
            return f"item {item_id}"
        return "a before_request hook did not run"

    api.register_blueprint(v1)
    app.register_blueprint(api)


def _add_page(app: App) -> None:
    rows = make_rows()

    @app.route("/page")
    def page() -> str:
        return render_template(TEMPLATE_NAME, title=PAGE_TITLE, rows=rows)


def _add_counter(app: App) -> None:
    app.secret_key = SECRET_KEY

    @app.route("/count")
    def count() -> str:
        session["n"] = session.get("n", 0) + 1
        return str(session["n"])


def make(case: str) -> WSGIApp:
    # The static route (/static/<path:filename>) exists in every case, as in any app.
    app = App(__name__, template_folder=TEMPLATE_DIR, static_folder=STATIC_DIR)
    if case == "hello":

        @app.route("/")
        def hello() -> str:
            return "Hello, World!"

    elif case == "json-params":

        @app.route("/users/<int:user_id>/posts/<int:post_id>")
        def user_post(user_id: int, post_id: int) -> dict[str, int]:
            return {"user": user_id, "post": post_id}

    elif case == "route-99":
        for index in range(ROUTE_COUNT):
            _add_numbered_route(app, index)
    elif case == "template":
        _add_page(app)
    elif case == "session":
        _add_counter(app)
    elif case in ("static", "static-304"):
        pass  # served by the built-in static route
    elif case == "blueprint":
        _add_nested_blueprints(app)
    elif case == "mixed":
        # /page, /count and the built-in static route, in one app.
        _add_page(app)
        _add_counter(app)
    else:
        raise ValueError(f"unknown case {case!r}")
    return app
