"""Helpers used inside views and at import time: URLs, redirects, aborts, streaming."""

from __future__ import annotations

import importlib.util
import os
import sys
import typing as t
from functools import update_wrapper
from stat import S_ISLNK

import werkzeug.security
import werkzeug.utils
from werkzeug.exceptions import NotFound
from werkzeug.exceptions import abort as _werkzeug_abort

from . import globals as _globals
from ._file_response import file_response
from ._headers import quote_location, strip_controls
from .ctx import ContextStream
from .globals import _current_app, _current_request, current_app, request_ctx

if t.TYPE_CHECKING:
    from werkzeug.wrappers import Response as BaseResponse

    from .wrappers import Response


# Assigned, not imported (see erlen.globals): their methods are called per request.
_cv_app = _globals._cv_app
_cv_request = _globals._cv_request

def get_debug_flag() -> bool:
    """Whether ``ERLEN_DEBUG`` (else ``FLASK_DEBUG``) asks for debug mode."""
    value = os.environ.get("ERLEN_DEBUG") or os.environ.get("FLASK_DEBUG")
    return bool(value and value.lower() not in {"0", "false", "no"})


def get_load_dotenv(default: bool = True) -> bool:
    """Whether ``.env`` files should be loaded; ``ERLEN_SKIP_DOTENV`` / ``FLASK_SKIP_DOTENV``
    turn it off."""
    value = os.environ.get("ERLEN_SKIP_DOTENV") or os.environ.get("FLASK_SKIP_DOTENV")
    if not value:
        return default
    return value.lower() in {"0", "false", "no"}


def get_root_path(import_name: str) -> str:
    """The folder of the module or package ``import_name``; the working directory when it
    has no file (an interactive session)."""
    module = sys.modules.get(import_name)
    module_file: str | None = getattr(module, "__file__", None)
    if module_file is not None:
        return os.path.dirname(os.path.abspath(module_file))

    try:
        spec = importlib.util.find_spec(import_name)
        if spec is None:
            raise ValueError("no spec")
    except (ImportError, ValueError):
        loader = None
    else:
        loader = spec.loader

    if loader is None:
        return os.getcwd()
    filepath: str | None
    if hasattr(loader, "get_filename"):
        filepath = str(loader.get_filename(import_name))
    else:
        __import__(import_name)
        filepath = getattr(sys.modules[import_name], "__file__", None)
        if filepath is None:
            raise RuntimeError(
                f"No root path can be found for {import_name!r}: it was imported from a"
                " loader that gives no file name. Pass 'root_path' explicitly."
            )
    return os.path.dirname(os.path.abspath(filepath))


def url_for(
    endpoint: str | None = None,
    /,
    *,
    _anchor: str | None = None,
    _method: str | None = None,
    _scheme: str | None = None,
    _external: bool | None = None,
    **values: t.Any,
) -> str:
    """Build the URL of an endpoint with the current app; see :meth:`Erlen.url_for`.
    URL values may have any name, ``self`` and ``endpoint`` too."""
    return current_app.url_for(
        endpoint,
        _anchor=_anchor,
        _method=_method,
        _scheme=_scheme,
        _external=_external,
        **values,
    )


def redirect(
    location: str, code: int = 302, Response: type[BaseResponse] | None = None
) -> BaseResponse:
    """A redirect response to ``location``, built with the current app's response class."""
    app_ctx = _cv_app.get(None)
    if app_ctx is not None:
        return app_ctx.app.redirect(location, code=code)
    return werkzeug.utils.redirect(quote_location(location), code=code, Response=Response)


def abort(code: int | BaseResponse, *args: t.Any, **kwargs: t.Any) -> t.NoReturn:
    """Raise the ``HTTPException`` for a status code (or the given response)."""
    app_ctx = _cv_app.get(None)
    if app_ctx is not None:
        app_ctx.app.aborter(code, *args, **kwargs)
    _werkzeug_abort(code, *args, **kwargs)


def make_response(*args: t.Any) -> Response:
    """Turn a view's return value into a response object, to add headers to it.

    No arguments give an empty response; several are taken as a tuple.
    """
    if not args:
        return current_app.response_class()
    if len(args) == 1:
        args = args[0]
    return current_app.make_response(args)


