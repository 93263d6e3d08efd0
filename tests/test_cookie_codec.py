"""The session cookie codec against itsdangerous: the same cookies, both ways.

erlen signs and reads session cookies with its own codec (keys derived once per
key, not per call); these tests run the same values through it and through
itsdangerous's ``URLSafeTimedSerializer`` with the same settings and compare the
bytes, and check that each reads what the other wrote and refuses the same bad input.
"""

from __future__ import annotations

import hashlib
import time
import typing as t

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from itsdangerous import BadData, BadSignature, SignatureExpired, URLSafeTimedSerializer

from erlen import Erlen, session
from erlen._cookie_codec import CookieCodec
from erlen.json.tag import TaggedJSONSerializer
from erlen.sessions import SecureCookieSessionInterface

SALT = "cookie-session"
SERIALIZER = TaggedJSONSerializer()


def reference(keys: list[str], digest: t.Any = hashlib.sha1) -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(
        keys,  # type: ignore[arg-type]
        salt=SALT,
        serializer=SERIALIZER,
        signer_kwargs={"key_derivation": "hmac", "digest_method": digest},
    )


def codec(keys: list[str], digest: str = "sha1") -> CookieCodec:
    return CookieCodec(keys, SALT, SERIALIZER, digest)


def app_context() -> t.Any:
    app = Erlen(__name__)
    app.secret_key = "k"
    return app.app_context()  # TaggedJSONSerializer uses the app's JSON provider


VALUES = [
    {"n": 1},
    {"user": "ada", "csrf_token": "a" * 40, "_fresh": True, "ids": [1, 2, 3]},
    {"text": "é ✓ \U0001f600", "none": None, "float": 1.5},
    {"long": "x" * 2000},  # compressed: the payload starts with "."
    {"bytes": b"\x00\xff", "tuple": (1, 2), "nested": {" t": [1]}},
]


