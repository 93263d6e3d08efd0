"""One sqlite connection per application context, plus the ``init-db`` command."""

from __future__ import annotations

import sqlite3
import typing as t

import click

from .compat import current_app, g, with_appcontext


def get_db() -> sqlite3.Connection:
    """Open the configured database on first use in this app context and reuse it."""
    if "db" not in g:
        conn = sqlite3.connect(current_app.config["DATABASE"])
        conn.row_factory = sqlite3.Row
        conn.execute("PRAGMA foreign_keys = ON")
        g.db = conn
    db: sqlite3.Connection = g.db
    return db


def close_db(exc: BaseException | None = None) -> None:
    """Teardown hook: close the connection if this context opened one."""
    conn = g.pop("db", None)
    if conn is not None:
        conn.close()


def init_db() -> None:
    """Drop and recreate every table from ``schema.sql``."""
    with current_app.open_resource("schema.sql") as fh:
        script = fh.read().decode("utf-8")
    get_db().executescript(script)


@click.command("init-db")
@with_appcontext
def init_db_command() -> None:
    """Clear existing data and create fresh tables."""
    init_db()
    click.echo("Initialized the database.")


def init_app(app: t.Any) -> None:
    app.teardown_appcontext(close_db)
    app.cli.add_command(init_db_command)
