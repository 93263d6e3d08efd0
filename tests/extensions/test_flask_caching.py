"""Flask-Caching on erlen with SimpleCache, used as its documentation shows."""

from __future__ import annotations

import erlen  # first: from here on, `flask` is erlen

# isort: split
from flask_caching import Cache

from erlen import jsonify, make_response, render_template_string, request


class Counter:
    def __init__(self) -> None:
        self.calls = 0

    def __call__(self) -> int:
        self.calls += 1
        return self.calls


def create_app() -> tuple[erlen.Erlen, Cache, Counter]:
    app = erlen.Erlen(__name__)
    app.config.from_mapping(CACHE_TYPE="SimpleCache", CACHE_DEFAULT_TIMEOUT=300)
    cache = Cache(app)
    count = Counter()

    @app.route("/")
    @cache.cached(timeout=50)
    def index() -> str:
        return f"rendered {count()} times"

    @app.route("/search")
    @cache.cached(query_string=True)
    def search() -> dict[str, object]:
        return {"q": request.args.get("q"), "call": count()}

    @app.route("/json")
    @cache.cached(response_hit_indication=True)
    def as_json() -> erlen.Response:
        return jsonify(call=count())

    @app.route("/made")
    @cache.cached()
    def made() -> erlen.Response:
        response = make_response(f"call {count()}", 201)
        response.headers["X-Custom"] = "kept"
        response.set_cookie("flavour", "oat")
        return response

    @app.route("/tuple")
    @cache.cached()
    def as_tuple() -> tuple[str, int, dict[str, str]]:
        return f"call {count()}", 202, {"X-Tuple": "yes"}

    @app.route("/private")
    @cache.cached(unless=lambda: request.headers.get("Authorization") is not None)
    def private() -> str:
        return f"call {count()}"

    @app.route("/fragment/<name>")
    def fragment(name: str) -> str:
        return render_template_string(
            "{% cache 60, 'sidebar' %}sidebar {{ n }}{% endcache %} | {{ name }} {{ n }}",
            n=count(),
            name=name,
        )

    return app, cache, count


def test_cached_view_runs_once() -> None:
    app, _, count = create_app()
    client = app.test_client()
    assert client.get("/").text == "rendered 1 times"
    assert client.get("/").text == "rendered 1 times"
    assert count.calls == 1


def test_query_string_is_part_of_the_key() -> None:
    app, _, count = create_app()
    client = app.test_client()
    assert client.get("/search?q=a").json == {"q": "a", "call": 1}
    assert client.get("/search?q=b").json == {"q": "b", "call": 2}
    assert client.get("/search?q=a").json == {"q": "a", "call": 1}
    assert count.calls == 2


def test_cached_responses_keep_status_headers_and_cookies() -> None:
    app, _, count = create_app()
    client = app.test_client()
    for _ in range(2):
        response = client.get("/made")
        assert response.status_code == 201
        assert response.text == "call 1"
        assert response.headers["X-Custom"] == "kept"
        assert response.headers["Set-Cookie"] == "flavour=oat; Path=/"

        response = client.get("/tuple")
        assert response.status_code == 202
        assert response.text == "call 2"
        assert response.headers["X-Tuple"] == "yes"
    assert count.calls == 2


def test_hit_indication_header() -> None:
    app, _, _ = create_app()
    client = app.test_client()
    first = client.get("/json")
    assert first.json == {"call": 1}
    assert "hit_cache" not in first.headers
    second = client.get("/json")
    assert second.json == {"call": 1}
    assert second.headers["hit_cache"] == "True"


def test_unless_skips_the_cache() -> None:
    app, _, count = create_app()
    client = app.test_client()
    assert client.get("/private", headers={"Authorization": "x"}).text == "call 1"
    assert client.get("/private", headers={"Authorization": "x"}).text == "call 2"
    assert client.get("/private").text == "call 3"
    assert client.get("/private").text == "call 3"
    assert count.calls == 3


def test_response_filter_keeps_errors_out_of_the_cache() -> None:
    app, cache, count = create_app()

    @app.route("/flaky")
    @cache.cached(response_filter=lambda rv: not isinstance(rv, tuple))
    def flaky() -> object:
        n = count()
        return ("busy", 503) if n == 1 else f"ok {n}"

    client = app.test_client()
    assert client.get("/flaky").status_code == 503
    assert client.get("/flaky").text == "ok 2"
    assert client.get("/flaky").text == "ok 2"


def test_memoize_and_delete_memoized() -> None:
    app, cache, count = create_app()

    @cache.memoize(timeout=50)
    def total(a: int, b: int) -> tuple[int, int]:
        return a + b, count()

    with app.app_context():
        assert total(1, 2) == (3, 1)
        assert total(1, 2) == (3, 1)
        assert total(2, 2) == (4, 2)
        cache.delete_memoized(total, 1, 2)
        assert total(1, 2) == (3, 3)
        assert total(2, 2) == (4, 2)


def test_cache_api_in_the_app_context() -> None:
    app, cache, _ = create_app()
    with app.app_context():
        cache.set("answer", 42)
        assert cache.get("answer") == 42
        assert cache.add("answer", 0) is False
        cache.set_many({"a": 1, "b": 2})
        assert cache.get_many("a", "b", "missing") == [1, 2, None]
        cache.delete("a")
        assert cache.get("a") is None
        cache.clear()
        assert cache.get("answer") is None


def test_clear_empties_cached_views() -> None:
    app, cache, _ = create_app()
    client = app.test_client()
    assert client.get("/").text == "rendered 1 times"
    with app.app_context():
        cache.clear()
    assert client.get("/").text == "rendered 2 times"


def test_cache_tag_in_templates() -> None:
    app, _, _ = create_app()
    client = app.test_client()
    assert client.get("/fragment/a").text == "sidebar 1 | a 1"
    assert client.get("/fragment/b").text == "sidebar 1 | b 2"


def test_null_cache_from_config_stores_nothing() -> None:
    app = erlen.Erlen(__name__)
    # (Whether Flask-Caching warns about a null cache depends on its version.)
    cache = Cache(app, config={"CACHE_TYPE": "NullCache", "CACHE_NO_NULL_WARNING": True})
    with app.app_context():
        cache.set("k", "v")
        assert cache.get("k") is None
