"""Templates: the Jinja environment and its loader, auto reload, autoescaping, the render
and stream helpers, the template context, filters/tests/globals, signals and ``tojson``.

Templates are real files under ``tmp_path``. Expectations are Flask 3.1's (checked by
running this module against Flask with ``erlen`` renamed to ``flask``), except the bare
``@app.template_filter`` / ``template_test`` / ``template_global`` forms, which erlen
accepts and Flask 3.1 does not.
"""

from __future__ import annotations

import logging
import os
import pickle
import subprocess
import sys
import textwrap
import typing as t
from pathlib import Path

import jinja2
import pytest
from markupsafe import Markup, escape

import erlen
import erlen.json.provider
import erlen.templating
from erlen import (
    Blueprint,
    Erlen,
    before_render_template,
    flash,
    g,
    get_template_attribute,
    render_template,
    render_template_string,
    request,
    session,
    stream_template,
    stream_template_string,
    template_rendered,
)


def write(folder: Path, files: dict[str, str]) -> None:
    for name, text in files.items():
        path = folder / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")


def make_app(tmp_path: Path, files: dict[str, str] | None = None, **kwargs: t.Any) -> Erlen:
    write(tmp_path / "templates", files or {})
    return Erlen("tpl_app", root_path=str(tmp_path), **kwargs)


def make_bp(
    tmp_path: Path, name: str, folder: str, files: dict[str, str], **kwargs: t.Any
) -> Blueprint:
    write(tmp_path / folder, files)
    return Blueprint(name, "tpl_app", template_folder=folder, root_path=str(tmp_path), **kwargs)


def text(app: Erlen, url: str) -> str:
    rv = app.test_client().get(url)
    assert rv.status_code == 200, rv.get_data(as_text=True)
    return rv.get_data(as_text=True)


def signal_log(signal: t.Any, app: Erlen) -> tuple[list[tuple[t.Any, t.Any, t.Any]], t.Any]:
    seen: list[tuple[t.Any, t.Any, t.Any]] = []

    def receiver(sender: t.Any, template: t.Any, context: t.Any, **extra: t.Any) -> None:
        seen.append((sender, template, dict(context)))

    return seen, signal.connected_to(receiver, app)


# -- environment and loader ----------------------------------------------------


def test_jinja_env_is_created_lazily_once_and_bound_to_app(tmp_path: Path) -> None:
    app = make_app(tmp_path)
    assert "jinja_env" not in app.__dict__
    env = app.jinja_env
    assert isinstance(env, erlen.templating.Environment)
    assert isinstance(env, jinja2.Environment)
    assert env.app is app
    assert app.jinja_env is env


def test_custom_jinja_environment_class_is_used(tmp_path: Path) -> None:
    class MyEnvironment(erlen.templating.Environment):
        pass

    class MyApp(Erlen):
        jinja_environment = MyEnvironment

    app = MyApp("tpl_app", root_path=str(tmp_path))
    assert type(app.jinja_env) is MyEnvironment
    assert app.jinja_env.app is app


def test_custom_jinja_options_trim_blocks_and_loader_take_effect(tmp_path: Path) -> None:
    write(tmp_path / "templates", {"t.html": "from folder"})
    app = Erlen("tpl_app", root_path=str(tmp_path))
    app.jinja_options = {
        "trim_blocks": True,
        "loader": jinja2.DictLoader({"t.html": "{% if true %}\nyes{% endif %}"}),
    }
    assert app.jinja_env.trim_blocks is True
    with app.app_context():
        assert render_template("t.html") == "yes"


def test_jinja_options_on_subclass_take_effect(tmp_path: Path) -> None:
    class MyApp(Erlen):
        jinja_options = {"trim_blocks": True, "lstrip_blocks": True}

    app = MyApp("tpl_app", root_path=str(tmp_path))
    with app.app_context():
        assert render_template_string("  {% if 1 %}\nA\n  {% endif %}\nB") == "A\nB"


def test_jinja_loader_is_filesystem_loader_for_template_folder(tmp_path: Path) -> None:
    app = make_app(tmp_path)
    loader = app.jinja_loader
    assert isinstance(loader, jinja2.FileSystemLoader)
    assert [os.path.normpath(p) for p in loader.searchpath] == [
        os.path.normpath(str(tmp_path / "templates"))
    ]

    other = Erlen("tpl_app", root_path=str(tmp_path), template_folder="views")
    assert isinstance(other.jinja_loader, jinja2.FileSystemLoader)
    assert [os.path.normpath(p) for p in other.jinja_loader.searchpath] == [
        os.path.normpath(str(tmp_path / "views"))
    ]


def test_jinja_loader_is_none_without_template_folder(tmp_path: Path) -> None:
    app = Erlen("tpl_app", root_path=str(tmp_path), template_folder=None)
    assert app.jinja_loader is None
    with app.app_context(), pytest.raises(jinja2.TemplateNotFound):
        render_template("anything.html")


def test_blueprint_without_template_folder_has_no_loader(tmp_path: Path) -> None:
    bp = Blueprint("bp", "tpl_app", root_path=str(tmp_path))
    assert bp.jinja_loader is None


def test_app_template_wins_over_blueprint_template_of_same_name(tmp_path: Path) -> None:
    app = make_app(tmp_path, {"shared.html": "app"})
    app.register_blueprint(make_bp(tmp_path, "bp", "bp_t", {"shared.html": "bp"}))
    with app.app_context():
        assert render_template("shared.html") == "app"


