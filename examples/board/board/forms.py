"""The board's HTML forms, built with Flask-WTF.

A ``FlaskForm`` reads the submitted request by itself (the text forms here read
its form fields only: see :class:`TextForm`) and checks its CSRF token
(``form.csrf_token`` in the template); ``validate_on_submit()`` is true for a POST
whose fields all pass their validators. Checks that need the database or the
uploaded bytes are ``validate_<field>`` methods.
"""

from __future__ import annotations

import typing as t

from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from wtforms import PasswordField, StringField, TextAreaField
from wtforms.validators import DataRequired, EqualTo, Length, Regexp, ValidationError

from erlen import current_app, request

from .models import BODY_MAX, COMMENT_MAX, TITLE_MAX, USERNAME_MAX, User

PASSWORD_MIN = 8
USERNAME_PATTERN = r"^[A-Za-z0-9_.-]+\Z"
USERNAME_TAKEN = "That username is taken."

#: Image types an avatar may be, told by the first bytes of the file (its "magic"),
#: not by its name or the type the browser claims.
IMAGE_MAGIC = {
    b"\x89PNG\r\n\x1a\n": "image/png",
    b"\xff\xd8\xff": "image/jpeg",
    b"GIF87a": "image/gif",
    b"GIF89a": "image/gif",
}


def sniff_image_type(data: bytes) -> str | None:
    """The MIME type of a PNG, JPEG or GIF image from its first bytes; None otherwise."""
    for magic, mimetype in IMAGE_MAGIC.items():
        if data.startswith(magic):
            return mimetype
    return None


class TextForm(FlaskForm):
    """A form of text fields: it reads the request's form fields and nothing else.

    A FlaskForm also fills its fields from uploaded files and from a JSON body, so a
    crafted request could hand a validator a file or a number where it expects text
    (a TypeError: a 500). The avatar form, which takes a file, stays a FlaskForm.
    """

    def __init__(self, **kwargs: t.Any) -> None:
        # Not submitted (a GET): no form data, the fields show their defaults or obj's.
        super().__init__(formdata=request.form if self.is_submitted() else None, **kwargs)


class RegisterForm(TextForm):
    """A new account: a free username and the password, twice."""

    username = StringField(
        "Username",
        validators=[
            DataRequired(),
            Length(min=3, max=USERNAME_MAX),
            Regexp(USERNAME_PATTERN, message="Use letters, digits, '_', '.' and '-' only."),
        ],
    )
    password = PasswordField("Password", validators=[DataRequired(), Length(min=PASSWORD_MIN)])
    confirm = PasswordField(
        "Repeat the password",
        validators=[DataRequired(), EqualTo("password", message="The passwords differ.")],
    )

    def validate_username(self, field: StringField) -> None:
        """Usernames are unique, whatever their case."""
        if User.name_taken(field.data):
            raise ValidationError(USERNAME_TAKEN)


class LoginForm(TextForm):
    """A username and its password (the view checks that they go together)."""

    username = StringField("Username", validators=[DataRequired()])
    password = PasswordField("Password", validators=[DataRequired()])


class PasswordForm(TextForm):
    """The current password (checked by the view) and the new one, twice."""

    current = PasswordField("Current password", validators=[DataRequired()])
    new = PasswordField("New password", validators=[DataRequired(), Length(min=PASSWORD_MIN)])
    confirm = PasswordField(
        "Repeat the new password",
        validators=[DataRequired(), EqualTo("new", message="The passwords differ.")],
    )


class PostForm(TextForm):
    """A post's title and text, to write or edit it."""

    title = StringField("Title", validators=[DataRequired(), Length(max=TITLE_MAX)])
    body = TextAreaField("Text", validators=[DataRequired(), Length(max=BODY_MAX)])


class CommentForm(TextForm):
    """A comment on a post."""

    body = TextAreaField("Comment", validators=[DataRequired(), Length(max=COMMENT_MAX)])


class AvatarForm(FlaskForm):
    """An image file to be the user's avatar."""

    avatar = FileField("Image (PNG, JPEG or GIF)", validators=[FileRequired()])

    #: Set by a successful validation: the image's bytes and its MIME type.
    image: bytes = b""
    image_type: str = ""

    def validate_avatar(self, field: FileField) -> None:
        """Accept a PNG, JPEG or GIF of at most ``AVATAR_MAX_BYTES``, judged by content."""
        limit = current_app.config["AVATAR_MAX_BYTES"]
        data = field.data.read(limit + 1)
        if len(data) > limit:
            raise ValidationError(f"The image is larger than {limit / 2**20:g} MiB.")
        image_type = sniff_image_type(data)
        if image_type is None:
            raise ValidationError("That file is not a PNG, JPEG or GIF image.")
        self.image, self.image_type = data, image_type