@pytest.mark.parametrize("value", VALUES)
@pytest.mark.parametrize("digest", [(hashlib.sha1, "sha1"), (hashlib.sha256, "sha256")])
def test_the_same_cookie_as_itsdangerous_byte_for_byte(
    value: dict[str, t.Any], digest: tuple[t.Any, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    keys = ["old key", "new key"]
    monkeypatch.setattr(time, "time", lambda: 1_800_000_000.5)
    with app_context():
        ours = codec(keys, digest[1]).dumps(value)
        theirs = reference(keys, digest[0]).dumps(value)
        assert ours == theirs
        if "long" in value:
            assert ours.startswith(".")
        assert codec(keys, digest[1]).loads(theirs, max_age=60) == reference(
            keys, digest[0]
        ).loads(ours, max_age=60)


@settings(max_examples=150, deadline=None)
@given(
    st.dictionaries(
        st.text(max_size=8),
        st.one_of(st.none(), st.booleans(), st.integers(), st.text(max_size=50)),
        max_size=6,
    )
)
def test_any_session_round_trips_through_both(value: dict[str, t.Any]) -> None:
    with app_context():
        keys = ["a", "b"]
        assert reference(keys).loads(codec(keys).dumps(value)) == value
        assert codec(keys).loads(reference(keys).dumps(value)) == value


def test_old_keys_are_read_and_the_newest_signs() -> None:
    with app_context():
        by_old = reference(["old"]).dumps({"n": 1})
        rotated = codec(["old", "new"])
        assert rotated.loads(by_old) == {"n": 1}
        assert reference(["new"]).loads(rotated.dumps({"n": 2})) == {"n": 2}
        with pytest.raises(BadSignature):
            codec(["new"]).loads(by_old)


def tampered(cookie: str) -> list[str]:
    payload, stamp, signature = cookie.rsplit(".", 2)
    flipped = "A" if signature[0] != "A" else "B"
    return [
        "",
        "nodot",
        cookie[:-1],
        cookie + "x",
        f"{payload}.{stamp}.{flipped}{signature[1:]}",
        f"{payload}x.{stamp}.{signature}",
        f"{payload}.{stamp}",
        f"{payload}.!!!.{signature}",
        cookie.replace(".", "..", 1),
        "é" + cookie,
        "\ud800" + cookie,
    ]


@pytest.mark.parametrize("index", range(11))
def test_tampered_cookies_are_refused_as_itsdangerous_refuses_them(index: int) -> None:
    with app_context():
        cookie = reference(["k"]).dumps({"user": "ada"})
        bad = tampered(cookie)[index]
        outcomes = []
        for reader in (codec(["k"]), reference(["k"])):
            try:
                outcomes.append(("read", reader.loads(bad, max_age=60)))
            except (BadData, UnicodeEncodeError) as e:
                outcomes.append(("refused", BadData))
                assert not isinstance(e, SignatureExpired)
        assert outcomes == [("refused", BadData), ("refused", BadData)]


def test_expired_and_future_cookies_are_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    with app_context():
        cookie = codec(["k"]).dumps({"n": 1})
        now = time.time()
        monkeypatch.setattr(time, "time", lambda: now + 120)
        assert codec(["k"]).loads(cookie, max_age=300) == {"n": 1}
        with pytest.raises(SignatureExpired):
            codec(["k"]).loads(cookie, max_age=60)
        monkeypatch.setattr(time, "time", lambda: now - 120)
        with pytest.raises(SignatureExpired):
            codec(["k"]).loads(cookie, max_age=60)


def test_a_signed_payload_that_does_not_decode_is_a_bad_payload() -> None:
    import base64
    import hmac

    key = hmac.digest(b"k", SALT.encode(), "sha1")

    def sign(payload: bytes) -> str:
        value = payload + b"." + b"aaaa"
        sig = base64.urlsafe_b64encode(hmac.digest(key, value, "sha1")).rstrip(b"=")
        return (value + b"." + sig).decode()

    with app_context():
        for payload in (b".bm90emxpYg", b"_w", b"bm90IGpzb24"):  # not zlib, bad utf-8, not JSON
            with pytest.raises(BadData):
                codec(["k"]).loads(sign(payload))
            with pytest.raises(BadData):
                reference(["k"]).loads(sign(payload))


def test_an_app_reads_cookies_signed_by_itsdangerous_and_the_other_way_round() -> None:
    app = Erlen(__name__)
    app.secret_key = "shared secret"

    @app.route("/inc")
    def inc() -> str:
        session["n"] = session.get("n", 0) + 1
        return str(session["n"])

    client = app.test_client()
    with app.app_context():
        outside = reference(["shared secret"]).dumps({"n": 41})
    client.set_cookie("session", outside)
    assert client.get("/inc").text == "42"
    cookie = client.get_cookie("session")
    assert cookie is not None
    with app.app_context():
        assert reference(["shared secret"]).loads(cookie.value) == {"n": 42}


def test_custom_settings_still_go_through_itsdangerous() -> None:
    class Custom(SecureCookieSessionInterface):
        digest_method = staticmethod(lambda data=b"": hashlib.md5(data))

    app = Erlen(__name__)
    app.secret_key = "k"
    app.session_interface = Custom()
    assert isinstance(app.session_interface._codec(app), URLSafeTimedSerializer)
    assert isinstance(SecureCookieSessionInterface()._codec(app), CookieCodec)

    @app.route("/")
    def index() -> str:
        session["n"] = session.get("n", 0) + 1
        return str(session["n"])

    client = app.test_client()
    assert [client.get("/").text for _ in range(3)] == ["1", "2", "3"]


def test_a_clock_frozen_in_itsdangerous_holds_for_the_codec(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from itsdangerous import TimestampSigner

    monkeypatch.setattr(TimestampSigner, "get_timestamp", lambda self: 1_700_000_000)
    with app_context():
        cookie = codec(["k"]).dumps({"n": 1})
        assert cookie == reference(["k"]).dumps({"n": 1})
        assert reference(["k"]).loads(cookie, max_age=5, return_timestamp=True)[1].timestamp() == (
            1_700_000_000
        )
        # Ages are measured by the same clock: a year later (frozen), it has expired.
        monkeypatch.setattr(TimestampSigner, "get_timestamp", lambda self: 1_731_536_000)
        with pytest.raises(SignatureExpired):
            codec(["k"]).loads(cookie, max_age=60)


@given(
    key=st.binary(max_size=300),
    message=st.binary(max_size=200),
    digest=st.sampled_from(["sha1", "sha256", "sha512", "md5", "sha3_256", "blake2b"]),
)
def test_the_precomputed_hmac_is_hmac(key: bytes, message: bytes, digest: str) -> None:
    import hmac

    from erlen._cookie_codec import _Mac

    assert _Mac(key, digest)(message) == hmac.digest(key, message, digest)


def test_a_digest_hmac_refuses_is_refused_here_too() -> None:
    import hmac

    with pytest.raises((TypeError, ValueError)):
        hmac.digest(b"k", b"m", "shake_128")  # what itsdangerous would meet too
    with pytest.raises((TypeError, ValueError)):
        CookieCodec(["secret"], SALT, SERIALIZER, "shake_128").dumps({"a": 1})


@pytest.mark.parametrize("stamp", [b"\x01" * 9, b"", b"\x00" * 8, b"\xff" * 8])
def test_odd_timestamps_are_refused_or_read_as_itsdangerous_does(stamp: bytes) -> None:
    from itsdangerous import Signer

    from erlen._cookie_codec import base64_encode

    # A validly signed value whose timestamp part is ``stamp`` (a signer with the
    # same derived key signs it, as a forger with the key could).
    payload = base64_encode(b'{"n":1}') + b"." + base64_encode(stamp)
    signer = Signer("k", salt=SALT, key_derivation="hmac", digest_method=hashlib.sha1)
    signed = signer.sign(payload).decode()

    def outcome(load: t.Callable[[], t.Any]) -> t.Any:
        try:
            return load()
        except Exception as e:
            return type(e).__name__

    with app_context():
        ours = outcome(lambda: codec(["k"]).loads(signed, max_age=10**12))
        theirs = outcome(lambda: reference(["k"]).loads(signed, max_age=10**12))
    if theirs == "OverflowError":
        # itsdangerous fails on a timestamp past datetime's range; erlen refuses it.
        assert ours == "SignatureExpired"
    else:
        assert ours == theirs
