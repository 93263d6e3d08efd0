"""JSON providers: how an app turns values into JSON and JSON into values.

Set ``app.json_provider_class`` (or assign ``app.json``) to use another library.
"""

from __future__ import annotations

import dataclasses
import json
import json.encoder
import sys
import typing as t
import uuid
import weakref
from datetime import date

from werkzeug.http import http_date

if t.TYPE_CHECKING:
    from werkzeug.sansio.response import Response

    from ..sansio.app import App


class JSONProvider:
    """The interface of ``app.json``; subclasses implement ``dumps`` and ``loads``."""

    def __init__(self, app: App) -> None:
        self._app: App = weakref.proxy(app)

    def dumps(self, obj: t.Any, **kwargs: t.Any) -> str:
        """Serialize ``obj`` to a JSON string."""
        raise NotImplementedError

    def dump(self, obj: t.Any, fp: t.IO[str], **kwargs: t.Any) -> None:
        """Serialize ``obj`` and write it to a text file."""
        fp.write(self.dumps(obj, **kwargs))

    def loads(self, s: str | bytes, **kwargs: t.Any) -> t.Any:
        """Parse a JSON string or bytes."""
        raise NotImplementedError

    def load(self, fp: t.IO[t.AnyStr], **kwargs: t.Any) -> t.Any:
        """Parse JSON read from a file."""
        return self.loads(fp.read(), **kwargs)

    def _prepare_response_obj(self, args: tuple[t.Any, ...], kwargs: dict[str, t.Any]) -> t.Any:
        if args and kwargs:
            raise TypeError("app.json.response() takes either args or kwargs, not both")
        if not args and not kwargs:
            return None
        if len(args) == 1:
            return args[0]
        return args or kwargs

    def response(self, *args: t.Any, **kwargs: t.Any) -> Response:
        """A response whose body is the arguments as JSON (see :func:`erlen.json.jsonify`)."""
        obj = self._prepare_response_obj(args, kwargs)
        return self._app.response_class(  # type: ignore[attr-defined,no-any-return]
            self.dumps(obj), mimetype="application/json"
        )


def _default(o: t.Any) -> t.Any:
    """Serialize what the standard library cannot: dates, decimals, UUIDs, dataclasses,
    and objects with ``__html__``."""
    if isinstance(o, date):
        return http_date(o)
    if isinstance(o, uuid.UUID):
        return str(o)
    # A Decimal exists only once decimal is imported; not importing it here keeps
    # it out of an app that never uses one.
    decimal = sys.modules.get("decimal")
    if decimal is not None and isinstance(o, decimal.Decimal):
        return str(o)
    if dataclasses.is_dataclass(o) and not isinstance(o, type):
        return dataclasses.asdict(o)
    if hasattr(o, "__html__"):
        return str(o.__html__())
    raise TypeError(f"Object of type {type(o).__name__} is not JSON serializable")


class DefaultJSONProvider(JSONProvider):
    """JSON through the standard library, with Flask's defaults.

    Keys sorted, non-ASCII escaped, responses compact except in debug mode.
    """

    default: t.Callable[[t.Any], t.Any] = staticmethod(_default)
    #: Escape non-ASCII characters.
    ensure_ascii = True
    #: Sort the keys of objects.
    sort_keys = True
    #: Compact responses (True), indented (False), or indented only in debug (None).
    compact: bool | None = None
    #: The mimetype of :meth:`response`.
    mimetype = "application/json"

    _encoder: tuple[tuple[t.Any, ...], t.Callable[[t.Any], str]] | None = None

    def dumps(self, obj: t.Any, **kwargs: t.Any) -> str:
        """``json.dumps`` with this provider's ``default``, ``ensure_ascii`` and ``sort_keys``."""
        kwargs.setdefault("default", self.default)
        kwargs.setdefault("ensure_ascii", self.ensure_ascii)
        kwargs.setdefault("sort_keys", self.sort_keys)
        return json.dumps(obj, **kwargs)

    def loads(self, s: str | bytes, **kwargs: t.Any) -> t.Any:
        """``json.loads``."""
        return json.loads(s, **kwargs)

    def _response_encoder(self, indent: int | None) -> t.Callable[[t.Any], str]:
        # json.dumps builds a new encoder per call; keep one per settings instead.
        key = (self.default, self.ensure_ascii, self.sort_keys, indent)
        cached = self._encoder
        if cached is None or cached[0] != key:
            cached = self._encoder = (key, _make_encoder(*key))
        return cached[1]

    def _encode_response_body(self, obj: t.Any) -> bytes:
        """The body of :meth:`response`: JSON and a newline, indented in debug mode
        unless ``compact`` says otherwise."""
        indent = 2 if (self.compact is None and self._app.debug) or self.compact is False else None
        if type(self).dumps is DefaultJSONProvider.dumps:
            body = self._response_encoder(indent)(obj)
        elif indent is None:
            body = self.dumps(obj, separators=(",", ":"))
        else:
            body = self.dumps(obj, indent=indent)
        return f"{body}\n".encode()

    def response(self, *args: t.Any, **kwargs: t.Any) -> Response:
        """A JSON response ending in a newline; indented in debug mode unless ``compact``."""
        obj = self._prepare_response_obj(args, kwargs)
        return self._app.response_class(  # type: ignore[attr-defined,no-any-return]
            self._encode_response_body(obj), mimetype=self.mimetype
        )


def _make_encoder(
    default: t.Callable[[t.Any], t.Any], ensure_ascii: bool, sort_keys: bool, indent: int | None
) -> t.Callable[[t.Any], str]:
    """A function encoding like ``json.dumps`` with these settings, built once.

    For compact output it calls the C scanner directly, skipping the setup
    ``JSONEncoder.encode`` repeats on every call.
    """
    encoder = json.JSONEncoder(
        default=default,
        ensure_ascii=ensure_ascii,
        sort_keys=sort_keys,
        indent=indent,
        separators=(",", ": ") if indent is not None else (",", ":"),
    )
    c_make_encoder = getattr(json.encoder, "c_make_encoder", None)
    if indent is not None or c_make_encoder is None:
        return encoder.encode
    string_encoder = (
        json.encoder.encode_basestring_ascii if ensure_ascii else json.encoder.encode_basestring
    )
    try:
        # Without cycle markers: a circular structure falls back to encode() below.
        scan = c_make_encoder(None, default, string_encoder, None, ":", ",", sort_keys, False, True)
    except TypeError:  # a Python whose C encoder takes other arguments
        return encoder.encode

    def encode(obj: t.Any) -> str:
        if type(obj) is str:
            return string_encoder(obj)
        try:
            return "".join(scan(obj, 0))
        except RecursionError:
            return encoder.encode(obj)

    return encode


if not t.TYPE_CHECKING:  # ``flask.json.provider``'s run-time names; see flask_module_names
    from .._internal import flask_module_names

    __getattr__, __dir__ = flask_module_names(
        globals(),
        {
            "decimal": ("decimal", ""),
        },
    )
