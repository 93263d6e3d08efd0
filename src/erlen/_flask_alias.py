"""``flask`` as another name for erlen, so Flask's extensions run on erlen unchanged.

Extensions do ``from flask import current_app, request``; pip installs the real
Flask beside them, whose proxies read Flask's own context variables, which an
erlen app never sets. :func:`install_flask_alias` (run by ``import erlen``) puts an
import hook first on ``sys.meta_path`` that answers every ``flask`` and
``flask.<sub>`` import with erlen's own module objects: ``flask.globals`` *is*
``erlen.globals``, with erlen's ``__spec__`` kept, so there is one set of context
variables and the real Flask is never executed. The top-level ``flask`` is a thin
package of its own that hands out erlen's names and reports the Flask version whose
API erlen implements (extensions gate features on it).

``ERLEN_FLASK_ALIAS=0`` in the environment, or :func:`uninstall_flask_alias`,
leaves ``flask`` alone, for a process that runs the real Flask beside erlen.
"""

from __future__ import annotations

import importlib
import importlib.machinery
import importlib.util
import os
import sys
import types
import typing as t
import warnings

if t.TYPE_CHECKING:
    from importlib.abc import Loader

#: The Flask release whose API erlen implements, reported as ``flask.__version__``.
FLASK_API_VERSION = "3.1.3"


class _FlaskAlias:
    """Finds ``flask`` (a thin package) and ``flask.<sub>`` (erlen's ``<sub>``): a
    meta path finder and its loader (the protocols need no base class, and
    ``importlib.abc`` would cost ``import erlen`` more than all the rest of it)."""

    def find_spec(
        self,
        fullname: str,
        path: t.Sequence[str] | None,
        target: types.ModuleType | None = None,
    ) -> importlib.machinery.ModuleSpec | None:
        if fullname == "flask":
            return importlib.machinery.ModuleSpec("flask", self._loader, is_package=True)
        if not fullname.startswith("flask."):
            return None
        target_name = "erlen." + fullname[len("flask.") :]
        if importlib.util.find_spec(target_name) is None:
            return None  # no such module in erlen: an ImportError, as Flask would give
        return importlib.machinery.ModuleSpec(fullname, self._loader)

    @property
    def _loader(self) -> Loader:
        return t.cast("Loader", self)

    def create_module(self, spec: importlib.machinery.ModuleSpec) -> types.ModuleType:
        if spec.name == "flask":
            return _flask_package()
        module = importlib.import_module("erlen." + spec.name[len("flask.") :])
        # The import system sets __spec__ to this alias spec; exec_module puts it back.
        spec.loader_state = module.__spec__
        return module

    def exec_module(self, module: types.ModuleType) -> None:
        """Nothing runs: the module is erlen's, already imported. Its own ``__spec__``
        is restored, so it keeps its name for relative imports and ``reload``."""
        original = getattr(module.__spec__, "loader_state", None)
        if isinstance(original, importlib.machinery.ModuleSpec):
            module.__spec__ = original

    def find_distributions(self, context: t.Any = None) -> t.Iterator[t.Any]:
        """``importlib.metadata`` asks each meta path finder for distributions. Where the
        real Flask is not installed, the distribution ``Flask`` is erlen, at the version
        ``flask.__version__`` reports: extensions read it (flask-restx and
        Flask-DebugToolbar call ``importlib.metadata.version("flask")`` on import).
        Where Flask is installed, its own metadata answers."""
        name = getattr(context, "name", None)
        if not isinstance(name, str) or name.lower() != "flask":
            return iter(())
        for finder in sys.meta_path:
            find = getattr(finder, "find_distributions", None) if finder is not self else None
            if find is not None and next(iter(find(context)), None) is not None:
                return iter(())  # the real Flask is installed
        return iter((_flask_distribution(),))


