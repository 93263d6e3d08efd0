"""Application configuration: a dict with loaders for files, objects and env vars.

Mirrors Flask's ``flask.config`` API so that code written for Flask keeps working.
"""

from __future__ import annotations

import errno
import json
import os
import types
import typing as t  # noqa: F401 (flask.config has it: code may import it from here)
from collections.abc import Callable, Mapping
from typing import IO, Any, Generic, TypeVar, overload

from werkzeug.utils import import_string

T = TypeVar("T")

#: Errors that mean "the file is not there", which ``silent=True`` ignores.
_MISSING_ERRNOS = frozenset((errno.ENOENT, errno.EISDIR, errno.ENOTDIR))


class ConfigAttribute(Generic[T]):
    """Descriptor that exposes ``obj.config[name]`` as an attribute of ``obj``.

    Lets an app offer shortcuts such as ``app.testing`` that stay in sync with
    the config dict. ``get_converter`` is applied to the value on read only.
    """

    def __init__(self, name: str, get_converter: Callable[[Any], T] | None = None) -> None:
        self.__name__ = name
        self.get_converter = get_converter

    @overload
    def __get__(self, obj: None, owner: type[Any] | None = None) -> ConfigAttribute[T]: ...

    @overload
    def __get__(self, obj: Any, owner: type[Any] | None = None) -> T: ...

    def __get__(self, obj: Any, owner: type[Any] | None = None) -> ConfigAttribute[T] | T:
        # Accessed on the class (e.g. for introspection): hand back the descriptor.
        if obj is None:
            return self
        value = obj.config[self.__name__]
        if self.get_converter is not None:
            return self.get_converter(value)
        # (Not typing.cast: that is a function call on every read.)
        return value  # type: ignore[no-any-return]

    def __set__(self, obj: Any, value: Any) -> None:
        obj.config[self.__name__] = value


def _open_config(path: str, mode: str, silent: bool) -> IO[Any] | None:
    """Open a config file, returning None for a missing file when ``silent``.

    Any other failure is re-raised with a message saying a config file was
    being loaded, since a bare "No such file" is easy to misread.
    """
    try:
        # Returned open; the caller closes it with a ``with`` block.
        return open(path, mode)
    except OSError as e:
        if silent and e.errno in _MISSING_ERRNOS:
            return None
        e.strerror = f"Unable to load configuration file ({e.strerror})"
        raise


class Config(dict):  # type: ignore[type-arg]
    """A dict of settings plus helpers to fill it from files, objects and env vars.

    Relative file names are resolved against ``root_path`` (usually the app's
    root), so config loading does not depend on the current working directory.
    """

    def __init__(
        self,
        root_path: str | os.PathLike[str],
        defaults: dict[str, Any] | None = None,
    ) -> None:
        super().__init__(defaults or {})
        self.root_path = root_path

    def from_envvar(self, variable_name: str, silent: bool = False) -> bool:
        """Load the Python config file whose path is in env var ``variable_name``.

        An unset or empty variable raises RuntimeError, or returns False when
        ``silent``. ``silent`` is also passed on to :meth:`from_pyfile`.
        """
        path = os.environ.get(variable_name)
        if not path:
            if silent:
                return False
            raise RuntimeError(
                f"Environment variable {variable_name!r} is not set, so no"
                " configuration could be loaded from it. Set this variable to"
                " the path of a configuration file."
            )
        return self.from_pyfile(path, silent=silent)

    def from_prefixed_env(
        self, prefix: str = "ERLEN", *, loads: Callable[[str], Any] = json.loads
    ) -> bool:
        """Load env vars named ``{prefix}_KEY`` into ``KEY``.

        Values are parsed with ``loads`` (JSON by default) and kept as plain
        strings if that fails. ``A__B`` in a key sets ``config["A"]["B"]``,
        creating missing dicts on the way. With the default prefix, ``FLASK_``
        variables are read too so Flask deployments keep working; ``ERLEN_``
        wins when both name the same key.
        """
        prefixes = ["FLASK_", "ERLEN_"] if prefix == "ERLEN" else [f"{prefix}_"]
        found: dict[str, str] = {}
        # Later prefixes overwrite earlier ones, which gives ERLEN_ precedence.
        for pre in prefixes:
            for name, raw in os.environ.items():
                if name.startswith(pre):
                    found[name[len(pre) :]] = raw

        for key in sorted(found):
            value: Any = found[key]
            try:
                value = loads(value)
            except Exception:
                pass  # Not parseable: keep the raw string.

            *parents, leaf = key.split("__")
            target: dict[str, Any] = self
            for part in parents:
                if part not in target:
                    target[part] = {}
                target = target[part]
            target[leaf] = value
        return True

    def from_pyfile(self, filename: str | os.PathLike[str], silent: bool = False) -> bool:
        """Execute a Python file and load its uppercase globals.

        The file runs as a fresh module named ``config`` with ``__file__`` set.
        Exceptions raised by the file's own code propagate untouched so the
        traceback points into it.
        """
        path = os.path.join(self.root_path, filename)
        f = _open_config(path, "rb", silent)
        if f is None:
            return False
        with f:
            source = f.read()
        module = types.ModuleType("config")
        module.__file__ = path
        exec(compile(source, path, "exec"), module.__dict__)
        self.from_object(module)
        return True

    def from_object(self, obj: object | str) -> None:
        """Copy the uppercase attributes of ``obj`` (or of the object at an import path).

        Only uppercase names count, so helpers and imports in a settings module
        or class are left out.
        """
        if isinstance(obj, str):
            obj = import_string(obj)
        for name in dir(obj):
            if name.isupper():
                self[name] = getattr(obj, name)

    def from_file(
        self,
        filename: str | os.PathLike[str],
        load: Callable[[IO[Any]], Mapping[str, Any]],
        silent: bool = False,
        text: bool = True,
    ) -> bool:
        """Load a data file with ``load`` (e.g. ``json.load``) and merge its mapping.

        Use ``text=False`` for loaders that need a binary file, such as
        ``tomllib.load``.
        """
        path = os.path.join(self.root_path, filename)
        f = _open_config(path, "r" if text else "rb", silent)
        if f is None:
            return False
        with f:
            data = load(f)
        return self.from_mapping(data)

    def from_mapping(self, mapping: Mapping[str, Any] | None = None, **kwargs: Any) -> bool:
        """Update from a mapping and/or keyword arguments, skipping non-uppercase keys."""
        merged: dict[str, Any] = {}
        if mapping is not None:
            merged.update(mapping)
        merged.update(kwargs)
        for key, value in merged.items():
            if key.isupper():
                self[key] = value
        return True

    def get_namespace(
        self, namespace: str, lowercase: bool = True, trim_namespace: bool = True
    ) -> dict[str, Any]:
        """Return the options whose keys start with ``namespace`` as a new dict.

        Handy for passing a group of settings (e.g. ``IMAGE_STORE_``) straight
        to a constructor as keyword arguments.
        """
        result: dict[str, Any] = {}
        for key, value in self.items():
            if not key.startswith(namespace):
                continue
            new_key = key[len(namespace) :] if trim_namespace else key
            result[new_key.lower() if lowercase else new_key] = value
        return result

    def __repr__(self) -> str:
        return f"<{type(self).__name__} {dict.__repr__(self)}>"
