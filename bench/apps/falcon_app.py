"""Falcon versions of the benchmark cases.

Falcon's default media type is JSON, so the text cases set ``text/plain`` on the
response, which is how a Falcon app would serve plain text.
"""

import falcon

from . import ROUTE_COUNT, WSGIApp


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


def make(case: str) -> WSGIApp:
    app = falcon.App()
    if case == "hello":
        app.add_route("/", HelloResource())
    elif case == "json-params":
        app.add_route("/users/{user_id:int}/posts/{post_id:int}", UserPostResource())
    elif case == "route-99":
        for index in range(ROUTE_COUNT):
            app.add_route(f"/route{index}/{{id}}", NumberedResource(index))
    else:
        raise ValueError(f"unknown case {case!r}")
    return app
