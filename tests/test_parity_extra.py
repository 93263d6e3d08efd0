"""More erlen-against-Flask comparisons, for areas changed recently.

Each scenario builds the same app with ``erlen`` and with ``flask`` (through the
public API of the module it is given), sends the same requests through each
app's ``test_client()`` and compares status, headers and body request by request.

Headers are normalised before comparing: ``Date`` is dropped, ``Allow`` is compared
as a set (Flask's order depends on the hash seed), and a ``Set-Cookie`` keeps its
name and attributes, with a signed value replaced by a marker (it holds a
timestamp) and an ``Expires`` date replaced by a marker. What a session holds is
compared through views that print it.

The one difference left out: erlen sends no Content-Type with a 204 response (see
``test_flask_parity.py``).
"""

from __future__ import annotations

import hashlib
import logging
import re
import typing as t
from collections.abc import Callable
from types import ModuleType

import flask
import pytest
from werkzeug.exceptions import HTTPException, NotFound

import erlen

Build = Callable[[ModuleType], t.Any]
Request = tuple[str, str]  # (method, path)

pytestmark = pytest.mark.filterwarnings("ignore:Current server name:UserWarning")

_EXPIRES = re.compile(r"Expires=[^;]+")


def _norm_header(name: str, value: str) -> tuple[str, str]:
    if name == "Allow":
        return name, ",".join(sorted(v.strip() for v in value.split(",")))
    if name == "Set-Cookie":
        cookie_name, _, rest = value.partition("=")
        cookie_value, sep, attrs = rest.partition(";")
        marker = "<signed>" if cookie_value.strip('"') else ""
        return name, f"{cookie_name}={marker}{sep}{_EXPIRES.sub('Expires=<date>', attrs)}"
    return name, value


def _answers(fw: ModuleType, build: Build, requests: list[Request]) -> list[t.Any]:
    app = build(fw)
    client = app.test_client()
    out: list[t.Any] = []
    for method, path in requests:
        try:
            rv = client.open(path, method=method)
        except Exception as e:  # compared by type
            out.append(("raised", type(e).__name__))
            continue
        headers = sorted(
            _norm_header(k, v) for k, v in rv.headers.items() if k != "Date"
        )
        body = rv.get_data().replace(b"flask", b"FW").replace(b"erlen", b"FW")
        out.append((rv.status, headers, body))
    return out


def assert_same(build: Build, requests: list[Request | str]) -> None:
    reqs = [("GET", r) if isinstance(r, str) else r for r in requests]
    logging.disable(logging.CRITICAL)
    try:
        ours = _answers(erlen, build, reqs)
        theirs = _answers(flask, build, reqs)
    finally:
        logging.disable(logging.NOTSET)
    for req, a, b in zip(reqs, ours, theirs, strict=True):
        assert a == b, req


# --- g ---------------------------------------------------------------------------


def _g_app(fw: ModuleType) -> t.Any:
    app = fw.Flask("x")

    @app.before_request
    def fill() -> None:
        fw.g.user = "bob"
        fw.g.n = 1

    @app.route("/g")
    def g_view() -> str:
        g = fw.g
        out: list[t.Any] = [
            "user" in g,
            "nope" in g,
            sorted(g),
            g.get("user"),
            g.get("zz"),
            g.get("zz", 5),
            g.setdefault("n", 9),
            g.setdefault("m", 7),
            g.pop("m"),
            g.pop("m", "dflt"),
        ]
        try:
            g.pop("m")
        except Exception as e:
            out.append(type(e).__name__)
        try:
            g.missing  # noqa: B018
        except Exception as e:
            out.append(type(e).__name__)
        del g.n
        try:
            del g.n
        except Exception as e:
            out.append(type(e).__name__)
        out += [
            sorted(iter(g)),
            repr(g),
            getattr(g, "zz", "def"),
            hasattr(g, "user"),
            hasattr(g, "n"),
        ]
        g.q = 3
        out.append(g.q)
        return repr(out)

    @app.route("/fresh")
    def fresh() -> str:
        return repr((sorted(fw.g), "q" in fw.g))

    return app


def test_g_in_requests() -> None:
    assert_same(_g_app, ["/g", "/fresh", "/g", ("HEAD", "/g")])


