"""The example app: a few pages and one JSON endpoint. ``make run`` serves it."""

from __future__ import annotations

from erlen import Erlen, abort, request, url_for

app = Erlen(__name__)

BOOKS = {
    1: {"id": 1, "title": "The Little Prince", "year": 1943},
    2: {"id": 2, "title": "Momo", "year": 1973},
}


@app.route("/")
def index() -> str:
    links = "".join(
        f'<li><a href="{url_for("book", book_id=book_id)}">{book["title"]}</a></li>'
        for book_id, book in BOOKS.items()
    )
    return (
        "<h1>Hello from erlen</h1>"
        f"<ul>{links}</ul>"
        f'<p><a href="{url_for("books_json")}">All books as JSON</a></p>'
        f'<p><a href="{url_for("greet", name="world")}">A greeting</a></p>'
    )


@app.route("/hello/<name>")
def greet(name: str) -> str:
    shout = request.args.get("shout") == "1"
    text = f"Hello, {name}!"
    return text.upper() if shout else text


@app.route("/books/<int:book_id>")
def book(book_id: int) -> str:
    found = BOOKS.get(book_id)
    if found is None:
        abort(404, f"There is no book number {book_id}.")
    return f"<h1>{found['title']}</h1><p>Published {found['year']}.</p>"


@app.get("/api/books")
def books_json() -> dict[str, object]:
    return {"books": list(BOOKS.values())}


if __name__ == "__main__":
    app.run(host="127.0.0.1", port=5000)
