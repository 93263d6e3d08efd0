"""Tests for the blinker signals sent during the request and context lifecycle."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from typing import Any

import pytest
from blinker import Signal

import erlen
from erlen import Erlen, current_app, has_app_context, has_request_context, request, signals
from erlen import globals as ctx_globals

LIFECYCLE = (
    "request_started",
    "request_finished",
    "request_tearing_down",
    "got_request_exception",
    "appcontext_pushed",
    "appcontext_popped",
    "appcontext_tearing_down",
)

NAMES = {
    "template_rendered": "template-rendered",
    "before_render_template": "before-render-template",
    "request_started": "request-started",
    "request_finished": "request-finished",
    "request_tearing_down": "request-tearing-down",
    "got_request_exception": "got-request-exception",
    "appcontext_tearing_down": "appcontext-tearing-down",
    "appcontext_pushed": "appcontext-pushed",
    "appcontext_popped": "appcontext-popped",
    "message_flashed": "message-flashed",
}


@pytest.fixture(autouse=True)
def _no_leaked_context() -> Iterator[None]:
    yield
    assert ctx_globals._cv_app.get(None) is None, "an application context leaked"
    assert ctx_globals._cv_request.get(None) is None, "a request context leaked"


@pytest.fixture
def app() -> Erlen:
    app = Erlen(__name__)
    app.logger.disabled = True

    @app.route("/")
    def index() -> str:
        return "hello"

    @app.route("/boom")
    def boom() -> str:
        raise ZeroDivisionError("boom")

    return app


@contextmanager
def recording(
    app: Erlen, names: tuple[str, ...] = LIFECYCLE
) -> Iterator[list[tuple[str, Any, dict[str, Any]]]]:
    """Connect a receiver for ``app`` to each named signal; yield the (name, sender,
    kwargs) of each send, in order."""
    events: list[tuple[str, Any, dict[str, Any]]] = []

    def make_receiver(name: str) -> Any:
        def receiver(sender: Any, **kwargs: Any) -> None:
            events.append((name, sender, kwargs))

        return receiver

    with ExitStack() as stack:
        receivers = [make_receiver(name) for name in names]
        for name, receiver in zip(names, receivers, strict=True):
            stack.enter_context(getattr(signals, name).connected_to(receiver, app))
        yield events


def order(events: list[tuple[str, Any, dict[str, Any]]]) -> list[str]:
    return [name for name, _, _ in events]


# --- names -------------------------------------------------------------------------------------


@pytest.mark.parametrize(("attribute", "name"), sorted(NAMES.items()))
def test_signal_names_match_flask(attribute: str, name: str) -> None:
    signal = getattr(signals, attribute)
    assert isinstance(signal, Signal)
    assert signal.name == name


@pytest.mark.parametrize("attribute", sorted(NAMES))
def test_signals_are_exported_from_the_package(attribute: str) -> None:
    assert getattr(erlen, attribute) is getattr(signals, attribute)


# --- one request ---------------------------------------------------------------------------------


def test_successful_request_sends_signals_in_order(app: Erlen) -> None:
    with recording(app) as events:
        assert app.test_client().get("/").text == "hello"
    assert order(events) == [
        "appcontext_pushed",
        "request_started",
        "request_finished",
        "request_tearing_down",
        "appcontext_tearing_down",
        "appcontext_popped",
    ]
    assert all(sender is app for _, sender, _ in events)


def test_failing_request_sends_signals_in_order(app: Erlen) -> None:
    with recording(app) as events:
        assert app.test_client().get("/boom").status_code == 500
    assert order(events) == [
        "appcontext_pushed",
        "request_started",
        "got_request_exception",
        "request_finished",
        "request_tearing_down",
        "appcontext_tearing_down",
        "appcontext_popped",
    ]
    assert all(sender is app for _, sender, _ in events)


def test_signal_keyword_arguments(app: Erlen) -> None:
    with recording(app) as events:
        app.test_client().get("/")
    kwargs = {name: sorted(extra) for name, _, extra in events}
    assert kwargs == {
        "appcontext_pushed": [],
        "request_started": [],
        "request_finished": ["response"],
        "request_tearing_down": ["exc"],
        "appcontext_tearing_down": ["exc"],
        "appcontext_popped": [],
    }


def test_signals_interleave_with_hooks(app: Erlen) -> None:
    calls: list[str] = []
    app.before_request(lambda: calls.append("before_request"))

    @app.after_request
    def after(response: Any) -> Any:
        calls.append("after_request")
        return response

    app.teardown_request(lambda exc: calls.append("teardown_request"))
    app.teardown_appcontext(lambda exc: calls.append("teardown_appcontext"))

    with ExitStack() as stack:
        for name in LIFECYCLE:

            def receiver(sender: Any, _name: str = name, **kwargs: Any) -> None:
                calls.append(_name)

            stack.enter_context(getattr(signals, name).connected_to(receiver, app))
        app.test_client().get("/")

    assert calls == [
        "appcontext_pushed",
        "request_started",
        "before_request",
        "after_request",
        "request_finished",
        "teardown_request",
        "request_tearing_down",
        "teardown_appcontext",
        "appcontext_tearing_down",
        "appcontext_popped",
    ]


# --- individual signals --------------------------------------------------------------------------


def test_request_started_sees_the_request(app: Erlen) -> None:
    seen: list[Any] = []

    def receiver(sender: Any, **kwargs: Any) -> None:
        seen.append((sender, request.path, request.args.get("q"), current_app.name))

    with signals.request_started.connected_to(receiver, app):
        app.test_client().get("/?q=1")
    assert seen == [(app, "/", "1", app.name)]


def test_request_finished_gets_the_final_response(app: Erlen) -> None:
    responses: list[Any] = []

    @app.after_request
    def tag(response: Any) -> Any:
        response.headers["X-Tag"] = "hooked"
        return response

    def receiver(sender: Any, response: Any, **kwargs: Any) -> None:
        responses.append(response)

    with signals.request_finished.connected_to(receiver, app):
        client_response = app.test_client().get("/")
    assert len(responses) == 1
    response = responses[0]
    assert isinstance(response, app.response_class)
    assert response.status_code == 200
    assert response.get_data(as_text=True) == "hello"
    assert response.headers["X-Tag"] == "hooked"
    assert client_response.headers["X-Tag"] == "hooked"


def test_request_finished_gets_the_500_response(app: Erlen) -> None:
    statuses: list[int] = []

    def receiver(sender: Any, response: Any, **kwargs: Any) -> None:
        statuses.append(response.status_code)

    with signals.request_finished.connected_to(receiver, app):
        app.test_client().get("/boom")
    assert statuses == [500]


def test_request_tearing_down_gets_none_on_success(app: Erlen) -> None:
    with recording(app, ("request_tearing_down", "appcontext_tearing_down")) as events:
        app.test_client().get("/")
    assert events == [
        ("request_tearing_down", app, {"exc": None}),
        ("appcontext_tearing_down", app, {"exc": None}),
    ]


def test_tearing_down_signals_get_the_unhandled_exception(app: Erlen) -> None:
    with recording(app, ("request_tearing_down", "appcontext_tearing_down")) as events:
        app.test_client().get("/boom")
    assert [name for name, _, _ in events] == ["request_tearing_down", "appcontext_tearing_down"]
    for _, _, kwargs in events:
        assert isinstance(kwargs["exc"], ZeroDivisionError)


def test_request_tearing_down_still_has_the_request(app: Erlen) -> None:
    seen: list[Any] = []

    def receiver(sender: Any, **kwargs: Any) -> None:
        seen.append((has_request_context(), request.path))

    with signals.request_tearing_down.connected_to(receiver, app):
        app.test_client().get("/")
    assert seen == [(True, "/")]


def test_got_request_exception_gets_the_exception(app: Erlen) -> None:
    with recording(app, ("got_request_exception",)) as events:
        app.test_client().get("/boom")
    assert len(events) == 1
    _, sender, kwargs = events[0]
    assert sender is app
    assert isinstance(kwargs["exception"], ZeroDivisionError)
    assert str(kwargs["exception"]) == "boom"


def test_got_request_exception_sent_before_exception_propagates(app: Erlen) -> None:
    app.testing = True
    with recording(app, ("got_request_exception",)) as events, pytest.raises(ZeroDivisionError):
        app.test_client().get("/boom")
    assert len(events) == 1
    assert isinstance(events[0][2]["exception"], ZeroDivisionError)


def test_got_request_exception_not_sent_for_handled_errors(app: Erlen) -> None:
    @app.errorhandler(ZeroDivisionError)
    def handle(error: Exception) -> tuple[str, int]:
        return "handled", 400

    with recording(app, ("got_request_exception",)) as events:
        client = app.test_client()
        assert client.get("/boom").status_code == 400
        assert client.get("/missing").status_code == 404
    assert events == []


def test_appcontext_signals_for_a_plain_app_context(app: Erlen) -> None:
    with recording(app) as events, app.app_context():
        assert order(events) == ["appcontext_pushed"]
    assert order(events) == ["appcontext_pushed", "appcontext_tearing_down", "appcontext_popped"]
    assert all(sender is app for _, sender, _ in events)


def test_appcontext_pushed_receiver_sees_the_new_context(app: Erlen) -> None:
    seen: list[Any] = []

    def receiver(sender: Any, **kwargs: Any) -> None:
        seen.append((has_app_context(), current_app.name))

    with signals.appcontext_pushed.connected_to(receiver, app), app.app_context():
        pass
    assert seen == [(True, app.name)]


def test_appcontext_popped_is_sent_after_the_context_is_gone(app: Erlen) -> None:
    seen: list[bool] = []

    def receiver(sender: Any, **kwargs: Any) -> None:
        seen.append(has_app_context())

    with signals.appcontext_popped.connected_to(receiver, app), app.app_context():
        pass
    assert seen == [False]


def test_test_request_context_sends_context_signals_but_not_request_signals(
    app: Erlen,
) -> None:
    with recording(app) as events, app.test_request_context():
        pass
    assert order(events) == [
        "appcontext_pushed",
        "request_tearing_down",
        "appcontext_tearing_down",
        "appcontext_popped",
    ]


def test_receivers_for_another_app_are_not_called(app: Erlen) -> None:
    other = Erlen("other")
    with recording(other) as events:
        app.test_client().get("/")
        app.test_client().get("/boom")
    assert events == []


def test_receiver_connected_without_sender_sees_every_app(app: Erlen) -> None:
    senders: list[Any] = []

    def receiver(sender: Any, **kwargs: Any) -> None:
        senders.append(sender)

    signals.request_started.connect(receiver)
    try:
        app.test_client().get("/")
    finally:
        signals.request_started.disconnect(receiver)
    assert senders == [app]


def test_disconnected_receiver_is_not_called(app: Erlen) -> None:
    calls: list[Any] = []

    def receiver(sender: Any, **kwargs: Any) -> None:
        calls.append(sender)

    signals.request_finished.connect(receiver, app)
    try:
        app.test_client().get("/")
    finally:
        signals.request_finished.disconnect(receiver, app)
    app.test_client().get("/")
    assert calls == [app]


def test_each_request_sends_its_own_signals(app: Erlen) -> None:
    with recording(app, ("request_started", "request_finished")) as events:
        client = app.test_client()
        client.get("/")
        client.get("/")
    assert order(events) == [
        "request_started",
        "request_finished",
        "request_started",
        "request_finished",
    ]
