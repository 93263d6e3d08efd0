"""Tests for sessions: the signed-cookie session, its cookie settings, how bad cookies are
read, the null session, key rotation, custom session interfaces, the test client's
``session_transaction`` and cookies shared with Flask apps."""

from __future__ import annotations

import base64
import copy
import hashlib
import os
import time
import uuid
from collections.abc import Callable
from datetime import datetime, timedelta, timezone
from email.utils import parsedate_to_datetime
from typing import Any

import flask
import pytest
from itsdangerous import BadSignature, TimestampSigner, URLSafeTimedSerializer
from markupsafe import Markup

from erlen import Erlen, session
from erlen.json.tag import TaggedJSONSerializer
from erlen.sessions import (
    NullSession,
    SecureCookieSession,
    SecureCookieSessionInterface,
    SessionInterface,
    SessionMixin,
)

KEY = "a secret that tests share"


# --- helpers --------------------------------------------------------------------


def make_app(**config: Any) -> Erlen:
    """An app with a secret key, ``TESTING`` on and a few session views."""
    app = Erlen(__name__)
    app.config.update(SECRET_KEY=KEY, TESTING=True)
    app.config.update(config)

    @app.route("/set/<key>/<value>")
    def set_value(key: str, value: str) -> str:
        session[key] = value
        return "set"

    @app.route("/get/<key>")
    def get_value(key: str) -> str:
        return repr(session.get(key))

    @app.route("/permanent/<value>")
    def set_permanent(value: str) -> str:
        session.permanent = True
        session["value"] = value
        return "permanent"

    @app.route("/clear")
    def clear() -> str:
        session.clear()
        return "cleared"

    @app.route("/untouched")
    def untouched() -> str:
        return "untouched"

    return app


def signing_serializer(*keys: str, timestamp: float | None = None) -> URLSafeTimedSerializer:
    """A serializer that signs and reads session cookies the way Flask does, with
    ``keys`` (the last one signs) and, if given, a fixed signing time."""

    class FixedClockSigner(TimestampSigner):
        def get_timestamp(self) -> int:
            if timestamp is None:
                return int(time.time())
            return int(timestamp)

    return URLSafeTimedSerializer(
        list(keys),
        salt="cookie-session",
        serializer=TaggedJSONSerializer(),
        signer=FixedClockSigner,
        signer_kwargs={"key_derivation": "hmac", "digest_method": hashlib.sha1},
    )


def set_cookie_headers(response: Any) -> list[str]:
    return response.headers.getlist("Set-Cookie")


def cookie_attributes(header: str) -> tuple[str, str, dict[str, str]]:
    """``name``, ``value`` and the attributes (lower-cased names) of a Set-Cookie header."""
    first, *rest = header.split("; ")
    name, _, value = first.partition("=")
    attrs: dict[str, str] = {}
    for part in rest:
        attr_name, _, attr_value = part.partition("=")
        attrs[attr_name.lower()] = attr_value
    return name, value, attrs


def only_session_cookie(response: Any, name: str = "session") -> tuple[str, dict[str, str]]:
    headers = set_cookie_headers(response)
    assert len(headers) == 1, headers
    cookie_name, value, attrs = cookie_attributes(headers[0])
    assert cookie_name == name
    return value, attrs


def vary_values(response: Any) -> set[str]:
    return {v.strip().lower() for v in response.headers.get("Vary", "").split(",") if v.strip()}


# --- reading and writing across requests -------------------------------------------


def test_value_set_in_one_request_is_read_in_the_next() -> None:
    client = make_app().test_client()
    assert client.get("/set/name/alice").text == "set"
    assert client.get("/get/name").text == "'alice'"
    assert client.get("/get/other").text == "None"


def test_values_accumulate_across_requests() -> None:
    client = make_app().test_client()
    client.get("/set/a/1")
    client.get("/set/b/2")
    assert client.get("/get/a").text == "'1'"
    assert client.get("/get/b").text == "'2'"


def test_sessions_are_per_client() -> None:
    app = make_app()
    first, second = app.test_client(), app.test_client()
    first.get("/set/name/alice")
    assert second.get("/get/name").text == "None"
    assert first.get("/get/name").text == "'alice'"


def test_mutating_a_nested_value_needs_modified_flag() -> None:
    app = make_app()

    @app.route("/init")
    def init() -> str:
        session["items"] = []
        return ""

    @app.route("/append-silently")
    def append_silently() -> str:
        session["items"].append("lost")
        return ""

    @app.route("/append-marked")
    def append_marked() -> str:
        session["items"].append("kept")
        session.modified = True
        return ""

    @app.route("/items")
    def items() -> str:
        return ",".join(session["items"])

    client = app.test_client()
    client.get("/init")
    response = client.get("/append-silently")
    assert set_cookie_headers(response) == []
    assert client.get("/items").text == ""
    client.get("/append-marked")
    assert client.get("/items").text == "kept"


def test_session_values_keep_their_types_across_requests() -> None:
    app = make_app()
    stored = {
        "int": 3,
        "float": 2.5,
        "none": None,
        "bool": False,
        "list": [1, [2, 3]],
        "tuple": (1, (2, "x")),
        "bytes": b"\x00\x01binary",
        "uuid": uuid.UUID("12345678-1234-5678-1234-567812345678"),
        "when": datetime(2021, 3, 4, 5, 6, 7, tzinfo=timezone.utc),
        "markup": Markup("<em>hi</em>"),
    }
    seen: dict[str, Any] = {}

    @app.route("/store")
    def store() -> str:
        session.update(copy.deepcopy(stored))
        return ""

    @app.route("/load")
    def load() -> str:
        seen.update(session)
        return ""

    client = app.test_client()
    client.get("/store")
    client.get("/load")
    assert seen == stored
    assert isinstance(seen["tuple"], tuple)
    assert isinstance(seen["tuple"][1], tuple)
    assert isinstance(seen["markup"], Markup)