def stream_with_context(
    generator_or_function: t.Iterator[t.AnyStr] | t.Callable[..., t.Iterator[t.AnyStr]],
) -> t.Iterator[t.AnyStr]:
    """Keep the request context active while a streamed response is generated.

    Works on a generator, or as a decorator on a generator function. Teardown
    functions run once, after the stream has been sent (see :class:`ContextStream`).
    """
    try:
        gen = iter(generator_or_function)  # type: ignore[arg-type]
    except TypeError:
        function = t.cast("t.Callable[..., t.Iterator[t.AnyStr]]", generator_or_function)

        def decorator(*args: t.Any, **kwargs: t.Any) -> t.Any:
            return stream_with_context(function(*args, **kwargs))

        return update_wrapper(decorator, function)  # type: ignore[return-value]

    req_ctx = _cv_request.get(None)
    if req_ctx is None:
        raise RuntimeError(
            "'stream_with_context' needs an active request context: call it inside a"
            " view function, not at import time or in a background thread."
        )
    return ContextStream(gen, req_ctx)


def get_template_attribute(template_name: str, attribute: str) -> t.Any:
    """An attribute (such as a macro) of a template's module, to call from Python."""
    template = current_app.jinja_env.get_template(template_name)
    return getattr(template.module, attribute)


def flash(message: str, category: str = "message") -> None:
    """Store a message in the session for the next request to show."""
    from .signals import message_flashed

    app = current_app._get_current_object()  # type: ignore[attr-defined]
    session = request_ctx.session
    flashes = session.get("_flashes", [])
    flashes.append((category, message))
    session["_flashes"] = flashes
    if message_flashed.receivers:
        message_flashed.send(
            app, _async_wrapper=app.ensure_sync, message=message, category=category
        )


def get_flashed_messages(
    with_categories: bool = False, category_filter: t.Iterable[str] = ()
) -> list[str] | list[tuple[str, str]]:
    """The flashed messages, taken out of the session once per request.

    With ``with_categories`` each item is ``(category, message)``; with
    ``category_filter`` only messages of those categories are returned.
    """
    ctx = request_ctx._get_current_object()  # type: ignore[attr-defined]
    flashes = ctx.flashes
    if flashes is None:
        flashes = ctx.session.pop("_flashes") if "_flashes" in ctx.session else []
        ctx.flashes = flashes
    if category_filter:
        wanted = set(category_filter)
        flashes = [item for item in flashes if item[0] in wanted]
    if not with_categories:
        return [item[1] for item in flashes]
    return list(flashes)


def _prepare_send_file_kwargs(**kwargs: t.Any) -> dict[str, t.Any]:
    app = current_app._get_current_object()  # type: ignore[attr-defined]
    download_name = kwargs.get("download_name")
    if download_name is not None:
        # A name taken from the request must not break Content-Disposition.
        kwargs["download_name"] = strip_controls(download_name)
    if kwargs.get("max_age") is None:
        kwargs["max_age"] = app.get_send_file_max_age
    kwargs.update(
        environ=request_ctx.request.environ,
        use_x_sendfile=app.config["USE_X_SENDFILE"],
        response_class=app.response_class,
        _root_path=app.root_path,
    )
    return kwargs


def send_file(
    path_or_file: os.PathLike[t.AnyStr] | str | t.IO[bytes],
    mimetype: str | None = None,
    as_attachment: bool = False,
    download_name: str | None = None,
    conditional: bool = True,
    etag: bool | str = True,
    last_modified: t.Any = None,
    max_age: int | t.Callable[[str | None], int | None] | None = None,
) -> Response:
    """Send a file (path or binary file object) to the client, with Werkzeug's
    ``send_file``: mimetype guessing, conditional and range requests, ``ETag``.

    Relative paths start at the app's ``root_path``.
    """
    return werkzeug.utils.send_file(  # type: ignore[return-value]
        **_prepare_send_file_kwargs(
            path_or_file=path_or_file,
            mimetype=mimetype,
            as_attachment=as_attachment,
            download_name=download_name,
            conditional=conditional,
            etag=etag,
            last_modified=last_modified,
            max_age=max_age,
        )
    )


