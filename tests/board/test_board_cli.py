"""The board's commands (``board init-db``, ``board create-user``), its app factory's
configuration, and a first run on a fresh instance folder."""

from __future__ import annotations

import logging
import os
import runpy
import subprocess
import sys
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from board.models import Post, User, db
from board_helpers import BOARD_ROOT, Visitor
from sqlalchemy import inspect

from board import DEV_SECRET_KEY, create_app
from erlen import Erlen

TABLES = {"users", "posts", "comments", "api_tokens"}


@pytest.fixture
def built() -> Iterator[list[Erlen]]:
    """Apps a test builds itself: their database engines are closed after it."""
    apps: list[Erlen] = []
    yield apps
    for app in apps:
        with app.app_context():
            db.engine.dispose()


def tables(app: Erlen) -> set[str]:
    with app.app_context():
        return set(inspect(db.engine).get_table_names())


def test_init_db_creates_and_drop_recreates(app: Erlen, ada: Visitor) -> None:
    ada.new_post("Before")
    runner = app.test_cli_runner()

    result = runner.invoke(args=["board", "init-db"])
    assert result.exit_code == 0, result.output
    assert result.output == "Initialized the database.\n"
    with app.app_context():  # tables that exist are kept, with their rows
        assert db.session.query(Post).count() == 1

    result = runner.invoke(args=["board", "init-db", "--drop"])
    assert result.exit_code == 0, result.output
    assert result.output == "Dropped the tables.\nInitialized the database.\n"
    assert tables(app) == TABLES
    with app.app_context():
        assert db.session.query(Post).count() == 0
        assert db.session.query(User).count() == 0


def test_init_db_on_an_empty_database(make_app: Callable[..., Erlen], tmp_path: Path) -> None:
    app = make_app(SQLALCHEMY_DATABASE_URI=f"sqlite:///{tmp_path / 'other.sqlite'}")
    with app.app_context():
        db.drop_all()
    assert tables(app) == set()
    result = app.test_cli_runner().invoke(args=["board", "init-db"])
    assert result.exit_code == 0
    assert tables(app) == TABLES


def test_create_user(app: Erlen, visitor: Callable[[], Visitor]) -> None:
    runner = app.test_cli_runner()
    result = runner.invoke(args=["board", "create-user", "admin", "--password", "long-enough"])
    assert result.exit_code == 0, result.output
    assert "Created the user 'admin'." in result.output
    assert visitor().login("admin", "long-enough").status_code == 302

    taken = runner.invoke(args=["board", "create-user", "admin", "--password", "long-enough"])
    assert taken.exit_code == 1 and "The username 'admin' is taken." in taken.output
    other_case = runner.invoke(args=["board", "create-user", "Admin", "--password", "long-enough"])
    assert other_case.exit_code == 1 and "The username 'Admin' is taken." in other_case.output
    short = runner.invoke(args=["board", "create-user", "cy", "--password", "long-enough"])
    assert short.exit_code == 2 and "USERNAME" in short.output
    weak = runner.invoke(args=["board", "create-user", "cyd", "--password", "short"])
    assert weak.exit_code == 2 and "at least 8 characters" in weak.output
    # Asked for (twice) when not given.
    asked = runner.invoke(args=["board", "create-user", "dee"], input="pass-word\npass-word\n")
    assert asked.exit_code == 0, asked.output
    with app.app_context():
        assert {user.username for user in db.session.query(User)} == {"admin", "dee"}


def test_the_erlen_command_line(tmp_path: Path) -> None:
    """The command as the README gives it, in a real process."""
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("BOARD_", "ERLEN_", "FLASK_"))
    }
    env["BOARD_INSTANCE_PATH"] = str(tmp_path / "instance")
    env["BOARD_SECRET_KEY"] = "command line test"
    erlen_command = Path(sys.executable).parent / "erlen"
    done = subprocess.run(
        [str(erlen_command), "--app", "examples/board/board", "board", "init-db", "--drop"],
        cwd=BOARD_ROOT.parent.parent, env=env, capture_output=True, text=True, timeout=60,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert "Initialized the database." in done.stdout
    assert (tmp_path / "instance" / "board.sqlite").is_file()


def test_a_fresh_instance_folder_gets_its_database_on_first_run(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, built: list[Erlen]
) -> None:
    instance = tmp_path / "fresh" / "instance"
    monkeypatch.setenv("BOARD_INSTANCE_PATH", str(instance))
    app = create_app({"TESTING": True, "SECRET_KEY": "fresh"})
    built.append(app)
    assert app.instance_path == str(instance)
    assert (instance / "board.sqlite").is_file()
    assert tables(app) == TABLES
    person = Visitor(app)
    person.register("first")
    person.new_post("Hello, new board")
    assert "Hello, new board" in person.page("/")
    # A second start keeps the data.
    again = create_app({"TESTING": True, "SECRET_KEY": "fresh"})
    built.append(again)
    assert "Hello, new board" in Visitor(again).page("/")


def test_configuration_from_the_instance_folder_and_the_environment(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, built: list[Erlen]
) -> None:
    instance = tmp_path / "instance"
    instance.mkdir()
    (instance / "config.py").write_text(
        "SECRET_KEY = 'from config.py'\nPOSTS_PER_PAGE = 3\nAVATAR_MAX_BYTES = 1000\n"
    )
    monkeypatch.setenv("BOARD_INSTANCE_PATH", str(instance))
    monkeypatch.setenv("BOARD_AVATAR_MAX_BYTES", "2048")  # the environment wins
    monkeypatch.setenv("BOARD_SQLALCHEMY_DATABASE_URI", f"sqlite:///{tmp_path / 'env.sqlite'}")
    app = create_app()
    built.append(app)
    assert app.config["SECRET_KEY"] == "from config.py"
    assert app.config["POSTS_PER_PAGE"] == 3
    assert app.config["AVATAR_MAX_BYTES"] == 2048
    assert (tmp_path / "env.sqlite").is_file()
    assert not (instance / "board.sqlite").exists()

    # A test configuration replaces both.
    tested = create_app({"TESTING": True, "SECRET_KEY": "t", "SQLALCHEMY_DATABASE_URI": "sqlite://"})
    built.append(tested)
    assert tested.config["POSTS_PER_PAGE"] == 10 and tested.config["AVATAR_MAX_BYTES"] == 1 << 20


def test_without_a_secret_key_a_dev_key_and_a_warning(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    built: list[Erlen],
    caplog: pytest.LogCaptureFixture,
) -> None:
    monkeypatch.setenv("BOARD_INSTANCE_PATH", str(tmp_path / "instance"))
    with caplog.at_level(logging.WARNING):
        app = create_app({"SQLALCHEMY_DATABASE_URI": "sqlite://"})
    built.append(app)
    assert app.config["SECRET_KEY"] == DEV_SECRET_KEY
    assert "No SECRET_KEY is set" in caplog.text and "BOARD_SECRET_KEY" in caplog.text


def test_wsgi_module_serves_the_board(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, built: list[Erlen]
) -> None:
    monkeypatch.setenv("BOARD_INSTANCE_PATH", str(tmp_path / "instance"))
    monkeypatch.setenv("BOARD_SECRET_KEY", "wsgi test")
    app = runpy.run_path(str(BOARD_ROOT / "wsgi.py"))["app"]
    built.append(app)
    assert isinstance(app, Erlen)
    assert app.config["SECRET_KEY"] == "wsgi test"
    assert app.test_client().get("/").status_code == 200