def _flask_distribution() -> t.Any:
    """erlen's metadata under the name ``Flask``. ``importlib.metadata`` is imported
    only when it asks, so ``import erlen`` stays free of it."""
    import importlib.metadata
    import pathlib

    class FlaskDistribution(importlib.metadata.Distribution):
        def read_text(self, filename: str) -> str | None:
            if filename in {"METADATA", "PKG-INFO"}:
                return (
                    f"Metadata-Version: 2.1\nName: Flask\nVersion: {FLASK_API_VERSION}\n"
                    "Summary: erlen, under Flask's name (see erlen._flask_alias)\n"
                )
            return None

        def locate_file(self, path: t.Any) -> pathlib.Path:
            return pathlib.Path(__file__).parent / str(path)

    return FlaskDistribution()


#: The submodules that ``import flask`` imports, so that they are attributes of ``flask``.
_EAGER_SUBMODULES = frozenset(
    (
        "app", "blueprints", "cli", "config", "ctx", "globals", "helpers", "json",
        "logging", "sansio", "sessions", "signals", "templating", "typing", "wrappers",
    )
)  # fmt: skip


def _flask_package() -> types.ModuleType:
    import erlen

    module = types.ModuleType("flask", "erlen, under Flask's name (see erlen._flask_alias).")
    module.__path__ = []  # a package; its submodules come from the alias finder
    module.__version__ = FLASK_API_VERSION  # type: ignore[attr-defined]
    module.__all__ = list(erlen.__all__)  # type: ignore[attr-defined]

    def __getattr__(name: str) -> t.Any:
        if name in _EAGER_SUBMODULES:
            # ``import flask`` imports these in Flask, so ``flask.cli.AppGroup`` works
            # without ``import flask.cli`` (Flask-Smorest relies on it).
            return importlib.import_module(f"flask.{name}")
        try:
            value = getattr(erlen, name)
        except AttributeError:
            raise AttributeError(f"module 'flask' has no attribute {name!r}") from None
        setattr(module, name, value)
        return value

    def __dir__() -> list[str]:
        return sorted({*module.__dict__, *erlen.__all__})

    module.__getattr__ = __getattr__  # type: ignore[method-assign]
    module.__dir__ = __dir__  # type: ignore[method-assign]
    return module


_finder = _FlaskAlias()


def _is_ours(module: types.ModuleType | None) -> bool:
    spec = getattr(module, "__spec__", None)
    return spec is not None and (spec.loader is _finder or spec.name.startswith("erlen"))


def real_flask_imported() -> bool:
    """Whether the real Flask package was imported in this process."""
    module = sys.modules.get("flask")
    return module is not None and not _is_ours(module)


def install_flask_alias() -> None:
    """Make ``flask`` and ``flask.<sub>`` mean erlen for the rest of the process.

    Does nothing when ``ERLEN_FLASK_ALIAS`` is ``0`` (or ``false``, ``no``). Warns when
    the real Flask was imported first: extensions imported before erlen hold
    Flask's own proxies and will not see erlen's app.
    """
    if os.environ.get("ERLEN_FLASK_ALIAS", "").lower() in {"0", "false", "no", "off"}:
        return
    if _finder not in sys.meta_path:
        sys.meta_path.insert(0, _finder)
    warn_if_real_flask_imported()


def uninstall_flask_alias() -> None:
    """Leave ``flask`` alone from now on: remove the hook and forget the aliased modules
    (code that already imported them keeps erlen's objects)."""
    while _finder in sys.meta_path:
        sys.meta_path.remove(_finder)
    for name in [name for name in sys.modules if name == "flask" or name.startswith("flask.")]:
        if _is_ours(sys.modules[name]):
            del sys.modules[name]


_warned = False


def warn_if_real_flask_imported() -> None:
    """Warn once if the real Flask is loaded while the alias is wanted."""
    global _warned
    if _warned or not real_flask_imported() or _finder not in sys.meta_path:
        return
    _warned = True
    warnings.warn(
        "The real Flask was imported before erlen, so Flask extensions imported so far"
        " use Flask's own 'current_app', 'g', 'request' and 'session', which an erlen app"
        " never sets. Import erlen before Flask and before any Flask extension (or set"
        " ERLEN_FLASK_ALIAS=0 if you mean to run Flask beside erlen).",
        RuntimeWarning,
        stacklevel=3,
    )
