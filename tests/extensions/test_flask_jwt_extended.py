"""Flask-JWT-Extended on erlen, used as its documentation shows.

Flask-JWT-Extended registers error handlers for its exceptions, reads tokens from
headers, cookies, the JSON body and the query string, keeps the verified token in
``g``, encodes claims with ``app.json_provider_class``'s ``default``, sets cookies on
responses, adds a context processor, and runs async views through ``ensure_sync``.
"""

from __future__ import annotations

import erlen  # first: from here on, `flask` is erlen

# isort: split
import typing as t
import uuid
from datetime import timedelta

import pytest
from flask import g, jsonify, render_template_string, request
from flask.json.provider import DefaultJSONProvider
from flask_jwt_extended import (
    JWTManager,
    create_access_token,
    create_refresh_token,
    current_user,
    decode_token,
    get_csrf_token,
    get_jwt,
    get_jwt_identity,
    jwt_required,
    set_access_cookies,
    set_refresh_cookies,
    unset_jwt_cookies,
    verify_jwt_in_request,
)

USERS = {"ada": {"name": "Ada", "admin": True}, "bob": {"name": "Bob", "admin": False}}


class Point:
    def __init__(self, x: int, y: int) -> None:
        self.x, self.y = x, y


class PointJSONProvider(DefaultJSONProvider):
    @staticmethod
    def default(o: t.Any) -> t.Any:
        if isinstance(o, Point):
            return [o.x, o.y]
        return DefaultJSONProvider.default(o)


def create_app(**config: t.Any) -> tuple[erlen.Erlen, JWTManager, set[str]]:
    app = erlen.Erlen(__name__)
    app.json_provider_class = PointJSONProvider
    app.json = PointJSONProvider(app)
    app.config.update(
        JWT_SECRET_KEY="a test secret that is long enough for HS256",
        JWT_TOKEN_LOCATION=["headers", "cookies", "json", "query_string"],
        JWT_ACCESS_TOKEN_EXPIRES=timedelta(minutes=5),
        JWT_COOKIE_SECURE=False,
    )
    app.config.update(config)
    jwt = JWTManager(app, add_context_processor=True)
    revoked: set[str] = set()

    @jwt.user_identity_loader
    def identity(user: str) -> str:
        return user

    @jwt.user_lookup_loader
    def lookup(header: dict[str, t.Any], payload: dict[str, t.Any]) -> dict[str, t.Any] | None:
        return USERS.get(payload["sub"])

    @jwt.additional_claims_loader
    def claims(user: str) -> dict[str, t.Any]:
        return {"admin": USERS[user]["admin"], "where": Point(1, 2)}

    @jwt.token_in_blocklist_loader
    def is_revoked(header: dict[str, t.Any], payload: dict[str, t.Any]) -> bool:
        return payload["jti"] in revoked

    @jwt.expired_token_loader
    def expired(header: dict[str, t.Any], payload: dict[str, t.Any]) -> object:
        return jsonify(error="expired", sub=payload["sub"]), 401

    @app.post("/login")
    def login() -> object:
        user = request.json["user"] if request.is_json else request.form["user"]
        if user not in USERS:
            return jsonify(error="unknown user"), 401
        response = jsonify(
            access=create_access_token(identity=user, fresh=True),
            refresh=create_refresh_token(identity=user),
        )
        set_access_cookies(response, create_access_token(identity=user))
        set_refresh_cookies(response, create_refresh_token(identity=user))
        return response

    @app.get("/me")
    @jwt_required()
    def me() -> object:
        claims = get_jwt()
        return jsonify(
            identity=get_jwt_identity(),
            name=current_user["name"],
            admin=claims["admin"],
            where=claims["where"],
            type=claims["type"],
        )

    @app.route("/change", methods=["POST", "PUT"])
    @jwt_required(fresh=True, locations=["headers", "cookies"])
    def change() -> object:
        return jsonify(changed=get_jwt_identity())

    @app.get("/maybe")
    @jwt_required(optional=True)
    def maybe() -> object:
        return jsonify(identity=get_jwt_identity())

    @app.post("/refresh")
    @jwt_required(refresh=True)
    def refresh() -> object:
        return jsonify(access=create_access_token(identity=get_jwt_identity()))

    @app.delete("/logout")
    @jwt_required()
    def logout() -> object:
        revoked.add(get_jwt()["jti"])
        response = jsonify(msg="logged out")
        unset_jwt_cookies(response)
        return response

    @app.get("/async")
    @jwt_required()
    async def asynchronous() -> object:
        return jsonify(identity=get_jwt_identity(), seen=g._jwt_extended_jwt["sub"])

    @app.get("/page")
    @jwt_required()
    def page() -> str:
        return render_template_string("Hello {{ current_user.name }}")

    return app, jwt, revoked


def login(client: t.Any, user: str = "ada") -> dict[str, str]:
    response = client.post("/login", json={"user": user})
    assert response.status_code == 200
    return t.cast(dict[str, str], response.json)