# --- permanent sessions ----------------------------------------------------------------


def test_non_permanent_session_cookie_has_no_expiry() -> None:
    response = make_app().test_client().get("/set/a/1")
    _, attrs = only_session_cookie(response)
    assert "expires" not in attrs
    assert "max-age" not in attrs


@pytest.mark.parametrize("lifetime", [timedelta(hours=2), 7200], ids=["timedelta", "int-seconds"])
def test_permanent_session_cookie_expires_after_the_lifetime(
    lifetime: timedelta | int,
) -> None:
    client = make_app(PERMANENT_SESSION_LIFETIME=lifetime).test_client()
    before = datetime.now(timezone.utc)
    response = client.get("/permanent/yes")
    after = datetime.now(timezone.utc)
    _, attrs = only_session_cookie(response)
    expires = parsedate_to_datetime(attrs["expires"])
    lower = before + timedelta(seconds=7200) - timedelta(seconds=2)
    upper = after + timedelta(seconds=7200) + timedelta(seconds=2)
    assert lower <= expires <= upper
    assert client.get("/get/value").text == "'yes'"


def test_permanent_flag_is_stored_in_the_session() -> None:
    app = make_app()
    seen: list[bool] = []

    @app.route("/is-permanent")
    def is_permanent() -> str:
        seen.append(session.permanent)
        return ""

    client = app.test_client()
    client.get("/is-permanent")
    client.get("/permanent/yes")
    client.get("/is-permanent")
    assert seen == [False, True]
    with client.session_transaction() as sess:
        assert sess["_permanent"] is True


def test_permanent_session_lifetime_config_accepts_int_seconds() -> None:
    app = make_app(PERMANENT_SESSION_LIFETIME=90)
    assert app.permanent_session_lifetime == timedelta(seconds=90)


# --- cookie settings ---------------------------------------------------------------------


def test_default_cookie_attributes() -> None:
    response = make_app().test_client().get("/set/a/1")
    value, attrs = only_session_cookie(response)
    assert value
    assert attrs["path"] == "/"
    assert "httponly" in attrs
    assert "secure" not in attrs
    assert "domain" not in attrs
    assert "samesite" not in attrs
    assert "partitioned" not in attrs


def test_session_cookie_name_is_configurable() -> None:
    client = make_app(SESSION_COOKIE_NAME="sid").test_client()
    response = client.get("/set/a/1")
    only_session_cookie(response, name="sid")
    assert client.get_cookie("sid") is not None
    assert client.get_cookie("session") is None
    assert client.get("/get/a").text == "'1'"


def test_session_cookie_domain_is_sent() -> None:
    response = make_app(SESSION_COOKIE_DOMAIN="example.com").test_client().get("/set/a/1")
    _, attrs = only_session_cookie(response)
    assert attrs["domain"] == "example.com"


def test_session_cookie_path_defaults_to_application_root() -> None:
    response = make_app(APPLICATION_ROOT="/shop").test_client().get("/set/a/1")
    _, attrs = only_session_cookie(response)
    assert attrs["path"] == "/shop"


def test_session_cookie_path_overrides_application_root() -> None:
    app = make_app(APPLICATION_ROOT="/shop", SESSION_COOKIE_PATH="/shop/cart")
    response = app.test_client().get("/set/a/1")
    _, attrs = only_session_cookie(response)
    assert attrs["path"] == "/shop/cart"


def test_session_cookie_httponly_can_be_turned_off() -> None:
    response = make_app(SESSION_COOKIE_HTTPONLY=False).test_client().get("/set/a/1")
    _, attrs = only_session_cookie(response)
    assert "httponly" not in attrs


def test_session_cookie_secure_flag() -> None:
    response = make_app(SESSION_COOKIE_SECURE=True).test_client().get("/set/a/1")
    _, attrs = only_session_cookie(response)
    assert "secure" in attrs


@pytest.mark.parametrize("samesite", ["Lax", "Strict", "None"])
def test_session_cookie_samesite(samesite: str) -> None:
    app = make_app(SESSION_COOKIE_SAMESITE=samesite, SESSION_COOKIE_SECURE=True)
    response = app.test_client().get("/set/a/1")
    _, attrs = only_session_cookie(response)
    assert attrs["samesite"] == samesite


def test_session_cookie_partitioned() -> None:
    app = make_app(SESSION_COOKIE_PARTITIONED=True, SESSION_COOKIE_SECURE=True)
    response = app.test_client().get("/set/a/1")
    _, attrs = only_session_cookie(response)
    assert "partitioned" in attrs
    assert "secure" in attrs


def test_all_cookie_settings_together() -> None:
    app = make_app(
        SESSION_COOKIE_NAME="sid",
        SESSION_COOKIE_DOMAIN="example.com",
        SESSION_COOKIE_PATH="/p",
        SESSION_COOKIE_HTTPONLY=False,
        SESSION_COOKIE_SECURE=True,
        SESSION_COOKIE_SAMESITE="Strict",
        SESSION_COOKIE_PARTITIONED=True,
    )
    response = app.test_client().get("/set/a/1")
    _, attrs = only_session_cookie(response, name="sid")
    assert attrs["domain"] == "example.com"
    assert attrs["path"] == "/p"
    assert "httponly" not in attrs
    assert "secure" in attrs
    assert attrs["samesite"] == "Strict"
    assert "partitioned" in attrs


# --- refreshing --------------------------------------------------------------------------


def test_permanent_session_is_refreshed_on_an_untouched_request_by_default() -> None:
    client = make_app().test_client()
    client.get("/permanent/yes")
    response = client.get("/untouched")
    value, attrs = only_session_cookie(response)
    assert "expires" in attrs
    assert value
    assert client.get("/get/value").text == "'yes'"


