"""Falcon versions of the benchmark cases.

Falcon's default media type is JSON, so the text cases set ``text/plain`` on the
response, which is how a Falcon app would serve plain text. Falcon has no
templating and no sessions, so ``template`` and ``session`` are not implemented.
"""

from typing import Any

import falcon

from . import ROUTE_COUNT, STATIC_DIR, WSGIApp

SUPPORTED: tuple[str, ...] = (
    "hello",
    "json-params",
    "route-99",
    "static",
    "static-304",
    "blueprint",
)
# Not mixed: it needs a template and a session (bench/server.py leaves Falcon out).
SERVER_SUPPORTED: tuple[str, ...] = ()


class HelloResource:
    def on_get(self, req: falcon.Request, resp: falcon.Response) -> None:
        resp.content_type = falcon.MEDIA_TEXT
        resp.text = "Hello, World!"


class UserPostResource:
    def on_get(
        self, req: falcon.Request, resp: falcon.Response, user_id: int, post_id: int
    ) -> None:
        resp.media = {"user": user_id, "post": post_id}


class NumberedResource:
    def __init__(self, index: int) -> None:
        self.index = index

    def on_get(self, req: falcon.Request, resp: falcon.Response, id: str) -> None:
        resp.content_type = falcon.MEDIA_TEXT
        resp.text = f"route{self.index}:{id}"


# blueprint: Falcon has no blueprints. The three levels of Flask's before_request
# hooks become app-wide middleware (app level) and two class-level @falcon.before
# hooks (the api and v1 levels), each setting a flag on req.context.


class MarkApp:
    def process_request(self, req: falcon.Request, resp: falcon.Response) -> None:
        req.context.level_app = True


def _mark_api(
    req: falcon.Request, resp: falcon.Response, resource: object, params: dict[str, Any]
) -> None:
    req.context.level_api = True


def _mark_v1(
    req: falcon.Request, resp: falcon.Response, resource: object, params: dict[str, Any]
) -> None:
    req.context.level_v1 = True


@falcon.before(_mark_api)
@falcon.before(_mark_v1)
class ItemResource:
    def on_get(self, req: falcon.Request, resp: falcon.Response, item_id: int) -> None:
        ctx = req.context
        resp.content_type = falcon.MEDIA_TEXT
        if ctx.level_app and ctx.level_api and ctx.level_v1:
            resp.text = f"item {item_id}"
        else:
            resp.text = "a hook did not run"


def make(case: str) -> WSGIApp:
    app = falcon.App(middleware=[MarkApp()]) if case == "blueprint" else falcon.App()
    if case == "hello":
        app.add_route("/", HelloResource())
    elif case == "json-params":
        app.add_route("/users/{user_id:int}/posts/{post_id:int}", UserPostResource())
    elif case == "route-99":
        for index in range(ROUTE_COUNT):
            app.add_route(f"/route{index}/{{id}}", NumberedResource(index))
    elif case in ("static", "static-304"):
        app.add_static_route("/static", STATIC_DIR)
    elif case == "blueprint":
        app.add_route("/api/v1/items/{item_id:int}", ItemResource())
    else:
        raise ValueError(f"unknown case {case!r}")
    return app
