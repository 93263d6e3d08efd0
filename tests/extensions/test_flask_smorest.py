"""flask-smorest on erlen, used as its documentation shows.

flask-smorest builds on ``MethodView``, a ``Blueprint`` subclass, ``app.url_map`` (to
document rules and converters), error handlers for ``HTTPException``, the app's JSON
provider, and ``app.cli`` (its ``openapi`` command group, made at import time with
``flask.cli.AppGroup`` after a plain ``import flask``).
"""

from __future__ import annotations

import erlen  # first: from here on, `flask` is erlen

# isort: split
import json

import marshmallow as ma
import pytest
from flask import Response, request
from flask.views import MethodView
from flask_smorest import Api, Blueprint, Page, abort
from werkzeug.routing import BaseConverter


class PetSchema(ma.Schema):
    id = ma.fields.Int(dump_only=True)
    name = ma.fields.Str(required=True)
    species = ma.fields.Str(load_default="cat")


class PetQuerySchema(ma.Schema):
    species = ma.fields.Str()


class ColorConverter(BaseConverter):
    regex = "(?:red|green|blue)"


def create_app() -> tuple[erlen.Erlen, Api, dict[int, dict[str, object]]]:
    app = erlen.Erlen(__name__)
    app.config.update(
        API_TITLE="Pet store",
        API_VERSION="1.0",
        OPENAPI_VERSION="3.0.2",
        OPENAPI_URL_PREFIX="/doc",
        OPENAPI_JSON_PATH="openapi.json",
        OPENAPI_REDOC_PATH="/redoc",
        OPENAPI_REDOC_URL="https://cdn.example.com/redoc.js",
        OPENAPI_SWAGGER_UI_PATH="/swagger",
        OPENAPI_SWAGGER_UI_URL="https://cdn.example.com/swagger/",
    )
    app.url_map.converters["color"] = ColorConverter
    api = Api(app)
    api.register_converter(
        ColorConverter, lambda converter: {"type": "string", "enum": ["red", "green", "blue"]}
    )
    pets: dict[int, dict[str, object]] = {}

    blp = Blueprint("pets", __name__, url_prefix="/pets", description="Operations on pets")

    @blp.route("/")
    class Pets(MethodView):
        @blp.arguments(PetQuerySchema, location="query")
        @blp.response(200, PetSchema(many=True))
        @blp.paginate(Page)
        def get(self, args: dict[str, str]) -> list[dict[str, object]]:
            """List pets"""
            return [
                pet
                for pet in pets.values()
                if "species" not in args or pet["species"] == args["species"]
            ]

        @blp.arguments(PetSchema)
        @blp.response(201, PetSchema)
        def post(self, new_pet: dict[str, object]) -> dict[str, object]:
            """Add a pet"""
            new_pet["id"] = len(pets) + 1
            pets[new_pet["id"]] = new_pet  # type: ignore[index]
            return new_pet

    @blp.route("/<int:pet_id>")
    class PetById(MethodView):
        @blp.etag
        @blp.response(200, PetSchema)
        def get(self, pet_id: int) -> dict[str, object]:
            if pet_id not in pets:
                abort(404, message="Pet not found.")
            return pets[pet_id]

        @blp.etag
        @blp.arguments(PetSchema)
        @blp.response(200, PetSchema)
        def put(self, update: dict[str, object], pet_id: int) -> dict[str, object]:
            pet = pets[pet_id]
            blp.check_etag(pet, PetSchema)
            pet.update(update)
            return pet

        @blp.etag
        @blp.response(204)
        def delete(self, pet_id: int) -> None:
            blp.check_etag(pets[pet_id], PetSchema)
            del pets[pet_id]

    @blp.route("/colors/<color:color>")
    @blp.response(200)
    def by_color(color: str) -> dict[str, str]:
        return {"color": color, "endpoint": request.endpoint or ""}

    @blp.route("/async")
    @blp.response(200)
    async def asynchronous() -> dict[str, bool]:
        return {"async": True}

    @blp.route("/raw")
    @blp.alt_response(418, description="a teapot")
    def raw() -> Response:
        return Response("short and stout", status=418, mimetype="text/plain")

    api.register_blueprint(blp)
    return app, api, pets


@pytest.fixture
def client() -> object:
    app, _, _ = create_app()
    return app.test_client()


def test_post_validates_and_serializes(client: erlen.testing.ErlenClient) -> None:
    created = client.post("/pets/", json={"name": "Felix"})
    assert created.status_code == 201
    assert created.json == {"id": 1, "name": "Felix", "species": "cat"}
    assert created.mimetype == "application/json"

    invalid = client.post("/pets/", json={"species": "dog"})
    assert invalid.status_code == 422
    assert invalid.json["errors"] == {"json": {"name": ["Missing data for required field."]}}
    assert invalid.json["status"] == "Unprocessable Entity"

    not_json = client.post("/pets/", data="{oops", content_type="application/json")
    assert not_json.status_code == 400
    assert not_json.json["errors"] == {"json": ["Invalid JSON body."]}


