"""The Jinja2 subclasses of :mod:`erlen.templating`, and the code generator the
app's environment compiles templates with (:class:`ErlenCodeGenerator`).

Kept apart so that ``erlen.templating`` (and so ``from erlen import render_template``)
does not import Jinja2: this module loads when ``erlen.templating.Environment`` or
``erlen.templating.DispatchingJinjaLoader`` is first used, which creating an app's
``jinja_env`` does. The classes present themselves as members of ``erlen.templating``.
"""

from __future__ import annotations

import io
import typing as t
from collections import ChainMap

import markupsafe
from jinja2 import BaseLoader, TemplateNotFound, nodes
from jinja2 import Environment as BaseEnvironment
from jinja2 import Template as BaseTemplate
from jinja2.compiler import CodeGenerator

#: MarkupSafe 3's escaping of a str (its ``escape`` is Python around it); None in
#: MarkupSafe 2, whose ``escape`` is written in C: Jinja's own code is kept then.
_escape_inner: t.Callable[[str], str] | None = getattr(markupsafe, "_escape_inner", None)
_escape = t.cast("t.Callable[[str], str]", _escape_inner)

if t.TYPE_CHECKING:
    from jinja2.runtime import Context

    from .app import Erlen
    from .sansio.scaffold import Scaffold


def escape_output(value: t.Any) -> str:
    """The text ``{{ value }}`` writes with autoescaping on: ``escape(value)`` as a
    plain ``str``. The output is only joined, so the ``Markup`` object that
    ``escape`` builds (in Python, in MarkupSafe 3) is not needed."""
    kind = type(value)
    if kind is str:
        return _escape(value)
    if kind is int:
        return str(value)  # digits and a sign: nothing to escape
    if hasattr(value, "__html__"):
        return markupsafe.escape(value)  # Markup, a str: what it does with __html__
    return _escape(str(value))


def item_or_undefined(environment: BaseEnvironment, obj: t.Any, name: str) -> t.Any:
    """What ``environment.getattr(obj, name)`` gives once ``getattr`` has failed: the
    item ``obj[name]``, else an undefined value."""
    try:
        return obj[name]
    except (TypeError, LookupError, AttributeError):
        return environment.undefined(obj=obj, name=name)


#: The buffer name :meth:`ErlenCodeGenerator.visit_Output` has Jinja write to.
_JOINED = "erlen_joined_output"


class ErlenCodeGenerator(CodeGenerator):
    """Jinja's code generator with two changes to what ``{{ }}`` and the text
    around it compile to, which together make a table-like page render in less than
    half the time; a template's code is otherwise Jinja's own.

    - The escaped output of an expression is written with :func:`escape_output`.
    - A line of output made of several parts (``<td>{{ a }}</td>``) is yielded as
      one joined string instead of one part at a time, each part passing through
      every enclosing template's generator (``extends`` adds one per level).
    """

    def __init__(self, *args: t.Any, **kwargs: t.Any) -> None:
        super().__init__(*args, **kwargs)
        #: Whether each output part being written has the inline escape (its end too).
        self._inline_escapes: list[bool] = []

    def visit_Template(self, node: t.Any, frame: t.Any = None) -> None:
        self.writeline(
            "from erlen._jinja import escape_output as erlen_escape_output,"
            " item_or_undefined as erlen_item_or_undefined, _escape as erlen_escape_str"
        )
        super().visit_Template(node, frame)

    def visit_Getattr(self, node: t.Any, frame: t.Any) -> None:
        # ``name.attr`` of a plain environment: the attribute looked up inline, the
        # environment's getattr (the item, else undefined) only when there is none.
        environment = self.environment
        if (
            environment.is_async
            or type(node.node) is not nodes.Name
            or type(environment).getattr is not BaseEnvironment.getattr
        ):
            super().visit_Getattr(node, frame)
            return
        self.write("(t_erlen if (t_erlen := getattr(")
        self.visit(node.node, frame)
        self.write(f", {node.attr!r}, missing)) is not missing else erlen_item_or_undefined(")
        self.write("environment, ")
        self.visit(node.node, frame)
        self.write(f", {node.attr!r}))")

    def _output_child_pre(self, node: t.Any, frame: t.Any, finalize: t.Any) -> None:
        eval_ctx = frame.eval_ctx
        if _escape_inner is None or eval_ctx.volatile or not eval_ctx.autoescape:
            self._inline_escapes.append(False)
            super()._output_child_pre(node, frame, finalize)
            return
        if finalize.src is not None:
            self._inline_escapes.append(False)
            self.write("erlen_escape_output(")
            self.write(finalize.src)
            return
        # escape_output written out for a str or an int value (most of them), saving
        # a call per value; anything else still goes through it.
        self._inline_escapes.append(True)
        self.write("(erlen_escape_str(t_out) if (t_kind := type(t_out := ")

    def _output_child_post(self, node: t.Any, frame: t.Any, finalize: t.Any) -> None:
        if self._inline_escapes.pop():
            self.write(
                ")) is str else str(t_out) if t_kind is int else erlen_escape_output(t_out))"
            )
            return
        super()._output_child_post(node, frame, finalize)

    def visit_Output(self, node: t.Any, frame: t.Any) -> None:
        stream = self.stream
        if frame.buffer is not None or len(node.nodes) < 2 or type(stream) is not io.StringIO:
            super().visit_Output(node, frame)
            return
        # Jinja writes the parts as one call on a buffer, ``<buffer>.extend((...))``
        # (or ``.append(...)`` if they fold into one constant), with the same lines
        # as the code it would yield them with; that call becomes the yield.
        start = stream.tell()
        frame.buffer = _JOINED
        try:
            super().visit_Output(node, frame)
        finally:
            frame.buffer = None
        code = stream.getvalue()[start:]
        at = code.find(_JOINED + ".")  # the call, written before any part
        if at < 0:
            return  # nothing written (output outside the blocks of a child template)
        for call, joined in ((".extend((", "yield concat(("), (".append(", "yield identity(")):
            if code.startswith(call, at + len(_JOINED)):
                code = code[:at] + joined + code[at + len(_JOINED) + len(call) :]
                break
        else:
            raise AssertionError(f"unexpected code for an output node: {code!r}")
        stream.seek(start)
        stream.truncate()
        stream.write(code)


