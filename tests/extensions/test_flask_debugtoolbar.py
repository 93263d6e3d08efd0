"""Flask-DebugToolbar on erlen, used as its documentation shows.

The toolbar hooks ``before_request``, ``after_request`` and ``teardown_request``, and
replaces ``app.dispatch_request`` on the app instance so that its panels (the
profiler) can wrap each view: erlen's request cycle must call that replacement.
"""

from __future__ import annotations

import erlen  # first: from here on, `flask` is erlen

# isort: split
import re
import warnings

import pytest
from flask import Response, g, redirect, render_template_string, request, stream_with_context
from flask_debugtoolbar import DebugToolbarExtension

PAGE = "<html><head><title>t</title></head><body><h1>Hello {{ name }}</h1></body></html>"


def create_app(**config: object) -> erlen.Erlen:
    app = erlen.Erlen(__name__)
    app.debug = True
    app.config["SECRET_KEY"] = "toolbar secret"
    app.config.update(config)

    @app.route("/")
    def index() -> str:
        return render_template_string(PAGE, name="toolbar")

    @app.route("/profiled/<int:n>")
    def profiled_view_marker(n: int) -> str:
        return f"<html><body>{sum(range(n))}</body></html>"

    @app.route("/moved")
    def moved() -> object:
        return redirect("/")

    @app.route("/json")
    def as_json() -> dict[str, int]:
        return {"a": 1}

    @app.route("/streamed")
    def streamed() -> Response:
        def chunks() -> object:
            yield "<html><body>"
            yield f"{request.path}</body></html>"

        return Response(stream_with_context(chunks()))  # type: ignore[arg-type]

    @app.route("/no-body-tag")
    def no_body_tag() -> str:
        return "<p>fragment</p>"

    return app


def panel_ids(html: bytes) -> set[str]:
    return set(re.findall(r'id="(flDebug\w+Panel)"', html.decode()))


def test_the_toolbar_is_injected_before_the_closing_body_tag() -> None:
    app = create_app()
    DebugToolbarExtension(app)

    response = app.test_client().get("/")

    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert "<h1>Hello toolbar</h1>" in html
    assert 'id="flDebug"' in html
    assert html.index('id="flDebug"') < html.lower().rindex("</body>")
    # The body grew, and Content-Length says so.
    assert response.headers["Content-Length"] == str(len(response.data))
    assert {
        "flDebugVersionPanel",
        "flDebugTimerPanel",
        "flDebugHeaderPanel",
        "flDebugRequestVarsPanel",
        "flDebugConfigVarsPanel",
        "flDebugTemplatePanel",
        "flDebugLoggingPanel",
        "flDebugRouteListPanel",
    } <= panel_ids(response.data)


def test_panels_see_the_request_the_templates_and_the_routes() -> None:
    app = create_app()
    DebugToolbarExtension(app)

    html = app.test_client().get("/?color=blue", headers={"User-Agent": "probe-agent"}).data

    text = html.decode()
    assert "color" in text and "blue" in text  # request vars panel
    assert "probe-agent" in text  # headers panel
    assert "SECRET_KEY" in text  # config vars panel
    assert "/profiled/&lt;int:n&gt;" in text  # route list panel reads app.url_map


def test_the_profiler_panel_wraps_the_view_through_dispatch_request() -> None:
    app = create_app(DEBUG_TB_PROFILER_ENABLED=True)
    DebugToolbarExtension(app)
    # The extension replaced the method on the instance, as its docs describe.
    assert "dispatch_request" in vars(app)

    response = app.test_client().get("/profiled/10")

    assert response.status_code == 200
    assert b"<body>45" in response.data
    assert "flDebugProfilerPanel" in panel_ids(response.data)
    # The profiler ran the view: its stats name the view function's line.
    assert re.search(rb"test_flask_debugtoolbar\.py:\d+\(profiled_view_marker\)", response.data)


def test_redirects_are_intercepted_with_a_page_linking_to_the_target() -> None:
    app = create_app()
    DebugToolbarExtension(app)
    client = app.test_client()

    intercepted = client.get("/moved")
    assert intercepted.status_code == 200
    assert "Location" not in intercepted.headers
    assert b'href="/"' in intercepted.data

    app.config["DEBUG_TB_INTERCEPT_REDIRECTS"] = False
    passed = client.get("/moved")
    assert passed.status_code == 302
    assert passed.headers["Location"] == "/"


def test_only_html_page_responses_get_the_toolbar() -> None:
    app = create_app()
    DebugToolbarExtension(app)
    client = app.test_client()

    as_json = client.get("/json")
    assert as_json.json == {"a": 1}
    assert b"flDebug" not in as_json.data

    streamed = client.get("/streamed")
    assert streamed.data == b"<html><body>/streamed</body></html>"

    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        fragment = client.get("/no-body-tag")
    assert fragment.data == b"<p>fragment</p>"
    assert any("</body> tag not found" in str(w.message) for w in caught)


def test_hooks_run_and_the_toolbar_is_kept_in_g() -> None:
    app = create_app()
    toolbar = DebugToolbarExtension(app)
    seen: list[object] = []

    @app.after_request
    def look(response: Response) -> Response:
        seen.append((request.endpoint, g.debug_toolbar))
        return response

    app.test_client().get("/")

    assert seen == [("index", toolbar)]


def test_the_toolbar_static_files_and_views_are_routed() -> None:
    app = create_app()
    DebugToolbarExtension(app)
    client = app.test_client()

    css = client.get("/_debug_toolbar/static/css/toolbar.css")
    assert css.status_code == 200
    assert css.mimetype == "text/css"
    assert "debugtoolbar.template_preview" in app.view_functions
    assert app.blueprints["debugtoolbar"].name == "debugtoolbar"


def test_hosts_and_the_enabled_setting_turn_it_off() -> None:
    app = create_app(DEBUG_TB_HOSTS=["10.1.2.3"])
    DebugToolbarExtension(app)
    client = app.test_client()

    assert b"flDebug" not in client.get("/").data
    shown = client.get("/", environ_base={"REMOTE_ADDR": "10.1.2.3"})
    assert b"flDebug" in shown.data

    off = create_app(DEBUG_TB_ENABLED=False)
    DebugToolbarExtension(off)
    assert b"flDebug" not in off.test_client().get("/").data
    assert "dispatch_request" not in vars(off)


def test_init_app_needs_a_secret_key() -> None:
    app = create_app()
    app.config["SECRET_KEY"] = None
    with pytest.raises(RuntimeError, match="SECRET_KEY"):
        DebugToolbarExtension().init_app(app)


def test_routes_host_with_host_matching() -> None:
    app = erlen.Erlen(__name__, host_matching=True, static_host="example.com")
    app.debug = True
    app.config.update(SECRET_KEY="s", DEBUG_TB_ROUTES_HOST="*")

    @app.route("/", host="example.com")
    def index() -> str:
        return "<html><body>hosted</body></html>"

    DebugToolbarExtension(app)
    client = app.test_client()

    page = client.get("/", base_url="http://example.com")
    assert page.status_code == 200
    assert b"flDebug" in page.data
    css = client.get("/_debug_toolbar/static/css/toolbar.css", base_url="http://other.test")
    assert css.status_code == 200
