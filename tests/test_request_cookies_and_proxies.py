"""``erlen.wrappers.Request.cookies`` (read from ``HTTP_COOKIE``) against
Werkzeug's ``Request.cookies``, and of the item access the context proxies
(``erlen.globals``) now do themselves, against Werkzeug's ``LocalProxy``.
"""

from __future__ import annotations

import typing as t
from contextvars import ContextVar

import pytest
from werkzeug.datastructures import EnvironHeaders
from werkzeug.local import LocalProxy
from werkzeug.test import EnvironBuilder
from werkzeug.wrappers import Request as WerkzeugRequest

from erlen import Erlen, g, request, session
from erlen.wrappers import Request

COOKIE_HEADERS = [
    "",
    "a=1",
    "a=1; b=2; a=3",
    'q="quoted \\"value\\""; r="\\073"',
    "sp ace=x; =novalue; noequals; ;;",
    "n=%E2%9C%93; m=\u00e2\u009c\u0093",  # a UTF-8 value as WSGI's latin-1 str
    "session=abc.def.ghi; session=second",
    "x=1, y=2",
    " lead = trail ",
]


@pytest.mark.parametrize("header", COOKIE_HEADERS)
def test_request_cookies_are_werkzeugs(header: str) -> None:
    environ = EnvironBuilder().get_environ()
    if header:
        environ["HTTP_COOKIE"] = header
    ours, theirs = Request(environ).cookies, WerkzeugRequest(environ).cookies
    assert type(ours) is type(theirs)
    assert list(ours.items(multi=True)) == list(theirs.items(multi=True))


def test_request_cookies_follow_a_replaced_headers_object() -> None:
    environ = EnvironBuilder(headers={"Cookie": "a=1"}).get_environ()

    class Replaced(Request):
        @property
        def headers(self) -> t.Any:  # type: ignore[override]
            from werkzeug.datastructures import Headers

            return Headers([("Cookie", "b=2"), ("Cookie", "c=3")])

    assert dict(Replaced(environ).cookies) == {"b": "2", "c": "3"}
    # The environ's own headers, as an EnvironHeaders over another environ.
    other = EnvironBuilder(headers={"Cookie": "z=9"}).get_environ()

    class Elsewhere(Request):
        @property
        def headers(self) -> t.Any:  # type: ignore[override]
            return EnvironHeaders(other)

    assert dict(Elsewhere(environ).cookies) == {"z": "9"}


def reference_proxies() -> tuple[ContextVar[t.Any], t.Any]:
    var: ContextVar[t.Any] = ContextVar("review")
    return var, LocalProxy(var, unbound_message="unbound")


@pytest.mark.parametrize(
    "operation",
    [
        lambda p: p["k"],
        lambda p: p.__setitem__("k", 1),
        lambda p: p.__delitem__("k"),
        lambda p: "k" in p,
    ],
    ids=["getitem", "setitem", "delitem", "contains"],
)
def test_item_access_outside_a_context_raises_as_werkzeugs_proxy(
    operation: t.Callable[[t.Any], t.Any],
) -> None:
    _, reference = reference_proxies()
    with pytest.raises(RuntimeError) as theirs:
        operation(reference)
    assert str(theirs.value) == "unbound"
    for proxy in (session, request, g):
        with pytest.raises(RuntimeError, match="Working outside of"):
            operation(proxy)


def test_item_access_inside_a_context_is_the_objects_own() -> None:
    app = Erlen(__name__)
    app.secret_key = "k"
    with app.test_request_context("/"):
        session["a"] = 1
        assert session["a"] == 1 and "a" in session and "b" not in session
        del session["a"]
        with pytest.raises(KeyError):
            session["a"]
        with pytest.raises(KeyError):
            del session["missing"]
        assert session.modified and session.accessed
        g.x = 1
        assert "x" in g and "y" not in g
        # What the proxied object does without item access, as Werkzeug's proxy.
        var, reference = reference_proxies()
        var.set(request._get_current_object())  # type: ignore[attr-defined]
        for proxy in (request, reference):
            with pytest.raises(TypeError, match="not subscriptable"):
                proxy["x"]
            with pytest.raises(TypeError, match="does not support item assignment"):
                proxy["x"] = 1
        with pytest.raises(TypeError):
            g["x"]


def test_proxy_attributes_outside_a_context() -> None:
    from erlen.ctx import _AppCtxGlobals
    from erlen.wrappers import Request as ErlenRequest

    for proxy in (g, request, session):
        current = proxy._get_current_object  # type: ignore[attr-defined]
        with pytest.raises(RuntimeError, match="Working outside of"):
            current()
        with pytest.raises(RuntimeError, match="Working outside of"):
            proxy.anything  # noqa: B018
        with pytest.raises(RuntimeError, match="Working outside of"):
            proxy.anything = 1
    assert not isinstance(g, _AppCtxGlobals)
    assert not isinstance(request, ErlenRequest)
    assert isinstance(g, LocalProxy) and isinstance(request, LocalProxy)


def test_proxy_attributes_inside_a_context() -> None:
    from erlen.ctx import _AppCtxGlobals

    app = Erlen(__name__)
    with app.test_request_context("/"):
        assert isinstance(g, _AppCtxGlobals) and isinstance(g, LocalProxy)
        current = g._get_current_object()  # type: ignore[attr-defined]
        assert type(current) is _AppCtxGlobals
        g.value = 3
        assert current.value == 3 and g.value == 3
        with pytest.raises(AttributeError, match=r"^missing$"):
            g.missing  # noqa: B018
        del g.value
        with pytest.raises(AttributeError, match=r"^value$"):
            del g.value
        assert "value" not in g
        assert request._get_current_object().path == "/"  # type: ignore[attr-defined]


def test_a_lookup_error_inside_the_proxied_attribute_is_not_outside_a_context() -> None:
    # A KeyError raised while the context computes the proxied object (here, a
    # g class that fails) is the app's error, not "outside of context".
    from erlen.ctx import _AppCtxGlobals

    class Failing(_AppCtxGlobals):
        def __init__(self) -> None:
            raise KeyError("from the g class")

    app = Erlen(__name__)
    app.app_ctx_globals_class = Failing
    with app.app_context():
        with pytest.raises(KeyError, match="from the g class"):
            g.get("a")
        with pytest.raises(KeyError, match="from the g class"):
            g.a = 1


def test_a_proxied_object_with_a_catch_all_getattr_keeps_the_proxys_operators() -> None:
    # Werkzeug's operators (len, bool, iter, ==) call the proxy's own
    # _get_current_object; an object answering every name must not take it over.
    from erlen.ctx import _AppCtxGlobals

    class Loose(_AppCtxGlobals):
        def __getattr__(self, name: str) -> t.Any:
            return None

    app = Erlen(__name__)
    app.app_ctx_globals_class = Loose
    with app.app_context():
        g.a = 1
        assert g._get_current_object().a == 1  # type: ignore[attr-defined]
        assert bool(g) and list(g) == ["a"] and g == g._get_current_object()  # type: ignore[attr-defined]
        assert g.anything is None


def test_deleting_a_missing_g_attribute_names_it() -> None:
    app = Erlen(__name__)
    with app.app_context():
        with pytest.raises(AttributeError) as raised:
            del g.missing
        assert raised.value.args == ("missing",)
        g.present = 1
        del g.present
        assert "present" not in g