def test_query_arguments_and_pagination(client: erlen.testing.ErlenClient) -> None:
    for name, species in [("a", "cat"), ("b", "dog"), ("c", "cat"), ("d", "cat")]:
        client.post("/pets/", json={"name": name, "species": species})

    page = client.get("/pets/?species=cat&page=2&page_size=2")
    assert page.status_code == 200
    assert [pet["name"] for pet in page.json] == ["d"]
    assert json.loads(page.headers["X-Pagination"]) == {
        "total": 3,
        "total_pages": 2,
        "first_page": 1,
        "last_page": 2,
        "page": 2,
        "previous_page": 1,
    }

    bad_page = client.get("/pets/?page=0")
    assert bad_page.status_code == 422
    assert "page" in bad_page.json["errors"]["query"]


def test_etag_conditional_get_and_precondition(client: erlen.testing.ErlenClient) -> None:
    client.post("/pets/", json={"name": "Rex", "species": "dog"})

    first = client.get("/pets/1")
    etag = first.headers["ETag"]
    assert first.json == {"id": 1, "name": "Rex", "species": "dog"}
    assert client.get("/pets/1", headers={"If-None-Match": etag}).status_code == 304

    assert client.put("/pets/1", json={"name": "Max"}).status_code == 428
    stale = client.put("/pets/1", json={"name": "Max"}, headers={"If-Match": '"stale"'})
    assert stale.status_code == 412
    updated = client.put(
        "/pets/1", json={"name": "Max", "species": "dog"}, headers={"If-Match": etag}
    )
    assert updated.status_code == 200
    assert updated.json["name"] == "Max"
    assert updated.headers["ETag"] != etag

    deleted = client.delete("/pets/1", headers={"If-Match": updated.headers["ETag"]})
    assert deleted.status_code == 204
    assert deleted.data == b""


def test_abort_and_unknown_urls_answer_json_errors(client: erlen.testing.ErlenClient) -> None:
    missing = client.get("/pets/42")
    assert missing.status_code == 404
    assert missing.json == {"code": 404, "message": "Pet not found.", "status": "Not Found"}

    nowhere = client.get("/no/such/page")
    assert nowhere.status_code == 404
    assert nowhere.json == {"code": 404, "status": "Not Found"}

    not_allowed = client.patch("/pets/")
    assert not_allowed.status_code == 405
    assert not_allowed.json["code"] == 405


def test_function_views_converters_and_async(client: erlen.testing.ErlenClient) -> None:
    assert client.get("/pets/colors/red").json == {"color": "red", "endpoint": "pets.by_color"}
    assert client.get("/pets/colors/pink").status_code == 404
    assert client.get("/pets/async").json == {"async": True}
    teapot = client.get("/pets/raw")
    assert (teapot.status_code, teapot.data) == (418, b"short and stout")


def test_openapi_document_and_ui_pages(client: erlen.testing.ErlenClient) -> None:
    spec = client.get("/doc/openapi.json")
    assert spec.status_code == 200
    doc = spec.json
    assert doc["info"] == {"title": "Pet store", "version": "1.0"}
    assert set(doc["paths"]) == {
        "/pets/",
        "/pets/{pet_id}",
        "/pets/colors/{color}",
        "/pets/async",
        "/pets/raw",
    }
    pet_id = doc["paths"]["/pets/{pet_id}"]["parameters"][0]
    assert pet_id["schema"] == {"type": "integer", "minimum": 0}
    color = doc["paths"]["/pets/colors/{color}"]["parameters"][0]
    assert color["schema"] == {"type": "string", "enum": ["red", "green", "blue"]}
    assert set(doc["paths"]["/pets/"]) == {"get", "post"}
    assert doc["paths"]["/pets/"]["get"]["summary"] == "List pets"
    assert doc["paths"]["/pets/raw"]["get"]["responses"]["418"]["description"] == "a teapot"
    assert doc["tags"] == [{"name": "pets", "description": "Operations on pets"}]

    redoc = client.get("/doc/redoc")
    assert redoc.status_code == 200
    assert b"https://cdn.example.com/redoc.js" in redoc.data
    swagger = client.get("/doc/swagger")
    assert swagger.status_code == 200
    assert b"https://cdn.example.com/swagger/" in swagger.data


def test_the_openapi_cli_commands() -> None:
    app, _, _ = create_app()
    runner = app.test_cli_runner()

    printed = runner.invoke(args=["openapi", "print"])
    assert printed.exit_code == 0, printed.output
    assert json.loads(printed.output)["info"]["title"] == "Pet store"

    prefixes = runner.invoke(args=["openapi", "list-config-prefixes"])
    assert prefixes.exit_code == 0
    assert prefixes.output.strip() == '""'


def test_two_apps_from_one_blueprint_definition() -> None:
    first, api, _ = create_app()
    second, _, _ = create_app()
    assert first.extensions["flask-smorest"]["apis"][""]["ext_obj"] is api
    assert second.test_client().post("/pets/", json={"name": "x"}).status_code == 201
    assert first.test_client().get("/pets/").json == []
