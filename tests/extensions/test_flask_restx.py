"""Flask-RESTX on erlen, used as its documentation shows.

Flask-RESTX registers ``Resource`` (a ``MethodView``) views, wraps the app's
``handle_exception`` and ``handle_user_exception`` on the instance to answer errors
of its own endpoints as JSON, sends ``got_request_exception``, patches a
``BlueprintSetupState``'s ``add_url_rule`` when it lives on a blueprint, and reads
``app.url_map`` to document the API and suggest URLs on a 404.
"""

from __future__ import annotations

import erlen  # first: from here on, `flask` is erlen

# isort: split
import io
import typing as t

import pytest
from flask import Blueprint, got_request_exception, make_response, request
from flask.testing import FlaskClient
from flask_restx import Api, Namespace, Resource, abort, fields, inputs, marshal, reqparse
from werkzeug.exceptions import BadRequest, Conflict


class JSONClient(FlaskClient):
    """A client whose helpers check the answer is JSON (as API test suites write)."""

    def get_json(self, url: str, status: int = 200, **kwargs: t.Any) -> t.Any:
        response = self.get(url, **kwargs)
        assert response.status_code == status, response.data
        assert response.content_type == "application/json"
        return response.json


class TodoError(Exception):
    pass


def create_app(**config: object) -> tuple[erlen.Erlen, Api]:
    app = erlen.Erlen(__name__)
    app.config.update(config)
    app.test_client_class = JSONClient
    blueprint = Blueprint("api", __name__, url_prefix="/api")
    api = Api(blueprint, version="1.0", title="Todo API", description="Todos", doc="/doc/")
    ns = Namespace("todos", description="Todo operations")
    api.add_namespace(ns)

    todo = ns.model(
        "Todo",
        {
            "id": fields.Integer(readonly=True),
            "task": fields.String(required=True, min_length=1),
            "done": fields.Boolean(default=False),
            "uri": fields.Url("api.todos_todo", absolute=True),
        },
    )
    todos: dict[int, dict[str, t.Any]] = {}
    listing = reqparse.RequestParser()
    listing.add_argument("done", type=inputs.boolean, location="args")
    listing.add_argument("limit", type=inputs.int_range(1, 10), default=10, location="args")

    @ns.route("/")
    class TodoList(Resource):
        @ns.expect(listing)
        @ns.marshal_list_with(todo)
        def get(self) -> list[dict[str, t.Any]]:
            args = listing.parse_args()
            found = [
                item
                for item in todos.values()
                if args["done"] is None or item["done"] == args["done"]
            ]
            return found[: args["limit"]]

        @ns.expect(todo, validate=True)
        @ns.marshal_with(todo, code=201)
        def post(self) -> tuple[dict[str, t.Any], int, dict[str, str]]:
            item = {"id": len(todos) + 1, "done": False, **api.payload}
            todos[item["id"]] = item
            return item, 201, {"Location": api.url_for(Todo, id=item["id"])}

    @ns.route("/<int:id>")
    @ns.response(404, "Todo not found")
    class Todo(Resource):
        @ns.marshal_with(todo)
        def get(self, id: int) -> dict[str, t.Any]:
            if id not in todos:
                api.abort(404, f"Todo {id} doesn't exist")
            return todos[id]

        def delete(self, id: int) -> tuple[str, int]:
            todos.pop(id, None)
            return "", 204

    @ns.route("/broken")
    class Broken(Resource):
        def get(self) -> None:
            raise TodoError("the todo list is on fire")

        def post(self) -> None:
            raise ValueError("unhandled")

        def put(self) -> None:
            raise Conflict("already there")

    @ns.errorhandler(TodoError)
    def on_todo_error(error: TodoError) -> tuple[dict[str, str], int]:
        return {"message": str(error), "kind": "todo"}, 503

    app.register_blueprint(blueprint)

    @app.route("/plain")
    def plain() -> str:
        raise ValueError("plain view")

    @app.errorhandler(ValueError)
    def plain_value_error(error: ValueError) -> tuple[str, int]:
        return f"app handler: {error}", 500

    return app, api


def test_crud_through_a_namespace_on_a_blueprint() -> None:
    app, _ = create_app()
    client = t.cast(JSONClient, app.test_client())

    created = client.post("/api/todos/", json={"task": "write tests"})
    assert created.status_code == 201
    assert created.json == {
        "id": 1,
        "task": "write tests",
        "done": False,
        "uri": "http://localhost/api/todos/1",
    }
    assert created.headers["Location"] == "/api/todos/1"

    assert client.get_json("/api/todos/1")["task"] == "write tests"
    assert [item["id"] for item in client.get_json("/api/todos/?done=false")] == [1]
    assert client.get_json("/api/todos/?done=true") == []

    assert client.delete("/api/todos/1").status_code == 204
    missing = client.get_json("/api/todos/1", status=404)
    assert missing["message"].startswith("Todo 1 doesn't exist.")


