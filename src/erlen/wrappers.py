"""erlen's ``Request`` and ``Response``: Werkzeug's classes, made lazy and lean.

``Request`` keeps only the environ when created and works out the method, path,
headers and the rest on first use, so a request that reads nothing costs almost
nothing. ``Response`` builds the common case (a body with a default status and no
extra headers) without Werkzeug's general machinery, and sends the common shapes (a
buffered body, a file passed through, a 304) straight to the server by Werkzeug's
rules. Everything else is Werkzeug's own behaviour.
"""

from __future__ import annotations

import io
import re
import typing as t
from functools import cache, lru_cache
from operator import is_
from urllib.parse import parse_qsl

from werkzeug.datastructures import EnvironHeaders, Headers
from werkzeug.exceptions import BadRequest, HTTPException, RequestEntityTooLarge
from werkzeug.http import HTTP_STATUS_CODES
from werkzeug.sansio.http import parse_cookie
from werkzeug.utils import get_content_type
from werkzeug.wrappers import Request as _WerkzeugRequest
from werkzeug.wrappers import Response as _WerkzeugResponse
from werkzeug.wsgi import get_content_length

from . import globals as _globals
from . import json
from ._async import AsyncBody
from ._body import BodyStream
from ._headers import UnsafeHeaderError, check_header_list, check_status
from ._internal import lazy_attribute, mark_client_error
from .ctx import ContextStream

if t.TYPE_CHECKING:
    from _typeshed.wsgi import StartResponse, WSGIEnvironment
    from werkzeug.datastructures import ImmutableMultiDict, MultiDict
    from werkzeug.routing import Rule

# Assigned, not imported (see erlen.globals): their methods are called per request.
_cv_app = _globals._cv_app

#: ``"404 NOT FOUND"`` style status lines, as Werkzeug writes them.
_STATUS_LINES: dict[int, str] = {
    code: f"{code} {reason.upper()}" for code, reason in HTTP_STATUS_CODES.items()
}
_bad_escape = re.compile(r"%(?![0-9A-Fa-f]{2})")


@cache
def _split_blueprint_path(name: str) -> list[str]:
    """``"a.b.c"`` -> ``["a.b.c", "a.b", "a"]``: a blueprint and its parents."""
    out = [name]
    while "." in name:
        name = name.rpartition(".")[0]
        out.append(name)
    return out


@cache
def _outermost_first(name: str | None) -> tuple[str | None, ...]:
    """The keys whose hooks run for blueprint ``name``: the app (None), then the
    blueprints from the outermost in."""
    if name is None:
        return (None,)
    return (None, *reversed(_split_blueprint_path(name)))


@cache
def _endpoint_hook_keys(endpoint: str | None) -> tuple[str | None, ...]:
    """:func:`_outermost_first` for the blueprint of ``endpoint`` (its dotted prefix),
    as ``Request.blueprint`` names it: one cached lookup per request."""
    if endpoint is None or "." not in endpoint:
        return (None,)
    return _outermost_first(endpoint.rpartition(".")[0])


@lru_cache(maxsize=64)
def _content_type_for(mimetype: str) -> str:
    """The Content-Type header value for a mimetype, checked once per distinct value."""
    value = get_content_type(mimetype, "utf-8")
    check_header_list((("Content-Type", value),))
    return value


_common_methods = frozenset(
    ("GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS", "TRACE", "CONNECT")
)


def _decode_path(raw: str) -> str:
    """A WSGI path (latin-1 carried bytes) as text; bad UTF-8 becomes U+FFFD."""
    if raw.isascii():
        return raw
    return raw.encode("latin1").decode("utf-8", "replace")


