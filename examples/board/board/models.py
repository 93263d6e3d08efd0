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
from sqlalchemy import ForeignKey, LargeBinary, String, Text, delete, func, select
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship
from werkzeug.security import check_password_hash, generate_password_hash

#: Limits shared by the HTML forms and the JSON API.
USERNAME_MAX = 32
TITLE_MAX = 200
BODY_MAX = 10_000
COMMENT_MAX = 2_000
#: The largest integer a database column holds (SQLite's INTEGER, PostgreSQL's BIGINT):
#: no id is bigger, and a bigger number in a query is an overflow error, not a miss.
MAX_INT = 2**63 - 1


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

    def change_password(self, password: str) -> None:
        """Set a new password and end what the old one opened: the API tokens are
        deleted, and the sessions logged in elsewhere end (see :meth:`get_id`)."""
        self.set_password(password)
        db.session.execute(delete(ApiToken).where(ApiToken.user_id == self.id))

    def get_id(self) -> str:
        """What Flask-Login keeps in the session: the id and a fingerprint of the
        password hash, ``"7:3f0c..."``. A new password changes the fingerprint, so the
        sessions that hold the old one no longer load a user (``auth.load_user``)."""
        return f"{self.id}:{self.password_fingerprint()}"

    def password_fingerprint(self) -> str:
        """A short digest of the password hash (not the hash: the session cookie is
        signed, not encrypted, so its owner can read it)."""
        return hashlib.sha256(self.password_hash.encode()).hexdigest()[:16]

    @classmethod
    def by_username(cls, username: str) -> User | None:
        """The user called ``username``, or None."""
        return db.session.scalar(select(cls).where(cls.username == username))

    @classmethod
    def name_taken(cls, username: str) -> bool:
        """Whether ``username`` is taken in any case: with "ada" registered, nobody
        may pass for her as "Ada"."""
        same = func.lower(cls.username) == func.lower(username)
        return db.session.scalar(select(cls.id).where(same)) is not None


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
        """The SHA-256 of a token, in hex: what is stored and looked up. (A fast hash
        is enough: a token is 256 random bits, not a password one could guess.)"""
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
