"""Error handling: abort, error handler registration and lookup, unhandled exceptions,
propagation and trapping settings, and the overridable handling methods."""

from __future__ import annotations

import logging
import typing as t

import pytest
from werkzeug.exceptions import (
    BadRequest,
    BadRequestKeyError,
    Forbidden,
    HTTPException,
    InternalServerError,
    MethodNotAllowed,
    NotFound,
)
from werkzeug.routing import RequestRedirect
from werkzeug.wrappers import Response as WerkzeugResponse

import erlen
from erlen import Erlen


@pytest.fixture
def app() -> Erlen:
    return Erlen(__name__)


@pytest.fixture
def client(app: Erlen) -> t.Any:
    return app.test_client()


class BaseError(Exception):
    pass


class ChildError(BaseError):
    pass


class GrandChildError(ChildError):
    pass


class TeapotError(HTTPException):
    code = 418
    description = "short and stout"


class CustomNotFound(NotFound):
    description = "custom missing"


# --- abort ----------------------------------------------------------------


def test_abort_with_code_gives_that_status_and_default_description(
    app: Erlen, client: t.Any
) -> None:
    @app.route("/")
    def index() -> str:
        erlen.abort(403)

    rv = client.get("/")
    assert rv.status_code == 403
    assert b"<title>403 Forbidden</title>" in rv.data
    assert b"You don&#39;t have the permission" in rv.data


def test_abort_with_description_puts_it_in_the_body(app: Erlen, client: t.Any) -> None:
    @app.route("/")
    def index() -> str:
        erlen.abort(400, "the widget is missing")

    rv = client.get("/")
    assert rv.status_code == 400
    assert b"the widget is missing" in rv.data


def test_abort_with_description_is_seen_by_handler(app: Erlen, client: t.Any) -> None:
    @app.errorhandler(404)
    def missing(e: NotFound) -> tuple[str, int]:
        return f"desc={e.description}", 404

    @app.route("/")
    def index() -> str:
        erlen.abort(404, description="no such thing")

    assert client.get("/").data == b"desc=no such thing"


def test_abort_with_response_sends_that_response(app: Erlen, client: t.Any) -> None:
    @app.route("/")
    def index() -> str:
        erlen.abort(erlen.Response("teapot body", 418, {"X-Tea": "yes"}))

    rv = client.get("/")
    assert rv.status_code == 418
    assert rv.data == b"teapot body"
    assert rv.headers["X-Tea"] == "yes"


def test_abort_raises_the_werkzeug_exception_class(app: Erlen) -> None:
    with app.test_request_context():
        with pytest.raises(NotFound):
            erlen.abort(404)
        with pytest.raises(MethodNotAllowed):
            erlen.abort(405)


def test_abort_works_without_an_app_context() -> None:
    with pytest.raises(Forbidden):
        erlen.abort(403)


def test_abort_with_unknown_code_is_a_lookup_error(app: Erlen) -> None:
    with app.app_context(), pytest.raises(LookupError):
        erlen.abort(999)


def test_abort_uses_the_app_aborter(app: Erlen, client: t.Any) -> None:
    app.aborter.mapping[418] = TeapotError

    @app.route("/")
    def index() -> str:
        erlen.abort(418)

    rv = client.get("/")
    assert rv.status_code == 418
    assert b"short and stout" in rv.data


# --- registration ---------------------------------------------------------------


def test_errorhandler_for_code_handles_abort(app: Erlen, client: t.Any) -> None:
    @app.errorhandler(404)
    def missing(e: Exception) -> tuple[str, int]:
        return "nothing here", 404

    @app.route("/")
    def index() -> str:
        erlen.abort(404)

    rv = client.get("/")
    assert rv.status_code == 404
    assert rv.data == b"nothing here"


def test_errorhandler_for_code_handles_routing_404(app: Erlen, client: t.Any) -> None:
    @app.errorhandler(404)
    def missing(e: Exception) -> tuple[str, int]:
        return f"no route {type(e).__name__}", 404

    rv = client.get("/does-not-exist")
    assert rv.status_code == 404
    assert rv.data == b"no route NotFound"


def test_routing_404_is_a_werkzeug_not_found(app: Erlen, client: t.Any) -> None:
    seen: list[Exception] = []

    @app.errorhandler(NotFound)
    def missing(e: Exception) -> tuple[str, int]:
        seen.append(e)
        return "x", 404

    client.get("/nope")
    assert len(seen) == 1
    assert type(seen[0]) is NotFound


def test_routing_405_is_a_werkzeug_method_not_allowed(app: Erlen, client: t.Any) -> None:
    seen: list[Exception] = []

    @app.route("/", methods=["POST"])
    def index() -> str:
        return "posted"

    @app.errorhandler(405)
    def not_allowed(e: Exception) -> tuple[str, int]:
        seen.append(e)
        return "wrong method", 405

    rv = client.get("/")
    assert rv.status_code == 405
    assert rv.data == b"wrong method"
    assert isinstance(seen[0], MethodNotAllowed)


