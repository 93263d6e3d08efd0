"""The mixed erlen app that ``bench/soak.py`` serves: one app, many kinds of request.

    granian --interface wsgi --workers 1 apps.soak_app:app      (from bench/)

Unlike the per-framework modules next to it, this is not a ``make(case)`` module: it
is a single app with every route at once, built when the module is imported, the way
a server imports a real application. It reuses the benchmark cases' templates, static
file, rows and secret key (``apps/__init__.py``).

| request                               | answer |
|---------------------------------------|--------|
| ``GET /``                             | 200, ``Hello, World!`` |
| ``GET /users/42/posts/7``             | 200, JSON ``{"post": 7, "user": 42}`` |
| ``GET /count`` with a session cookie  | 200, the counter plus one, in the body and re-signed |
| ``GET /page``                         | 200, ``page.html`` (extends ``base.html``), 50 rows |
| ``GET /static/file.bin``              | 200, 10240 bytes, with an ``ETag`` |
| the same with ``If-None-Match``       | 304 |
| ``GET /missing``                      | 404 |
| ``POST /``                            | 405 (the rule is GET only) |
| ``GET /boom``                         | 500: the view raises; erlen logs the exception |
"""

from erlen import Erlen, render_template, session

from . import PAGE_TITLE, SECRET_KEY, STATIC_DIR, TEMPLATE_DIR, TEMPLATE_NAME, make_rows


class BoomError(RuntimeError):
    """Raised by ``/boom`` on purpose, so that every soak run serves some 500s."""


app = Erlen(__name__, template_folder=TEMPLATE_DIR, static_folder=STATIC_DIR)
app.secret_key = SECRET_KEY

_rows = make_rows()


@app.get("/")
def hello() -> str:
    return "Hello, World!"


@app.get("/users/<int:user_id>/posts/<int:post_id>")
def user_post(user_id: int, post_id: int) -> dict[str, int]:
    return {"user": user_id, "post": post_id}


@app.get("/count")
def count() -> str:
    session["n"] = session.get("n", 0) + 1
    return str(session["n"])


@app.get("/page")
def page() -> str:
    return render_template(TEMPLATE_NAME, title=PAGE_TITLE, rows=_rows)


@app.get("/boom")
def boom() -> str:
    raise BoomError("raised on purpose by /boom")
