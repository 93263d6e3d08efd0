"""A realistic app-factory project (``tests/e2e_app``) behaves the same on erlen and Flask.

The package imports its framework names from ``e2e_app.compat``, which reads
``E2E_FRAMEWORK`` at import time. The ``pkg`` fixture re-imports the package once per
framework, so every test here runs against erlen and against Flask.
"""

from __future__ import annotations

import importlib
import os
import shutil
import sqlite3
import sys
import typing as t
from pathlib import Path
from types import ModuleType

import pytest
from werkzeug.security import check_password_hash, generate_password_hash

FRAMEWORKS = ["erlen", "flask"]
TESTS_DIR = Path(__file__).resolve().parent
PACKAGE = "e2e_app"
STYLESHEET = TESTS_DIR / PACKAGE / "static" / "style.css"

#: Cheap hashes keep the suite fast; the app itself defaults to scrypt.
FAST_HASH = "pbkdf2:sha256:1000"
USERS = {
    "alice": generate_password_hash("alice-pw", method=FAST_HASH),
    "bob": generate_password_hash("bob-pw", method=FAST_HASH),
}
SEED_NOTES = [
    # (author_id, title, body)
    (1, "Groceries", "milk, eggs"),
    (2, "Reading list", "Momo"),
]


def _purge_package() -> None:
    for name in [n for n in sys.modules if n == PACKAGE or n.startswith(PACKAGE + ".")]:
        del sys.modules[name]


def load_package(framework: str) -> ModuleType:
    """Import a fresh copy of ``e2e_app`` bound to ``framework``.

    The package imports its submodules eagerly, so a returned copy keeps working
    after a later call has replaced it in ``sys.modules``.
    """
    if str(TESTS_DIR) not in sys.path:  # pytest's default import mode already adds it
        sys.path.insert(0, str(TESTS_DIR))
    saved_env = os.environ.get("E2E_FRAMEWORK")
    os.environ["E2E_FRAMEWORK"] = framework
    try:
        _purge_package()
        pkg = importlib.import_module(PACKAGE)
    finally:
        if saved_env is None:
            del os.environ["E2E_FRAMEWORK"]
        else:
            os.environ["E2E_FRAMEWORK"] = saved_env
    loaded: str = pkg.FRAMEWORK
    assert loaded == framework
    return pkg


def make_app(pkg: ModuleType, instance: Path, seeded_db: Path | None = None) -> t.Any:
    """A testing app whose database holds two users and one note each.

    ``seeded_db`` is a database file already filled that way; copying it is much
    cheaper than running the schema and inserts again.
    """
    app = pkg.create_app(
        {"TESTING": True, "PASSWORD_HASH_METHOD": FAST_HASH}, instance_path=str(instance)
    )
    if seeded_db is not None:
        shutil.copyfile(seeded_db, app.config["DATABASE"])
        return app
    with app.app_context():
        pkg.db.init_db()
        db = pkg.db.get_db()
        db.executemany("INSERT INTO user (username, password) VALUES (?, ?)", USERS.items())
        db.executemany("INSERT INTO note (author_id, title, body) VALUES (?, ?, ?)", SEED_NOTES)
        db.commit()
    return app


@pytest.fixture(scope="module", params=FRAMEWORKS)
def pkg(request: pytest.FixtureRequest) -> t.Iterator[ModuleType]:
    yield load_package(request.param)
    _purge_package()


