"""Responses and requests: view return values, make_response, redirect, url_for, jsonify,
and the Response and Request classes."""

from __future__ import annotations

import io
import typing as t

import pytest
import werkzeug.wrappers
from werkzeug.datastructures import Headers, MultiDict
from werkzeug.exceptions import BadRequest, UnsupportedMediaType
from werkzeug.routing import BuildError

import erlen
from erlen import Erlen


@pytest.fixture
def app() -> Erlen:
    app = Erlen(__name__)
    app.testing = True
    return app


@pytest.fixture
def client(app: Erlen) -> t.Any:
    return app.test_client()


def wsgi_hello(environ: dict[str, t.Any], start_response: t.Any) -> list[bytes]:
    start_response("202 ACCEPTED", [("Content-Type", "text/plain"), ("X-Wsgi", "yes")])
    return [b"from wsgi ", environ["PATH_INFO"].encode()]


# --- view return values ----------------------------------------------------------


def test_str_return_is_html_body(app: Erlen, client: t.Any) -> None:
    @app.route("/")
    def index() -> str:
        return "héllo"

    rv = client.get("/")
    assert rv.status_code == 200
    assert rv.status == "200 OK"
    assert rv.data == "héllo".encode()
    assert rv.content_type == "text/html; charset=utf-8"
    assert rv.headers["Content-Length"] == str(len("héllo".encode()))


def test_bytes_return_is_html_body(app: Erlen, client: t.Any) -> None:
    @app.route("/")
    def index() -> bytes:
        return b"\x00raw"

    rv = client.get("/")
    assert rv.data == b"\x00raw"
    assert rv.content_type == "text/html; charset=utf-8"
    assert rv.headers["Content-Length"] == "4"


def test_bytearray_return_is_body(app: Erlen) -> None:
    with app.test_request_context():
        assert app.make_response(bytearray(b"arr")).get_data() == b"arr"


def test_dict_return_is_json(app: Erlen, client: t.Any) -> None:
    @app.route("/")
    def index() -> dict[str, t.Any]:
        return {"b": 1, "a": [1, 2]}

    rv = client.get("/")
    assert rv.status_code == 200
    assert rv.mimetype == "application/json"
    assert rv.content_type == "application/json"
    assert rv.json == {"a": [1, 2], "b": 1}
    assert rv.data == b'{"a":[1,2],"b":1}\n'


def test_list_return_is_json(app: Erlen, client: t.Any) -> None:
    @app.route("/")
    def index() -> list[t.Any]:
        return [1, "two", None]

    rv = client.get("/")
    assert rv.mimetype == "application/json"
    assert rv.json == [1, "two", None]


def test_generator_return_is_streamed(app: Erlen, client: t.Any) -> None:
    @app.route("/")
    def index() -> t.Iterator[str]:
        def generate() -> t.Iterator[str]:
            yield "one "
            yield "two "
            yield "three"

        return generate()

    rv = client.get("/")
    assert rv.status_code == 200
    assert rv.data == b"one two three"
    assert "Content-Length" not in rv.headers
    assert rv.mimetype == "text/html"


def test_generator_response_is_streamed_object(app: Erlen) -> None:
    def generate() -> t.Iterator[bytes]:
        yield b"a"
        yield b"b"

    with app.test_request_context():
        response = app.make_response(generate())
    assert isinstance(response, app.response_class)
    assert response.is_streamed
    assert response.get_data() == b"ab"


def test_iterator_return_is_streamed(app: Erlen, client: t.Any) -> None:
    @app.route("/")
    def index() -> t.Iterator[str]:
        return iter(["it", "er", "ator"])

    rv = client.get("/")
    assert rv.data == b"iterator"
    assert "Content-Length" not in rv.headers


def test_generator_with_status_and_headers(app: Erlen, client: t.Any) -> None:
    @app.route("/")
    def index() -> t.Any:
        return (part for part in ["a", "b"]), 201, {"X-Gen": "1"}

    rv = client.get("/")
    assert rv.status_code == 201
    assert rv.headers["X-Gen"] == "1"
    assert rv.data == b"ab"


def test_response_instance_is_returned_as_is(app: Erlen, client: t.Any) -> None:
    @app.route("/")
    def index() -> erlen.Response:
        return erlen.Response("made", 201, {"X-Made": "yes"}, mimetype="text/plain")

    rv = client.get("/")
    assert rv.status_code == 201
    assert rv.data == b"made"
    assert rv.headers["X-Made"] == "yes"
    assert rv.content_type == "text/plain; charset=utf-8"


def test_make_response_keeps_response_identity(app: Erlen) -> None:
    response = app.response_class("same")
    with app.test_request_context():
        assert app.make_response(response) is response


def test_wsgi_callable_return(app: Erlen, client: t.Any) -> None:
    @app.route("/wsgi")
    def index() -> t.Any:
        return wsgi_hello

    rv = client.get("/wsgi")
    assert rv.status_code == 202
    assert rv.data == b"from wsgi /wsgi"
    assert rv.headers["X-Wsgi"] == "yes"
    assert rv.mimetype == "text/plain"


def test_wsgi_callable_becomes_response_class(app: Erlen) -> None:
    with app.test_request_context("/w"):
        response = app.make_response(wsgi_hello)
    assert isinstance(response, app.response_class)
    assert response.status_code == 202
    assert response.get_data() == b"from wsgi /w"


def test_werkzeug_response_is_converted(app: Erlen, client: t.Any) -> None:
    @app.route("/")
    def index() -> t.Any:
        return werkzeug.wrappers.Response("from werkzeug", 203, {"X-Wz": "1"})

    rv = client.get("/")
    assert rv.status_code == 203
    assert rv.data == b"from werkzeug"
    assert rv.headers["X-Wz"] == "1"
    with app.test_request_context():
        converted = app.make_response(werkzeug.wrappers.Response("x"))
    assert isinstance(converted, erlen.Response)
    assert isinstance(converted, app.response_class)


def test_tuple_body_and_int_status(app: Erlen, client: t.Any) -> None:
    @app.route("/")
    def index() -> tuple[str, int]:
        return "created", 201

    rv = client.get("/")
    assert rv.status_code == 201
    assert rv.status == "201 CREATED"
    assert rv.data == b"created"


def test_tuple_body_and_string_status(app: Erlen, client: t.Any) -> None:
    @app.route("/")
    def index() -> tuple[str, str]:
        return "created", "201 CREATED"

    rv = client.get("/")
    assert rv.status_code == 201
    assert rv.status == "201 CREATED"


