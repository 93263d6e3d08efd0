"""Flask-WTF on erlen with CSRF protection on, used as its documentation shows."""

from __future__ import annotations

import io
import re

import erlen  # first: from here on, `flask` is erlen

# isort: split
from flask_wtf import CSRFProtect, FlaskForm
from flask_wtf.csrf import CSRFError
from flask_wtf.file import FileAllowed, FileField, FileRequired
from wtforms import IntegerField, StringField
from wtforms.validators import DataRequired, NumberRange

from erlen import render_template_string, request

FORM_PAGE = """
<form method="post">
  {{ form.csrf_token }}
  {{ form.name.label }} {{ form.name(size=20) }}
  {{ form.age }}
  {% for field, errors in form.errors.items() %}<p>{{ field }}: {{ errors|join }}</p>{% endfor %}
</form>
"""


class ProfileForm(FlaskForm):
    name = StringField("Name", validators=[DataRequired()])
    age = IntegerField("Age", validators=[NumberRange(min=0)])


class UploadForm(FlaskForm):
    document = FileField(validators=[FileRequired(), FileAllowed(["txt"], "Text files only")])


def create_app() -> tuple[erlen.Erlen, CSRFProtect]:
    app = erlen.Erlen(__name__)
    app.config["SECRET_KEY"] = "test secret"
    csrf = CSRFProtect(app)

    @app.route("/profile", methods=["GET", "POST"])
    def profile() -> object:
        form = ProfileForm()
        if form.validate_on_submit():
            return f"saved {form.name.data}, {form.age.data}"
        return render_template_string(FORM_PAGE, form=form)

    @app.route("/plain", methods=["GET", "POST"])
    def plain() -> str:
        # A form without WTForms: the documented hidden input with csrf_token().
        if request.method == "POST":
            return "posted " + request.form["comment"]
        return render_template_string(
            '<form method="post"><input type="hidden" name="csrf_token" value="{{ csrf_token() }}">'
            '<input name="comment"></form>'
        )

    @app.post("/upload")
    def upload() -> object:
        form = UploadForm()
        if form.validate_on_submit():
            return f"{form.document.data.filename}: {form.document.data.read().decode()}"
        return {"errors": form.errors}, 400

    @app.post("/webhook")
    @csrf.exempt
    def webhook() -> str:
        return "hook " + request.get_data(as_text=True)

    return app, csrf


def csrf_token_from(html: str) -> str:
    match = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', html) or re.search(
        r'type="hidden" name="csrf_token" value="([^"]+)"', html
    )
    assert match, html
    return match.group(1)


def test_the_form_page_carries_a_token_and_sets_the_session() -> None:
    app, _ = create_app()
    client = app.test_client()
    response = client.get("/profile")
    assert response.status_code == 200
    assert csrf_token_from(response.text)
    assert '<input id="name" name="name" required size="20" type="text" value="">' in response.text
    assert "session=" in response.headers["Set-Cookie"]
    with client.session_transaction() as session:
        assert "csrf_token" in session


def test_a_post_without_token_is_refused() -> None:
    app, _ = create_app()
    client = app.test_client()
    client.get("/profile")
    response = client.post("/profile", data={"name": "ada", "age": "36"})
    assert response.status_code == 400
    assert "The CSRF token is missing." in response.text


def test_a_post_with_the_token_is_accepted() -> None:
    app, _ = create_app()
    client = app.test_client()
    token = csrf_token_from(client.get("/profile").text)
    response = client.post("/profile", data={"name": "ada", "age": "36", "csrf_token": token})
    assert response.status_code == 200
    assert response.text == "saved ada, 36"


def test_a_wrong_or_foreign_token_is_refused() -> None:
    app, _ = create_app()
    client = app.test_client()
    token = csrf_token_from(client.get("/profile").text)
    response = client.post("/profile", data={"name": "ada", "csrf_token": token + "x"})
    assert response.status_code == 400
    assert "The CSRF token is invalid." in response.text

    other = app.test_client()  # another browser: no session holding that token
    response = other.post("/profile", data={"name": "ada", "csrf_token": token})
    assert response.status_code == 400
    assert "The CSRF session token is missing." in response.text


