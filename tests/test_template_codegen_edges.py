"""Edge cases of erlen's template code generator (``erlen._jinja.ErlenCodeGenerator``)
against a plain ``jinja2.Environment`` with the same options.

The failing tests mark where erlen's output differs from Jinja's; the passing ones
pin unusual constructs (attribute names that are Python keywords, recursive loops,
``loop.cycle``, ``caller`` with arguments, loop filters, scoped blocks,
``namespace``, the undefined classes) that the generator rewrites and that the
existing differential tests do not exercise.
"""

from __future__ import annotations

import asyncio
import typing as t

import jinja2
import pytest
from markupsafe import Markup

from erlen import Erlen


def environments(**options: t.Any) -> tuple[jinja2.Environment, jinja2.Environment]:
    app = Erlen(__name__)
    app.jinja_options = {**app.jinja_options, **options}
    return app.jinja_env, jinja2.Environment(**options)


def outcome(env: jinja2.Environment, source: str, context: dict[str, t.Any]) -> t.Any:
    try:
        template = env.from_string(source)
        if env.is_async:
            return asyncio.run(template.render_async(context))
        text = template.render(context)
        assert "".join(template.generate(context)) == text
        return text
    except Exception as e:
        return type(e).__name__, str(e)


class Widget:
    """An object whose ``__html__`` hands back another object with ``__html__`` (a
    wrapper around a widget), the way a lazy or proxy object can."""

    def __html__(self) -> t.Any:
        return Inner()


class Inner:
    def __html__(self) -> str:
        return "<b>inner</b>"

    def __str__(self) -> str:
        return "<i>str of inner</i>"


def test_html_method_returning_an_html_object_is_escaped_as_markupsafe_does() -> None:
    """``markupsafe.escape(value)`` is ``Markup(value.__html__())``, and ``Markup()``
    of an object with ``__html__`` calls that ``__html__`` again, so Jinja writes
    ``<b>inner</b>``. erlen's ``escape_output`` (src/erlen/_jinja.py) writes
    ``str(value.__html__())``, the ``__str__`` of the inner object, instead:
    ``<i>str of inner</i>``."""
    erlen_env, plain = environments(autoescape=True)
    source = "{{ w }}|{{ w }}"
    expected = outcome(plain, source, {"w": Widget()})
    assert expected == "<b>inner</b>|<b>inner</b>"
    assert outcome(erlen_env, source, {"w": Widget()}) == expected


def test_generate_yields_a_prefix_of_what_jinja_yields_before_an_error() -> None:
    """A streamed template (``stream_template``, ``Template.generate``) yields a line of
    several parts as one string (src/erlen/_jinja.py ``visit_Output``; the docs'
    performance page says so): before an error it has sent a prefix of what Jinja
    would have sent (Jinja yields ``<p>`` and the escaped ``a`` before failing), and
    without an error it sends the same text."""
    erlen_env, plain = environments(autoescape=True)
    source = "head\n<p>{{ a }}{{ boom() }}</p>"
    context = {"a": "<a>", "boom": lambda: 1 / 0}

    def streamed(env: jinja2.Environment, ctx: dict[str, t.Any]) -> str:
        parts: list[str] = []
        try:
            for part in env.from_string(source).generate(ctx):
                parts.append(part)
        except ZeroDivisionError:
            parts.append("<error>")
        return "".join(parts)

    assert streamed(plain, context) == "head\n<p>&lt;a&gt;<error>"
    ours = streamed(erlen_env, context)
    assert ours.endswith("<error>")
    assert "head\n<p>&lt;a&gt;<error>".startswith(ours.removesuffix("<error>"))
    fine = {**context, "boom": lambda: "<b>"}
    assert streamed(erlen_env, fine) == streamed(plain, fine)


class Keywords:
    """Attributes named like Python keywords and builtins."""

    def __getattr__(self, name: str) -> str:
        if name.startswith("__"):
            raise AttributeError(name)
        return f"<{name}>"


class RaisingProperty:
    @property
    def broken(self) -> str:
        raise AttributeError("inside the property")

    def __getitem__(self, key: str) -> str:
        return f"item {key}"


class KeyErrorGetattr:
    def __getattr__(self, name: str) -> t.Any:
        raise KeyError(name)