def test_template_only_in_blueprint_folder_is_found(tmp_path: Path) -> None:
    app = make_app(tmp_path)
    bp = make_bp(tmp_path, "bp", "bp_t", {"bp/only.html": "only {{ x }}"})
    app.register_blueprint(bp)
    with app.app_context():
        assert render_template("bp/only.html", x=1) == "only 1"


def test_blueprints_are_searched_in_registration_order(tmp_path: Path) -> None:
    app = make_app(tmp_path)
    app.register_blueprint(make_bp(tmp_path, "second", "t2", {"s.html": "second"}))
    app.register_blueprint(make_bp(tmp_path, "first", "t1", {"s.html": "first"}))
    with app.app_context():
        assert render_template("s.html") == "second"


def test_blueprint_template_rendered_from_blueprint_view(tmp_path: Path) -> None:
    app = make_app(tmp_path)
    bp = make_bp(tmp_path, "admin", "admin_t", {"admin/index.html": "admin {{ request.path }}"})

    @bp.route("/")
    def index() -> str:
        return render_template("admin/index.html")

    app.register_blueprint(bp, url_prefix="/admin")
    assert text(app, "/admin/") == "admin /admin/"


def test_list_templates_lists_app_and_blueprint_templates(tmp_path: Path) -> None:
    app = make_app(tmp_path, {"a.html": "", "sub/b.html": ""})
    app.register_blueprint(make_bp(tmp_path, "bp", "bp_t", {"c.html": "", "a.html": ""}))
    names = app.jinja_env.list_templates()
    assert sorted(set(names)) == ["a.html", "c.html", "sub/b.html"]


# -- EXPLAIN_TEMPLATE_LOADING ----------------------------------------------------


