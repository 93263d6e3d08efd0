"""The chat example (examples/chat): join with a name, talk over a WebSocket."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from types import ModuleType

import pytest

from erlen.testing import ErlenClient, WebsocketDenied

EXAMPLE = Path(__file__).resolve().parent.parent / "examples" / "chat" / "app.py"


@pytest.fixture
def chat() -> ModuleType:
    # A fresh module per test: the room (listeners, history) is module state.
    spec = importlib.util.spec_from_file_location("example_chat_app", EXAMPLE)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # the app finds its templates from its module
    try:
        spec.loader.exec_module(module)
    finally:
        del sys.modules[spec.name]
    return module


def joined(chat: ModuleType, name: str) -> ErlenClient:
    client = chat.app.test_client()
    response = client.post("/join", data={"name": name})
    assert response.status_code == 302
    assert response.headers["Location"] == "/"
    return client


def test_the_room_asks_for_a_name_first(chat: ModuleType) -> None:
    client = chat.app.test_client()
    response = client.get("/")
    assert response.status_code == 302
    assert response.headers["Location"] == "/join"
    assert "Your name" in client.get("/join").get_data(as_text=True)
    response = client.post("/join", data={"name": "   "})
    assert "1 to 32 characters" in response.get_data(as_text=True)


def test_the_room_page_names_the_socket_and_escapes_the_name(chat: ModuleType) -> None:
    client = joined(chat, "<ada>")
    page = client.get("/").get_data(as_text=True)
    assert "as &lt;ada&gt;" in page
    assert 'data-socket="ws://localhost/ws"' in page or 'data-socket="http://localhost/ws"' in page
    assert "/static/chat.js" in page
    assert client.get("/static/chat.js").status_code == 200


def test_a_socket_without_a_name_is_refused(chat: ModuleType) -> None:
    with pytest.raises(WebsocketDenied) as refused, chat.app.test_client().websocket("/ws"):
        pass
    assert refused.value.status_code == 403


def test_messages_reach_everyone_and_newcomers_get_the_history(chat: ModuleType) -> None:
    ada, bob = joined(chat, "ada"), joined(chat, "bob")
    with ada.websocket("/ws") as ada_ws:
        assert ada_ws.receive_json() == {"from": "", "text": "ada joined"}
        with bob.websocket("/ws") as bob_ws:
            assert bob_ws.receive_json() == {"from": "", "text": "bob joined"}
            assert ada_ws.receive_json() == {"from": "", "text": "bob joined"}
            bob_ws.send_json({"text": "  hello  "})
            assert ada_ws.receive_json() == {"from": "bob", "text": "hello"}
            assert bob_ws.receive_json() == {"from": "bob", "text": "hello"}
            bob_ws.send_json({"text": ""})  # nothing to say: nothing sent
            bob_ws.send_json("not an object")
            ada_ws.send_json({"text": "hi bob"})
            assert bob_ws.receive_json() == {"from": "ada", "text": "hi bob"}
            assert ada_ws.receive_json() == {"from": "ada", "text": "hi bob"}
        assert ada_ws.receive_json() == {"from": "", "text": "bob left"}
    assert chat.app.test_client().get("/api/messages").get_json() == [
        {"from": "bob", "text": "hello"},
        {"from": "ada", "text": "hi bob"},
    ]
    with joined(chat, "cy").websocket("/ws") as cy_ws:
        assert cy_ws.receive_json() == {"from": "bob", "text": "hello"}
        assert cy_ws.receive_json() == {"from": "ada", "text": "hi bob"}
        assert cy_ws.receive_json() == {"from": "", "text": "cy joined"}


def test_leaving_forgets_the_name(chat: ModuleType) -> None:
    client = joined(chat, "ada")
    assert client.post("/leave").headers["Location"] == "/join"
    assert client.get("/").headers["Location"] == "/join"
