"""app.logger: its name and level, the default handler and where it writes."""

from __future__ import annotations

import io
import logging
import typing as t
import uuid
from pathlib import Path

import pytest

from erlen import Erlen
from erlen.logging import default_handler, has_level_handler, wsgi_errors_stream


@pytest.fixture
def name() -> t.Iterator[str]:
    """A fresh logger name per test; the logger is reset afterwards."""
    value = f"erlen_log_test_{uuid.uuid4().hex}"
    yield value
    logger = logging.getLogger(value)
    logger.handlers.clear()
    logger.setLevel(logging.NOTSET)
    logger.propagate = True


def isolated(name: str) -> logging.Logger:
    """Detach a logger from the root, so handlers installed by pytest are not seen."""
    logger = logging.getLogger(name)
    logger.propagate = False
    return logger


MODULE = Path(__file__).stem


def make_app(name: str) -> Erlen:
    return Erlen(name, root_path="/")


# --- name and level ------------------------------------------------------------------------


def test_logger_name_is_app_name(name: str) -> None:
    app = make_app(name)
    assert app.logger.name == app.name == name
    assert app.logger is logging.getLogger(name)


def test_logger_is_cached(name: str) -> None:
    app = make_app(name)
    assert app.logger is app.logger


def test_logger_level_is_debug_in_debug_mode(name: str) -> None:
    app = make_app(name)
    app.debug = True
    assert app.logger.level == logging.DEBUG
    assert app.logger.isEnabledFor(logging.DEBUG)


def test_logger_level_is_unset_outside_debug(name: str) -> None:
    app = make_app(name)
    assert app.logger.level == logging.NOTSET


def test_logger_level_already_set_is_kept_in_debug(name: str) -> None:
    logging.getLogger(name).setLevel(logging.WARNING)
    app = make_app(name)
    app.debug = True
    assert app.logger.level == logging.WARNING


# --- the default handler ---------------------------------------------------------------------


def test_default_handler_added_when_logging_unconfigured(name: str) -> None:
    isolated(name)
    app = make_app(name)
    assert default_handler in app.logger.handlers


def test_default_handler_format(name: str) -> None:
    isolated(name)
    app = make_app(name)
    app.logger.setLevel(logging.INFO)
    stream = io.StringIO()

    @app.route("/")
    def index() -> str:
        app.logger.warning("formatted %s", "message")
        return "ok"

    app.test_client().get("/", errors_stream=stream)
    line = stream.getvalue().strip()
    assert line.startswith("[")
    assert line.endswith(f"] WARNING in {MODULE}: formatted message")


def test_default_handler_writes_to_request_wsgi_errors(name: str) -> None:
    isolated(name)
    app = make_app(name)
    stream = io.StringIO()

    @app.route("/")
    def index() -> str:
        app.logger.error("inside the request")
        return "ok"

    rv = app.test_client().get("/", errors_stream=stream)
    assert rv.status_code == 200
    assert "inside the request" in stream.getvalue()


def test_unhandled_exception_is_written_to_wsgi_errors(name: str) -> None:
    isolated(name)
    app = make_app(name)
    stream = io.StringIO()

    @app.route("/fail")
    def fail() -> str:
        raise RuntimeError("broken view")

    rv = app.test_client().get("/fail", errors_stream=stream)
    assert rv.status_code == 500
    output = stream.getvalue()
    assert "ERROR in app: Exception on /fail [GET]" in output
    assert "Traceback" in output
    assert "RuntimeError: broken view" in output


def test_each_request_writes_to_its_own_stream(name: str) -> None:
    isolated(name)
    app = make_app(name)

    @app.route("/<word>")
    def index(word: str) -> str:
        app.logger.error("word=%s", word)
        return word

    client = app.test_client()
    first, second = io.StringIO(), io.StringIO()
    client.get("/one", errors_stream=first)
    client.get("/two", errors_stream=second)
    assert "word=one" in first.getvalue()
    assert "word=two" not in first.getvalue()
    assert "word=two" in second.getvalue()


def test_default_handler_writes_to_stderr_outside_request(
    name: str, capsys: pytest.CaptureFixture[str]
) -> None:
    isolated(name)
    app = make_app(name)
    app.logger.error("outside any request")
    assert "outside any request" in capsys.readouterr().err


def test_default_handler_writes_to_stderr_in_app_context(
    name: str, capsys: pytest.CaptureFixture[str]
) -> None:
    isolated(name)
    app = make_app(name)
    with app.app_context():
        app.logger.error("app context only")
    assert "app context only" in capsys.readouterr().err


def test_wsgi_errors_stream_follows_the_request(name: str) -> None:
    app = make_app(name)
    stream = io.StringIO()
    with app.test_request_context(errors_stream=stream):
        wsgi_errors_stream.write("direct")
    assert stream.getvalue() == "direct"


