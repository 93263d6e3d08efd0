"""Flask-Limiter on erlen with in-memory storage, used as its documentation shows."""

from __future__ import annotations

import erlen  # first: from here on, `flask` is erlen

# isort: split
from flask_limiter import Limiter, RateLimitExceeded
from flask_limiter.util import get_remote_address

from erlen import Blueprint, jsonify, make_response, request


def create_app(**options: object) -> tuple[erlen.Erlen, Limiter]:
    app = erlen.Erlen(__name__)
    limiter = Limiter(
        get_remote_address,
        app=app,
        default_limits=["3 per minute"],
        storage_uri="memory://",
        **options,  # type: ignore[arg-type]
    )

    @app.route("/slow")
    @limiter.limit("2 per minute")
    def slow() -> str:
        return "slow"

    @app.route("/default")
    def default() -> str:
        return "default"

    @app.route("/ping")
    @limiter.exempt
    def ping() -> str:
        return "pong"

    @app.route("/login", methods=["POST"])
    @limiter.limit("1/minute", deduct_when=lambda response: response.status_code != 200)
    def login() -> tuple[str, int]:
        ok = request.form.get("password") == "right"
        return ("welcome", 200) if ok else ("wrong", 401)

    @app.route("/by-key")
    @limiter.limit("1/minute", key_func=lambda: request.headers.get("X-Api-Key", "anonymous"))
    def by_key() -> str:
        return "keyed"

    return app, limiter


def statuses(client: erlen.testing.ErlenClient, path: str, n: int, **kw: object) -> list[int]:
    return [client.get(path, **kw).status_code for _ in range(n)]  # type: ignore[arg-type]


def test_the_route_limit_answers_429() -> None:
    app, _ = create_app()
    client = app.test_client()
    assert [client.get("/slow").text for _ in range(2)] == ["slow", "slow"]
    response = client.get("/slow")
    assert response.status_code == 429
    assert "Too Many Requests" in response.text
    assert "2 per 1 minute" in response.text


def test_default_limits_apply_to_routes_without_their_own() -> None:
    app, _ = create_app()
    assert statuses(app.test_client(), "/default", 4) == [200, 200, 200, 429]


def test_exempt_route_is_never_limited() -> None:
    app, _ = create_app()
    assert statuses(app.test_client(), "/ping", 6) == [200] * 6


def test_limits_are_per_remote_address() -> None:
    app, _ = create_app()
    client = app.test_client()
    assert statuses(client, "/slow", 3) == [200, 200, 429]
    other = {"environ_base": {"REMOTE_ADDR": "192.0.2.7"}}
    assert statuses(client, "/slow", 3, **other) == [200, 200, 429]


def test_custom_key_function() -> None:
    app, _ = create_app()
    client = app.test_client()
    assert statuses(client, "/by-key", 2, headers={"X-Api-Key": "a"}) == [200, 429]
    assert statuses(client, "/by-key", 2, headers={"X-Api-Key": "b"}) == [200, 429]


def test_rate_limit_headers() -> None:
    app, _ = create_app(headers_enabled=True)
    client = app.test_client()
    response = client.get("/slow")
    assert response.headers["X-RateLimit-Limit"] == "2"
    assert response.headers["X-RateLimit-Remaining"] == "1"
    assert int(response.headers["X-RateLimit-Reset"]) > 0
    client.get("/slow")
    response = client.get("/slow")
    assert response.status_code == 429
    assert response.headers["X-RateLimit-Remaining"] == "0"
    assert 0 < int(response.headers["Retry-After"]) <= 60


def test_deduct_when_counts_only_failed_logins() -> None:
    app, _ = create_app()
    client = app.test_client()
    for _ in range(3):
        assert client.post("/login", data={"password": "right"}).status_code == 200
    assert client.post("/login", data={"password": "wrong"}).status_code == 401
    assert client.post("/login", data={"password": "right"}).status_code == 429


def test_json_error_handler_for_429() -> None:
    app, _ = create_app()

    @app.errorhandler(429)
    def ratelimit_handler(error: RateLimitExceeded) -> erlen.Response:
        return make_response(jsonify(error=f"ratelimit exceeded {error.description}"), 429)

    client = app.test_client()
    client.get("/slow")
    client.get("/slow")
    response = client.get("/slow")
    assert response.status_code == 429
    assert response.json == {"error": "ratelimit exceeded 2 per 1 minute"}


def test_blueprint_limit_and_shared_limit() -> None:
    app, limiter = create_app()
    api = Blueprint("api", __name__, url_prefix="/api")
    limiter.limit("1/minute")(api)

    @api.route("/a")
    def a() -> str:
        return "a"

    @api.route("/b")
    def b() -> str:
        return "b"

    shared = limiter.shared_limit("2/minute", scope="reports")

    @app.route("/report/daily")
    @shared
    def daily() -> str:
        return "daily"

    @app.route("/report/weekly")
    @shared
    def weekly() -> str:
        return "weekly"

    app.register_blueprint(api)
    client = app.test_client()
    assert statuses(client, "/api/a", 2) == [200, 429]
    assert statuses(client, "/api/b", 2) == [200, 429]
    assert client.get("/report/daily").status_code == 200
    assert client.get("/report/weekly").status_code == 200
    assert client.get("/report/daily").status_code == 429


def test_reset_and_disabling_by_config() -> None:
    app, limiter = create_app()
    client = app.test_client()
    assert statuses(client, "/slow", 3) == [200, 200, 429]
    limiter.reset()
    assert statuses(client, "/slow", 1) == [200]

    app2 = erlen.Erlen(__name__)
    app2.config["RATELIMIT_ENABLED"] = False
    limiter2 = Limiter(get_remote_address, app=app2, storage_uri="memory://")

    @app2.route("/")
    @limiter2.limit("1/minute")
    def index() -> str:
        return "ok"

    assert statuses(app2.test_client(), "/", 3) == [200, 200, 200]