def test_permanent_session_is_not_refreshed_when_refresh_each_request_is_off() -> None:
    client = make_app(SESSION_REFRESH_EACH_REQUEST=False).test_client()
    client.get("/permanent/yes")
    response = client.get("/untouched")
    assert set_cookie_headers(response) == []
    # Changing the session still sends the cookie.
    response = client.get("/set/b/2")
    _, attrs = only_session_cookie(response)
    assert "expires" in attrs


def test_non_permanent_session_is_not_refreshed() -> None:
    client = make_app().test_client()
    client.get("/set/a/1")
    assert set_cookie_headers(client.get("/untouched")) == []
    assert set_cookie_headers(client.get("/get/a")) == []


# --- deleting ------------------------------------------------------------------------------


def test_emptying_the_session_deletes_the_cookie() -> None:
    client = make_app().test_client()
    client.get("/set/a/1")
    assert client.get_cookie("session") is not None
    response = client.get("/clear")
    value, attrs = only_session_cookie(response)
    assert value == ""
    assert parsedate_to_datetime(attrs["expires"]).year == 1970
    assert attrs["max-age"] == "0"
    assert attrs["path"] == "/"
    assert client.get_cookie("session") is None
    assert client.get("/get/a").text == "None"


def test_popping_the_last_key_deletes_the_cookie() -> None:
    app = make_app()

    @app.route("/pop/<key>")
    def pop(key: str) -> str:
        return repr(session.pop(key, None))

    client = app.test_client()
    client.get("/set/a/1")
    client.get("/set/b/2")
    response = client.get("/pop/a")
    value, _ = only_session_cookie(response)
    assert value
    response = client.get("/pop/b")
    value, attrs = only_session_cookie(response)
    assert value == ""
    assert attrs["max-age"] == "0"
    assert client.get_cookie("session") is None


def test_deleted_cookie_keeps_domain_and_path() -> None:
    app = make_app(SESSION_COOKIE_DOMAIN="example.com", SESSION_COOKIE_PATH="/p")
    client = app.test_client()
    response = client.get("/clear")
    value, attrs = only_session_cookie(response)
    assert value == ""
    assert attrs["domain"] == "example.com"
    assert attrs["path"] == "/p"
    assert attrs["max-age"] == "0"


# --- Vary and untouched sessions --------------------------------------------------------------


def test_no_set_cookie_and_no_vary_when_view_never_touches_session() -> None:
    client = make_app().test_client()
    response = client.get("/untouched")
    assert set_cookie_headers(response) == []
    assert "cookie" not in vary_values(response)
    # Also with a session cookie present.
    client.get("/set/a/1")
    response = client.get("/untouched")
    assert set_cookie_headers(response) == []
    assert "cookie" not in vary_values(response)


def test_reading_the_session_adds_vary_cookie_without_setting_it() -> None:
    client = make_app().test_client()
    client.get("/set/a/1")
    response = client.get("/get/a")
    assert "cookie" in vary_values(response)
    assert set_cookie_headers(response) == []


def test_reading_an_empty_session_adds_vary_cookie() -> None:
    response = make_app().test_client().get("/get/a")
    assert "cookie" in vary_values(response)
    assert set_cookie_headers(response) == []


def test_writing_the_session_adds_vary_cookie() -> None:
    response = make_app().test_client().get("/set/a/1")
    assert "cookie" in vary_values(response)


@pytest.mark.parametrize(
    "access",
    [
        pytest.param(lambda s: "x" in s, id="contains"),
        pytest.param(lambda s: len(s), id="len"),
        pytest.param(lambda s: list(s), id="iter"),
        pytest.param(lambda s: s.get("x"), id="get"),
        pytest.param(lambda s: s["x"], id="getitem"),
        pytest.param(lambda s: list(s.items()), id="items"),
        pytest.param(lambda s: list(s.keys()), id="keys"),
    ],
)
def test_any_read_of_the_session_adds_vary_cookie(access: Callable[[Any], Any]) -> None:
    app = make_app()

    @app.route("/access")
    def access_view() -> str:
        access(session)
        return "ok"

    client = app.test_client()
    client.get("/set/x/1")
    response = client.get("/access")
    assert response.status_code == 200
    assert "cookie" in vary_values(response)
    assert set_cookie_headers(response) == []


@pytest.mark.parametrize(
    "access",
    [
        pytest.param(lambda s: "x" in s, id="contains"),
        pytest.param(lambda s: len(s), id="len"),
    ],
)
def test_membership_or_length_on_a_cookieless_request_adds_vary_cookie(
    access: Callable[[Any], Any],
) -> None:
    app = make_app()

    @app.route("/access")
    def access_view() -> str:
        return repr(access(session))

    response = app.test_client().get("/access")
    assert "cookie" in vary_values(response)
    assert set_cookie_headers(response) == []


def test_vary_cookie_is_added_to_an_existing_vary_header() -> None:
    app = make_app()

    @app.route("/vary")
    def vary_view() -> tuple[str, dict[str, str]]:
        session.get("a")
        return "ok", {"Vary": "Accept-Encoding"}

    response = app.test_client().get("/vary")
    assert vary_values(response) == {"accept-encoding", "cookie"}


@pytest.mark.parametrize("touch", ["read", "write", "clear", "flag"])
def test_vary_cookie_is_sent_once_whatever_the_session_did(touch: str) -> None:
    # The header as Flask leaves it: "Cookie" added once to what the view sent,
    # whether the session was read, written, emptied or only flagged as modified.
    app = make_app()

    @app.route("/vary")
    def vary_view() -> tuple[str, dict[str, str]]:
        if touch == "read":
            session.get("a")
        elif touch == "write":
            session["a"] = 1
        elif touch == "clear":
            session.clear()
        else:
            session.modified = True
            session.permanent = True
        return "ok", {"Vary": "Accept-Encoding"}

    client = app.test_client()
    client.set_cookie("session", signing_serializer(KEY).dumps({"a": "1"}))
    response = client.get("/vary")
    assert response.headers.getlist("Vary") == ["Accept-Encoding, Cookie"]


