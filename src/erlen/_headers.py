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

#: An HTTP field name (RFC 9110 ``token``).
_token = re.compile(r"[!#$%&'*+\-.^_`|~0-9A-Za-z]+")
#: What may not appear in a field value: controls other than HTAB, DEL, and
#: anything a server cannot send as Latin-1.
_bad_value_char = re.compile(r"[\x00-\x08\x0a-\x1f\x7f]|[^\x00-\xff]")
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
        super().__init__(
            f"The response header {name!r} cannot be sent: {reason} (value {value!r})."
            " Clean or encode data from the request before putting it into a header."
        )


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
            raise UnsafeHeaderError(
                name, value, f"its value contains the character {match.group()!r}"
            )


def _check_name(name: object, value: object) -> None:
    if type(name) is not str or _token.fullmatch(name) is None:
        raise UnsafeHeaderError(
            name, value, "its name is not a valid header name (letters, digits and !#$%&'*+-.^_`|~)"
        )
    if len(_valid_names) < _MAX_REMEMBERED_NAMES:
        _valid_names.add(name)


def quote_location(location: str) -> str:
    """``location`` with control characters and DEL percent-encoded, so a redirect
    target taken from the request cannot inject a header."""
    if location.isprintable():
        return location
    return _location_unsafe.sub(lambda m: f"%{ord(m.group()):02X}", location)
