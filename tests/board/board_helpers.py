"""Helpers for the board tests: a test client that fills in the app's HTML forms the
way a browser does, CSRF token included, and small images to upload."""

from __future__ import annotations

import base64
import typing as t
from html.parser import HTMLParser
from pathlib import Path

from werkzeug.test import TestResponse

from erlen import Erlen
from erlen.testing import ErlenClient

#: The folder that holds the board package (and wsgi.py): on sys.path, it is ``board``.
BOARD_ROOT = Path(__file__).resolve().parents[2] / "examples" / "board"

#: A real 1x1 PNG, and the first bytes of a JPEG and a GIF (the app checks the magic).
PNG = base64.b64decode(
    "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg=="
)
JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00" + b"\x00" * 32
GIF = b"GIF89a\x01\x00\x01\x00\x00\x00\x00;"


class Form(t.NamedTuple):
    """A form found on a page: where it posts, how, and its hidden inputs' values."""

    action: str
    method: str
    hidden: dict[str, str]


class FormParser(HTMLParser):
    """Collects the forms of a page by their ``id``."""

    def __init__(self) -> None:
        super().__init__()
        self.forms: dict[str, Form] = {}
        self._current: str | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        attributes = {name: value or "" for name, value in attrs}
        if tag == "form":
            self._current = attributes.get("id", "")
            self.forms[self._current] = Form(
                attributes.get("action", ""), attributes.get("method", "get").lower(), {}
            )
        elif tag == "input" and self._current is not None and attributes.get("type") == "hidden":
            self.forms[self._current].hidden[attributes["name"]] = attributes.get("value", "")

    def handle_endtag(self, tag: str) -> None:
        if tag == "form":
            self._current = None


def forms_of(html: str) -> dict[str, Form]:
    """The forms of an HTML page, by id."""
    parser = FormParser()
    parser.feed(html)
    return parser.forms


class Visitor:
    """Someone using the board through the test client."""

    def __init__(self, app: Erlen) -> None:
        self.app = app
        self.client: ErlenClient = app.test_client()

    def get(self, url: str, **kwargs: t.Any) -> TestResponse:
        return self.client.get(url, **kwargs)

    def page(self, url: str) -> str:
        """The HTML of a page that must be there (200)."""
        response = self.client.get(url)
        assert response.status_code == 200, (url, response.status_code)
        return response.get_data(as_text=True)

    def form(self, url: str, form_id: str) -> Form:
        """The form ``form_id`` on the page at ``url``."""
        forms = forms_of(self.page(url))
        assert form_id in forms, f"no form {form_id!r} on {url}: {sorted(forms)}"
        return forms[form_id]

    def submit(
        self,
        url: str,
        form_id: str,
        data: dict[str, t.Any] | None = None,
        follow_redirects: bool = False,
    ) -> TestResponse:
        """Open the page at ``url`` and send its form ``form_id`` with ``data`` added to
        the form's hidden inputs (its CSRF token among them), as a browser would."""
        form = self.form(url, form_id)
        assert form.method == "post"
        assert "csrf_token" in form.hidden, f"form {form_id!r} has no CSRF token"
        return self.client.post(
            form.action or url,
            data={**form.hidden, **(data or {})},
            follow_redirects=follow_redirects,
        )

    def register(self, username: str, password: str = "password123") -> TestResponse:
        response = self.submit(
            "/auth/register",
            "register-form",
            {"username": username, "password": password, "confirm": password},
        )
        assert response.status_code == 302, response.get_data(as_text=True)
        return response

    def login(self, username: str, password: str = "password123") -> TestResponse:
        return self.submit(
            "/auth/login", "login-form", {"username": username, "password": password}
        )

    def logout(self) -> TestResponse:
        return self.submit("/", "logout-form")

    def new_post(self, title: str, body: str = "Some text.") -> int:
        """Create a post through its form; its id."""
        response = self.submit("/posts/new", "post-form", {"title": title, "body": body})
        assert response.status_code == 302, response.get_data(as_text=True)
        return int(response.headers["Location"].rsplit("/", 1)[1])

    def flashes(self, response: TestResponse) -> str:
        """The text of a page's flash messages (``""`` when there are none)."""
        html = response.get_data(as_text=True)
        start = html.find('<div class="flashes">')
        if start < 0:
            return ""
        return html[start : html.index("</div>", start)]