@pytest.fixture(scope="module")
def seeded_db(pkg: ModuleType, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The seeded database, built once per framework through the app's own ``init_db``."""
    app = make_app(pkg, tmp_path_factory.mktemp(f"seed-{pkg.FRAMEWORK}"))
    return Path(app.config["DATABASE"])


@pytest.fixture
def compat(pkg: ModuleType) -> ModuleType:
    module: ModuleType = pkg.compat
    return module


@pytest.fixture
def app(pkg: ModuleType, seeded_db: Path, tmp_path: Path) -> t.Any:
    return make_app(pkg, tmp_path, seeded_db)


@pytest.fixture
def client(app: t.Any) -> t.Any:
    return app.test_client()


def login(client: t.Any, username: str = "alice", password: str = "alice-pw") -> t.Any:
    return client.post("/auth/login", data={"username": username, "password": password})


def query(app: t.Any, sql: str, *args: t.Any) -> list[sqlite3.Row]:
    """Read the app's database directly, bypassing the app."""
    conn = sqlite3.connect(app.config["DATABASE"])
    conn.row_factory = sqlite3.Row
    try:
        rows: list[sqlite3.Row] = conn.execute(sql, args).fetchall()
    finally:
        conn.close()
    return rows


def text(response: t.Any) -> str:
    body: str = response.get_data(as_text=True)
    return body


# --- factory, config and CLI -------------------------------------------------------------


def test_factory_with_test_config_is_testing_and_keeps_data_in_the_given_instance_path(
    app: t.Any, pkg: ModuleType, tmp_path: Path
) -> None:
    assert app.testing is True
    assert app.config["TESTING"] is True
    assert app.instance_path == str(tmp_path)
    assert app.config["DATABASE"] == str(tmp_path / "e2e.sqlite")
    assert app.name == PACKAGE
    assert type(app).__module__.partition(".")[0] == pkg.FRAMEWORK
    assert set(app.blueprints) == {"auth", "notes"}


def test_factory_without_test_config_creates_the_instance_folder_and_reads_config_py(
    pkg: ModuleType, tmp_path: Path
) -> None:
    instance = tmp_path / "instance"
    plain = pkg.create_app(instance_path=str(instance))
    assert instance.is_dir()
    assert plain.testing is False
    assert plain.config["SECRET_KEY"] == "dev-only-secret"

    (instance / "config.py").write_text('SECRET_KEY = "from-file"\nGREETING = "hello"\n')
    configured = pkg.create_app(instance_path=str(instance))
    assert configured.config["SECRET_KEY"] == "from-file"
    assert configured.config["GREETING"] == "hello"
    assert configured.config["DATABASE"] == str(instance / "e2e.sqlite")


def test_init_db_command_prints_a_confirmation_and_creates_empty_tables(
    pkg: ModuleType, tmp_path: Path
) -> None:
    app = pkg.create_app({"TESTING": True}, instance_path=str(tmp_path))
    result = app.test_cli_runner().invoke(args=["init-db"])
    assert result.exit_code == 0, result.output
    assert result.output == "Initialized the database.\n"

    conn = sqlite3.connect(tmp_path / "e2e.sqlite")
    try:
        tables = {row[0] for row in conn.execute("SELECT name FROM sqlite_master")}
        assert {"user", "note"} <= tables
        assert conn.execute("SELECT COUNT(*) FROM user").fetchone() == (0,)
    finally:
        conn.close()


def test_init_db_command_wipes_existing_rows(app: t.Any) -> None:
    assert len(query(app, "SELECT * FROM note")) == 2
    result = app.test_cli_runner().invoke(args=["init-db"])
    assert result.exit_code == 0, result.output
    assert query(app, "SELECT * FROM note") == []


def test_init_db_command_is_listed_in_the_cli_help(app: t.Any) -> None:
    result = app.test_cli_runner().invoke(args=["--help"])
    assert result.exit_code == 0, result.output
    assert "init-db" in result.output
    assert "Clear existing data and create fresh tables." in result.output


def test_get_db_reuses_one_connection_per_app_context_and_teardown_closes_it(
    app: t.Any, pkg: ModuleType
) -> None:
    db_mod = pkg.db
    with app.app_context():
        conn = db_mod.get_db()
        assert db_mod.get_db() is conn
    with pytest.raises(sqlite3.ProgrammingError, match="closed"):
        conn.execute("SELECT 1")


# --- auth blueprint ------------------------------------------------------------------------


def test_register_page_renders_the_form_inside_the_base_layout(client: t.Any) -> None:
    response = client.get("/auth/register")
    assert response.status_code == 200
    assert response.mimetype == "text/html"
    body = text(response)
    assert "<title>Register - Jotter</title>" in body
    assert "<h1>Create an account</h1>" in body
    assert '<input name="username" id="username" value="">' in body
    assert 'href="/static/style.css"' in body


def test_register_success_redirects_to_login_and_stores_a_hashed_password(
    client: t.Any, app: t.Any
) -> None:
    response = client.post("/auth/register", data={"username": "carol", "password": "c-pw"})
    assert response.status_code == 302
    assert response.headers["Location"] == "/auth/login"

    (row,) = query(app, "SELECT * FROM user WHERE username = ?", "carol")
    assert row["password"] != "c-pw"
    assert row["password"].startswith("pbkdf2:sha256:1000$")
    assert check_password_hash(row["password"], "c-pw")

    follow = client.get(response.headers["Location"])
    assert '<div class="flash">Account created, please log in.</div>' in text(follow)
    assert login(client, "carol", "c-pw").headers["Location"] == "/"


@pytest.mark.parametrize(
    ("username", "password", "message"),
    [
        ("", "pw", "A username is needed."),
        ("   ", "pw", "A username is needed."),
        ("dave", "", "A password is needed."),
        ("alice", "other", "The name alice is already taken."),
    ],
)
def test_register_with_bad_input_rerenders_the_form_with_a_flashed_error(
    client: t.Any, app: t.Any, username: str, password: str, message: str
) -> None:
    response = client.post("/auth/register", data={"username": username, "password": password})
    assert response.status_code == 200
    body = text(response)
    assert f'<div class="flash">{message}</div>' in body
    assert f'<input name="username" id="username" value="{username}">' in body
    assert len(query(app, "SELECT * FROM user")) == 2


def test_register_with_no_form_fields_at_all_flashes_the_username_error(client: t.Any) -> None:
    response = client.post("/auth/register")
    assert response.status_code == 200
    assert "A username is needed." in text(response)


def test_login_redirects_home_and_sets_session_user_id_and_g_user(
    client: t.Any, compat: ModuleType
) -> None:
    assert client.get("/auth/login").status_code == 200
    response = login(client)
    assert response.status_code == 302
    assert response.headers["Location"] == "/"

    with client:
        client.get("/")
        assert compat.session["user_id"] == 1
        assert compat.g.user["username"] == "alice"


def test_login_response_sets_an_httponly_session_cookie(client: t.Any) -> None:
    response = login(client)
    cookie = response.headers["Set-Cookie"]
    assert cookie.startswith("session=")
    assert "HttpOnly" in cookie
    assert "Path=/" in cookie
    assert client.get_cookie("session") is not None


@pytest.mark.parametrize(
    ("username", "password"),
    [("nobody", "alice-pw"), ("alice", "wrong"), ("", "")],
)
def test_login_with_bad_credentials_flashes_an_error_and_sets_no_user(
    client: t.Any, compat: ModuleType, username: str, password: str
) -> None:
    with client:
        response = login(client, username, password)
        assert response.status_code == 200
        assert '<div class="flash">Wrong username or password.</div>' in text(response)
        assert "user_id" not in compat.session
        assert compat.g.user is None


def test_logout_clears_the_session_and_redirects_home(client: t.Any, compat: ModuleType) -> None:
    login(client)
    with client:
        response = client.get("/auth/logout")
        assert response.status_code == 302
        assert response.headers["Location"] == "/"
        assert "user_id" not in compat.session
    assert "Log In" in text(client.get("/"))


def test_g_user_is_none_for_anonymous_requests(client: t.Any, compat: ModuleType) -> None:
    with client:
        client.get("/auth/login")
        assert compat.g.user is None
        assert "user_id" not in compat.session


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("GET", "/create"),
        ("POST", "/create"),
        ("GET", "/1/update"),
        ("POST", "/1/update"),
        ("POST", "/1/delete"),
        ("POST", "/99/delete"),
    ],
)
def test_login_required_views_redirect_anonymous_users_to_the_login_page(
    client: t.Any, app: t.Any, method: str, path: str
) -> None:
    response = client.open(path, method=method, data={"title": "sneaky"})
    assert response.status_code == 302
    assert response.headers["Location"] == "/auth/login"
    assert len(query(app, "SELECT * FROM note")) == 2


