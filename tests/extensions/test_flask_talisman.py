"""Flask-Talisman on erlen, used as its documentation shows.

Talisman adds ``before_request`` hooks (force HTTPS, make a CSP nonce stored as an
attribute of ``request``) and an ``after_request`` hook that sets security headers,
reads per-view options from ``app.view_functions[request.endpoint]``, puts
``csp_nonce`` in ``app.jinja_env.globals``, and sets session cookie settings in
``app.config``.
"""

from __future__ import annotations

import erlen  # first: from here on, `flask` is erlen

# isort: split
import re
import typing as t

from flask import render_template_string, request, session
from flask_talisman import ALLOW_FROM, DENY, Talisman

HTTPS = "https://localhost"
CSP = {"default-src": "'self'", "script-src": ["'self'", "cdn.example.com"]}


def create_app(**options: t.Any) -> tuple[erlen.Erlen, Talisman]:
    app = erlen.Erlen(__name__)
    app.secret_key = "talisman secret"
    talisman = Talisman(app, **options)

    @app.route("/")
    def index() -> str:
        return "home"

    @app.route("/script")
    def script() -> str:
        return render_template_string(
            '<script nonce="{{ csp_nonce() }}">go()</script>|{{ nonce_again }}',
            nonce_again=request.csp_nonce,  # type: ignore[attr-defined]
        )

    @app.route("/embeddable")
    @talisman(frame_options=ALLOW_FROM, frame_options_allow_from="https://partner.example.com")
    def embeddable() -> str:
        return "embed me"

    @app.route("/open")
    @talisman(content_security_policy={"default-src": "*"}, force_https=False)
    def open_page() -> str:
        return "open"

    @app.route("/login", methods=["POST"])
    def login() -> str:
        session["user"] = "ada"
        return "in"

    return app, talisman


def test_http_requests_are_redirected_to_https() -> None:
    app, _ = create_app()
    client = app.test_client()

    moved = client.get("/?a=1")
    assert moved.status_code == 302
    assert moved.headers["Location"] == "https://localhost/?a=1"
    assert client.get("/", base_url=HTTPS).status_code == 200
    # A proxy that terminated TLS says so.
    assert client.get("/", headers={"X-Forwarded-Proto": "https"}).status_code == 200
    # A view can opt out.
    assert client.get("/open").data == b"open"

    permanent, _ = create_app(force_https_permanent=True)
    assert permanent.test_client().get("/").status_code == 301


def test_no_redirect_in_debug_mode() -> None:
    app, _ = create_app()
    app.debug = True
    assert app.test_client().get("/").status_code == 200


def test_security_headers_on_every_response() -> None:
    app, _ = create_app(
        content_security_policy=CSP,
        strict_transport_security_preload=True,
        referrer_policy="no-referrer",
        permissions_policy={"geolocation": "()", "camera": "()"},
    )
    response = app.test_client().get("/", base_url=HTTPS)
    headers = response.headers
    assert headers["Strict-Transport-Security"] == "max-age=31556926; includeSubDomains; preload"
    assert headers["X-Frame-Options"] == "SAMEORIGIN"
    assert headers["X-Content-Type-Options"] == "nosniff"
    assert (
        headers["Content-Security-Policy"]
        == "default-src 'self'; script-src 'self' cdn.example.com"
    )
    assert headers["Referrer-Policy"] == "no-referrer"
    assert headers["Permissions-Policy"] == "geolocation=(), camera=()"


def test_nonces_reach_templates_and_the_policy() -> None:
    app, _ = create_app(
        content_security_policy=CSP, content_security_policy_nonce_in=["script-src"]
    )
    client = app.test_client()
    first = client.get("/script", base_url=HTTPS)
    nonce = re.match(r'<script nonce="([^"]+)">go\(\)</script>\|(.+)', first.get_data(as_text=True))
    assert nonce is not None
    assert nonce.group(1) == nonce.group(2)
    assert f"'nonce-{nonce.group(1)}'" in first.headers["Content-Security-Policy"]
    second = client.get("/script", base_url=HTTPS)
    assert f"'nonce-{nonce.group(1)}'" not in second.headers["Content-Security-Policy"]
    assert "csp_nonce" in app.jinja_env.globals


def test_per_view_options() -> None:
    app, _ = create_app(frame_options=DENY, content_security_policy=CSP)
    client = app.test_client()
    assert client.get("/", base_url=HTTPS).headers["X-Frame-Options"] == "DENY"
    embeddable = client.get("/embeddable", base_url=HTTPS)
    assert embeddable.headers["X-Frame-Options"] == "ALLOW-FROM https://partner.example.com"
    open_page = client.get("/open", base_url=HTTPS)
    assert open_page.headers["Content-Security-Policy"] == "default-src *"


def test_report_only_policy_and_session_cookie_settings() -> None:
    app, _ = create_app(
        content_security_policy=CSP,
        content_security_policy_report_only=True,
        content_security_policy_report_uri="/csp-report",
        session_cookie_samesite="Strict",
    )
    response = app.test_client().post("/login", base_url=HTTPS)
    assert "Content-Security-Policy" not in response.headers
    assert response.headers["Content-Security-Policy-Report-Only"].endswith(
        "; report-uri /csp-report"
    )
    cookie = response.headers["Set-Cookie"]
    assert "Secure" in cookie and "HttpOnly" in cookie and "SameSite=Strict" in cookie
    assert app.config["SESSION_COOKIE_SECURE"] is True
    assert app.config["SESSION_COOKIE_SAMESITE"] == "Strict"
