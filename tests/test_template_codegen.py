"""erlen's template code generator against Jinja's own.

``erlen.templating.Environment`` compiles templates with ``ErlenCodeGenerator``,
which writes escaped output as plain text and yields a line of several parts as
one string. These tests render the same templates, with the same values, through
an erlen environment and a plain Jinja environment with the same options, and
compare: the text, the streamed text, the error raised and the template line an
error points at.
"""

from __future__ import annotations

import asyncio
import traceback
import typing as t

import jinja2
import pytest
from hypothesis import given
from hypothesis import strategies as st
from markupsafe import Markup

from erlen import Erlen

BASE = "<title>{{ title }}</title>{% block body %}[default {{ title }}]{% endblock %}|end"
TEMPLATES = {
    "base.html": BASE,
    "plain": "a{{ x }}b{{ y }}c",
    "single": "{{ x }}",
    "text-only": "just text",
    "folded": "{{ 'a<' }}b{{ 1 + 2 }}",
    "loop": "{% for i in items %}<li>{{ i }}:{{ loop.index }}</li>{% else %}none{% endfor %}",
    "attr-item": (
        "{{ obj.name }}/{{ obj['name'] }}/{{ d.key }}/{{ d['key'] }}/{{ missing.x is defined }}"
    ),
    "filters": "{{ x|upper }}|{{ x|e }}|{{ x|safe }}|{{ items|join(', ') }}|{{ x|length }}",
    "markup": "{{ m }}+{{ m ~ x }}+{{ '<b>'|safe }}",
    "child": "{% extends 'base.html' %}{% block body %}<p>{{ x }}</p>{{ super() }}{% endblock %}",
    "child-outside": (
        "{% extends 'base.html' %}ignored {{ x }}{% block body %}{{ y }}{% endblock %}"
    ),
    "dynamic-extends": (
        "{% if x %}{% extends 'base.html' %}{% endif %}"
        "out {{ x }}{% block body %}in{{ y }}{% endblock %}"
    ),
    "macro": "{% macro f(a, b='d') %}<{{ a }}|{{ b }}>{% endmacro %}{{ f(x) }}{{ f(y, b=x) }}",
    "call": (
        "{% macro w() %}[{{ caller() }}]{% endmacro %}{% call w() %}in {{ x }} {{ y }}{% endcall %}"
    ),
    "set-block": "{% set s %}<{{ x }}>{{ y }}{% endset %}{{ s }}/{{ s|length }}",
    "filter-block": "{% filter upper %}a{{ x }}b{{ y }}{% endfilter %}",
    "autoescape-off": "{% autoescape false %}<{{ x }}|{{ y }}>{% endautoescape %}<{{ x }}>",
    "autoescape-var": "{% autoescape flag %}<{{ x }}|{{ y }}>{% endautoescape %}",
    "include": "pre{% include 'plain' %}post {{ x }}",
    "import": "{% from 'macro' import f %}{% import 'macro' as m %}{{ x }}!",
    "cond-expr": "{{ x if y else 'no' }}={{ y }}",
    "whitespace": "{%- for i in items -%}\n  {{ i }} , {{ i }}\n{%- endfor %}",
    "raw": "{% raw %}{{ x }}{% endraw %}{{ x }}",
    "namespace": (
        "{% set ns = namespace(n=0) %}{% for i in items %}{% set ns.n = ns.n + 1 %}{% endfor %}"
        "{{ ns.n }}-{{ x }}"
    ),
    "attributes": (
        "{{ obj.name }}|{{ d.key }}|{{ d.missing }}|{{ counter.anything }}|{{ counter.real }}"
        "|{{ d.items is callable }}|{{ nothing.attr is defined }}|{{ items.0 }}"
    ),
    "error-line": "line one {{ x }}\nline two {{ y }}\n{{ boom() }} and {{ x }}\nafter",
}


class Obj:
    name = "<obj & name>"

    def __html__(self) -> str:
        return "<i>obj</i>"


class Plain:
    def __str__(self) -> str:
        return "<plain>"


class Counting:
    """Counts the lookups its ``__getattr__`` sees (a missing attribute), and has an item."""

    real = "<real>"

    def __init__(self) -> None:
        self.misses = 0

    def __getattr__(self, name: str) -> t.Any:
        self.misses += 1
        raise AttributeError(name)

    def __getitem__(self, key: str) -> str:
        return f"<item {key}>"

    def __str__(self) -> str:
        return f"Counting({self.misses})"


def values() -> dict[str, t.Any]:
    return {
        "counter": Counting(),
        "title": "T<&>",
        "x": "<x & 'y'>",
        "y": 42,
        "items": ["<a>", 2, None, 3.5],
        "obj": {"name": "dict <name>"},
        "d": {"key": "<k>"},
        "m": Markup("<em>safe</em>"),
        "flag": True,
        "boom": lambda: 1 / 0,
    }


def environments(**options: t.Any) -> tuple[jinja2.Environment, jinja2.Environment]:
    app = Erlen(__name__)
    app.jinja_options = {**app.jinja_options, "loader": jinja2.DictLoader(TEMPLATES), **options}
    erlen_env = app.jinja_env
    plain = jinja2.Environment(loader=jinja2.DictLoader(TEMPLATES), **options)
    assert type(erlen_env).code_generator_class is not jinja2.Environment.code_generator_class
    return erlen_env, plain


