"""Tests for message flashing: ``flash`` stores messages in the session and
``get_flashed_messages`` takes them out once, with categories and filters."""

from __future__ import annotations

from typing import Any

import flask
import pytest
from markupsafe import Markup

from erlen import (
    Erlen,
    flash,
    get_flashed_messages,
    message_flashed,
    redirect,
    session,
    url_for,
)

KEY = "flash secret"


@pytest.fixture
def app() -> Erlen:
    app = Erlen(__name__)
    app.config.update(SECRET_KEY=KEY, TESTING=True)

    @app.route("/flash/<category>/<message>")
    def flash_one(category: str, message: str) -> str:
        flash(message, category)
        return "flashed"

    @app.route("/flash-and-redirect/<message>")
    def flash_and_redirect(message: str) -> Any:
        flash(message)
        return redirect(url_for("show"))

    @app.route("/show")
    def show() -> str:
        return "|".join(get_flashed_messages())

    @app.route("/show-categories")
    def show_categories() -> str:
        return "|".join(f"{c}:{m}" for c, m in get_flashed_messages(with_categories=True))

    return app


def test_flashed_message_survives_a_redirect_and_is_shown_once(app: Erlen) -> None:
    client = app.test_client()
    response = client.get("/flash-and-redirect/hello")
    assert response.status_code == 302
    assert response.headers.getlist("Set-Cookie")
    assert client.get("/show").text == "hello"
    assert client.get("/show").text == ""


def test_following_the_redirect_shows_the_message(app: Erlen) -> None:
    client = app.test_client()
    response = client.get("/flash-and-redirect/hi there", follow_redirects=True)
    assert response.status_code == 200
    assert response.text == "hi there"
    assert client.get("/show").text == ""


def test_messages_keep_their_order(app: Erlen) -> None:
    client = app.test_client()
    client.get("/flash/message/one")
    client.get("/flash/message/two")
    client.get("/flash/message/three")
    assert client.get("/show").text == "one|two|three"


def test_no_messages_is_an_empty_list(app: Erlen) -> None:
    results: list[Any] = []

    @app.route("/empty")
    def empty() -> str:
        results.append(get_flashed_messages())
        results.append(get_flashed_messages(with_categories=True))
        return ""

    response = app.test_client().get("/empty")
    assert results == [[], []]
    assert response.headers.getlist("Set-Cookie") == []


def test_reading_twice_in_one_request_returns_the_same_messages(app: Erlen) -> None:
    results: list[Any] = []

    @app.route("/twice")
    def twice() -> str:
        results.append(get_flashed_messages())
        results.append(get_flashed_messages())
        results.append(get_flashed_messages(with_categories=True))
        return ""

    client = app.test_client()
    client.get("/flash/info/a")
    client.get("/flash/error/b")
    client.get("/twice")
    assert results == [["a", "b"], ["a", "b"], [("info", "a"), ("error", "b")]]
    assert client.get("/show").text == ""


def test_flash_and_read_in_the_same_request(app: Erlen) -> None:
    results: list[Any] = []

    @app.route("/same")
    def same() -> str:
        flash("now")
        results.append(get_flashed_messages())
        return ""

    client = app.test_client()
    client.get("/same")
    assert results == [["now"]]
    assert client.get("/show").text == ""


def test_flash_after_reading_is_kept_for_the_next_request(app: Erlen) -> None:
    results: list[Any] = []

    @app.route("/read-then-flash")
    def read_then_flash() -> str:
        results.append(get_flashed_messages())
        flash("later")
        results.append(get_flashed_messages())
        return ""

    client = app.test_client()
    client.get("/flash/message/first")
    client.get("/read-then-flash")
    assert results == [["first"], ["first"]]
    assert client.get("/show").text == "later"


def test_default_category_is_message(app: Erlen) -> None:
    client = app.test_client()
    client.get("/flash-and-redirect/plain")
    assert client.get("/show-categories").text == "message:plain"


def test_with_categories_returns_category_message_pairs(app: Erlen) -> None:
    results: list[Any] = []

    @app.route("/pairs")
    def pairs() -> str:
        results.append(get_flashed_messages(with_categories=True))
        return ""

    client = app.test_client()
    client.get("/flash/error/broken")
    client.get("/flash/info/note")
    client.get("/pairs")
    assert results == [[("error", "broken"), ("info", "note")]]
    assert all(isinstance(item, tuple) for item in results[0])


