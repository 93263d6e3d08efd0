"""The ``Host`` header is checked on every request, before routing and before any hook.

A ``Host`` that is not a host name (control characters, spaces, empty or overlong
labels, a bad port) is a 400, and the value goes nowhere: not into the error page,
not into a ``Location``, not into ``url_for``. With ``TRUSTED_HOSTS`` set, a host
that matches no entry is a 400 before any ``before_request`` hook runs. Each
request-cycle test runs through both of erlen's WSGI adapters: the cycle inlined in
``Erlen.wsgi_app`` and the general one, ``erlen.wsgi.handle``.
"""

from __future__ import annotations

import typing as t
from dataclasses import dataclass, field
from urllib.parse import urlsplit

import pytest
from werkzeug.test import EnvironBuilder

from erlen import Blueprint, Erlen, redirect, request, url_for
from erlen import wsgi as erlen_wsgi
from wsgi_call import call_wsgi

Answer = tuple[int, dict[str, str], bytes]

#: Every invalid host below contains this, so a test can tell whether it was echoed.
MARK = "reflected"

INVALID_HOSTS = {
    "control character": f"{MARK}\x01.example",
    "NUL": f"{MARK}\x00.example",
    "CR LF": f"{MARK}.example\r\nX-Injected: 1",
    "space": f"{MARK} host.example",
    "tab": f"{MARK}\thost.example",
    "empty label": f"{MARK}..example",
    "leading dot": f".{MARK}.example",
    "300 characters": ".".join([MARK + "a" * 50] * 5)[:300],
    "64-character label": f"{MARK}{'b' * (64 - len(MARK))}.example",
    "port 0": f"{MARK}.example:0",
    "port 99999": f"{MARK}.example:99999",
    "port not a number": f"{MARK}.example:http",
    "slash": f"{MARK}.example/evil",
    "userinfo": f"user@{MARK}.example",
    "unclosed IPv6": f"[::1{MARK}",
    "non-ASCII": f"{MARK}.\u00e9xample",
    "script": f"<script>{MARK}</script>",
}

#: The longest host name DNS allows: four labels, 253 characters.
LONGEST_NAME = ".".join(["d" * 63] * 3 + ["e" * 61])

#: Valid hosts, and the network location ``url_for(..., _external=True)`` gives for them.
VALID_HOSTS = {
    "name": ("example.com", "example.com"),
    "upper-case": ("EXAMPLE.COM", "example.com"),
    "trailing dot": ("example.com.", "example.com."),
    "port": ("example.com:8080", "example.com:8080"),
    "default port": ("example.com:80", "example.com"),
    "IPv4": ("127.0.0.1", "127.0.0.1"),
    "IPv4 and port": ("192.168.0.10:5000", "192.168.0.10:5000"),
    "IPv6 and port": ("[::1]:8080", "[::1]:8080"),
    "single label": ("localhost", "localhost"),
    "63-character label": ("c" * 63 + ".example", "c" * 63 + ".example"),
    "253-character name": (LONGEST_NAME, LONGEST_NAME),
    # Served, but Werkzeug builds no URLs for these: erlen uses the server's own name
    # (EnvironBuilder's SERVER_NAME and SERVER_PORT) rather than an empty host.
    "underscore and port": ("my_service:8000", "localhost"),
    "port with leading zero": ("example.com:08080", "localhost"),
    "empty port (RFC 3986 allows it)": ("example.com:", "localhost"),
    "hyphen": ("my-service.internal", "my-service.internal"),
}


def environ_for(path: str = "/", host: str | None = "example.com") -> dict[str, t.Any]:
    """A GET environ with ``host`` as the ``Host`` header; None sends no header at all."""
    environ = EnvironBuilder(path).get_environ()
    if host is None:
        del environ["HTTP_HOST"]
    else:
        environ["HTTP_HOST"] = host
    return environ


def call(app: Erlen, environ: dict[str, t.Any]) -> Answer:
    status, headers, body = call_wsgi(app, environ)
    return int(status.split()[0]), dict(headers), body


@dataclass
class Adapter:
    """Sends requests through one of the two WSGI adapters, and checks it was that one."""

    name: str
    general_calls: list[Erlen] = field(default_factory=list)

    def call(self, app: Erlen, environ: dict[str, t.Any]) -> Answer:
        app._inline_cycle = False if self.name == "general" else None
        self.general_calls.clear()
        answer = call(app, environ)
        assert self.general_calls == ([app] if self.name == "general" else [])
        return answer