SOURCES = {
    "keywords": (
        "{{ k.if }}|{{ k.class }}|{{ k.None }}|{{ k.import }}|{{ d.items is callable }}|{{ d.if }}"
    ),
    "property-attribute-error": "{{ p.broken }}",
    "getattr-key-error": "{{ w.anything }}",
    "dunders": "{{ d.__class__.__name__ }}|{{ lst.__len__() }}|{{ s.__html__ is defined }}",
    "recursive": (
        "{% for n in tree recursive %}<{{ n.name }}>{% if n.kids %}"
        "[{{ loop(n.kids) }}]{% endif %}{{ loop.depth }}{% endfor %}"
    ),
    "cycle-changed": (
        "{% for x in lst %}{{ loop.cycle('<odd>', d.if) }}{{ loop.changed(x.real) }}"
        "{{ loop.previtem }}{{ loop.nextitem }}{% endfor %}"
    ),
    "caller-args": (
        "{% macro m(u) %}[{{ caller(u) }}]{{ varargs.x }}{{ kwargs.y }}{% endmacro %}"
        "{% call(user) m(d.if) %}{{ user.upper() }}{{ user.nope }}{% endcall %}"
    ),
    "loop-filter": "{% for x in lst if x.real > 1 and d.if %}{{ x.real }}{{ x.imag }}{% endfor %}",
    "scoped-block": (
        "{% block b scoped %}{% for i in lst %}{{ i.real }}{{ d.if }}{% endfor %}{% endblock %}"
    ),
    "self-block": "{% block x %}<x>{{ d.if }}{% endblock %}{{ self.x() }}",
    "namespace": (
        "{% set ns = namespace(x=d) %}{% set ns.y = d.if %}{{ ns.y }}{{ ns.x.if }}{{ ns.nope }}"
    ),
    "set-and-filter-blocks": (
        "{% set s %}{{ d.if }}{{ m }}{% endset %}{{ s }}|{% filter upper %}{{ d.if }}{{ m }}"
        "{% endfilter %}"
    ),
    "tuple-set": "{% set a, b = d.if, d.items is callable %}{{ a }}{{ b }}",
    "undefined-attr": "{{ nothing.attr }}|{{ nothing.attr.deeper }}",
    "undefined-dunder": "{{ nothing.__html__ }}|",
    "concat": "{{ d.if ~ m }}{{ m ~ d.if }}{{ [d.if, m]|join }}",
}


def context() -> dict[str, t.Any]:
    return {
        "k": Keywords(),
        "p": RaisingProperty(),
        "w": KeyErrorGetattr(),
        "d": {"if": "<kw>", "items": "<items>"},
        "lst": [1, 2, 3],
        "s": "<s>",
        "m": Markup("<em>m</em>"),
        "tree": [{"name": "<a>", "kids": [{"name": "b&", "kids": []}]}],
    }


UNDEFINED = [
    jinja2.Undefined,
    jinja2.ChainableUndefined,
    jinja2.DebugUndefined,
    jinja2.StrictUndefined,
]


@pytest.mark.parametrize("asynchronous", [False, True])
@pytest.mark.parametrize("undefined", UNDEFINED, ids=lambda c: c.__name__)
@pytest.mark.parametrize("autoescape", [True, False])
@pytest.mark.parametrize("name", list(SOURCES))
def test_unusual_constructs_render_what_jinja_renders(
    name: str, autoescape: bool, undefined: type[jinja2.Undefined], asynchronous: bool
) -> None:
    erlen_env, plain = environments(
        autoescape=autoescape, undefined=undefined, enable_async=asynchronous
    )
    source = SOURCES[name]
    assert outcome(erlen_env, source, context()) == outcome(plain, source, context())


def test_finalize_with_attribute_lookups_renders_what_jinja_renders() -> None:
    options = {"autoescape": True, "finalize": lambda v: "-" if v is None else v}
    erlen_env, plain = environments(**options)
    source = "{{ d.nothing }}|{{ d.if }}|{{ none }}|{{ m }}{{ d.if }}"
    values = {**context(), "none": None}
    assert outcome(erlen_env, source, values) == outcome(plain, source, values)