class ErlenTemplate(BaseTemplate):
    """Jinja's template, whose render context takes its globals map by map.

    Jinja builds each render's variables with ``dict(template.globals, **vars)``,
    and ``template.globals`` is a ``ChainMap`` over the environment's globals: a
    Python-level lookup, and a caught ``KeyError``, for each global (about 7 µs
    for an app's 12). Merging the maps in one ``update`` each gives the same keys,
    order and values.
    """

    def new_context(
        self,
        vars: dict[str, t.Any] | None = None,
        shared: bool = False,
        locals: t.Mapping[str, t.Any] | None = None,
    ) -> Context:
        chain = self.globals
        if shared or locals or type(chain) is not ChainMap:
            return super().new_context(vars, shared, locals)
        maps = chain.maps
        for mapping in maps:
            if type(mapping) is not dict:  # a defaultdict answers missing keys
                return super().new_context(vars, shared, locals)
        parent: dict[str, t.Any] = {}
        for mapping in reversed(maps):
            parent.update(mapping)
        if vars:
            parent.update(**vars)  # (keys must be strings, as in Jinja's dict(..., **vars))
        environment = self.environment
        return environment.context_class(environment, parent, self.name, self.blocks, globals=chain)


class Environment(BaseEnvironment):
    """A Jinja environment bound to an app, loading templates from the app and its
    blueprints unless another ``loader`` is given. Templates compile with
    :class:`ErlenCodeGenerator` into :class:`ErlenTemplate` objects."""

    __module__ = "erlen.templating"
    code_generator_class = ErlenCodeGenerator
    template_class = ErlenTemplate

    def __init__(self, app: Erlen, **options: t.Any) -> None:
        if "loader" not in options:
            options["loader"] = app.create_global_jinja_loader()
        super().__init__(**options)
        self.app = app


class DispatchingJinjaLoader(BaseLoader):
    """Looks a template up in the app's template folder, then in each blueprint's, in
    registration order. With ``EXPLAIN_TEMPLATE_LOADING`` every attempt is logged."""

    __module__ = "erlen.templating"

    def __init__(self, app: Erlen) -> None:
        self.app = app

    def get_source(
        self, environment: BaseEnvironment, template: str
    ) -> tuple[str, str | None, t.Callable[[], bool] | None]:
        if self.app.config["EXPLAIN_TEMPLATE_LOADING"]:
            return self._get_source_explained(environment, template)
        for _, loader in self._iter_loaders():
            try:
                return loader.get_source(environment, template)
            except TemplateNotFound:
                continue
        raise TemplateNotFound(template)

    def _get_source_explained(
        self, environment: BaseEnvironment, template: str
    ) -> tuple[str, str | None, t.Callable[[], bool] | None]:
        from .debughelpers import explain_template_loading_attempts

        attempts: list[tuple[BaseLoader, Scaffold, tuple[str, str | None, t.Any] | None]] = []
        found = None
        for owner, loader in self._iter_loaders():
            try:
                result = loader.get_source(environment, template)
            except TemplateNotFound:
                result = None
            attempts.append((loader, owner, result))
            if found is None and result is not None:
                found = result
        explain_template_loading_attempts(self.app, template, attempts)
        if found is not None:
            return found
        raise TemplateNotFound(template)

    def _iter_loaders(self) -> t.Iterator[tuple[Scaffold, BaseLoader]]:
        loader = self.app.jinja_loader
        if loader is not None:
            yield self.app, loader
        for blueprint in self.app.iter_blueprints():
            loader = blueprint.jinja_loader
            if loader is not None:
                yield blueprint, loader

    def list_templates(self) -> list[str]:
        names: set[str] = set()
        for _, loader in self._iter_loaders():
            names.update(loader.list_templates())
        return sorted(names)