class Request(_WerkzeugRequest):
    """The request object: Werkzeug's interface, parsed on first access.

    Adds what routing fills in (``url_rule``, ``view_args``,
    ``routing_exception``), the endpoint and blueprint names, and per-request
    limits that default to the app's config.
    """

    json_module: t.Any = json
    #: Whether reading the body is forbidden (Werkzeug's ``shallow``).
    shallow: bool = False

    #: The rule that matched, set during routing.
    url_rule: Rule | None = None
    #: The arguments captured from the URL, set during routing.
    view_args: dict[str, t.Any] | None = None
    #: The routing error (404, 405, redirect ...) raised when the view runs.
    routing_exception: HTTPException | None = None

    #: Whether the body was parsed as a form (then ``close`` has files to close).
    _form_loaded = False
    _max_content_length: int | None = None
    _max_form_memory_size: int | None = None
    _max_form_parts: int | None = None

    #: A request opened from an ASGI scope (:mod:`erlen._asgi_request`) builds
    #: its WSGI environ on first access, as most never need it: until then this is the
    #: scope (None once built, and for a request made from an environ) ...
    _lazy_scope: t.Any = None
    #: ... and these are its ``Cookie`` header and body stream.
    _lazy_cookie: str | None = None
    _lazy_body: t.Any = None

    def __init__(
        self,
        environ: WSGIEnvironment,
        populate_request: bool = True,
        shallow: bool = False,
    ) -> None:
        # Werkzeug's __init__ parses eagerly; all it sets is lazy here but the
        # method, which routing needs on every request.
        self.environ = environ
        try:
            method = environ["REQUEST_METHOD"]
        except KeyError:
            method = "GET"
        self.method = method if method in _common_methods else method.upper()
        self.url_rule = None
        self.view_args = None
        self.routing_exception = None
        self._form_loaded = False
        self._lazy_scope = None
        if shallow:
            self.shallow = True
        elif populate_request:
            environ["werkzeug.request"] = self

    @lazy_attribute
    def environ(self) -> WSGIEnvironment:
        """The WSGI environ; for a request opened from an ASGI scope, built from it
        on first access (a request made from an environ has it from the start)."""
        from ._asgi_request import lazy_environ

        return lazy_environ(self)

    @lazy_attribute
    def scheme(self) -> str:
        return str(self.environ.get("wsgi.url_scheme", "http"))

    @lazy_attribute
    def server(self) -> tuple[str, int | None] | None:
        name = self.environ.get("SERVER_NAME")
        if name is None:
            return None
        try:
            port: int | None = int(self.environ.get("SERVER_PORT"))  # type: ignore[arg-type]
        except (TypeError, ValueError):
            port = None
        return name, port

    @lazy_attribute
    def root_path(self) -> str:
        return _decode_path(self.environ.get("SCRIPT_NAME") or "").rstrip("/")

    @lazy_attribute
    def path(self) -> str:
        return "/" + _decode_path(self.environ.get("PATH_INFO") or "").lstrip("/")

    @lazy_attribute
    def query_string(self) -> bytes:
        return str(self.environ.get("QUERY_STRING", "")).encode("latin1")

    @lazy_attribute
    def headers(self) -> EnvironHeaders:  # type: ignore[override]
        return EnvironHeaders(self.environ)

    @lazy_attribute
    def cookies(self) -> ImmutableMultiDict[str, str]:
        """The request's cookies. Read from the environ's ``HTTP_COOKIE``, which is what
        Werkzeug's ``request.headers.getlist("Cookie")`` finds there, without going
        through every header."""
        headers = self.headers
        if type(headers) is EnvironHeaders and headers.environ is self.environ:
            cookie = self.environ.get("HTTP_COOKIE", "")
        else:
            cookie = ";".join(headers.getlist("Cookie"))  # replaced by the app
        return parse_cookie(cookie, cls=self.dict_storage_class)  # type: ignore[return-value]

    @lazy_attribute
    def remote_addr(self) -> str | None:
        return self.environ.get("REMOTE_ADDR")

    @staticmethod
    def _reject(error: HTTPException) -> HTTPException:
        """Mark ``error`` as the client's (see ``mark_client_error``), to raise."""
        return mark_client_error(error)

    @lazy_attribute
    def args(self) -> MultiDict[str, str]:
        """The query string's arguments; a malformed query string is a 400.

        The 400 is raised once: after it, the arguments read leniently (invalid
        escapes kept as they are, bad UTF-8 replaced), so error handlers, hooks and
        templates that run for the 400 can read them.
        """
        raw = self.query_string
        if not raw:
            return self.parameter_storage_class()
        try:
            text = raw.decode("utf-8")
            if _bad_escape.search(text):
                raise BadRequest(
                    "The query string contains a '%' that does not start a valid"
                    " percent-escape (two hex digits). Encode a literal '%' as '%25'."
                )
            pairs = parse_qsl(text, keep_blank_values=True, errors="strict")
        except (UnicodeDecodeError, BadRequest) as e:
            if not isinstance(e, BadRequest):
                e = BadRequest("The query string is not valid UTF-8.")
            lenient = parse_qsl(
                raw.decode("utf-8", "replace"), keep_blank_values=True, errors="replace"
            )
            self.args = self.parameter_storage_class(lenient)
            raise self._reject(e) from None
        return self.parameter_storage_class(pairs)

    @lazy_attribute
    def stream(self) -> t.IO[bytes]:
        """The body stream (a :class:`~erlen._body.BodyStream`): a malformed or short
        body is a 400, and one over ``max_content_length`` a 413, whether or not its
        length was sent. Reading from it again after such an error raises it again."""
        if self.shallow:
            raise RuntimeError(
                "This request was created with 'shallow=True': reading its body is disabled."
            )
        environ = self.environ
        raw_length = environ.get("CONTENT_LENGTH")
        if raw_length and not (str(raw_length).strip().isdigit() and str(raw_length).isascii()):
            self.stream = io.BytesIO()
            raise self._reject(
                BadRequest(
                    "The Content-Length header must be a whole number of bytes,"
                    f" got {raw_length!r}."
                )
            )
        length = get_content_length(environ)
        limit = self.max_content_length
        if length is not None:
            if limit is not None and length > limit:
                self.stream = io.BytesIO()
                raise self._reject(RequestEntityTooLarge())  # worded as in Flask
            body = BodyStream(environ["wsgi.input"], self._reject, length=length)
        elif "wsgi.input_terminated" in environ:
            # The server ends the body (chunked encoding): hold it to the limit.
            body = BodyStream(environ["wsgi.input"], self._reject, cap=limit)
        else:
            # No length and no server to end it: reading could hang, so read nothing.
            return io.BytesIO()
        return t.cast("t.IO[bytes]", body)

    @property
    def max_content_length(self) -> int | None:
        """The largest body accepted; ``MAX_CONTENT_LENGTH`` unless set here."""
        if self._max_content_length is not None:
            return self._max_content_length
        app_ctx = _cv_app.get(None)
        if app_ctx is None:
            return None
        return app_ctx.app.config["MAX_CONTENT_LENGTH"]  # type: ignore[no-any-return]

    @max_content_length.setter
    def max_content_length(self, value: int | None) -> None:
        self._max_content_length = value

    @property
    def max_form_memory_size(self) -> int | None:
        """The largest non-file form field; ``MAX_FORM_MEMORY_SIZE`` unless set here."""
        if self._max_form_memory_size is not None:
            return self._max_form_memory_size
        app_ctx = _cv_app.get(None)
        if app_ctx is None:
            return _WerkzeugRequest.max_form_memory_size
        return app_ctx.app.config["MAX_FORM_MEMORY_SIZE"]  # type: ignore[no-any-return]

    @max_form_memory_size.setter
    def max_form_memory_size(self, value: int | None) -> None:
        self._max_form_memory_size = value

    @property  # type: ignore[override]
    def max_form_parts(self) -> int | None:
        """The most multipart form parts; ``MAX_FORM_PARTS`` unless set here."""
        if self._max_form_parts is not None:
            return self._max_form_parts
        app_ctx = _cv_app.get(None)
        if app_ctx is None:
            return _WerkzeugRequest.max_form_parts
        return app_ctx.app.config["MAX_FORM_PARTS"]  # type: ignore[no-any-return]

    @max_form_parts.setter
    def max_form_parts(self, value: int | None) -> None:
        self._max_form_parts = value

    @property
    def endpoint(self) -> str | None:
        """The endpoint of the matched rule, or None if routing failed."""
        if self.url_rule is not None:
            return self.url_rule.endpoint  # type: ignore[no-any-return]
        return None

    @property
    def blueprint(self) -> str | None:
        """The dotted name of the blueprint the matched endpoint belongs to."""
        endpoint = self.endpoint
        if endpoint is not None and "." in endpoint:
            return endpoint.rpartition(".")[0]
        return None

    @property
    def blueprints(self) -> list[str]:
        """The current blueprint and its parents, innermost first."""
        name = self.blueprint
        if name is None:
            return []
        return _split_blueprint_path(name)

    def close(self) -> None:
        """Close uploaded files, if the form was parsed."""
        files = self.__dict__.get("files")
        if files:
            for _key, value in files.items(multi=True):
                value.close()

    def _load_form_data(self) -> None:
        if "form" in self.__dict__:
            return
        self._form_loaded = True
        try:
            if self.mimetype == "application/x-www-form-urlencoded":
                # Werkzeug limits only multipart fields; hold urlencoded bodies to it too.
                limit = self.max_form_memory_size
                length = self.content_length
                if limit is not None and length is not None and length > limit:
                    raise RequestEntityTooLarge(
                        f"The form data is {length} bytes, more than the {limit} bytes"
                        " allowed (MAX_FORM_MEMORY_SIZE)."
                    )
            super()._load_form_data()
        except HTTPException as e:
            # Raised once; whatever reads the form afterwards finds it empty.
            self.form = self.parameter_storage_class()  # type: ignore[assignment]
            self.files = self.parameter_storage_class()  # type: ignore[assignment]
            raise self._reject(e) from None
        app_ctx = _cv_app.get(None)
        if app_ctx is not None and app_ctx.app.debug:
            from .debughelpers import attach_enctype_error_multidict, attach_form_key_error

            attach_form_key_error(self)
            if self.mimetype != "multipart/form-data" and not self.files:
                attach_enctype_error_multidict(self)

    def _get_stream_for_parsing(self) -> t.IO[bytes]:
        stream = super()._get_stream_for_parsing()
        if self.mimetype == "application/x-www-form-urlencoded" and self.content_length is None:
            # A urlencoded form of unknown length (chunked) is held to the limit as it
            # is read; one with a length was checked before reading.
            limit = self.max_form_memory_size
            if limit is not None:
                return t.cast(
                    "t.IO[bytes]",
                    BodyStream(stream, self._reject, cap=limit, setting="MAX_FORM_MEMORY_SIZE"),
                )
        return stream

    def get_json(self, force: bool = False, silent: bool = False, cache: bool = True) -> t.Any:
        """The body parsed as JSON (Werkzeug's ``get_json``); a document nested too
        deeply to parse is a 400, not a ``RecursionError``."""
        try:
            return super().get_json(force=force, silent=silent, cache=cache)
        except RecursionError:
            if silent:
                return None
            raise self._reject(
                BadRequest("The request body is JSON nested too deeply to be read.")
            ) from None

    def on_json_loading_failed(self, e: ValueError | None) -> t.Any:
        """Invalid JSON is a 400 that says so; a non-JSON type is a 415."""
        if e is not None:
            raise self._reject(BadRequest(f"The request body is not valid JSON: {e}"))
        try:
            return super().on_json_loading_failed(e)
        except HTTPException as error:
            raise self._reject(error) from None