def test_tuple_with_custom_status_string(app: Erlen, client: t.Any) -> None:
    @app.route("/")
    def index() -> tuple[str, str]:
        return "custom", "299 CUSTOM"

    rv = client.get("/")
    assert rv.status_code == 299
    assert rv.status == "299 CUSTOM"
    assert rv.data == b"custom"


def test_tuple_with_unknown_int_status(app: Erlen, client: t.Any) -> None:
    @app.route("/")
    def index() -> tuple[str, int]:
        return "odd", 299

    rv = client.get("/")
    assert rv.status_code == 299
    assert rv.status == "299 UNKNOWN"


def test_tuple_with_numeric_string_status(app: Erlen, client: t.Any) -> None:
    @app.route("/")
    def index() -> tuple[str, str]:
        return "x", "404"

    rv = client.get("/")
    assert rv.status_code == 404
    assert rv.status == "404 NOT FOUND"


def test_tuple_body_and_dict_headers(app: Erlen, client: t.Any) -> None:
    @app.route("/")
    def index() -> tuple[str, dict[str, str]]:
        return "with headers", {"X-One": "1", "Content-Type": "text/plain"}

    rv = client.get("/")
    assert rv.status_code == 200
    assert rv.headers["X-One"] == "1"
    assert rv.content_type == "text/plain"


def test_tuple_body_and_list_headers(app: Erlen, client: t.Any) -> None:
    @app.route("/")
    def index() -> tuple[str, list[tuple[str, str]]]:
        return "with headers", [("X-Multi", "a"), ("X-Multi", "b")]

    rv = client.get("/")
    assert rv.status_code == 200
    assert rv.headers.getlist("X-Multi") == ["a", "b"]


def test_tuple_body_and_headers_object(app: Erlen, client: t.Any) -> None:
    @app.route("/")
    def index() -> tuple[str, Headers]:
        return "with headers", Headers({"X-Obj": "1"})

    assert client.get("/").headers["X-Obj"] == "1"


def test_tuple_body_status_and_headers(app: Erlen, client: t.Any) -> None:
    @app.route("/")
    def index() -> tuple[str, int, dict[str, str]]:
        return "all three", 202, {"X-Three": "3"}

    rv = client.get("/")
    assert rv.status_code == 202
    assert rv.headers["X-Three"] == "3"
    assert rv.data == b"all three"


def test_tuple_body_string_status_and_list_headers(app: Erlen, client: t.Any) -> None:
    @app.route("/")
    def index() -> t.Any:
        return "x", "299 CUSTOM", [("X-L", "l")]

    rv = client.get("/")
    assert rv.status == "299 CUSTOM"
    assert rv.headers["X-L"] == "l"


def test_tuple_headers_extend_response_headers(app: Erlen, client: t.Any) -> None:
    @app.route("/")
    def index() -> t.Any:
        return erlen.Response("x", headers={"X-A": "1"}), {"X-B": "2"}

    rv = client.get("/")
    assert rv.headers["X-A"] == "1"
    assert rv.headers["X-B"] == "2"


def test_tuple_status_overrides_response_status(app: Erlen, client: t.Any) -> None:
    @app.route("/")
    def index() -> t.Any:
        return erlen.Response("x", status=200), 418

    assert client.get("/").status_code == 418


def test_tuple_of_dict_and_status(app: Erlen, client: t.Any) -> None:
    @app.route("/")
    def index() -> t.Any:
        return {"error": "nope"}, 400, {"X-J": "j"}

    rv = client.get("/")
    assert rv.status_code == 400
    assert rv.json == {"error": "nope"}
    assert rv.mimetype == "application/json"
    assert rv.headers["X-J"] == "j"


def test_tuple_of_list_and_status(app: Erlen, client: t.Any) -> None:
    @app.route("/")
    def index() -> t.Any:
        return [1, 2], 201

    rv = client.get("/")
    assert rv.status_code == 201
    assert rv.json == [1, 2]


def test_tuple_with_wsgi_callable_and_status(app: Erlen, client: t.Any) -> None:
    @app.route("/")
    def index() -> t.Any:
        return wsgi_hello, 203

    rv = client.get("/")
    assert rv.status_code == 203
    assert rv.data == b"from wsgi /"


def test_view_returning_none_is_type_error_naming_endpoint(app: Erlen, client: t.Any) -> None:
    @app.route("/", endpoint="silent_view")
    def index() -> None:
        pass

    with pytest.raises(TypeError) as exc_info:
        client.get("/")
    message = str(exc_info.value)
    assert "'silent_view'" in message
    assert "returned None" in message


def test_view_returning_none_in_tuple_is_type_error(app: Erlen, client: t.Any) -> None:
    @app.route("/")
    def index() -> t.Any:
        return None, 200

    with pytest.raises(TypeError, match="returned None"):
        client.get("/")


def test_view_returning_int_is_type_error_naming_type(app: Erlen, client: t.Any) -> None:
    @app.route("/")
    def index() -> t.Any:
        return 42

    with pytest.raises(TypeError) as exc_info:
        client.get("/")
    assert "it was a int" in str(exc_info.value)


def test_view_returning_object_is_type_error_naming_type(app: Erlen, client: t.Any) -> None:
    class Thing:
        pass

    @app.route("/")
    def index() -> t.Any:
        return Thing()

    with pytest.raises(TypeError, match="Thing"):
        client.get("/")


def test_view_returning_float_is_type_error(app: Erlen, client: t.Any) -> None:
    @app.route("/")
    def index() -> t.Any:
        return 1.5

    with pytest.raises(TypeError, match="float"):
        client.get("/")


def test_view_returning_four_tuple_is_type_error(app: Erlen, client: t.Any) -> None:
    @app.route("/")
    def index() -> t.Any:
        return "body", 200, {}, "extra"

    with pytest.raises(TypeError, match="tuple"):
        client.get("/")


def test_view_returning_one_tuple_is_type_error(app: Erlen, client: t.Any) -> None:
    @app.route("/")
    def index() -> t.Any:
        return ("body",)

    with pytest.raises(TypeError):
        client.get("/")


def test_view_returning_bad_callable_is_type_error(app: Erlen, client: t.Any) -> None:
    @app.route("/")
    def index() -> t.Any:
        return lambda: None

    with pytest.raises(TypeError):
        client.get("/")


def test_invalid_return_gives_500_when_not_propagating(app: Erlen, client: t.Any) -> None:
    app.testing = False

    @app.route("/")
    def index() -> None:
        return None

    assert client.get("/").status_code == 500


# --- make_response -------------------------------------------------------------------


