"""The Jinja2 subclasses of :mod:`erlen.templating`.

Kept apart so that ``erlen.templating`` (and so ``from erlen import render_template``)
does not import Jinja2: this module loads when ``erlen.templating.Environment`` or
``erlen.templating.DispatchingJinjaLoader`` is first used, which creating an app's
``jinja_env`` does. The classes present themselves as members of ``erlen.templating``.
"""

from __future__ import annotations

import typing as t

from jinja2 import BaseLoader, TemplateNotFound
from jinja2 import Environment as BaseEnvironment

if t.TYPE_CHECKING:
    from .app import Erlen
    from .sansio.scaffold import Scaffold


class Environment(BaseEnvironment):
    """A Jinja environment bound to an app, loading templates from the app and its
    blueprints unless another ``loader`` is given."""

    __module__ = "erlen.templating"

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