class Response(_WerkzeugResponse):
    """The response object: Werkzeug's interface with a lean common case.

    ``default_mimetype`` is ``text/html``; the JSON module is the app's.
    """

    default_mimetype: str | None = "text/html"
    json_module: t.Any = json
    autocorrect_location_header = False
    #: Headers this response was built with and their check (see :class:`Checked`).
    _checked: Checked | None = None

    def __init__(
        self,
        response: t.Iterable[bytes] | bytes | t.Iterable[str] | str | None = None,
        status: int | str | t.Any | None = None,
        headers: t.Mapping[str, str | t.Iterable[str]] | t.Iterable[tuple[str, str]] | None = None,
        mimetype: str | None = None,
        content_type: str | None = None,
        direct_passthrough: bool = False,
    ) -> None:
        if (
            headers is None
            and content_type is None
            and (status is None or type(status) is int)
            and (type(response) is str or type(response) is bytes)
        ):
            # The shape almost every view produces: skip the general path.
            body = response.encode() if type(response) is str else response
            self.headers = hdrs = Headers()
            mimetype = mimetype or self.default_mimetype
            if mimetype is not None:
                hdrs._list.append(("Content-Type", _content_type_for(mimetype)))
            if self.automatically_set_content_length:
                hdrs._list.append(("Content-Length", str(len(body))))
            if status is None:
                status = self.default_status
            line = _STATUS_LINES.get(status)
            if line is None:
                self.status = status
            else:
                self._status = line
                self._status_code = status
            self.response = [body]  # type: ignore[assignment]
            self.direct_passthrough = direct_passthrough
            self._on_close = []
            return
        super().__init__(response, status, headers, mimetype, content_type, direct_passthrough)

    @property
    def max_cookie_size(self) -> int:  # type: ignore[override]
        """``MAX_COOKIE_SIZE`` of the current app, else Werkzeug's default."""
        app_ctx = _cv_app.get(None)
        if app_ctx is not None:
            return app_ctx.app.config["MAX_COOKIE_SIZE"]  # type: ignore[no-any-return]
        return super().max_cookie_size

    def get_wsgi_headers(self, environ: WSGIEnvironment) -> Headers:
        """Werkzeug's headers for the environ; a response that may have no body (1xx,
        204) also sends no ``Content-Type``, as the WSGI spec requires. Raises
        :class:`UnsafeHeaderError` for a header that could split the response."""
        if not isinstance(self.headers, Headers):  # a list or dict was assigned
            try:
                self.headers = Headers(self.headers)
            except ValueError as e:
                raise UnsafeHeaderError("?", self.headers, str(e)) from None
        check_header_list(self.headers._list)
        check_status(self._status)
        try:
            headers = super().get_wsgi_headers(environ)
        except (ValueError, UnicodeError) as e:
            # Werkzeug could not turn a Location into a URI.
            location = self.headers.get("Location") or self.headers.get("Content-Location")
            raise UnsafeHeaderError("Location", location, f"it is not a valid URL ({e})") from e
        code = self.status_code
        if code == 204 or 100 <= code < 200:
            headers.remove("Content-Type")
        return headers

    def get_app_iter(self, environ: WSGIEnvironment) -> t.Iterable[bytes]:
        """Werkzeug's body iterable; a ``stream_with_context`` body that will be sent
        holds the request's teardown until it has been."""
        body = self.response
        if hasattr(body, "__aiter__"):
            code = self.status_code
            if environ["REQUEST_METHOD"] == "HEAD" or code < 200 or code in (204, 304):
                return ()
            return AsyncBody(body, self._encode_chunk)  # type: ignore[arg-type]
        if type(body) is ContextStream:
            code = self.status_code
            if environ["REQUEST_METHOD"] != "HEAD" and code >= 200 and code not in (204, 304):
                body.hold()
        return super().get_app_iter(environ)

    def _encode_chunk(self, chunk: str | bytes) -> bytes:
        return chunk.encode() if isinstance(chunk, str) else chunk

    def __call__(
        self, environ: WSGIEnvironment, start_response: StartResponse
    ) -> t.Iterable[bytes]:
        headers = self.headers
        if type(headers) is Headers and not self._on_close:
            items: list[tuple[str, str]] = headers._list
            checked = self._checked
            if checked is not None and checked.holds(items):
                app_iter = self._call_plain(environ, start_response, items, True, checked)
                if app_iter is not None:
                    return app_iter
                return super().__call__(environ, start_response)
            have_length = False
            for key, _ in items:
                lowered = key.lower()
                if lowered == "content-length":
                    have_length = True
                elif lowered == "location" or lowered == "content-location":
                    break  # Werkzeug makes these URIs
            else:
                app_iter = self._call_plain(environ, start_response, items, have_length)
                if app_iter is not None:
                    return app_iter
        return super().__call__(environ, start_response)

    def _call_plain(
        self,
        environ: WSGIEnvironment,
        start_response: StartResponse,
        items: list[tuple[str, str]],
        have_length: bool,
        checked: Checked | None = None,
    ) -> t.Iterable[bytes] | None:
        """What Werkzeug's ``__call__`` sends for a response without ``call_on_close``
        functions or URL headers, in the common shapes: a buffered body, a body passed
        through (a file), or an empty 304. None for any other, left to Werkzeug."""
        body = self.response
        code = self._status_code
        status = self._status
        if code == 304:
            if type(body) is list:
                if body:
                    return None
            elif type(body) is not FileOnDemand:
                return None
            if checked is None:
                check_header_list(items)
                check_status(status)
                start_response(
                    status, [item for item in items if item[0].lower() not in _DROP_IN_304]
                )
            else:
                check_status(status)
                start_response(status, list(checked.not_modified))
            if type(body) is FileOnDemand:
                body.close()  # as Werkzeug closes a 304's body: nothing of it is sent
            return []
        if code < 200 or code == 204:
            return None
        if type(body) is list:
            if self.direct_passthrough or len(body) != 1 or type(body[0]) is not bytes:
                return None
            check_header_list(items)
            check_status(status)
            headers = list(items)
            if not have_length and self.automatically_set_content_length:
                headers.append(("Content-Length", str(len(body[0]))))
            start_response(status, headers)
            if environ.get("REQUEST_METHOD") == "HEAD":
                return ()
            return body
        if not self.direct_passthrough or isinstance(body, (list, tuple)):
            return None
        if checked is None:
            check_header_list(items)
        check_status(status)
        start_response(status, list(items))
        if environ["REQUEST_METHOD"] == "HEAD":
            self.close()  # nothing of it is sent
            return ()
        return body  # type: ignore[return-value]


