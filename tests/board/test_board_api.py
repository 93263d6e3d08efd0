"""The board's JSON API: tokens, public reads, token-authenticated writes, JSON errors."""

from __future__ import annotations

import hashlib
from collections.abc import Callable

import pytest
from board.models import ApiToken, db
from board_helpers import Visitor

from erlen import Erlen
from erlen.testing import ErlenClient


def token_for(client: ErlenClient, username: str, password: str = "password123") -> str:
    response = client.post("/api/tokens", json={"username": username, "password": password})
    assert response.status_code == 201, response.json
    token = response.json["token"]
    assert isinstance(token, str) and len(token) >= 32
    return token


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


@pytest.fixture
def api(app: Erlen) -> ErlenClient:
    """A client with no cookies: the API needs none (and no CSRF token)."""
    return app.test_client(use_cookies=False)


def test_tokens_are_stored_as_digests(app: Erlen, ada: Visitor, api: ErlenClient) -> None:
    token = token_for(api, "ada")
    with app.app_context():
        stored = db.session.query(ApiToken).one()
        assert stored.digest == hashlib.sha256(token.encode()).hexdigest()
        assert ApiToken.find_user(token).username == "ada"  # type: ignore[union-attr]
        assert ApiToken.find_user(token + "x") is None


@pytest.mark.parametrize(
    ("body", "status"),
    [
        ({"username": "ada", "password": "wrong-password"}, 401),
        ({"username": "nobody", "password": "password123"}, 401),
        ({"username": "ada"}, 400),
        ({"username": 1, "password": 2}, 400),
        (["ada", "password123"], 400),
    ],
)
def test_bad_token_requests(ada: Visitor, api: ErlenClient, body: object, status: int) -> None:
    response = api.post("/api/tokens", json=body)
    assert response.status_code == status
    assert response.is_json and response.json["status"] == status
    assert isinstance(response.json["message"], str)


def test_invalid_json_is_a_json_400(api: ErlenClient) -> None:
    response = api.post("/api/tokens", data="{not json", content_type="application/json")
    assert response.status_code == 400
    assert response.json["error"] == "Bad Request"


def test_reading_is_public_and_paged(app: Erlen, ada: Visitor, api: ErlenClient) -> None:
    ids = [ada.new_post(f"Post {n}", f"Body {n}") for n in range(12)]
    first = api.get("/api/posts")
    assert first.status_code == 200
    assert (first.json["page"], first.json["pages"], first.json["total"]) == (1, 2, 12)
    assert [post["id"] for post in first.json["posts"]] == ids[::-1][:10]
    newest = first.json["posts"][0]
    assert newest["title"] == "Post 11" and newest["body"] == "Body 11"
    assert newest["author"] == "ada" and newest["url"] == f"/posts/{ids[-1]}"
    assert newest["updated"] is None and newest["created"]
    second = api.get("/api/posts?page=2")
    assert [post["id"] for post in second.json["posts"]] == ids[::-1][10:]
    assert api.get("/api/posts?page=3").status_code == 404

    one = api.get(f"/api/posts/{ids[0]}")
    assert one.status_code == 200 and one.json["title"] == "Post 0"


def test_writing_needs_a_valid_token(ada: Visitor, api: ErlenClient) -> None:
    for headers in ({}, bearer("made-up"), {"Authorization": "Basic YWRhOnBhc3N3b3Jk"}):
        response = api.post("/api/posts", json={"title": "T", "body": "B"}, headers=headers)
        assert response.status_code == 401
        assert response.is_json and response.json["status"] == 401
        assert "Authorization: Bearer" in response.json["message"]
        assert response.headers["WWW-Authenticate"].lower().startswith("bearer")
    assert api.get("/api/posts").json["total"] == 0


def test_create_update_delete_with_a_token(ada: Visitor, api: ErlenClient) -> None:
    token = token_for(api, "ada")
    created = api.post(
        "/api/posts", json={"title": "From a script", "body": "<b>plain</b>"}, headers=bearer(token)
    )
    assert created.status_code == 201
    post_id = created.json["id"]
    assert created.headers["Location"] == f"/api/posts/{post_id}"
    assert created.json["author"] == "ada"
    # The same post on the site, escaped like any other.
    assert "&lt;b&gt;plain&lt;/b&gt;" in ada.page(f"/posts/{post_id}")

    updated = api.patch(f"/api/posts/{post_id}", json={"title": "Renamed"}, headers=bearer(token))
    assert updated.status_code == 200
    assert updated.json["title"] == "Renamed" and updated.json["body"] == "<b>plain</b>"
    assert updated.json["updated"] is not None

    deleted = api.delete(f"/api/posts/{post_id}", headers=bearer(token))
    assert deleted.status_code == 204 and deleted.data == b""
    missing = api.get(f"/api/posts/{post_id}")
    assert missing.status_code == 404
    assert missing.json == {
        "status": 404, "error": "Not Found", "message": "There is no such post."
    }


