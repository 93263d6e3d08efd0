"""Set-up for the board example's tests (examples/board).

The board runs Flask extensions, which need ``flask`` to mean erlen: erlen is
imported and the alias turned on here, before the board package or any extension
is imported (``make test`` runs this folder with ``ERLEN_FLASK_ALIAS=1``, beside
tests/extensions). Each test gets its own app, instance folder and SQLite file.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

os.environ["ERLEN_FLASK_ALIAS"] = "1"

import erlen
from erlen._flask_alias import real_flask_imported

erlen.install_flask_alias()
if real_flask_imported():
    pytest.exit(
        "tests/board needs 'flask' to be erlen, but the real Flask was imported first"
        " (by tests collected before them): run them on their own, as 'make test' does:"
        " ERLEN_FLASK_ALIAS=1 python -m pytest tests/board",
        returncode=4,
    )

from board_helpers import BOARD_ROOT, Visitor  # noqa: E402

sys.path.insert(0, str(BOARD_ROOT))

from board.models import db  # noqa: E402
from werkzeug import security  # noqa: E402

from board import create_app  # noqa: E402

#: A cheap hash for the tests' passwords: Werkzeug's default (scrypt) costs ~0.2 s a
#: call, by design. test_board_auth.py puts it back to check the app uses it.
FAST_HASH = "pbkdf2:sha256:1000"


@pytest.fixture(autouse=True)
def fast_password_hashes(monkeypatch: pytest.MonkeyPatch) -> None:
    real = security.generate_password_hash

    def cheap(password: str, method: str = FAST_HASH, salt_length: int = 16) -> str:
        return real(password, method=method, salt_length=salt_length)

    monkeypatch.setattr("board.models.generate_password_hash", cheap)


@pytest.fixture
def make_app(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> Iterator[Callable[..., erlen.Erlen]]:
    """Build board apps in a temporary instance folder, each on the same SQLite file
    in ``tmp_path`` unless ``config`` says otherwise; engines are closed after."""
    monkeypatch.setenv("BOARD_INSTANCE_PATH", str(tmp_path / "instance"))
    apps: list[erlen.Erlen] = []

    def make(**config: object) -> erlen.Erlen:
        settings: dict[str, object] = {
            "TESTING": True,
            "SECRET_KEY": "board tests",
            "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'board.sqlite'}",
        }
        settings.update(config)
        app = create_app(settings)
        apps.append(app)
        return app

    yield make
    for app in apps:
        with app.app_context():
            db.engine.dispose()


@pytest.fixture
def app(make_app: Callable[..., erlen.Erlen]) -> erlen.Erlen:
    return make_app()


@pytest.fixture
def visitor(app: erlen.Erlen) -> Callable[[], Visitor]:
    """Make visitors of ``app``: each its own client, so its own cookies."""
    return lambda: Visitor(app)


@pytest.fixture
def ada(visitor: Callable[[], Visitor]) -> Visitor:
    """A registered, logged-in user called ada."""
    person = visitor()
    person.register("ada")
    return person


@pytest.fixture
def bob(visitor: Callable[[], Visitor]) -> Visitor:
    """A registered, logged-in user called bob."""
    person = visitor()
    person.register("bob")
    return person
