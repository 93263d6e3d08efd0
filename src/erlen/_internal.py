"""Small building blocks shared by erlen's modules."""

from __future__ import annotations

import importlib
import typing as t

T = t.TypeVar("T")

#: Code flags of ``async def`` functions: CO_COROUTINE | CO_ITERABLE_COROUTINE.
CO_ASYNC = 0x80 | 0x100

E = t.TypeVar("E", bound=BaseException)


def mark_client_error(error: E) -> E:
    """Mark ``error`` as the client's mistake, found while reading its request (query
    string, body, form, JSON). Wherever such an error is raised, even in an
    ``after_request`` hook or an error handler, the app answers with it."""
    error._erlen_client_error = True  # type: ignore[attr-defined]
    return error


def is_client_error(error: BaseException) -> bool:
    """Whether ``error`` was marked by :func:`mark_client_error`."""
    return getattr(error, "_erlen_client_error", False) is True


class lazy_attribute(t.Generic[T]):
    """Compute an attribute on first access and store it on the instance.

    Like ``functools.cached_property`` without its lock (Python 3.11 takes one on
    every first access), which matters for per-request objects. Assigning the
    attribute before first access works too.
    """

    def __init__(self, func: t.Callable[[t.Any], T]) -> None:
        self.func = func
        self.name = func.__name__
        self.__doc__ = func.__doc__

    def __set_name__(self, owner: type, name: str) -> None:
        self.name = name

    @t.overload
    def __get__(self, obj: None, owner: type | None = None) -> lazy_attribute[T]: ...

    @t.overload
    def __get__(self, obj: object, owner: type | None = None) -> T: ...

    def __get__(self, obj: object | None, owner: type | None = None) -> T | lazy_attribute[T]:
        if obj is None:
            return self
        value = self.func(obj)
        # Not through obj.__dict__: on CPython 3.11 reaching __dict__ turns the
        # instance's compact attribute storage into a dict, slowing later lookups.
        object.__setattr__(obj, self.name, value)
        return value


class imported_attribute:
    """A class attribute whose value is imported on first access.

    Keeps heavy modules (Jinja, Click) out of ``import erlen`` while the attribute
    still reads like a plain class attribute; subclasses and instances may assign
    their own value.
    """

    def __init__(self, module: str, name: str) -> None:
        self.module = module
        self.name = name

    def __get__(self, obj: object | None, owner: type | None = None) -> t.Any:
        import importlib

        return getattr(importlib.import_module(self.module), self.name)


def lazy_exports(
    namespace: dict[str, t.Any], exports: dict[str, tuple[str, str]]
) -> tuple[t.Callable[[str], t.Any], t.Callable[[], list[str]]]:
    """A module's ``__getattr__`` and ``__dir__`` for names imported on first access.

    ``exports`` maps a name to ``(module, attribute)``; ``attribute`` "" is the module
    itself. A loaded name is stored in ``namespace``, so the next access is plain.
    """
    module_name = namespace["__name__"]

    def __getattr__(name: str) -> t.Any:
        try:
            source, attribute = exports[name]
        except KeyError:
            raise AttributeError(f"module {module_name!r} has no attribute {name!r}") from None
        module = importlib.import_module(source)
        value = getattr(module, attribute) if attribute else module
        namespace[name] = value
        return value

    def __dir__() -> list[str]:
        return sorted({*namespace, *exports})

    return __getattr__, __dir__


def flask_module_names(
    namespace: dict[str, t.Any], names: dict[str, tuple[str, str]]
) -> tuple[t.Callable[[str], t.Any], t.Callable[[], list[str]]]:
    """A module's ``__getattr__`` and ``__dir__`` for the names Flask's module of the
    same name has at run time (mostly its own imports), which code written for Flask
    imports from it (``from flask.app import Rule``): here the same objects, or
    erlen's own, each imported on first access, so the module loads nothing more.

    Modules call it under ``if not t.TYPE_CHECKING:``, or mypy would take every unknown
    name in the module for ``Any``.
    """
    return lazy_exports(namespace, names)
