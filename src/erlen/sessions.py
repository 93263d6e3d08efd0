"""Sessions: the interface apps can replace, and the default signed-cookie sessions.

The default stores the session in a cookie signed with ``SECRET_KEY`` (itsdangerous,
salt ``cookie-session``, HMAC-SHA1, tagged JSON), the same format Flask writes, so
sessions survive a move between the two.
"""

from __future__ import annotations

import collections.abc as cabc
import hashlib
import re
import typing as t
from datetime import datetime, timezone

from itsdangerous import BadData, URLSafeTimedSerializer
from werkzeug.datastructures import CallbackDict, Headers
from werkzeug.http import dump_cookie
from werkzeug.sansio.response import Response as _SansioResponse

from ._cookie_codec import CookieCodec
from .json.tag import TaggedJSONSerializer

if t.TYPE_CHECKING:
    from .app import Erlen
    from .wrappers import Request, Response


class SessionMixin(cabc.MutableMapping[str, t.Any]):
    """The session attributes the app and extensions rely on."""

    @property
    def permanent(self) -> bool:
        """Whether the cookie outlives the browser session (``PERMANENT_SESSION_LIFETIME``)."""
        return self.get("_permanent", False)  # type: ignore[no-any-return]

    @permanent.setter
    def permanent(self, value: bool) -> None:
        self["_permanent"] = bool(value)

    #: Whether the session is new (the default implementation does not track it).
    new = False
    #: Whether the session changed; a changed session is saved.
    modified = True
    #: Whether the session was read or written; adds ``Vary: Cookie`` to the response.
    accessed = True


class SecureCookieSession(CallbackDict[str, t.Any], SessionMixin):
    """A dict that records whether it was read (``accessed``) or changed (``modified``)."""

    modified = False
    accessed = False

    def __init__(
        self,
        initial: cabc.Mapping[str, t.Any] | cabc.Iterable[tuple[str, t.Any]] | None = None,
    ) -> None:
        def on_update(self: SecureCookieSession) -> None:
            self.modified = True
            self.accessed = True

        super().__init__(initial, on_update)

    def __getitem__(self, key: str) -> t.Any:
        self.accessed = True
        return super().__getitem__(key)

    def get(self, key: str, default: t.Any = None) -> t.Any:
        self.accessed = True
        return super().get(key, default)

    def setdefault(self, key: str, default: t.Any = None) -> t.Any:
        self.accessed = True
        return super().setdefault(key, default)

    def __contains__(self, key: object) -> bool:
        self.accessed = True
        return super().__contains__(key)

    def __len__(self) -> int:
        self.accessed = True
        return super().__len__()

    def __iter__(self) -> t.Iterator[str]:
        self.accessed = True
        return super().__iter__()

    def __bool__(self) -> bool:
        self.accessed = True
        return super().__len__() > 0

    def keys(self) -> t.Any:
        self.accessed = True
        return super().keys()

    def values(self) -> t.Any:
        self.accessed = True
        return super().values()

    def items(self) -> t.Any:
        self.accessed = True
        return super().items()


class NullSession(SecureCookieSession):
    """The session when no secret key is set: reading works, writing explains the fix."""

    def _fail(self, *args: t.Any, **kwargs: t.Any) -> t.NoReturn:
        raise RuntimeError(
            "The session is unavailable because no secret key was set. Set the"
            " secret_key on the application to something unique and secret, e.g."
            " app.secret_key = ... or SECRET_KEY in the config."
        )

    __setitem__ = __delitem__ = clear = pop = popitem = update = setdefault = _fail


_COOKIE_GETTERS = (
    "get_cookie_name",
    "get_cookie_domain",
    "get_cookie_path",
    "get_cookie_secure",
    "get_cookie_partitioned",
    "get_cookie_samesite",
    "get_cookie_httponly",
)


