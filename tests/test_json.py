"""Tests for JSON: the ``erlen.json`` helpers, ``jsonify``, the default provider's settings
and types, custom providers, JSON requests and responses, and the tagged serializer."""

from __future__ import annotations

import dataclasses
import decimal
import io
import json as stdlib_json
import subprocess
import sys
import textwrap
import uuid
from collections import namedtuple
from datetime import date, datetime, timezone
from typing import Any

import pytest
from markupsafe import Markup

import erlen
from erlen import Erlen, jsonify, request
from erlen.json.provider import DefaultJSONProvider, JSONProvider
from erlen.json.tag import JSONTag, TaggedJSONSerializer

WHEN = datetime(2024, 1, 2, 3, 4, 5, tzinfo=timezone.utc)
WHEN_HTTP = "Tue, 02 Jan 2024 03:04:05 GMT"
ID = uuid.UUID("6f1c2d3e-4b5a-4c7d-8e9f-0a1b2c3d4e5f")


@dataclasses.dataclass
class Point:
    x: int
    y: int
    tags: list[str] = dataclasses.field(default_factory=list)


class Html:
    """Not a string, but knows its HTML form."""

    def __html__(self) -> str:
        return "<b>html</b>"


class Unknown:
    pass


@pytest.fixture
def app() -> Erlen:
    app = Erlen(__name__)
    app.testing = True
    return app


def body(response: Any) -> str:
    return response.get_data(as_text=True)


# --- erlen.json helpers ------------------------------------------------------------------


def test_dumps_outside_an_app_context_uses_plain_json_settings() -> None:
    # No app: the standard library's defaults, but the extra types still work.
    assert erlen.json.dumps({"b": 1, "a": [1, 2]}) == '{"b": 1, "a": [1, 2]}'
    assert erlen.json.dumps("é") == '"\\u00e9"'
    assert erlen.json.dumps(WHEN) == f'"{WHEN_HTTP}"'
    assert erlen.json.dumps({"id": ID}) == f'{{"id": "{ID}"}}'


def test_dumps_outside_an_app_context_passes_keyword_arguments() -> None:
    assert erlen.json.dumps({"b": 1, "a": 2}, sort_keys=True) == '{"a": 2, "b": 1}'
    assert erlen.json.dumps([1], indent=2) == "[\n  1\n]"
    assert erlen.json.dumps("é", ensure_ascii=False) == '"é"'


def test_dumps_inside_an_app_context_uses_the_app_provider(app: Erlen) -> None:
    with app.app_context():
        assert erlen.json.dumps({"b": 1, "a": 2}) == '{"a": 2, "b": 1}'
        app.json.sort_keys = False  # type: ignore[attr-defined]
        assert erlen.json.dumps({"b": 1, "a": 2}) == '{"b": 1, "a": 2}'
        app.json.ensure_ascii = False  # type: ignore[attr-defined]
        assert erlen.json.dumps("é") == '"é"'


def test_dumps_inside_an_app_context_calls_app_json(app: Erlen) -> None:
    class Recording(DefaultJSONProvider):
        calls: list[str] = []

        def dumps(self, obj: Any, **kwargs: Any) -> str:
            self.calls.append("dumps")
            return super().dumps(obj, **kwargs)

        def loads(self, s: str | bytes, **kwargs: Any) -> Any:
            self.calls.append("loads")
            return super().loads(s, **kwargs)

    app.json = Recording(app)
    with app.app_context():
        assert erlen.json.loads(erlen.json.dumps([1])) == [1]
        stream = io.StringIO()
        erlen.json.dump({"a": 1}, stream)
        stream.seek(0)
        assert erlen.json.load(stream) == {"a": 1}
    assert Recording.calls == ["dumps", "loads", "dumps", "loads"]


def test_loads_accepts_str_and_bytes() -> None:
    assert erlen.json.loads('{"a": [1, 2.5, null, true]}') == {"a": [1, 2.5, None, True]}
    assert erlen.json.loads(b'{"a": "\xc3\xa9"}') == {"a": "é"}


def test_loads_inside_an_app_context(app: Erlen) -> None:
    with app.app_context():
        assert erlen.json.loads('{"a": 1}') == {"a": 1}
        assert erlen.json.loads(b"[1, 2]") == [1, 2]


def test_dump_and_load_with_files_outside_a_context() -> None:
    stream = io.StringIO()
    erlen.json.dump({"when": WHEN, "n": 1}, stream)
    assert stream.getvalue() == f'{{"when": "{WHEN_HTTP}", "n": 1}}'
    stream.seek(0)
    assert erlen.json.load(stream) == {"when": WHEN_HTTP, "n": 1}


def test_load_reads_binary_files(app: Erlen) -> None:
    assert erlen.json.load(io.BytesIO(b'{"a": 1}')) == {"a": 1}
    with app.app_context():
        assert erlen.json.load(io.BytesIO(b'{"a": 2}')) == {"a": 2}


def test_dump_inside_an_app_context_sorts_keys(app: Erlen) -> None:
    stream = io.StringIO()
    with app.app_context():
        erlen.json.dump({"b": 1, "a": 2}, stream)
    assert stream.getvalue() == '{"a": 2, "b": 1}'


def test_loads_invalid_json_raises_value_error(app: Erlen) -> None:
    with pytest.raises(ValueError):
        erlen.json.loads("{not json")
    with app.app_context(), pytest.raises(ValueError):
        erlen.json.loads("{not json")


# --- jsonify -------------------------------------------------------------------------------


