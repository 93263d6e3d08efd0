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

    #: Marks the finder of any copy of this module (erlen imported afresh, reloaded).
    erlen_flask_alias = True

    def __init__(self) -> None:
        #: erlen's own spec of each module handed out, put back after the import
        #: system sets the alias spec on it.
        self.original_specs: dict[str, importlib.machinery.ModuleSpec] = {}

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
        erlen_spec = importlib.util.find_spec(target_name)
        if erlen_spec is None:
            return None  # no such module in erlen: an ImportError, as Flask would give
        # erlen's file as the origin: runpy (``python -m flask``) reports it as argv[0].
        return importlib.machinery.ModuleSpec(fullname, self._loader, origin=erlen_spec.origin)

    @property
    def _loader(self) -> Loader:
        return t.cast("Loader", self)

    def create_module(self, spec: importlib.machinery.ModuleSpec) -> types.ModuleType:
        if spec.name == "flask":
            return _flask_package()
        module = importlib.import_module("erlen." + spec.name[len("flask.") :])
        # The import system sets __spec__ to this alias spec; exec_module puts it back.
        if module.__spec__ is not None and not getattr(
            module.__spec__.loader, "erlen_flask_alias", False
        ):
            self.original_specs[module.__name__] = module.__spec__
        return module

    def exec_module(self, module: types.ModuleType) -> None:
        """Nothing runs: the module is erlen's, already imported. Its own ``__spec__``
        is restored, so it keeps its name for relative imports and ``reload``."""
        original = self.original_specs.get(module.__name__)
        if original is not None:
            module.__spec__ = original

    def get_code(self, fullname: str) -> t.Any:
        """The code of erlen's module, for ``runpy``: ``python -m flask`` runs
        ``erlen``'s command line."""
        if fullname == "flask":
            fullname = "flask.__main__"
        target = "erlen." + fullname[len("flask.") :]
        spec = importlib.util.find_spec(target)
        loader = getattr(spec, "loader", None)
        return loader.get_code(target) if loader is not None else None

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
            if getattr(finder, "erlen_flask_alias", False):
                continue  # this finder, or a stale one from an earlier erlen
            find = getattr(finder, "find_distributions", None)
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


_ERLEN_ONLY_NAMES = frozenset(("Erlen", "install_flask_alias", "uninstall_flask_alias"))


def _flask_package() -> types.ModuleType:
    import erlen

    module = types.ModuleType("flask", "erlen, under Flask's name (see erlen._flask_alias).")
    module.__path__ = []  # a package; its submodules come from the alias finder
    module.__version__ = FLASK_API_VERSION  # type: ignore[attr-defined]
    # Flask's own names: not erlen's additions (Erlen, the alias switches).
    module.__all__ = [  # type: ignore[attr-defined]
        name for name in erlen.__all__ if name not in _ERLEN_ONLY_NAMES
    ]

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
        return sorted({*module.__dict__, *module.__all__, *_EAGER_SUBMODULES})

    module.__getattr__ = __getattr__  # type: ignore[method-assign]
    module.__dir__ = __dir__  # type: ignore[method-assign]
    return module


_finder = _FlaskAlias()


def _is_ours(module: types.ModuleType | None) -> bool:
    """Whether ``module`` came from an erlen alias (this one or a stale one) or is
    erlen's: not the real Flask."""
    spec = getattr(module, "__spec__", None)
    return spec is not None and (
        getattr(spec.loader, "erlen_flask_alias", False) or spec.name.startswith("erlen")
    )


def real_flask_imported() -> bool:
    """Whether the real Flask package was imported in this process."""
    module = sys.modules.get("flask")
    return module is not None and not _is_ours(module)


def _drop_stale_aliases() -> None:
    """Forget finders and ``flask.<sub>`` modules left by an erlen imported earlier in
    this process (a test that imports erlen afresh): they hand out the old modules."""
    sys.meta_path[:] = [
        finder
        for finder in sys.meta_path
        if finder is _finder or not getattr(finder, "erlen_flask_alias", False)
    ]
    for name, module in list(sys.modules.items()):
        if name.startswith("flask.") and _is_ours(module):
            current = sys.modules.get("erlen." + name[len("flask.") :])
            if module is not current:
                del sys.modules[name]


def install_flask_alias() -> None:
    """Make ``flask`` and ``flask.<sub>`` mean erlen for the rest of the process.

    Does nothing when ``ERLEN_FLASK_ALIAS`` is ``0`` (or ``false``, ``no``). Warns when
    the real Flask was imported first: then every ``import flask`` gives it.
    """
    if os.environ.get("ERLEN_FLASK_ALIAS", "").lower() in {"0", "false", "no", "off"}:
        return
    _drop_stale_aliases()
    if _finder not in sys.meta_path:
        sys.meta_path.insert(0, _finder)
    warn_if_real_flask_imported()


def uninstall_flask_alias() -> None:
    """Leave ``flask`` alone from now on: remove the hook and forget the aliased modules
    (code that already imported them keeps erlen's objects)."""
    sys.meta_path[:] = [f for f in sys.meta_path if not getattr(f, "erlen_flask_alias", False)]
    for name in [name for name in sys.modules if name == "flask" or name.startswith("flask.")]:
        if _is_ours(sys.modules[name]):
            del sys.modules[name]


_warned = False


def _caller_stacklevel() -> int:
    """The ``stacklevel`` that points a warning at the first frame outside erlen and
    the import machinery: the user's import or app."""
    frame = sys._getframe(1)
    level = 0
    while frame is not None:
        if "importlib" not in frame.f_code.co_filename:  # warnings skips those itself
            level += 1
            name = frame.f_globals.get("__name__", "")
            if not (name == "erlen" or name.startswith("erlen.")):
                return level
        frame = frame.f_back  # type: ignore[assignment]
    return 1


def warn_if_real_flask_imported() -> None:
    """Warn once if the real Flask is loaded while the alias is wanted."""
    global _warned
    if _warned or not real_flask_imported() or _finder not in sys.meta_path:
        return
    _warned = True
    command = ""
    script = (sys.argv or [""])[0].replace(os.sep, "/")
    if script.rpartition("/")[2] == "flask" or script.endswith("flask/__main__.py"):
        command = " Run the 'erlen' command (or 'python -m erlen') instead of 'flask'."
    warnings.warn(
        "The real Flask was imported before erlen, so every 'import flask' in this process"
        " gives the real Flask, including the Flask extensions, whose 'current_app', 'g',"
        " 'request' and 'session' an erlen app never sets. Import erlen before Flask and"
        " before any Flask extension (or set ERLEN_FLASK_ALIAS=0 if you mean to run Flask"
        f" beside erlen).{command}",
        RuntimeWarning,
        stacklevel=_caller_stacklevel(),
    )