def _g_contexts(fw: ModuleType) -> list[t.Any]:
    app = fw.Flask("x")
    out: list[t.Any] = []
    for action in (lambda: setattr(fw.g, "x", 1), lambda: fw.g.x, lambda: "x" in fw.g):
        try:
            action()
        except Exception as e:
            out.append(type(e).__name__)
    with app.app_context():
        fw.g.a = 1
        out.append(repr(fw.g).replace(fw.__name__, "FW"))
        with app.app_context():
            out.append(("a" in fw.g, sorted(fw.g)))
            fw.g.b = 2
        out.append(sorted(fw.g))
        with app.test_request_context("/"):
            out.append(("a" in fw.g, sorted(fw.g)))
            fw.g.c = 3
        out.append(sorted(fw.g))
        with fw.Flask("y").app_context():
            out.append(sorted(fw.g))
            fw.g.d = 4
        out.append(sorted(fw.g))
        ctx = app.app_context()
        ctx.push()
        out.append(sorted(fw.g))
        ctx.pop()
        out.append(sorted(fw.g))
        out.append(type(fw.g._get_current_object()).__name__)
    with app.test_request_context("/"):
        fw.g.r = 1
        with app.test_request_context("/"):
            out.append(sorted(fw.g))
        out.append(sorted(fw.g))
    try:
        hasattr(fw.g, "zz")
    except Exception as e:
        out.append(type(e).__name__)
    return out


def test_g_across_contexts() -> None:
    assert _g_contexts(erlen) == _g_contexts(flask)


# --- HTTP errors -----------------------------------------------------------------


class Teapot(HTTPException):
    code = 418
    description = "short and stout"

    def get_body(self, environ: t.Any = None, scope: t.Any = None) -> str:
        return "<p>tea</p>"

    def get_headers(self, environ: t.Any = None, scope: t.Any = None) -> list[tuple[str, str]]:
        return [("Content-Type", "text/html; charset=utf-8"), ("X-Tea", "1")]


def _errors_app(fw: ModuleType) -> t.Any:
    app = fw.Flask("x")

    @app.route("/a404")
    def a404() -> t.Any:
        fw.abort(404)

    @app.route("/a405")
    def a405() -> t.Any:
        fw.abort(405)

    @app.route("/a400")
    def a400() -> t.Any:
        fw.abort(400, "bad thing")

    @app.route("/nf")
    def nf() -> t.Any:
        raise NotFound("custom desc")

    @app.route("/nfr")
    def nfr() -> t.Any:
        return NotFound("returned")

    @app.route("/tea")
    def tea() -> t.Any:
        raise Teapot()

    @app.route("/tear")
    def tear() -> t.Any:
        return Teapot()

    @app.route("/ar")
    def ar() -> t.Any:
        fw.abort(fw.Response("resp body", 403, {"X-A": "b"}))

    @app.route("/only", methods=["POST"])
    def only() -> str:
        return "p"

    @app.after_request
    def after(resp: t.Any) -> t.Any:
        if fw.request.method != "HEAD":
            resp.headers["X-Len"] = str(len(resp.get_data()))
        resp.headers["X-CL"] = str(resp.headers.get("Content-Length"))
        resp.headers["X-Type"] = type(resp).__name__
        if fw.request.args.get("set"):
            resp.set_data(b"replaced")
        return resp

    return app


_ERROR_PATHS = [
    "/a404", "/a405", "/a400", "/nf", "/nfr", "/tea", "/tear", "/ar", "/only", "/missing"
]


def test_errors_with_after_request() -> None:
    reqs: list[Request | str] = []
    for p in _ERROR_PATHS:
        reqs += [("GET", p), ("HEAD", p), ("GET", p + "?set=1"), ("HEAD", p + "?set=1")]
    reqs += [("POST", "/a404"), ("OPTIONS", "/only"), ("PUT", "/only")]
    assert_same(_errors_app, reqs)