class SessionInterface:
    """How sessions are opened and saved; replace ``app.session_interface`` to change it."""

    #: What :meth:`make_null_session` returns.
    null_session_class = NullSession
    #: Whether the session is pickled (never, here).
    pickle_based = False

    def _cookie_settings(
        self, app: Erlen
    ) -> tuple[str, str | None, str, bool, bool, str | None, bool]:
        """The cookie's name, domain, path, secure, partitioned, samesite and httponly
        settings, from the ``get_cookie_*`` methods (read from the config at once when
        they are these)."""
        cls = type(self)
        if (
            self.__dict__
            or cls.get_cookie_name is not _own_getters[0]
            or cls.get_cookie_domain is not _own_getters[1]
            or cls.get_cookie_path is not _own_getters[2]
            or cls.get_cookie_secure is not _own_getters[3]
            or cls.get_cookie_partitioned is not _own_getters[4]
            or cls.get_cookie_samesite is not _own_getters[5]
            or cls.get_cookie_httponly is not _own_getters[6]
        ):
            return (
                self.get_cookie_name(app),
                self.get_cookie_domain(app),
                self.get_cookie_path(app),
                self.get_cookie_secure(app),
                self.get_cookie_partitioned(app),
                self.get_cookie_samesite(app),
                self.get_cookie_httponly(app),
            )
        config = app.config
        return (
            config["SESSION_COOKIE_NAME"],
            config["SESSION_COOKIE_DOMAIN"] or None,
            config["SESSION_COOKIE_PATH"] or config["APPLICATION_ROOT"],
            config["SESSION_COOKIE_SECURE"],
            config["SESSION_COOKIE_PARTITIONED"],
            config["SESSION_COOKIE_SAMESITE"],
            config["SESSION_COOKIE_HTTPONLY"],
        )

    def make_null_session(self, app: Erlen) -> NullSession:
        """The stand-in session used when :meth:`open_session` gives None."""
        return self.null_session_class()

    def is_null_session(self, obj: object) -> bool:
        """Whether ``obj`` is a null session, which is never saved."""
        return isinstance(obj, self.null_session_class)

    def get_cookie_name(self, app: Erlen) -> str:
        """``SESSION_COOKIE_NAME``."""
        return app.config["SESSION_COOKIE_NAME"]  # type: ignore[no-any-return]

    def get_cookie_domain(self, app: Erlen) -> str | None:
        """``SESSION_COOKIE_DOMAIN``, or None to leave the domain out."""
        return app.config["SESSION_COOKIE_DOMAIN"] or None

    def get_cookie_path(self, app: Erlen) -> str:
        """``SESSION_COOKIE_PATH``, else ``APPLICATION_ROOT``."""
        return app.config["SESSION_COOKIE_PATH"] or app.config["APPLICATION_ROOT"]  # type: ignore[no-any-return]

    def get_cookie_httponly(self, app: Erlen) -> bool:
        """``SESSION_COOKIE_HTTPONLY``."""
        return app.config["SESSION_COOKIE_HTTPONLY"]  # type: ignore[no-any-return]

    def get_cookie_secure(self, app: Erlen) -> bool:
        """``SESSION_COOKIE_SECURE``."""
        return app.config["SESSION_COOKIE_SECURE"]  # type: ignore[no-any-return]

    def get_cookie_samesite(self, app: Erlen) -> str | None:
        """``SESSION_COOKIE_SAMESITE``."""
        return app.config["SESSION_COOKIE_SAMESITE"]  # type: ignore[no-any-return]

    def get_cookie_partitioned(self, app: Erlen) -> bool:
        """``SESSION_COOKIE_PARTITIONED``."""
        return app.config["SESSION_COOKIE_PARTITIONED"]  # type: ignore[no-any-return]

    def get_expiration_time(self, app: Erlen, session: SessionMixin) -> datetime | None:
        """When a permanent session's cookie expires; None for a browser-session cookie."""
        if session.permanent:
            return datetime.now(timezone.utc) + app.permanent_session_lifetime
        return None

    def should_set_cookie(self, app: Erlen, session: SessionMixin) -> bool:
        """Whether to send the cookie: when changed, or permanent and refreshed per request."""
        return session.modified or (
            session.permanent and app.config["SESSION_REFRESH_EACH_REQUEST"]
        )

    def open_session(self, app: Erlen, request: Request) -> SessionMixin | None:
        """Load the session for a request; None means use a null session."""
        raise NotImplementedError

    def save_session(self, app: Erlen, session: SessionMixin, response: Response) -> None:
        """Store the session at the end of a request (for example, set a cookie)."""
        raise NotImplementedError


def _lazy_sha1(string: bytes = b"") -> t.Any:
    """SHA-1 created when called, so a FIPS build can still import this module."""
    return hashlib.sha1(string)


#: The serializer of session cookies.
session_json_serializer = TaggedJSONSerializer()


