"""The JSON API under ``/api/``, for scripts and other programs.

Reading is public. Writing needs a bearer token (``POST /api/tokens`` with a
username and password gives one), sent as ``Authorization: Bearer <token>``. The
session cookie is never used here, which is why the API can be exempt from CSRF
protection: a browser sends cookies to any site's requests, never this header.
"""

from __future__ import annotations

import functools
import typing as t

from werkzeug.datastructures import WWWAuthenticate
from werkzeug.exceptions import Unauthorized

from erlen import Blueprint, abort, g, request, url_for
from erlen.typing import ResponseReturnValue

from . import live
from .models import BODY_MAX, TITLE_MAX, ApiToken, Post, User, db, utcnow
from .posts import newest_posts, paginate

bp = Blueprint("api", __name__, url_prefix="/api")

F = t.TypeVar("F", bound=t.Callable[..., ResponseReturnValue])


def token_required(view: F) -> F:
    """Let the view run only with a valid token; ``g.api_user`` is its user."""

    @functools.wraps(view)
    def wrapper(*args: t.Any, **kwargs: t.Any) -> ResponseReturnValue:
        scheme, _, token = request.headers.get("Authorization", "").partition(" ")
        user = None
        if scheme.lower() == "bearer" and token.strip():
            user = ApiToken.find_user(token.strip())
        if user is None:
            raise Unauthorized(
                "Send a valid token as 'Authorization: Bearer <token>'"
                " (POST /api/tokens gives one).",
                www_authenticate=WWWAuthenticate("bearer", {"realm": "board"}),
            )
        g.api_user = user
        return view(*args, **kwargs)

    return t.cast(F, wrapper)


def json_object() -> dict[str, t.Any]:
    """The request's JSON body, which must be an object (else a 400)."""
    data = request.get_json(silent=True)
    if not isinstance(data, dict):
        abort(400, "Send a JSON object with 'Content-Type: application/json'.")
    return data


def is_unicode(text: str) -> bool:
    """Whether ``text`` is Unicode text. A JSON string may escape a lone half of a
    UTF-16 surrogate pair (``"\\ud800"``): Python decodes it, but it is no character,
    and no database stores it (as UTF-8 it cannot even be encoded)."""
    try:
        text.encode()
    except UnicodeEncodeError:
        return False
    return True


def text_field(data: dict[str, t.Any], key: str, limit: int) -> str:
    """``data[key]``, checked to be non-blank text of at most ``limit`` characters."""
    value = data.get(key)
    if not isinstance(value, str) or not value.strip():
        abort(400, f"'{key}' must be a non-empty string.")
    if not is_unicode(value):
        abort(400, f"'{key}' is not valid Unicode text.")
    if len(value) > limit:
        abort(400, f"'{key}' is longer than {limit} characters.")
    return value


def post_json(post: Post) -> dict[str, t.Any]:
    """A post as the API shows it."""
    return {
        "id": post.id,
        "title": post.title,
        "body": post.body,
        "author": post.author.username,
        "created": post.created.isoformat(),
        "updated": post.updated.isoformat() if post.updated else None,
        "url": url_for("posts.detail", post_id=post.id),
    }


def own_post(post_id: int) -> Post:
    """The post ``post_id`` if the token's user wrote it (else 404 or 403)."""
    post = db.get_or_404(Post, post_id, description="There is no such post.")
    if post.author_id != g.api_user.id:
        abort(403, "That post belongs to another user.")
    return post


@bp.post("/tokens")
def create_token() -> ResponseReturnValue:
    """A new token for the user whose name and password the JSON object gives."""
    data = json_object()
    username, password = data.get("username"), data.get("password")
    if not isinstance(username, str) or not isinstance(password, str):
        abort(400, "Send 'username' and 'password' as strings.")
    if not (is_unicode(username) and is_unicode(password)):
        abort(400, "'username' and 'password' must be valid Unicode text.")
    user = User.by_username(username)
    if user is None or not user.check_password(password):
        abort(401, "Wrong username or password.")
    return {"token": ApiToken.issue(user)}, 201


@bp.get("/posts")
def list_posts() -> ResponseReturnValue:
    """A page of posts, newest first (``?page=N``), with the page count and total."""
    page = paginate(newest_posts())
    return {
        "posts": [post_json(post) for post in page.items],
        "page": page.page,
        "pages": page.pages,
        "total": page.total,
    }


@bp.get("/posts/<id:post_id>")
def get_post(post_id: int) -> ResponseReturnValue:
    """One post."""
    return post_json(db.get_or_404(Post, post_id, description="There is no such post."))


@bp.post("/posts")
@token_required
def create_post() -> ResponseReturnValue:
    """Write a post (JSON ``title`` and ``body``); 201 with the post and its ``Location``."""
    data = json_object()
    post = Post(
        title=text_field(data, "title", TITLE_MAX),
        body=text_field(data, "body", BODY_MAX),
        author_id=g.api_user.id,
    )
    db.session.add(post)
    db.session.commit()
    live.publish_post(post)
    location = url_for("api.get_post", post_id=post.id)
    return post_json(post), 201, {"Location": location}


@bp.patch("/posts/<id:post_id>")
@token_required
def update_post(post_id: int) -> ResponseReturnValue:
    """Change the ``title``, the ``body`` or both of one's own post."""
    post = own_post(post_id)
    data = json_object()
    if "title" in data:
        post.title = text_field(data, "title", TITLE_MAX)
    if "body" in data:
        post.body = text_field(data, "body", BODY_MAX)
    post.updated = utcnow()
    db.session.commit()
    return post_json(post)


@bp.delete("/posts/<id:post_id>")
@token_required
def delete_post(post_id: int) -> ResponseReturnValue:
    """Delete one's own post; 204, no content."""
    db.session.delete(own_post(post_id))
    db.session.commit()
    return "", 204
