"""The ``Host`` header, checked on every request before routing and hooks.

A host that is not a host name (control characters, spaces, empty labels, too
long) or, with ``TRUSTED_HOSTS`` set, not a trusted one is a 400 before any
``before_request`` hook runs, so nothing builds a URL or a redirect from it.
"""

from __future__ import annotations

import re
import typing as t

from werkzeug.exceptions import SecurityError
from werkzeug.sansio.utils import host_is_trusted as _werkzeug_host_is_trusted

if t.TYPE_CHECKING:
    from _typeshed.wsgi import WSGIEnvironment

#: A host name or IPv4 address (labels of letters, digits, ``-`` and ``_``, an
#: optional trailing dot) or a bracketed IPv6 address, then an optional port
#: (possibly empty, as RFC 3986 allows).
_host_re = re.compile(
    r"(?P<name>[A-Za-z0-9_-]{1,63}(?:\.[A-Za-z0-9_-]{1,63})*\.?"
    r"|\[[0-9A-Fa-f]*:[0-9A-Fa-f.:]+\])"
    r"(?::(?P<port>[0-9]{0,5}))?"
)
_MAX_REMEMBERED = 256

#: Hosts already found valid, each with whether Werkzeug's stricter rules (no
#: ``_``, no leading zero in the port) let it build URLs for it. A site answers to
#: few hosts; the dict starts again when full, so junk hosts cannot crowd them out.
known_hosts: dict[str, bool] = {}


class BadHost(SecurityError):
    """The request's ``Host`` is malformed or not trusted (400)."""


def werkzeug_host_is_valid(host: str) -> bool:
    """Whether Werkzeug accepts the characters of ``host`` (else it uses "" for it)."""
    return _werkzeug_host_is_trusted(host, None)


def host_is_valid(host: str) -> bool:
    """Whether ``host`` (a ``Host`` header value) is a host name with an optional port."""
    if host in known_hosts:
        return True
    match = _host_re.fullmatch(host)
    if match is None or len(match["name"].rstrip(".")) > 253:
        return False
    port = match["port"]
    if port and not 0 < int(port) < 65536:
        return False
    if len(known_hosts) >= _MAX_REMEMBERED:
        known_hosts.clear()
    known_hosts[host] = werkzeug_host_is_valid(host)
    return True


def host_is_usable_for_urls(host: str) -> bool:
    """Whether Werkzeug builds URLs for a valid ``host``; for the few it does not
    (``my_service``, ``:08080``), erlen uses the server's own name instead."""
    usable = known_hosts.get(host)
    if usable is None:
        return werkzeug_host_is_valid(host)
    return usable


def _host_name(host: str) -> str:
    """The name part of a valid host, lower-cased, without port or trailing dot."""
    if host[:1] == "[":
        return host[: host.index("]") + 1].lower()
    return host.partition(":")[0].rstrip(".").lower()


class _TrustedHosts:
    """``TRUSTED_HOSTS`` compiled: exact names and ``.suffix`` patterns, normalised
    like hosts, with the hosts already allowed. Rebuilt when the setting changes."""

    def __init__(self, entries: list[str]) -> None:
        self.entries = entries
        exact: set[str] = set()
        suffixes: list[str] = []
        for entry in entries:
            name = entry.lstrip(".")
            if not name.startswith("["):
                name = name.partition(":")[0]
            try:
                name = name.rstrip(".").encode("idna").decode("ascii").lower()
            except UnicodeError:
                continue
            if entry.startswith("."):
                suffixes.append("." + name)
            exact.add(name)
        self.exact = frozenset(exact)
        self.suffixes = tuple(suffixes)
        self.allowed: set[str] = set()

    def allow(self, host: str) -> bool:
        if host in self.allowed:
            return True
        name = _host_name(host)
        if name not in self.exact and not name.endswith(self.suffixes):
            return False
        if len(self.allowed) >= _MAX_REMEMBERED:
            self.allowed.clear()
        self.allowed.add(host)
        return True


_trusted: _TrustedHosts = _TrustedHosts([])


def host_is_trusted(host: str, trusted: t.Iterable[str]) -> bool:
    """Whether a valid ``host`` matches ``TRUSTED_HOSTS``: case-insensitively, ignoring
    the port and a trailing dot; an entry starting with ``.`` also matches subdomains.
    A single string is one entry, as Werkzeug reads it."""
    global _trusted
    entries = [trusted] if isinstance(trusted, str) else list(trusted)
    compiled = _trusted
    if compiled.entries != entries:
        compiled = _trusted = _TrustedHosts(entries)
    return compiled.allow(host)


def server_host(environ: WSGIEnvironment) -> str:
    """The server's own address from the environ, for a request that names no host."""
    name = environ.get("SERVER_NAME") or ""
    port = environ.get("SERVER_PORT")
    return f"{name}:{port}" if name and port else name


def check_host(environ: WSGIEnvironment, trusted: t.Iterable[str] | None) -> None:
    """Raise :class:`BadHost` when the request's ``Host`` is malformed or untrusted.

    A request without a ``Host`` header (HTTP/1.0) is for the server's own address,
    which is checked against ``TRUSTED_HOSTS`` only; an empty ``Host`` passes unless
    ``TRUSTED_HOSTS`` is set.
    """
    if not trusted:  # None, or empty as Werkzeug reads it: no restriction
        trusted = None
    host = environ.get("HTTP_HOST")
    if host is None:
        if trusted is None:
            return
        host = server_host(environ)
    elif not host:
        # An empty Host names no host: fine, unless hosts are restricted.
        if trusted is None:
            return
        raise BadHost("The Host header of the request is empty.")
    elif not host_is_valid(host):
        # The value is not repeated: it is the client's, and malformed.
        raise BadHost("The Host header of the request is not a valid host name.")
    if trusted is not None and not host_is_trusted(host, trusted):
        # Worded as Werkzeug (and so Flask) words it.
        raise BadHost(f"Host {host!r} is not trusted.")
