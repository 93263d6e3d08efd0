"""Debug-mode helpers: explained form and file key errors, the debug flag and the logger."""

from __future__ import annotations

import io
import logging
import typing as t
import uuid
from collections.abc import Iterator

import pytest
from werkzeug.exceptions import BadRequestKeyError

from erlen import Erlen, request
from erlen import globals as ctx_globals
from erlen.debughelpers import DebugFilesKeyError
from erlen.helpers import get_debug_flag


@pytest.fixture(autouse=True)
def _no_leaked_context() -> Iterator[None]:
    yield
    assert ctx_globals._cv_app.get(None) is None, "an application context leaked"
    assert ctx_globals._cv_request.get(None) is None, "a request context leaked"


@pytest.fixture(autouse=True)
def _no_debug_env(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("ERLEN_DEBUG", raising=False)
    monkeypatch.delenv("FLASK_DEBUG", raising=False)


FORM = {"alpha": "1", "beta_field": "2"}


def make_app(debug: bool, **config: t.Any) -> Erlen:
    app = Erlen(__name__)
    app.debug = debug
    app.config.update(config)

    @app.route("/form", methods=["POST"])
    def form() -> str:
        return request.form["missing_key"]

    @app.route("/form-ok", methods=["POST"])
    def form_ok() -> str:
        return f"{request.form['alpha']} {request.form.get('missing_key', 'default')}"

    @app.route("/file", methods=["POST"])
    def file() -> str:
        return request.files["upload"].read().decode()

    @app.route("/other-file", methods=["POST"])
    def other_file() -> str:
        return request.files["not_in_form"].read().decode()

    return app


# --- request.form[...] ------------------------------------------------------------------


def test_debug_missing_form_key_400_names_key_and_fields() -> None:
    app = make_app(debug=True, TRAP_BAD_REQUEST_ERRORS=False)

    response = app.test_client().post("/form", data=FORM)

    assert response.status_code == 400
    body = response.text
    assert "missing_key" in body
    assert "alpha" in body
    assert "beta_field" in body


def test_debug_missing_form_key_propagates_with_field_names() -> None:
    app = make_app(debug=True)
    assert app.config["TRAP_BAD_REQUEST_ERRORS"] is None

    with pytest.raises(BadRequestKeyError) as info:
        app.test_client().post("/form", data=FORM)

    error = info.value
    assert error.args[0] == "missing_key"
    assert "missing_key" in error.description
    assert "alpha" in error.description
    assert "beta_field" in error.description


def test_debug_missing_form_key_with_empty_form() -> None:
    app = make_app(debug=True)

    with pytest.raises(BadRequestKeyError) as info:
        app.test_client().post("/form", data={})

    assert "missing_key" in info.value.description


def test_debug_form_still_works_for_present_keys_and_get() -> None:
    app = make_app(debug=True)

    response = app.test_client().post("/form-ok", data=FORM)
    assert response.status_code == 200
    assert response.text == "1 default"


def test_not_debug_missing_form_key_is_a_plain_400() -> None:
    app = make_app(debug=False)

    response = app.test_client().post("/form", data=FORM)

    assert response.status_code == 400
    assert "alpha" not in response.text
    assert "beta_field" not in response.text
    assert "missing_key" not in response.text


def test_not_debug_trap_bad_request_errors_propagates_plain_error() -> None:
    app = make_app(debug=False, TRAP_BAD_REQUEST_ERRORS=True, TESTING=True)

    with pytest.raises(BadRequestKeyError) as info:
        app.test_client().post("/form", data=FORM)

    assert "alpha" not in info.value.description


# --- request.files[...] -----------------------------------------------------------------


def test_debug_files_key_without_multipart_explains_enctype() -> None:
    app = make_app(debug=True)

    with pytest.raises(DebugFilesKeyError) as info:
        app.test_client().post("/file", data={"upload": "name.txt"})

    message = str(info.value)
    assert "multipart/form-data" in message
    assert "enctype" in message
    assert "upload" in message
    assert "name.txt" in message
    assert isinstance(info.value, KeyError)


def test_debug_files_error_is_a_500_when_not_propagated() -> None:
    app = make_app(debug=True, PROPAGATE_EXCEPTIONS=False)

    response = app.test_client().post("/file", data={"upload": "name.txt"})
    assert response.status_code == 500


def test_debug_files_key_not_in_form_is_a_normal_key_error() -> None:
    app = make_app(debug=True)

    with pytest.raises(BadRequestKeyError) as info:
        app.test_client().post("/other-file", data={"upload": "name.txt"})

    assert not isinstance(info.value, DebugFilesKeyError)


def test_debug_multipart_upload_works_normally() -> None:
    app = make_app(debug=True)

    response = app.test_client().post(
        "/file", data={"upload": (io.BytesIO(b"real content"), "name.txt")}
    )
    assert response.status_code == 200
    assert response.text == "real content"


def test_not_debug_files_key_without_multipart_is_a_plain_400() -> None:
    app = make_app(debug=False)

    response = app.test_client().post("/file", data={"upload": "name.txt"})

    assert response.status_code == 400
    assert "multipart" not in response.text
    assert "enctype" not in response.text


def test_not_debug_files_key_raises_no_debug_error() -> None:
    app = make_app(debug=False, TRAP_BAD_REQUEST_ERRORS=True, TESTING=True)

    with pytest.raises(BadRequestKeyError) as info:
        app.test_client().post("/file", data={"upload": "name.txt"})

    assert not isinstance(info.value, DebugFilesKeyError)


def test_debug_files_key_error_message_directly() -> None:
    app = Erlen(__name__)
    app.debug = True
    with app.test_request_context(method="POST", data={"f": "name.txt"}):
        assert request.form["f"] == "name.txt"
        with pytest.raises(DebugFilesKeyError, match="multipart/form-data"):
            request.files["f"]


# --- debug flag --------------------------------------------------------------------------


@pytest.mark.parametrize("value", ["1", "true", "True", "yes", "on"])
def test_get_debug_flag_true_values(monkeypatch: pytest.MonkeyPatch, value: str) -> None:
    monkeypatch.setenv("ERLEN_DEBUG", value)
    assert get_debug_flag() is True


@pytest.mark.parametrize("value", ["0", "false", "False", "no", ""])
def test_get_debug_flag_false_values(monkeypatch: pytest.MonkeyPatch, value: str) -> None:
    monkeypatch.setenv("ERLEN_DEBUG", value)
    assert get_debug_flag() is False


def test_get_debug_flag_unset_is_false() -> None:
    assert get_debug_flag() is False


def test_get_debug_flag_reads_flask_debug(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("FLASK_DEBUG", "1")
    assert get_debug_flag() is True
    monkeypatch.setenv("FLASK_DEBUG", "0")
    assert get_debug_flag() is False


def test_app_debug_from_erlen_debug(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ERLEN_DEBUG", "1")
    app = Erlen(__name__)
    assert app.debug is True
    assert app.config["DEBUG"] is True


def test_app_debug_from_flask_debug(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("FLASK_DEBUG", "1")
    assert Erlen(__name__).debug is True


def test_app_not_debug_by_default() -> None:
    app = Erlen(__name__)
    assert app.debug is False
    assert not app.config["DEBUG"]


def test_app_debug_setter_updates_config() -> None:
    app = Erlen(__name__)
    app.debug = True
    assert app.config["DEBUG"] is True
    app.debug = False
    assert app.config["DEBUG"] is False


# --- logger ------------------------------------------------------------------------------


@pytest.fixture
def logger_name() -> Iterator[str]:
    name = f"debug_helpers_logger_{uuid.uuid4().hex}"
    yield name
    logger = logging.getLogger(name)
    logger.setLevel(logging.NOTSET)
    logger.handlers.clear()


def test_logger_level_is_debug_in_debug_mode(logger_name: str, tmp_path: t.Any) -> None:
    app = Erlen(logger_name, root_path=str(tmp_path))
    app.debug = True
    assert app.logger.name == logger_name
    assert app.logger.level == logging.DEBUG
    assert app.logger.isEnabledFor(logging.DEBUG)


def test_logger_level_from_debug_env(
    logger_name: str, tmp_path: t.Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("ERLEN_DEBUG", "1")
    app = Erlen(logger_name, root_path=str(tmp_path))
    assert app.logger.level == logging.DEBUG


def test_logger_level_not_set_outside_debug_mode(logger_name: str, tmp_path: t.Any) -> None:
    app = Erlen(logger_name, root_path=str(tmp_path))
    assert app.logger.level == logging.NOTSET


def test_logger_level_set_by_user_is_kept_in_debug_mode(logger_name: str, tmp_path: t.Any) -> None:
    logging.getLogger(logger_name).setLevel(logging.WARNING)
    app = Erlen(logger_name, root_path=str(tmp_path))
    app.debug = True
    assert app.logger.level == logging.WARNING
