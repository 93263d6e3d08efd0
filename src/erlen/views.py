"""Class-based views: ``View`` for one ``dispatch_request``, ``MethodView`` for a
method per HTTP verb."""

from __future__ import annotations

import typing as t

from . import typing as ft
from .globals import current_app, request

F = t.TypeVar("F", bound=t.Callable[..., t.Any])

#: Method names ``MethodView`` looks for.
http_method_funcs = frozenset(
    ["get", "post", "head", "options", "delete", "put", "trace", "patch"]
)


class View:
    """Subclass and implement :meth:`dispatch_request`; register ``as_view(name)``.

    ``methods``, ``provide_automatic_options`` and ``decorators`` configure the
    registered function. With ``init_every_request`` (the default) each request
    gets a fresh instance, so attributes set on ``self`` never leak between requests.
    """

    #: The methods the view accepts; None means the rule's default (``GET``).
    methods: t.ClassVar[t.Collection[str] | None] = None
    #: Whether ``OPTIONS`` is answered automatically; None follows the app's config.
    provide_automatic_options: t.ClassVar[bool | None] = None
    #: Decorators applied, in order, to the function ``as_view`` returns.
    decorators: t.ClassVar[list[t.Callable[..., t.Any]]] = []
    #: Create an instance per request (True) or one for all requests (False).
    init_every_request: t.ClassVar[bool] = True

    def dispatch_request(self) -> ft.ResponseReturnValue:
        """Handle a request; URL arguments come as keyword arguments."""
        raise NotImplementedError()

    @classmethod
    def as_view(
        cls, name: str, *class_args: t.Any, **class_kwargs: t.Any
    ) -> ft.RouteCallable:
        """A view function for ``add_url_rule``; the arguments construct the class."""
        if cls.init_every_request:

            def view(**kwargs: t.Any) -> ft.ResponseReturnValue:
                self = view.view_class(  # type: ignore[attr-defined]
                    *class_args, **class_kwargs
                )
                return current_app.ensure_sync(self.dispatch_request)(**kwargs)  # type: ignore[no-any-return]

        else:
            instance = cls(*class_args, **class_kwargs)

            def view(**kwargs: t.Any) -> ft.ResponseReturnValue:
                return current_app.ensure_sync(instance.dispatch_request)(**kwargs)  # type: ignore[no-any-return]

        if cls.decorators:
            view.__name__ = name
            view.__module__ = cls.__module__
            for decorator in cls.decorators:
                view = decorator(view)

        # Read by add_url_rule, and by code that inspects registered views.
        view.view_class = cls  # type: ignore[attr-defined]
        view.__name__ = name
        view.__doc__ = cls.__doc__
        view.__module__ = cls.__module__
        view.methods = cls.methods  # type: ignore[attr-defined]
        view.provide_automatic_options = cls.provide_automatic_options  # type: ignore[attr-defined]
        return view


class MethodView(View):
    """Dispatches to the method named after the request's verb (``get``, ``post`` ...).

    ``methods`` is worked out from the methods defined, including inherited ones;
    ``HEAD`` falls back to ``get``. Methods may be ``async def``.
    """

    def __init_subclass__(cls, **kwargs: t.Any) -> None:
        super().__init_subclass__(**kwargs)
        if "methods" in cls.__dict__:
            return
        methods: set[str] = set()
        for base in cls.__bases__:
            if getattr(base, "methods", None):
                methods.update(base.methods)  # type: ignore[attr-defined]
        for key in http_method_funcs:
            if hasattr(cls, key):
                methods.add(key.upper())
        if methods:
            cls.methods = methods

    def dispatch_request(self, **kwargs: t.Any) -> ft.ResponseReturnValue:
        method = getattr(self, request.method.lower(), None)
        if method is None and request.method == "HEAD":
            method = getattr(self, "get", None)
        if method is None:
            raise AssertionError(
                f"{type(self).__name__} has no method for {request.method!r}: define"
                f" '{request.method.lower()}' or remove it from 'methods'."
            )
        return current_app.ensure_sync(method)(**kwargs)  # type: ignore[no-any-return]
