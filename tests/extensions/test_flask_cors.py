"""Flask-Cors on erlen, used as its documentation shows: CORS headers on real responses
and on preflight requests."""

from __future__ import annotations

import erlen  # first: from here on, `flask` is erlen

# isort: split
from flask_cors import CORS, cross_origin

from erlen import Blueprint, abort

ORIGIN = "https://app.example.com"


def create_app() -> erlen.Erlen:
    app = erlen.Erlen(__name__)
    CORS(
        app,
        resources={r"/api/*": {"origins": [ORIGIN, r"https://.*\.partner\.test"]}},
        supports_credentials=True,
        expose_headers=["X-Total-Count"],
        max_age=600,
    )

    @app.route("/api/items", methods=["GET", "PUT"])
    def items() -> tuple[dict[str, list[int]], int, dict[str, str]]:
        return {"items": [1, 2]}, 200, {"X-Total-Count": "2"}

    @app.route("/api/broken")
    def broken() -> str:
        raise RuntimeError("the view failed")

    @app.route("/api/forbidden")
    def forbidden() -> str:
        abort(403)

    @app.route("/internal")
    def internal() -> str:
        return "no CORS here"

    @app.route("/public")
    @cross_origin()
    def public() -> str:
        return "for everyone"

    return app


def cors_headers(response: erlen.Response) -> dict[str, str]:
    return {k: v for k, v in response.headers.items() if k.startswith("Access-Control-")}


def test_allowed_origin_gets_cors_headers() -> None:
    response = create_app().test_client().get("/api/items", headers={"Origin": ORIGIN})
    assert response.status_code == 200
    assert response.json == {"items": [1, 2]}
    assert cors_headers(response) == {
        "Access-Control-Allow-Origin": ORIGIN,
        "Access-Control-Allow-Credentials": "true",
        "Access-Control-Expose-Headers": "X-Total-Count",
    }
    assert "Origin" in response.headers["Vary"]


def test_origin_patterns_are_regular_expressions() -> None:
    client = create_app().test_client()
    response = client.get("/api/items", headers={"Origin": "https://shop.partner.test"})
    assert response.headers["Access-Control-Allow-Origin"] == "https://shop.partner.test"


def test_other_origins_and_paths_get_none() -> None:
    client = create_app().test_client()
    response = client.get("/api/items", headers={"Origin": "https://evil.test"})
    assert response.status_code == 200
    assert cors_headers(response) == {}
    response = client.get("/internal", headers={"Origin": ORIGIN})
    assert response.text == "no CORS here"
    assert cors_headers(response) == {}


def test_preflight_request() -> None:
    client = create_app().test_client()
    response = client.options(
        "/api/items",
        headers={
            "Origin": ORIGIN,
            "Access-Control-Request-Method": "PUT",
            "Access-Control-Request-Headers": "Content-Type, X-Token",
        },
    )
    assert response.status_code == 200
    assert response.data == b""
    headers = cors_headers(response)
    assert headers["Access-Control-Allow-Origin"] == ORIGIN
    assert headers["Access-Control-Allow-Credentials"] == "true"
    assert headers["Access-Control-Max-Age"] == "600"
    assert "PUT" in headers["Access-Control-Allow-Methods"]
    assert headers["Access-Control-Allow-Headers"].lower() == "content-type, x-token"
    assert set(response.headers["Allow"].split(", ")) == {"GET", "HEAD", "OPTIONS", "PUT"}


def test_preflight_from_a_refused_origin() -> None:
    client = create_app().test_client()
    response = client.options(
        "/api/items",
        headers={"Origin": "https://evil.test", "Access-Control-Request-Method": "PUT"},
    )
    assert cors_headers(response) == {}


def test_error_responses_carry_cors_headers_too() -> None:
    client = create_app().test_client()
    for path, status in [("/api/broken", 500), ("/api/forbidden", 403), ("/api/nowhere", 404)]:
        response = client.get(path, headers={"Origin": ORIGIN})
        assert response.status_code == status, path
        assert response.headers["Access-Control-Allow-Origin"] == ORIGIN, path


def test_cross_origin_decorator() -> None:
    client = create_app().test_client()
    response = client.get("/public", headers={"Origin": "https://anyone.test"})
    assert response.text == "for everyone"
    assert response.headers["Access-Control-Allow-Origin"] == "https://anyone.test"
    response = client.options(
        "/public",
        headers={"Origin": "https://anyone.test", "Access-Control-Request-Method": "GET"},
    )
    assert response.status_code == 200
    assert "GET" in response.headers["Access-Control-Allow-Methods"]


def test_cors_on_a_blueprint() -> None:
    app = erlen.Erlen(__name__)
    api = Blueprint("api", __name__, url_prefix="/v1")
    CORS(api, origins=["https://bp.test"])

    @api.route("/thing")
    def thing() -> str:
        return "thing"

    @app.route("/outside")
    def outside() -> str:
        return "outside"

    app.register_blueprint(api)
    client = app.test_client()
    response = client.get("/v1/thing", headers={"Origin": "https://bp.test"})
    assert response.text == "thing"
    assert response.headers["Access-Control-Allow-Origin"] == "https://bp.test"
    response = client.get("/v1/thing", headers={"Origin": "https://other.test"})
    assert cors_headers(response) == {}
    response = client.get("/outside", headers={"Origin": "https://bp.test"})
    assert cors_headers(response) == {}


def test_options_from_the_app_config() -> None:
    app = erlen.Erlen(__name__)
    app.config["CORS_ORIGINS"] = ["https://configured.test"]
    app.config["CORS_SEND_WILDCARD"] = False
    CORS(app)

    @app.route("/")
    def index() -> str:
        return "index"

    client = app.test_client()
    response = client.get("/", headers={"Origin": "https://configured.test"})
    assert response.headers["Access-Control-Allow-Origin"] == "https://configured.test"
    response = client.get("/", headers={"Origin": "https://other.test"})
    assert cors_headers(response) == {}