def test_make_response_without_args_is_empty(app: Erlen) -> None:
    with app.test_request_context():
        response = erlen.make_response()
    assert isinstance(response, app.response_class)
    assert response.status_code == 200
    assert response.get_data() == b""
    assert response.mimetype == "text/html"


def test_make_response_with_one_arg(app: Erlen) -> None:
    with app.test_request_context():
        response = erlen.make_response("body")
        as_json = erlen.make_response({"k": "v"})
    assert response.get_data() == b"body"
    assert response.status_code == 200
    assert as_json.mimetype == "application/json"
    assert as_json.json == {"k": "v"}


def test_make_response_with_a_tuple_arg(app: Erlen) -> None:
    with app.test_request_context():
        response = erlen.make_response(("body", 404))
    assert response.status_code == 404


def test_make_response_with_several_args(app: Erlen) -> None:
    with app.test_request_context():
        response = erlen.make_response("missing", 404, {"X-Why": "gone"})
        two = erlen.make_response("teapot", "418 I'M A TEAPOT")
    assert response.status_code == 404
    assert response.get_data() == b"missing"
    assert response.headers["X-Why"] == "gone"
    assert two.status_code == 418


def test_make_response_result_can_be_modified_in_view(app: Erlen, client: t.Any) -> None:
    @app.route("/")
    def index() -> erlen.Response:
        response = erlen.make_response("tweak")
        response.headers["X-Tweaked"] = "1"
        response.status_code = 203
        return response

    rv = client.get("/")
    assert rv.status_code == 203
    assert rv.headers["X-Tweaked"] == "1"


def test_app_make_response_passes_response_through(app: Erlen) -> None:
    with app.test_request_context():
        response = erlen.make_response("x")
        assert erlen.make_response(response) is response


# --- redirect ---------------------------------------------------------------------------


def test_redirect_defaults_to_302(app: Erlen, client: t.Any) -> None:
    @app.route("/")
    def index() -> t.Any:
        return erlen.redirect("/target")

    rv = client.get("/")
    assert rv.status_code == 302
    assert rv.headers["Location"] == "/target"
    assert b"/target" in rv.data


def test_redirect_with_custom_code(app: Erlen, client: t.Any) -> None:
    @app.route("/")
    def index() -> t.Any:
        return erlen.redirect("https://example.com/x", code=301)

    rv = client.get("/")
    assert rv.status_code == 301
    assert rv.headers["Location"] == "https://example.com/x"


def test_redirect_follow(app: Erlen, client: t.Any) -> None:
    @app.route("/")
    def index() -> t.Any:
        return erlen.redirect(erlen.url_for("target"))

    @app.route("/target")
    def target() -> str:
        return "arrived"

    rv = client.get("/", follow_redirects=True)
    assert rv.data == b"arrived"
    assert rv.request.path == "/target"


def test_redirect_uses_app_response_class(app: Erlen) -> None:
    with app.app_context():
        response = erlen.redirect("/there")
    assert isinstance(response, app.response_class)


def test_redirect_outside_app_context_works() -> None:
    response = erlen.redirect("/there", 307)
    assert response.status_code == 307
    assert response.headers["Location"] == "/there"


def test_app_redirect(app: Erlen) -> None:
    response = app.redirect("/app-level", 303)
    assert isinstance(response, app.response_class)
    assert response.status_code == 303
    assert response.headers["Location"] == "/app-level"
    assert app.redirect("/d").status_code == 302


def test_redirect_helper_calls_app_redirect(app: Erlen) -> None:
    class App(Erlen):
        def redirect(self, location: str, code: int = 302) -> t.Any:
            return self.response_class("custom redirect", code, {"Location": location})

    custom = App(__name__)
    with custom.app_context():
        response = erlen.redirect("/custom", 307)
    assert response.get_data() == b"custom redirect"
    assert response.status_code == 307


# --- url_for ------------------------------------------------------------------------------


@pytest.fixture
def url_app(app: Erlen) -> Erlen:
    @app.route("/")
    def index() -> str:
        return "index"

    @app.route("/user/<name>")
    def user(name: str) -> str:
        return name

    def item() -> str:
        return erlen.request.method

    app.add_url_rule("/item", "item", item, methods=["GET"])
    app.add_url_rule("/item/new", "item", item, methods=["POST"])

    return app


def test_url_for_relative_in_request(url_app: Erlen) -> None:
    with url_app.test_request_context():
        assert erlen.url_for("index") == "/"
        assert erlen.url_for("user", name="ann") == "/user/ann"


def test_url_for_external(url_app: Erlen) -> None:
    with url_app.test_request_context():
        assert erlen.url_for("user", name="ann", _external=True) == "http://localhost/user/ann"


def test_url_for_anchor_is_quoted(url_app: Erlen) -> None:
    with url_app.test_request_context():
        assert erlen.url_for("index", _anchor="top") == "/#top"
        assert erlen.url_for("index", _anchor="a b") == "/#a%20b"
        assert erlen.url_for("index", _anchor="x/y?z") == "/#x/y?z"


def test_url_for_method_selects_rule(url_app: Erlen) -> None:
    with url_app.test_request_context():
        assert erlen.url_for("item") == "/item"
        assert erlen.url_for("item", _method="GET") == "/item"
        assert erlen.url_for("item", _method="POST") == "/item/new"


def test_url_for_scheme_with_external(url_app: Erlen) -> None:
    with url_app.test_request_context():
        url = erlen.url_for("index", _scheme="https", _external=True)
    assert url == "https://localhost/"


def test_url_for_scheme_implies_external_in_request(url_app: Erlen) -> None:
    with url_app.test_request_context():
        assert erlen.url_for("index", _scheme="https") == "https://localhost/"


def test_url_for_scheme_without_external_is_value_error(url_app: Erlen) -> None:
    with url_app.test_request_context(), pytest.raises(ValueError, match="_external"):
        erlen.url_for("index", _scheme="https", _external=False)


def test_url_for_extra_values_go_into_query_string(url_app: Erlen) -> None:
    with url_app.test_request_context():
        assert erlen.url_for("user", name="ann", page=2) == "/user/ann?page=2"
        url = erlen.url_for("index", q="a b", tag=["x", "y"])
    assert url == "/?q=a+b&tag=x&tag=y"


def test_url_for_quotes_path_values(url_app: Erlen) -> None:
    with url_app.test_request_context():
        assert erlen.url_for("user", name="a b/c") == "/user/a%20b/c"


def test_url_for_in_view_uses_request_host(url_app: Erlen, client: t.Any) -> None:
    @url_app.route("/where")
    def where() -> str:
        return erlen.url_for("user", name="z", _external=True)

    rv = client.get("/where", base_url="https://example.org:8443/")
    assert rv.data == b"https://example.org:8443/user/z"


