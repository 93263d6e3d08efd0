"""Errors that explain common mistakes, used in debug mode."""

from __future__ import annotations

import typing as t

from werkzeug.exceptions import BadRequestKeyError
from werkzeug.routing import RequestRedirect

if t.TYPE_CHECKING:
    from .wrappers import Request


class UnexpectedUnicodeError(AssertionError, UnicodeError):
    """Raised where erlen expected bytes and got text, or the reverse."""


class FormDataRoutingRedirect(AssertionError):
    """Raised in debug mode when routing answers a request that is not ``GET``,
    ``HEAD`` or ``OPTIONS`` with a redirect that is not 307 or 308: the browser would
    follow it with a ``GET`` and without the form data."""

    def __init__(self, request: Request) -> None:
        redirect = request.routing_exception
        assert isinstance(redirect, RequestRedirect)
        new_url = redirect.new_url
        message = (
            f"A request was sent to '{request.url}', but routing issued a redirect to"
            f" the canonical URL '{new_url}'."
        )
        if new_url.partition("?")[0] == f"{request.base_url}/":
            message += (
                " Its rule ends with a slash, and a URL without the slash is redirected"
                " to the one with it."
            )
        message += (
            f" A {redirect.code} redirect makes browsers repeat a {request.method} request"
            " as a GET and drop its form data: send the request to the canonical URL, or"
            " keep routing redirects at 307 or 308 ('RequestRedirect.code')."
            "\n\nThis error is raised only in debug mode."
        )
        super().__init__(message)


class DebugFilesKeyError(KeyError, AssertionError):
    """``request.files[key]`` failed because the form was not sent as multipart."""

    def __init__(self, request: Request, key: str) -> None:
        form_matches = request.form.getlist(key)
        lines = [
            f"You tried to access the file {key!r} in the request.files dictionary but it"
            " does not exist. The mimetype for the request is"
            f" {request.mimetype!r} instead of 'multipart/form-data' which means that no"
            " file contents were transmitted. To fix this error you should provide"
            ' enctype="multipart/form-data" in your form.'
        ]
        if form_matches:
            names = ", ".join(repr(x) for x in form_matches)
            lines.append(
                "\n\nThe browser instead transmitted some file names. This was submitted:"
                f" {names}"
            )
        self.msg = "".join(lines)

    def __str__(self) -> str:
        return self.msg


def attach_enctype_error_multidict(request: Request) -> None:
    """Make ``request.files[key]`` explain a missing ``enctype`` instead of a bare KeyError."""
    oldcls = request.files.__class__

    class newcls(oldcls):  # type: ignore[valid-type,misc]
        def __getitem__(self, key: str) -> t.Any:
            try:
                return super().__getitem__(key)
            except KeyError as e:
                if key not in request.form:
                    raise
                raise DebugFilesKeyError(request, key).with_traceback(
                    e.__traceback__
                ) from None

    newcls.__name__ = oldcls.__name__
    newcls.__module__ = oldcls.__module__
    request.files.__class__ = newcls


def attach_form_key_error(request: Request) -> None:
    """Make ``request.form[key]`` name the missing key and the fields that were sent."""
    form = request.form
    oldcls = form.__class__

    class newcls(oldcls):  # type: ignore[valid-type,misc]
        def __getitem__(self, key: str) -> t.Any:
            try:
                return super().__getitem__(key)
            except KeyError as e:
                sent = ", ".join(repr(name) for name in self.keys()) or "none"
                error = BadRequestKeyError(key)
                error.description = (
                    f"The form has no field {key!r}. The fields sent were: {sent}."
                    " Check the input's 'name' attribute, or use request.form.get() for"
                    " an optional field."
                )
                raise error.with_traceback(e.__traceback__) from None

    newcls.__name__ = oldcls.__name__
    newcls.__module__ = oldcls.__module__
    form.__class__ = newcls


__all__ = [
    "BadRequestKeyError",
    "DebugFilesKeyError",
    "FormDataRoutingRedirect",
    "UnexpectedUnicodeError",
]


def explain_template_loading_attempts(
    app: t.Any, template: str, attempts: list[tuple[t.Any, t.Any, t.Any]]
) -> None:
    """Log where a template was looked for, and whether it was found there."""
    from .sansio.blueprints import Blueprint

    info = [f"Locating template {template!r}:"]
    total_found = 0
    blueprint = None
    from .globals import _cv_request

    req_ctx = _cv_request.get(None)
    if req_ctx is not None and req_ctx.request.blueprint is not None:
        blueprint = req_ctx.request.blueprint

    for index, (loader, owner, result) in enumerate(attempts):
        if isinstance(owner, Blueprint):
            where = f"blueprint {owner.name!r} ({owner.import_name})"
        else:
            where = f"application {owner.import_name!r}"
        info.append(f"{index + 1:5}: trying loader of {where}")
        for line in _describe_loader(loader):
            info.append(f"       {line}")
        if result is None:
            detail = "no match"
        else:
            detail = f"found ({result[1] or '<string>'!r})"
            total_found += 1
        info.append(f"       -> {detail}")

    if total_found == 0:
        info.append("Error: the template could not be found.")
    elif total_found > 1:
        info.append("Warning: multiple loaders returned a match for the template.")
    # Flask's words first, which people search for; then erlen's.
    if blueprint is not None and total_found != 1:
        info.append(
            "  The template was looked up from an endpoint that belongs to the"
            f" blueprint {blueprint!r}."
        )
        info.append("  Maybe you did not place a template in the right folder?")
        info.append("  See https://flask.palletsprojects.com/blueprints/#templates")
    if total_found > 1:
        info.append(
            "  The first match is used: the app's template folder comes first, then"
            " the blueprints' folders in the order they were registered."
        )
    if blueprint is not None and total_found != 1:
        info.append(
            "  A blueprint's 'template_folder' adds to the one search path of the app,"
            " so keep a blueprint's templates in a subfolder named after it."
        )
    app.logger.info("\n".join(info))


def _describe_loader(loader: t.Any) -> list[str]:
    lines = [f"class: {type(loader).__module__}.{type(loader).__name__}"]
    searchpath = getattr(loader, "searchpath", None)
    if searchpath:
        lines.append("searchpath:")
        lines.extend(f"  - {path}" for path in searchpath)
    return lines


if not t.TYPE_CHECKING:  # ``flask.debughelpers``'s run-time names; see flask_module_names
    from ._internal import flask_module_names

    __getattr__, __dir__ = flask_module_names(
        globals(),
        {
            "App": ("erlen.sansio.app", "App"),
            "BaseLoader": ("jinja2", "BaseLoader"),
            "Blueprint": ("erlen.blueprints", "Blueprint"),
            "request_ctx": ("erlen.globals", "request_ctx"),
        },
    )