def test_login_required_keeps_the_view_name_and_docstring_of_the_wrapped_view(
    pkg: ModuleType,
) -> None:
    @pkg.auth.login_required
    def secret_view() -> str:
        """Top secret."""
        return "ok"

    assert secret_view.__name__ == "secret_view"
    assert secret_view.__doc__ == "Top secret."


# --- notes blueprint -------------------------------------------------------------------------


def test_index_for_anonymous_visitor_lists_notes_with_login_and_register_links(
    client: t.Any,
) -> None:
    response = client.get("/")
    assert response.status_code == 200
    body = text(response)
    assert '<a href="/auth/login">Log In</a>' in body
    assert '<a href="/auth/register">Register</a>' in body
    assert "<h2>Groceries</h2>" in body
    assert "by alice on " in body
    assert "<h2>Reading list</h2>" in body
    assert body.index("Reading list") < body.index("Groceries"), "newest first"
    assert '<a href="/api/notes">' in body
    assert "/update" not in body
    assert "New note" not in body


def test_index_for_logged_in_user_shows_edit_links_only_for_their_own_notes(
    client: t.Any,
) -> None:
    login(client)
    body = text(client.get("/"))
    assert "Signed in as alice" in body
    assert '<a href="/auth/logout">Log Out</a>' in body
    assert "Log In" not in body
    assert '<a class="action" href="/create">New note</a>' in body
    assert 'href="/1/update"' in body
    assert 'href="/2/update"' not in body