def test_url_for_outside_request_needs_server_name(url_app: Erlen) -> None:
    with url_app.app_context(), pytest.raises(RuntimeError, match="SERVER_NAME"):
        erlen.url_for("index")


def test_url_for_outside_request_is_external(url_app: Erlen) -> None:
    url_app.config["SERVER_NAME"] = "example.com"
    url_app.config["PREFERRED_URL_SCHEME"] = "https"
    with url_app.app_context():
        assert erlen.url_for("user", name="b") == "https://example.com/user/b"
        assert erlen.url_for("user", name="b", _external=False) == "/user/b"


def test_app_url_for(url_app: Erlen) -> None:
    with url_app.test_request_context():
        assert url_app.url_for("user", name="q") == "/user/q"


def test_url_defaults_fill_values(app: Erlen) -> None:
    @app.route("/<lang>/page")
    def page(lang: str) -> str:
        return lang

    @app.url_defaults
    def add_lang(endpoint: str, values: dict[str, t.Any]) -> None:
        if endpoint == "page":
            values.setdefault("lang", "en")

    with app.test_request_context():
        assert erlen.url_for("page") == "/en/page"
        assert erlen.url_for("page", lang="de") == "/de/page"


def test_inject_url_defaults(app: Erlen) -> None:
    @app.url_defaults
    def add(endpoint: str, values: dict[str, t.Any]) -> None:
        values["added"] = endpoint

    values: dict[str, t.Any] = {}
    app.inject_url_defaults("somewhere", values)
    assert values == {"added": "somewhere"}


def test_url_for_unknown_endpoint_is_build_error(url_app: Erlen) -> None:
    with url_app.test_request_context(), pytest.raises(BuildError):
        erlen.url_for("nowhere")


def test_url_for_missing_argument_is_build_error(url_app: Erlen) -> None:
    with url_app.test_request_context(), pytest.raises(BuildError):
        erlen.url_for("user")


def test_url_build_error_handler_provides_fallback(url_app: Erlen) -> None:
    seen: list[tuple[t.Any, str, dict[str, t.Any]]] = []

    def fallback(error: Exception, endpoint: str, values: dict[str, t.Any]) -> str:
        seen.append((error, endpoint, values))
        return f"/fallback/{endpoint}"

    url_app.url_build_error_handlers.append(fallback)
    with url_app.test_request_context():
        assert erlen.url_for("nowhere", x=1) == "/fallback/nowhere"
    error, endpoint, values = seen[0]
    assert isinstance(error, BuildError)
    assert endpoint == "nowhere"
    assert values["x"] == 1


def test_url_build_error_handler_returning_none_reraises(url_app: Erlen) -> None:
    url_app.url_build_error_handlers.append(lambda error, endpoint, values: None)  # type: ignore[arg-type,return-value]
    with url_app.test_request_context(), pytest.raises(BuildError):
        erlen.url_for("nowhere")


def test_url_build_error_handlers_tried_in_order(url_app: Erlen) -> None:
    def raises(error: Exception, endpoint: str, values: dict[str, t.Any]) -> str:
        raise error

    url_app.url_build_error_handlers.append(raises)
    url_app.url_build_error_handlers.append(lambda error, endpoint, values: "/second")
    with url_app.test_request_context():
        assert erlen.url_for("nowhere") == "/second"


# --- jsonify --------------------------------------------------------------------------------


def test_jsonify_one_arg(app: Erlen) -> None:
    with app.app_context():
        response = erlen.jsonify({"a": 1})
        scalar = erlen.jsonify("text")
    assert isinstance(response, app.response_class)
    assert response.mimetype == "application/json"
    assert response.status_code == 200
    assert response.get_data() == b'{"a":1}\n'
    assert scalar.get_data() == b'"text"\n'


def test_jsonify_several_args_is_list(app: Erlen) -> None:
    with app.app_context():
        response = erlen.jsonify(1, "b", None)
    assert response.json == [1, "b", None]


def test_jsonify_no_args_is_null(app: Erlen) -> None:
    with app.app_context():
        response = erlen.jsonify()
    assert response.get_data() == b"null\n"


def test_jsonify_kwargs_is_dict(app: Erlen) -> None:
    with app.app_context():
        response = erlen.jsonify(name="x", n=2)
    assert response.json == {"name": "x", "n": 2}


def test_jsonify_args_and_kwargs_is_type_error(app: Erlen) -> None:
    with app.app_context(), pytest.raises(TypeError):
        erlen.jsonify(1, a=2)


def test_jsonify_sorts_keys(app: Erlen) -> None:
    with app.app_context():
        response = erlen.jsonify(zeta=1, alpha=2, mid={"y": 1, "b": 2})
    assert response.get_data() == b'{"alpha":2,"mid":{"b":2,"y":1},"zeta":1}\n'


def test_jsonify_is_indented_in_debug(app: Erlen) -> None:
    app.debug = True
    with app.app_context():
        response = erlen.jsonify(b=1, a=[1])
    assert response.get_data() == b'{\n  "a": [\n    1\n  ],\n  "b": 1\n}\n'


def test_jsonify_compact_setting_overrides_debug(app: Erlen) -> None:
    app.debug = True
    app.json.compact = True  # type: ignore[attr-defined]
    with app.app_context():
        assert erlen.jsonify(a=1).get_data() == b'{"a":1}\n'


def test_jsonify_escapes_non_ascii(app: Erlen) -> None:
    with app.app_context():
        assert erlen.jsonify("é").get_data() == b'"\\u00e9"\n'


def test_jsonify_in_view(app: Erlen, client: t.Any) -> None:
    @app.route("/")
    def index() -> t.Any:
        return erlen.jsonify(ok=True), 201

    rv = client.get("/")
    assert rv.status_code == 201
    assert rv.json == {"ok": True}


# --- Response class ------------------------------------------------------------------------


def test_response_defaults() -> None:
    response = erlen.Response()
    assert response.status_code == 200
    assert response.status == "200 OK"
    assert response.mimetype == "text/html"
    assert response.content_type == "text/html; charset=utf-8"
    assert response.get_data() == b""
    assert erlen.Response.default_mimetype == "text/html"


def test_response_is_a_werkzeug_response() -> None:
    assert issubclass(erlen.Response, werkzeug.wrappers.Response)
    assert issubclass(erlen.Request, werkzeug.wrappers.Request)


def test_response_status_setters() -> None:
    response = erlen.Response("x")
    response.status_code = 404
    assert response.status == "404 NOT FOUND"
    response.status = "299 CUSTOM"
    assert response.status_code == 299
    response.status = 201  # type: ignore[assignment]
    assert response.status == "201 CREATED"


