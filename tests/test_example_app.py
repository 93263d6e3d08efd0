"""The example app that ``make run`` serves answers its documented pages."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import pytest

from erlen import Erlen

EXAMPLE = Path(__file__).resolve().parent.parent / "examples" / "hello" / "app.py"


@pytest.fixture(scope="module")
def app() -> Erlen:
    spec = importlib.util.spec_from_file_location("example_hello_app", EXAMPLE)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    example: Erlen = module.app
    return example


def test_index_links_to_every_book_and_the_json_endpoint(app: Erlen) -> None:
    response = app.test_client().get("/")
    assert response.status_code == 200
    body = response.get_data(as_text=True)
    assert '<a href="/books/1">' in body
    assert '<a href="/books/2">' in body
    assert '<a href="/api/books">' in body


def test_greeting_uses_the_name_from_the_url_and_the_shout_argument(app: Erlen) -> None:
    client = app.test_client()
    assert client.get("/hello/ada").get_data(as_text=True) == "Hello, ada!"
    assert client.get("/hello/ada?shout=1").get_data(as_text=True) == "HELLO, ADA!"


def test_book_page_and_missing_book(app: Erlen) -> None:
    client = app.test_client()
    assert "Momo" in client.get("/books/2").get_data(as_text=True)
    missing = client.get("/books/99")
    assert missing.status_code == 404
    assert "There is no book number 99." in missing.get_data(as_text=True)


def test_json_endpoint_lists_books(app: Erlen) -> None:
    response = app.test_client().get("/api/books")
    assert response.mimetype == "application/json"
    assert [book["title"] for book in response.json["books"]] == ["The Little Prince", "Momo"]


def test_json_endpoint_rejects_post_with_405(app: Erlen) -> None:
    response = app.test_client().post("/api/books")
    assert response.status_code == 405
    assert set(response.allow) == {"GET", "HEAD", "OPTIONS"}
