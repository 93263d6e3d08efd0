"""Flask-SQLAlchemy on erlen, used as its documentation shows, on SQLite files in tmp_path."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import erlen  # first: from here on, `flask` is erlen

# isort: split
import pytest
from flask_sqlalchemy import SQLAlchemy
from flask_sqlalchemy.record_queries import get_recorded_queries
from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

from erlen import abort, request


class Base(DeclarativeBase):
    pass


db = SQLAlchemy(model_class=Base)


class User(db.Model):  # type: ignore[name-defined,misc]
    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(50), unique=True)
    posts: Mapped[list[Post]] = relationship(back_populates="author")


class Post(db.Model):  # type: ignore[name-defined,misc]
    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str]
    author_id: Mapped[int] = mapped_column(ForeignKey("user.id"))
    author: Mapped[User] = relationship(back_populates="posts")


def create_app(tmp_path: Path, **config: object) -> erlen.Erlen:
    app = erlen.Erlen(__name__, instance_path=str(tmp_path / "instance"))
    app.config["SQLALCHEMY_DATABASE_URI"] = f"sqlite:///{tmp_path / 'app.db'}"
    app.config.update(config)
    db.init_app(app)

    @app.post("/users")
    def add_user() -> tuple[dict[str, object], int]:
        user = User(username=request.form["username"])
        db.session.add(user)
        db.session.commit()
        return {"id": user.id, "username": user.username}, 201

    @app.get("/users/<int:user_id>")
    def get_user(user_id: int) -> dict[str, object]:
        user = db.get_or_404(User, user_id)
        return {"username": user.username, "posts": [p.title for p in user.posts]}

    @app.get("/by-name/<name>")
    def by_name(name: str) -> str:
        return str(db.one_or_404(db.select(User).filter_by(username=name)).id)

    @app.post("/users/<int:user_id>/posts")
    def add_post(user_id: int) -> tuple[str, int]:
        user = db.get_or_404(User, user_id)
        db.session.add(Post(title=request.form["title"], author=user))
        db.session.commit()
        return "created", 201

    @app.get("/users")
    def list_users() -> dict[str, object]:
        page = db.paginate(db.select(User).order_by(User.username), per_page=2)
        return {
            "items": [u.username for u in page.items],
            "page": page.page,
            "pages": page.pages,
            "total": page.total,
            "has_next": page.has_next,
        }

    @app.post("/fail")
    def fail() -> str:
        db.session.add(User(username=request.form["username"]))
        db.session.flush()
        abort(409)  # the request ends without a commit

    with app.app_context():
        db.create_all()
    return app


def rows(path: Path, query: str) -> list[tuple[object, ...]]:
    with sqlite3.connect(path) as connection:
        return connection.execute(query).fetchall()


def test_create_all_makes_the_tables_in_the_database_file(tmp_path: Path) -> None:
    create_app(tmp_path)
    tables = rows(tmp_path / "app.db", "select name from sqlite_master where type='table'")
    assert sorted(name for (name,) in tables) == ["post", "user"]


def test_views_write_and_read_rows(tmp_path: Path) -> None:
    app = create_app(tmp_path)
    client = app.test_client()

    response = client.post("/users", data={"username": "ada"})
    assert response.status_code == 201
    assert response.json == {"id": 1, "username": "ada"}
    assert client.post("/users/1/posts", data={"title": "Notes"}).status_code == 201
    assert client.post("/users/1/posts", data={"title": "Engines"}).status_code == 201

    assert rows(tmp_path / "app.db", "select id, username from user") == [(1, "ada")]
    assert rows(tmp_path / "app.db", "select title, author_id from post order by id") == [
        ("Notes", 1),
        ("Engines", 1),
    ]
    assert client.get("/users/1").json == {"username": "ada", "posts": ["Notes", "Engines"]}
    assert client.get("/by-name/ada").text == "1"


def test_or_404_helpers_answer_404(tmp_path: Path) -> None:
    client = create_app(tmp_path).test_client()
    assert client.get("/users/7").status_code == 404
    assert client.get("/by-name/nobody").status_code == 404
    assert client.post("/users/7/posts", data={"title": "x"}).status_code == 404


def test_paginate_reads_page_from_the_query_string(tmp_path: Path) -> None:
    client = create_app(tmp_path).test_client()
    for name in ["eve", "bob", "dan", "ada", "cat"]:
        assert client.post("/users", data={"username": name}).status_code == 201

    assert client.get("/users").json == {
        "items": ["ada", "bob"],
        "page": 1,
        "pages": 3,
        "total": 5,
        "has_next": True,
    }
    assert client.get("/users?page=3").json["items"] == ["eve"]
    assert client.get("/users?page=3").json["has_next"] is False
    assert client.get("/users?page=4").status_code == 404  # error_out, as documented
    assert client.get("/users?page=x").status_code == 404


def test_uncommitted_work_is_dropped_at_the_end_of_the_request(tmp_path: Path) -> None:
    app = create_app(tmp_path)
    client = app.test_client()
    assert client.post("/fail", data={"username": "ghost"}).status_code == 409
    assert rows(tmp_path / "app.db", "select username from user") == []
    # The scoped session was removed at teardown: the next request starts clean.
    assert client.post("/users", data={"username": "ghost"}).status_code == 201
    assert rows(tmp_path / "app.db", "select username from user") == [("ghost",)]


def test_each_app_context_has_its_own_session(tmp_path: Path) -> None:
    app = create_app(tmp_path)
    with app.app_context():
        first = db.session()
        assert db.session() is first
        db.session.add(User(username="pending"))
    with app.app_context():
        assert db.session() is not first
        assert db.session.execute(db.select(User)).scalars().all() == []


def test_relative_sqlite_path_goes_to_the_instance_folder(tmp_path: Path) -> None:
    create_app(tmp_path, SQLALCHEMY_DATABASE_URI="sqlite:///relative.db")
    assert (tmp_path / "instance" / "relative.db").is_file()
    assert not (tmp_path / "app.db").exists()


def test_binds_put_models_in_their_own_database(tmp_path: Path) -> None:
    class Base2(DeclarativeBase):
        pass

    other = SQLAlchemy(model_class=Base2)

    class Event(other.Model):  # type: ignore[name-defined,misc]
        __bind_key__ = "events"
        id: Mapped[int] = mapped_column(primary_key=True)
        name: Mapped[str]

    app = erlen.Erlen(__name__, instance_path=str(tmp_path / "instance"))
    app.config["SQLALCHEMY_DATABASE_URI"] = f"sqlite:///{tmp_path / 'main.db'}"
    app.config["SQLALCHEMY_BINDS"] = {"events": f"sqlite:///{tmp_path / 'events.db'}"}
    other.init_app(app)
    with app.app_context():
        other.create_all()
        other.session.add(Event(name="launch"))
        other.session.commit()
    assert rows(tmp_path / "events.db", "select name from event") == [("launch",)]
    assert rows(tmp_path / "main.db", "select name from sqlite_master") == []


def test_recorded_queries_are_kept_on_g(tmp_path: Path) -> None:
    app = create_app(tmp_path, SQLALCHEMY_RECORD_QUERIES=True)
    with app.test_request_context():
        db.session.add(User(username="ada"))
        db.session.commit()
        db.session.execute(db.select(User)).scalars().all()
        statements = [query.statement for query in get_recorded_queries()]
    assert any(s.startswith("INSERT INTO user") for s in statements)
    assert any(s.startswith("SELECT user.id") for s in statements)


def test_models_are_in_the_shell_context(tmp_path: Path) -> None:
    app = create_app(tmp_path)
    with app.app_context():  # `erlen shell` pushes one
        context = app.make_shell_context()
    assert context["db"] is db
    assert context["User"] is User
    assert context["Post"] is Post


def test_session_outside_an_app_context_says_so(tmp_path: Path) -> None:
    create_app(tmp_path)
    with pytest.raises(RuntimeError, match="application context"):
        db.session.execute(db.select(User))