def test_response_with_status_string() -> None:
    response = erlen.Response("x", status="202 ACCEPTED")
    assert response.status_code == 202
    assert erlen.Response("x", "418 TEAPOT").status == "418 TEAPOT"


def test_response_data_and_content_length() -> None:
    response = erlen.Response("hello")
    assert response.data == b"hello"
    assert response.get_data() == b"hello"
    assert response.get_data(as_text=True) == "hello"
    assert response.headers["Content-Length"] == "5"


def test_response_set_data_updates_content_length() -> None:
    response = erlen.Response("short")
    response.set_data("much longer body")
    assert response.get_data() == b"much longer body"
    assert response.headers["Content-Length"] == "16"
    response.data = b"xy"
    assert response.headers["Content-Length"] == "2"
    response.set_data("ünï")
    assert response.headers["Content-Length"] == str(len("ünï".encode()))


def test_response_set_data_seen_by_client(app: Erlen, client: t.Any) -> None:
    @app.route("/")
    def index() -> erlen.Response:
        response = erlen.Response("first")
        response.set_data("second, longer")
        return response

    rv = client.get("/")
    assert rv.data == b"second, longer"
    assert rv.headers["Content-Length"] == "14"


def test_response_mimetype_gets_charset() -> None:
    response = erlen.Response("x", mimetype="text/plain")
    assert response.mimetype == "text/plain"
    assert response.content_type == "text/plain; charset=utf-8"
    assert response.headers["Content-Type"] == "text/plain; charset=utf-8"


def test_response_non_text_mimetype_has_no_charset() -> None:
    assert erlen.Response(b"x", mimetype="image/png").content_type == "image/png"
    assert erlen.Response("{}", mimetype="application/json").content_type == (
        "application/json"
    )


def test_response_content_type_is_kept_verbatim() -> None:
    response = erlen.Response("x", content_type="text/csv")
    assert response.content_type == "text/csv"
    assert response.mimetype == "text/csv"


def test_response_mimetype_setter() -> None:
    response = erlen.Response("x")
    response.mimetype = "text/xml"
    assert response.content_type == "text/xml; charset=utf-8"


def test_response_headers_from_dict_and_list() -> None:
    from_dict = erlen.Response("x", headers={"X-A": "1"})
    from_list = erlen.Response("x", headers=[("X-B", "1"), ("X-B", "2")])
    assert from_dict.headers["X-A"] == "1"
    assert from_list.headers.getlist("X-B") == ["1", "2"]
    assert isinstance(from_dict.headers, Headers)


def test_response_set_cookie(app: Erlen, client: t.Any) -> None:
    @app.route("/")
    def index() -> erlen.Response:
        response = erlen.Response("cookie")
        response.set_cookie("flavour", "oat", max_age=60, httponly=True, path="/")
        return response

    rv = client.get("/")
    header = rv.headers["Set-Cookie"]
    assert header.startswith("flavour=oat;")
    assert "Max-Age=60" in header
    assert "HttpOnly" in header
    assert client.get_cookie("flavour").value == "oat"


def test_response_delete_cookie(app: Erlen, client: t.Any) -> None:
    @app.route("/set")
    def set_it() -> erlen.Response:
        response = erlen.Response("set")
        response.set_cookie("k", "v")
        return response

    @app.route("/delete")
    def delete_it() -> erlen.Response:
        response = erlen.Response("deleted")
        response.delete_cookie("k")
        return response

    client.get("/set")
    assert client.get_cookie("k") is not None
    rv = client.get("/delete")
    header = rv.headers["Set-Cookie"]
    assert header.startswith("k=;")
    assert "Max-Age=0" in header
    assert client.get_cookie("k") is None


def test_response_location_header_is_not_autocorrected(app: Erlen, client: t.Any) -> None:
    assert erlen.Response.autocorrect_location_header is False

    @app.route("/a/b")
    def index() -> erlen.Response:
        return erlen.Response("moved", 302, {"Location": "relative/path"})

    rv = client.get("/a/b")
    assert rv.headers["Location"] == "relative/path"


def test_response_204_has_no_body(app: Erlen, client: t.Any) -> None:
    @app.route("/")
    def index() -> tuple[str, int]:
        return "ignored", 204

    rv = client.get("/")
    assert rv.status_code == 204
    assert rv.data == b""
    assert "Content-Length" not in rv.headers


def test_response_304_has_no_body(app: Erlen, client: t.Any) -> None:
    @app.route("/")
    def index() -> tuple[str, int]:
        return "ignored", 304

    rv = client.get("/")
    assert rv.status_code == 304
    assert rv.data == b""


def test_head_request_has_headers_but_no_body(app: Erlen, client: t.Any) -> None:
    @app.route("/")
    def index() -> str:
        return "a body of 19 bytes!"

    rv = client.head("/")
    assert rv.status_code == 200
    assert rv.data == b""
    assert rv.headers["Content-Length"] == "19"
    assert rv.content_type == "text/html; charset=utf-8"


def test_head_request_for_json_view(app: Erlen, client: t.Any) -> None:
    @app.route("/")
    def index() -> dict[str, int]:
        return {"a": 1}

    rv = client.head("/")
    assert rv.data == b""
    assert rv.headers["Content-Length"] == str(len(b'{"a":1}\n'))


def test_head_request_runs_get_view(app: Erlen, client: t.Any) -> None:
    methods: list[str] = []

    @app.route("/")
    def index() -> str:
        methods.append(erlen.request.method)
        return "x"

    client.head("/")
    assert methods == ["HEAD"]


def test_response_class_can_be_overridden(client: t.Any) -> None:
    class MyResponse(erlen.Response):
        default_mimetype = "text/plain"

    class App(Erlen):
        response_class = MyResponse

    app = App(__name__)

    @app.route("/")
    def index() -> str:
        return "plain"

    @app.route("/resp")
    def resp() -> t.Any:
        return erlen.Response("base class", 201)

    rv = app.test_client().get("/")
    assert rv.content_type == "text/plain; charset=utf-8"
    with app.test_request_context():
        assert isinstance(app.make_response("x"), MyResponse)
        assert isinstance(erlen.make_response(), MyResponse)
        assert isinstance(erlen.jsonify(1), MyResponse)
        assert isinstance(app.make_response(erlen.Response("y")), MyResponse)
    assert app.test_client().get("/resp").status_code == 201