def test_payload_and_argument_validation_errors_are_400s() -> None:
    app, _ = create_app()
    client = t.cast(JSONClient, app.test_client())

    invalid = client.post("/api/todos/", json={"task": ""})
    assert invalid.status_code == 400
    assert invalid.json["message"] == "Input payload validation failed"
    assert "task" in invalid.json["errors"]

    out_of_range = client.get_json("/api/todos/?limit=50", status=400)
    assert "limit" in out_of_range["errors"]


def test_error_handlers_and_signals() -> None:
    app, _ = create_app()
    client = t.cast(JSONClient, app.test_client())
    sent: list[str] = []

    def record(sender: erlen.Erlen, exception: Exception, **extra: t.Any) -> None:
        sent.append(type(exception).__name__)

    with got_request_exception.connected_to(record, app):
        handled = client.get_json("/api/todos/broken", status=503)
        conflict = client.put("/api/todos/broken")
        unhandled = client.post("/api/todos/broken")
        plain = client.get("/plain")

    assert handled == {"message": "the todo list is on fire", "kind": "todo"}
    assert conflict.status_code == 409
    assert conflict.json == {"message": "already there"}
    assert unhandled.status_code == 500
    assert unhandled.json == {"message": "Internal Server Error"}
    # A view that is not the API's keeps the app's own handler.
    assert (plain.status_code, plain.data) == (500, b"app handler: plain view")
    # RESTX sends the signal for the errors it handles without a handler of its own.
    assert sent == ["Conflict", "ValueError"]


def test_unhandled_errors_propagate_when_testing() -> None:
    app, _ = create_app(TESTING=True)
    client = app.test_client()
    # RESTX re-raises; the app's own ValueError handler then answers.
    fallback = client.post("/api/todos/broken")
    assert (fallback.status_code, fallback.data) == (500, b"app handler: unhandled")
    # Without one, the error reaches the test.
    del app.error_handler_spec[None][None][ValueError]
    with pytest.raises(ValueError, match="unhandled"):
        client.post("/api/todos/broken")
    # A handler registered on the namespace still answers.
    assert client.get("/api/todos/broken").status_code == 503


def test_routing_errors_under_the_api_are_json() -> None:
    app, _ = create_app()
    client = app.test_client()

    not_allowed = client.patch("/api/todos/1")
    assert not_allowed.status_code == 405
    assert not_allowed.content_type == "application/json"
    assert set(not_allowed.headers["Allow"].split(", ")) == {"GET", "HEAD", "DELETE", "OPTIONS"}

    options = client.options("/api/todos/1")
    assert options.status_code == 200
    assert set(options.headers["Allow"].split(", ")) == {"GET", "HEAD", "DELETE", "OPTIONS"}

    # Outside the API's endpoints, the app answers its usual HTML 404.
    elsewhere = client.get("/nowhere")
    assert elsewhere.status_code == 404
    assert elsewhere.mimetype == "text/html"


def test_404_help_names_close_urls_and_can_be_turned_off() -> None:
    app = erlen.Erlen(__name__)
    api = Api(app, catch_all_404s=True)

    @api.route("/hello")
    class Hello(Resource):
        def get(self) -> dict[str, str]:
            return {"hello": "world"}

    client = app.test_client()
    helped = client.get("/helo")
    assert helped.status_code == 404
    assert helped.content_type == "application/json"
    assert "did you mean /hello ?" in helped.json["message"]

    app.config["RESTX_ERROR_404_HELP"] = False
    plain = client.get("/helo").json["message"]
    assert plain.startswith("The requested URL was not found on the server.")
    assert "did you mean" not in plain


def test_swagger_document_and_ui() -> None:
    app, _ = create_app()
    client = t.cast(JSONClient, app.test_client())

    spec = client.get_json("/api/swagger.json")
    assert spec["info"]["title"] == "Todo API"
    assert spec["basePath"] == "/api"
    assert set(spec["paths"]) == {"/todos/", "/todos/{id}", "/todos/broken"}
    assert spec["paths"]["/todos/{id}"]["parameters"][0]["type"] == "integer"
    assert "Todo" in spec["definitions"]

    ui = client.get("/api/doc/")
    assert ui.status_code == 200
    assert ui.mimetype == "text/html"
    assert b"/api/swagger.json" in ui.data
    assert client.get("/swaggerui/swagger-ui.css").status_code == 200