def test_routing_404_propagates_as_not_found_when_trapped(app: Erlen, client: t.Any) -> None:
    app.testing = True
    app.config["TRAP_HTTP_EXCEPTIONS"] = True
    with pytest.raises(NotFound):
        client.get("/nope")


def test_errorhandler_for_exception_class(app: Erlen, client: t.Any) -> None:
    @app.errorhandler(BaseError)
    def handle(e: BaseError) -> tuple[str, int]:
        return f"handled {e}", 409

    @app.route("/")
    def index() -> str:
        raise BaseError("boom")

    rv = client.get("/")
    assert rv.status_code == 409
    assert rv.data == b"handled boom"


def test_errorhandler_returns_the_function_unchanged(app: Erlen) -> None:
    def handle(e: Exception) -> str:
        return "x"

    assert app.errorhandler(BaseError)(handle) is handle


def test_register_error_handler_is_the_non_decorator_form(app: Erlen, client: t.Any) -> None:
    app.register_error_handler(BaseError, lambda e: ("registered", 400))
    app.register_error_handler(404, lambda e: ("code registered", 404))

    @app.route("/")
    def index() -> str:
        raise BaseError()

    assert client.get("/").data == b"registered"
    assert client.get("/missing").data == b"code registered"


def test_errorhandler_for_code_and_class_are_the_same_slot(app: Erlen, client: t.Any) -> None:
    @app.errorhandler(404)
    def first(e: Exception) -> str:
        return "first"

    @app.errorhandler(NotFound)
    def second(e: Exception) -> str:
        return "second"

    assert client.get("/missing").data == b"second"


def test_errorhandler_for_http_exception_subclass_with_new_code(
    app: Erlen, client: t.Any
) -> None:
    @app.errorhandler(TeapotError)
    def teapot(e: TeapotError) -> tuple[str, int]:
        return f"handled {e.code}", 418

    @app.route("/")
    def index() -> str:
        raise TeapotError()

    rv = client.get("/")
    assert rv.status_code == 418
    assert rv.data == b"handled 418"


def test_errorhandler_with_unknown_code_raises_value_error_naming_it(app: Erlen) -> None:
    with pytest.raises(ValueError, match="999"):

        @app.errorhandler(999)
        def handle(e: Exception) -> str:
            return "x"


def test_register_error_handler_with_unknown_code_raises_value_error(app: Erlen) -> None:
    with pytest.raises(ValueError, match="999"):
        app.register_error_handler(999, lambda e: "x")


def test_errorhandler_with_exception_instance_raises_type_error(app: Erlen) -> None:
    with pytest.raises(TypeError):
        app.register_error_handler(BaseError(), lambda e: "x")  # type: ignore[arg-type]
    with pytest.raises(TypeError):

        @app.errorhandler(NotFound())  # type: ignore[arg-type]
        def handle(e: Exception) -> str:
            return "x"


def test_errorhandler_with_non_exception_class_raises_value_error(app: Erlen) -> None:
    with pytest.raises(ValueError):
        app.register_error_handler(str, lambda e: "x")  # type: ignore[arg-type]
    with pytest.raises(ValueError):

        @app.errorhandler(object)  # type: ignore[arg-type]
        def handle(e: Exception) -> str:
            return "x"


def test_registration_error_leaves_no_handler(app: Erlen) -> None:
    with pytest.raises(ValueError):
        app.register_error_handler(999, lambda e: "x")
    assert not any(app.error_handler_spec[None].values())


def test_registered_handlers_are_in_error_handler_spec(app: Erlen) -> None:
    def h404(e: Exception) -> str:
        return "x"

    def hbase(e: Exception) -> str:
        return "y"

    app.register_error_handler(404, h404)
    app.register_error_handler(BaseError, hbase)
    assert app.error_handler_spec[None][404][NotFound] is h404
    assert app.error_handler_spec[None][None][BaseError] is hbase


def test_registering_error_handler_after_first_request_fails(
    app: Erlen, client: t.Any
) -> None:
    @app.route("/")
    def index() -> str:
        return "ok"

    client.get("/")
    with pytest.raises(AssertionError, match="register_error_handler"):
        app.register_error_handler(BaseError, lambda e: "x")


# --- lookup ----------------------------------------------------------------------


def test_handler_for_base_class_catches_subclasses(app: Erlen, client: t.Any) -> None:
    @app.errorhandler(BaseError)
    def handle(e: BaseError) -> str:
        return f"base caught {type(e).__name__}"

    @app.route("/")
    def index() -> str:
        raise GrandChildError()

    assert client.get("/").data == b"base caught GrandChildError"