#: Digest names for the digests CookieCodec signs with (any other: itsdangerous).
_DIGEST_NAMES: dict[t.Any, str] = {
    _lazy_sha1: "sha1",
    hashlib.sha1: "sha1",
    hashlib.sha224: "sha224",
    hashlib.sha256: "sha256",
    hashlib.sha384: "sha384",
    hashlib.sha512: "sha512",
}

#: Cookie codecs by the keys and settings they were built from.
_codecs: dict[tuple[t.Any, ...], CookieCodec] = {}

#: Signing serializers by the keys and settings they were built from.
_signing_serializers: dict[tuple[t.Any, ...], URLSafeTimedSerializer] = {}


#: The ``get_cookie_*`` methods as defined here: while a class has these (none
#: overridden or patched), ``_cookie_settings`` reads the config itself.
_own_getters = tuple(SessionInterface.__dict__[name] for name in _COOKIE_GETTERS)


def _vary_on_cookie(response: Response) -> None:
    """``response.vary.add("Cookie")``, without parsing and rewriting the header when
    it is absent or names ``Cookie`` alone (most responses)."""
    headers = response.headers
    if type(headers) is Headers:
        vary = None
        for key, value in headers._list:
            if key.lower() == "vary":
                vary = value
                break
        if vary is None:
            headers._list.append(("Vary", "Cookie"))
            return
    else:
        vary = headers.get("Vary")
        if vary is None:
            headers["Vary"] = "Cookie"
            return
    if vary != "Cookie":
        response.vary.add("Cookie")


class SecureCookieSessionInterface(SessionInterface):
    """Sessions in a cookie signed with ``SECRET_KEY`` (and ``SECRET_KEY_FALLBACKS``)."""

    salt = "cookie-session"
    digest_method = staticmethod(_lazy_sha1)
    key_derivation = "hmac"
    serializer = session_json_serializer
    session_class = SecureCookieSession

    def get_signing_serializer(self, app: Erlen) -> URLSafeTimedSerializer | None:
        """The signer for the app's keys, or None without a secret key.

        Built once per combination of keys and settings (a request both opens and
        saves its session), so a changed key or setting takes effect at once.
        """
        if not app.secret_key:
            return None
        keys: list[str | bytes] = list(app.config["SECRET_KEY_FALLBACKS"] or ())
        # itsdangerous signs with the last key and accepts all of them.
        keys.append(app.secret_key)
        settings = (
            tuple(keys),
            self.salt,
            self.serializer,
            self.key_derivation,
            self.digest_method,
        )
        try:
            cached = _signing_serializers.get(settings)
            hashable = True
        except TypeError:  # an unhashable setting: build one each time
            cached, hashable = None, False
        if cached is not None:
            return cached
        built = URLSafeTimedSerializer(
            keys,  # type: ignore[arg-type]
            salt=self.salt,
            serializer=self.serializer,
            signer_kwargs={
                "key_derivation": self.key_derivation,
                "digest_method": self.digest_method,
            },
        )
        if hashable:
            if len(_signing_serializers) >= 32:
                _signing_serializers.clear()
            _signing_serializers[settings] = built
        return built

    def _codec(self, app: Erlen) -> CookieCodec | URLSafeTimedSerializer | None:
        """What signs and reads the cookie: :class:`~erlen._cookie_codec.CookieCodec`
        (the same format, keys derived once) for the default key derivation and a
        hashlib digest, else :meth:`get_signing_serializer`'s itsdangerous serializer
        (always, when a subclass overrides that method)."""
        try:
            digest = _DIGEST_NAMES.get(self.digest_method)
        except TypeError:  # an unhashable digest: itsdangerous's business
            digest = None
        if (
            digest is None
            or self.key_derivation != "hmac"
            or type(self).get_signing_serializer
            is not SecureCookieSessionInterface.get_signing_serializer
        ):
            return self.get_signing_serializer(app)
        secret_key = app.secret_key
        if not secret_key:
            return None
        fallbacks = app.config["SECRET_KEY_FALLBACKS"]
        keys = (*fallbacks, secret_key) if fallbacks else (secret_key,)
        settings = (keys, self.salt, self.serializer, digest)
        try:
            codec = _codecs.get(settings)
        except TypeError:  # an unhashable setting: build one each time
            return CookieCodec(keys, self.salt, self.serializer, digest)
        if codec is None:
            if len(_codecs) >= 32:
                _codecs.clear()
            codec = _codecs[settings] = CookieCodec(keys, self.salt, self.serializer, digest)
        return codec

    def open_session(self, app: Erlen, request: Request) -> SecureCookieSession | None:
        serializer = self._codec(app)
        if serializer is None:
            return None
        value = request.cookies.get(self.get_cookie_name(app))
        if not value:
            return self.session_class()
        max_age = int(app.permanent_session_lifetime.total_seconds())
        try:
            data = serializer.loads(value, max_age=max_age)
        except BadData:
            # Tampered, expired, truncated or undecodable: start a fresh session.
            return self.session_class()
        try:
            return self.session_class(data)
        except (TypeError, ValueError):
            # Signed by us but not a mapping (or pairs): start a fresh session.
            return self.session_class()

    def save_session(self, app: Erlen, session: SessionMixin, response: Response) -> None:
        name, domain, path, secure, partitioned, samesite, httponly = self._cookie_settings(app)

        # Vary: Cookie once (Flask adds it again after setting the cookie: no change).
        varied = session.accessed
        if varied:
            _vary_on_cookie(response)

        if not session:
            # An emptied session deletes the cookie.
            if session.modified:
                response.delete_cookie(
                    name,
                    domain=domain,
                    path=path,
                    secure=secure,
                    partitioned=partitioned,
                    samesite=samesite,
                    httponly=httponly,
                )
                if not varied:
                    _vary_on_cookie(response)
            return

        if not self.should_set_cookie(app, session):
            return
        expires = self.get_expiration_time(app, session)
        serializer: CookieCodec = self._codec(app)  # type: ignore[assignment]
        value = serializer.dumps(dict(session))
        settings = (domain, path, secure, partitioned, samesite, httponly)
        if expires is None and _add_cookie(response, name, value, settings):
            if not varied:
                _vary_on_cookie(response)
            return
        response.set_cookie(
            name,
            value,
            expires=expires,
            httponly=httponly,
            domain=domain,
            path=path,
            secure=secure,
            partitioned=partitioned,
            samesite=samesite,
        )
        if not varied:
            _vary_on_cookie(response)