def _handlers_app(fw: ModuleType) -> t.Any:
    app = fw.Flask("x")

    @app.errorhandler(404)
    def h404(e: t.Any) -> t.Any:
        return "nf: " + e.description[:10], 404, {"X-H": "1"}

    @app.errorhandler(405)
    def h405(e: t.Any) -> t.Any:
        return {"err": e.code}, 405

    @app.errorhandler(500)
    def h500(e: t.Any) -> t.Any:
        return "server", 500

    @app.errorhandler(403)
    def h403(e: t.Any) -> t.Any:
        return e

    @app.errorhandler(418)
    def h418(e: t.Any) -> t.Any:
        return fw.jsonify(code=e.code), 418

    @app.errorhandler(ZeroDivisionError)
    def hz(e: t.Any) -> t.Any:
        return "zero", 400

    @app.route("/a404")
    def a404() -> t.Any:
        fw.abort(404)

    @app.route("/a403")
    def a403() -> t.Any:
        fw.abort(403)

    @app.route("/a418")
    def a418() -> t.Any:
        fw.abort(418)

    @app.route("/z")
    def z() -> t.Any:
        return 1 / 0

    @app.route("/k")
    def k() -> t.Any:
        raise KeyError("x")

    @app.route("/p", methods=["POST"])
    def p() -> str:
        return "p"

    return app


def test_error_handlers_return_values() -> None:
    reqs: list[Request | str] = []
    for p in ["/a404", "/missing", "/a403", "/a418", "/z", "/k", "/p"]:
        reqs += [("GET", p), ("HEAD", p)]
    assert_same(_handlers_app, reqs)


def _custom_response_class_app(fw: ModuleType) -> t.Any:
    class R(fw.Response):  # type: ignore[name-defined,misc]
        default_mimetype = "text/plain"

        def __init__(self, *a: t.Any, **kw: t.Any) -> None:
            super().__init__(*a, **kw)
            self.headers["X-Init"] = "yes"

    app = fw.Flask("x")
    app.response_class = R

    @app.route("/ok")
    def ok() -> str:
        return "hi"

    @app.route("/a404")
    def a404() -> t.Any:
        fw.abort(404)

    @app.route("/boom")
    def boom() -> t.Any:
        return 1 / 0

    @app.route("/p", methods=["POST"])
    def p() -> str:
        return "p"

    @app.route("/d")
    def d() -> t.Any:
        return {"a": 1}

    @app.after_request
    def after(resp: t.Any) -> t.Any:
        resp.headers["X-Type"] = type(resp).__name__
        resp.headers["X-Seq"] = str(resp.is_sequence)
        resp.headers["X-Len"] = str(len(resp.get_data()))
        return resp

    return app


def test_custom_response_class_errors() -> None:
    assert_same(
        _custom_response_class_app,
        ["/ok", "/a404", "/missing", "/boom", "/p", "/d",
         ("HEAD", "/a404"), ("HEAD", "/ok"), ("OPTIONS", "/p"), ("HEAD", "/boom")],
    )


# --- sessions --------------------------------------------------------------------


def _session_app(fw: ModuleType, interface: Callable[[ModuleType], t.Any] | None = None) -> t.Any:
    app = fw.Flask("x")
    app.secret_key = "k1"
    if interface is not None:
        app.session_interface = interface(fw)

    @app.route("/set/<v>")
    def set_(v: str) -> str:
        fw.session["v"] = v
        return "ok"

    @app.route("/get")
    def get() -> str:
        return repr(fw.session.get("v"))

    @app.route("/key/<k>")
    def key(k: str) -> str:
        fw.current_app.secret_key = k
        return "k"

    @app.route("/fb/<k>/<f>")
    def fb(k: str, f: str) -> str:
        fw.current_app.secret_key = k
        fw.current_app.config["SECRET_KEY_FALLBACKS"] = [f]
        return "k"

    @app.route("/rotate/<k>")
    def rotate(k: str) -> str:
        fallbacks = fw.current_app.config.setdefault("SECRET_KEY_FALLBACKS", [])
        fallbacks.append(fw.current_app.secret_key)  # changed in place
        fw.current_app.secret_key = k
        return "r"

    @app.route("/name/<n>")
    def name(n: str) -> str:
        fw.current_app.config["SESSION_COOKIE_NAME"] = n
        return "n"

    @app.route("/perm")
    def perm() -> str:
        fw.session.permanent = True
        fw.session["p"] = 1
        return "p"

    @app.route("/unperm")
    def unperm() -> str:
        fw.session.permanent = False
        return "u"

    @app.route("/salt/<s>")
    def salt(s: str) -> str:
        fw.current_app.session_interface.salt = s
        return "s"

    return app