# --- bad cookies ---------------------------------------------------------------------------------


def valid_cookie() -> str:
    return signing_serializer(KEY).dumps({"a": "1"})


def tampered(cookie: str) -> str:
    payload, _, signature = cookie.rpartition(".")
    flipped = "A" if signature[0] != "A" else "B"
    return f"{payload}.{flipped}{signature[1:]}"


def tampered_payload(cookie: str) -> str:
    # Same signature over a different payload.
    payload, _, rest = cookie.partition(".")
    other = signing_serializer(KEY).dumps({"a": "2"}).partition(".")[0]
    assert other != payload
    return f"{other}.{rest}"


BAD_COOKIES: dict[str, Callable[[], str]] = {
    "tampered-signature": lambda: tampered(valid_cookie()),
    "tampered-payload": lambda: tampered_payload(valid_cookie()),
    "truncated": lambda: valid_cookie()[:-6],
    "payload-only": lambda: valid_cookie().partition(".")[0],
    "garbage": lambda: "this is not a session cookie",
    "dots": lambda: "...",
    "other-key": lambda: signing_serializer("another key").dumps({"a": "1"}),
}


@pytest.mark.parametrize("make_cookie", BAD_COOKIES.values(), ids=BAD_COOKIES.keys())
def test_bad_cookie_gives_an_empty_session(make_cookie: Callable[[], str]) -> None:
    app = make_app()
    seen: list[dict[str, Any]] = []

    @app.route("/dump")
    def dump() -> str:
        seen.append(dict(session))
        return "ok"

    client = app.test_client()
    client.set_cookie("session", make_cookie())
    response = client.get("/dump")
    assert response.status_code == 200
    assert seen == [{}]


def test_valid_cookie_signed_outside_the_app_is_read() -> None:
    client = make_app().test_client()
    client.set_cookie("session", valid_cookie())
    assert client.get("/get/a").text == "'1'"


def test_bad_cookie_is_replaced_when_the_session_is_written() -> None:
    client = make_app().test_client()
    client.set_cookie("session", "garbage")
    response = client.get("/set/b/2")
    assert response.status_code == 200
    value, _ = only_session_cookie(response)
    assert signing_serializer(KEY).loads(value) == {"b": "2"}


def test_expired_cookie_gives_an_empty_session() -> None:
    client = make_app(PERMANENT_SESSION_LIFETIME=60).test_client()
    old = signing_serializer(KEY, timestamp=time.time() - 3600).dumps({"a": "1"})
    client.set_cookie("session", old)
    response = client.get("/get/a")
    assert response.status_code == 200
    assert response.text == "None"


def test_cookie_younger_than_the_lifetime_is_read() -> None:
    client = make_app(PERMANENT_SESSION_LIFETIME=timedelta(minutes=1)).test_client()
    recent = signing_serializer(KEY, timestamp=time.time() - 30).dumps({"a": "1"})
    client.set_cookie("session", recent)
    assert client.get("/get/a").text == "'1'"


def test_non_permanent_session_also_expires_after_the_lifetime() -> None:
    client = make_app(PERMANENT_SESSION_LIFETIME=10).test_client()
    old = signing_serializer(KEY, timestamp=time.time() - 20).dumps({"a": "1"})
    client.set_cookie("session", old)
    assert client.get("/get/a").text == "None"


# --- no secret key ----------------------------------------------------------------------------


def test_without_secret_key_reading_the_session_gives_a_null_session() -> None:
    app = make_app(SECRET_KEY=None)
    seen: list[Any] = []

    @app.route("/inspect")
    def inspect_view() -> str:
        seen.append(session._get_current_object())  # type: ignore[attr-defined]
        return repr(session.get("a"))

    response = app.test_client().get("/inspect")
    assert response.status_code == 200
    assert response.text == "None"
    assert isinstance(seen[0], NullSession)
    assert len(seen[0]) == 0
    assert set_cookie_headers(response) == []


@pytest.mark.parametrize(
    "write",
    [
        pytest.param(lambda s: s.__setitem__("a", 1), id="setitem"),
        pytest.param(lambda s: s.update(a=1), id="update"),
        pytest.param(lambda s: s.setdefault("a", 1), id="setdefault"),
        pytest.param(lambda s: s.pop("a", None), id="pop"),
        pytest.param(lambda s: s.clear(), id="clear"),
        pytest.param(lambda s: s.__delitem__("a"), id="delitem"),
        pytest.param(lambda s: setattr(s, "permanent", True), id="permanent"),
    ],
)
def test_without_secret_key_writing_the_session_raises(write: Callable[[Any], Any]) -> None:
    app = make_app(SECRET_KEY=None)

    @app.route("/write")
    def write_view() -> str:
        write(session)
        return "written"

    with pytest.raises(RuntimeError, match="secret key"):
        app.test_client().get("/write")


def test_without_secret_key_writing_gives_500_when_not_testing() -> None:
    app = make_app(SECRET_KEY=None, TESTING=False)
    app.logger.disabled = True
    response = app.test_client().get("/set/a/1")
    assert response.status_code == 500


def test_empty_secret_key_counts_as_no_secret_key() -> None:
    app = make_app(SECRET_KEY="")
    with pytest.raises(RuntimeError, match="secret key"):
        app.test_client().get("/set/a/1")


def test_null_session_is_not_saved() -> None:
    app = make_app(SECRET_KEY=None)
    response = app.test_client().get("/get/a")
    assert set_cookie_headers(response) == []


# --- key rotation ---------------------------------------------------------------------------