def outcome(env: jinja2.Environment, name: str, context: dict[str, t.Any]) -> t.Any:
    template = env.get_template(name)
    try:
        text = template.render(context)
    except Exception as e:
        lines = traceback.format_exc().splitlines()
        frames = [line for line in lines if "<template>" in line or name in line]
        return type(e).__name__, str(e), frames[-1:] if frames else None
    streamed = "".join(template.generate(context))
    assert streamed == text
    return text


OPTION_SETS: list[dict[str, t.Any]] = [
    {"autoescape": True},
    {"autoescape": False},
    {"autoescape": True, "finalize": lambda v: "" if v is None else v},
    {"autoescape": True, "trim_blocks": True, "lstrip_blocks": True},
    {"autoescape": True, "undefined": jinja2.StrictUndefined},
]


@pytest.mark.parametrize("options", range(len(OPTION_SETS)))
@pytest.mark.parametrize("name", [n for n in TEMPLATES if n != "base.html"])
def test_erlen_environment_renders_what_jinja_renders(name: str, options: int) -> None:
    erlen_env, plain = environments(**OPTION_SETS[options])
    context = values()
    assert outcome(erlen_env, name, context) == outcome(plain, name, context)
    for key in ("x", "y", "flag"):
        changed = {**context, key: Obj() if key == "x" else None}
        assert outcome(erlen_env, name, changed) == outcome(plain, name, changed)


def test_a_missing_attribute_is_looked_up_once_as_jinja_does() -> None:
    erlen_env, plain = environments(autoescape=True)
    source = "{{ c.anything }}{{ c.other }}{{ c }}"
    ours, theirs = Counting(), Counting()
    assert erlen_env.from_string(source).render(c=ours) == plain.from_string(source).render(
        c=theirs
    )
    assert ours.misses == theirs.misses == 3  # the two attributes and __html__


def test_a_sandboxed_environment_keeps_its_own_attribute_checks() -> None:
    from jinja2.sandbox import SandboxedEnvironment

    from erlen.templating import Environment

    class Sandboxed(Environment, SandboxedEnvironment):
        pass

    env = Sandboxed(Erlen(__name__), autoescape=True)
    with pytest.raises(jinja2.exceptions.SecurityError):
        env.from_string("{{ f.__code__.co_consts }}").render(f=lambda: 1)


def test_errors_point_at_the_template_line() -> None:
    erlen_env, _ = environments(autoescape=True)
    with pytest.raises(ZeroDivisionError) as info:
        erlen_env.get_template("error-line").render(values())
    stack = traceback.extract_tb(info.value.__traceback__)
    frames = [frame for frame in stack if frame.filename == "<template>"]
    assert frames and frames[-1].lineno == 3


def test_async_environments_render_what_jinja_renders() -> None:
    erlen_env, plain = environments(autoescape=True, enable_async=True)
    for name in ("plain", "loop", "child", "macro", "call", "set-block", "filters"):
        ours = asyncio.run(erlen_env.get_template(name).render_async(values()))
        theirs = asyncio.run(plain.get_template(name).render_async(values()))
        assert ours == theirs, name


text_values = st.one_of(
    st.text(max_size=30),
    st.integers(),
    st.none(),
    st.floats(allow_nan=False),
    st.builds(Markup, st.text(max_size=20)),
    st.just(Obj()),
    st.just(Plain()),
)


@given(x=text_values, y=text_values)
def test_any_value_is_escaped_as_jinja_escapes_it(x: t.Any, y: t.Any) -> None:
    erlen_env, plain = environments(autoescape=True)
    context = {**values(), "x": x, "y": y}
    for name in ("plain", "single", "loop", "child", "set-block", "macro"):
        assert outcome(erlen_env, name, context) == outcome(plain, name, context), name


def test_output_text_containing_the_buffer_name_is_left_alone() -> None:
    source = "erlen_joined_output.extend(({{ x }}erlen_joined_output.append("
    erlen_env, plain = environments(autoescape=True)
    assert erlen_env.from_string(source).render(x="<") == plain.from_string(source).render(x="<")


def test_extension_tags_render_what_jinja_renders() -> None:
    extensions = ["jinja2.ext.i18n", "jinja2.ext.do", "jinja2.ext.loopcontrols"]
    erlen_env, plain = environments(autoescape=True, extensions=extensions)
    for env in (erlen_env, plain):
        env.install_null_translations(newstyle=True)  # type: ignore[attr-defined]
    source = (
        "{% trans n=y %}<b>{{ n }}</b> item{% pluralize %}{{ n }} <i>items</i>{% endtrans %}"
        "|{{ _('Hi %(x)s', x=x) }}|{{ gettext('<b>') }}"
        "{% set acc = [] %}{% for i in items %}{% if loop.index > 2 %}{% break %}{% endif %}"
        "{% do acc.append(i) %}<{{ i }}|{{ loop.index }}>{% endfor %}{{ acc|length }}"
    )
    context = values()
    assert erlen_env.from_string(source).render(context) == plain.from_string(source).render(
        context
    )