_werkzeug_set_cookie = _SansioResponse.set_cookie
#: Werkzeug's cookie attributes ("; HttpOnly; Path=/" ...) by the settings that make them.
_cookie_attributes: dict[tuple[t.Any, ...], str] = {}
#: Values Werkzeug sends unquoted, as a signed cookie's always are.
_plain_cookie_value = re.compile(r"[A-Za-z0-9_.\-]*")


def _add_cookie(
    response: Response, name: str, value: str, settings: tuple[t.Any, ...]
) -> bool:
    """Add the ``Set-Cookie`` header ``response.set_cookie(name, value, ...settings)``
    would add for a cookie without an expiry date, from Werkzeug's attributes for
    these settings written once; False (nothing added) for anything else: a
    ``set_cookie`` of the app's own, a name or value it would encode or quote, a
    cookie past ``max_cookie_size`` (Werkzeug warns about it)."""
    headers = response.headers
    if (
        type(response).set_cookie is not _werkzeug_set_cookie
        or type(headers) is not Headers
        or not name.isascii()
        or (not name.isalnum() and _plain_cookie_value.fullmatch(name) is None)
        or _plain_cookie_value.fullmatch(value) is None
    ):
        return False
    domain, path, secure, partitioned, samesite, httponly = settings
    if type(secure) is not bool or type(partitioned) is not bool or type(httponly) is not bool:
        return False  # 0 and False are one key, but Werkzeug writes them differently
    try:
        attributes = _cookie_attributes.get(settings)
    except TypeError:  # an unhashable setting
        return False
    if attributes is None:
        sample = dump_cookie(
            "n",
            "",
            domain=domain,
            path=path,
            secure=secure,
            partitioned=partitioned,
            samesite=samesite,
            httponly=httponly,
        )
        attributes = sample[len("n=") :]
        if len(_cookie_attributes) >= 32:
            _cookie_attributes.clear()
        _cookie_attributes[settings] = attributes
    cookie = f"{name}={value}{attributes}"
    if len(cookie) > response.max_cookie_size:
        return False
    headers._list.append(("Set-Cookie", cookie))
    return True


if not t.TYPE_CHECKING:  # ``flask.sessions``'s run-time names; see flask_module_names
    from ._internal import flask_module_names

    __getattr__, __dir__ = flask_module_names(
        globals(),
        {
            "BadSignature": ("itsdangerous", "BadSignature"),
            "MutableMapping": ("collections.abc", "MutableMapping"),
            "c": ("collections.abc", ""),
        },
    )