class Checked:
    """Response headers found safe to send (no Location, a Content-Length), with what
    a 304 of them sends. A response built with them (:func:`response_of`) whose header
    list still holds the very same tuples when it is sent is not checked again: those
    strings were checked once, and a hook that changed or replaced any header gets
    the full check."""

    __slots__ = ("items", "not_modified")

    def __init__(self, items: list[tuple[str, str]], not_modified: list[tuple[str, str]]) -> None:
        self.items = items
        self.not_modified = not_modified

    @classmethod
    def of(cls, headers: list[tuple[str, str]]) -> Checked | None:
        """The record of ``headers``; None for headers it does not cover (anything but
        ``(str, str)`` tuples, unsafe ones, URL headers Werkzeug rewrites, or no
        ``Content-Length``)."""
        for item in headers:
            if type(item) is not tuple or len(item) != 2:
                return None
            if type(item[0]) is not str or type(item[1]) is not str:
                return None
        names = {name.lower() for name, _ in headers}
        if "content-length" not in names or "location" in names or "content-location" in names:
            return None
        try:
            check_header_list(headers)
        except UnsafeHeaderError:
            return None
        items = list(headers)
        return cls(items, [item for item in items if item[0].lower() not in _DROP_IN_304])

    def holds(self, items: list[tuple[str, str]]) -> bool:
        """Whether ``items`` are still these very headers: the same tuple objects (of
        exact strings, so unchanged), in the same order."""
        mine = self.items
        return len(items) == len(mine) and all(map(is_, items, mine))


