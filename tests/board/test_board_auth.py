"""The board's accounts: register, log in and out, change the password."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from board.forms import RegisterForm
from board.models import User, db
from board_helpers import Visitor, forms_of
from cachelib import FileSystemCache
from flask_session import Session
from werkzeug import security

from erlen import Erlen


def stored_user(app: Erlen, username: str) -> User | None:
    with app.app_context():
        return User.by_username(username)


def test_register_logs_in_and_welcomes(app: Erlen, visitor: Callable[[], Visitor]) -> None:
    ada = visitor()
    response = ada.register("ada")
    assert response.headers["Location"] == "/"
    page = ada.get("/")
    assert "Welcome, ada!" in ada.flashes(page)
    html = page.get_data(as_text=True)
    assert 'href="/users/ada"' in html and "logout-form" in html
    assert "register-form" not in html and 'href="/auth/register"' not in html
    # The flash was shown once.
    assert ada.flashes(ada.get("/")) == ""
    assert stored_user(app, "ada") is not None


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"username": "ada", "password": "password123", "confirm": "password124"},
         "The passwords differ."),
        ({"username": "ada", "password": "short", "confirm": "short"},
         "at least 8 characters"),
        ({"username": "a<b>", "password": "password123", "confirm": "password123"},
         "Use letters, digits"),
        ({"username": "ab", "password": "password123", "confirm": "password123"},
         "between 3 and 32 characters"),
        ({"username": "", "password": "password123", "confirm": "password123"},
         "This field is required."),
    ],
)
def test_register_refuses_bad_input(
    app: Erlen, visitor: Callable[[], Visitor], fields: dict[str, str], message: str
) -> None:
    response = visitor().submit("/auth/register", "register-form", fields)
    assert response.status_code == 200
    assert message in response.get_data(as_text=True)
    with app.app_context():
        assert db.session.query(User).count() == 0


def test_a_username_is_taken_once(
    app: Erlen, ada: Visitor, visitor: Callable[[], Visitor]
) -> None:
    response = visitor().submit(
        "/auth/register",
        "register-form",
        {"username": "ada", "password": "another-pass", "confirm": "another-pass"},
    )
    assert "That username is taken." in response.get_data(as_text=True)
    with app.app_context():
        assert db.session.query(User).count() == 1


def test_passwords_are_stored_hashed_with_werkzeug(
    app: Erlen, visitor: Callable[[], Visitor], monkeypatch: pytest.MonkeyPatch
) -> None:
    # Werkzeug's real default, not the tests' cheap hash (see conftest.py).
    monkeypatch.setattr("board.models.generate_password_hash", security.generate_password_hash)
    visitor().register("ada", "correct horse")
    user = stored_user(app, "ada")
    assert user is not None
    assert "correct horse" not in user.password_hash
    assert user.password_hash.startswith("scrypt:")
    assert security.check_password_hash(user.password_hash, "correct horse")


def test_login_and_logout(ada: Visitor, visitor: Callable[[], Visitor]) -> None:
    response = ada.logout()
    assert response.status_code == 302 and response.headers["Location"] == "/"
    page = ada.get("/")
    assert "You are logged out." in ada.flashes(page)
    assert "logout-form" not in page.get_data(as_text=True)
    # Logged out for real: a page for members sends to the login page.
    assert ada.get("/posts/new").status_code == 302

    response = ada.login("ada")
    assert response.status_code == 302 and response.headers["Location"] == "/"
    assert "Welcome, ada!" in ada.flashes(ada.get("/"))
    assert ada.get("/posts/new").status_code == 200


def test_login_with_a_wrong_password_or_user_says_the_same(ada: Visitor) -> None:
    ada.logout()
    wrong_password = ada.login("ada", "not-the-password")
    unknown_user = ada.login("nobody", "password123")
    for response in (wrong_password, unknown_user):
        assert response.status_code == 200
        assert "Wrong username or password." in response.get_data(as_text=True)
    assert ada.get("/posts/new").status_code == 302


def test_logout_is_a_post(ada: Visitor) -> None:
    response = ada.get("/auth/logout")
    assert response.status_code == 405
    assert ada.get("/posts/new").status_code == 200  # still logged in


def test_members_pages_send_to_login_and_back(ada: Visitor) -> None:
    ada.logout()
    response = ada.get("/posts/new")
    assert response.status_code == 302
    assert response.headers["Location"] == "/auth/login?next=%2Fposts%2Fnew"
    assert "Please log in to do that." in ada.flashes(ada.get("/auth/login"))
    response = ada.submit(
        "/auth/login?next=%2Fposts%2Fnew",
        "login-form",
        {"username": "ada", "password": "password123"},
    )
    assert response.headers["Location"] == "/posts/new"


@pytest.mark.parametrize(
    "target",
    [
        "https://evil.example/",
        "//evil.example/",
        "/\\evil.example/",
        "javascript:x",
        # Browsers read three or more slashes as "//" too, and drop tabs and newlines.
        "////evil.example/",
        "/%2F%2F/evil.example/",
        "/%09/evil.example/",
        "/%5Cevil.example/",
    ],
)
def test_login_never_redirects_off_site(ada: Visitor, target: str) -> None:
    ada.logout()
    response = ada.client.post(
        "/auth/login?next=" + target,
        data={
            **ada.form("/auth/login", "login-form").hidden,
            "username": "ada",
            "password": "password123",
        },
    )
    assert response.status_code == 302
    assert response.headers["Location"] == "/"


def test_change_password(app: Erlen, ada: Visitor) -> None:
    wrong = ada.submit(
        "/auth/password",
        "password-form",
        {"current": "not-it-at-all", "new": "new-password", "confirm": "new-password"},
    )
    assert wrong.status_code == 200
    assert "That is not your current password." in wrong.get_data(as_text=True)

    mismatch = ada.submit(
        "/auth/password",
        "password-form",
        {"current": "password123", "new": "new-password", "confirm": "other-password"},
    )
    assert "The passwords differ." in mismatch.get_data(as_text=True)

    changed = ada.submit(
        "/auth/password",
        "password-form",
        {"current": "password123", "new": "new-password", "confirm": "new-password"},
        follow_redirects=True,
    )
    assert changed.request.path == "/users/ada"
    assert "Password changed." in ada.flashes(changed)

    ada.logout()
    assert ada.login("ada", "password123").status_code == 200  # refused: form again
    assert ada.login("ada", "new-password").status_code == 302


def test_change_password_needs_a_login(visitor: Callable[[], Visitor]) -> None:
    response = visitor().get("/auth/password")
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/auth/login?next=")


def test_every_form_carries_a_csrf_token(ada: Visitor) -> None:
    post_id = ada.new_post("Hello")
    pages = {
        "/": ["logout-form"],
        "/posts/new": ["post-form", "logout-form"],
        f"/posts/{post_id}": ["comment-form", "delete-form", "logout-form"],
        f"/posts/{post_id}/edit": ["post-form"],
        "/auth/password": ["password-form"],
        "/auth/avatar": ["avatar-form"],
    }
    for url, form_ids in pages.items():
        forms = forms_of(ada.page(url))
        for form_id in form_ids:
            assert forms[form_id].method == "post"
            assert forms[form_id].hidden.get("csrf_token"), (url, form_id)
    ada.logout()
    for url, form_id in [("/auth/login", "login-form"), ("/auth/register", "register-form")]:
        assert ada.form(url, form_id).hidden.get("csrf_token")
    search = ada.form("/", "search-form")
    assert (search.action, search.method) == ("/", "get")


def test_forms_opened_before_logging_out_and_in_again_are_stale(ada: Visitor) -> None:
    old = ada.form("/posts/new", "post-form").hidden["csrf_token"]
    ada.logout()
    ada.login("ada")
    response = ada.client.post(
        "/posts/new", data={"csrf_token": old, "title": "Stale", "body": "x"}
    )
    assert response.status_code == 400
    # A form opened now is fine.
    assert ada.submit("/posts/new", "post-form", {"title": "Fresh", "body": "x"}).status_code == 302


def test_a_form_opened_before_logging_in_is_stale_after(visitor: Callable[[], Visitor]) -> None:
    ada = visitor()
    ada.register("ada")
    ada.logout()
    before = ada.form("/auth/login", "login-form").hidden["csrf_token"]
    ada.login("ada")
    response = ada.client.post("/auth/logout", data={"csrf_token": before})
    assert response.status_code == 400
    assert ada.get("/posts/new").status_code == 200  # still logged in


def test_changing_the_password_ends_other_sessions_and_revokes_api_tokens(
    app: Erlen, ada: Visitor, visitor: Callable[[], Visitor]
) -> None:
    """After a password change (say, because someone else learned it), a session
    opened elsewhere with the old password and the API tokens it gave stop working."""
    elsewhere = visitor()
    assert elsewhere.login("ada").status_code == 302
    api = app.test_client(use_cookies=False)
    old_token = api.post("/api/tokens", json={"username": "ada", "password": "password123"})
    headers = {"Authorization": f"Bearer {old_token.json['token']}"}
    post = {"title": "t", "body": "b"}
    assert api.post("/api/posts", json=post, headers=headers).status_code == 201

    ada.submit(
        "/auth/password",
        "password-form",
        {"current": "password123", "new": "new-password", "confirm": "new-password"},
    )
    assert ada.get("/posts/new").status_code == 200  # the session that changed it goes on
    response = elsewhere.get("/posts/new")
    assert response.status_code == 302 and response.headers["Location"].startswith("/auth/login")
    assert api.post("/api/posts", json=post, headers=headers).status_code == 401
    new_token = api.post("/api/tokens", json={"username": "ada", "password": "new-password"})
    assert new_token.status_code == 201
    # Logging in again with the new password works as before.
    assert elsewhere.login("ada", "new-password").status_code == 302
    assert elsewhere.get("/posts/new").status_code == 200


def test_usernames_differing_only_in_case_are_taken(
    app: Erlen, ada: Visitor, visitor: Callable[[], Visitor]
) -> None:
    """Nobody can pass as "ada" by registering "Ada"."""
    response = visitor().submit(
        "/auth/register",
        "register-form",
        {"username": "Ada", "password": "password123", "confirm": "password123"},
    )
    assert response.status_code == 200
    assert "That username is taken." in response.get_data(as_text=True)
    with app.app_context():
        assert db.session.query(User).count() == 1


def test_a_name_registered_meanwhile_is_a_form_error(
    app: Erlen, ada: Visitor, visitor: Callable[[], Visitor], monkeypatch: pytest.MonkeyPatch
) -> None:
    """Two people send the same new name at once: both forms pass the check, the
    database's unique index refuses the second, who gets the form again (not a 500)."""
    monkeypatch.setattr(RegisterForm, "validate_username", lambda form, field: None)
    response = visitor().submit(
        "/auth/register",
        "register-form",
        {"username": "ada", "password": "password123", "confirm": "password123"},
    )
    assert response.status_code == 200
    assert "That username is taken." in response.get_data(as_text=True)
    with app.app_context():
        assert db.session.query(User).count() == 1


def test_a_session_id_planted_before_the_login_does_not_get_logged_in(
    make_app: Callable[..., Erlen], tmp_path: Path
) -> None:
    """With server-side sessions (Flask-Session, as docs/scaling.md deploys the board)
    the cookie is a session id. Someone who plants their own id in another person's
    browser must not find it logged in as that person: a login gets a new id."""
    app = make_app(
        SESSION_TYPE="cachelib", SESSION_CACHELIB=FileSystemCache(str(tmp_path / "sessions"))
    )
    Session(app)
    Visitor(app).register("ada")
    attacker = Visitor(app)
    attacker.page("/auth/login")  # gets a session id (the session holds a CSRF token)
    cookie = attacker.client.get_cookie("session")
    assert cookie is not None
    victim = Visitor(app)
    victim.client.set_cookie("session", cookie.value)
    assert victim.login("ada").status_code == 302
    assert victim.get("/posts/new").status_code == 200
    new_cookie = victim.client.get_cookie("session")
    assert new_cookie is not None and new_cookie.value != cookie.value
    assert attacker.get("/posts/new").status_code == 302  # still anonymous