def test_most_specific_class_handler_wins(app: Erlen, client: t.Any) -> None:
    @app.errorhandler(BaseError)
    def base(e: Exception) -> str:
        return "base"

    @app.errorhandler(ChildError)
    def child(e: Exception) -> str:
        return "child"

    @app.route("/<kind>")
    def index(kind: str) -> str:
        raise {"base": BaseError, "child": ChildError, "grand": GrandChildError}[kind]()

    assert client.get("/base").data == b"base"
    assert client.get("/child").data == b"child"
    assert client.get("/grand").data == b"child"


def test_most_specific_handler_wins_regardless_of_registration_order(
    app: Erlen, client: t.Any
) -> None:
    @app.errorhandler(ChildError)
    def child(e: Exception) -> str:
        return "child"

    @app.errorhandler(BaseError)
    def base(e: Exception) -> str:
        return "base"

    @app.route("/")
    def index() -> str:
        raise GrandChildError()

    assert client.get("/").data == b"child"


def test_handler_for_exception_catches_any_error(app: Erlen, client: t.Any) -> None:
    @app.errorhandler(Exception)
    def anything(e: Exception) -> tuple[str, int]:
        return f"caught {type(e).__name__}", 500

    @app.route("/")
    def index() -> str:
        raise ZeroDivisionError()

    rv = client.get("/")
    assert rv.status_code == 500
    assert rv.data == b"caught ZeroDivisionError"


def test_handler_for_exception_also_catches_http_errors(app: Erlen, client: t.Any) -> None:
    @app.errorhandler(Exception)
    def anything(e: Exception) -> str:
        return f"caught {type(e).__name__}"

    assert client.get("/missing").data == b"caught NotFound"


def test_handler_for_http_exception_catches_all_http_errors(
    app: Erlen, client: t.Any
) -> None:
    @app.errorhandler(HTTPException)
    def http_error(e: HTTPException) -> tuple[str, int]:
        return f"http {e.code}", t.cast(int, e.code)

    @app.route("/forbidden")
    def forbidden() -> str:
        erlen.abort(403)

    @app.route("/post", methods=["POST"])
    def post_only() -> str:
        return "x"

    @app.route("/teapot")
    def teapot() -> str:
        raise TeapotError()

    assert client.get("/missing").data == b"http 404"
    assert client.get("/forbidden").data == b"http 403"
    assert client.get("/post").data == b"http 405"
    rv = client.get("/teapot")
    assert rv.status_code == 418
    assert rv.data == b"http 418"


def test_code_handler_wins_over_http_exception_handler(app: Erlen, client: t.Any) -> None:
    @app.errorhandler(HTTPException)
    def http_error(e: HTTPException) -> str:
        return "generic"

    @app.errorhandler(404)
    def missing(e: HTTPException) -> str:
        return "specific"

    @app.route("/forbidden")
    def forbidden() -> str:
        erlen.abort(403)

    assert client.get("/missing").data == b"specific"
    assert client.get("/missing", method="POST").data == b"specific"
    assert client.get("/forbidden").data == b"generic"


def test_code_handler_wins_over_exception_handler(app: Erlen, client: t.Any) -> None:
    @app.errorhandler(Exception)
    def anything(e: Exception) -> str:
        return "anything"

    @app.errorhandler(404)
    def missing(e: Exception) -> str:
        return "404"

    assert client.get("/missing").data == b"404"


def test_code_handler_catches_subclass_with_same_code(app: Erlen, client: t.Any) -> None:
    @app.errorhandler(404)
    def missing(e: NotFound) -> str:
        return f"404 handler: {e.description}"

    @app.route("/")
    def index() -> str:
        raise CustomNotFound()

    assert client.get("/").data == b"404 handler: custom missing"


def test_subclass_handler_wins_over_code_handler(app: Erlen, client: t.Any) -> None:
    @app.errorhandler(404)
    def missing(e: NotFound) -> str:
        return "plain 404"

    @app.errorhandler(CustomNotFound)
    def custom(e: NotFound) -> str:
        return "custom 404"

    @app.route("/custom")
    def index() -> str:
        raise CustomNotFound()

    assert client.get("/custom").data == b"custom 404"
    assert client.get("/missing").data == b"plain 404"


def test_handler_receives_the_raised_exception(app: Erlen, client: t.Any) -> None:
    raised = ChildError("payload")
    received: list[Exception] = []

    @app.errorhandler(BaseError)
    def handle(e: Exception) -> str:
        received.append(e)
        return "ok"

    @app.route("/")
    def index() -> str:
        raise raised

    client.get("/")
    assert received == [raised]