_SESSION_REQUESTS: list[Request | str] = [
    "/set/a", "/get", "/key/k2", "/get", "/set/b", "/get", "/fb/k3/k2", "/get",
    "/key/k1", "/get", "/fb/k1/k3", "/set/c", "/fb/k3/k1", "/get",
    "/name/other", "/get", "/set/d", "/get", "/name/session", "/get",
    "/perm", "/get", "/unperm", "/get", "/rotate/k9", "/get", "/set/e", "/get",
]


def _plain(fw: ModuleType) -> t.Any:
    class Iface(fw.sessions.SecureCookieSessionInterface):  # type: ignore[name-defined,misc]
        pass

    return Iface()


def _salted(fw: ModuleType) -> t.Any:
    class Iface(fw.sessions.SecureCookieSessionInterface):  # type: ignore[name-defined,misc]
        salt = "other-salt"

    return Iface()


def _sha256(fw: ModuleType) -> t.Any:
    class Iface(fw.sessions.SecureCookieSessionInterface):  # type: ignore[name-defined,misc]
        digest_method = staticmethod(hashlib.sha256)

    return Iface()


def _hmac(fw: ModuleType) -> t.Any:
    class Iface(fw.sessions.SecureCookieSessionInterface):  # type: ignore[name-defined,misc]
        key_derivation = "hmac"

    return Iface()


def _concat(fw: ModuleType) -> t.Any:
    class Iface(fw.sessions.SecureCookieSessionInterface):  # type: ignore[name-defined,misc]
        key_derivation = "concat"

    return Iface()


@pytest.mark.parametrize("interface", [None, _plain, _salted, _sha256, _hmac, _concat])
def test_session_keys_and_interfaces(interface: Callable[[ModuleType], t.Any] | None) -> None:
    assert_same(lambda fw: _session_app(fw, interface), _SESSION_REQUESTS)


def test_session_salt_changed_between_requests() -> None:
    assert_same(
        lambda fw: _session_app(fw, _plain),
        ["/set/a", "/get", "/salt/zz", "/get", "/set/b", "/get", "/salt/cookie-session", "/get"],
    )


@pytest.mark.parametrize("interface", [None, _salted, _sha256, _hmac, _concat])
@pytest.mark.parametrize("writer,reader", [(erlen, flask), (flask, erlen)])
def test_session_cookies_read_across(
    interface: Callable[[ModuleType], t.Any] | None, writer: ModuleType, reader: ModuleType
) -> None:
    first = _session_app(writer, interface).test_client()
    first.get("/set/x")
    cookie = first.get_cookie("session")
    assert cookie is not None
    second = _session_app(reader, interface).test_client()
    second.set_cookie("session", cookie.value)
    assert second.get("/get").data == b"'x'"


# --- HEAD, OPTIONS, methods in lower case ----------------------------------------


def _methods_app(fw: ModuleType) -> t.Any:
    app = fw.Flask("x")

    @app.route("/s")
    def s() -> str:
        return "hello"

    @app.route("/d")
    def d() -> t.Any:
        return {"a": [1, 2]}

    @app.route("/r")
    def r() -> t.Any:
        return fw.Response("resp", 201, {"X-R": "1"}, mimetype="text/plain")

    @app.route("/st")
    def st() -> t.Any:
        def gen() -> t.Iterator[str]:
            yield "a"
            yield "bc"

        return fw.Response(gen())

    @app.route("/sw")
    def sw() -> t.Any:
        def gen() -> t.Iterator[str]:
            yield "a"
            yield "b" + fw.request.method

        return fw.stream_with_context(gen())

    @app.route("/t")
    def tup() -> t.Any:
        return "t", 202, {"X-T": "1"}

    @app.route("/lo", methods=["get", "post"])
    def lo() -> str:
        return fw.request.method

    @app.route("/put", methods=["PUT"])
    def put() -> str:
        return "put"

    @app.route("/hd", methods=["GET", "HEAD"])
    def hd() -> str:
        return "hd " + fw.request.method

    @app.route("/no", methods=["GET"], provide_automatic_options=False)
    def no() -> str:
        return "no"

    @app.route("/opt", methods=["GET", "OPTIONS"])
    def opt() -> str:
        return "custom " + fw.request.method

    @app.route("/e")
    def e() -> str:
        return ""

    @app.route("/b")
    def b() -> bytes:
        return b"bytes"

    @app.route("/l")
    def lst() -> t.Any:
        return [1, 2]

    @app.after_request
    def after(resp: t.Any) -> t.Any:
        if resp.status_code < 400:
            resp.headers["X-Seq"] = str(resp.is_sequence)
        return resp

    return app


