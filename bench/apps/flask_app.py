"""Flask versions of the benchmark cases.

erlen_app.py must stay identical to this file apart from the import line, so the
two frameworks run exactly the same application code.
"""

from flask import Flask as App

from . import ROUTE_COUNT, WSGIApp


def _add_numbered_route(app: App, index: int) -> None:
    @app.route(f"/route{index}/<id>", endpoint=f"route{index}")
    def view(id: str) -> str:
        return f"route{index}:{id}"


def make(case: str) -> WSGIApp:
    app = App(__name__)
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
    else:
        raise ValueError(f"unknown case {case!r}")
    return app