def test_error_in_before_request_is_handled(app: Erlen, client: t.Any) -> None:
    @app.before_request
    def before() -> None:
        raise BaseError("early")

    @app.errorhandler(BaseError)
    def handle(e: Exception) -> tuple[str, int]:
        return f"handled {e}", 400

    @app.route("/")
    def index() -> str:
        return "view"

    rv = client.get("/")
    assert rv.status_code == 400
    assert rv.data == b"handled early"


def test_after_request_runs_on_handled_error_response(app: Erlen, client: t.Any) -> None:
    @app.after_request
    def after(response: erlen.Response) -> erlen.Response:
        response.headers["X-After"] = "1"
        return response

    @app.errorhandler(404)
    def missing(e: Exception) -> tuple[str, int]:
        return "missing", 404

    rv = client.get("/missing")
    assert rv.headers["X-After"] == "1"


# --- handler return values ----------------------------------------------------


def test_handler_returning_string_gives_status_200(app: Erlen, client: t.Any) -> None:
    @app.errorhandler(404)
    def missing(e: Exception) -> str:
        return "soft 404"

    rv = client.get("/missing")
    assert rv.status_code == 200
    assert rv.data == b"soft 404"


def test_handler_returning_tuple_with_status(app: Erlen, client: t.Any) -> None:
    @app.errorhandler(BaseError)
    def handle(e: Exception) -> tuple[str, int]:
        return "conflict", 409

    @app.route("/")
    def index() -> str:
        raise BaseError()

    rv = client.get("/")
    assert rv.status_code == 409
    assert rv.data == b"conflict"


def test_handler_returning_tuple_with_status_and_headers(app: Erlen, client: t.Any) -> None:
    @app.errorhandler(404)
    def missing(e: Exception) -> tuple[dict[str, str], int, dict[str, str]]:
        return {"error": "missing"}, 404, {"X-Reason": "gone"}

    rv = client.get("/missing")
    assert rv.status_code == 404
    assert rv.json == {"error": "missing"}
    assert rv.headers["X-Reason"] == "gone"
    assert rv.mimetype == "application/json"


def test_handler_returning_the_http_exception_uses_its_response(
    app: Erlen, client: t.Any
) -> None:
    @app.errorhandler(404)
    def missing(e: HTTPException) -> HTTPException:
        e.description = "rewritten"
        return e

    rv = client.get("/missing")
    assert rv.status_code == 404
    assert b"rewritten" in rv.data


def test_handler_returning_response_object(app: Erlen, client: t.Any) -> None:
    @app.errorhandler(BaseError)
    def handle(e: Exception) -> erlen.Response:
        return erlen.Response("as object", status=422, mimetype="text/plain")

    @app.route("/")
    def index() -> str:
        raise BaseError()

    rv = client.get("/")
    assert rv.status_code == 422
    assert rv.mimetype == "text/plain"


def test_unhandled_http_exception_response_is_html(app: Erlen, client: t.Any) -> None:
    rv = client.get("/missing")
    assert rv.status_code == 404
    assert rv.mimetype == "text/html"
    assert b"404 Not Found" in rv.data


def test_http_exception_with_custom_response(app: Erlen, client: t.Any) -> None:
    @app.route("/")
    def index() -> str:
        raise BadRequest(response=erlen.Response("custom bad", 400))

    rv = client.get("/")
    assert rv.status_code == 400
    assert rv.data == b"custom bad"


# --- unhandled exceptions -----------------------------------------------------


def test_unhandled_exception_gives_500(app: Erlen, client: t.Any) -> None:
    @app.route("/")
    def index() -> str:
        raise BaseError("boom")

    rv = client.get("/")
    assert rv.status_code == 500
    assert b"Internal Server Error" in rv.data
    assert b"boom" not in rv.data


def test_500_handler_gets_internal_server_error_with_original_exception(
    app: Erlen, client: t.Any
) -> None:
    raised = BaseError("the cause")
    received: list[InternalServerError] = []

    @app.errorhandler(500)
    def server_error(e: InternalServerError) -> tuple[str, int]:
        received.append(e)
        return "sorry", 500

    @app.route("/")
    def index() -> str:
        raise raised

    rv = client.get("/")
    assert rv.status_code == 500
    assert rv.data == b"sorry"
    assert len(received) == 1
    assert type(received[0]) is InternalServerError
    assert received[0].original_exception is raised


def test_500_handler_registered_by_class(app: Erlen, client: t.Any) -> None:
    @app.errorhandler(InternalServerError)
    def server_error(e: InternalServerError) -> tuple[str, int]:
        return f"wrapped {type(e.original_exception).__name__}", 500

    @app.route("/")
    def index() -> str:
        raise KeyError("x")

    assert client.get("/").data == b"wrapped KeyError"