def test_response_class_set_on_instance(app: Erlen, client: t.Any) -> None:
    class MyResponse(erlen.Response):
        pass

    app.response_class = MyResponse

    @app.route("/")
    def index() -> str:
        return "x"

    with app.test_request_context():
        assert type(app.make_response("x")) is MyResponse
    assert client.get("/").data == b"x"


def test_request_class_can_be_overridden() -> None:
    class MyRequest(erlen.Request):
        @property
        def shout(self) -> str:
            return self.path.upper()

    class App(Erlen):
        request_class = MyRequest

    app = App(__name__)

    @app.route("/loud")
    def index() -> str:
        assert type(erlen.request._get_current_object()) is MyRequest  # type: ignore[attr-defined]
        return erlen.request.shout  # type: ignore[attr-defined,no-any-return]

    assert app.test_client().get("/loud").data == b"/LOUD"


def test_request_class_set_on_instance(app: Erlen, client: t.Any) -> None:
    class MyRequest(erlen.Request):
        marker = "mine"

    app.request_class = MyRequest

    @app.route("/")
    def index() -> str:
        return erlen.request.marker  # type: ignore[attr-defined,no-any-return]

    assert client.get("/").data == b"mine"


# --- Request attributes ------------------------------------------------------------------------


def test_request_args(app: Erlen, client: t.Any) -> None:
    @app.route("/")
    def index() -> t.Any:
        args = erlen.request.args
        assert isinstance(args, MultiDict)
        return {"a": args["a"], "all": args.getlist("b"), "none": args.get("zzz")}

    rv = client.get("/?a=1&b=x&b=y")
    assert rv.json == {"a": "1", "all": ["x", "y"], "none": None}


def test_request_args_type_conversion(app: Erlen, client: t.Any) -> None:
    @app.route("/")
    def index() -> t.Any:
        return {"n": erlen.request.args.get("n", type=int), "bad": erlen.request.args.get(
            "bad", default=-1, type=int
        )}

    assert client.get("/?n=5&bad=x").json == {"n": 5, "bad": -1}


def test_request_form_urlencoded(app: Erlen, client: t.Any) -> None:
    @app.route("/", methods=["POST"])
    def index() -> t.Any:
        form = erlen.request.form
        return {"name": form["name"], "tags": form.getlist("tag"), "mime": erlen.request.mimetype}

    rv = client.post("/", data={"name": "ann", "tag": ["a", "b"]})
    assert rv.json == {
        "name": "ann",
        "tags": ["a", "b"],
        "mime": "application/x-www-form-urlencoded",
    }


def test_request_form_multipart_and_files(app: Erlen, client: t.Any) -> None:
    @app.route("/upload", methods=["POST"])
    def upload() -> t.Any:
        upload = erlen.request.files["doc"]
        return {
            "field": erlen.request.form["field"],
            "filename": upload.filename,
            "content": upload.read().decode(),
            "mime": erlen.request.mimetype,
            "form_has_file": "doc" in erlen.request.form,
        }

    rv = client.post(
        "/upload",
        data={"field": "value", "doc": (io.BytesIO(b"file contents"), "notes.txt")},
    )
    assert rv.json == {
        "field": "value",
        "filename": "notes.txt",
        "content": "file contents",
        "mime": "multipart/form-data",
        "form_has_file": False,
    }


def test_request_files_save(app: Erlen, client: t.Any, tmp_path: t.Any) -> None:
    @app.route("/", methods=["POST"])
    def index() -> str:
        upload = erlen.request.files["f"]
        upload.save(tmp_path / "saved.bin")
        return upload.mimetype

    rv = client.post(
        "/",
        data={"f": (io.BytesIO(b"\x00\x01"), "x.bin", "application/octet-stream")},
    )
    assert rv.data == b"application/octet-stream"
    assert (tmp_path / "saved.bin").read_bytes() == b"\x00\x01"


def test_request_files_empty_without_multipart(app: Erlen, client: t.Any) -> None:
    @app.route("/", methods=["POST"])
    def index() -> str:
        return str(len(erlen.request.files))

    assert client.post("/", data={"a": "1"}).data == b"0"


def test_request_values_combines_args_and_form(app: Erlen, client: t.Any) -> None:
    @app.route("/", methods=["POST"])
    def index() -> t.Any:
        values = erlen.request.values
        return {"q": values["q"], "f": values["f"], "both": values.getlist("both")}

    rv = client.post("/?q=1&both=arg", data={"f": "2", "both": "form"})
    assert rv.json == {"q": "1", "f": "2", "both": ["arg", "form"]}


def test_request_values_ignores_form_on_get(app: Erlen, client: t.Any) -> None:
    @app.route("/")
    def index() -> t.Any:
        return {"keys": sorted(erlen.request.values.keys())}

    rv = client.get("/?a=1", data={"b": "2"})
    assert rv.json == {"keys": ["a"]}


def test_request_data_and_get_data(app: Erlen, client: t.Any) -> None:
    @app.route("/", methods=["POST"])
    def index() -> t.Any:
        return {
            "data": erlen.request.data.decode(),
            "text": erlen.request.get_data(as_text=True),
            "length": erlen.request.content_length,
        }

    rv = client.post("/", data=b"raw body", content_type="application/octet-stream")
    assert rv.json == {"data": "raw body", "text": "raw body", "length": 8}


def test_request_data_empty_for_form_posts(app: Erlen, client: t.Any) -> None:
    @app.route("/", methods=["POST"])
    def index() -> t.Any:
        return {"data": erlen.request.data.decode(), "form": erlen.request.form["a"]}

    assert client.post("/", data={"a": "1"}).json == {"data": "", "form": "1"}


def test_request_json_valid(app: Erlen, client: t.Any) -> None:
    @app.route("/", methods=["POST"])
    def index() -> t.Any:
        assert erlen.request.is_json
        return {"json": erlen.request.json, "get_json": erlen.request.get_json()}

    rv = client.post("/", json={"a": [1, 2]})
    assert rv.json == {"json": {"a": [1, 2]}, "get_json": {"a": [1, 2]}}


def test_request_json_with_json_suffix_type(app: Erlen, client: t.Any) -> None:
    @app.route("/", methods=["POST"])
    def index() -> t.Any:
        return {"got": erlen.request.get_json()}

    rv = client.post("/", data='{"x": 1}', content_type="application/vnd.api+json")
    assert rv.json == {"got": {"x": 1}}


def test_request_json_invalid_is_400(app: Erlen, client: t.Any) -> None:
    @app.route("/", methods=["POST"])
    def index() -> t.Any:
        return {"got": erlen.request.get_json()}

    rv = client.post("/", data="{not json", content_type="application/json")
    assert rv.status_code == 400