def test_explain_template_loading_logs_where_a_found_template_was_found(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    app = make_app(tmp_path, {"found.html": "hello"})
    app.register_blueprint(make_bp(tmp_path, "bp", "bp_t", {"other.html": ""}))
    app.config["EXPLAIN_TEMPLATE_LOADING"] = True
    with caplog.at_level(logging.INFO, logger=app.logger.name), app.app_context():
        assert render_template("found.html") == "hello"
    messages = [r.getMessage() for r in caplog.records if r.name == app.logger.name]
    assert len(messages) == 1
    log = messages[0]
    assert "'found.html'" in log
    assert str(tmp_path / "templates") in log
    assert str(tmp_path / "bp_t") in log
    assert "found (" in log
    assert str(tmp_path / "templates" / "found.html") in log
    assert "no match" in log
    assert "could not be found" not in log


def test_explain_template_loading_lists_every_place_for_missing_template(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    app = make_app(tmp_path, {"a.html": ""})
    app.register_blueprint(make_bp(tmp_path, "bp1", "bp1_t", {"b.html": ""}))
    app.register_blueprint(make_bp(tmp_path, "bp2", "bp2_t", {"c.html": ""}))
    app.config["EXPLAIN_TEMPLATE_LOADING"] = True
    with (
        caplog.at_level(logging.INFO, logger=app.logger.name),
        app.app_context(),
        pytest.raises(jinja2.TemplateNotFound) as exc_info,
    ):
        render_template("missing.html")
    assert exc_info.value.name == "missing.html"
    log = "\n".join(r.getMessage() for r in caplog.records if r.name == app.logger.name)
    assert "'missing.html'" in log
    for folder in ("templates", "bp1_t", "bp2_t"):
        assert str(tmp_path / folder) in log
    assert log.count("no match") == 3
    assert "'bp1'" in log and "'bp2'" in log
    assert "could not be found" in log


@pytest.mark.parametrize(
    ("name", "first_line"),
    [
        ("missing.html", "Error: the template could not be found."),
        ("both.html", "Warning: multiple loaders returned a match for the template."),
    ],
)
def test_explain_template_loading_from_a_blueprint_gives_flasks_hint(
    tmp_path: Path, caplog: pytest.LogCaptureFixture, name: str, first_line: str
) -> None:
    app = make_app(tmp_path, {"both.html": "app"})
    bp = make_bp(tmp_path, "admin", "admin_t", {"both.html": "bp"})

    @bp.route("/page")
    def page() -> str:
        return erlen.render_template(name)

    app.register_blueprint(bp)
    app.config["EXPLAIN_TEMPLATE_LOADING"] = True
    app.testing = True
    client = app.test_client()
    with caplog.at_level(logging.INFO, logger=app.logger.name):
        if name == "missing.html":
            with pytest.raises(jinja2.TemplateNotFound):
                client.get("/page")
        else:
            assert client.get("/page").text == "app"
    log = "\n".join(r.getMessage() for r in caplog.records if r.name == app.logger.name)
    # Flask's lines first, in Flask's order; erlen's explanation may follow.
    flask_lines = [
        first_line,
        "  The template was looked up from an endpoint that belongs to the blueprint"
        " 'admin'.",
        "  Maybe you did not place a template in the right folder?",
        "  See https://flask.palletsprojects.com/blueprints/#templates",
    ]
    assert "\n".join(flask_lines) in log


def test_without_explain_template_loading_nothing_is_logged(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    app = make_app(tmp_path, {"a.html": "a"})
    with caplog.at_level(logging.DEBUG, logger=app.logger.name), app.app_context():
        render_template("a.html")
        with pytest.raises(jinja2.TemplateNotFound):
            render_template("missing.html")
    assert [r for r in caplog.records if r.name == app.logger.name] == []


# -- TEMPLATES_AUTO_RELOAD -----------------------------------------------------


def test_auto_reload_follows_debug_when_config_is_none(tmp_path: Path) -> None:
    app = make_app(tmp_path)
    assert app.config["TEMPLATES_AUTO_RELOAD"] is None
    app.debug = False
    assert app.jinja_env.auto_reload is False

    debug_app = make_app(tmp_path)
    debug_app.debug = True
    assert debug_app.jinja_env.auto_reload is True


@pytest.mark.parametrize("debug", [False, True])
def test_auto_reload_config_forces_value(tmp_path: Path, debug: bool) -> None:
    on = make_app(tmp_path)
    on.config["TEMPLATES_AUTO_RELOAD"] = True
    on.debug = debug
    assert on.jinja_env.auto_reload is True

    off = make_app(tmp_path)
    off.config["TEMPLATES_AUTO_RELOAD"] = False
    off.debug = debug
    assert off.jinja_env.auto_reload is False


def test_setting_debug_after_env_exists_updates_auto_reload(tmp_path: Path) -> None:
    app = make_app(tmp_path)
    app.debug = False
    env = app.jinja_env
    assert env.auto_reload is False
    app.debug = True
    assert env.auto_reload is True
    app.debug = False
    assert env.auto_reload is False


def test_setting_debug_does_not_override_forced_auto_reload(tmp_path: Path) -> None:
    app = make_app(tmp_path)
    app.config["TEMPLATES_AUTO_RELOAD"] = False
    env = app.jinja_env
    app.debug = True
    assert env.auto_reload is False


def _edit(path: Path, new_text: str) -> None:
    stat = path.stat()
    path.write_text(new_text, encoding="utf-8")
    os.utime(path, (stat.st_atime + 10, stat.st_mtime + 10))


def test_edited_template_is_reread_when_auto_reload_is_on(tmp_path: Path) -> None:
    app = make_app(tmp_path, {"page.html": "version 1"})
    app.config["TEMPLATES_AUTO_RELOAD"] = True
    with app.app_context():
        assert render_template("page.html") == "version 1"
        _edit(tmp_path / "templates" / "page.html", "version 2")
        assert render_template("page.html") == "version 2"


def test_edited_template_is_cached_when_auto_reload_is_off(tmp_path: Path) -> None:
    app = make_app(tmp_path, {"page.html": "version 1"})
    app.config["TEMPLATES_AUTO_RELOAD"] = False
    with app.app_context():
        assert render_template("page.html") == "version 1"
        _edit(tmp_path / "templates" / "page.html", "version 2")
        assert render_template("page.html") == "version 1"


# -- autoescaping --------------------------------------------------------------


@pytest.mark.parametrize(
    ("filename", "expected"),
    [
        ("a.html", True),
        ("a.htm", True),
        ("a.xml", True),
        ("a.xhtml", True),
        ("a.svg", True),
        ("dir/page.html", True),
        (None, True),
        ("a.txt", False),
        ("a.js", False),
        ("a.html.txt", False),
    ],
)
def test_select_jinja_autoescape(tmp_path: Path, filename: str | None, expected: bool) -> None:
    assert make_app(tmp_path).select_jinja_autoescape(filename) is expected


def test_autoescape_applies_by_template_extension_and_to_strings(tmp_path: Path) -> None:
    body = "{{ v }}"
    app = make_app(
        tmp_path, {"a.html": body, "a.xml": body, "a.svg": body, "a.txt": body, "a.htm": body}
    )
    value = "<b>&'\""
    escaped = str(escape(value))
    with app.app_context():
        for name in ("a.html", "a.htm", "a.xml", "a.svg"):
            assert render_template(name, v=value) == escaped, name
        assert render_template("a.txt", v=value) == value
        assert render_template_string(body, v=value) == escaped


def test_autoescape_can_be_turned_off_in_template(tmp_path: Path) -> None:
    app = make_app(tmp_path, {"a.html": "{% autoescape false %}{{ v }}{% endautoescape %}"})
    with app.app_context():
        assert render_template("a.html", v="<i>") == "<i>"


def test_markup_is_not_escaped_and_escape_works(tmp_path: Path) -> None:
    app = make_app(tmp_path, {"m.html": "{{ safe }}|{{ raw }}|{{ esc }}|{{ raw|safe }}"})
    with app.app_context():
        rv = render_template("m.html", safe=Markup("<b>ok</b>"), raw="<b>", esc=escape("<x>"))
    assert rv == "<b>ok</b>|&lt;b&gt;|&lt;x&gt;|<b>"


# -- render helpers ------------------------------------------------------------


def test_render_template_passes_context(tmp_path: Path) -> None:
    app = make_app(tmp_path, {"hello.html": "Hello {{ name }} {{ n + 1 }}"})

    @app.route("/")
    def index() -> str:
        return render_template("hello.html", name="World", n=41)

    assert text(app, "/") == "Hello World 42"


def test_render_template_list_renders_first_that_exists(tmp_path: Path) -> None:
    app = make_app(tmp_path, {"b.html": "b", "c.html": "c"})
    with app.app_context():
        assert render_template(["missing.html", "b.html", "c.html"]) == "b"
        assert render_template(["c.html", "b.html"]) == "c"


def test_render_template_accepts_template_object(tmp_path: Path) -> None:
    app = make_app(tmp_path, {"a.html": "A{{ x }}"})
    with app.app_context():
        template = app.jinja_env.get_template("a.html")
        assert render_template(template, x=1) == "A1"


def test_templates_extend_and_include_through_loader(tmp_path: Path) -> None:
    app = make_app(
        tmp_path,
        {
            "base.html": "<{% block body %}{% endblock %}>",
            "child.html": "{% extends 'base.html' %}{% block body %}"
            "{% include 'part.html' %}{% endblock %}",
        },
    )
    app.register_blueprint(make_bp(tmp_path, "bp", "bp_t", {"part.html": "part"}))
    with app.app_context():
        assert render_template("child.html") == "<part>"


def test_render_template_string(tmp_path: Path) -> None:
    app = make_app(tmp_path)

    @app.route("/")
    def index() -> str:
        return render_template_string("{{ a }}-{{ b }}", a=1, b="two")

    assert text(app, "/") == "1-two"


def test_stream_template_from_view_reads_request_args_while_streaming(tmp_path: Path) -> None:
    app = make_app(
        tmp_path, {"s.html": "{% for i in range(3) %}{{ i }}{% endfor %}:{{ request.args.q }}"}
    )

    @app.route("/file")
    def file_view() -> t.Any:
        return stream_template("s.html")

    @app.route("/string")
    def string_view() -> t.Any:
        return stream_template_string("{{ request.args.q }}!{{ extra }}", extra="x")

    client = app.test_client()
    rv = client.get("/file?q=hi")
    assert rv.status_code == 200
    assert rv.get_data(as_text=True) == "012:hi"
    rv = client.get("/string?q=yo")
    assert rv.get_data(as_text=True) == "yo!x"


def test_stream_template_is_lazy_iterator(tmp_path: Path) -> None:
    app = make_app(tmp_path, {"s.html": "a{{ x }}b"})
    with app.app_context():
        parts = stream_template("s.html", x=1)
        assert not isinstance(parts, str)
        assert "".join(parts) == "a1b"
        assert "".join(stream_template_string("{{ y }}", y=2)) == "2"


def test_get_template_attribute_calls_macro(tmp_path: Path) -> None:
    app = make_app(
        tmp_path,
        {
            "macros.html": "{% macro hello(name) %}Hello {{ name }}!{% endmacro %}"
            "{% set answer = 42 %}"
        },
    )
    with app.app_context():
        hello = get_template_attribute("macros.html", "hello")
        assert hello("<World>") == "Hello &lt;World&gt;!"
        assert get_template_attribute("macros.html", "answer") == 42


# -- template context ----------------------------------------------------------


def test_templates_see_default_globals_in_request(tmp_path: Path) -> None:
    app = make_app(
        tmp_path,
        {
            "ctx.html": "{{ config.SECRET_KEY }}|{{ request.path }}|{{ session.user }}|"
            "{{ g.val }}|{{ url_for('index', a=1) }}|{{ get_flashed_messages()|join(',') }}"
        },
    )
    app.secret_key = "s3cret"

    @app.route("/login")
    def login() -> str:
        session["user"] = "ann"
        return ""

    @app.route("/")
    def index() -> str:
        g.val = "gv"
        flash("m1")
        flash("m2")
        return render_template("ctx.html")

    client = app.test_client()
    client.get("/login")
    assert client.get("/").get_data(as_text=True) == "s3cret|/|ann|gv|/?a=1|m1,m2"


def test_templates_see_config_and_g_in_app_context_only(tmp_path: Path) -> None:
    app = make_app(tmp_path)
    app.config["X"] = "cfg"
    with app.app_context():
        g.val = 5
        assert render_template_string("{{ config.X }} {{ g.val }}") == "cfg 5"


def test_context_processor_values_are_available(tmp_path: Path) -> None:
    app = make_app(tmp_path, {"p.html": "{{ user }} {{ fn(2) }}"})

    @app.context_processor
    def inject() -> dict[str, t.Any]:
        return {"user": "bob", "fn": lambda n: n * 10}

    @app.route("/")
    def index() -> str:
        return render_template("p.html")

    assert text(app, "/") == "bob 20"


def test_caller_values_win_over_context_processors(tmp_path: Path) -> None:
    app = make_app(tmp_path)

    @app.context_processor
    def inject() -> dict[str, t.Any]:
        return {"x": "processor", "y": "processor"}

    with app.test_request_context():
        assert render_template_string("{{ x }} {{ y }}", x="caller") == "caller processor"


def test_update_template_context_merges_processors_without_overriding(tmp_path: Path) -> None:
    app = make_app(tmp_path)

    @app.context_processor
    def first() -> dict[str, t.Any]:
        return {"a": 1, "b": 1}

    @app.context_processor
    def second() -> dict[str, t.Any]:
        return {"b": 2, "c": 2}

    with app.test_request_context("/p?x=1"):
        context: dict[str, t.Any] = {"c": "mine"}
        app.update_template_context(context)
        assert context["a"] == 1
        assert context["b"] == 2
        assert context["c"] == "mine"
        assert context["g"] is g._get_current_object()
        assert context["request"] is request._get_current_object()


def test_blueprint_context_processor_only_for_its_requests(tmp_path: Path) -> None:
    app = make_app(tmp_path)
    bp = Blueprint("bp", "tpl_app")
    source = "{{ local|default('none') }}/{{ everywhere|default('none') }}"

    @bp.context_processor
    def local() -> dict[str, t.Any]:
        return {"local": "bp"}

    @bp.app_context_processor
    def everywhere() -> dict[str, t.Any]:
        return {"everywhere": "all"}

    @bp.route("/")
    def bp_index() -> str:
        return render_template_string(source)

    @app.route("/")
    def index() -> str:
        return render_template_string(source)

    app.register_blueprint(bp, url_prefix="/bp")
    assert text(app, "/bp/") == "bp/all"
    assert text(app, "/") == "none/all"
    with app.app_context():
        assert render_template_string(source) == "none/all"


def test_nested_blueprint_context_processors_apply(tmp_path: Path) -> None:
    app = make_app(tmp_path)
    parent = Blueprint("parent", "tpl_app")
    child = Blueprint("child", "tpl_app")

    @parent.context_processor
    def parent_values() -> dict[str, t.Any]:
        return {"p": "parent", "shared": "parent"}

    @child.context_processor
    def child_values() -> dict[str, t.Any]:
        return {"c": "child", "shared": "child"}

    @child.route("/")
    def index() -> str:
        return render_template_string("{{ p }} {{ c }} {{ shared }}")

    parent.register_blueprint(child, url_prefix="/child")
    app.register_blueprint(parent, url_prefix="/parent")
    assert text(app, "/parent/child/") == "parent child child"


# -- filters, tests, globals -----------------------------------------------------


def test_template_filter_with_name_and_empty_parentheses(tmp_path: Path) -> None:
    app = make_app(tmp_path)

    @app.template_filter("rev")
    def reverse(s: str) -> str:
        return s[::-1]

    @app.template_filter()
    def shout(s: str) -> str:
        return s.upper()

    assert callable(reverse) and reverse("ab") == "ba"
    assert app.jinja_env.filters["rev"] is reverse
    assert app.jinja_env.filters["shout"] is shout
    with app.app_context():
        assert render_template_string("{{ 'abc'|rev }} {{ 'x'|shout }}") == "cba X"


def test_template_filter_bare_decorator(tmp_path: Path) -> None:
    app = make_app(tmp_path)

    @app.template_filter
    def double(s: str) -> str:
        return s * 2

    assert double("a") == "aa"
    assert app.jinja_env.filters["double"] is double
    with app.app_context():
        assert render_template_string("{{ 'ab'|double }}") == "abab"


def test_add_template_filter(tmp_path: Path) -> None:
    app = make_app(tmp_path)

    def first(s: str) -> str:
        return s[0]

    app.add_template_filter(first)
    app.add_template_filter(first, "initial")
    with app.app_context():
        assert render_template_string("{{ 'xyz'|first }}{{ 'abc'|initial }}") == "xa"


def test_template_filter_registered_after_env_creation_works(tmp_path: Path) -> None:
    app = make_app(tmp_path)
    env = app.jinja_env

    @app.template_filter("late")
    def late(s: str) -> str:
        return f"<{s}>"

    assert env.filters["late"] is late


def test_template_test_with_name_and_empty_parentheses(tmp_path: Path) -> None:
    app = make_app(tmp_path)

    @app.template_test("boolean_like")
    def is_boolean(v: t.Any) -> bool:
        return isinstance(v, bool)

    @app.template_test()
    def even(v: int) -> bool:
        return v % 2 == 0

    def odd(v: int) -> bool:
        return v % 2 == 1

    app.add_template_test(odd)
    app.add_template_test(odd, name="uneven")
    assert app.jinja_env.tests["boolean_like"] is is_boolean
    source = "{{ false is boolean_like }} {{ 4 is even }} {{ 3 is odd }} {{ 2 is uneven }}"
    with app.app_context():
        assert render_template_string(source) == "True True True False"


def test_template_test_bare_decorator(tmp_path: Path) -> None:
    app = make_app(tmp_path)

    @app.template_test
    def positive(v: int) -> bool:
        return v > 0

    assert positive(1) is True
    assert app.jinja_env.tests["positive"] is positive
    with app.app_context():
        assert render_template_string("{{ -1 is positive }} {{ 1 is positive }}") == "False True"


def test_template_global_with_name_and_empty_parentheses(tmp_path: Path) -> None:
    app = make_app(tmp_path)

    @app.template_global("add")
    def plus(a: int, b: int) -> int:
        return a + b

    @app.template_global()
    def five() -> int:
        return 5

    def seven() -> int:
        return 7

    app.add_template_global(seven)
    app.add_template_global(seven, "sieben")
    assert app.jinja_env.globals["add"] is plus
    with app.app_context():
        rv = render_template_string("{{ add(1, 2) }}{{ five() }}{{ seven() }}{{ sieben() }}")
    assert rv == "3577"


def test_template_global_bare_decorator(tmp_path: Path) -> None:
    app = make_app(tmp_path)

    @app.template_global
    def six() -> int:
        return 6

    assert six() == 6
    assert app.jinja_env.globals["six"] is six
    with app.app_context():
        assert render_template_string("{{ six() }}") == "6"


def test_blueprint_app_template_filter_test_global(tmp_path: Path) -> None:
    app = make_app(tmp_path)
    bp = Blueprint("bp", "tpl_app")

    @bp.app_template_filter("wrap")
    def wrap_it(s: str) -> str:
        return f"[{s}]"

    @bp.app_template_filter()
    def lower(s: str) -> str:
        return s.lower()

    @bp.app_template_test("long")
    def is_long(s: str) -> bool:
        return len(s) > 3

    @bp.app_template_test()
    def short(s: str) -> bool:
        return len(s) <= 3

    @bp.app_template_global("site")
    def site_name() -> str:
        return "Site"

    @bp.app_template_global()
    def version() -> str:
        return "1.0"

    assert wrap_it("a") == "[a]"
    assert "wrap" not in app.jinja_env.filters
    app.register_blueprint(bp)
    assert app.jinja_env.filters["wrap"] is wrap_it
    assert app.jinja_env.tests["long"] is is_long
    assert app.jinja_env.globals["site"] is site_name
    source = (
        "{{ 'X'|lower|wrap }} {{ 'abcd' is long }} {{ 'ab' is short }} {{ site() }} {{ version() }}"
    )
    with app.app_context():
        assert render_template_string(source) == "[x] True True Site 1.0"


def test_blueprint_add_app_template_variants(tmp_path: Path) -> None:
    app = make_app(tmp_path)
    bp = Blueprint("bp", "tpl_app")

    def star(s: str) -> str:
        return f"*{s}*"

    def empty(s: str) -> bool:
        return s == ""

    def greeting() -> str:
        return "hi"

    bp.add_app_template_filter(star)
    bp.add_app_template_filter(star, "stars")
    bp.add_app_template_test(empty)
    bp.add_app_template_test(empty, name="blank")
    bp.add_app_template_global(greeting)
    bp.add_app_template_global(greeting, name="hello")
    app.register_blueprint(bp)
    source = "{{ 'a'|star }}{{ 'b'|stars }} {{ '' is empty }} {{ 'x' is blank }} {{ hello() }}"
    with app.app_context():
        assert render_template_string(source) == "*a**b* True False hi"


def test_blueprint_filter_usable_in_blueprint_view(tmp_path: Path) -> None:
    app = make_app(tmp_path)
    bp = make_bp(tmp_path, "bp", "bp_t", {"bp_page.html": "{{ 'hey'|excite }}"})

    @bp.app_template_filter()
    def excite(s: str) -> str:
        return s + "!"

    @bp.route("/page")
    def page() -> str:
        return render_template("bp_page.html")

    app.register_blueprint(bp)
    assert text(app, "/page") == "hey!"


# -- signals -------------------------------------------------------------------


def test_render_template_sends_signals_with_template_and_context(tmp_path: Path) -> None:
    app = make_app(tmp_path, {"sig.html": "{{ x }}"})

    @app.context_processor
    def inject() -> dict[str, t.Any]:
        return {"p": "proc"}

    @app.route("/")
    def index() -> str:
        return render_template("sig.html", x=42)

    before, before_cm = signal_log(before_render_template, app)
    rendered, rendered_cm = signal_log(template_rendered, app)
    order: list[str] = []

    def record_before(sender: t.Any, **kw: t.Any) -> None:
        order.append("before")

    def record_after(sender: t.Any, **kw: t.Any) -> None:
        order.append("after")

    with (
        before_cm,
        rendered_cm,
        before_render_template.connected_to(record_before, app),
        template_rendered.connected_to(record_after, app),
    ):
        assert text(app, "/") == "42"
    for seen in (before, rendered):
        assert len(seen) == 1
        sender, template, context = seen[0]
        assert sender is app
        assert isinstance(template, jinja2.Template)
        assert template.name == "sig.html"
        assert context["x"] == 42
        assert context["p"] == "proc"
    assert order == ["before", "after"]


def test_render_template_string_sends_signals(tmp_path: Path) -> None:
    app = make_app(tmp_path)
    before, before_cm = signal_log(before_render_template, app)
    rendered, rendered_cm = signal_log(template_rendered, app)
    with before_cm, rendered_cm, app.app_context():
        assert render_template_string("{{ y }}", y="why") == "why"
    assert len(before) == 1 and len(rendered) == 1
    assert rendered[0][0] is app
    assert isinstance(rendered[0][1], jinja2.Template)
    assert rendered[0][2]["y"] == "why"


def test_signals_for_other_app_are_not_received(tmp_path: Path) -> None:
    app = make_app(tmp_path)
    other = Erlen("other", root_path=str(tmp_path))
    rendered, rendered_cm = signal_log(template_rendered, other)
    with rendered_cm, app.app_context():
        render_template_string("x")
    assert rendered == []


def test_stream_template_sends_rendered_signal_after_stream_finishes(tmp_path: Path) -> None:
    app = make_app(tmp_path, {"st.html": "{% for i in items %}{{ i }}{% endfor %}"})
    before, before_cm = signal_log(before_render_template, app)
    rendered, rendered_cm = signal_log(template_rendered, app)
    with before_cm, rendered_cm, app.test_request_context():
        parts = iter(stream_template("st.html", items=[1, 2, 3]))
        first = next(parts)
        assert len(before) == 1
        assert rendered == []
        rest = "".join(parts)
        assert first + rest == "123"
        assert len(rendered) == 1
        sender, template, context = rendered[0]
        assert sender is app
        assert template.name == "st.html"
        assert context["items"] == [1, 2, 3]


def test_streamed_view_sends_signals(tmp_path: Path) -> None:
    app = make_app(tmp_path)
    before, before_cm = signal_log(before_render_template, app)
    rendered, rendered_cm = signal_log(template_rendered, app)

    @app.route("/")
    def index() -> t.Any:
        return stream_template_string("{{ request.args.v }}-{{ z }}", z="zed")

    with before_cm, rendered_cm:
        rv = app.test_client().get("/?v=1")
        assert rv.get_data(as_text=True) == "1-zed"
    assert len(before) == 1
    assert len(rendered) == 1
    assert rendered[0][2]["z"] == "zed"


# -- tojson ----------------------------------------------------------------------


def test_tojson_escapes_html_sensitive_characters(tmp_path: Path) -> None:
    app = make_app(
        tmp_path,
        {
            "js.html": "<script>var d = {{ data|tojson }};</script>"
            "<a data-x='{{ data|tojson }}'></a>"
        },
    )
    data = {"html": "</script><b>", "amp": "a&b", "quote": "it's"}
    with app.app_context():
        rv = render_template("js.html", data=data)
    assert "</script><b>" not in rv.split("<script>", 1)[1].rsplit("</script>", 1)[0]
    encoded = (
        '{"amp": "a\\u0026b", "html": "\\u003c/script\\u003e\\u003cb\\u003e", '
        '"quote": "it\\u0027s"}'
    )
    assert rv == f"<script>var d = {encoded};</script><a data-x='{encoded}'></a>"


def test_tojson_sorts_keys_even_when_provider_does_not(tmp_path: Path) -> None:
    # Jinja's "json.dumps_kwargs" policy passes sort_keys=True to the app's dumps.
    app = make_app(tmp_path)
    data = {"b": 1, "a": 2}
    with app.app_context():
        assert render_template_string("{{ d|tojson }}", d=data) == '{"a": 2, "b": 1}'
        app.json.sort_keys = False  # type: ignore[attr-defined]
        assert app.json.dumps(data) == '{"b": 1, "a": 2}'
        assert render_template_string("{{ d|tojson }}", d=data) == '{"a": 2, "b": 1}'
        assert render_template_string("{{ d|tojson(indent=2) }}", d=[1]) == "[\n  1\n]"


def test_tojson_uses_app_json_provider_class(tmp_path: Path) -> None:
    class Point:
        def __init__(self, x: int, y: int) -> None:
            self.x, self.y = x, y

    def point_default(o: t.Any) -> t.Any:
        if isinstance(o, Point):
            return [o.x, o.y]
        raise TypeError(type(o).__name__)

    class MyProvider(erlen.json.provider.DefaultJSONProvider):
        default = staticmethod(point_default)

    class MyApp(Erlen):
        json_provider_class = MyProvider

    app = MyApp("tpl_app", root_path=str(tmp_path))
    with app.app_context():
        assert render_template_string("{{ p|tojson }}", p={"pt": Point(1, 2)}) == '{"pt": [1, 2]}'


def test_tojson_serializes_with_app_json_default(tmp_path: Path) -> None:
    import datetime
    import uuid

    app = make_app(tmp_path)
    u = uuid.UUID("12345678-1234-5678-1234-567812345678")
    day = datetime.date(2024, 1, 2)
    with app.app_context():
        rv = render_template_string("{{ v|tojson }}", v=[u, day])
    assert rv == '["12345678-1234-5678-1234-567812345678", "Tue, 02 Jan 2024 00:00:00 GMT"]'


# -- errors --------------------------------------------------------------------


def test_rendering_outside_app_context_raises(tmp_path: Path) -> None:
    write(tmp_path / "templates", {"a.html": "a"})
    msg = "Working outside of application context."
    with pytest.raises(RuntimeError, match=msg):
        render_template("a.html")
    with pytest.raises(RuntimeError, match=msg):
        render_template_string("a")
    with pytest.raises(RuntimeError, match=msg):
        stream_template_string("a")
    with pytest.raises(RuntimeError, match=msg):
        get_template_attribute("a.html", "x")


def test_missing_template_raises_template_not_found(tmp_path: Path) -> None:
    app = make_app(tmp_path, {"a.html": ""})
    with app.app_context():
        with pytest.raises(jinja2.TemplateNotFound) as exc_info:
            render_template("nope/missing.html")
        assert exc_info.value.name == "nope/missing.html"
        assert "nope/missing.html" in str(exc_info.value)
        with pytest.raises(jinja2.TemplateNotFound) as exc_info:
            render_template(["x.html", "y.html"])
        assert "x.html" in str(exc_info.value) and "y.html" in str(exc_info.value)
        with pytest.raises(jinja2.TemplateNotFound):
            stream_template("missing.html")


def test_missing_template_in_view_is_500(tmp_path: Path) -> None:
    app = make_app(tmp_path)
    app.testing = False
    app.logger.disabled = True

    @app.route("/")
    def index() -> str:
        return render_template("missing.html")

    try:
        rv = app.test_client().get("/")
    finally:
        app.logger.disabled = False
    assert rv.status_code == 500


def test_missing_template_in_view_propagates_when_testing(tmp_path: Path) -> None:
    app = make_app(tmp_path)
    app.testing = True

    @app.route("/")
    def index() -> str:
        return render_template("missing.html")

    with pytest.raises(jinja2.TemplateNotFound) as exc_info:
        app.test_client().get("/")
    assert exc_info.value.name == "missing.html"


# -- Jinja loads on first use ---------------------------------------------------


def run_fresh(tmp_path: Path, code: str) -> list[str]:
    """Run ``code`` in a new interpreter (nothing imported yet); its output lines."""
    out = subprocess.run(
        [sys.executable, "-c", textwrap.dedent(code)],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert out.returncode == 0, out.stderr
    return out.stdout.split()


def test_render_helpers_import_without_jinja_until_a_template_renders(tmp_path: Path) -> None:
    write(tmp_path / "templates", {"hi.html": "Hi {{ name }}!"})
    code = """
        import sys
        import erlen
        import erlen.templating
        from erlen import (
            Erlen, render_template, render_template_string, stream_template,
            stream_template_string,
        )

        app = Erlen("fresh_app", root_path=".")

        @app.route("/")
        def plain():
            return "plain"

        @app.route("/page")
        def page():
            return render_template("hi.html", name="page")

        client = app.test_client()
        assert client.get("/").data == b"plain"
        print("jinja2" in sys.modules, "erlen._jinja" in sys.modules)
        assert client.get("/page").data == b"Hi page!"
        with app.app_context():
            assert render_template_string("{{ 1 + 1 }}") == "2"
            assert "".join(stream_template_string("{{ 'a' * 2 }}")) == "aa"
        print("jinja2" in sys.modules, type(app.jinja_env).__name__)
    """
    assert run_fresh(tmp_path, code) == ["False", "False", "True", "Environment"]


def test_jinja_env_creation_loads_jinja(tmp_path: Path) -> None:
    code = """
        import sys
        import erlen
        app = erlen.Erlen("fresh_app", root_path=".")
        print("jinja2" in sys.modules)
        env = app.jinja_env
        import jinja2, erlen.templating
        print(isinstance(env, erlen.templating.Environment), isinstance(env, jinja2.Environment))
    """
    assert run_fresh(tmp_path, code) == ["False", "True", "True"]


def test_templating_module_still_offers_its_jinja_names() -> None:
    import erlen.templating as templating

    assert issubclass(templating.Environment, jinja2.Environment)
    assert issubclass(templating.DispatchingJinjaLoader, jinja2.BaseLoader)
    assert templating.BaseEnvironment is jinja2.Environment
    assert templating.BaseLoader is jinja2.BaseLoader
    assert templating.Template is jinja2.Template
    assert templating.TemplateNotFound is jinja2.TemplateNotFound
    from erlen.templating import DispatchingJinjaLoader, Environment

    assert Environment is templating.Environment
    assert DispatchingJinjaLoader is templating.DispatchingJinjaLoader
    assert Environment.__module__ == DispatchingJinjaLoader.__module__ == "erlen.templating"
    assert pickle.loads(pickle.dumps(Environment)) is Environment
    assert {"Environment", "DispatchingJinjaLoader", "render_template"} <= set(dir(templating))
    with pytest.raises(AttributeError, match="no_such_name"):
        templating.no_such_name  # noqa: B018


def _jinja_context(template: t.Any, *args: t.Any, **kwargs: t.Any) -> t.Any:
    """The context Jinja's own ``Template.new_context`` builds for ``template``."""
    return jinja2.Template.new_context(template, *args, **kwargs)


@pytest.mark.parametrize(
    "call",
    [
        {},
        {"vars": {"title": "t", "range": "shadowed", "rows": [1, 2]}},
        {"vars": {"title": "t"}, "shared": True},
        {"vars": {"title": "t"}, "locals": {"l_0_x": 1, "l_0_y": jinja2.utils.missing}},
        {"vars": None},
    ],
    ids=["nothing", "vars", "shared", "locals", "none"],
)
@pytest.mark.parametrize("template_globals", [None, {"site": "erlen", "url_for": "mine"}])
def test_a_render_context_holds_what_jinjas_would(
    call: dict[str, t.Any], template_globals: dict[str, t.Any] | None
) -> None:
    from erlen._jinja import ErlenTemplate

    app = Erlen(__name__)
    app.jinja_env.globals["extra"] = 1
    with app.test_request_context("/"):
        template = app.jinja_env.from_string("{{ title }}", globals=template_globals)
        assert type(template) is ErlenTemplate
        ours = template.new_context(**call)
        theirs = _jinja_context(template, **call)
        assert list(ours.parent.items()) == list(theirs.parent.items())
        assert ours.vars == theirs.vars and ours.globals_keys == theirs.globals_keys
        assert ours.name == theirs.name and ours.blocks == theirs.blocks
        if call.get("shared"):
            assert ours.parent is call["vars"]


def test_a_render_context_with_a_defaultdict_or_bad_keys_is_jinjas() -> None:
    from collections import defaultdict

    app = Erlen(__name__)
    template = app.jinja_env.from_string("{{ x }}")
    template.globals.maps.insert(0, defaultdict(lambda: "default"))
    ours = template.new_context({"x": 1})
    theirs = _jinja_context(template, {"x": 1})
    assert list(ours.parent.items()) == list(theirs.parent.items())
    assert ours.parent["range"] == "default"  # ChainMap asks the defaultdict first
    plain = app.jinja_env.from_string("{{ x }}")
    for build in (plain.new_context, lambda v: _jinja_context(plain, v)):
        with pytest.raises(TypeError):
            build({1: "not a name"})
