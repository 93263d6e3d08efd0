"""JSON nested too deeply to parse is the client's error, never a RecursionError.

Python's JSON parser recurses once per level, so a body of 100,000 ``[`` runs out
of stack. From a request body that is a 400 saying why (or ``None`` when asked to be
silent); in a session cookie, signed by the app itself, it is a fresh session.
"""

from __future__ import annotations

import copy
import json
import typing as t

import pytest

from erlen import Erlen, request, session
from erlen.json.tag import TaggedJSONSerializer

DEPTH = 100_000

DEEP = {
    "arrays": "[" * DEPTH + "]" * DEPTH,
    "objects": '{"a":' * DEPTH + "1" + "}" * DEPTH,
    "mixed": '[{"a":' * (DEPTH // 2) + "1" + "}]" * (DEPTH // 2),
}


def make_app() -> Erlen:
    app = Erlen(__name__)
    app.secret_key = "a secret only these tests know"

    @app.post("/get-json")
    def get_json() -> dict[str, t.Any]:
        return {"got": request.get_json()}

    @app.post("/json")
    def json_attribute() -> dict[str, t.Any]:
        return {"got": request.json}

    @app.post("/silent")
    def silent() -> dict[str, t.Any]:
        return {"none": request.get_json(silent=True) is None}

    @app.get("/session")
    def read_session() -> dict[str, t.Any]:
        return {"session": dict(session)}

    @app.get("/count")
    def count() -> dict[str, t.Any]:
        session["visits"] = session.get("visits", 0) + 1
        return {"visits": session["visits"]}

    return app


@pytest.mark.parametrize("shape", sorted(DEEP))
@pytest.mark.parametrize("path", ["/get-json", "/json"])
def test_deeply_nested_json_body_is_400_that_says_why(path: str, shape: str) -> None:
    app = make_app()
    response = app.test_client().post(path, data=DEEP[shape], content_type="application/json")
    assert response.status_code == 400
    assert "nested too deeply" in response.get_data(as_text=True)


@pytest.mark.parametrize("shape", sorted(DEEP))
def test_deeply_nested_json_body_read_silently_is_none(shape: str) -> None:
    app = make_app()
    response = app.test_client().post("/silent", data=DEEP[shape], content_type="application/json")
    assert response.status_code == 200
    assert response.json == {"none": True}


def test_deeply_nested_json_is_answered_by_the_400_handler_not_the_500_one() -> None:
    """A client error: the 400 handler runs (and can read the body silently); no 500."""
    app = make_app()
    handled: list[int] = []

    @app.errorhandler(400)
    def bad_request(error: Exception) -> tuple[dict[str, t.Any], int]:
        handled.append(400)
        return {"silent": request.get_json(silent=True)}, 400

    @app.errorhandler(500)
    def server_error(error: Exception) -> tuple[str, int]:
        handled.append(500)
        return "server error", 500

    response = app.test_client().post(
        "/get-json", data=DEEP["arrays"], content_type="application/json"
    )
    assert response.status_code == 400
    assert response.json == {"silent": None}
    assert handled == [400]


def test_moderately_nested_json_body_still_parses() -> None:
    app = make_app()
    depth = 50
    document = json.dumps(json.loads("[" * depth + "]" * depth))
    response = app.test_client().post("/get-json", data=document, content_type="application/json")
    assert response.status_code == 200
    assert response.get_data(as_text=True).count("[") == depth


# --- the session cookie ------------------------------------------------------------------------


class SignAsIs:
    """Stands in for the session's JSON serializer: the text given is signed as it is,
    so a test can sign a document ``json.dumps`` could not produce."""

    def dumps(self, text: str) -> str:
        return text

    def loads(self, text: str) -> t.Any:
        raise AssertionError("only used to sign")


def signed_cookie(app: Erlen, document: str) -> str:
    """``document`` signed with the app's own key, salt and format, as its cookie is."""
    with app.app_context():
        serializer = app.session_interface.get_signing_serializer(app)  # type: ignore[attr-defined]
    signer = copy.copy(serializer)
    signer.serializer = SignAsIs()
    return signer.dumps(document)  # type: ignore[no-any-return]


def test_signing_helper_makes_cookies_the_app_accepts() -> None:
    """The cookies below are refused for their depth, not for a bad signature."""
    app = make_app()
    client = app.test_client()
    client.set_cookie("session", signed_cookie(app, '{"user":"ada"}'))
    response = client.get("/session")
    assert response.json == {"session": {"user": "ada"}}


@pytest.mark.parametrize("depth", [DEPTH, 600], ids=["100000-deep", "600-deep"])
@pytest.mark.parametrize("shape", ["arrays", "objects"])
def test_validly_signed_deeply_nested_session_cookie_gives_a_fresh_session(
    shape: str, depth: int
) -> None:
    app = make_app()
    inner = "[" * depth + "]" * depth if shape == "arrays" else '{"a":' * depth + "1" + "}" * depth
    document = '{"deep":' + inner + "}"
    client = app.test_client()
    client.set_cookie("session", signed_cookie(app, document))
    response = client.get("/session")
    assert response.status_code == 200
    try:
        TaggedJSONSerializer().loads(document)
    except ValueError:  # too deep for this Python: refused, a fresh session
        assert response.json == {"session": {}}
    else:  # Python 3.12 and newer read 600 levels: the session is the document's
        assert response.json is not None and "deep" in response.json["session"]
        client.delete_cookie("session")

    response = client.get("/count")
    assert response.status_code == 200
    assert response.json == {"visits": 1}
    assert client.get("/count").json == {"visits": 2}


# --- tagged JSON ----------------------------------------------------------------------------


@pytest.mark.parametrize("shape", sorted(DEEP))
def test_tagged_json_of_a_too_deep_document_raises_a_value_error(shape: str) -> None:
    """Callers of ``loads`` catch ``ValueError`` for bad input; a ``RecursionError``
    would get past them."""
    with pytest.raises(ValueError, match=r"(?i)deep"):
        TaggedJSONSerializer().loads(DEEP[shape])


def test_tagged_json_of_a_moderately_deep_document_loads_or_raises_a_value_error() -> None:
    """600 levels are within what ``json.loads`` parses; the untagging after it must not
    turn that into a ``RecursionError`` either."""
    document = '{"a":' * 600 + "1" + "}" * 600
    try:
        value = TaggedJSONSerializer().loads(document)
    except ValueError:
        return
    for _ in range(600):
        value = value["a"]
    assert value == 1