def test_request_json_invalid_message_says_the_body_is_not_json_outside_debug(
    app: Erlen, client: t.Any
) -> None:
    # Unlike Flask, which hides the reason outside debug mode, erlen always says
    # what is wrong with the body: the parser's message reveals nothing secret.
    received: list[BadRequest] = []

    @app.errorhandler(400)
    def bad(e: BadRequest) -> tuple[str, int]:
        received.append(e)
        return "bad", 400

    @app.route("/", methods=["POST"])
    def index() -> t.Any:
        return {"got": erlen.request.json}

    client.post("/", data="{not json", content_type="application/json")
    assert received[0].description.startswith("The request body is not valid JSON:")


def test_request_json_invalid_message_says_not_valid_json_in_debug(
    app: Erlen, client: t.Any
) -> None:
    app.debug = True
    received: list[BadRequest] = []

    @app.errorhandler(400)
    def bad(e: BadRequest) -> tuple[str, int]:
        received.append(e)
        return "bad", 400

    @app.route("/", methods=["POST"])
    def index() -> t.Any:
        return {"got": erlen.request.json}

    rv = client.post("/", data="{not json", content_type="application/json")
    assert rv.status_code == 400
    assert "JSON" in t.cast(str, received[0].description)


def test_request_json_wrong_content_type_is_415(app: Erlen, client: t.Any) -> None:
    @app.route("/", methods=["POST"])
    def index() -> t.Any:
        return {"got": erlen.request.get_json()}

    rv = client.post("/", data='{"a": 1}', content_type="text/plain")
    assert rv.status_code == 415
    with app.test_request_context(method="POST", data="{}", content_type="text/plain"):
        with pytest.raises(UnsupportedMediaType):
            erlen.request.get_json()
        with pytest.raises(UnsupportedMediaType):
            erlen.request.json  # noqa: B018


def test_request_get_json_silent_returns_none(app: Erlen) -> None:
    with app.test_request_context(method="POST", data="{bad", content_type="application/json"):
        assert erlen.request.get_json(silent=True) is None
    with app.test_request_context(method="POST", data="{}", content_type="text/plain"):
        assert erlen.request.get_json(silent=True) is None


def test_request_get_json_force_ignores_content_type(app: Erlen) -> None:
    with app.test_request_context(method="POST", data='{"f": 1}', content_type="text/plain"):
        assert erlen.request.get_json(force=True) == {"f": 1}


def test_request_get_json_no_body_is_400(app: Erlen) -> None:
    ctx = app.test_request_context(method="POST", content_type="application/json")
    with ctx, pytest.raises(BadRequest):
        erlen.request.get_json()


def test_request_cookies(app: Erlen, client: t.Any) -> None:
    @app.route("/")
    def index() -> t.Any:
        return dict(erlen.request.cookies)

    client.set_cookie("one", "1")
    client.set_cookie("two", "2")
    assert client.get("/").json == {"one": "1", "two": "2"}


def test_request_headers(app: Erlen, client: t.Any) -> None:
    @app.route("/")
    def index() -> t.Any:
        headers = erlen.request.headers
        return {
            "custom": headers["X-Custom"],
            "lower": headers.get("x-custom"),
            "missing": headers.get("X-Missing"),
        }

    rv = client.get("/", headers={"X-Custom": "val"})
    assert rv.json == {"custom": "val", "lower": "val", "missing": None}


def test_request_method(app: Erlen, client: t.Any) -> None:
    @app.route("/", methods=["GET", "POST", "PUT", "DELETE", "PATCH"])
    def index() -> str:
        return erlen.request.method

    for method in ("GET", "POST", "PUT", "DELETE", "PATCH"):
        assert client.open("/", method=method).data == method.encode()


def test_request_url_attributes(app: Erlen, client: t.Any) -> None:
    @app.route("/some/path")
    def index() -> t.Any:
        r = erlen.request
        return {
            "path": r.path,
            "full_path": r.full_path,
            "url": r.url,
            "base_url": r.base_url,
            "url_root": r.url_root,
            "host_url": r.host_url,
            "host": r.host,
            "scheme": r.scheme,
            "query_string": r.query_string.decode(),
        }

    rv = client.get("/some/path?a=1&b=2")
    assert rv.json == {
        "path": "/some/path",
        "full_path": "/some/path?a=1&b=2",
        "url": "http://localhost/some/path?a=1&b=2",
        "base_url": "http://localhost/some/path",
        "url_root": "http://localhost/",
        "host_url": "http://localhost/",
        "host": "localhost",
        "scheme": "http",
        "query_string": "a=1&b=2",
    }


def test_request_full_path_without_query(app: Erlen, client: t.Any) -> None:
    @app.route("/p")
    def index() -> str:
        return erlen.request.full_path

    assert client.get("/p").data == b"/p?"


def test_request_url_with_custom_base_url(app: Erlen, client: t.Any) -> None:
    @app.route("/x")
    def index() -> t.Any:
        r = erlen.request
        return {"url": r.url, "host": r.host, "root": r.url_root, "secure": r.is_secure}

    rv = client.get("/x", base_url="https://example.com:8443/")
    assert rv.json == {
        "url": "https://example.com:8443/x",
        "host": "example.com:8443",
        "root": "https://example.com:8443/",
        "secure": True,
    }


def test_request_with_script_root(app: Erlen) -> None:
    with app.test_request_context("/page", base_url="http://localhost/mount/"):
        r = erlen.request
        assert r.script_root == "/mount"
        assert r.path == "/page"
        assert r.url == "http://localhost/mount/page"
        assert r.url_root == "http://localhost/mount/"


def test_request_non_ascii_path(app: Erlen, client: t.Any) -> None:
    @app.route("/<word>")
    def index(word: str) -> t.Any:
        return {"word": word, "path": erlen.request.path}

    rv = client.get("/caf%C3%A9")
    assert rv.json == {"word": "café", "path": "/café"}


def test_request_remote_addr(app: Erlen, client: t.Any) -> None:
    @app.route("/")
    def index() -> str:
        return str(erlen.request.remote_addr)

    assert client.get("/").data == b"127.0.0.1"
    assert client.get("/", environ_base={"REMOTE_ADDR": "10.1.2.3"}).data == b"10.1.2.3"


def test_request_user_agent(app: Erlen, client: t.Any) -> None:
    @app.route("/")
    def index() -> str:
        return erlen.request.user_agent.string

    assert client.get("/", headers={"User-Agent": "TestAgent/1.0"}).data == b"TestAgent/1.0"