def test_head_options_and_lower_case_methods() -> None:
    reqs: list[Request | str] = []
    paths = ["/s", "/d", "/r", "/st", "/sw", "/t", "/lo", "/put", "/hd", "/no", "/opt"]
    paths += ["/e", "/b", "/l", "/nope"]
    for p in paths:
        for m in ["GET", "HEAD", "OPTIONS", "POST", "PUT", "get", "head", "options", "post"]:
            reqs.append((m, p))
    assert_same(_methods_app, reqs)


# --- hooks on nested blueprints --------------------------------------------------


def _nested_app(fw: ModuleType, use_async: bool = False) -> t.Any:
    app = fw.Flask("x")
    log: list[t.Any] = []
    parent = fw.Blueprint("parent", __name__, url_prefix="/p/<lang>")
    child = fw.Blueprint("child", __name__, url_prefix="/c/<int:n>")
    other = fw.Blueprint("other", __name__, url_prefix="/o")

    @app.url_value_preprocessor
    def app_uvp(endpoint: str | None, values: dict[str, t.Any] | None) -> None:
        log.append(("app_uvp", endpoint, dict(values or {})))
        if values is not None and "n" in values:
            values["n"] = values["n"] * 10

    @parent.url_value_preprocessor
    def p_uvp(endpoint: str | None, values: dict[str, t.Any] | None) -> None:
        log.append(("p_uvp", endpoint, dict(values or {})))
        if values:
            fw.g.lang = values.pop("lang", None)

    @child.url_value_preprocessor
    def c_uvp(endpoint: str | None, values: dict[str, t.Any] | None) -> None:
        log.append(("c_uvp", endpoint, dict(values or {})))
        if values is not None:
            values["extra"] = "x"

    @app.before_request
    def app_br() -> None:
        log.append(("app_br", dict(fw.request.view_args or {})))

    @parent.before_request
    def p_br() -> None:
        log.append(("p_br",))

    @child.before_request
    def c_br() -> t.Any:
        log.append(("c_br",))
        if fw.request.args.get("stop") == "c":
            return "stopped by child", 299
        return None

    def c_br2_sync() -> t.Any:
        log.append(("c_br2",))
        if fw.request.args.get("stop") == "a":
            return {"stopped": "second"}
        return None

    async def c_br2_async() -> t.Any:
        return c_br2_sync()

    child.before_request(c_br2_async if use_async else c_br2_sync)

    @parent.before_app_request
    def p_bar() -> None:
        log.append(("p_bar",))

    def app_br2_sync() -> t.Any:
        log.append(("app_br2",))
        if fw.request.args.get("stop") == "app":
            return fw.Response("app stop", 203)
        return None

    async def app_br2_async() -> t.Any:
        return app_br2_sync()

    app.before_request(app_br2_async if use_async else app_br2_sync)

    @child.after_request
    def c_ar(r: t.Any) -> t.Any:
        log.append(("c_ar",))
        return r

    @parent.after_request
    def p_ar(r: t.Any) -> t.Any:
        log.append(("p_ar",))
        return r

    @app.after_request
    def app_ar(r: t.Any) -> t.Any:
        log.append(("app_ar",))
        r.headers["X-Log"] = repr(log)
        log.clear()
        return r

    @child.route("/v/<x>")
    def v(n: int, extra: str, x: str) -> str:
        return repr((n, extra, x, fw.g.get("lang"), fw.request.view_args))

    @parent.route("/pv")
    def pv() -> str:
        return repr((fw.g.lang, fw.request.view_args))

    @other.route("/ov")
    def ov() -> str:
        return "ov"

    parent.register_blueprint(child)
    app.register_blueprint(parent)
    app.register_blueprint(other)
    app.register_blueprint(parent, name="parent2", url_prefix="/q/<lang>")
    return app


_NESTED_REQUESTS: list[Request | str] = [
    p + q
    for p in [
        "/p/en/c/3/v/y", "/p/de/pv", "/o/ov", "/q/fr/c/2/v/z", "/q/fr/pv", "/nope", "/p/en/c/x/v/y"
    ]
    for q in ["", "?stop=c", "?stop=a", "?stop=app"]
] + [("HEAD", "/p/en/c/3/v/y"), ("OPTIONS", "/p/en/c/3/v/y"), ("POST", "/p/en/c/3/v/y")]