@pytest.fixture(params=["inlined", "general"])
def adapter(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> Adapter:
    chosen = Adapter(request.param)
    real_handle = erlen_wsgi.handle

    def recording_handle(app: Erlen, environ: t.Any, start_response: t.Any) -> t.Any:
        chosen.general_calls.append(app)
        return real_handle(app, environ, start_response)

    monkeypatch.setattr(erlen_wsgi, "handle", recording_handle)
    return chosen


def make_app(**config: t.Any) -> Erlen:
    app = Erlen(__name__)
    app.config.update(config)
    app.extensions["events"] = []

    @app.get("/")
    def index() -> str:
        app.extensions["events"].append("view")
        return "index"

    @app.get("/external")
    def external() -> dict[str, str]:
        return {"url": url_for("index", _external=True), "host": request.host}

    @app.get("/go")
    def go() -> t.Any:
        return redirect(url_for("index", _external=True))

    @app.get("/slash/")
    def slash() -> str:
        return "slash"

    return app


def events(app: Erlen) -> list[str]:
    return app.extensions["events"]  # type: ignore[no-any-return]


def assert_not_reflected(answer: Answer) -> None:
    _, headers, body = answer
    assert MARK.encode() not in body.lower(), body
    for name, value in headers.items():
        assert MARK not in name.lower() and MARK not in value.lower(), (name, value)
    assert "Location" not in headers


# --- malformed hosts ---------------------------------------------------------------------------


@pytest.mark.parametrize("path", ["/", "/external", "/go", "/slash", "/missing"])
@pytest.mark.parametrize("host", INVALID_HOSTS.values(), ids=INVALID_HOSTS.keys())
def test_malformed_host_is_400_before_the_view(adapter: Adapter, host: str, path: str) -> None:
    app = make_app()
    status, headers, body = adapter.call(app, environ_for(path, host))
    assert status == 400, body
    assert "Location" not in headers
    assert events(app) == []


@pytest.mark.parametrize("host", INVALID_HOSTS.values(), ids=INVALID_HOSTS.keys())
def test_malformed_host_is_not_echoed_in_the_400(adapter: Adapter, host: str) -> None:
    """The default error page does not repeat the host, escaped or not."""
    app = make_app()
    assert_not_reflected(adapter.call(app, environ_for("/slash", host)))


@pytest.mark.parametrize(("host", "netloc"), VALID_HOSTS.values(), ids=VALID_HOSTS.keys())
def test_valid_host_is_served(adapter: Adapter, host: str, netloc: str) -> None:
    app = make_app()
    status, _, body = adapter.call(app, environ_for("/", host))
    assert (status, body) == (200, b"index")


@pytest.mark.parametrize(("host", "netloc"), VALID_HOSTS.values(), ids=VALID_HOSTS.keys())
def test_valid_host_is_used_for_external_urls(adapter: Adapter, host: str, netloc: str) -> None:
    """External URLs and redirects are built for a host erlen accepts, or for the
    server's own name where Werkzeug cannot use the host; never for an empty host."""
    app = make_app()
    status, _, body = adapter.call(app, environ_for("/external", host))
    assert status == 200
    assert urlsplit(app.json.loads(body)["url"]).netloc == netloc

    status, headers, _ = adapter.call(app, environ_for("/go", host))
    assert status == 302
    assert headers["Location"] == f"http://{netloc}/"


@pytest.mark.parametrize("host", ["[.]", "[1]", "[:]", "[.]:8080"])
def test_brackets_without_an_ipv6_address_are_400(adapter: Adapter, host: str) -> None:
    app = make_app()
    status, _, body = adapter.call(app, environ_for("/", host))
    assert status == 400, body
    assert events(app) == []


def test_request_without_host_header_is_served_for_the_server_name(adapter: Adapter) -> None:
    """HTTP/1.0 style: no ``Host`` at all; URLs are built for ``SERVER_NAME``."""
    app = make_app()
    environ = environ_for("/external", None)
    environ["SERVER_NAME"], environ["SERVER_PORT"] = "server.internal", "8000"
    status, _, body = adapter.call(app, environ)
    assert status == 200
    assert app.json.loads(body)["url"] == "http://server.internal:8000/"
    assert adapter.call(app, environ_for("/", None))[:3:2] == (200, b"index")


# --- URLs built while answering a malformed host --------------------------------------------


@pytest.mark.parametrize("host", INVALID_HOSTS.values(), ids=INVALID_HOSTS.keys())
def test_400_handler_building_urls_uses_the_servers_own_name(adapter: Adapter, host: str) -> None:
    app = make_app()

    @app.errorhandler(400)
    def bad_request(error: Exception) -> tuple[dict[str, str], int]:
        return {"home": url_for("index", _external=True), "path": url_for("slash")}, 400

    status, headers, body = adapter.call(app, environ_for("/", host))
    assert status == 400, body
    assert app.json.loads(body) == {"home": "http://localhost/", "path": "/slash/"}
    assert_not_reflected((status, headers, body))


@pytest.mark.parametrize("host", INVALID_HOSTS.values(), ids=INVALID_HOSTS.keys())
def test_400_handler_redirecting_goes_to_the_servers_own_name(adapter: Adapter, host: str) -> None:
    app = make_app(SERVER_NAME="app.example")

    @app.errorhandler(400)
    def bad_request(error: Exception) -> t.Any:
        return redirect(url_for("index", _external=True))

    status, headers, body = adapter.call(app, environ_for("/", host))
    assert status == 302, body
    assert headers["Location"] == "http://app.example/"
    assert MARK.encode() not in body.lower()


def test_400_handler_for_a_subdomain_matching_app_builds_urls(adapter: Adapter) -> None:
    app = Erlen(__name__, subdomain_matching=True)
    app.config["SERVER_NAME"] = "app.example"

    @app.get("/", subdomain="api")
    def api() -> str:
        return "api"

    @app.errorhandler(400)
    def bad_request(error: Exception) -> tuple[str, int]:
        return url_for("api", _external=True), 400

    status, _, body = adapter.call(app, environ_for("/", f"api.{MARK} x.app.example"))
    assert (status, body) == (400, b"http://api.app.example/")
    assert adapter.call(app, environ_for("/", "api.app.example"))[:3:2] == (200, b"api")


# --- TRUSTED_HOSTS ---------------------------------------------------------------------------


TRUSTED = [
    ("example.com", "example.com", True),
    ("example.com", "EXAMPLE.COM", True),
    ("EXAMPLE.COM", "example.com", True),
    ("example.com", "Example.Com:8443", True),
    ("example.com", "example.com.", True),
    ("example.com.", "example.com", True),
    ("example.com:8080", "example.com:9090", True),
    (".example.com", "example.com", True),
    (".example.com", "www.example.com", True),
    (".example.com", "A.B.EXAMPLE.COM:8000", True),
    (".example.com", "www.example.com.", True),
    ("[::1]", "[::1]:8080", True),
    ("127.0.0.1", "127.0.0.1:5000", True),
    ("example.com", "www.example.com", False),
    ("example.com", "example.org", False),
    ("example.com", "example.com.evil.test", False),
    (".example.com", "evilexample.com", False),
    (".example.com", "example.com.evil.test", False),
    ("www.example.com", "example.com", False),
]


@pytest.mark.parametrize(("entry", "host", "allowed"), TRUSTED)
def test_trusted_hosts_matching(adapter: Adapter, entry: str, host: str, allowed: bool) -> None:
    """Case-insensitive, port and trailing dot ignored, ``.suffix`` entries match the
    domain and every subdomain."""
    app = make_app(TRUSTED_HOSTS=["other.test", entry])
    status, _, body = adapter.call(app, environ_for("/", host))
    if allowed:
        assert (status, body) == (200, b"index")
    else:
        assert status == 400, body
        assert events(app) == []


def test_untrusted_host_is_400_even_when_a_before_request_hook_answers(adapter: Adapter) -> None:
    app = make_app(TRUSTED_HOSTS=["example.com"])
    hook_calls: list[str] = []

    @app.before_request
    def answer_early() -> str:
        hook_calls.append(request.path)
        return "from the hook"

    status, _, body = adapter.call(app, environ_for("/", "evil.test"))
    assert status == 400
    assert b"from the hook" not in body
    assert hook_calls == []
    assert events(app) == []

    assert adapter.call(app, environ_for("/", "example.com"))[:3:2] == (200, b"from the hook")
    assert hook_calls == ["/"]


def test_untrusted_host_is_400_for_a_blueprint_hook_too(adapter: Adapter) -> None:
    app = make_app(TRUSTED_HOSTS=["example.com"])
    blueprint = Blueprint("part", __name__, url_prefix="/part")
    hook_calls: list[str] = []

    @blueprint.before_request
    def answer_early() -> str:
        hook_calls.append("part")
        return "from the blueprint hook"

    @blueprint.get("/")
    def part() -> str:
        return "part"

    app.register_blueprint(blueprint)
    status, _, _ = adapter.call(app, environ_for("/part/", "evil.test"))
    assert status == 400
    assert hook_calls == []


@pytest.mark.parametrize("path", ["/missing", "/slash", "/"])
def test_untrusted_host_is_400_whatever_the_path(adapter: Adapter, path: str) -> None:
    """Not a 404 for an unknown path, nor a redirect that names the host."""
    app = make_app(TRUSTED_HOSTS=["example.com"])
    status, headers, _ = adapter.call(app, environ_for(path, "evil.test"))
    assert status == 400
    assert "Location" not in headers


def test_untrusted_host_400_handler_can_build_urls(adapter: Adapter) -> None:
    app = make_app(TRUSTED_HOSTS=["example.com"], SERVER_NAME="example.com")

    @app.errorhandler(400)
    def bad_request(error: Exception) -> tuple[str, int]:
        return url_for("index", _external=True), 400

    status, _, body = adapter.call(app, environ_for("/", "evil.test"))
    assert (status, body) == (400, b"http://example.com/")


@pytest.mark.parametrize(
    ("server_name", "allowed"),
    [("example.com", True), ("EXAMPLE.com", True), ("www.example.com", False), ("evil", False)],
)
def test_request_without_host_header_checks_the_server_name(
    adapter: Adapter, server_name: str, allowed: bool
) -> None:
    app = make_app(TRUSTED_HOSTS=["example.com"])
    environ = environ_for("/", None)
    environ["SERVER_NAME"], environ["SERVER_PORT"] = server_name, "8080"
    status, _, body = adapter.call(app, environ)
    assert status == (200 if allowed else 400), body


def test_trusted_hosts_none_accepts_any_valid_host(adapter: Adapter) -> None:
    app = make_app(TRUSTED_HOSTS=None)
    for host in ["anything.test", "10.0.0.1:81", "[::1]"]:
        assert adapter.call(app, environ_for("/", host))[:3:2] == (200, b"index")


def test_empty_trusted_hosts_list_accepts_any_valid_host_as_flask_does(adapter: Adapter) -> None:
    """``TRUSTED_HOSTS = []`` restricts nothing in Werkzeug and Flask (an empty list is
    "no list"); it must not turn every request into a 400."""
    app = make_app(TRUSTED_HOSTS=[])
    for host in ["example.com", "anything.test:8080"]:
        assert adapter.call(app, environ_for("/", host))[:3:2] == (200, b"index")


@pytest.mark.parametrize(("host", "status"), [("example.com", 200), ("e", 400), ("x.test", 400)])
def test_trusted_hosts_given_as_one_string_is_one_entry(
    adapter: Adapter, host: str, status: int
) -> None:
    """``FLASK_TRUSTED_HOSTS=example.com`` read by ``from_prefixed_env`` is a string."""
    app = make_app(TRUSTED_HOSTS="example.com")
    assert adapter.call(app, environ_for("/", host))[0] == status


def test_empty_host_is_served_but_refused_when_hosts_are_trusted(adapter: Adapter) -> None:
    assert adapter.call(make_app(), environ_for("/", ""))[0] == 200
    app = make_app(TRUSTED_HOSTS=["example.com"])
    assert adapter.call(app, environ_for("/", ""))[0] == 400


def test_changing_trusted_hosts_takes_effect_on_the_next_request(adapter: Adapter) -> None:
    app = make_app(TRUSTED_HOSTS=["example.com"])
    assert adapter.call(app, environ_for("/", "example.com"))[0] == 200
    app.config["TRUSTED_HOSTS"].append("other.test")
    assert adapter.call(app, environ_for("/", "other.test"))[0] == 200
    app.config["TRUSTED_HOSTS"] = ["other.test"]
    assert adapter.call(app, environ_for("/", "example.com"))[0] == 400
