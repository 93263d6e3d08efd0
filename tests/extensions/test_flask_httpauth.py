"""Flask-HTTPAuth on erlen, used as its documentation shows.

Flask-HTTPAuth reads ``request.authorization`` and headers, answers 401/403 through
``make_response`` with a ``WWW-Authenticate`` header, keeps the user in ``g``, runs
async callbacks and views through ``current_app.ensure_sync``, and keeps digest
nonces in the session.
"""

from __future__ import annotations

import erlen  # first: from here on, `flask` is erlen

# isort: split
import base64
import hashlib
import re

from flask import g, jsonify
from flask_httpauth import HTTPBasicAuth, HTTPDigestAuth, HTTPTokenAuth, MultiAuth
from werkzeug.security import check_password_hash, generate_password_hash

USERS = {
    "ada": generate_password_hash("lovelace", method="pbkdf2:sha256:1000"),
    "alan": generate_password_hash("turing", method="pbkdf2:sha256:1000"),
}
ROLES = {"ada": ["admin", "user"], "alan": "user"}
TOKENS = {"token-ada": "ada", "token-alan": "alan"}
PLAIN = {"ada": "lovelace", "alan": "turing"}


def basic(user: str, password: str) -> dict[str, str]:
    credentials = base64.b64encode(f"{user}:{password}".encode()).decode()
    return {"Authorization": f"Basic {credentials}"}


def create_app() -> erlen.Erlen:
    app = erlen.Erlen(__name__)
    app.secret_key = "httpauth secret"
    basic_auth = HTTPBasicAuth(realm="shop")
    token_auth = HTTPTokenAuth(scheme="Bearer")
    key_auth = HTTPTokenAuth(header="X-API-Key")
    digest_auth = HTTPDigestAuth(realm="digest-realm")
    multi_auth = MultiAuth(basic_auth, token_auth)

    @basic_auth.verify_password
    def verify_password(username: str, password: str) -> str | None:
        if username in USERS and check_password_hash(USERS[username], password):
            return username
        return None

    @basic_auth.get_user_roles
    def get_user_roles(user: str) -> object:
        return ROLES[user]

    @basic_auth.error_handler
    def basic_error(status: int) -> object:
        return jsonify(error="auth", status=status), status

    @token_auth.verify_token
    async def verify_token(token: str) -> str | None:
        return TOKENS.get(token)

    @key_auth.verify_token
    def verify_key(key: str) -> str | None:
        return TOKENS.get(key)

    @digest_auth.get_password
    def get_password(username: str) -> str | None:
        return PLAIN.get(username)

    @app.route("/")
    @basic_auth.login_required
    def index() -> str:
        return f"Hello, {basic_auth.current_user()}"

    @app.route("/admin")
    @basic_auth.login_required(role="admin")
    def admin() -> str:
        return f"admin {basic_auth.username()}"

    @app.route("/optional")
    @basic_auth.login_required(optional=True)
    def optional() -> str:
        return f"user={basic_auth.current_user()!r}"

    @app.route("/token")
    @token_auth.login_required
    async def token_view() -> str:
        return f"token user {token_auth.current_user()} {g.flask_httpauth_user}"

    @app.route("/key")
    @key_auth.login_required
    def key_view() -> str:
        return f"key user {key_auth.current_user()}"

    @app.route("/multi")
    @multi_auth.login_required
    def multi() -> str:
        return f"multi {multi_auth.current_user()}"

    @app.route("/digest")
    @digest_auth.login_required
    def digest() -> str:
        return f"digest {digest_auth.username()}"

    return app


def test_basic_auth_with_roles_and_custom_errors() -> None:
    client = create_app().test_client()

    missing = client.get("/")
    assert missing.status_code == 401
    assert missing.json == {"error": "auth", "status": 401}
    assert missing.headers["WWW-Authenticate"] == 'Basic realm="shop"'

    assert client.get("/", headers=basic("ada", "wrong")).status_code == 401
    ok = client.get("/", headers=basic("ada", "lovelace"))
    assert (ok.status_code, ok.data) == (200, b"Hello, ada")

    assert client.get("/admin", headers=basic("ada", "lovelace")).data == b"admin ada"
    forbidden = client.get("/admin", headers=basic("alan", "turing"))
    assert forbidden.status_code == 403
    assert forbidden.json == {"error": "auth", "status": 403}

    assert client.get("/optional").data == b"user=None"
    assert client.get("/optional", headers=basic("alan", "turing")).data == b"user='alan'"


def test_token_auth_with_async_callbacks_and_views() -> None:
    client = create_app().test_client()

    ok = client.get("/token", headers={"Authorization": "Bearer token-alan"})
    assert ok.data == b"token user alan alan"
    refused = client.get("/token", headers={"Authorization": "Bearer nope"})
    assert refused.status_code == 401
    assert refused.headers["WWW-Authenticate"] == 'Bearer realm="Authentication Required"'
    assert refused.data == b"Unauthorized Access"
    assert client.get("/token", headers={"Authorization": "Basic x"}).status_code == 401

    assert client.get("/key", headers={"X-API-Key": "token-ada"}).data == b"key user ada"
    assert client.get("/key").status_code == 401


def test_multi_auth_accepts_either_scheme() -> None:
    client = create_app().test_client()
    assert client.get("/multi", headers=basic("ada", "lovelace")).data == b"multi ada"
    by_token = client.get("/multi", headers={"Authorization": "Bearer token-alan"})
    assert by_token.data == b"multi alan"
    assert client.get("/multi").status_code == 401


def test_options_requests_are_not_challenged() -> None:
    client = create_app().test_client()
    response = client.options("/")
    assert response.status_code == 200
    assert set(response.headers["Allow"].split(", ")) == {"GET", "HEAD", "OPTIONS"}


def digest_header(challenge: str, user: str, password: str, uri: str) -> str:
    fields = dict(re.findall(r'(\w+)="([^"]*)"', challenge))
    ha1 = hashlib.md5(f"{user}:{fields['realm']}:{password}".encode()).hexdigest()
    ha2 = hashlib.md5(f"GET:{uri}".encode()).hexdigest()
    nc, cnonce = "00000001", "0a4f113b"
    response = hashlib.md5(f"{ha1}:{fields['nonce']}:{nc}:{cnonce}:auth:{ha2}".encode()).hexdigest()
    return (
        f'Digest username="{user}",realm="{fields["realm"]}",nonce="{fields["nonce"]}",'
        f'uri="{uri}",qop=auth,nc={nc},cnonce="{cnonce}",response="{response}",'
        f'opaque="{fields["opaque"]}"'
    )


def test_digest_auth_keeps_its_nonce_in_the_session() -> None:
    client = create_app().test_client()

    challenge = client.get("/digest")
    assert challenge.status_code == 401
    header = challenge.headers["WWW-Authenticate"]
    assert header.startswith('Digest realm="digest-realm"')
    with client.session_transaction() as session:
        assert session["auth_nonce"] in header
        assert session["auth_opaque"] in header

    answer = client.get(
        "/digest", headers={"Authorization": digest_header(header, "ada", "lovelace", "/digest")}
    )
    assert (answer.status_code, answer.data) == (200, b"digest ada")
    wrong = client.get(
        "/digest", headers={"Authorization": digest_header(header, "ada", "nope", "/digest")}
    )
    assert wrong.status_code == 401