def test_validation_errors_are_rendered_with_the_form() -> None:
    app, _ = create_app()
    client = app.test_client()
    token = csrf_token_from(client.get("/profile").text)
    response = client.post("/profile", data={"name": "", "age": "-1", "csrf_token": token})
    assert response.status_code == 200
    assert "<p>name: This field is required.</p>" in response.text
    assert "<p>age: Number must be at least 0.</p>" in response.text


def test_token_from_csrf_token_in_a_plain_template() -> None:
    app, _ = create_app()
    client = app.test_client()
    token = csrf_token_from(client.get("/plain").text)
    assert client.post("/plain", data={"comment": "hi"}).status_code == 400
    response = client.post("/plain", data={"comment": "hi", "csrf_token": token})
    assert response.text == "posted hi"


def test_token_in_the_header_for_ajax() -> None:
    app, _ = create_app()
    client = app.test_client()
    token = csrf_token_from(client.get("/plain").text)
    response = client.post("/plain", data={"comment": "js"}, headers={"X-CSRFToken": token})
    assert response.text == "posted js"


def test_json_body_fills_the_form() -> None:
    app, _ = create_app()
    client = app.test_client()
    token = csrf_token_from(client.get("/profile").text)
    response = client.post(
        "/profile", json={"name": "grace", "age": 85}, headers={"X-CSRFToken": token}
    )
    assert response.text == "saved grace, 85"


def test_exempt_view_takes_posts_without_token() -> None:
    app, _ = create_app()
    response = app.test_client().post("/webhook", data="payload")
    assert response.status_code == 200
    assert response.text == "hook payload"


def test_file_upload_is_validated() -> None:
    app, _ = create_app()
    client = app.test_client()
    token = csrf_token_from(client.get("/profile").text)

    response = client.post(
        "/upload",
        data={"csrf_token": token, "document": (io.BytesIO(b"file body"), "notes.txt")},
    )
    assert response.text == "notes.txt: file body"

    response = client.post(
        "/upload",
        data={"csrf_token": token, "document": (io.BytesIO(b"\x89PNG"), "image.png")},
    )
    assert response.status_code == 400
    assert response.json == {"errors": {"document": ["Text files only"]}}

    response = client.post("/upload", data={"csrf_token": token})
    assert response.json == {"errors": {"document": ["This field is required."]}}


def test_csrf_error_handler() -> None:
    app, _ = create_app()

    @app.errorhandler(CSRFError)
    def csrf_error(error: CSRFError) -> tuple[dict[str, str], int]:
        return {"csrf": error.description}, 419

    response = app.test_client().post("/plain", data={"comment": "x"})
    assert response.status_code == 419
    assert response.json == {"csrf": "The CSRF token is missing."}


def test_https_requires_a_same_origin_referrer() -> None:
    app, _ = create_app()
    client = app.test_client()
    token = csrf_token_from(client.get("/plain", base_url="https://localhost").text)
    data = {"comment": "secure", "csrf_token": token}

    response = client.post("/plain", data=data, base_url="https://localhost")
    assert response.status_code == 400
    assert "The referrer header is missing." in response.text

    response = client.post(
        "/plain", data=data, base_url="https://localhost", headers={"Referer": "https://evil.test/"}
    )
    assert response.status_code == 400
    assert "The referrer does not match the host." in response.text

    response = client.post(
        "/plain",
        data=data,
        base_url="https://localhost",
        headers={"Referer": "https://localhost/plain"},
    )
    assert response.text == "posted secure"


def test_csrf_can_be_turned_off_by_config() -> None:
    app, _ = create_app()
    app.config["WTF_CSRF_ENABLED"] = False
    response = app.test_client().post("/profile", data={"name": "ada", "age": "1"})
    assert response.text == "saved ada, 1"