def test_cookie_signed_with_a_fallback_key_is_read() -> None:
    app = make_app(SECRET_KEY="new key", SECRET_KEY_FALLBACKS=["older key", "old key"])
    client = app.test_client()
    client.set_cookie("session", signing_serializer("old key").dumps({"a": "from old"}))
    assert client.get("/get/a").text == "'from old'"
    client.set_cookie("session", signing_serializer("older key").dumps({"a": "from older"}))
    assert client.get("/get/a").text == "'from older'"


def test_cookie_signed_with_an_unknown_key_is_not_read_with_fallbacks() -> None:
    app = make_app(SECRET_KEY="new key", SECRET_KEY_FALLBACKS=["old key"])
    client = app.test_client()
    client.set_cookie("session", signing_serializer("stranger").dumps({"a": "1"}))
    assert client.get("/get/a").text == "None"


def test_new_cookies_are_signed_with_the_current_key_not_a_fallback() -> None:
    app = make_app(SECRET_KEY="new key", SECRET_KEY_FALLBACKS=["older key", "old key"])
    client = app.test_client()
    client.set_cookie("session", signing_serializer("old key").dumps({"a": "1"}))
    response = client.get("/set/b/2")
    value, _ = only_session_cookie(response)
    assert signing_serializer("new key").loads(value) == {"a": "1", "b": "2"}
    for old in ("old key", "older key"):
        with pytest.raises(BadSignature):
            signing_serializer(old).loads(value)


def test_fallbacks_do_not_replace_the_secret_key() -> None:
    app = make_app(SECRET_KEY=None, SECRET_KEY_FALLBACKS=["old key"])
    client = app.test_client()
    client.set_cookie("session", signing_serializer("old key").dumps({"a": "1"}))
    assert client.get("/get/a").text == "None"
    with pytest.raises(RuntimeError, match="secret key"):
        client.get("/set/a/1")


def test_bytes_secret_key_works() -> None:
    client = make_app(SECRET_KEY=b"\x00bytes key\xff").test_client()
    client.get("/set/a/1")
    assert client.get("/get/a").text == "'1'"


# --- custom session interface ----------------------------------------------------------------


class MemorySessionInterface(SessionInterface):
    """Server-side sessions in a dict, keyed by an id cookie; records its calls."""

    def __init__(self) -> None:
        self.store: dict[str, dict[str, Any]] = {}
        self.calls: list[str] = []

    def open_session(self, app: Any, request: Any) -> SessionMixin | None:
        self.calls.append("open")
        sid = request.cookies.get("sid")
        data = self.store.get(sid, {}) if sid else {}
        sess = SecureCookieSession(data)
        sess.sid = sid  # type: ignore[attr-defined]
        return sess

    def save_session(self, app: Any, session: SessionMixin, response: Any) -> None:
        self.calls.append("save")
        if not session.modified:
            return
        sid = getattr(session, "sid", None) or uuid.uuid4().hex
        self.store[sid] = dict(session)
        response.set_cookie("sid", sid)


def test_custom_session_interface_opens_and_saves() -> None:
    app = make_app()
    interface = MemorySessionInterface()
    app.session_interface = interface
    client = app.test_client()

    response = client.get("/set/a/1")
    assert interface.calls == ["open", "save"]
    assert set_cookie_headers(response)[0].startswith("sid=")
    assert list(interface.store.values()) == [{"a": "1"}]
    assert client.get_cookie("session") is None

    assert client.get("/get/a").text == "'1'"
    assert interface.calls == ["open", "save", "open", "save"]


def test_custom_session_interface_is_called_even_if_view_ignores_session() -> None:
    app = make_app()
    interface = MemorySessionInterface()
    app.session_interface = interface
    app.test_client().get("/untouched")
    assert interface.calls == ["open", "save"]


def test_custom_interface_returning_none_gives_a_null_session() -> None:
    class NoSessions(SessionInterface):
        def open_session(self, app: Any, request: Any) -> None:
            return None

        def save_session(self, app: Any, session: SessionMixin, response: Any) -> None:
            raise AssertionError("a null session must not be saved")

    app = make_app()
    app.session_interface = NoSessions()
    client = app.test_client()
    assert client.get("/get/a").text == "None"
    with pytest.raises(RuntimeError, match="secret key"):
        client.get("/set/a/1")


def test_subclass_of_the_cookie_interface_can_change_the_salt() -> None:
    class SaltedInterface(SecureCookieSessionInterface):
        salt = "another-salt"

    app = make_app()
    app.session_interface = SaltedInterface()
    client = app.test_client()
    response = client.get("/set/a/1")
    value, _ = only_session_cookie(response)
    with pytest.raises(BadSignature):
        signing_serializer(KEY).loads(value)
    assert client.get("/get/a").text == "'1'"


def test_subclass_can_override_cookie_settings() -> None:
    class Named(SecureCookieSessionInterface):
        def get_cookie_name(self, app: Any) -> str:
            return "custom_name"

        def get_cookie_samesite(self, app: Any) -> str:
            return "Lax"

    app = make_app()
    app.session_interface = Named()
    client = app.test_client()
    response = client.get("/set/a/1")
    _, attrs = only_session_cookie(response, name="custom_name")
    assert attrs["samesite"] == "Lax"
    assert client.get("/get/a").text == "'1'"


def test_should_set_cookie_override_suppresses_the_cookie() -> None:
    class Never(SecureCookieSessionInterface):
        def should_set_cookie(self, app: Any, session: SessionMixin) -> bool:
            return False

    app = make_app()
    app.session_interface = Never()
    response = app.test_client().get("/set/a/1")
    assert set_cookie_headers(response) == []


# --- SecureCookieSession flags ---------------------------------------------------------------


def test_new_session_flags() -> None:
    sess = SecureCookieSession()
    assert sess.new is False
    assert sess.modified is False
    assert sess.accessed is False
    assert sess.permanent is False


