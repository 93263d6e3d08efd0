"""Bad client input is answered with its own 4xx wherever the app first reads it.

erlen answers an invalid query string (``?q=%zz``, ``?q=%ff``) with a 400 when
something reads ``request.args``. That something may be an ``after_request`` hook,
an error handler or an error page's template rather than the view; the answer
must still be the 400 with its message, once, and never a 500. After the 400,
the arguments read leniently, so the handlers that render it can use them.
"""

from __future__ import annotations

import typing as t

import pytest
from werkzeug.exceptions import HTTPException

from erlen import Erlen, Response, render_template_string, request

BAD_QUERIES = ["q=%zz", "q=%ff", "debug=%", "a=1&q=%e2%82"]


def client_for(app: Erlen, general: bool) -> t.Any:
    if general:
        app._inline_cycle = False
    return app.test_client()


@pytest.fixture(params=[False, True], ids=["inlined", "general"])
def general(request: pytest.FixtureRequest) -> bool:
    return bool(request.param)


@pytest.mark.parametrize("query", BAD_QUERIES)
def test_after_request_hook_reading_args_gives_400(general: bool, query: str) -> None:
    app = Erlen(__name__)
    seen: list[str] = []

    @app.route("/")
    def index() -> str:
        return "view"

    @app.after_request
    def log_args(response: Response) -> Response:
        seen.append(repr(request.args.get("q")))
        return response

    response = client_for(app, general).get(f"/?{query}")
    assert response.status_code == 400
    assert b"query string" in response.data
    # The hook ran for the view's response (raising), then for the 400 (reading).
    assert len(seen) == 1


@pytest.mark.parametrize("query", BAD_QUERIES)
def test_404_handler_reading_args_gives_400(general: bool, query: str) -> None:
    app = Erlen(__name__)

    @app.errorhandler(404)
    def not_found(e: HTTPException) -> tuple[str, int]:
        return f"missing, q={request.args.get('q')}", 404

    response = client_for(app, general).get(f"/nowhere?{query}")
    assert response.status_code == 400
    assert b"query string" in response.data


def test_400_handler_sees_the_arguments_it_can_read(general: bool) -> None:
    app = Erlen(__name__)

    @app.route("/")
    def index() -> str:
        return request.args["q"]

    @app.errorhandler(400)
    def bad_request(e: HTTPException) -> tuple[str, int]:
        return f"{e.description} | q={request.args.get('q')!r} n={request.args.get('n')}", 400

    response = client_for(app, general).get("/?n=7&q=%zz")
    assert response.status_code == 400
    text = response.get_data(as_text=True)
    assert "percent-escape" in text
    assert "q='%zz' n=7" in text


def test_error_page_template_reading_args_gives_400(general: bool) -> None:
    app = Erlen(__name__)
    page = "<h1>{{ code }}</h1><p>{{ request.args.get('q') }}</p>"

    @app.errorhandler(404)
    def not_found(e: HTTPException) -> tuple[str, int]:
        return render_template_string(page, code=404), 404

    @app.errorhandler(400)
    def bad_request(e: HTTPException) -> tuple[str, int]:
        return render_template_string(page, code=400), 400

    response = client_for(app, general).get("/nowhere?q=%ff")
    assert response.status_code == 400
    assert response.get_data(as_text=True) == "<h1>400</h1><p>\ufffd</p>"


def test_before_request_hook_reading_args_gives_400_and_skips_the_view(general: bool) -> None:
    app = Erlen(__name__)
    ran: list[str] = []

    @app.before_request
    def read() -> None:
        request.args.get("q")

    @app.route("/")
    def index() -> str:
        ran.append("view")
        return "view"

    response = client_for(app, general).get("/?q=%zz")
    assert response.status_code == 400
    assert ran == []


def test_500_handler_reading_args_gives_400_not_a_crash(general: bool) -> None:
    app = Erlen(__name__)

    @app.route("/")
    def index() -> str:
        raise RuntimeError("boom")

    @app.errorhandler(500)
    def server_error(e: HTTPException) -> tuple[str, int]:
        return f"failed for q={request.args.get('q')}", 500

    response = client_for(app, general).get("/?q=%zz")
    assert response.status_code == 400


def test_the_400_is_raised_once_then_arguments_read_leniently() -> None:
    app = Erlen(__name__)
    with app.test_request_context("/?a=%zz&b=%ff&c=ok"):
        with pytest.raises(HTTPException) as info:
            request.args  # noqa: B018
        assert info.value.code == 400
        assert request.args.to_dict() == {"a": "%zz", "b": "\ufffd", "c": "ok"}


def test_a_good_query_string_is_unaffected(general: bool) -> None:
    app = Erlen(__name__)

    @app.route("/")
    def index() -> str:
        return "view"

    @app.after_request
    def echo(response: Response) -> Response:
        response.headers["X-Q"] = request.args.get("q", "")
        return response

    response = client_for(app, general).get("/?q=caf%C3%A9%20ok")
    assert response.status_code == 200
    assert response.headers["X-Q"] == "café ok"


def test_teardown_is_told_nothing_failed_in_the_app() -> None:
    app = Erlen(__name__)
    errors: list[BaseException | None] = []

    @app.route("/")
    def index() -> str:
        return "view"

    @app.after_request
    def read(response: Response) -> Response:
        request.args.get("q")
        return response

    @app.teardown_request
    def teardown(exc: BaseException | None) -> None:
        errors.append(exc)

    assert app.test_client().get("/?q=%zz").status_code == 400
    assert errors == [None]


def test_a_400_handler_that_fails_gives_the_apps_500_not_an_escaped_error(
    general: bool,
) -> None:
    app = Erlen(__name__)

    @app.route("/")
    def index() -> str:
        return "view"

    @app.after_request
    def read(response: Response) -> Response:
        request.args.get("q")
        return response

    @app.errorhandler(400)
    def broken(e: HTTPException) -> str:
        raise RuntimeError("the 400 page is broken")

    @app.errorhandler(500)
    def server_error(e: HTTPException) -> tuple[str, int]:
        return "custom 500", 500

    response = client_for(app, general).get("/?q=%zz")
    assert response.status_code == 500
    assert response.data == b"custom 500"