def test_index_with_no_notes_says_so(app: t.Any, client: t.Any) -> None:
    app.test_cli_runner().invoke(args=["init-db"])
    assert '<p class="empty">No notes yet.</p>' in text(client.get("/"))


def test_note_content_is_html_escaped_on_the_index(client: t.Any) -> None:
    login(client)
    client.post("/create", data={"title": "<b>bold</b>", "body": "a & b"})
    body = text(client.get("/"))
    assert "<h2>&lt;b&gt;bold&lt;/b&gt;</h2>" in body
    assert '<p class="body">a &amp; b</p>' in body


def test_create_page_renders_an_empty_form(client: t.Any) -> None:
    login(client)
    response = client.get("/create")
    assert response.status_code == 200
    body = text(response)
    assert "<title>New note - Jotter</title>" in body
    assert '<textarea name="body" id="body"></textarea>' in body


def test_create_adds_a_note_for_the_user_and_flashes_a_confirmation(
    client: t.Any, app: t.Any
) -> None:
    login(client)
    response = client.post("/create", data={"title": "Ideas", "body": "build a thing"})
    assert response.status_code == 302
    assert response.headers["Location"] == "/"

    rows = query(app, "SELECT author_id, title, body FROM note WHERE title = ?", "Ideas")
    assert [tuple(r) for r in rows] == [(1, "Ideas", "build a thing")]

    body = text(client.get("/"))
    assert '<div class="flash">Saved Ideas.</div>' in body
    assert "<h2>Ideas</h2>" in body
    assert 'href="/3/update"' in body


def test_create_without_a_title_flashes_an_error_and_keeps_what_was_typed(
    client: t.Any, app: t.Any
) -> None:
    login(client)
    response = client.post("/create", data={"title": "  ", "body": "draft text"})
    assert response.status_code == 200
    body = text(response)
    assert '<div class="flash">A title is needed.</div>' in body
    assert '<textarea name="body" id="body">draft text</textarea>' in body
    assert len(query(app, "SELECT * FROM note")) == 2


def test_flashed_messages_are_shown_once_then_consumed(client: t.Any) -> None:
    login(client)
    client.post("/create", data={"title": "Ideas", "body": ""})
    first = text(client.get("/"))
    second = text(client.get("/"))
    assert first.count('<div class="flash">') == 1
    assert "Saved Ideas." in first
    assert "Saved Ideas." not in second
    assert '<div class="flash">' not in second


def test_update_page_is_prefilled_with_the_note(client: t.Any) -> None:
    login(client)
    response = client.get("/1/update")
    assert response.status_code == 200
    body = text(response)
    assert "<title>Edit Groceries - Jotter</title>" in body
    assert '<input name="title" id="title" value="Groceries">' in body
    assert '<textarea name="body" id="body">milk, eggs</textarea>' in body
    assert '<form action="/1/delete" method="post">' in body


def test_update_changes_the_users_own_note(client: t.Any, app: t.Any) -> None:
    login(client)
    response = client.post("/1/update", data={"title": "Shopping", "body": "bread"})
    assert response.status_code == 302
    assert response.headers["Location"] == "/"
    (row,) = query(app, "SELECT title, body FROM note WHERE id = 1")
    assert tuple(row) == ("Shopping", "bread")
    assert '<div class="flash">Updated Shopping.</div>' in text(client.get("/"))


def test_update_without_a_title_flashes_an_error_and_leaves_the_note_alone(
    client: t.Any, app: t.Any
) -> None:
    login(client)
    response = client.post("/1/update", data={"title": "", "body": "new body"})
    assert response.status_code == 200
    body = text(response)
    assert '<div class="flash">A title is needed.</div>' in body
    assert '<textarea name="body" id="body">new body</textarea>' in body
    (row,) = query(app, "SELECT title, body FROM note WHERE id = 1")
    assert tuple(row) == ("Groceries", "milk, eggs")


