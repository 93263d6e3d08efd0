"""Jinja2 templates: the app's environment, the loader that also searches blueprints,
and ``render_template`` with its string and streaming variants.

Importing this module does not import Jinja2. Rendering goes through ``app.jinja_env``,
whose creation loads it; :class:`Environment` and :class:`DispatchingJinjaLoader`
(defined in ``erlen._jinja``) and the Jinja names this module has always offered
(``BaseEnvironment``, ``BaseLoader``, ``Template``, ``TemplateNotFound``) are imported
on first access.
"""

from __future__ import annotations

import typing as t

from . import globals as _globals
from ._internal import lazy_exports
from .globals import _current_app
from .helpers import stream_with_context
from .signals import before_render_template, template_rendered

if t.TYPE_CHECKING:
    from jinja2 import BaseLoader as BaseLoader
    from jinja2 import Environment as BaseEnvironment  # noqa: F401 (offered lazily)
    from jinja2 import Template as Template
    from jinja2 import TemplateNotFound as TemplateNotFound

    from ._jinja import DispatchingJinjaLoader as DispatchingJinjaLoader
    from ._jinja import Environment as Environment
    from .app import Erlen

# Assigned, not imported (see erlen.globals): their methods are called per request.
_cv_request = _globals._cv_request

#: name -> (module, attribute) of the names imported on first access.
_LAZY: dict[str, tuple[str, str]] = {
    "Environment": ("erlen._jinja", "Environment"),
    "DispatchingJinjaLoader": ("erlen._jinja", "DispatchingJinjaLoader"),
    "BaseEnvironment": ("jinja2", "Environment"),
    "BaseLoader": ("jinja2", "BaseLoader"),
    "Template": ("jinja2", "Template"),
    "TemplateNotFound": ("jinja2", "TemplateNotFound"),
    # Names flask.templating has at run time, which code written for Flask may import.
    "_cv_app": ("erlen.globals", "_cv_app"),
    "_default_template_ctx_processor": ("erlen.sansio.scaffold", "_default_template_ctx_processor"),
    "request": ("erlen.globals", "request"),
}


__getattr__, __dir__ = lazy_exports(globals(), _LAZY)


def _render(app: Erlen, template: Template, context: dict[str, t.Any]) -> str:
    app.update_template_context(context)
    if before_render_template.receivers:
        before_render_template.send(
            app, _async_wrapper=app.ensure_sync, template=template, context=context
        )
    rv = template.render(context)
    if template_rendered.receivers:
        template_rendered.send(
            app, _async_wrapper=app.ensure_sync, template=template, context=context
        )
    return rv


def render_template(
    template_name_or_list: str | Template | list[str | Template], **context: t.Any
) -> str:
    """Render a template (the first that exists, for a list) with the given context
    plus the context processors' values."""
    app: Erlen = _current_app()
    template = app.jinja_env.get_or_select_template(template_name_or_list)
    return _render(app, template, context)


def render_template_string(source: str, **context: t.Any) -> str:
    """Render a template given as source text."""
    app: Erlen = _current_app()
    template = app.jinja_env.from_string(source)
    return _render(app, template, context)


def _stream(app: Erlen, template: Template, context: dict[str, t.Any]) -> t.Iterator[str]:
    app.update_template_context(context)
    if before_render_template.receivers:
        before_render_template.send(
            app, _async_wrapper=app.ensure_sync, template=template, context=context
        )

    def generate() -> t.Iterator[str]:
        yield from template.generate(context)
        if template_rendered.receivers:
            template_rendered.send(
                app, _async_wrapper=app.ensure_sync, template=template, context=context
            )

    rv = generate()
    # Keep the request context for the whole stream when there is one.
    if _cv_request.get(None) is not None:
        rv = stream_with_context(rv)
    return rv


def stream_template(
    template_name_or_list: str | Template | list[str | Template], **context: t.Any
) -> t.Iterator[str]:
    """Render a template piece by piece, as a response body to stream."""
    app: Erlen = _current_app()
    template = app.jinja_env.get_or_select_template(template_name_or_list)
    return _stream(app, template, context)


def stream_template_string(source: str, **context: t.Any) -> t.Iterator[str]:
    """Render template source text piece by piece, as a response body to stream."""
    app: Erlen = _current_app()
    template = app.jinja_env.from_string(source)
    return _stream(app, template, context)
