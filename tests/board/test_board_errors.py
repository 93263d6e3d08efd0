"""The board's error pages and CSRF protection."""

from __future__ import annotations

from collections.abc import Callable

from board.models import Post, db
from board_helpers import Visitor

from erlen import Erlen

LAYOUT = '<header class="site">'


def test_a_missing_csrf_token_is_refused_with_a_clear_page(
    app: Erlen, visitor: Callable[[], Visitor]
) -> None:
    person = visitor()
    response = person.client.post(
        "/auth/register",
        data={"username": "eve", "password": "password123", "confirm": "password123"},
    )
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    assert "The form could not be accepted" in html
    assert "reload the page" in html
    assert "The CSRF token is missing." in html
    assert LAYOUT in html
    assert person.get("/posts/new").status_code == 302  # not registered, not logged in


def test_a_stale_or_forged_token_is_refused(app: Erlen, ada: Visitor) -> None:
    # A token from another session (a stale page, or a forging site) is no good here.
    other = Visitor(app)
    foreign = other.form("/auth/login", "login-form").hidden["csrf_token"]
    for token in (foreign, "not-a-token", ""):
        response = ada.client.post(
            "/posts/new", data={"csrf_token": token, "title": "Forged", "body": "x"}
        )
        assert response.status_code == 400
        assert "The form could not be accepted" in response.get_data(as_text=True)
    with app.app_context():
        assert db.session.query(Post).count() == 0


def test_logging_out_needs_the_token(ada: Visitor) -> None:
    response = ada.client.post("/auth/logout")
    assert response.status_code == 400
    assert ada.get("/posts/new").status_code == 200  # still logged in


def test_deleting_needs_the_token(app: Erlen, ada: Visitor) -> None:
    post_id = ada.new_post("Keep me")
    assert ada.client.post(f"/posts/{post_id}/delete").status_code == 400
    assert ada.get(f"/posts/{post_id}").status_code == 200


def test_custom_404_page(visitor: Callable[[], Visitor]) -> None:
    for url in ("/no/such/page", "/posts/424242", "/users/nobody"):
        response = visitor().get(url)
        assert response.status_code == 404
        html = response.get_data(as_text=True)
        assert "404 · Not Found" in html and LAYOUT in html
        assert 'href="/">Back to the front page</a>' in html
    assert "There is no such post." in visitor().get("/posts/424242").get_data(as_text=True)


def test_custom_500_page(make_app: Callable[..., Erlen]) -> None:
    app = make_app(PROPAGATE_EXCEPTIONS=False)

    @app.get("/boom")
    def boom() -> str:
        raise RuntimeError("a bug")

    response = app.test_client().get("/boom")
    assert response.status_code == 500
    html = response.get_data(as_text=True)
    assert "500 · Internal Server Error" in html and LAYOUT in html
    assert "Something went wrong on our side." in html
    assert "a bug" not in html  # nothing of the error leaks to the page


def test_405_keeps_its_allow_header(visitor: Callable[[], Visitor]) -> None:
    response = visitor().get("/auth/logout")
    assert response.status_code == 405
    assert response.headers["Allow"] == "OPTIONS, POST"
    assert "405 · Method Not Allowed" in response.get_data(as_text=True)
