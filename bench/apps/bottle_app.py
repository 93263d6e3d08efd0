"""Bottle versions of the benchmark cases (str -> text/html, dict -> JSON, as Bottle defaults)."""

import bottle

from . import ROUTE_COUNT, WSGIApp


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
    else:
        raise ValueError(f"unknown case {case!r}")
    return app