def test_reading_does_not_set_modified() -> None:
    sess = SecureCookieSession({"a": 1})
    assert sess["a"] == 1
    assert sess.get("missing", 5) == 5
    assert "a" in sess
    assert len(sess) == 1
    assert list(sess.items()) == [("a", 1)]
    assert sess.modified is False


def test_writing_sets_modified() -> None:
    sess = SecureCookieSession()
    sess["a"] = 1
    assert sess.modified is True


@pytest.mark.parametrize(
    "change",
    [
        pytest.param(lambda s: s.__delitem__("a"), id="delitem"),
        pytest.param(lambda s: s.pop("a"), id="pop"),
        pytest.param(lambda s: s.popitem(), id="popitem"),
        pytest.param(lambda s: s.clear(), id="clear"),
        pytest.param(lambda s: s.update(b=2), id="update"),
        pytest.param(lambda s: s.setdefault("b", 2), id="setdefault"),
        pytest.param(lambda s: setattr(s, "permanent", True), id="permanent"),
    ],
)
def test_every_change_sets_modified(change: Callable[[Any], Any]) -> None:
    sess = SecureCookieSession({"a": 1})
    change(sess)
    assert sess.modified is True


def test_permanent_property_uses_the_permanent_key() -> None:
    sess = SecureCookieSession()
    sess.permanent = True
    assert sess["_permanent"] is True
    assert sess.permanent is True
    sess.permanent = False
    assert sess["_permanent"] is False
    assert sess.permanent is False


def test_session_read_in_a_request_is_accessed_but_not_modified() -> None:
    app = make_app()
    flags: list[tuple[bool, bool, bool]] = []

    @app.route("/flags")
    def flags_view() -> str:
        session.get("a")
        flags.append((session.new, session.modified, session.accessed))
        return ""

    @app.route("/flags-after-write")
    def flags_after_write() -> str:
        session["b"] = "2"
        flags.append((session.new, session.modified, session.accessed))
        return ""

    client = app.test_client()
    client.get("/set/a/1")
    client.get("/flags")
    client.get("/flags-after-write")
    assert flags == [(False, False, True), (False, True, True)]


# --- session_transaction -------------------------------------------------------------------------


def test_session_transaction_presets_values_for_the_next_request() -> None:
    client = make_app().test_client()
    with client.session_transaction() as sess:
        sess["user"] = "bob"
        sess["ids"] = (1, 2)
    assert client.get("/get/user").text == "'bob'"
    assert client.get("/get/ids").text == "(1, 2)"


def test_session_transaction_reads_what_a_request_stored() -> None:
    client = make_app().test_client()
    client.get("/set/a/1")
    with client.session_transaction() as sess:
        assert dict(sess) == {"a": "1"}


def test_session_transaction_changes_accumulate_with_request_changes() -> None:
    client = make_app().test_client()
    client.get("/set/a/1")
    with client.session_transaction() as sess:
        sess["b"] = "2"
    client.get("/set/c/3")
    with client.session_transaction() as sess:
        assert dict(sess) == {"a": "1", "b": "2", "c": "3"}


def test_session_transaction_can_clear_the_session() -> None:
    client = make_app().test_client()
    client.get("/set/a/1")
    with client.session_transaction() as sess:
        sess.clear()
    assert client.get_cookie("session") is None
    assert client.get("/get/a").text == "None"


def test_session_transaction_respects_cookie_name() -> None:
    client = make_app(SESSION_COOKIE_NAME="sid").test_client()
    with client.session_transaction() as sess:
        sess["a"] = "1"
    assert client.get_cookie("sid") is not None
    assert client.get("/get/a").text == "'1'"


def test_session_transaction_without_secret_key_raises() -> None:
    client = make_app(SECRET_KEY=None).test_client()
    with pytest.raises(RuntimeError, match=r"(?i)session"):  # noqa: SIM117
        with client.session_transaction():
            pass


def test_session_transaction_without_cookies_raises() -> None:
    client = make_app().test_client(use_cookies=False)
    with pytest.raises(TypeError, match="use_cookies"):  # noqa: SIM117
        with client.session_transaction():
            pass


def test_session_transaction_with_custom_interface() -> None:
    app = make_app()
    interface = MemorySessionInterface()
    app.session_interface = interface
    client = app.test_client()
    with client.session_transaction() as sess:
        sess["a"] = "from transaction"
    assert client.get("/get/a").text == "'from transaction'"


# --- Flask interoperability ----------------------------------------------------------------------


INTEROP_VALUES: dict[str, Any] = {
    "text": 'hello ünïcødé \u2603 "quoted" <tag>',
    "zero": 0,
    "int": -12345678901234,
    "float": 3.25,
    "none": None,
    "true": True,
    "false": False,
    "nested": {"b": [1, {"c": (2, "three")}], "a": {"deep": {"deeper": [None]}}},
    "list": [1, "two", 3.0, [4, [5]]],
    "tuple": (1, "a", (2, 3), [4]),
    "empty": {"d": {}, "l": [], "t": ()},
    "bytes": b"\x00\xffbinary\n",
    "when": datetime(2024, 2, 29, 23, 59, 58, tzinfo=timezone.utc),
    "uuid": uuid.UUID("6f1c2d3e-4b5a-4c7d-8e9f-0a1b2c3d4e5f"),
    "markup": Markup("<strong>safe &amp; sound</strong>"),
    "tag-key": {" t": "not a tuple"},
    "tag-key-2": {" di": ["x"]},
    "tag-key-nested": {" b": {" m": "y"}},
    "spaced key": "value",
}


