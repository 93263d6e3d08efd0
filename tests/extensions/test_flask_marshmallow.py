"""flask-marshmallow on erlen, used as its documentation shows.

flask-marshmallow registers itself in ``app.extensions``, builds URLs with
``url_for`` (and ``current_app.url_map`` for hyperlinked related fields), answers
``Schema.jsonify`` through ``flask.jsonify`` and the app's JSON provider, reads
``current_app.config`` for its ``Config`` field, and ties its SQLAlchemy schemas to
Flask-SQLAlchemy's session.
"""

from __future__ import annotations

import erlen  # first: from here on, `flask` is erlen

# isort: split
import io
import typing as t

import pytest
from flask import Blueprint, request
from flask_marshmallow import Marshmallow
from flask_marshmallow.fields import File
from flask_marshmallow.validate import FileSize, FileType
from flask_sqlalchemy import SQLAlchemy
from marshmallow import ValidationError, fields
from werkzeug.datastructures import FileStorage


def create_app() -> tuple[erlen.Erlen, Marshmallow, SQLAlchemy]:
    app = erlen.Erlen(__name__)
    app.config.update(SQLALCHEMY_DATABASE_URI="sqlite://", API_VERSION="2.1")
    db = SQLAlchemy(app)
    ma = Marshmallow(app)
    return app, ma, db


def test_hyperlinks_and_jsonify() -> None:
    app, ma, _ = create_app()
    authors = Blueprint("authors", __name__, url_prefix="/authors")

    @authors.route("/<int:author_id>")
    def author(author_id: int) -> str:
        return "author"

    app.register_blueprint(authors)

    class BookSchema(ma.Schema):
        id = fields.Int()
        title = fields.Str()
        url = ma.URLFor("book", values={"book_id": "<id>"})
        author_url = ma.AbsoluteURLFor("authors.author", values={"author_id": "<author_id>"})
        links = ma.Hyperlinks(
            {
                "self": ma.URLFor("book", values={"book_id": "<id>"}),
                "collection": ma.URLFor("books"),
            }
        )
        version = ma.Config("API_VERSION")

    books = [
        {"id": 1, "title": "Emma", "author_id": 7},
        {"id": 2, "title": "Ulysses", "author_id": 8},
    ]

    @app.route("/books/")
    def books_view() -> object:
        return BookSchema(many=True).jsonify(books)

    app.add_url_rule("/books/", endpoint="books", view_func=books_view)

    @app.route("/books/<int:book_id>")
    def book(book_id: int) -> object:
        return BookSchema().jsonify(books[book_id - 1])

    client = app.test_client()
    one = client.get("/books/1")
    assert one.mimetype == "application/json"
    assert one.json == {
        "id": 1,
        "title": "Emma",
        "url": "/books/1",
        "author_url": "http://localhost/authors/7",
        "links": {"self": "/books/1", "collection": "/books/"},
        "version": "2.1",
    }
    many = client.get("/books/", base_url="https://shop.example.com")
    assert [item["author_url"] for item in many.json] == [
        "https://shop.example.com/authors/7",
        "https://shop.example.com/authors/8",
    ]
    assert app.extensions["flask-marshmallow"] is ma


def test_urls_outside_a_request_need_server_name() -> None:
    app, ma, _ = create_app()

    @app.route("/items/<int:item_id>")
    def item(item_id: int) -> str:
        return "item"

    class ItemSchema(ma.Schema):
        link = ma.URLFor("item", values={"item_id": "<id>"})

    with app.app_context(), pytest.raises(RuntimeError, match="SERVER_NAME"):
        ItemSchema().dump({"id": 3})
    app.config["SERVER_NAME"] = "api.example.com"
    with app.app_context():
        assert ItemSchema().dump({"id": 3}) == {"link": "http://api.example.com/items/3"}


def test_file_fields_validate_uploads() -> None:
    app, ma, _ = create_app()

    class UploadSchema(ma.Schema):
        document = File(required=True, validate=[FileType([".txt"]), FileSize(max="10 B")])

    @app.route("/upload", methods=["POST"])
    def upload() -> object:
        try:
            data = UploadSchema().load(request.files)
        except ValidationError as error:
            return {"errors": error.messages}, 422
        return {"name": data["document"].filename}

    client = app.test_client()
    ok = client.post("/upload", data={"document": (io.BytesIO(b"hello"), "a.txt")})
    assert ok.json == {"name": "a.txt"}
    wrong_type = client.post("/upload", data={"document": (io.BytesIO(b"hello"), "a.exe")})
    assert wrong_type.status_code == 422
    too_big = client.post("/upload", data={"document": (io.BytesIO(b"x" * 50), "b.txt")})
    assert too_big.status_code == 422
    assert isinstance(
        UploadSchema().load({"document": FileStorage(io.BytesIO(b"x"), "c.txt")})["document"],
        FileStorage,
    )


def test_sqlalchemy_auto_schemas_use_the_apps_session() -> None:
    app, ma, db = create_app()

    class Author(db.Model):  # type: ignore[name-defined,misc]
        id = db.Column(db.Integer, primary_key=True)
        name = db.Column(db.String(80), nullable=False)
        books = db.relationship("Book", back_populates="author")

    class Book(db.Model):  # type: ignore[name-defined,misc]
        id = db.Column(db.Integer, primary_key=True)
        title = db.Column(db.String(80))
        author_id = db.Column(db.Integer, db.ForeignKey(Author.id))
        author = db.relationship(Author, back_populates="books")

    class AuthorSchema(ma.SQLAlchemyAutoSchema):
        class Meta:
            model = Author
            load_instance = True
            include_relationships = True

        url = ma.URLFor("author_detail", values={"author_id": "<id>"})

    class BookSchema(ma.SQLAlchemyAutoSchema):
        class Meta:
            model = Book
            include_fk = True

        author = ma.HyperlinkRelated("author_detail", url_key="author_id")

    @app.route("/authors/<int:author_id>")
    def author_detail(author_id: int) -> object:
        return AuthorSchema().jsonify(db.get_or_404(Author, author_id))

    @app.route("/books/<int:book_id>")
    def book_detail(book_id: int) -> object:
        return BookSchema().jsonify(db.get_or_404(Book, book_id))

    @app.route("/authors", methods=["POST"])
    def create_author() -> tuple[object, int]:
        author = t.cast(Author, AuthorSchema().load(request.get_json()))
        db.session.add(author)
        db.session.commit()
        return AuthorSchema().jsonify(author), 201

    with app.app_context():
        db.create_all()
        ada = Author(name="Ada")
        db.session.add_all([ada, Book(title="Notes", author=ada)])
        db.session.commit()

    client = app.test_client()
    assert client.get("/authors/1").json == {
        "id": 1,
        "name": "Ada",
        "books": [1],
        "url": "/authors/1",
    }
    assert client.get("/books/1").json == {
        "id": 1,
        "title": "Notes",
        "author_id": 1,
        "author": "/authors/1",
    }
    created = client.post("/authors", json={"name": "Grace"})
    assert created.status_code == 201
    assert created.json["id"] == 2
    assert client.get("/authors/3").status_code == 404
    with app.test_request_context():
        # The URL is resolved through the url_map and the author loaded from the database.
        assert BookSchema().load({"author": "/authors/1", "title": "x"})["author"].name == "Ada"
