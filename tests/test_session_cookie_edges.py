"""Edge cases of erlen's session cookie shortcuts (``erlen.sessions._add_cookie``,
``SessionInterface._cookie_settings``, ``_vary_on_cookie``) against real Flask.

The failing tests mark where erlen's Set-Cookie differs from Flask's; the passing
ones compare headers of unusual settings and Vary shapes with Flask directly.
"""

from __future__ import annotations

import typing as t
import warnings

import flask
import flask.sessions
import pytest
from itsdangerous.timed import TimestampSigner

import erlen
import erlen.sessions


@pytest.fixture(autouse=True)
def frozen_clock(monkeypatch: pytest.MonkeyPatch) -> None:
    # Both sign with itsdangerous's clock (erlen reads it where itsdangerous does).
    monkeypatch.setattr(TimestampSigner, "get_timestamp", lambda self: 1_700_000_000)


@pytest.fixture
def fresh_attribute_cache(monkeypatch: pytest.MonkeyPatch) -> None:
    """Start from an empty cache of cookie attributes (it is process-wide)."""
    monkeypatch.setattr(erlen.sessions, "_cookie_attributes", {})


def build(module: t.Any, config: dict[str, t.Any]) -> t.Any:
    assert flask.Flask is not erlen.Erlen  # the real Flask (ERLEN_FLASK_ALIAS=0)
    app = (module.Flask if module is flask else module.Erlen)(__name__)
    app.secret_key = "review-secret"
    app.config.update(config)

    @app.route("/set")
    def write() -> str:
        module.session["user"] = "ada"
        return "ok"

    @app.route("/vary-list")
    def vary_list() -> t.Any:
        module.session["user"] = "ada"
        response = module.make_response("ok")
        response.headers.add("Vary", "Accept")
        response.headers.add("Vary", "Cookie")
        return response

    @app.route("/vary-lower")
    def vary_lower() -> t.Any:
        module.session.get("user")
        response = module.make_response("ok")
        response.headers["vary"] = "Accept-Encoding, cookie"
        return response

    @app.route("/vary-cookie-second")
    def vary_cookie_second() -> t.Any:
        module.session["user"] = "ada"
        response = module.make_response("ok")
        response.headers.add("Vary", "Cookie")
        response.headers.add("Vary", "Origin")
        return response

    @app.route("/clear")
    def clear() -> str:
        module.session.clear()
        return "ok"

    return app


def headers(module: t.Any, config: dict[str, t.Any], path: str = "/set", cookie: str = "") -> t.Any:
    client = build(module, config).test_client(use_cookies=False)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        response = client.get(path, headers={"Cookie": cookie} if cookie else {})
    return (
        response.status_code,
        response.headers.getlist("Set-Cookie"),
        response.headers.getlist("Vary"),
        [str(w.message)[:30] for w in caught],
    )


@pytest.mark.usefixtures("fresh_attribute_cache")
def test_cookie_attributes_of_false_are_not_taken_for_those_of_zero() -> None:
    """Werkzeug writes a flag set to ``False`` not at all and one set to ``0`` as
    ``Secure=0`` (``v is False`` is its test). erlen's ``_cookie_attributes`` cache
    (src/erlen/sessions.py ``_add_cookie``) is keyed by the settings tuple, where
    ``0 == False`` and ``1 == True``: once an app (or an earlier config, e.g. from
    ``from_prefixed_env``, which gives ints) has written ``SESSION_COOKIE_SECURE =
    0``, an app with ``False`` sends ``Secure=0`` too, which browsers read as the
    Secure attribute; and ``SESSION_COOKIE_HTTPONLY = False`` after ``0`` sends
    ``HttpOnly=0``."""
    for config in (
        {"SESSION_COOKIE_SECURE": 0},
        {"SESSION_COOKIE_SECURE": False},
        {"SESSION_COOKIE_HTTPONLY": 0},
        {"SESSION_COOKIE_HTTPONLY": False},
    ):
        assert headers(erlen, config) == headers(flask, config), config