def assert_same_values(seen: dict[str, Any], expected: dict[str, Any]) -> None:
    assert seen == expected
    assert isinstance(seen["tuple"], tuple)
    assert isinstance(seen["tuple"][2], tuple)
    assert isinstance(seen["tuple"][3], list)
    assert isinstance(seen["nested"]["b"][1]["c"], tuple)
    assert isinstance(seen["empty"]["t"], tuple)
    assert isinstance(seen["markup"], Markup)
    assert isinstance(seen["bytes"], bytes)
    assert isinstance(seen["uuid"], uuid.UUID)
    assert seen["when"].utcoffset() == timedelta(0)
    assert type(seen["float"]) is float
    assert type(seen["int"]) is int


def writer_and_reader(app: Any, session_proxy: Any) -> tuple[Any, list[dict[str, Any]]]:
    """Adds ``/write`` (stores INTEROP_VALUES) and ``/read`` views to a Flask or erlen app."""
    seen: list[dict[str, Any]] = []

    @app.route("/write")
    def write() -> str:
        session_proxy.update(copy.deepcopy(INTEROP_VALUES))
        return "written"

    @app.route("/read")
    def read() -> str:
        seen.append(dict(session_proxy))
        return "read"

    return app, seen


def flask_app() -> tuple[flask.Flask, list[dict[str, Any]]]:
    app = flask.Flask("flask_interop")
    app.config.update(SECRET_KEY=KEY, TESTING=True)
    return writer_and_reader(app, flask.session)  # type: ignore[return-value]


def erlen_app() -> tuple[Erlen, list[dict[str, Any]]]:
    app = Erlen("erlen_interop")
    app.config.update(SECRET_KEY=KEY, TESTING=True)
    return writer_and_reader(app, session)  # type: ignore[return-value]


def written_cookie(app: Any) -> str:
    response = app.test_client().get("/write")
    assert response.status_code == 200
    value, _ = only_session_cookie(response)
    return value


def read_cookie(app: Any, seen: list[dict[str, Any]], cookie: str) -> dict[str, Any]:
    client = app.test_client()
    client.set_cookie("session", cookie)
    assert client.get("/read").status_code == 200
    return seen[-1]


def test_cookie_written_by_flask_is_read_by_erlen() -> None:
    cookie = written_cookie(flask_app()[0])
    app, seen = erlen_app()
    assert_same_values(read_cookie(app, seen, cookie), INTEROP_VALUES)


def test_cookie_written_by_erlen_is_read_by_flask() -> None:
    cookie = written_cookie(erlen_app()[0])
    app, seen = flask_app()
    assert_same_values(read_cookie(app, seen, cookie), INTEROP_VALUES)