def test_jsonify_one_value_is_serialized_as_is(app: Erlen) -> None:
    with app.app_context():
        assert body(jsonify({"a": 1})) == '{"a":1}\n'
        assert body(jsonify([1, 2])) == "[1,2]\n"
        assert body(jsonify("text")) == '"text"\n'
        assert body(jsonify(3)) == "3\n"
        assert body(jsonify(None)) == "null\n"
        assert body(jsonify(False)) == "false\n"


def test_jsonify_several_arguments_make_a_list(app: Erlen) -> None:
    with app.app_context():
        assert body(jsonify(1, "two", None)) == '[1,"two",null]\n'


def test_jsonify_keyword_arguments_make_an_object(app: Erlen) -> None:
    with app.app_context():
        assert body(jsonify(b=2, a=1)) == '{"a":1,"b":2}\n'


def test_jsonify_without_arguments_is_null(app: Erlen) -> None:
    with app.app_context():
        assert body(jsonify()) == "null\n"


def test_jsonify_args_and_kwargs_together_is_an_error(app: Erlen) -> None:
    with app.app_context(), pytest.raises(TypeError):
        jsonify(1, a=2)


def test_jsonify_response_type_and_mimetype(app: Erlen) -> None:
    with app.app_context():
        response = jsonify(a=1)
    assert isinstance(response, app.response_class)
    assert response.status_code == 200
    assert response.mimetype == "application/json"
    assert response.content_type == "application/json"
    assert response.is_json
    assert response.get_json() == {"a": 1}


def test_jsonify_outside_an_app_context_raises_runtime_error() -> None:
    with pytest.raises(RuntimeError, match="application context"):
        jsonify(a=1)


def test_jsonify_in_a_view(app: Erlen) -> None:
    @app.route("/")
    def index() -> Any:
        return jsonify(user="alice", ids=[1, 2])

    response = app.test_client().get("/")
    assert response.mimetype == "application/json"
    assert response.json == {"user": "alice", "ids": [1, 2]}
    assert body(response) == '{"ids":[1,2],"user":"alice"}\n'


def test_jsonify_with_status_and_headers_in_a_view(app: Erlen) -> None:
    @app.route("/")
    def index() -> Any:
        return jsonify(error="nope"), 404, {"X-Reason": "test"}

    response = app.test_client().get("/")
    assert response.status_code == 404
    assert response.headers["X-Reason"] == "test"
    assert response.json == {"error": "nope"}


def test_views_returning_dict_or_list_become_json(app: Erlen) -> None:
    @app.route("/dict")
    def as_dict() -> Any:
        return {"b": [1, 2], "a": None}

    @app.route("/list")
    def as_list() -> Any:
        return [{"x": 1}, "y"]

    @app.route("/created")
    def created() -> Any:
        return {"id": 7}, 201

    client = app.test_client()
    response = client.get("/dict")
    assert response.mimetype == "application/json"
    assert body(response) == '{"a":null,"b":[1,2]}\n'
    response = client.get("/list")
    assert response.mimetype == "application/json"
    assert response.json == [{"x": 1}, "y"]
    response = client.get("/created")
    assert response.status_code == 201
    assert response.json == {"id": 7}


# --- default provider settings ----------------------------------------------------------------


def test_default_provider_settings(app: Erlen) -> None:
    assert isinstance(app.json, DefaultJSONProvider)
    assert app.json.sort_keys is True
    assert app.json.ensure_ascii is True
    assert app.json.compact is None
    assert app.json.mimetype == "application/json"


def test_sort_keys_can_be_turned_off(app: Erlen) -> None:
    with app.app_context():
        assert body(jsonify(b=1, a=2, c={"z": 1, "y": 2})) == '{"a":2,"b":1,"c":{"y":2,"z":1}}\n'
        app.json.sort_keys = False  # type: ignore[attr-defined]
        assert body(jsonify({"b": 1, "a": 2})) == '{"b":1,"a":2}\n'


def test_ensure_ascii_can_be_turned_off(app: Erlen) -> None:
    with app.app_context():
        response = jsonify(name="é☃")
        assert response.get_data() == b'{"name":"\\u00e9\\u2603"}\n'
        app.json.ensure_ascii = False  # type: ignore[attr-defined]
        response = jsonify(name="é☃")
        assert response.get_data() == '{"name":"é☃"}\n'.encode()
        assert response.get_json() == {"name": "é☃"}


def test_non_ascii_plain_string_response(app: Erlen) -> None:
    with app.app_context():
        assert body(jsonify("é")) == '"\\u00e9"\n'
        app.json.ensure_ascii = False  # type: ignore[attr-defined]
        assert body(jsonify("é")) == '"é"\n'


def test_compact_by_default_outside_debug(app: Erlen) -> None:
    with app.app_context():
        assert body(jsonify(a=[1, 2], b={"c": 3})) == '{"a":[1,2],"b":{"c":3}}\n'


def test_indented_in_debug_mode(app: Erlen) -> None:
    app.debug = True
    with app.app_context():
        assert body(jsonify(a=[1, 2])) == '{\n  "a": [\n    1,\n    2\n  ]\n}\n'


def test_compact_true_forces_compact_in_debug(app: Erlen) -> None:
    app.debug = True
    app.json.compact = True  # type: ignore[attr-defined]
    with app.app_context():
        assert body(jsonify(a=[1, 2])) == '{"a":[1,2]}\n'


