"""The board's error pages and CSRF protection."""

from __future__ import annotations

import io
from collections.abc import Callable

from board.models import Post, User, db
from board_helpers import PNG, Visitor

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


def test_a_database_error_still_gets_the_500_page(make_app: Callable[..., Erlen]) -> None:
    """A failed commit leaves the database session unusable until it is rolled back;
    the 500 page (whose layout loads the logged-in user) must not fail on it too."""
    app = make_app(PROPAGATE_EXCEPTIONS=False)

    @app.get("/duplicate")
    def duplicate() -> str:
        db.session.add(User(username="ada", password_hash="x"))
        db.session.commit()  # IntegrityError: ada exists
        return "unreachable"

    ada = Visitor(app)
    ada.register("ada")
    response = ada.get("/duplicate")
    assert response.status_code == 500
    html = response.get_data(as_text=True)
    assert "500 · Internal Server Error" in html and LAYOUT in html
    assert 'href="/users/ada">ada</a>' in html  # still shown as logged in
    assert "IntegrityError" not in html
    assert ada.get("/posts/new").status_code == 200  # and the next request is fine


def test_pages_may_not_be_framed_or_sniffed(ada: Visitor) -> None:
    """Another site may not show the board in a frame (to trick a click on "Delete"),
    and browsers take each response's type as given."""
    post_id = ada.new_post("Framed?")
    for url in ("/", f"/posts/{post_id}", "/no/such/page", "/api/posts", "/static/board.js"):
        with ada.get(url) as response:  # closed: a static file's response holds the file
            headers = response.headers
        policy = headers.get("Content-Security-Policy", "")
        assert "frame-ancestors 'none'" in policy, url
        assert "default-src 'self'" in policy, url
        assert headers.get("X-Frame-Options") == "DENY", url
        assert headers.get("X-Content-Type-Options") == "nosniff", url


def test_the_session_cookie_is_same_site(visitor: Callable[[], Visitor]) -> None:
    response = visitor().get("/auth/login")
    cookie = response.headers["Set-Cookie"]
    assert "SameSite=Lax" in cookie and "HttpOnly" in cookie


def test_every_form_is_refused_without_its_token(app: Erlen, ada: Visitor) -> None:
    """Every form that changes something, sent without a CSRF token (as another site's
    page would send it): refused, and nothing changes."""
    post_id = ada.new_post("Untouched", "Original text")
    sends: list[tuple[str, dict[str, object]]] = [
        ("/auth/register", {"username": "eve", "password": "pass-word", "confirm": "pass-word"}),
        ("/auth/login", {"username": "ada", "password": "password123"}),
        ("/auth/password", {"current": "password123", "new": "stolen-pw", "confirm": "stolen-pw"}),
        ("/auth/avatar", {"avatar": (io.BytesIO(PNG), "a.png")}),
        ("/posts/new", {"title": "Forged", "body": "x"}),
        (f"/posts/{post_id}/edit", {"title": "Forged", "body": "x"}),
        (f"/posts/{post_id}/comments", {"body": "Forged"}),
        (f"/posts/{post_id}/delete", {}),
        ("/auth/logout", {}),
    ]
    for url, data in sends:
        response = ada.client.post(url, data=data)
        assert response.status_code == 400, url
        assert "The form could not be accepted" in response.get_data(as_text=True), url
    with app.app_context():
        post = db.session.get(Post, post_id)
        assert post is not None and (post.title, post.body) == ("Untouched", "Original text")
        assert post.comments == [] and db.session.query(Post).count() == 1
        user = User.by_username("ada")
        assert user is not None and user.avatar is None and user.check_password("password123")
        assert User.by_username("eve") is None
    assert ada.get("/posts/new").status_code == 200  # still logged in