def test_field_masks_and_custom_representations() -> None:
    app = erlen.Erlen(__name__)
    api = Api(app)
    item = api.model(
        "Item", {"name": fields.String, "price": fields.Float, "tags": fields.List(fields.String)}
    )

    @api.representation("text/csv")
    def as_csv(data: t.Any, code: int, headers: dict[str, str] | None) -> t.Any:
        response = make_response(",".join(str(value) for value in data.values()), code)
        response.headers.extend(headers or {})
        return response

    @api.route("/item")
    class ItemResource(Resource):
        @api.marshal_with(item, mask="name,price")
        def get(self) -> dict[str, t.Any]:
            return {"name": "pen", "price": 1.5, "tags": ["office"]}

    client = app.test_client()
    assert client.get("/item").json == {"name": "pen", "price": 1.5}
    assert client.get("/item", headers={"X-Fields": "name"}).json == {"name": "pen"}
    csv = client.get("/item", headers={"Accept": "text/csv"})
    assert (csv.mimetype, csv.data) == ("text/csv", b"pen,1.5")


def test_request_parser_reads_every_location() -> None:
    app = erlen.Erlen(__name__)
    parser = reqparse.RequestParser(bundle_errors=True)
    parser.add_argument("page", type=int, location="args", required=True)
    parser.add_argument("tag", action="append", location="args")
    parser.add_argument("X-Token", location="headers", dest="token")
    parser.add_argument("theme", location="cookies")
    parser.add_argument("name", location="form")
    parser.add_argument("upload", type=lambda f: f.filename, location="files")

    with app.test_request_context(
        "/?page=2&tag=a&tag=b",
        method="POST",
        headers={"X-Token": "t0k", "Cookie": "theme=dark"},
        data={"name": "n", "upload": (io.BytesIO(b"data"), "notes.txt")},
    ):
        assert parser.parse_args() == {
            "page": 2,
            "tag": ["a", "b"],
            "token": "t0k",
            "theme": "dark",
            "name": "n",
            "upload": "notes.txt",
        }

    json_parser = reqparse.RequestParser()
    json_parser.add_argument("count", type=int, location="json", required=True)
    with app.test_request_context("/", method="POST", json={"count": "3"}):
        assert json_parser.parse_args() == {"count": 3}
    with (
        app.test_request_context("/", method="POST", json={}),
        pytest.raises(BadRequest) as info,
    ):
        json_parser.parse_args()
    assert info.value.data["errors"] == {"count": "Missing required parameter in the JSON body"}


def test_marshal_and_url_fields_need_the_request_context() -> None:
    app = erlen.Erlen(__name__)
    app.config["SERVER_NAME"] = "api.example.com"
    api = Api(app)

    @api.route("/things/<int:thing_id>", endpoint="thing")
    class Thing(Resource):
        def get(self, thing_id: int) -> dict[str, int]:
            return {"id": thing_id}

    model = {
        "id": fields.Integer,
        "link": fields.Url("thing"),
        "abs": fields.Url("thing", absolute=True),
    }
    with app.test_request_context("/", base_url="http://api.example.com"):
        assert marshal({"thing_id": 7, "id": 7}, model) == {
            "id": 7,
            "link": "/things/7",
            "abs": "http://api.example.com/things/7",
        }
        assert api.url_for(Thing, thing_id=3, _external=True) == "http://api.example.com/things/3"
    answer = app.test_client().get("/things/5", base_url="http://api.example.com")
    assert answer.json == {"id": 5}


def test_abort_with_extra_data_and_unauthorized_realm() -> None:
    app = erlen.Erlen(__name__)
    app.config["HTTP_BASIC_AUTH_REALM"] = "todos"
    api = Api(app, serve_challenge_on_401=True)

    @api.route("/secret")
    class Secret(Resource):
        def get(self) -> None:
            abort(401, "who are you?", hint="send a token")

    @api.route("/headers")
    class Headers(Resource):
        def get(self) -> tuple[dict[str, str], int, dict[str, str]]:
            return {"path": request.path}, 202, {"X-Handled": "yes"}

    client = app.test_client()
    secret = client.get("/secret")
    assert secret.status_code == 401
    assert secret.json == {"message": "who are you?", "hint": "send a token"}
    assert secret.headers["WWW-Authenticate"] == 'Basic realm="todos"'

    answer = client.get("/headers")
    assert (answer.status_code, answer.headers["X-Handled"]) == (202, "yes")
    assert answer.json == {"path": "/headers"}