def test_compact_false_forces_indent_outside_debug(app: Erlen) -> None:
    app.json.compact = False  # type: ignore[attr-defined]
    with app.app_context():
        assert body(jsonify(a=1, b=2)) == '{\n  "a": 1,\n  "b": 2\n}\n'


def test_debug_indent_applies_to_views_returning_dicts(app: Erlen) -> None:
    @app.route("/")
    def index() -> Any:
        return {"a": 1}

    client = app.test_client()
    assert body(client.get("/")) == '{"a":1}\n'
    app.debug = True
    assert body(client.get("/")) == '{\n  "a": 1\n}\n'


def test_settings_changed_between_responses_take_effect(app: Erlen) -> None:
    with app.app_context():
        assert body(jsonify(b="é", a=1)) == '{"a":1,"b":"\\u00e9"}\n'
        app.json.sort_keys = False  # type: ignore[attr-defined]
        assert body(jsonify(b="é", a=1)) == '{"b":"\\u00e9","a":1}\n'
        app.json.ensure_ascii = False  # type: ignore[attr-defined]
        assert body(jsonify(b="é", a=1)) == '{"b":"é","a":1}\n'
        app.json.compact = False  # type: ignore[attr-defined]
        assert body(jsonify(b="é", a=1)) == '{\n  "b": "é",\n  "a": 1\n}\n'
        app.json.sort_keys = True  # type: ignore[attr-defined]
        app.json.compact = None  # type: ignore[attr-defined]
        assert body(jsonify(b="é", a=1)) == '{"a":1,"b":"é"}\n'


def test_settings_are_per_app() -> None:
    first, second = Erlen("first"), Erlen("second")
    first.json.sort_keys = False  # type: ignore[attr-defined]
    with first.app_context():
        assert body(jsonify({"b": 1, "a": 2})) == '{"b":1,"a":2}\n'
    with second.app_context():
        assert body(jsonify({"b": 1, "a": 2})) == '{"a":2,"b":1}\n'


def test_mimetype_override(app: Erlen) -> None:
    app.json.mimetype = "application/vnd.example+json"  # type: ignore[attr-defined]

    @app.route("/")
    def index() -> Any:
        return {"a": 1}

    with app.app_context():
        assert jsonify(a=1).mimetype == "application/vnd.example+json"
    response = app.test_client().get("/")
    assert response.mimetype == "application/vnd.example+json"
    assert response.is_json
    assert response.json == {"a": 1}


def test_special_floats_and_numbers(app: Erlen) -> None:
    with app.app_context():
        assert body(jsonify([float("nan"), float("inf"), -0.5, 10**20])) == (
            "[NaN,Infinity,-0.5,100000000000000000000]\n"
        )


def test_integer_keys_become_strings(app: Erlen) -> None:
    with app.app_context():
        assert body(jsonify({2: "b", 1: "a"})) == '{"1":"a","2":"b"}\n'


def test_string_escapes(app: Erlen) -> None:
    with app.app_context():
        assert body(jsonify('quote " slash \\ newline \n </script>')) == (
            '"quote \\" slash \\\\ newline \\n </script>"\n'
        )


# --- default provider types -----------------------------------------------------------------


SPECIAL_VALUES = [
    pytest.param(WHEN, WHEN_HTTP, id="aware-datetime"),
    pytest.param(datetime(2024, 1, 2, 3, 4, 5), WHEN_HTTP, id="naive-datetime"),
    pytest.param(date(2024, 1, 2), "Tue, 02 Jan 2024 00:00:00 GMT", id="date"),
    pytest.param(decimal.Decimal("12.50"), "12.50", id="decimal"),
    pytest.param(ID, str(ID), id="uuid"),
    pytest.param(Point(1, 2, ["a"]), {"x": 1, "y": 2, "tags": ["a"]}, id="dataclass"),
    pytest.param(Html(), "<b>html</b>", id="html"),
    pytest.param(Markup("<i>m</i>"), "<i>m</i>", id="markup"),
]


@pytest.mark.parametrize(("value", "expected"), SPECIAL_VALUES)
def test_jsonify_serializes_special_types(app: Erlen, value: Any, expected: Any) -> None:
    with app.app_context():
        response = jsonify(value=value)
    assert response.get_json() == {"value": expected}


@pytest.mark.parametrize(("value", "expected"), SPECIAL_VALUES)
def test_dumps_serializes_special_types(app: Erlen, value: Any, expected: Any) -> None:
    assert stdlib_json.loads(erlen.json.dumps([value])) == [expected]
    with app.app_context():
        assert stdlib_json.loads(erlen.json.dumps([value])) == [expected]


def test_view_returning_special_types(app: Erlen) -> None:
    @app.route("/")
    def index() -> Any:
        return {"when": WHEN, "amount": decimal.Decimal("1.10"), "point": Point(3, 4)}

    assert app.test_client().get("/").json == {
        "when": WHEN_HTTP,
        "amount": "1.10",
        "point": {"x": 3, "y": 4, "tags": []},
    }


def test_dataclass_nested_in_a_list_and_dict(app: Erlen) -> None:
    with app.app_context():
        response = jsonify(points=[Point(1, 2)], by_name={"p": Point(5, 6, ["t"])})
    assert response.get_json() == {
        "points": [{"x": 1, "y": 2, "tags": []}],
        "by_name": {"p": {"x": 5, "y": 6, "tags": ["t"]}},
    }