def test_raised_internal_server_error_goes_to_500_handler_without_original(
    app: Erlen, client: t.Any
) -> None:
    received: list[InternalServerError] = []

    @app.errorhandler(500)
    def server_error(e: InternalServerError) -> tuple[str, int]:
        received.append(e)
        return "handled", 500

    @app.route("/")
    def index() -> str:
        erlen.abort(500)

    rv = client.get("/")
    assert rv.data == b"handled"
    assert received[0].original_exception is None


def test_http_exception_handler_receives_unhandled_errors_as_500(
    app: Erlen, client: t.Any
) -> None:
    @app.errorhandler(HTTPException)
    def http_error(e: HTTPException) -> tuple[str, int]:
        return f"http {e.code}", t.cast(int, e.code)

    @app.route("/")
    def index() -> str:
        raise BaseError()

    rv = client.get("/")
    assert rv.status_code == 500
    assert rv.data == b"http 500"


def test_unhandled_exception_is_logged(
    app: Erlen, client: t.Any, caplog: pytest.LogCaptureFixture
) -> None:
    @app.route("/explode")
    def explode() -> str:
        raise BaseError("kaboom")

    with caplog.at_level(logging.ERROR, logger=app.logger.name):
        client.get("/explode")

    records = [r for r in caplog.records if r.name == app.logger.name]
    assert len(records) == 1
    record = records[0]
    assert record.levelno == logging.ERROR
    assert record.getMessage() == "Exception on /explode [GET]"
    assert record.exc_info is not None
    assert record.exc_info[1] is not None
    assert isinstance(record.exc_info[1], BaseError)


def test_logged_message_names_the_method(
    app: Erlen, client: t.Any, caplog: pytest.LogCaptureFixture
) -> None:
    @app.route("/thing", methods=["POST"])
    def thing() -> str:
        raise BaseError()

    with caplog.at_level(logging.ERROR, logger=app.logger.name):
        client.post("/thing")
    assert "Exception on /thing [POST]" in caplog.text


def test_handled_exception_is_not_logged(
    app: Erlen, client: t.Any, caplog: pytest.LogCaptureFixture
) -> None:
    @app.errorhandler(BaseError)
    def handle(e: Exception) -> str:
        return "fine"

    @app.route("/")
    def index() -> str:
        raise BaseError()

    with caplog.at_level(logging.DEBUG, logger=app.logger.name):
        client.get("/")
    assert not [r for r in caplog.records if r.name == app.logger.name]


def test_http_error_is_not_logged(
    app: Erlen, client: t.Any, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.DEBUG, logger=app.logger.name):
        client.get("/missing")
    assert not [r for r in caplog.records if r.name == app.logger.name]


def test_exception_propagates_when_propagate_exceptions_is_true(
    app: Erlen, client: t.Any
) -> None:
    app.config["PROPAGATE_EXCEPTIONS"] = True

    @app.route("/")
    def index() -> str:
        raise BaseError("through")

    with pytest.raises(BaseError, match="through"):
        client.get("/")


def test_exception_propagates_when_testing(app: Erlen, client: t.Any) -> None:
    app.testing = True

    @app.route("/")
    def index() -> str:
        raise BaseError("through")

    with pytest.raises(BaseError, match="through"):
        client.get("/")


def test_exception_propagates_in_debug_mode(app: Erlen, client: t.Any) -> None:
    app.debug = True

    @app.route("/")
    def index() -> str:
        raise BaseError("through")

    with pytest.raises(BaseError):
        client.get("/")


def test_propagate_exceptions_false_overrides_testing(app: Erlen, client: t.Any) -> None:
    app.testing = True
    app.config["PROPAGATE_EXCEPTIONS"] = False

    @app.route("/")
    def index() -> str:
        raise BaseError()

    assert client.get("/").status_code == 500


def test_handled_exception_does_not_propagate_when_testing(
    app: Erlen, client: t.Any
) -> None:
    app.testing = True

    @app.errorhandler(BaseError)
    def handle(e: Exception) -> tuple[str, int]:
        return "handled", 400

    @app.route("/")
    def index() -> str:
        raise BaseError()

    assert client.get("/").status_code == 400


def test_http_errors_do_not_propagate_when_testing(app: Erlen, client: t.Any) -> None:
    app.testing = True

    @app.route("/")
    def index() -> str:
        erlen.abort(403)

    assert client.get("/").status_code == 403
    assert client.get("/missing").status_code == 404


def test_500_handler_not_called_when_propagating(app: Erlen, client: t.Any) -> None:
    app.testing = True
    called: list[bool] = []

    @app.errorhandler(500)
    def server_error(e: Exception) -> str:
        called.append(True)
        return "x"

    @app.route("/")
    def index() -> str:
        raise BaseError()

    with pytest.raises(BaseError):
        client.get("/")
    assert called == []