def test_nested_blueprint_hooks() -> None:
    assert_same(_nested_app, _NESTED_REQUESTS)


def test_nested_blueprint_async_hooks() -> None:
    pytest.importorskip("asgiref")  # Flask runs async functions only with it
    assert_same(lambda fw: _nested_app(fw, use_async=True), _NESTED_REQUESTS)


def _view_args_app(fw: ModuleType) -> t.Any:
    app = fw.Flask("x")

    @app.before_request
    def br() -> t.Any:
        va = fw.request.view_args
        if va is not None and "n" in va:
            va["n"] = va["n"] + 1
            if fw.request.args.get("replace"):
                fw.request.view_args = {"n": 100}
        if fw.request.args.get("stop"):

            @fw.after_this_request
            def atr(r: t.Any) -> t.Any:
                r.headers["X-ATR"] = "1"
                return r

            return fw.request.args["stop"], 202
        if fw.request.args.get("abort"):
            fw.abort(int(fw.request.args["abort"]))
        return None

    @app.route("/n/<int:n>")
    def nv(n: int) -> str:
        return str(n)

    @app.route("/s")
    def s() -> t.Any:
        @fw.after_this_request
        def atr(r: t.Any) -> t.Any:
            r.headers["X-ATR"] = "view"
            return r

        fw.abort(404)

    bp = fw.Blueprint("b", __name__, url_prefix="/b")

    @bp.route("/n/<int:n>")
    def bn(n: int) -> str:
        return "bp" + str(n)

    @bp.before_request
    def bbr() -> None:
        if fw.request.view_args:
            fw.request.view_args["n"] *= 2

    app.register_blueprint(bp)

    @app.after_request
    def ar(r: t.Any) -> t.Any:
        r.headers["X-AR"] = "1"
        return r

    return app


def test_before_request_view_args_and_early_responses() -> None:
    assert_same(
        _view_args_app,
        ["/n/1", "/n/1?replace=1", "/n/1?stop=hey", "/n/1?abort=403", "/s", "/s?stop=x",
         "/missing?stop=x", ("HEAD", "/n/1?stop=x"), ("OPTIONS", "/n/1?stop=x"),
         ("POST", "/n/1?stop=x"), "/b/n/1", "/b/n/1?replace=1", "/b/n/1?stop=1"],
    )


# --- HTTP errors as an after_request hook sees them, and g's missing names ---


class _CalledError(HTTPException):
    code = 400

    def __call__(self, environ: t.Any, start_response: t.Any) -> t.Any:
        response = self.get_response(environ)
        response.headers["X-Called"] = "yes"
        return response(environ, start_response)


class _NoContentTypeError(HTTPException):
    code = 422

    def get_headers(self, environ: t.Any = None, scope: t.Any = None) -> list[tuple[str, str]]:
        return []


def _error_hook_app(fw: ModuleType) -> t.Any:
    app = fw.Flask("errors_seen_by_hooks")

    @app.route("/nf")
    def not_found() -> t.Any:
        fw.abort(404)

    @app.route("/called")
    def called() -> t.Any:
        raise _CalledError()

    @app.route("/no-content-type")
    def no_content_type() -> t.Any:
        raise _NoContentTypeError()

    @app.after_request
    def describe(response: t.Any) -> t.Any:
        response.headers["X-Sequence"] = str(response.is_sequence)
        response.headers["X-Length"] = str(len(response.get_data()))
        return response

    return app


def test_error_responses_reach_after_request_hooks_as_in_flask() -> None:
    # The body a hook reads on HEAD, is_sequence, an exception's own __call__ and
    # an exception that sends no Content-Type.
    assert_same(
        _error_hook_app,
        ["/nf", ("HEAD", "/nf"), "/called", ("HEAD", "/called"), "/no-content-type", "/none"],
    )


@pytest.mark.parametrize("fw", [erlen, flask], ids=["erlen", "flask"])
def test_missing_name_on_g_raises_attribute_error_naming_it(fw: ModuleType) -> None:
    app = fw.Flask("g_missing")
    with app.app_context(), pytest.raises(AttributeError) as info:
        fw.g.missing  # noqa: B018
    assert info.value.args == ("missing",)