def test_unknown_object_raises_type_error(app: Erlen) -> None:
    with pytest.raises(TypeError):
        erlen.json.dumps(Unknown())
    with app.app_context():
        with pytest.raises(TypeError):
            jsonify(Unknown())
        with pytest.raises(TypeError):
            jsonify(a=[1, {"b": Unknown()}])
        with pytest.raises(TypeError):
            erlen.json.dumps({"a": Unknown()})
        with pytest.raises(TypeError):
            erlen.json.dumps({1, 2})


def test_view_returning_unknown_object_is_a_type_error(app: Erlen) -> None:
    @app.route("/")
    def index() -> Any:
        return {"thing": Unknown()}

    with pytest.raises(TypeError):
        app.test_client().get("/")


def circular_list() -> list[Any]:
    items: list[Any] = [1]
    items.append(items)
    return items


def circular_dict() -> dict[str, Any]:
    data: dict[str, Any] = {"a": 1}
    data["self"] = {"parent": data}
    return data


@pytest.mark.parametrize("make", [circular_list, circular_dict], ids=["list", "dict"])
def test_circular_structure_raises_value_error(app: Erlen, make: Any) -> None:
    with pytest.raises(ValueError, match=r"(?i)circular"):
        erlen.json.dumps(make())
    with app.app_context():
        with pytest.raises(ValueError, match=r"(?i)circular"):
            jsonify(make())
        with pytest.raises(ValueError, match=r"(?i)circular"):
            jsonify(value=make())
        with pytest.raises(ValueError, match=r"(?i)circular"):
            erlen.json.dumps(make())
        app.json.compact = False  # type: ignore[attr-defined]
        with pytest.raises(ValueError, match=r"(?i)circular"):
            jsonify(make())
        app.json.compact = None  # type: ignore[attr-defined]


def test_view_returning_circular_structure_is_a_value_error(app: Erlen) -> None:
    @app.route("/")
    def index() -> Any:
        return circular_dict()

    with pytest.raises(ValueError, match=r"(?i)circular"):
        app.test_client().get("/")


def test_jsonify_still_works_after_a_circular_error(app: Erlen) -> None:
    with app.app_context():
        with pytest.raises(ValueError):
            jsonify(circular_list())
        assert body(jsonify(a=[1, [2, [3]]])) == '{"a":[1,[2,[3]]]}\n'


def test_deep_but_finite_nesting_is_serialized(app: Erlen) -> None:
    value: Any = "leaf"
    for _ in range(100):
        value = [value]
    with app.app_context():
        assert body(jsonify(value)) == "[" * 100 + '"leaf"' + "]" * 100 + "\n"


# --- custom providers ---------------------------------------------------------------------------


class StdlibLooseProvider(DefaultJSONProvider):
    """Stdlib-based, with other settings and an extra type."""

    sort_keys = False
    ensure_ascii = False
    compact = False
    mimetype = "application/vnd.loose+json"

    @staticmethod
    def default(o: Any) -> Any:
        if isinstance(o, (set, frozenset)):
            return sorted(o)
        return DefaultJSONProvider.default(o)


class LooseApp(Erlen):
    json_provider_class = StdlibLooseProvider


def test_provider_class_with_other_settings_is_used_for_views() -> None:
    app = LooseApp(__name__)
    assert isinstance(app.json, StdlibLooseProvider)

    @app.route("/")
    def index() -> Any:
        return {"z": {3, 1, 2}, "a": "é", "when": WHEN}

    response = app.test_client().get("/")
    assert response.mimetype == "application/vnd.loose+json"
    assert body(response) == (
        f'{{\n  "z": [\n    1,\n    2,\n    3\n  ],\n  "a": "é",\n  "when": "{WHEN_HTTP}"\n}}\n'
    )
    with app.app_context():
        assert erlen.json.dumps({"b": {1}, "a": "é"}) == '{"b": [1], "a": "é"}'


def test_provider_default_override_without_other_changes(app: Erlen) -> None:
    class SetProvider(DefaultJSONProvider):
        @staticmethod
        def default(o: Any) -> Any:
            if isinstance(o, set):
                return sorted(o)
            return DefaultJSONProvider.default(o)

    app.json = SetProvider(app)
    with app.app_context():
        assert body(jsonify(s={2, 1})) == '{"s":[1,2]}\n'
        assert body(jsonify(d=decimal.Decimal("2.5"))) == '{"d":"2.5"}\n'


def test_default_function_set_on_the_provider_instance(app: Erlen) -> None:
    with app.app_context():
        with pytest.raises(TypeError):
            jsonify(Unknown())
        app.json.default = lambda o: f"<{type(o).__name__}>"  # type: ignore[attr-defined]
        assert body(jsonify(a=Unknown())) == '{"a":"<Unknown>"}\n'
        assert erlen.json.dumps([Unknown()]) == '["<Unknown>"]'


def test_provider_overriding_dumps_is_used_for_responses(app: Erlen) -> None:
    class Marked(DefaultJSONProvider):
        def dumps(self, obj: Any, **kwargs: Any) -> str:
            return super().dumps({"wrapped": obj}, **kwargs)

    app.json = Marked(app)

    @app.route("/")
    def index() -> Any:
        return {"a": 1}

    assert app.test_client().get("/").json == {"wrapped": {"a": 1}}


