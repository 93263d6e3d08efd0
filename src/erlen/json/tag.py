"""Tagged JSON: a compact JSON form for values plain JSON cannot hold.

The session cookie is stored this way, so the tags and their keys match Flask's
byte for byte: a session written by a Flask app reads back here, and the other way.
A tagged value is a one-key object, ``{" t": [...]}`` for a tuple, and so on.
"""

from __future__ import annotations

import json as _json
import typing as t
from base64 import b64decode, b64encode
from datetime import datetime
from uuid import UUID

from markupsafe import Markup
from werkzeug.http import http_date, parse_date

from .. import globals as _globals
from ..json import dumps, loads
from .provider import DefaultJSONProvider

# Assigned, not imported (see erlen.globals): their methods are called per request.
_cv_app = _globals._cv_app

class JSONTag:
    """A type's tagged form; subclasses set :attr:`key` and implement the three methods."""

    __slots__ = ("serializer",)

    #: The key of the tagged object; empty for tags that only recurse.
    key: str = ""

    def __init__(self, serializer: TaggedJSONSerializer) -> None:
        self.serializer = serializer

    def check(self, value: t.Any) -> bool:
        """Whether this tag handles ``value``."""
        raise NotImplementedError

    def to_json(self, value: t.Any) -> t.Any:
        """``value`` as something JSON can hold."""
        raise NotImplementedError

    def to_python(self, value: t.Any) -> t.Any:
        """The value back from its JSON form."""
        raise NotImplementedError

    def tag(self, value: t.Any) -> t.Any:
        """``value`` in its tagged form."""
        return {self.key: self.to_json(value)}


class TagDict(JSONTag):
    """A one-key dict whose key looks like a tag: the key gets a ``__`` suffix."""

    __slots__ = ()
    key = " di"

    def check(self, value: t.Any) -> bool:
        return (
            isinstance(value, dict)
            and len(value) == 1
            and next(iter(value)) in self.serializer.tags
        )

    def to_json(self, value: t.Any) -> t.Any:
        key = next(iter(value))
        return {f"{key}__": self.serializer.tag(value[key])}

    def to_python(self, value: t.Any) -> t.Any:
        key = next(iter(value))
        return {key[:-2]: value[key]}


class PassDict(JSONTag):
    """Any other dict: tag its values."""

    __slots__ = ()

    def check(self, value: t.Any) -> bool:
        return isinstance(value, dict)

    def to_json(self, value: t.Any) -> t.Any:
        return {k: self.serializer.tag(v) for k, v in value.items()}

    tag = to_json


class TagTuple(JSONTag):
    """A tuple, kept apart from lists."""

    __slots__ = ()
    key = " t"

    def check(self, value: t.Any) -> bool:
        return isinstance(value, tuple)

    def to_json(self, value: t.Any) -> t.Any:
        return [self.serializer.tag(item) for item in value]

    def to_python(self, value: t.Any) -> t.Any:
        return tuple(value)


class PassList(JSONTag):
    """A list: tag its items."""

    __slots__ = ()

    def check(self, value: t.Any) -> bool:
        return isinstance(value, list)

    def to_json(self, value: t.Any) -> t.Any:
        return [self.serializer.tag(item) for item in value]

    tag = to_json


class TagBytes(JSONTag):
    """Bytes, as base64."""

    __slots__ = ()
    key = " b"

    def check(self, value: t.Any) -> bool:
        return isinstance(value, bytes)

    def to_json(self, value: t.Any) -> t.Any:
        return b64encode(value).decode("ascii")

    def to_python(self, value: t.Any) -> t.Any:
        return b64decode(value)


class TagMarkup(JSONTag):
    """An object with ``__html__`` (such as ``Markup``); read back as ``Markup``."""

    __slots__ = ()
    key = " m"

    def check(self, value: t.Any) -> bool:
        return callable(getattr(value, "__html__", None))

    def to_json(self, value: t.Any) -> t.Any:
        return str(value.__html__())

    def to_python(self, value: t.Any) -> t.Any:
        return Markup(value)