class FileOnDemand:
    """The body of a 304 built without opening the file: it is opened if the body is
    iterated (an ``after_request`` hook made the response a 200) and closed with the
    response."""

    __slots__ = ("file", "path")

    def __init__(self, path: str) -> None:
        self.path = path
        self.file: t.BinaryIO | None = None

    def __iter__(self) -> FileOnDemand:
        if self.file is None:
            self.file = open(self.path, "rb")  # noqa: SIM115 (closed by close())
        return self

    def __next__(self) -> bytes:
        data = self.file.read(8192) if self.file is not None else b""
        if data:
            return data
        raise StopIteration

    def close(self) -> None:
        if self.file is not None:
            self.file.close()


#: The headers Werkzeug leaves out of a 304 (entity headers but ``Expires``).
_DROP_IN_304 = frozenset(
    (
        "allow",
        "content-encoding",
        "content-language",
        "content-length",
        "content-md5",
        "content-range",
        "content-type",
        "last-modified",
    )
)


def response_of(
    cls: type[Response],
    body: t.Iterable[bytes],
    status: int,
    headers: list[tuple[str, str]],
    direct_passthrough: bool = False,
    checked: Checked | None = None,
) -> Response:
    """``cls(body, status, headers, direct_passthrough=...)`` for headers erlen wrote
    itself (checked when sent, as any are, unless they are still ``checked``'s),
    without parsing them again; a subclass with its own ``__init__`` is called as
    usual."""
    if cls.__init__ is not Response.__init__:
        return cls(body, status, headers, direct_passthrough=direct_passthrough)
    response = cls.__new__(cls)
    response._checked = checked
    response.headers = hdrs = Headers()
    hdrs._list = headers
    response._status = _STATUS_LINES[status]
    response._status_code = status
    response.response = body
    response.direct_passthrough = direct_passthrough
    response._on_close = []
    return response


if not t.TYPE_CHECKING:  # ``flask.wrappers``'s run-time names; see flask_module_names
    from ._internal import flask_module_names

    __getattr__, __dir__ = flask_module_names(
        globals(),
        {
            "RequestBase": ("werkzeug.wrappers", "Request"),
            "ResponseBase": ("werkzeug.wrappers", "Response"),
            "current_app": ("erlen.globals", "current_app"),
        },
    )