def test_minimal_json_provider_subclass(app: Erlen) -> None:
    class Minimal(JSONProvider):
        def dumps(self, obj: Any, **kwargs: Any) -> str:
            return stdlib_json.dumps(obj, separators=(",", ":"))

        def loads(self, s: str | bytes, **kwargs: Any) -> Any:
            return stdlib_json.loads(s)

    app.json = Minimal(app)

    @app.route("/", methods=["POST"])
    def index() -> Any:
        return {"got": request.get_json()}

    response = app.test_client().post("/", json={"n": 1})
    assert response.mimetype == "application/json"
    assert body(response) == '{"got":{"n":1}}'
    with app.app_context():
        assert body(jsonify(1, 2)) == "[1,2]"
        assert body(jsonify()) == "null"
        stream = io.StringIO()
        erlen.json.dump([1], stream)
        assert stream.getvalue() == "[1]"
        assert erlen.json.load(io.StringIO("[2]")) == [2]


def _orjson() -> Any:
    return pytest.importorskip("orjson")


def make_orjson_provider() -> type[JSONProvider]:
    lib = _orjson()

    class OrjsonProvider(JSONProvider):
        """JSON through orjson: its own datetime format, sorted keys."""

        loads_calls = 0

        @staticmethod
        def _default(o: Any) -> Any:
            if isinstance(o, decimal.Decimal):
                return str(o)
            if hasattr(o, "__html__"):
                return str(o.__html__())
            raise TypeError(f"cannot serialize {type(o).__name__}")

        def dumps(self, obj: Any, **kwargs: Any) -> str:
            option = lib.OPT_SORT_KEYS | lib.OPT_NON_STR_KEYS
            if kwargs.get("indent"):
                option |= lib.OPT_INDENT_2
            return str(lib.dumps(obj, default=self._default, option=option).decode())

        def loads(self, s: str | bytes, **kwargs: Any) -> Any:
            type(self).loads_calls += 1
            return lib.loads(s)

    return OrjsonProvider


def test_orjson_provider_is_used_by_views_jsonify_and_dumps() -> None:
    provider_class = make_orjson_provider()

    class OrjsonApp(Erlen):
        json_provider_class = provider_class

    app = OrjsonApp(__name__)
    assert isinstance(app.json, provider_class)

    @app.route("/dict")
    def as_dict() -> Any:
        return {"when": WHEN, "id": ID, "b": Point(1, 2), "a": decimal.Decimal("1.5")}

    @app.route("/echo", methods=["POST"])
    def echo() -> Any:
        data = request.get_json()
        return jsonify(data=data, calls=provider_class.loads_calls)  # type: ignore[attr-defined]

    client = app.test_client()
    response = client.get("/dict")
    assert response.mimetype == "application/json"
    assert body(response) == (
        '{"a":"1.5","b":{"x":1,"y":2,"tags":[]},'
        f'"id":"{ID}","when":"2024-01-02T03:04:05+00:00"}}'
    )

    response = client.post("/echo", json={"k": [1, 2]})
    # request.get_json() parsed the body with the provider's loads.
    assert response.json == {"data": {"k": [1, 2]}, "calls": 1}

    with app.app_context():
        assert erlen.json.dumps({"b": 1, "a": WHEN}) == ('{"a":"2024-01-02T03:04:05+00:00","b":1}')
        assert erlen.json.loads(b'{"x": 1}') == {"x": 1}
        with pytest.raises(TypeError):
            jsonify(Unknown())


def test_orjson_provider_assigned_to_app_json(app: Erlen) -> None:
    provider_class = make_orjson_provider()
    app.json = provider_class(app)

    @app.route("/")
    def index() -> Any:
        return [WHEN]

    assert body(app.test_client().get("/")) == '["2024-01-02T03:04:05+00:00"]'


# --- JSON requests -------------------------------------------------------------------------------


@pytest.fixture
def echo_app(app: Erlen) -> Erlen:
    """``/echo`` answers with what the request's JSON methods return."""

    @app.route("/echo", methods=["GET", "POST"])
    def echo() -> Any:
        args = request.args
        kwargs = {
            name: args.get(name) == "1" for name in ("force", "silent", "cache") if name in args
        }
        data = request.get_json(**kwargs)
        return {"is_json": request.is_json, "data": data}

    @app.route("/property", methods=["POST"])
    def property_view() -> Any:
        return {"json": request.json}

    return app


def test_valid_json_request(echo_app: Erlen) -> None:
    client = echo_app.test_client()
    response = client.post("/echo", data='{"a": [1, "é"]}', content_type="application/json")
    assert response.status_code == 200
    assert response.json == {"is_json": True, "data": {"a": [1, "é"]}}
    response = client.post("/property", data="[1, 2]", content_type="application/json")
    assert response.json == {"json": [1, 2]}


def test_test_client_json_argument(echo_app: Erlen) -> None:
    app = echo_app
    seen: list[Any] = []

    @app.route("/headers", methods=["POST"])
    def headers() -> str:
        seen.append((request.mimetype, request.get_data(as_text=True)))
        return ""

    client = app.test_client()
    response = client.post("/echo", json={"name": "é", "n": None})
    assert response.json == {"is_json": True, "data": {"name": "é", "n": None}}
    client.post("/headers", json=[1, 2])
    assert seen[0][0] == "application/json"
    assert stdlib_json.loads(seen[0][1]) == [1, 2]


@pytest.mark.parametrize(
    "content_type",
    ["application/json", "application/json; charset=utf-8", "application/vnd.api+json"],
)
def test_json_content_types_count_as_json(echo_app: Erlen, content_type: str) -> None:
    response = echo_app.test_client().post("/echo", data="{}", content_type=content_type)
    assert response.json == {"is_json": True, "data": {}}


def test_invalid_json_is_a_400(echo_app: Erlen) -> None:
    client = echo_app.test_client()
    response = client.post("/echo", data="{not json", content_type="application/json")
    assert response.status_code == 400
    response = client.post("/property", data="{not json", content_type="application/json")
    assert response.status_code == 400


