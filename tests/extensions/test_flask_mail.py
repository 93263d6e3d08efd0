"""Flask-Mail on erlen, used as its documentation shows.

Flask-Mail reads its settings from ``app.config`` (and ``app.testing`` to suppress
sending), keeps its state in ``app.extensions["mail"]``, finds it again through
``current_app`` when a message is built, and sends ``email_dispatched`` with the
app as sender.
"""

from __future__ import annotations

import erlen  # first: from here on, `flask` is erlen

# isort: split
import email
import typing as t

import pytest
from flask import current_app, render_template_string, request
from flask_mail import Attachment, Mail, Message, email_dispatched


def create_app(**config: t.Any) -> tuple[erlen.Erlen, Mail]:
    app = erlen.Erlen(__name__)
    app.config.update(
        TESTING=True,
        MAIL_DEFAULT_SENDER=("Shop", "shop@example.com"),
        MAIL_SERVER="smtp.example.com",
        **config,
    )
    mail = Mail(app)

    @app.route("/order/<int:number>", methods=["POST"])
    def order(number: int) -> str:
        msg = Message(
            f"Order {number} confirmed",
            recipients=[request.form["email"]],
            body=f"Thanks for order {number}.",
            html=render_template_string("<p>Thanks for order <b>{{ n }}</b>.</p>", n=number),
        )
        msg.attach("receipt.txt", "text/plain", f"order {number}".encode())
        mail.send(msg)
        return "sent"

    return app, mail


def test_messages_sent_from_a_view_are_recorded_in_testing() -> None:
    app, mail = create_app()
    client = app.test_client()

    with mail.record_messages() as outbox:
        response = client.post("/order/7", data={"email": "ada@example.com"})

    assert response.data == b"sent"
    assert len(outbox) == 1
    sent = outbox[0]
    assert sent.subject == "Order 7 confirmed"
    assert sent.sender == "Shop <shop@example.com>"
    assert sent.recipients == ["ada@example.com"]
    assert sent.html == "<p>Thanks for order <b>7</b>.</p>"
    with app.app_context():
        parsed = email.message_from_string(sent.as_string())
    assert parsed["Subject"] == "Order 7 confirmed"
    assert parsed["To"] == "ada@example.com"
    assert parsed.get_content_type() == "multipart/mixed"
    parts = [part.get_content_type() for part in parsed.walk()]
    assert "text/html" in parts and "text/plain" in parts
    assert [part.get_filename() for part in parsed.walk() if part.get_filename()] == ["receipt.txt"]


def test_email_dispatched_is_sent_with_the_app() -> None:
    app, mail = create_app()
    seen: list[tuple[str, object]] = []

    def on_dispatch(sender: erlen.Erlen, message: Message) -> None:
        seen.append((message.subject, sender))

    with email_dispatched.connected_to(on_dispatch, app), app.app_context():
        mail.send_message("Hello", recipients=["bob@example.com"], body="hi")
    assert seen == [("Hello", app)]


def test_settings_come_from_the_config() -> None:
    app, mail = create_app(
        MAIL_PORT=2525, MAIL_USE_TLS=True, MAIL_MAX_EMAILS=2, MAIL_ASCII_ATTACHMENTS=True
    )
    state = app.extensions["mail"]
    assert (state.server, state.port, state.use_tls) == ("smtp.example.com", 2525, True)
    assert state.suppress is True  # from TESTING
    assert state.max_emails == 2
    assert mail.state is state
    with app.app_context():
        assert current_app.extensions["mail"].default_sender == ("Shop", "shop@example.com")


def test_a_connection_sends_several_messages() -> None:
    app, mail = create_app()
    with app.app_context(), mail.record_messages() as outbox, mail.connect() as connection:
        for name in ["a", "b", "c"]:
            connection.send(Message(f"to {name}", recipients=[f"{name}@example.com"], body="x"))
    assert [message.subject for message in outbox] == ["to a", "to b", "to c"]


def test_building_a_message_needs_the_app_context() -> None:
    app, _ = create_app()

    def build() -> Message:
        return Message(
            "attached",
            recipients=["x@example.com"],
            body="see attachment",
            attachments=[Attachment("notes.txt", "text/plain", b"notes")],
        )

    with pytest.raises(RuntimeError, match="outside of application context"):
        build()
    with app.app_context():
        text = build().as_string()
    assert "notes.txt" in text
    assert "<shop@example.com>" in text


def test_init_app_with_an_application_factory() -> None:
    mail = Mail()
    first = erlen.Erlen(__name__)
    first.config["MAIL_DEFAULT_SENDER"] = "first@example.com"
    second = erlen.Erlen(__name__)
    second.config["MAIL_DEFAULT_SENDER"] = "second@example.com"
    mail.init_app(first)
    mail.init_app(second)
    with second.app_context():
        assert Message("x", recipients=["y@example.com"]).sender == "second@example.com"
    with first.app_context():
        assert Message("x", recipients=["y@example.com"]).sender == "first@example.com"