def _walk_links(
    base: str, target: str, steps: tuple[str, ...]
) -> tuple[bool, os.stat_result | None]:
    """Whether a symbolic link below ``base`` on the way to ``target`` (through the
    paths ``steps``, one per segment) leads outside ``base``; and, when no link was
    met, ``target``'s own ``lstat`` (None if it does not exist). Only links are
    resolved, so the usual case costs one ``lstat`` per path segment, the last of
    which stands in for the ``stat`` of the file sent."""
    info: os.stat_result | None = None
    for current in steps:
        try:
            info = os.lstat(current)
        except (OSError, ValueError):
            return False, None
        if S_ISLNK(info.st_mode):
            # Resolve the whole target: later segments may be links too.
            real_base = os.path.realpath(base)
            real = os.path.realpath(target)
            return real != real_base and not real.startswith(real_base + os.sep), None
    return False, info


def send_from_directory(
    directory: os.PathLike[str] | str,
    path: os.PathLike[str] | str,
    **kwargs: t.Any,
) -> Response:
    """Send a file from inside ``directory`` (relative to the app's ``root_path``) with
    Werkzeug's ``send_from_directory``, as Flask does; a path that escapes the folder
    is a 404, and so, in erlen, is one through a symbolic link that points outside."""
    app = _current_app()
    # "" is the root path itself, as Werkzeug's safe_join reads it: "<root>/./<path>".
    directory = os.fspath(directory) or "."
    base = directory if directory[:1] == os.sep else os.path.join(app.root_path, directory)
    joined = _safe_join(base, os.fspath(path))
    if joined is None:
        raise NotFound()
    target, steps = joined
    leaves, info = _walk_links(base, target, steps)
    if leaves:
        raise NotFound()
    if (
        kwargs.keys() <= _MAX_AGE_ONLY
        and werkzeug.utils.send_from_directory is _werkzeug_send_from_directory
        and werkzeug.utils.send_file is _werkzeug_send_file
        and not app.config["USE_X_SENDFILE"]
    ):
        max_age = kwargs.get("max_age")
        if max_age is None:
            max_age = app.get_send_file_max_age(target)
        # Seconds as an int (what get_send_file_max_age gives) or None; a float or a
        # function of the path is Werkzeug's to write or call.
        if max_age is None or type(max_age) is int:
            response = file_response(
                target, _current_request().environ, max_age, app.response_class, info
            )
            if response is not None:
                return response
    # Looked up on the module at each call: tests and extensions patch it there.
    return werkzeug.utils.send_from_directory(  # type: ignore[return-value]
        directory, path, **_prepare_send_file_kwargs(**kwargs)
    )


def _safe_join(base: str, path: str) -> tuple[str, tuple[str, ...]] | None:
    """Werkzeug's ``safe_join(base, path)`` (None for a path it refuses, or one with a
    NUL), with the paths from ``base`` down to it that :func:`_walk_links` checks;
    kept for the last paths asked (it is a function of the two strings alone)."""
    patched = werkzeug.security.safe_join is not _werkzeug_safe_join
    key = (base, path)
    joined = None if patched else _joined.get(key, _joined)
    if patched or joined is _joined:
        target = werkzeug.security.safe_join(base, path)
        if target is None or "\x00" in target:
            joined = None
        else:
            steps = []
            current = base
            for part in target[len(base) :].split("/"):
                if part:
                    current = f"{current}/{part}" if current[-1:] != "/" else current + part
                    steps.append(current)
            joined = (target, tuple(steps))
        if not patched:
            if len(_joined) >= 1024:
                _joined.clear()
            _joined[key] = joined
    return joined  # type: ignore[return-value]


_werkzeug_safe_join = werkzeug.security.safe_join
_MAX_AGE_ONLY = frozenset(("max_age",))
_joined: dict[tuple[str, str], tuple[str, tuple[str, ...]] | None] = {}
_werkzeug_send_from_directory = werkzeug.utils.send_from_directory
_werkzeug_send_file = werkzeug.utils.send_file


if not t.TYPE_CHECKING:  # ``flask.helpers``'s run-time names; see flask_module_names
    from ._internal import flask_module_names

    __getattr__, __dir__ = flask_module_names(
        globals(),
        {
            "BaseResponse": ("werkzeug.wrappers", "Response"),
            "_split_blueprint_path": ("erlen.wrappers", "_split_blueprint_path"),
            "_wz_abort": ("werkzeug.exceptions", "abort"),
            "_wz_redirect": ("werkzeug.utils", "redirect"),
            "cache": ("functools", "cache"),
            "datetime": ("datetime", "datetime"),
            "message_flashed": ("erlen.signals", "message_flashed"),
            "request": ("erlen.globals", "request"),
            "session": ("erlen.globals", "session"),
        },
    )