def test_empty_body_with_json_content_type_is_a_400(echo_app: Erlen) -> None:
    response = echo_app.test_client().post("/echo", data="", content_type="application/json")
    assert response.status_code == 400


def test_invalid_json_400_message_in_debug_says_body_is_not_valid_json(
    echo_app: Erlen,
) -> None:
    echo_app.debug = True
    response = echo_app.test_client().post(
        "/echo", data="{not json", content_type="application/json"
    )
    assert response.status_code == 400
    text = body(response)
    assert "JSON" in text
    # The decoder's own explanation is part of the message.
    assert "Expecting property name" in text


def test_invalid_json_raises_bad_request_inside_the_view(app: Erlen) -> None:
    from werkzeug.exceptions import BadRequest

    caught: list[BaseException] = []

    @app.route("/", methods=["POST"])
    def index() -> str:
        try:
            request.get_json()
        except BadRequest as e:
            caught.append(e)
            return "caught"
        return "no error"

    response = app.test_client().post("/", data="[1,", content_type="application/json")
    assert response.text == "caught"
    assert caught[0].code == 400


def test_invalid_json_with_silent_is_none(echo_app: Erlen) -> None:
    response = echo_app.test_client().post(
        "/echo?silent=1", data="{not json", content_type="application/json"
    )
    assert response.status_code == 200
    assert response.json == {"is_json": True, "data": None}


def test_invalid_json_with_force_is_still_a_400(echo_app: Erlen) -> None:
    response = echo_app.test_client().post(
        "/echo?force=1", data="{not json", content_type="text/plain"
    )
    assert response.status_code == 400


def test_non_json_content_type_is_a_415(echo_app: Erlen) -> None:
    client = echo_app.test_client()
    response = client.post("/echo", data='{"a": 1}', content_type="text/plain")
    assert response.status_code == 415
    response = client.post("/property", data='{"a": 1}', content_type="text/plain")
    assert response.status_code == 415
    response = client.post("/echo", data={"a": "1"})
    assert response.status_code == 415


def test_request_without_body_or_content_type_is_a_415(echo_app: Erlen) -> None:
    assert echo_app.test_client().get("/echo").status_code == 415


def test_non_json_content_type_with_force_is_parsed(echo_app: Erlen) -> None:
    response = echo_app.test_client().post(
        "/echo?force=1", data='{"a": 1}', content_type="text/plain"
    )
    assert response.status_code == 200
    assert response.json == {"is_json": False, "data": {"a": 1}}


def test_non_json_content_type_with_silent_is_none(echo_app: Erlen) -> None:
    client = echo_app.test_client()
    response = client.post("/echo?silent=1", data='{"a": 1}', content_type="text/plain")
    assert response.status_code == 200
    assert response.json == {"is_json": False, "data": None}
    response = client.get("/echo?silent=1")
    assert response.json == {"is_json": False, "data": None}


def test_get_json_cache(app: Erlen) -> None:
    results: dict[str, bool] = {}

    @app.route("/", methods=["POST"])
    def index() -> str:
        first = request.get_json()
        results["cached_same_object"] = request.get_json() is first
        results["property_same_object"] = request.json is first
        results["uncached_equal"] = request.get_json(cache=False) == first
        fresh_a = request.get_json(cache=False)
        fresh_b = request.get_json(cache=False)
        results["uncached_distinct"] = fresh_a is not fresh_b
        return ""

    app.test_client().post("/", json={"a": [1]})
    assert results == {
        "cached_same_object": True,
        "property_same_object": True,
        "uncached_equal": True,
        "uncached_distinct": True,
    }


def test_get_json_then_get_data_still_has_the_body(app: Erlen) -> None:
    @app.route("/", methods=["POST"])
    def index() -> Any:
        return {"json": request.get_json(), "raw": request.get_data(as_text=True)}

    response = app.test_client().post("/", data='{"a":1}', content_type="application/json")
    assert response.json == {"json": {"a": 1}, "raw": '{"a":1}'}


def test_json_with_utf8_bytes(app: Erlen) -> None:
    @app.route("/", methods=["POST"])
    def index() -> Any:
        return jsonify(request.get_json())

    app.json.ensure_ascii = False  # type: ignore[attr-defined]
    response = app.test_client().post(
        "/", data='{"name": "ünï☃"}'.encode(), content_type="application/json"
    )
    assert response.json == {"name": "ünï☃"}
    assert response.get_data() == '{"name":"ünï☃"}\n'.encode()


# --- JSON responses in the test client ----------------------------------------------------------


def test_response_json_property(app: Erlen) -> None:
    @app.route("/json")
    def as_json() -> Any:
        return {"a": 1}

    @app.route("/text")
    def as_text() -> str:
        return '{"a": 1}'

    client = app.test_client()
    assert client.get("/json").json == {"a": 1}
    assert client.get("/json").is_json
    text_response = client.get("/text")
    assert not text_response.is_json
    assert text_response.json is None
    assert text_response.get_json(force=True) == {"a": 1}


# --- tagged JSON serializer ---------------------------------------------------------------------


TAGGED_VALUES = [
    pytest.param({" t": "looks tagged"}, id="TagDict"),
    pytest.param({" di": {" t": [1]}}, id="TagDict-nested"),
    pytest.param({"a": 1, "b": {"c": [2]}}, id="PassDict"),
    pytest.param((1, "two", (3,), [4]), id="TagTuple"),
    pytest.param([1, (2, 3), {"x": b"y"}], id="PassList"),
    pytest.param(b"\x00\x01\xff bytes", id="TagBytes"),
    pytest.param(Markup("<b>bold</b>"), id="TagMarkup"),
    pytest.param(ID, id="TagUUID"),
    pytest.param(WHEN, id="TagDateTime"),
]


