"""Command line tools, under ``erlen --app examples/board/board board ...``.

An ``AppGroup`` runs its commands inside the app context, so ``db`` works in them
as in a view.
"""

from __future__ import annotations

import re

import click

from erlen.cli import AppGroup

from .forms import PASSWORD_MIN, USERNAME_PATTERN
from .models import USERNAME_MAX, User, db

board = AppGroup("board", help="Manage the board's database and accounts.")


@board.command("init-db")
@click.option("--drop", is_flag=True, help="Drop every table first: deletes all the data.")
def init_db(drop: bool) -> None:
    """Create the database tables that are missing."""
    if drop:
        db.drop_all()
        click.echo("Dropped the tables.")
    db.create_all()
    click.echo("Initialized the database.")


@board.command("create-user")
@click.argument("username")
@click.password_option(help="The password (asked for when not given).")
def create_user(username: str, password: str) -> None:
    """Create an account, e.g. the first one on a new board."""
    if not (3 <= len(username) <= USERNAME_MAX and re.match(USERNAME_PATTERN, username)):
        raise click.BadParameter(
            f"use 3 to {USERNAME_MAX} letters, digits, '_', '.' or '-'.", param_hint="USERNAME"
        )
    if len(password) < PASSWORD_MIN:
        raise click.BadParameter(f"use at least {PASSWORD_MIN} characters.", param_hint="PASSWORD")
    if User.name_taken(username):
        raise click.ClickException(f"The username {username!r} is taken.")
    user = User(username=username)
    user.set_password(password)
    db.session.add(user)
    db.session.commit()
    click.echo(f"Created the user {username!r}.")