@pytest.mark.usefixtures("fresh_attribute_cache")
def test_cookie_attributes_of_true_are_not_taken_for_those_of_one() -> None:
    """The same cache, the other way: ``SESSION_COOKIE_SECURE = True`` after an app
    with ``1`` is sent as ``Secure=1`` (Werkzeug: ``Secure``)."""
    for config in ({"SESSION_COOKIE_SECURE": 1}, {"SESSION_COOKIE_SECURE": True}):
        assert headers(erlen, config) == headers(flask, config), config


@pytest.mark.parametrize(
    "getter, value",
    [
        ("get_cookie_samesite", "Strict"),
        ("get_cookie_secure", True),
        ("get_cookie_domain", "example.org"),
        ("get_cookie_path", "/patched"),
    ],
)
def test_a_cookie_getter_patched_on_the_class_is_used(
    monkeypatch: pytest.MonkeyPatch, getter: str, value: t.Any
) -> None:
    """Flask calls ``self.get_cookie_*`` for every cookie, so a getter patched onto
    ``SecureCookieSessionInterface`` (or ``SessionInterface``) after import, as an
    extension or a test fixture does, is used. erlen decides once, in
    ``__init_subclass__``, that the class has the plain getters
    (``_plain_cookie_getters``) and from then on reads the config directly
    (src/erlen/sessions.py ``_cookie_settings``): the patched getter is never called,
    and e.g. a forced ``Secure`` is lost."""
    for module in (erlen, flask):
        monkeypatch.setattr(
            module.sessions.SecureCookieSessionInterface, getter, lambda self, app: value
        )
    assert headers(erlen, {}) == headers(flask, {})


SETTINGS = [
    {},
    {"SESSION_COOKIE_SAMESITE": "lax"},
    {"SESSION_COOKIE_SAMESITE": "NONE", "SESSION_COOKIE_SECURE": True},
    {"SESSION_COOKIE_DOMAIN": "Example.com:8443"},
    {"SESSION_COOKIE_DOMAIN": "b\u00fccher.example"},
    {"SESSION_COOKIE_PATH": "/a b;c"},
    {"SESSION_COOKIE_PATH": None, "APPLICATION_ROOT": "/root"},
    {"SESSION_COOKIE_DOMAIN": False},
    {"SESSION_COOKIE_PARTITIONED": True},
    {"SESSION_COOKIE_NAME": "a b"},
    {"SESSION_COOKIE_NAME": "s\u00e9ssion"},
    {"SESSION_COOKIE_NAME": "__Host-session"},
    {"MAX_COOKIE_SIZE": 40},
    {"MAX_COOKIE_SIZE": 0},
    {"SESSION_REFRESH_EACH_REQUEST": False},
]


@pytest.mark.parametrize("path", ["/set", "/vary-list", "/vary-lower", "/vary-cookie-second"])
@pytest.mark.parametrize("settings", range(len(SETTINGS)))
def test_set_cookie_and_vary_are_flasks(settings: int, path: str) -> None:
    config = SETTINGS[settings]
    assert headers(erlen, config, path) == headers(flask, config, path)


def test_an_invalid_samesite_fails_as_in_flask() -> None:
    config = {"SESSION_COOKIE_SAMESITE": "sometimes"}
    ours, theirs = headers(erlen, config), headers(flask, config)
    assert ours[0] == theirs[0] == 500
    assert ours == theirs


def test_clearing_a_session_deletes_the_cookie_as_flask_does() -> None:
    cookie = headers(flask, {})[1][0].split(";")[0]
    for config in ({}, {"SESSION_COOKIE_DOMAIN": "example.com", "SESSION_COOKIE_PATH": "/x"}):
        assert headers(erlen, config, "/clear", cookie) == headers(flask, config, "/clear", cookie)


def test_cookies_are_read_across_key_rotation_as_flask_reads_them() -> None:
    old = build(flask, {})
    old_cookie = old.test_client().get("/set").headers["Set-Cookie"].split(";")[0]
    config = {"SECRET_KEY_FALLBACKS": ["review-secret"]}
    for module in (erlen, flask):
        app = build(module, config)
        app.secret_key = "new-secret"

        @app.route("/read")
        def read(module: t.Any = module) -> str:
            return repr(module.session.get("user"))

        client = app.test_client(use_cookies=False)
        assert client.get("/read", headers={"Cookie": old_cookie}).data == b"'ada'"
