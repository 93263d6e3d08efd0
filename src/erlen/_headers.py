"""Response header safety: no header that could split a response reaches the server.

Werkzeug refuses CR and LF in values set through ``Headers``, but not NUL, other
control characters, bad names, or values put into the header list by other means.
Every response erlen sends passes :func:`check_header_list` just before
``start_response``; a header that fails is a programming error in the app (it
copied request data into a header unchecked), answered with a 500 that names it.
"""

from __future__ import annotations

import re
import typing as t
from urllib.parse import quote

from werkzeug.urls import iri_to_uri

#: An HTTP field name (RFC 9110 ``token``).
_token = re.compile(r"[!#$%&'*+\-.^_`|~0-9A-Za-z]+")
#: What may not appear in a field value: controls other than HTAB, DEL, and
#: anything a server cannot send as Latin-1.
_bad_value_char = re.compile(r"[\x00-\x08\x0a-\x1f\x7f]|[^\x00-\xff]")
#: Control characters alone (the part of the above that no header may carry).
_control = re.compile(r"[\x00-\x08\x0a-\x1f\x7f]")
_any_control = re.compile(r"[\x00-\x1f\x7f]")
#: Headers holding a URI reference, which Werkzeug encodes (IRI to URI) when sending.
_URI_HEADERS = frozenset(("location", "content-location"))
#: Names already found valid; response headers use few distinct names.
_valid_names: set[str] = set()
_MAX_REMEMBERED_NAMES = 512
#: Characters percent-encoded in a redirect target: controls and DEL. (Werkzeug
#: turns the rest, spaces and non-ASCII text, into a valid URI when it sends it.)
_location_unsafe = re.compile(r"[\x00-\x1f\x7f]")


class UnsafeHeaderError(ValueError):
    """A response header whose name or value would break the HTTP message."""

    def __init__(self, name: object, value: object, reason: str) -> None:
        self.header_name = name
        what = "status line" if name is None else f"header {name!r}"
        super().__init__(
            f"The response {what} cannot be sent: {reason} (value {value!r})."
            " Clean or encode data from the request before putting it into a response."
        )


def name_refused_header(headers: t.Any, error: ValueError) -> t.NoReturn:
    """Raise :class:`UnsafeHeaderError` for the header with a line break that made
    Werkzeug refuse ``headers`` (its own error does not name it); ``error`` itself
    when no header has one (a bad status, say)."""
    try:
        items = headers.items() if hasattr(headers, "items") else headers
        for name, value in items:
            for part in (name, value):
                if isinstance(part, str) and ("\r" in part or "\n" in part):
                    what = "name" if part is name else "value"
                    raise UnsafeHeaderError(
                        name, value, f"its {what} contains a line break (CR or LF)"
                    ) from error
    except (TypeError, ValueError) as e:
        if isinstance(e, UnsafeHeaderError):
            raise
    raise error


def check_header_list(headers: t.Iterable[tuple[str, str]]) -> None:
    """Raise :class:`UnsafeHeaderError` for the first header that is unsafe to send."""
    for name, value in headers:
        if name not in _valid_names:
            _check_name(name, value)
        try:
            if value.isascii() and value.isprintable():
                continue
        except AttributeError:
            raise UnsafeHeaderError(
                name, value, f"its value is a {type(value).__name__}, not a str"
            ) from None
        match = _bad_value_char.search(value)
        if match is not None:
            char = match.group()
            if char > "\xff" and name.lower() in _URI_HEADERS and not _control.search(value):
                continue  # Werkzeug turns these into ASCII URIs as it sends them.
            raise UnsafeHeaderError(name, value, f"its value contains the character {char!r}")


def check_status(status: str) -> None:
    """Raise :class:`UnsafeHeaderError` for a status line that could split the response
    (``"200 OK\\r\\nSet-Cookie: ..."`` from a view's ``return body, status``)."""
    try:
        if status.isascii() and status.isprintable():
            return
    except AttributeError:
        raise UnsafeHeaderError(
            None, status, f"it is a {type(status).__name__}, not a str"
        ) from None
    match = _control.search(status)
    if match is not None:
        raise UnsafeHeaderError(None, status, f"it contains the character {match.group()!r}")


def _check_name(name: object, value: object) -> None:
    if type(name) is not str or _token.fullmatch(name) is None:
        raise UnsafeHeaderError(
            name, value, "its name is not a valid header name (letters, digits and !#$%&'*+-.^_`|~)"
        )
    if len(_valid_names) < _MAX_REMEMBERED_NAMES:
        _valid_names.add(name)


def quote_location(location: str) -> str:
    """``location`` made safe to send as a redirect target taken from the request.

    Control characters and DEL are percent-encoded, so no header is injected. A
    target Werkzeug cannot turn into a URI (an unclosed IPv6 bracket, a port out of
    range, an empty host label) is percent-encoded whole, so it becomes a path on
    this site instead of an error while the response is sent.
    """
    if not location.isprintable():
        location = _location_unsafe.sub(lambda m: f"%{ord(m.group()):02X}", location)
    try:
        iri_to_uri(location)
    except (ValueError, UnicodeError):
        location = quote(location, safe="/%?#&=+;")
        if location.startswith("//"):
            location = "/%2F" + location[2:]
    return location


def strip_controls(text: str) -> str:
    """``text`` without control characters: for a file name sent in a header."""
    if text.isprintable():
        return text
    return _any_control.sub("", text)