def test_propagated_exception_is_not_logged(
    app: Erlen, client: t.Any, caplog: pytest.LogCaptureFixture
) -> None:
    app.testing = True

    @app.route("/")
    def index() -> str:
        raise BaseError()

    with caplog.at_level(logging.DEBUG, logger=app.logger.name), pytest.raises(BaseError):
        client.get("/")
    assert not [r for r in caplog.records if r.name == app.logger.name]


# --- trapping ------------------------------------------------------------------


def test_trap_http_exceptions_propagates_http_errors(app: Erlen, client: t.Any) -> None:
    app.testing = True
    app.config["TRAP_HTTP_EXCEPTIONS"] = True

    @app.route("/")
    def index() -> str:
        erlen.abort(403)

    with pytest.raises(Forbidden):
        client.get("/")
    with pytest.raises(NotFound):
        client.get("/missing")


def test_trap_http_exceptions_still_uses_registered_handlers(
    app: Erlen, client: t.Any
) -> None:
    app.testing = True
    app.config["TRAP_HTTP_EXCEPTIONS"] = True

    @app.errorhandler(404)
    def missing(e: Exception) -> tuple[str, int]:
        return "handled anyway", 404

    assert client.get("/missing").data == b"handled anyway"


def test_trap_http_exceptions_without_propagation_gives_500(
    app: Erlen, client: t.Any, caplog: pytest.LogCaptureFixture
) -> None:
    app.config["TRAP_HTTP_EXCEPTIONS"] = True
    received: list[InternalServerError] = []

    @app.errorhandler(500)
    def server_error(e: InternalServerError) -> tuple[str, int]:
        received.append(e)
        return "500", 500

    with caplog.at_level(logging.ERROR, logger=app.logger.name):
        rv = client.get("/missing")
    assert rv.status_code == 500
    assert isinstance(received[0].original_exception, NotFound)
    assert "Exception on /missing [GET]" in caplog.text


def test_trap_http_exception_method_decides(app: Erlen) -> None:
    assert not app.trap_http_exception(NotFound())
    app.config["TRAP_HTTP_EXCEPTIONS"] = True
    assert app.trap_http_exception(NotFound())


def test_trap_bad_request_errors_true_traps_all_bad_requests(app: Erlen) -> None:
    app.config["TRAP_BAD_REQUEST_ERRORS"] = True
    assert app.trap_http_exception(BadRequest())
    assert app.trap_http_exception(BadRequestKeyError("k"))
    assert not app.trap_http_exception(NotFound())


def test_trap_bad_request_errors_default_traps_key_errors_only_in_debug(app: Erlen) -> None:
    assert not app.trap_http_exception(BadRequestKeyError("k"))
    app.debug = True
    assert app.trap_http_exception(BadRequestKeyError("k"))
    assert not app.trap_http_exception(BadRequest())


def test_trap_bad_request_errors_false_never_traps(app: Erlen) -> None:
    app.debug = True
    app.config["TRAP_BAD_REQUEST_ERRORS"] = False
    assert not app.trap_http_exception(BadRequestKeyError("k"))
    assert not app.trap_http_exception(BadRequest())


def test_trap_bad_request_errors_propagates_bad_request(app: Erlen, client: t.Any) -> None:
    app.testing = True
    app.config["TRAP_BAD_REQUEST_ERRORS"] = True

    @app.route("/")
    def index() -> str:
        erlen.abort(400)

    with pytest.raises(BadRequest):
        client.get("/")


def test_missing_form_key_gives_400(app: Erlen, client: t.Any) -> None:
    @app.route("/", methods=["POST"])
    def index() -> str:
        return erlen.request.form["missing"]

    rv = client.post("/", data={"present": "1"})
    assert rv.status_code == 400
    assert b"missing" not in rv.data


def test_missing_args_key_gives_400(app: Erlen, client: t.Any) -> None:
    @app.route("/")
    def index() -> str:
        return erlen.request.args["q"]

    assert client.get("/").status_code == 400
    assert client.get("/?q=found").data == b"found"


def test_missing_form_key_raises_key_error_in_debug(app: Erlen, client: t.Any) -> None:
    app.debug = True

    @app.route("/", methods=["POST"])
    def index() -> str:
        return erlen.request.form["missing"]

    with pytest.raises(KeyError) as exc_info:
        client.post("/", data={"present": "1"})
    assert isinstance(exc_info.value, BadRequestKeyError)
    assert "missing" in str(exc_info.value)
    assert "KeyError: 'missing'" in exc_info.value.description


def test_missing_form_key_message_names_key_in_debug_without_trapping(
    app: Erlen, client: t.Any
) -> None:
    app.debug = True
    app.config["TRAP_BAD_REQUEST_ERRORS"] = False

    @app.route("/", methods=["POST"])
    def index() -> str:
        return erlen.request.form["missing"]

    rv = client.post("/", data={"present": "1"})
    assert rv.status_code == 400
    assert b"KeyError: &#39;missing&#39;" in rv.data


