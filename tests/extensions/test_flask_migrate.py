"""Flask-Migrate on erlen: ``erlen db init/migrate/upgrade`` through the app's CLI runner
and as real ``python -m erlen`` processes, on SQLite files in tmp_path."""

from __future__ import annotations

import logging
import os
import sqlite3
import subprocess
import sys
import textwrap
from collections.abc import Iterator
from pathlib import Path

import erlen  # first: from here on, `flask` is erlen

# isort: split
import pytest
from flask_migrate import Migrate
from flask_sqlalchemy import SQLAlchemy
from sqlalchemy import String
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

# Flask-Migrate's env.py template calls Flask-SQLAlchemy's deprecated get_engine() first
# (the same on Flask): not erlen's to fix.
pytestmark = pytest.mark.filterwarnings("ignore:'get_engine' is deprecated:DeprecationWarning")


@pytest.fixture(autouse=True)
def keep_logging() -> Iterator[None]:
    """Alembic's env.py runs ``logging.config.fileConfig``, which replaces the root
    handlers (here with the CLI runner's captured stderr) and disables other loggers;
    later tests in this process get the logging set-up they had."""
    root = logging.getLogger()
    handlers, level = root.handlers[:], root.level
    disabled = {
        name: logger.disabled
        for name, logger in logging.Logger.manager.loggerDict.items()
        if isinstance(logger, logging.Logger)
    }
    yield
    root.handlers[:] = handlers
    root.setLevel(level)
    for name, logger in logging.Logger.manager.loggerDict.items():
        if isinstance(logger, logging.Logger):
            logger.disabled = disabled.get(name, False)


def create_app(tmp_path: Path) -> tuple[erlen.Erlen, SQLAlchemy]:
    class Base(DeclarativeBase):
        pass

    db = SQLAlchemy(model_class=Base)

    class Author(db.Model):  # type: ignore[name-defined,misc]
        id: Mapped[int] = mapped_column(primary_key=True)
        name: Mapped[str] = mapped_column(String(80), unique=True)

    app = erlen.Erlen(__name__)
    app.config["SQLALCHEMY_DATABASE_URI"] = f"sqlite:///{tmp_path / 'app.db'}"
    db.init_app(app)
    Migrate(app, db, directory=str(tmp_path / "migrations"))
    return app, db


def tables(path: Path) -> list[str]:
    with sqlite3.connect(path) as connection:
        found = connection.execute("select name from sqlite_master where type='table'")
        return sorted(name for (name,) in found)


def revisions(versions: Path) -> list[str]:
    return sorted(p.name.split("_", 1)[0] for p in versions.glob("*.py"))


def applied_revision(path: Path) -> str:
    with sqlite3.connect(path) as connection:
        ((revision,),) = connection.execute("select version_num from alembic_version")
        return str(revision)


def test_db_commands_through_the_cli_runner(tmp_path: Path) -> None:
    app, _ = create_app(tmp_path)
    runner = app.test_cli_runner()

    result = runner.invoke(args=["db", "init"])
    assert result.exit_code == 0, result.output
    assert (tmp_path / "migrations" / "env.py").is_file()
    assert (tmp_path / "migrations" / "alembic.ini").is_file()

    result = runner.invoke(args=["db", "migrate", "-m", "authors"])
    assert result.exit_code == 0, result.output
    [revision] = revisions(tmp_path / "migrations" / "versions")
    script = next((tmp_path / "migrations" / "versions").glob("*.py")).read_text()
    assert "op.create_table('author'" in script
    assert not (tmp_path / "app.db").exists() or "author" not in tables(tmp_path / "app.db")

    result = runner.invoke(args=["db", "upgrade"])
    assert result.exit_code == 0, result.output
    assert tables(tmp_path / "app.db") == ["alembic_version", "author"]
    assert applied_revision(tmp_path / "app.db") == revision

    result = runner.invoke(args=["db", "downgrade"])
    assert result.exit_code == 0, result.output
    assert tables(tmp_path / "app.db") == ["alembic_version"]


def test_db_is_a_command_of_the_app(tmp_path: Path) -> None:
    app, _ = create_app(tmp_path)
    result = app.test_cli_runner().invoke(args=["db", "--help"])
    assert result.exit_code == 0, result.output
    for command in ("init", "migrate", "upgrade", "downgrade", "current", "history"):
        assert command in result.output


def test_migrated_tables_are_what_the_views_use(tmp_path: Path) -> None:
    app, db = create_app(tmp_path)
    runner = app.test_cli_runner()
    for args in (["db", "init"], ["db", "migrate"], ["db", "upgrade"]):
        result = runner.invoke(args=args)
        assert result.exit_code == 0, result.output

    @app.post("/authors")
    def add() -> tuple[str, int]:
        db.session.execute(db.text("insert into author (name) values (:n)"), {"n": "ada"})
        db.session.commit()
        return "added", 201

    assert app.test_client().post("/authors").status_code == 201
    with sqlite3.connect(tmp_path / "app.db") as connection:
        assert connection.execute("select id, name from author").fetchall() == [(1, "ada")]


APP_MODULE = """
import os

import erlen
from flask_migrate import Migrate
from flask_sqlalchemy import SQLAlchemy

app = erlen.Erlen(__name__)
app.config["SQLALCHEMY_DATABASE_URI"] = "sqlite:///" + os.path.abspath("notes.db")
db = SQLAlchemy(app)
migrate = Migrate(app, db)


class Note(db.Model):
    id = db.Column(db.Integer, primary_key=True)
    text = db.Column(db.String(200), nullable=False)
"""


def erlen_command(tmp_path: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = dict(os.environ)
    env.pop("ERLEN_FLASK_ALIAS", None)  # the default: `flask` means erlen
    return subprocess.run(
        [sys.executable, "-m", "erlen", "--app", "notes_app", *args],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_db_upgrade_as_a_subprocess(tmp_path: Path) -> None:
    (tmp_path / "notes_app.py").write_text(textwrap.dedent(APP_MODULE))

    result = erlen_command(tmp_path, "--help")
    assert result.returncode == 0, result.stderr
    assert "db " in result.stdout  # Flask-Migrate's command group, under erlen

    for args in (["db", "init"], ["db", "migrate", "-m", "notes"], ["db", "upgrade"]):
        result = erlen_command(tmp_path, *args)
        assert result.returncode == 0, result.stdout + result.stderr

    [revision] = revisions(tmp_path / "migrations" / "versions")
    assert "Running upgrade  -> " + revision in result.stderr
    assert tables(tmp_path / "notes.db") == ["alembic_version", "note"]
    assert applied_revision(tmp_path / "notes.db") == revision
