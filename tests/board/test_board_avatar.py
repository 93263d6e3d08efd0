"""Avatars: uploaded through a form, checked by content and size, served back."""

from __future__ import annotations

import io
from collections.abc import Callable

import pytest
from board.models import User, db
from board_helpers import GIF, JPEG, PNG, Visitor
from werkzeug.test import TestResponse

from erlen import Erlen


def upload(person: Visitor, data: bytes, filename: str) -> TestResponse:
    return person.submit("/auth/avatar", "avatar-form", {"avatar": (io.BytesIO(data), filename)})


def user_id(app: Erlen, username: str) -> int:
    with app.app_context():
        user = User.by_username(username)
        assert user is not None
        return user.id


def test_upload_a_png_and_get_it_back(
    app: Erlen, ada: Visitor, visitor: Callable[[], Visitor]
) -> None:
    form = ada.form("/auth/avatar", "avatar-form")
    assert form.action == "/auth/avatar"
    assert 'enctype="multipart/form-data"' in ada.page("/auth/avatar")

    response = upload(ada, PNG, "me.png")
    assert response.status_code == 302
    assert response.headers["Location"] == "/users/ada"
    profile = ada.get("/users/ada")
    assert "Avatar updated." in ada.flashes(profile)
    ada_id = user_id(app, "ada")
    assert f'src="/avatars/{ada_id}"' in profile.get_data(as_text=True)

    served = visitor().get(f"/avatars/{ada_id}")
    assert served.status_code == 200
    assert served.data == PNG
    assert served.mimetype == "image/png"
    assert served.headers["X-Content-Type-Options"] == "nosniff"


@pytest.mark.parametrize(
    ("data", "filename", "mimetype"),
    [
        (JPEG, "photo.jpg", "image/jpeg"),
        (GIF, "anim.gif", "image/gif"),
        # The type comes from the bytes, not from the name the browser sends.
        (PNG, "picture.jpeg", "image/png"),
        (GIF, "no-extension", "image/gif"),
        # The name is never used as a path.
        (PNG, "../../../../etc/passwd", "image/png"),
    ],
)
def test_jpeg_and_gif_too_judged_by_content(
    app: Erlen, ada: Visitor, data: bytes, filename: str, mimetype: str
) -> None:
    assert upload(ada, data, filename).status_code == 302
    served = ada.get(f"/avatars/{user_id(app, 'ada')}")
    assert (served.data, served.mimetype) == (data, mimetype)


@pytest.mark.parametrize(
    "data",
    [
        b"<svg xmlns='http://www.w3.org/2000/svg'><script>alert(1)</script></svg>",
        b"<html><script>alert(1)</script></html>",
        b"just some text",
        b"PNG but not really",
        PNG[:7],  # one byte short of the PNG signature
        b"",  # an empty file (with a name): the browser did send one
    ],
)
def test_a_file_that_is_not_an_image_is_refused(app: Erlen, ada: Visitor, data: bytes) -> None:
    response = upload(ada, data, "avatar.png")  # the name lies
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert '<p class="error">That file is not a PNG, JPEG or GIF image.</p>' in html
    assert ada.get(f"/avatars/{user_id(app, 'ada')}").status_code == 404


def test_a_form_without_a_file_asks_for_one(app: Erlen, ada: Visitor) -> None:
    response = ada.submit("/auth/avatar", "avatar-form")
    assert response.status_code == 200
    assert '<p class="error">This field is required.</p>' in response.get_data(as_text=True)
    assert ada.get(f"/avatars/{user_id(app, 'ada')}").status_code == 404


def test_an_image_over_one_mib_is_refused(app: Erlen, ada: Visitor) -> None:
    just_enough = PNG + b"\0" * (1024 * 1024 - len(PNG))
    assert upload(ada, just_enough, "big.png").status_code == 302
    too_big = just_enough + b"\0"
    response = upload(ada, too_big, "bigger.png")
    assert response.status_code == 200
    assert "The image is larger than 1 MiB." in response.get_data(as_text=True)
    # The accepted one is still there.
    assert len(ada.get(f"/avatars/{user_id(app, 'ada')}").data) == 1024 * 1024


def test_a_much_bigger_request_is_refused_before_it_is_read(ada: Visitor) -> None:
    response = upload(ada, PNG + b"\0" * (9 * 1024 * 1024), "huge.png")
    assert response.status_code == 413
    assert "413" in response.get_data(as_text=True)
    assert '<header class="site">' in response.get_data(as_text=True)


def test_no_avatar_is_a_404(app: Erlen, ada: Visitor) -> None:
    assert ada.get(f"/avatars/{user_id(app, 'ada')}").status_code == 404
    assert ada.get("/avatars/12345").status_code == 404


def test_uploading_needs_a_login(app: Erlen, visitor: Callable[[], Visitor]) -> None:
    response = visitor().get("/auth/avatar")
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/auth/login?next=")
    with app.app_context():
        assert db.session.query(User).count() == 0