def test_another_users_post_is_forbidden(ada: Visitor, bob: Visitor, api: ErlenClient) -> None:
    post_id = ada.new_post("Ada's own")
    bobs = bearer(token_for(api, "bob"))
    patched = api.patch(f"/api/posts/{post_id}", json={"title": "Bob's now"}, headers=bobs)
    deleted = api.delete(f"/api/posts/{post_id}", headers=bobs)
    for response in (patched, deleted):
        assert response.status_code == 403
        assert response.json["message"] == "That post belongs to another user."
    assert api.get(f"/api/posts/{post_id}").json["title"] == "Ada's own"
    assert api.patch("/api/posts/999", json={"title": "x"}, headers=bobs).status_code == 404


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ({"title": "", "body": "x"}, "'title' must be a non-empty string."),
        ({"title": "x"}, "'body' must be a non-empty string."),
        ({"title": "x" * 201, "body": "x"}, "'title' is longer than 200 characters."),
        ({"title": 5, "body": "x"}, "'title' must be a non-empty string."),
        ("just a string", "Send a JSON object with 'Content-Type: application/json'."),
    ],
)
def test_invalid_posts_are_json_400s(
    ada: Visitor, api: ErlenClient, body: object, message: str
) -> None:
    response = api.post("/api/posts", json=body, headers=bearer(token_for(api, "ada")))
    assert response.status_code == 400
    assert response.json == {"status": 400, "error": "Bad Request", "message": message}


def test_api_errors_are_json(api: ErlenClient) -> None:
    not_found = api.get("/api/nothing/here")
    assert not_found.status_code == 404 and not_found.json["error"] == "Not Found"
    not_allowed = api.put("/api/posts")
    assert not_allowed.status_code == 405 and not_allowed.is_json
    assert not_allowed.json["error"] == "Method Not Allowed"
    assert set(not_allowed.headers["Allow"].split(", ")) == {"GET", "HEAD", "OPTIONS", "POST"}
    # Outside /api/, the same errors are pages.
    assert api.get("/nothing/here").mimetype == "text/html"


def test_the_api_needs_no_csrf_token_but_the_site_does(
    visitor: Callable[[], Visitor], ada: Visitor
) -> None:
    # The test app has CSRF protection on (the site's forms are refused without it)...
    assert ada.client.post("/posts/new", data={"title": "t", "body": "b"}).status_code == 400
    # ...and a client with the session cookie, but no token, cannot write through the API.
    response = ada.client.post("/api/posts", json={"title": "t", "body": "b"})
    assert response.status_code == 401


@pytest.mark.parametrize(
    "url",
    ["/api/posts?page=0", "/api/posts?page=x", f"/api/posts?page={2**63}", f"/api/posts/{2**63}"],
)
def test_pages_and_ids_that_cannot_exist_are_json_404s(
    ada: Visitor, api: ErlenClient, url: str
) -> None:
    ada.new_post("One")
    response = api.get(url)
    assert response.status_code == 404
    assert response.json["error"] == "Not Found"


def test_huge_ids_in_writes_are_404s(ada: Visitor, api: ErlenClient) -> None:
    headers = bearer(token_for(api, "ada"))
    assert api.patch(f"/api/posts/{2**63}", json={"title": "x"}, headers=headers).status_code == 404
    assert api.delete(f"/api/posts/{2**63}", headers=headers).status_code == 404


# JSON may escape a lone UTF-16 surrogate ("\ud800"): it decodes to a str that is not
# Unicode text and that no database can store.
LONE_SURROGATE = '"\\ud800"'


@pytest.mark.parametrize(
    ("path", "body"),
    [
        ("/api/tokens", f'{{"username": {LONE_SURROGATE}, "password": "password123"}}'),
        ("/api/tokens", f'{{"username": "ada", "password": {LONE_SURROGATE}}}'),
        ("/api/posts", f'{{"title": {LONE_SURROGATE}, "body": "b"}}'),
        ("/api/posts", f'{{"title": "t", "body": "x{LONE_SURROGATE[1:-1]}y"}}'),
    ],
)
def test_text_that_is_not_unicode_is_a_400(
    ada: Visitor, api: ErlenClient, path: str, body: str
) -> None:
    headers = bearer(token_for(api, "ada"))
    response = api.post(path, data=body, content_type="application/json", headers=headers)
    assert response.status_code == 400
    assert response.json["error"] == "Bad Request"
    assert api.get("/api/posts").json["total"] == 0


def test_a_patch_with_text_that_is_not_unicode_is_a_400(ada: Visitor, api: ErlenClient) -> None:
    post_id = ada.new_post("Keep")
    headers = bearer(token_for(api, "ada"))
    response = api.patch(
        f"/api/posts/{post_id}", data=f'{{"title": {LONE_SURROGATE}}}',
        content_type="application/json", headers=headers,
    )  # fmt: skip
    assert response.status_code == 400
    assert api.get(f"/api/posts/{post_id}").json["title"] == "Keep"


def test_emoji_and_other_unicode_go_through(ada: Visitor, api: ErlenClient) -> None:
    """Surrogate *pairs* are how JSON escapes characters beyond U+FFFF: they are fine."""
    headers = bearer(token_for(api, "ada"))
    body = (
        '{"title": "Caf\\u00e9 \\ud83d\\ude00",'
        ' "body": "\\u65e5\\u672c \\u0645\\u0631\\u062d\\u0628\\u0627"}'
    )
    created = api.post("/api/posts", data=body, content_type="application/json", headers=headers)
    assert created.status_code == 201
    assert created.json["title"] == "Café 😀" and created.json["body"] == "日本 مرحبا"
    assert "Café 😀" in ada.page(f"/posts/{created.json['id']}")
