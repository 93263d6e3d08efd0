"""Errors that explain common mistakes, used in debug mode."""

from __future__ import annotations

import typing as t

from werkzeug.exceptions import BadRequestKeyError

if t.TYPE_CHECKING:
    from .wrappers import Request


class UnexpectedUnicodeError(AssertionError, UnicodeError):
    """Raised where erlen expected bytes and got text, or the reverse."""


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


__all__ = ["BadRequestKeyError", "DebugFilesKeyError", "UnexpectedUnicodeError"]
