"""Flask-Login on erlen, used as its documentation shows."""

from __future__ import annotations

import erlen  # first: from here on, `flask` is erlen

# isort: split
from flask_login import (
    FlaskLoginClient,
    LoginManager,
    UserMixin,
    current_user,
    fresh_login_required,
    login_required,
    login_user,
    logout_user,
    user_logged_in,
    user_logged_out,
)

from erlen import redirect, render_template_string, request, url_for


class User(UserMixin):
    def __init__(self, user_id: str) -> None:
        self.id = user_id


PASSWORDS = {"ada": "lovelace", "alan": "turing"}
API_KEYS = {"key-123": "alan"}


def create_app() -> tuple[erlen.Erlen, LoginManager]:
    app = erlen.Erlen(__name__)
    app.secret_key = "test secret"
    login_manager = LoginManager()
    login_manager.init_app(app)
    login_manager.login_view = "login"
    login_manager.login_message = "Please log in."
    login_manager.refresh_view = "login"

    @login_manager.user_loader
    def load_user(user_id: str) -> User | None:
        return User(user_id) if user_id in PASSWORDS else None

    @login_manager.request_loader
    def load_user_from_request(req: erlen.Request) -> User | None:
        user_id = API_KEYS.get(req.headers.get("X-Api-Key", ""))
        return User(user_id) if user_id else None

    @app.route("/login", methods=["GET", "POST"])
    def login() -> object:
        if request.method == "POST":
            name = request.form["name"]
            if PASSWORDS.get(name) != request.form["password"]:
                return "wrong password", 401
            login_user(User(name), remember=request.form.get("remember") == "yes")
            return redirect(request.args.get("next") or url_for("index"))
        return "the login form"

    @app.route("/")
    @login_required
    def index() -> str:
        return f"Hello, {current_user.id}!"

    @app.route("/settings")
    @fresh_login_required
    def settings() -> str:
        return f"settings of {current_user.id}"

    @app.route("/whoami")
    def whoami() -> str:
        return render_template_string(
            "{% if current_user.is_authenticated %}{{ current_user.id }}"
            "{% else %}anonymous{% endif %}"
        )

    @app.route("/logout")
    @login_required
    def logout() -> str:
        logout_user()
        return "logged out"

    return app, login_manager


def log_in(client: erlen.testing.ErlenClient, name: str = "ada", **extra: str) -> None:
    response = client.post("/login", data={"name": name, "password": PASSWORDS[name], **extra})
    assert response.status_code == 302


def test_login_required_redirects_to_the_login_view_with_next() -> None:
    app, _ = create_app()
    client = app.test_client()
    response = client.get("/")
    assert response.status_code == 302
    assert response.headers["Location"] == "/login?next=%2F"
    with client.session_transaction() as session:
        assert session["_flashes"] == [("message", "Please log in.")]


def test_logging_in_and_out() -> None:
    app, _ = create_app()
    client = app.test_client()
    assert client.post("/login", data={"name": "ada", "password": "no"}).status_code == 401
    assert client.get("/whoami").text == "anonymous"

    response = client.post("/login?next=/whoami", data={"name": "ada", "password": "lovelace"})
    assert response.status_code == 302
    assert response.headers["Location"] == "/whoami"
    assert "session=" in response.headers["Set-Cookie"]
    assert client.get("/").text == "Hello, ada!"
    assert client.get("/whoami").text == "ada"
    with client.session_transaction() as session:
        assert session["_user_id"] == "ada"
        assert session["_fresh"] is True

    assert client.get("/logout").text == "logged out"
    assert client.get("/").status_code == 302
    assert client.get("/whoami").text == "anonymous"


def test_unauthorized_without_a_login_view_is_401() -> None:
    app, login_manager = create_app()
    login_manager.login_view = None
    assert app.test_client().get("/").status_code == 401


def test_custom_unauthorized_handler() -> None:
    app, login_manager = create_app()

    @login_manager.unauthorized_handler
    def unauthorized() -> tuple[dict[str, str], int]:
        return {"error": "log in first"}, 403

    response = app.test_client().get("/")
    assert response.status_code == 403
    assert response.json == {"error": "log in first"}


def test_remember_me_cookie_logs_a_new_session_in() -> None:
    app, _ = create_app()
    client = app.test_client()
    log_in(client, remember="yes")
    remember = client.get_cookie("remember_token")
    assert remember is not None and remember.value.startswith("ada|")
    assert remember.http_only

    fresh_client = app.test_client()  # a browser restarted: no session cookie, same token
    fresh_client.set_cookie("remember_token", remember.value)
    assert fresh_client.get("/").text == "Hello, ada!"
    # A login restored from the cookie is not fresh.
    response = fresh_client.get("/settings")
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/login?next=")

    tampered = app.test_client()
    tampered.set_cookie("remember_token", "alan|" + remember.value.split("|", 1)[1])
    assert tampered.get("/").status_code == 302


def test_logout_clears_the_remember_cookie() -> None:
    app, _ = create_app()
    client = app.test_client()
    log_in(client, remember="yes")
    response = client.get("/logout")
    assert "remember_token=;" in response.headers["Set-Cookie"]
    assert client.get_cookie("remember_token") is None


def test_fresh_login_required_accepts_a_fresh_login() -> None:
    app, _ = create_app()
    client = app.test_client()
    log_in(client)
    assert client.get("/settings").text == "settings of ada"


def test_request_loader_authenticates_by_header() -> None:
    app, _ = create_app()
    client = app.test_client()
    assert client.get("/", headers={"X-Api-Key": "key-123"}).text == "Hello, alan!"
    assert client.get("/", headers={"X-Api-Key": "wrong"}).status_code == 302


def test_signals_are_sent() -> None:
    app, _ = create_app()
    seen: list[tuple[str, str]] = []

    def on_login(sender: object, user: User) -> None:
        seen.append(("in", user.id))

    def on_logout(sender: object, user: User) -> None:
        seen.append(("out", user.id))

    with user_logged_in.connected_to(on_login, app), user_logged_out.connected_to(on_logout, app):
        client = app.test_client()
        log_in(client, "alan")
        client.get("/logout")
    assert seen == [("in", "alan"), ("out", "alan")]


def test_session_protection_strong_drops_a_session_from_another_client() -> None:
    app, login_manager = create_app()
    login_manager.session_protection = "strong"
    client = app.test_client()
    log_in(client)
    assert client.get("/").text == "Hello, ada!"
    moved = client.get("/", headers={"User-Agent": "another browser"})
    assert moved.status_code == 302


def test_flask_login_client_logs_the_user_in() -> None:
    app, _ = create_app()
    app.test_client_class = FlaskLoginClient
    with app.test_client(user=User("ada")) as client:
        assert client.get("/").text == "Hello, ada!"
        assert client.get("/whoami").text == "ada"
