"""Small building blocks shared by erlen's modules."""

from __future__ import annotations

import typing as t

T = t.TypeVar("T")

#: Code flags of ``async def`` functions: CO_COROUTINE | CO_ITERABLE_COROUTINE.
CO_ASYNC = 0x80 | 0x100


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