@pytest.mark.parametrize("value", TAGGED_VALUES)
def test_tagged_serializer_round_trip(value: Any) -> None:
    serializer = TaggedJSONSerializer()
    result = serializer.loads(serializer.dumps(value))
    assert result == value
    assert type(result) is type(value)


@pytest.mark.parametrize("value", TAGGED_VALUES)
def test_tagged_serializer_round_trip_nested_in_a_dict(value: Any) -> None:
    serializer = TaggedJSONSerializer()
    result = serializer.loads(serializer.dumps({"value": value, "list": [value]}))
    assert result == {"value": value, "list": [value]}
    assert type(result["value"]) is type(value)
    assert type(result["list"][0]) is type(value)


def test_tagged_serializer_plain_values_pass_through() -> None:
    serializer = TaggedJSONSerializer()
    for value in ("text", 1, 2.5, None, True, [], {}):
        assert serializer.loads(serializer.dumps(value)) == value


def test_tagged_forms() -> None:
    serializer = TaggedJSONSerializer()
    assert serializer.dumps((1, 2)) == '{" t":[1,2]}'
    assert serializer.dumps(b"hi") == '{" b":"aGk="}'
    assert serializer.dumps(Markup("<b>")) == '{" m":"<b>"}'
    assert serializer.dumps(ID) == f'{{" u":"{ID.hex}"}}'
    assert serializer.dumps(WHEN) == f'{{" d":"{WHEN_HTTP}"}}'
    assert serializer.dumps({" t": 1}) == '{" di":{" t__":1}}'
    assert serializer.dumps({"a": [(1,)]}) == '{"a":[{" t":[1]}]}'


def test_tag_and_untag_methods() -> None:
    serializer = TaggedJSONSerializer()
    assert serializer.tag((1, 2)) == {" t": [1, 2]}
    assert serializer.tag({"a": (1,)}) == {"a": {" t": [1]}}
    assert serializer.untag({" t": [1, 2]}) == (1, 2)
    assert serializer.untag({"plain": 1}) == {"plain": 1}
    assert serializer.untag({"a": 1, "b": 2}) == {"a": 1, "b": 2}


def test_naive_datetime_comes_back_as_utc() -> None:
    serializer = TaggedJSONSerializer()
    result = serializer.loads(serializer.dumps(datetime(2024, 1, 2, 3, 4, 5)))
    assert result == WHEN
    assert result.tzinfo is not None


def test_object_with_html_comes_back_as_markup() -> None:
    serializer = TaggedJSONSerializer()
    result = serializer.loads(serializer.dumps(Html()))
    assert result == Markup("<b>html</b>")
    assert isinstance(result, Markup)


def test_tagged_output_matches_flask() -> None:
    from flask.json.tag import TaggedJSONSerializer as FlaskSerializer

    value = {
        "tuple": (1, (2,)),
        "bytes": b"\xff",
        "markup": Markup("<i>"),
        "uuid": ID,
        "when": WHEN,
        "tagged": {" u": "x"},
        "list": [b"a", {" m": 1}],
    }
    ours = TaggedJSONSerializer().dumps(value)
    assert ours == FlaskSerializer().dumps(value)
    assert FlaskSerializer().loads(ours) == value
    assert TaggedJSONSerializer().loads(FlaskSerializer().dumps(value)) == value


class TagSet(JSONTag):
    __slots__ = ()
    key = " s"

    def check(self, value: Any) -> bool:
        return isinstance(value, set)

    def to_json(self, value: Any) -> Any:
        return [self.serializer.tag(item) for item in sorted(value)]

    def to_python(self, value: Any) -> Any:
        return set(value)


Pair = namedtuple("Pair", ["left", "right"])


class TagPair(JSONTag):
    __slots__ = ()
    key = " pair"

    def check(self, value: Any) -> bool:
        return isinstance(value, Pair)

    def to_json(self, value: Any) -> Any:
        return [self.serializer.tag(value.left), self.serializer.tag(value.right)]

    def to_python(self, value: Any) -> Any:
        return Pair(*value)


def test_registered_tag_round_trips() -> None:
    serializer = TaggedJSONSerializer()
    serializer.register(TagSet)
    dumped = serializer.dumps({"s": {3, 1, 2}})
    assert dumped == '{"s":{" s":[1,2,3]}}'
    assert serializer.loads(dumped) == {"s": {1, 2, 3}}
    # A dict whose only key is the new tag's key is escaped.
    assert serializer.loads(serializer.dumps({" s": [1]})) == {" s": [1]}


def test_registering_does_not_affect_other_serializers() -> None:
    serializer = TaggedJSONSerializer()
    serializer.register(TagSet)
    other = TaggedJSONSerializer()
    assert " s" not in other.tags
    with pytest.raises(TypeError):
        other.dumps({1, 2})


def test_registering_a_duplicate_key_raises_key_error() -> None:
    class OtherTuple(JSONTag):
        __slots__ = ()
        key = " t"

        def check(self, value: Any) -> bool:
            return isinstance(value, tuple)

        def to_json(self, value: Any) -> Any:
            return list(value)

        def to_python(self, value: Any) -> Any:
            return ("other", *value)

    serializer = TaggedJSONSerializer()
    with pytest.raises(KeyError):
        serializer.register(OtherTuple)
    assert serializer.loads('{" t":[1]}') == (1,)

    serializer.register(OtherTuple, force=True)
    assert serializer.loads('{" t":[1]}') == ("other", 1)


