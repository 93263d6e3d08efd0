"""The board's data: users, their posts and comments, and API tokens.

Flask-SQLAlchemy gives one ``db`` object that every blueprint shares; the app
factory binds it to an app with ``db.init_app(app)``. The models use SQLAlchemy 2's
typed declarations (``Mapped[...]``), so an editor knows each attribute's type.
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import datetime, timezone

from flask_login import UserMixin
from flask_sqlalchemy import SQLAlchemy
from sqlalchemy import ForeignKey, LargeBinary, String, Text, select
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship
from werkzeug.security import check_password_hash, generate_password_hash

#: Limits shared by the HTML forms and the JSON API.
USERNAME_MAX = 32
TITLE_MAX = 200
BODY_MAX = 10_000
COMMENT_MAX = 2_000


class Base(DeclarativeBase):
    """The declarative base every model derives from (through ``db.Model``)."""


db = SQLAlchemy(model_class=Base)


def utcnow() -> datetime:
    """The current time in UTC: the default for every timestamp column."""
    return datetime.now(timezone.utc)


class User(UserMixin, db.Model):
    """An account. ``UserMixin`` gives Flask-Login what it needs (``get_id`` and friends)."""

    __tablename__ = "users"

    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(USERNAME_MAX), unique=True)
    password_hash: Mapped[str] = mapped_column(String(256))
    created: Mapped[datetime] = mapped_column(default=utcnow)
    # The avatar lives in the database, so every worker and machine serves the same one.
    # Deferred: the image bytes are only loaded when someone asks for them.
    avatar: Mapped[bytes | None] = mapped_column(LargeBinary, deferred=True)
    avatar_type: Mapped[str | None] = mapped_column(String(32))

    posts: Mapped[list[Post]] = relationship(
        back_populates="author", cascade="all, delete-orphan"
    )

    def set_password(self, password: str) -> None:
        """Store a salted hash of ``password``, never the password itself."""
        self.password_hash = generate_password_hash(password)

    def check_password(self, password: str) -> bool:
        """Whether ``password`` matches the stored hash."""
        return check_password_hash(self.password_hash, password)

    @classmethod
    def by_username(cls, username: str) -> User | None:
        """The user called ``username``, or None."""
        return db.session.scalar(select(cls).where(cls.username == username))


class Post(db.Model):
    """A plain-text post: shown escaped, never as HTML."""

    __tablename__ = "posts"

    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str] = mapped_column(String(TITLE_MAX))
    body: Mapped[str] = mapped_column(Text)
    created: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    updated: Mapped[datetime | None]
    author_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)

    author: Mapped[User] = relationship(back_populates="posts")
    comments: Mapped[list[Comment]] = relationship(
        back_populates="post", cascade="all, delete-orphan", order_by="Comment.id"
    )


class Comment(db.Model):
    """A plain-text comment on a post."""

    __tablename__ = "comments"

    id: Mapped[int] = mapped_column(primary_key=True)
    body: Mapped[str] = mapped_column(Text)
    created: Mapped[datetime] = mapped_column(default=utcnow)
    post_id: Mapped[int] = mapped_column(ForeignKey("posts.id"), index=True)
    author_id: Mapped[int] = mapped_column(ForeignKey("users.id"))

    post: Mapped[Post] = relationship(back_populates="comments")
    author: Mapped[User] = relationship()


class ApiToken(db.Model):
    """A bearer token for the JSON API. Only its SHA-256 digest is stored: a leaked
    database does not leak working tokens."""

    __tablename__ = "api_tokens"

    id: Mapped[int] = mapped_column(primary_key=True)
    digest: Mapped[str] = mapped_column(String(64), unique=True)
    created: Mapped[datetime] = mapped_column(default=utcnow)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)

    user: Mapped[User] = relationship()

    @staticmethod
    def _digest(token: str) -> str:
        return hashlib.sha256(token.encode()).hexdigest()

    @classmethod
    def issue(cls, user: User) -> str:
        """Create a token for ``user`` and return it (the only time it is seen in clear)."""
        token = secrets.token_urlsafe(32)
        db.session.add(cls(digest=cls._digest(token), user=user))
        db.session.commit()
        return token

    @classmethod
    def find_user(cls, token: str) -> User | None:
        """The user a token was issued to, or None for an unknown token."""
        found = db.session.scalar(select(cls).where(cls.digest == cls._digest(token)))
        return found.user if found is not None else None
