"""Notes: a public list, a JSON view of it, and owner-only create/update/delete."""

from __future__ import annotations

import sqlite3
import typing as t

from .auth import login_required
from .compat import Blueprint, abort, flash, g, redirect, render_template, request, url_for
from .db import get_db

bp = Blueprint("notes", __name__)

_SELECT = (
    "SELECT n.id, n.title, n.body, n.created, n.author_id, u.username"
    " FROM note n JOIN user u ON n.author_id = u.id"
)


def fetch_note(id: int, check_author: bool = True) -> sqlite3.Row:
    """Load note ``id`` or abort: 404 when missing, 403 when someone else owns it."""
    note: sqlite3.Row | None = get_db().execute(f"{_SELECT} WHERE n.id = ?", (id,)).fetchone()
    if note is None:
        abort(404, f"Note id {id} doesn't exist.")
    if check_author and note["author_id"] != g.user["id"]:
        abort(403, f"Note id {id} belongs to someone else.")
    return note


@bp.route("/")
def index() -> str:
    notes = get_db().execute(f"{_SELECT} ORDER BY n.id DESC").fetchall()
    return render_template("notes/index.html", notes=notes)


@bp.route("/api/notes")
def api_notes() -> list[dict[str, t.Any]]:
    rows = get_db().execute(f"{_SELECT} ORDER BY n.id").fetchall()
    return [
        {"id": r["id"], "title": r["title"], "body": r["body"], "author": r["username"]}
        for r in rows
    ]


def _read_form() -> tuple[str, str, str | None]:
    title = request.form.get("title", "").strip()
    body = request.form.get("body", "")
    error = None if title else "A title is needed."
    return title, body, error


@bp.route("/create", methods=("GET", "POST"))
@login_required
def create() -> t.Any:
    if request.method == "POST":
        title, body, error = _read_form()
        if error is not None:
            flash(error)
        else:
            db = get_db()
            db.execute(
                "INSERT INTO note (title, body, author_id) VALUES (?, ?, ?)",
                (title, body, g.user["id"]),
            )
            db.commit()
            flash(f"Saved {title}.")
            return redirect(url_for("notes.index"))

    return render_template("notes/create.html")


@bp.route("/<int:id>/update", methods=("GET", "POST"))
@login_required
def update(id: int) -> t.Any:
    note = fetch_note(id)
    if request.method == "POST":
        title, body, error = _read_form()
        if error is not None:
            flash(error)
        else:
            db = get_db()
            db.execute("UPDATE note SET title = ?, body = ? WHERE id = ?", (title, body, id))
            db.commit()
            flash(f"Updated {title}.")
            return redirect(url_for("notes.index"))

    return render_template("notes/update.html", note=note)


@bp.route("/<int:id>/delete", methods=("POST",))
@login_required
def delete(id: int) -> t.Any:
    fetch_note(id)
    db = get_db()
    db.execute("DELETE FROM note WHERE id = ?", (id,))
    db.commit()
    flash(f"Deleted note {id}.")
    return redirect(url_for("notes.index"))