def test_register_index_zero_takes_priority() -> None:
    # Registered last, the tuple tag claims the named tuple first.
    last = TaggedJSONSerializer()
    last.register(TagPair)
    result = last.loads(last.dumps(Pair(1, 2)))
    assert result == (1, 2)
    assert type(result) is tuple

    first = TaggedJSONSerializer()
    first.register(TagPair, index=0)
    assert first.dumps(Pair(1, (2,))) == '{" pair":[1,{" t":[2]}]}'
    result = first.loads(first.dumps(Pair(1, (2,))))
    assert result == Pair(1, (2,))
    assert type(result) is Pair


def test_register_with_index_in_the_middle() -> None:
    serializer = TaggedJSONSerializer()
    position = next(i for i, tag in enumerate(serializer.order) if tag.key == " t")
    serializer.register(TagPair, index=position)
    assert serializer.order[position].key == " pair"
    assert type(serializer.loads(serializer.dumps([Pair(1, 2)]))[0]) is Pair


def test_json_tag_default_tag_method() -> None:
    serializer = TaggedJSONSerializer()
    tag = TagSet(serializer)
    assert tag.serializer is serializer
    assert tag.tag({2, 1}) == {" s": [1, 2]}


# --- modules loaded on demand -------------------------------------------------------------------


def test_decimal_is_not_imported_until_used_and_then_serializes_as_before() -> None:
    # decimal is looked up, not imported, by the default hook: a Decimal exists only
    # once its module is imported.
    code = """
        import sys
        from erlen import Erlen, jsonify

        app = Erlen("fresh_app")

        @app.route("/")
        def index():
            return {"n": 1}

        client = app.test_client()
        assert client.get("/").get_json() == {"n": 1}
        print("decimal" in sys.modules)

        import dataclasses, decimal, uuid
        from erlen import json
        from erlen.json.tag import TaggedJSONSerializer

        @dataclasses.dataclass
        class P:
            x: int

        value = {"d": decimal.Decimal("1.10"), "u": uuid.UUID(int=1), "p": P(2)}
        print(json.dumps(value, separators=(",", ":"), sort_keys=True))
        with app.app_context():
            print(jsonify(value).get_data(as_text=True).strip())
        tagged = TaggedJSONSerializer()
        print(tagged.dumps(uuid.UUID(int=1)))
        print(tagged.loads(tagged.dumps([uuid.UUID(int=1)])) == [uuid.UUID(int=1)])
    """
    out = subprocess.run(
        [sys.executable, "-c", textwrap.dedent(code)],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert out.returncode == 0, out.stderr
    expected = '{"d":"1.10","p":{"x":2},"u":"00000000-0000-0000-0000-000000000001"}'
    assert out.stdout.split("\n")[:-1] == [
        "False",
        expected,
        expected,
        '{" u":"00000000000000000000000000000001"}',
        "True",
    ]


def test_default_hook_without_decimal_loaded(monkeypatch: pytest.MonkeyPatch) -> None:
    # With decimal out of sys.modules the hook neither imports it nor fails.
    monkeypatch.delitem(sys.modules, "decimal")
    with pytest.raises(TypeError, match="not JSON serializable"):
        DefaultJSONProvider.default(object())
    assert DefaultJSONProvider.default(Html()) == "<b>html</b>"
    assert DefaultJSONProvider.default(WHEN) == "Tue, 02 Jan 2024 03:04:05 GMT"
    serializer = TaggedJSONSerializer()
    assert serializer.dumps(("a", b"b")) == '{" t":["a",{" b":"Yg=="}]}'
    assert "decimal" not in sys.modules


def test_uuid_tag_reads_back_a_uuid() -> None:
    serializer = TaggedJSONSerializer()
    assert serializer.loads(f'{{" u":"{ID.hex}"}}') == ID
    assert type(serializer.loads(f'{{" u":"{ID.hex}"}}')) is uuid.UUID
    assert serializer.dumps(ID) == f'{{" u":"{ID.hex}"}}'


class TagShout(JSONTag):
    """A custom tag that claims plain strings: they must reach it."""

    __slots__ = ()
    key = " shout"

    def check(self, value: Any) -> bool:
        return isinstance(value, str) and value.endswith("!")

    def to_json(self, value: Any) -> Any:
        return value.upper()

    def to_python(self, value: Any) -> Any:
        return value.lower()


def test_a_registered_tag_for_plain_strings_is_used() -> None:
    serializer = TaggedJSONSerializer()
    with Erlen(__name__).app_context():
        assert serializer.dumps({"a": "hi!", "n": 1}) == '{"a":"hi!","n":1}'
        serializer.register(TagShout, index=0)
        assert serializer.dumps({"a": "hi!", "n": 1}) == '{"a":{" shout":"HI!"},"n":1}'
        assert serializer.loads(serializer.dumps({"a": "hi!"})) == {"a": "hi!"}


def test_a_tag_put_into_the_order_list_directly_is_used_too() -> None:
    serializer = TaggedJSONSerializer()
    with Erlen(__name__).app_context():
        serializer.order.insert(0, TagShout(serializer))
        serializer.tags[TagShout.key] = serializer.order[0]
        assert serializer.dumps(["hi!"]) == '[{" shout":"HI!"}]'