class TagUUID(JSONTag):
    """A UUID, as its hex string."""

    __slots__ = ()
    key = " u"

    def check(self, value: t.Any) -> bool:
        return isinstance(value, UUID)

    def to_json(self, value: t.Any) -> t.Any:
        return value.hex

    def to_python(self, value: t.Any) -> t.Any:
        return UUID(value)


class TagDateTime(JSONTag):
    """A datetime, as an HTTP date (whole seconds, UTC)."""

    __slots__ = ()
    key = " d"

    def check(self, value: t.Any) -> bool:
        return isinstance(value, datetime)

    def to_json(self, value: t.Any) -> t.Any:
        return http_date(value)

    def to_python(self, value: t.Any) -> t.Any:
        return parse_date(value)


#: The tags erlen defines; none of them tags a value of a type in _UNTAGGED.
_OWN_TAGS = frozenset(
    (TagDict, PassDict, TagTuple, PassList, TagBytes, TagMarkup, TagUUID, TagDateTime)
)
_UNTAGGED = frozenset((str, int, float, bool, type(None)))


class TaggedJSONSerializer:
    """Serializes values with the registered tags; the session cookie's serializer."""

    __slots__ = ("_plain", "order", "tags")

    #: The tags every serializer starts with, in the order they are tried.
    default_tags = [
        TagDict,
        PassDict,
        TagTuple,
        PassList,
        TagBytes,
        TagMarkup,
        TagUUID,
        TagDateTime,
    ]

    def __init__(self) -> None:
        self.tags: dict[str, JSONTag] = {}
        self.order: list[JSONTag] = []
        self._plain = -1
        for cls in self.default_tags:
            self.register(cls)

    def register(
        self, tag_class: type[JSONTag], force: bool = False, index: int | None = None
    ) -> None:
        """Add a tag; ``force`` replaces one with the same key, ``index`` sets its priority
        (default: tried last)."""
        tag = tag_class(self)
        key = tag.key
        if key:
            if not force and key in self.tags:
                raise KeyError(f"Tag '{key}' is already registered.")
            self.tags[key] = tag
        if index is None:
            self.order.append(tag)
        else:
            self.order.insert(index, tag)
        # With erlen's own tags only, str, int, float, bool and None are never tagged:
        # tag() returns them at once (while the list keeps this length).
        own = all(type(tag) in _OWN_TAGS for tag in self.order)
        self._plain = len(self.order) if own else -1

    def tag(self, value: t.Any) -> t.Any:
        """``value`` in tagged form, by the first tag that accepts it."""
        if type(value) in _UNTAGGED and len(self.order) == self._plain:
            return value
        for tag in self.order:
            if tag.check(value):
                return tag.tag(value)
        return value

    def untag(self, value: dict[str, t.Any]) -> t.Any:
        """A tagged one-key object back to its value; other objects unchanged."""
        if len(value) != 1:
            return value
        key = next(iter(value))
        if key not in self.tags:
            return value
        return self.tags[key].to_python(value[key])

    def _untag_scan(self, value: t.Any) -> t.Any:
        if isinstance(value, dict):
            value = {k: self._untag_scan(v) for k, v in value.items()}
            value = self.untag(value)
        elif isinstance(value, list):
            value = [self._untag_scan(item) for item in value]
        return value

    def dumps(self, value: t.Any) -> str:
        """Tag and serialize to compact JSON (with the app's JSON provider)."""
        tagged = self.tag(value)
        app_ctx = _cv_app.get(None)
        if app_ctx is not None:
            provider = app_ctx.app.json
            if type(provider).dumps is DefaultJSONProvider.dumps:
                # What its dumps(separators=(",", ":")) gives, with its encoder kept.
                return provider._response_encoder(None)(tagged)  # type: ignore[attr-defined,no-any-return]
        return dumps(tagged, separators=(",", ":"))

    def loads(self, value: str) -> t.Any:
        """Parse JSON and untag it; a document nested too deeply is a ``ValueError``."""
        app_ctx = _cv_app.get(None)
        if app_ctx is not None and type(app_ctx.app.json).loads is DefaultJSONProvider.loads:
            load: t.Callable[[str], t.Any] = _json.loads  # what the provider's loads is
        else:
            load = loads
        try:
            return self._untag_scan(load(value))
        except RecursionError:
            raise ValueError("The tagged JSON document is nested too deeply to load.") from None