def test_missing_form_key_message_names_key_when_trap_bad_request_errors(
    app: Erlen, client: t.Any
) -> None:
    app.config["TRAP_BAD_REQUEST_ERRORS"] = True
    app.config["PROPAGATE_EXCEPTIONS"] = False
    received: list[InternalServerError] = []

    @app.errorhandler(500)
    def server_error(e: InternalServerError) -> tuple[str, int]:
        received.append(e)
        return "500", 500

    @app.route("/", methods=["POST"])
    def index() -> str:
        return erlen.request.form["missing"]

    assert client.post("/", data={}).status_code == 500
    original = received[0].original_exception
    assert isinstance(original, BadRequestKeyError)
    assert "KeyError: 'missing'" in t.cast(str, original.description)


def test_missing_form_key_message_hidden_outside_debug(app: Erlen, client: t.Any) -> None:
    received: list[BadRequestKeyError] = []

    @app.errorhandler(400)
    def bad(e: BadRequestKeyError) -> tuple[str, int]:
        received.append(e)
        return "bad", 400

    @app.route("/", methods=["POST"])
    def index() -> str:
        return erlen.request.form["missing"]

    client.post("/", data={})
    assert isinstance(received[0], BadRequestKeyError)
    assert "KeyError" not in t.cast(str, received[0].description)


# --- signals ---------------------------------------------------------------------


def test_got_request_exception_is_sent_for_unhandled_errors(
    app: Erlen, client: t.Any
) -> None:
    raised = BaseError("signal me")
    sent: list[tuple[t.Any, Exception]] = []

    def receiver(sender: t.Any, exception: Exception, **extra: t.Any) -> None:
        sent.append((sender, exception))

    @app.route("/")
    def index() -> str:
        raise raised

    with erlen.got_request_exception.connected_to(receiver, app):
        assert client.get("/").status_code == 500
    assert sent == [(app, raised)]


def test_got_request_exception_is_sent_before_propagating(app: Erlen, client: t.Any) -> None:
    app.testing = True
    sent: list[Exception] = []

    def receiver(sender: t.Any, exception: Exception, **extra: t.Any) -> None:
        sent.append(exception)

    @app.route("/")
    def index() -> str:
        raise BaseError()

    with erlen.got_request_exception.connected_to(receiver, app), pytest.raises(BaseError):
        client.get("/")
    assert len(sent) == 1
    assert isinstance(sent[0], BaseError)


def test_got_request_exception_not_sent_for_handled_errors(
    app: Erlen, client: t.Any
) -> None:
    sent: list[Exception] = []

    def receiver(sender: t.Any, exception: Exception, **extra: t.Any) -> None:
        sent.append(exception)

    @app.errorhandler(BaseError)
    def handle(e: Exception) -> str:
        return "handled"

    @app.route("/")
    def index() -> str:
        raise BaseError()

    with erlen.got_request_exception.connected_to(receiver, app):
        client.get("/")
        client.get("/missing")
    assert sent == []


# --- overriding the handling methods --------------------------------------------


def test_subclass_handle_user_exception_takes_effect() -> None:
    class App(Erlen):
        def handle_user_exception(self, e: Exception) -> t.Any:
            return f"user {type(e).__name__}", 299

    app = App(__name__)

    @app.route("/")
    def index() -> str:
        raise BaseError()

    client = app.test_client()
    rv = client.get("/")
    assert rv.status_code == 299
    assert rv.data == b"user BaseError"
    assert client.get("/missing").data == b"user NotFound"


def test_subclass_handle_http_exception_takes_effect() -> None:
    class App(Erlen):
        def handle_http_exception(self, e: HTTPException) -> t.Any:
            return f"http {e.code}", 299

    app = App(__name__)
    rv = app.test_client().get("/missing")
    assert rv.status_code == 299
    assert rv.data == b"http 404"


def test_subclass_handle_exception_takes_effect() -> None:
    class App(Erlen):
        def handle_exception(self, e: Exception) -> t.Any:
            return self.response_class(f"overall {type(e).__name__}", 599)

    app = App(__name__)

    @app.route("/")
    def index() -> str:
        raise BaseError()

    rv = app.test_client().get("/")
    assert rv.status_code == 599
    assert rv.data == b"overall BaseError"


def test_subclass_log_exception_takes_effect() -> None:
    logged: list[tuple[t.Any, ...]] = []

    class App(Erlen):
        def log_exception(self, exc_info: t.Any) -> None:
            logged.append(exc_info)

    app = App(__name__)

    @app.route("/")
    def index() -> str:
        raise BaseError("logged")

    assert app.test_client().get("/").status_code == 500
    assert len(logged) == 1
    assert logged[0][0] is BaseError
    assert str(logged[0][1]) == "logged"