@pytest.mark.parametrize(
    ("method", "path"),
    [("GET", "/2/update"), ("POST", "/2/update"), ("POST", "/2/delete")],
)
def test_another_users_note_is_forbidden(client: t.Any, app: t.Any, method: str, path: str) -> None:
    login(client)
    response = client.open(path, method=method, data={"title": "hijacked"})
    assert response.status_code == 403
    assert "Note id 2 belongs to someone else." in text(response)
    (row,) = query(app, "SELECT title FROM note WHERE id = 2")
    assert row["title"] == "Reading list"


@pytest.mark.parametrize(
    ("method", "path"),
    [("GET", "/99/update"), ("POST", "/99/update"), ("POST", "/99/delete")],
)
def test_missing_note_renders_the_custom_404_page_with_the_abort_message(
    client: t.Any, method: str, path: str
) -> None:
    login(client)
    response = client.open(path, method=method, data={"title": "x"})
    assert response.status_code == 404
    assert response.mimetype == "text/html"
    body = text(response)
    assert "<h1>Nothing here</h1>" in body
    assert '<p class="error">Note id 99 doesn&#39;t exist.</p>' in body
    assert "Signed in as alice" in body, "before_app_request ran before the 404"


def test_delete_removes_the_users_note_and_redirects_with_a_flash(
    client: t.Any, app: t.Any
) -> None:
    login(client)
    response = client.post("/1/delete")
    assert response.status_code == 302
    assert response.headers["Location"] == "/"
    assert query(app, "SELECT * FROM note WHERE id = 1") == []
    body = text(client.get("/"))
    assert '<div class="flash">Deleted note 1.</div>' in body
    assert "Groceries" not in body


def test_delete_only_accepts_post(client: t.Any, app: t.Any) -> None:
    login(client)
    response = client.get("/1/delete")
    assert response.status_code == 405
    assert set(response.allow) == {"POST", "OPTIONS"}
    assert len(query(app, "SELECT * FROM note")) == 2


def test_non_integer_note_id_does_not_match_the_update_route(client: t.Any) -> None:
    login(client)
    response = client.get("/abc/update")
    assert response.status_code == 404
    assert "<h1>Nothing here</h1>" in text(response)


# --- JSON, errors, static files, methods ---------------------------------------------------


def test_api_notes_returns_a_json_list_of_dicts(client: t.Any) -> None:
    response = client.get("/api/notes")
    assert response.status_code == 200
    assert response.mimetype == "application/json"
    assert response.json == [
        {"id": 1, "title": "Groceries", "body": "milk, eggs", "author": "alice"},
        {"id": 2, "title": "Reading list", "body": "Momo", "author": "bob"},
    ]


def test_api_notes_reflects_notes_created_through_the_form(client: t.Any) -> None:
    login(client, "bob", "bob-pw")
    client.post("/create", data={"title": "Later", "body": ""})
    notes = client.get("/api/notes").json
    assert notes[-1] == {"id": 3, "title": "Later", "body": "", "author": "bob"}


def test_api_notes_is_an_empty_list_without_notes(app: t.Any, client: t.Any) -> None:
    app.test_cli_runner().invoke(args=["init-db"])
    response = client.get("/api/notes")
    assert response.json == []
    assert response.get_data().strip() == b"[]"


def test_api_notes_rejects_post_with_405(client: t.Any) -> None:
    response = client.post("/api/notes")
    assert response.status_code == 405
    assert set(response.allow) == {"GET", "HEAD", "OPTIONS"}


def test_unknown_url_renders_the_custom_404_template(client: t.Any) -> None:
    response = client.get("/no/such/page")
    assert response.status_code == 404
    assert response.headers["Content-Type"] == "text/html; charset=utf-8"
    body = text(response)
    assert "<title>Not Found - Jotter</title>" in body
    assert "The requested URL was not found on the server." in body
    assert '<a href="/">Back to the notes</a>' in body


def test_static_stylesheet_is_served_with_the_css_mimetype(client: t.Any) -> None:
    response = client.get("/static/style.css")
    try:
        assert response.status_code == 200
        assert response.mimetype == "text/css"
        assert response.get_data() == STYLESHEET.read_bytes()
    finally:
        response.close()


def test_missing_static_file_uses_the_custom_404_page(client: t.Any) -> None:
    response = client.get("/static/nope.css")
    assert response.status_code == 404
    assert "<h1>Nothing here</h1>" in text(response)