def test_request_endpoint_and_view_args(app: Erlen, client: t.Any) -> None:
    @app.route("/user/<int:uid>", endpoint="user_page")
    def user(uid: int) -> t.Any:
        r = erlen.request
        return {
            "endpoint": r.endpoint,
            "view_args": r.view_args,
            "blueprint": r.blueprint,
            "blueprints": r.blueprints,
            "rule": r.url_rule.rule if r.url_rule else None,
        }

    rv = client.get("/user/7")
    assert rv.json == {
        "endpoint": "user_page",
        "view_args": {"uid": 7},
        "blueprint": None,
        "blueprints": [],
        "rule": "/user/<int:uid>",
    }


def test_request_endpoint_is_none_when_routing_fails(app: Erlen, client: t.Any) -> None:
    seen: dict[str, t.Any] = {}

    @app.errorhandler(404)
    def missing(e: Exception) -> tuple[str, int]:
        r = erlen.request
        seen.update(endpoint=r.endpoint, view_args=r.view_args, rule=r.url_rule)
        return "missing", 404

    client.get("/nowhere")
    assert seen == {"endpoint": None, "view_args": None, "rule": None}


def test_request_max_content_length_from_config(app: Erlen, client: t.Any) -> None:
    app.config["MAX_CONTENT_LENGTH"] = 10

    @app.route("/", methods=["POST"])
    def index() -> str:
        assert erlen.request.max_content_length == 10
        return erlen.request.get_data(as_text=True)

    assert client.post("/", data=b"small").data == b"small"
    assert client.post("/", data=b"x" * 20).status_code == 413


def test_request_max_content_length_applies_to_form(app: Erlen, client: t.Any) -> None:
    app.config["MAX_CONTENT_LENGTH"] = 10

    @app.route("/", methods=["POST"])
    def index() -> str:
        return erlen.request.form.get("a", "")

    assert client.post("/", data={"a": "x" * 50}).status_code == 413


def test_request_max_content_length_default_is_none(app: Erlen) -> None:
    with app.test_request_context():
        assert erlen.request.max_content_length is None


def test_request_max_content_length_per_request_override(app: Erlen, client: t.Any) -> None:
    app.config["MAX_CONTENT_LENGTH"] = 10

    @app.route("/", methods=["POST"])
    def index() -> str:
        if "big" in erlen.request.args:
            erlen.request.max_content_length = 100
        else:
            erlen.request.max_content_length = 3
        return erlen.request.get_data(as_text=True)

    assert client.post("/?big", data=b"x" * 50).data == b"x" * 50
    assert client.post("/", data=b"12345").status_code == 413


def test_request_max_form_memory_size(app: Erlen, client: t.Any) -> None:
    with app.test_request_context():
        assert erlen.request.max_form_memory_size == 500_000
    app.config["MAX_FORM_MEMORY_SIZE"] = 500

    @app.route("/", methods=["POST"])
    def index() -> str:
        return str(len(erlen.request.form["field"]))

    ok = client.post("/", data={"field": "x" * 5}, content_type="multipart/form-data")
    assert ok.data == b"5"
    big = client.post("/", data={"field": "x" * 1000}, content_type="multipart/form-data")
    assert big.status_code == 413


def test_request_max_form_memory_size_per_request_override(
    app: Erlen, client: t.Any
) -> None:
    app.config["MAX_FORM_MEMORY_SIZE"] = 500

    @app.route("/", methods=["POST"])
    def index() -> str:
        erlen.request.max_form_memory_size = 5000
        return str(len(erlen.request.form["field"]))

    rv = client.post("/", data={"field": "x" * 1000}, content_type="multipart/form-data")
    assert rv.data == b"1000"


def test_request_max_form_parts(app: Erlen, client: t.Any) -> None:
    with app.test_request_context():
        assert erlen.request.max_form_parts == 1_000
    app.config["MAX_FORM_PARTS"] = 3

    @app.route("/", methods=["POST"])
    def index() -> str:
        return str(len(erlen.request.form))

    few = {"a": "1", "b": "2"}
    many = {f"k{i}": str(i) for i in range(10)}
    assert client.post("/", data=few, content_type="multipart/form-data").data == b"2"
    assert client.post("/", data=many, content_type="multipart/form-data").status_code == 413


def test_request_limits_outside_app_context_fall_back_to_werkzeug() -> None:
    environ = {"REQUEST_METHOD": "GET", "wsgi.input": io.BytesIO(), "PATH_INFO": "/"}
    request = erlen.Request(environ)
    assert request.max_content_length is None
    assert request.max_form_memory_size == werkzeug.wrappers.Request.max_form_memory_size
    assert request.max_form_parts == werkzeug.wrappers.Request.max_form_parts


def _shapes() -> dict[str, t.Callable[[], t.Any]]:
    from werkzeug.wsgi import FileWrapper

    from erlen import Response

    def closing_passthrough() -> t.Any:
        return Response(FileWrapper(io.BytesIO(b"file body")), direct_passthrough=True)

    def with_on_close() -> t.Any:
        response = Response(b"body")
        response.call_on_close(lambda: None)
        return response

    return {
        "buffered": lambda: Response(b"body", headers={"X-A": "1"}),
        "buffered-with-length": lambda: Response(b"body", headers={"Content-Length": "4"}),
        "buffered-201": lambda: Response(b"made", status=201),
        "passthrough-iterable": closing_passthrough,
        "passthrough-list": lambda: Response([b"a", b"b"], direct_passthrough=True),
        "304-empty": lambda: Response(status=304, headers={"ETag": '"x"', "Expires": "0"}),
        "304-with-body": lambda: Response(b"ignored", status=304),
        "204": lambda: Response(status=204),
        "location": lambda: Response(b"moved", 302, {"Location": "/caf\u00e9"}),
        "on-close": with_on_close,
    }


@pytest.mark.parametrize("method", ["GET", "HEAD"])
@pytest.mark.parametrize("shape", list(_shapes()))
def test_sending_a_response_matches_werkzeugs_general_path(shape: str, method: str) -> None:
    from werkzeug.test import create_environ
    from werkzeug.wrappers import Response as WerkzeugResponse

    def send(call: t.Callable[..., t.Any]) -> tuple[str, list[tuple[str, str]], bytes]:
        seen: list[t.Any] = []
        body = call(create_environ("/", method=method), lambda s, h, e=None: seen.extend((s, h)))
        try:
            data = b"".join(body)
        finally:
            if hasattr(body, "close"):
                body.close()
        return seen[0], list(seen[1]), data

    make = _shapes()[shape]
    fast = send(make())
    slow_response = make()
    slow = send(lambda environ, start: WerkzeugResponse.__call__(slow_response, environ, start))
    assert fast == slow