def test_category_filter(app: Erlen) -> None:
    results: dict[str, Any] = {}

    @app.route("/filtered")
    def filtered() -> str:
        results["errors"] = get_flashed_messages(category_filter=["error"])
        results["errors_and_warnings"] = get_flashed_messages(
            with_categories=True, category_filter=("error", "warning")
        )
        results["none_match"] = get_flashed_messages(category_filter=["missing"])
        results["all"] = get_flashed_messages()
        return ""

    client = app.test_client()
    for category, message in [
        ("error", "e1"),
        ("info", "i1"),
        ("warning", "w1"),
        ("error", "e2"),
    ]:
        client.get(f"/flash/{category}/{message}")
    client.get("/filtered")
    assert results == {
        "errors": ["e1", "e2"],
        "errors_and_warnings": [("error", "e1"), ("warning", "w1"), ("error", "e2")],
        "none_match": [],
        "all": ["e1", "i1", "w1", "e2"],
    }


def test_filtering_still_consumes_all_messages(app: Erlen) -> None:
    @app.route("/only-errors")
    def only_errors() -> str:
        return "|".join(get_flashed_messages(category_filter=["error"]))

    client = app.test_client()
    client.get("/flash/error/bad")
    client.get("/flash/info/fyi")
    assert client.get("/only-errors").text == "bad"
    assert client.get("/show").text == ""


def test_markup_messages_stay_markup(app: Erlen) -> None:
    results: list[Any] = []

    @app.route("/flash-markup")
    def flash_markup() -> str:
        flash(Markup("<b>bold</b>"), "html")
        return ""

    @app.route("/read")
    def read() -> str:
        results.extend(get_flashed_messages(with_categories=True))
        return ""

    client = app.test_client()
    client.get("/flash-markup")
    client.get("/read")
    assert results == [("html", Markup("<b>bold</b>"))]
    assert isinstance(results[0][1], Markup)


def test_flash_keeps_other_session_values(app: Erlen) -> None:
    @app.route("/login")
    def login() -> str:
        session["user"] = "alice"
        flash("welcome")
        return ""

    @app.route("/user")
    def user() -> str:
        return str(session.get("user"))

    client = app.test_client()
    client.get("/login")
    assert client.get("/show").text == "welcome"
    assert client.get("/user").text == "alice"
    assert client.get("/show").text == ""


def test_reading_the_last_messages_removes_them_from_the_cookie(app: Erlen) -> None:
    client = app.test_client()
    client.get("/flash/message/only")
    assert client.get_cookie("session") is not None
    response = client.get("/show")
    assert response.text == "only"
    # The session is now empty, so the cookie is deleted.
    assert client.get_cookie("session") is None
    assert any("Max-Age=0" in h for h in response.headers.getlist("Set-Cookie"))


def test_flashes_set_with_session_transaction_are_shown(app: Erlen) -> None:
    client = app.test_client()
    client.get("/flash/warning/from-request")
    with client.session_transaction() as sess:
        assert sess["_flashes"] == [("warning", "from-request")]
    assert client.get("/show-categories").text == "warning:from-request"


def test_message_flashed_signal(app: Erlen) -> None:
    received: list[tuple[Any, dict[str, Any]]] = []

    def receiver(sender: Any, **extra: Any) -> None:
        received.append((sender, extra))

    client = app.test_client()
    with message_flashed.connected_to(receiver, app):
        client.get("/flash/error/oops")
        client.get("/flash-and-redirect/plain")
    client.get("/flash/info/not-recorded")
    assert received == [
        (app, {"message": "oops", "category": "error"}),
        (app, {"message": "plain", "category": "message"}),
    ]


def test_message_flashed_signal_for_other_app_not_received(app: Erlen) -> None:
    other = Erlen("other")
    received: list[Any] = []
    with message_flashed.connected_to(lambda sender, **kw: received.append(kw), other):
        app.test_client().get("/flash/info/x")
    assert received == []


def test_flash_without_secret_key_raises(app: Erlen) -> None:
    app.config["SECRET_KEY"] = None
    with pytest.raises(RuntimeError, match="secret key"):
        app.test_client().get("/flash/error/no-key")


def test_get_flashed_messages_without_secret_key_is_empty(app: Erlen) -> None:
    app.config["SECRET_KEY"] = None
    response = app.test_client().get("/show")
    assert response.status_code == 200
    assert response.text == ""


def test_flash_in_test_request_context(app: Erlen) -> None:
    with app.test_request_context():
        flash("direct", "info")
        assert session["_flashes"] == [("info", "direct")]
        assert get_flashed_messages(with_categories=True) == [("info", "direct")]
        assert "_flashes" not in session


def test_flashes_written_by_flask_are_read(app: Erlen) -> None:
    flask_app = flask.Flask("flask_flashing")
    flask_app.config["SECRET_KEY"] = KEY

    @flask_app.route("/")
    def flash_in_flask() -> str:
        flask.flash("from flask", "info")
        flask.flash("second")
        return ""

    flask_client = flask_app.test_client()
    flask_client.get("/")
    cookie = flask_client.get_cookie("session")
    assert cookie is not None
    client = app.test_client()
    client.set_cookie("session", cookie.value)
    assert client.get("/show-categories").text == "info:from flask|message:second"