def test_head_on_index_sends_the_get_headers_without_a_body(client: t.Any) -> None:
    get = client.get("/")
    head = client.head("/")
    assert head.status_code == 200
    assert head.get_data() == b""
    assert head.headers["Content-Type"] == get.headers["Content-Type"]
    assert head.headers["Content-Length"] == get.headers["Content-Length"]


def test_options_on_index_lists_the_allowed_methods(client: t.Any) -> None:
    response = client.options("/")
    assert response.status_code == 200
    assert set(response.allow) == {"GET", "HEAD", "OPTIONS"}
    assert response.get_data() == b""


def test_options_on_create_lists_get_and_post_without_requiring_login(client: t.Any) -> None:
    response = client.options("/create")
    assert response.status_code == 200
    assert set(response.allow) == {"GET", "HEAD", "POST", "OPTIONS"}


def test_index_alias_endpoint_builds_the_same_url_as_the_blueprint_view(
    app: t.Any, compat: ModuleType
) -> None:
    url_for = compat.url_for
    with app.test_request_context():
        assert url_for("index") == "/"
        assert url_for("notes.index") == "/"
        assert url_for("notes.update", id=3) == "/3/update"
        assert url_for("auth.login") == "/auth/login"
        assert url_for("static", filename="style.css") == "/static/style.css"
        assert url_for("notes.api_notes", _external=True) == "http://localhost/api/notes"
    assert "index" not in app.view_functions
    assert {rule.endpoint for rule in app.url_map.iter_rules("index")} == {"index"}


# --- the same conversation on both frameworks ----------------------------------------------


def _comparable_headers(response: t.Any) -> list[tuple[str, str]]:
    """Headers minus what legitimately varies: the clock, the signed cookie, Allow order.

    Flask builds ``Allow`` from a set, so its order follows the string hash seed.
    """
    headers = []
    for key, value in response.headers.items():
        if key == "Date":
            continue
        if key == "Set-Cookie":
            name, _, rest = value.partition("=")
            value = f"{name}=<signed>;{rest.partition(';')[2]}" if rest else value
        elif key == "Allow":
            value = ", ".join(sorted(value.split(", ")))
        headers.append((key, value))
    return sorted(headers)


def test_a_whole_session_gives_identical_responses_on_erlen_and_flask(tmp_path: Path) -> None:
    script: list[tuple[str, str, dict[str, str] | None]] = [
        ("GET", "/", None),
        ("GET", "/create", None),
        ("POST", "/auth/register", {"username": "", "password": "x"}),
        ("POST", "/auth/register", {"username": "erin", "password": "e-pw"}),
        ("POST", "/auth/register", {"username": "erin", "password": "again"}),
        ("GET", "/auth/login", None),
        ("POST", "/auth/login", {"username": "erin", "password": "nope"}),
        ("POST", "/auth/login", {"username": "erin", "password": "e-pw"}),
        ("GET", "/", None),
        ("POST", "/create", {"title": "", "body": "kept"}),
        ("POST", "/create", {"title": "First", "body": "hello"}),
        ("GET", "/", None),
        ("GET", "/3/update", None),
        ("POST", "/3/update", {"title": "First!", "body": "hello again"}),
        ("GET", "/1/update", None),
        ("POST", "/42/delete", None),
        ("POST", "/3/delete", None),
        ("GET", "/3/delete", None),
        ("GET", "/api/notes", None),
        ("POST", "/api/notes", None),
        ("HEAD", "/", None),
        ("OPTIONS", "/", None),
        ("OPTIONS", "/create", None),
        ("GET", "/static/style.css", None),
        ("HEAD", "/static/style.css", None),
        ("GET", "/missing", None),
        ("GET", "/auth/logout", None),
        ("GET", "/", None),
    ]
    transcripts = {}
    for framework in FRAMEWORKS:
        pkg = load_package(framework)
        client = make_app(pkg, tmp_path / framework).test_client()
        transcript = []
        for method, path, data in script:
            response = client.open(path, method=method, data=data)
            step = (
                method,
                path,
                response.status,
                _comparable_headers(response),
                response.get_data(as_text=True),
            )
            response.close()
            transcript.append(step)
        transcripts[framework] = transcript

    for erlen_step, flask_step in zip(transcripts["erlen"], transcripts["flask"], strict=True):
        assert erlen_step == flask_step