def test_subclass_trap_http_exception_takes_effect() -> None:
    class App(Erlen):
        def trap_http_exception(self, e: Exception) -> bool:
            return isinstance(e, Forbidden)

    app = App(__name__)
    app.testing = True

    @app.route("/")
    def index() -> str:
        erlen.abort(403)

    client = app.test_client()
    with pytest.raises(Forbidden):
        client.get("/")
    assert client.get("/missing").status_code == 404


# --- errors while handling errors -----------------------------------------------


def test_error_in_error_handler_becomes_500(
    app: Erlen, client: t.Any, caplog: pytest.LogCaptureFixture
) -> None:
    received: list[InternalServerError] = []

    @app.errorhandler(BaseError)
    def handle(e: Exception) -> str:
        raise ChildError("handler broke")

    @app.errorhandler(500)
    def server_error(e: InternalServerError) -> tuple[str, int]:
        received.append(e)
        return "500 page", 500

    @app.route("/")
    def index() -> str:
        raise KeyError("first")

    @app.route("/base")
    def base() -> str:
        raise BaseError("first")

    with caplog.at_level(logging.ERROR, logger=app.logger.name):
        rv = client.get("/base")
    assert rv.status_code == 500
    assert rv.data == b"500 page"
    original = received[0].original_exception
    assert isinstance(original, ChildError)
    assert str(original) == "handler broke"


def test_error_in_error_handler_propagates_when_testing(app: Erlen, client: t.Any) -> None:
    app.testing = True

    @app.errorhandler(BaseError)
    def handle(e: Exception) -> str:
        raise ChildError("handler broke")

    @app.route("/")
    def index() -> str:
        raise BaseError()

    with pytest.raises(ChildError, match="handler broke"):
        client.get("/")


def test_error_in_500_handler_propagates_out_of_the_app(app: Erlen, client: t.Any) -> None:
    @app.errorhandler(500)
    def server_error(e: Exception) -> str:
        raise ChildError("500 handler broke")

    @app.route("/")
    def index() -> str:
        raise BaseError()

    with pytest.raises(ChildError, match="500 handler broke"):
        client.get("/")


def test_error_in_after_request_while_handling_error_is_logged(
    app: Erlen, client: t.Any, caplog: pytest.LogCaptureFixture
) -> None:
    @app.after_request
    def after(response: erlen.Response) -> erlen.Response:
        if response.status_code == 500:
            raise ChildError("after broke")
        return response

    @app.route("/")
    def index() -> str:
        raise BaseError()

    with caplog.at_level(logging.ERROR, logger=app.logger.name):
        rv = client.get("/")
    assert rv.status_code == 500
    assert "Request finalizing failed with an error while handling an error" in caplog.text


def test_handler_returning_none_is_a_type_error(app: Erlen, client: t.Any) -> None:
    app.testing = True

    @app.errorhandler(BaseError)
    def handle(e: Exception) -> None:
        return None

    @app.route("/")
    def index() -> str:
        raise BaseError()

    with pytest.raises(TypeError):
        client.get("/")


# --- routing redirects ------------------------------------------------------------


def test_request_redirect_is_not_passed_to_handlers(app: Erlen, client: t.Any) -> None:
    called: list[Exception] = []

    @app.errorhandler(RequestRedirect)
    def redirect_handler(e: Exception) -> str:
        called.append(e)
        return "intercepted"

    @app.errorhandler(HTTPException)
    def http_handler(e: Exception) -> str:
        called.append(e)
        return "intercepted"

    @app.route("/folder/")
    def folder() -> str:
        return "folder"

    rv = client.get("/folder")
    assert rv.status_code == 308
    assert rv.headers["Location"].endswith("/folder/")
    assert called == []


def test_errorhandler_for_308_code_is_rejected(app: Erlen) -> None:
    with pytest.raises(ValueError, match="308"):
        app.register_error_handler(308, lambda e: "x")


def test_request_redirect_is_trapped_by_trap_http_exceptions(app: Erlen, client: t.Any) -> None:
    app.testing = True
    app.config["TRAP_HTTP_EXCEPTIONS"] = True

    @app.route("/folder/")
    def folder() -> str:
        return "folder"

    with pytest.raises(RequestRedirect):
        client.get("/folder")


def test_redirect_response_via_abort_is_sent(app: Erlen, client: t.Any) -> None:
    @app.route("/")
    def index() -> str:
        erlen.abort(erlen.redirect("/elsewhere"))

    rv = client.get("/")
    assert rv.status_code == 302
    assert rv.headers["Location"] == "/elsewhere"


def test_werkzeug_response_via_abort_is_sent(app: Erlen, client: t.Any) -> None:
    @app.route("/")
    def index() -> str:
        erlen.abort(WerkzeugResponse("plain werkzeug", 409))

    rv = client.get("/")
    assert rv.status_code == 409
    assert rv.data == b"plain werkzeug"