def test_debug_messages_written_in_debug_mode(name: str) -> None:
    isolated(name)
    app = make_app(name)
    app.debug = True
    stream = io.StringIO()

    @app.route("/")
    def index() -> str:
        app.logger.debug("debug detail")
        return "ok"

    app.test_client().get("/", errors_stream=stream)
    assert f"DEBUG in {MODULE}: debug detail" in stream.getvalue()


def test_debug_messages_not_written_outside_debug_mode(name: str) -> None:
    isolated(name)
    app = make_app(name)
    stream = io.StringIO()

    @app.route("/")
    def index() -> str:
        app.logger.debug("debug detail")
        app.logger.warning("warned")
        return "ok"

    app.test_client().get("/", errors_stream=stream)
    assert "debug detail" not in stream.getvalue()
    assert "warned" in stream.getvalue()


# --- logging already configured -----------------------------------------------------------


def test_no_default_handler_when_logger_has_a_handler(name: str) -> None:
    logger = isolated(name)
    own = logging.StreamHandler(io.StringIO())
    logger.addHandler(own)
    app = make_app(name)
    assert app.logger.handlers == [own]


def test_no_default_handler_when_parent_has_a_handler(name: str) -> None:
    parent_name = name
    child_name = f"{name}.child"
    parent = isolated(parent_name)
    stream = io.StringIO()
    parent.addHandler(logging.StreamHandler(stream))
    app = make_app(child_name)
    try:
        assert app.logger.handlers == []
        app.logger.error("via parent")
        assert "via parent" in stream.getvalue()
    finally:
        logging.getLogger(child_name).handlers.clear()


def test_no_default_handler_when_root_is_configured(name: str) -> None:
    root = logging.getLogger()
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    saved = root.handlers[:]
    root.handlers[:] = [handler]
    try:
        app = make_app(name)
        assert default_handler not in app.logger.handlers
        app.logger.error("to the root")
    finally:
        root.handlers[:] = saved
    assert "to the root" in stream.getvalue()


def test_default_handler_added_when_existing_handler_level_too_high(name: str) -> None:
    logger = isolated(name)
    logger.setLevel(logging.INFO)
    picky = logging.StreamHandler(io.StringIO())
    picky.setLevel(logging.ERROR)
    logger.addHandler(picky)
    app = make_app(name)
    assert default_handler in app.logger.handlers
    assert picky in app.logger.handlers


def test_no_default_handler_when_handler_level_matches(name: str) -> None:
    logger = isolated(name)
    logger.setLevel(logging.ERROR)
    handler = logging.StreamHandler(io.StringIO())
    handler.setLevel(logging.ERROR)
    logger.addHandler(handler)
    app = make_app(name)
    assert default_handler not in app.logger.handlers


def test_debug_mode_handler_level_check_uses_debug_level(name: str) -> None:
    logger = isolated(name)
    info_handler = logging.StreamHandler(io.StringIO())
    info_handler.setLevel(logging.INFO)
    logger.addHandler(info_handler)
    app = make_app(name)
    app.debug = True
    assert default_handler in app.logger.handlers


def test_has_level_handler(name: str) -> None:
    logger = isolated(name)
    assert not has_level_handler(logger)
    logger.setLevel(logging.WARNING)
    high = logging.StreamHandler(io.StringIO())
    high.setLevel(logging.CRITICAL)
    logger.addHandler(high)
    assert not has_level_handler(logger)
    low = logging.StreamHandler(io.StringIO())
    low.setLevel(logging.DEBUG)
    logger.addHandler(low)
    assert has_level_handler(logger)


def test_has_level_handler_stops_at_non_propagating_logger(name: str) -> None:
    parent = isolated(name)
    child = logging.getLogger(f"{name}.child")
    parent.addHandler(logging.StreamHandler(io.StringIO()))
    assert has_level_handler(child)
    child.propagate = False
    try:
        assert not has_level_handler(child)
    finally:
        child.propagate = True


def test_logger_messages_are_captured_by_caplog(caplog: pytest.LogCaptureFixture) -> None:
    app = make_app(f"erlen_caplog_{uuid.uuid4().hex}")
    with caplog.at_level(logging.INFO, logger=app.logger.name):
        app.logger.info("captured")
    assert [r.getMessage() for r in caplog.records] == ["captured"]
    assert caplog.records[0].name == app.name


def test_wsgi_errors_from_environ_overrides_is_used(name: str) -> None:
    isolated(name)
    app = make_app(name)
    stream = io.StringIO()

    @app.route("/")
    def index() -> str:
        app.logger.error("overridden stream")
        return "ok"

    app.test_client().get("/", environ_overrides={"wsgi.errors": stream})
    assert "overridden stream" in stream.getvalue()