def test_cookies_written_by_flask_and_erlen_are_identical(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    frozen = int(time.time()) - 100
    # Both sign with int(time.time()) (itsdangerous in TimestampSigner.get_timestamp).
    monkeypatch.setattr(time, "time", lambda: frozen + 0.25)
    from_flask = written_cookie(flask_app()[0])
    from_erlen = written_cookie(erlen_app()[0])
    assert from_erlen.partition(".")[0] == from_flask.partition(".")[0]
    assert from_erlen == from_flask


def test_payload_matches_flask_serializer() -> None:
    # The decoded payload is the same tagged JSON Flask's own serializer writes.
    from flask.json.tag import TaggedJSONSerializer as FlaskSerializer

    cookie = written_cookie(erlen_app()[0])
    payload = signing_serializer(KEY).loads_unsafe(cookie)[1]
    with flask.Flask("ctx").app_context():
        expected = FlaskSerializer().dumps(INTEROP_VALUES)
    with Erlen("ctx").app_context():
        assert TaggedJSONSerializer().dumps(payload) == expected


def test_permanent_session_from_flask_stays_permanent_in_erlen() -> None:
    flask_side = flask.Flask("flask_permanent")
    flask_side.config.update(SECRET_KEY=KEY)

    @flask_side.route("/")
    def make_permanent() -> str:
        flask.session.permanent = True
        flask.session["who"] = "flask"
        return ""

    cookie, _ = only_session_cookie(flask_side.test_client().get("/"))
    app = make_app()
    client = app.test_client()
    client.set_cookie("session", cookie)
    response = client.get("/untouched")
    _, attrs = only_session_cookie(response)
    assert "expires" in attrs
    assert client.get("/get/who").text == "'flask'"


def test_session_transaction_cookie_is_readable_by_flask() -> None:
    client = make_app().test_client()
    with client.session_transaction() as sess:
        sess["a"] = (1, b"2")
    cookie = client.get_cookie("session")
    assert cookie is not None
    app, seen = flask_app()
    assert read_cookie(app, seen, cookie.value) == {"a": (1, b"2")}


# --- other details ---------------------------------------------------------------------------


def test_process_response_in_a_test_request_context_sets_the_cookie() -> None:
    app = make_app()
    with app.test_request_context():
        session["a"] = "1"
        response = app.process_response(app.response_class("body"))
    value, _ = only_session_cookie(response)
    assert signing_serializer(KEY).loads(value) == {"a": "1"}


def test_server_name_does_not_set_the_cookie_domain() -> None:
    app = make_app(SERVER_NAME="example.test")
    response = app.test_client().get("/set/a/1")
    _, attrs = only_session_cookie(response)
    assert "domain" not in attrs


def random_text(size: int) -> str:
    """Text that does not compress (itsdangerous compresses payloads when it helps)."""
    return base64.urlsafe_b64encode(os.urandom(size)).decode()


def test_oversized_session_cookie_warns() -> None:
    app = make_app()
    with pytest.warns(UserWarning, match="(?i)cookie"):
        app.test_client().get("/set/big/" + random_text(5000))


def test_max_cookie_size_config_controls_the_warning() -> None:
    app = make_app(MAX_COOKIE_SIZE=200)
    with pytest.warns(UserWarning, match="(?i)cookie"):
        app.test_client().get("/set/big/" + random_text(200))


# --- replacing the serializer ---


def test_serializer_can_still_be_replaced() -> None:
    class Upper(TaggedJSONSerializer):
        def dumps(self, value: Any) -> str:
            return super().dumps({k.upper(): v for k, v in value.items()})

    class Interface(SecureCookieSessionInterface):
        serializer = Upper()

    app = make_app()
    app.session_interface = Interface()
    client = app.test_client()
    client.get("/set/a/1")
    cookie = client.get_cookie("session")
    assert cookie is not None
    assert signing_serializer(KEY).loads(cookie.value) == {"A": "1"}
    instance = SecureCookieSessionInterface()
    instance.serializer = Upper()
    assert type(instance.serializer) is Upper
    assert type(SecureCookieSessionInterface.serializer) is TaggedJSONSerializer


# --- keys and settings changed while the app runs ---


def test_new_secret_key_takes_effect_on_the_next_request() -> None:
    app = make_app()
    client = app.test_client()
    client.get("/set/a/1")
    assert client.get("/get/a").data == b"'1'"

    app.secret_key = "a different key"
    assert client.get("/get/a").data == b"None"  # the old signature no longer verifies

    app.config["SECRET_KEY_FALLBACKS"] = [KEY]
    assert client.get("/get/a").data == b"'1'"  # accepted through the fallback
    client.get("/set/b/2")  # re-signed with the new key
    cookie = client.get_cookie("session")
    assert cookie is not None
    assert signing_serializer("a different key").loads(cookie.value) == {"a": "1", "b": "2"}


def test_interfaces_with_other_salts_on_one_app_do_not_share_signatures() -> None:
    class OtherSalt(SecureCookieSessionInterface):
        salt = "another-salt"

    app = make_app()
    client = app.test_client()
    client.get("/set/a/1")
    app.session_interface = OtherSalt()
    assert client.get("/get/a").data == b"None"
    client.get("/set/a/2")
    app.session_interface = SecureCookieSessionInterface()
    assert client.get("/get/a").data == b"None"


SETTINGS_MATRIX = [
    {},
    {"SESSION_COOKIE_DOMAIN": "example.com"},
    {"SESSION_COOKIE_DOMAIN": ".Example.com:8080"},
    {"SESSION_COOKIE_PATH": "/app"},
    {"SESSION_COOKIE_PATH": "/a b/ü"},
    {"APPLICATION_ROOT": "/root"},
    {"SESSION_COOKIE_SECURE": True},
    {"SESSION_COOKIE_HTTPONLY": False},
    {"SESSION_COOKIE_SAMESITE": "Lax"},
    {"SESSION_COOKIE_SAMESITE": "strict"},
    {"SESSION_COOKIE_SAMESITE": "None", "SESSION_COOKIE_SECURE": True},
    {"SESSION_COOKIE_PARTITIONED": True},
    {"SESSION_COOKIE_NAME": "my-session.v2"},
    {"SESSION_COOKIE_NAME": "sessión"},
    {"SESSION_PERMANENT": True},
]


@pytest.mark.parametrize("settings", range(len(SETTINGS_MATRIX)))
def test_the_session_cookie_header_is_werkzeugs_set_cookie(settings: int) -> None:
    """The Set-Cookie written from cached attributes equals what response.set_cookie
    writes for the same settings (a response class overriding set_cookie gets it)."""
    import erlen

    class OwnSetCookie(erlen.Response):
        def set_cookie(self, *args: Any, **kwargs: Any) -> None:
            super().set_cookie(*args, **kwargs)

    def headers_with(response_class: type[erlen.Response]) -> list[tuple[str, str]]:
        app = Erlen(__name__)
        app.secret_key = "secret"
        app.config.update(SETTINGS_MATRIX[settings])
        app.response_class = response_class

        @app.post("/")
        def write() -> str:
            session["user"] = "alice"
            session.permanent = app.config.get("SESSION_PERMANENT", False)
            return "ok"

        with freeze_signing_clock(1_700_000_000):
            response = app.test_client().post("/")
        return [(k, v) for k, v in response.headers if k in ("Set-Cookie", "Vary")]

    assert headers_with(erlen.Response) == headers_with(OwnSetCookie)


def freeze_signing_clock(now: int) -> Any:
    import contextlib

    from erlen.sessions import SecureCookieSessionInterface

    def expiration(self: Any, app: Any, session: Any) -> datetime | None:
        lifetime = app.permanent_session_lifetime
        return datetime.fromtimestamp(now, timezone.utc) + lifetime if session.permanent else None

    @contextlib.contextmanager
    def frozen() -> Any:
        with pytest.MonkeyPatch.context() as patch:
            patch.setattr(TimestampSigner, "get_timestamp", lambda self: now)
            patch.setattr(time, "time", lambda: float(now))
            patch.setattr(SecureCookieSessionInterface, "get_expiration_time", expiration)
            yield

    return frozen()


def test_a_cookie_past_max_cookie_size_still_warns() -> None:
    app = Erlen(__name__)
    app.secret_key = "secret"
    app.config["MAX_COOKIE_SIZE"] = 80

    @app.post("/")
    def write() -> str:
        session["data"] = "x" * 200
        return "ok"

    with pytest.warns(UserWarning, match="cookie is too large"):
        response = app.test_client().post("/")
    assert response.headers["Set-Cookie"].startswith("session=")


def test_overridden_cookie_getters_are_used() -> None:
    from erlen.sessions import SecureCookieSessionInterface

    class Named(SecureCookieSessionInterface):
        def get_cookie_name(self, app: Any) -> str:
            return "named"

        def get_cookie_path(self, app: Any) -> str:
            return "/named"

    app = Erlen(__name__)
    app.secret_key = "secret"
    app.session_interface = Named()

    @app.post("/")
    def write() -> str:
        session["a"] = 1
        return "ok"

    cookie = app.test_client().post("/").headers["Set-Cookie"]
    assert cookie.startswith("named=") and "Path=/named" in cookie