def test_tokens_in_the_authorization_header() -> None:
    app, _, _ = create_app()
    client = app.test_client(use_cookies=False)
    tokens = login(client)
    auth = {"Authorization": f"Bearer {tokens['access']}"}

    me = client.get("/me", headers=auth)
    assert me.status_code == 200
    assert me.json == {
        "identity": "ada",
        "name": "Ada",
        "admin": True,
        "where": [1, 2],
        "type": "access",
    }
    assert client.get("/async", headers=auth).json == {"identity": "ada", "seen": "ada"}
    assert client.get("/page", headers=auth).data == b"Hello Ada"

    missing = client.get("/me")
    assert missing.status_code == 401
    assert missing.json["msg"].startswith("Missing JWT in headers, cookies, json or query_string")
    assert client.get("/me", headers={"Authorization": "Bearer nope"}).status_code == 422
    assert client.get("/me", headers={"Authorization": "Token x"}).status_code == 401


def test_other_locations_freshness_refresh_and_revocation() -> None:
    app, _, revoked = create_app()
    client = app.test_client(use_cookies=False)
    tokens = login(client, "bob")

    assert client.get(f"/me?jwt={tokens['access']}").json["identity"] == "bob"
    assert client.get("/maybe").json == {"identity": None}
    assert client.get("/maybe", headers={"Authorization": f"Bearer {tokens['access']}"}).json == {
        "identity": "bob"
    }

    auth_refresh = {"Authorization": f"Bearer {tokens['refresh']}"}
    wrong_type = client.get("/me", headers=auth_refresh)
    assert wrong_type.status_code == 422
    assert wrong_type.json == {"msg": "Only non-refresh tokens are allowed"}
    refreshed = client.post("/refresh", headers=auth_refresh).json["access"]
    assert client.put("/change", headers={"Authorization": f"Bearer {refreshed}"}).json == {
        "msg": "Fresh token required"
    }
    fresh = client.put("/change", headers={"Authorization": f"Bearer {tokens['access']}"})
    assert fresh.json == {"changed": "bob"}

    auth = {"Authorization": f"Bearer {tokens['access']}"}
    assert client.delete("/logout", headers=auth).status_code == 200
    assert len(revoked) == 1
    assert client.get("/me", headers=auth).json == {"msg": "Token has been revoked"}


def test_cookies_with_csrf_protection() -> None:
    app, _, _ = create_app()
    client = app.test_client()
    response = client.post("/login", json={"user": "ada"})
    names = {cookie.split("=", 1)[0] for cookie in response.headers.getlist("Set-Cookie")}
    assert names == {
        "access_token_cookie",
        "csrf_access_token",
        "refresh_token_cookie",
        "csrf_refresh_token",
    }
    assert all(
        "HttpOnly" in c for c in response.headers.getlist("Set-Cookie") if "_token_cookie" in c
    )

    # GET is not CSRF-checked; the cookie alone authenticates.
    assert client.get("/me").json["identity"] == "ada"
    csrf = client.get_cookie("csrf_access_token")
    assert csrf is not None
    assert client.put("/change").status_code == 401
    assert client.put("/change").json == {"msg": "Missing CSRF token"}
    # The cookie token was not created fresh.
    changed = client.put("/change", headers={"X-CSRF-TOKEN": csrf.value})
    assert changed.json == {"msg": "Fresh token required"}

    logout = client.delete("/logout", headers={"X-CSRF-TOKEN": csrf.value})
    assert logout.status_code == 200
    assert client.get_cookie("access_token_cookie") is None
    assert client.get("/me").status_code == 401


def test_expired_tokens_use_the_registered_callback() -> None:
    # Without CSRF protection: setting the cookie would decode the expired token.
    app, _, _ = create_app(
        JWT_ACCESS_TOKEN_EXPIRES=timedelta(seconds=-1), JWT_COOKIE_CSRF_PROTECT=False
    )
    client = app.test_client(use_cookies=False)
    token = login(client)["access"]
    expired = client.get("/me", headers={"Authorization": f"Bearer {token}"})
    assert expired.status_code == 401
    assert expired.json == {"error": "expired", "sub": "ada"}


def test_tokens_outside_views() -> None:
    app, _, _ = create_app()
    with app.app_context():
        token = create_access_token(identity="ada", additional_claims={"trace": uuid.UUID(int=1)})
        payload = decode_token(token)
    assert payload["sub"] == "ada"
    assert payload["trace"] == "00000000-0000-0000-0000-000000000001"
    assert payload["where"] == [1, 2]

    with app.test_request_context(headers={"Authorization": f"Bearer {token}"}):
        verify_jwt_in_request()
        assert get_jwt_identity() == "ada"
        assert current_user == USERS["ada"]
    with app.test_request_context(), pytest.raises(RuntimeError):
        get_jwt()
    with app.app_context():
        assert get_csrf_token(create_access_token(identity="bob")) is not None


def test_the_extension_is_registered_on_the_app() -> None:
    app, jwt, _ = create_app()
    assert app.extensions["flask-jwt-extended"] is jwt
    bare = erlen.Erlen(__name__)
    with pytest.raises(RuntimeError, match="JWT_SECRET_KEY"):
        JWTManager(bare)
        with bare.app_context():
            create_access_token(identity="x")
