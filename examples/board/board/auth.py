"""Accounts: register, log in, log out, change the password, upload an avatar.

Flask-Login keeps the logged-in user's id in the signed session cookie and loads
the user for each request (``current_user``); ``@login_required`` sends anonymous
visitors to the login page, which brings them back afterwards (``?next=``).
"""

from __future__ import annotations

import re
import secrets

from flask_login import LoginManager, current_user, login_required, login_user, logout_user
from sqlalchemy.exc import IntegrityError

from erlen import (
    Blueprint,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from erlen.typing import ResponseReturnValue

from .forms import USERNAME_TAKEN, AvatarForm, LoginForm, PasswordForm, RegisterForm
from .models import User, db

bp = Blueprint("auth", __name__, url_prefix="/auth")

login_manager = LoginManager()
login_manager.login_view = "auth.login"
login_manager.login_message = "Please log in to do that."
login_manager.login_message_category = "info"


#: A path on this site: "/", then no second slash or backslash (browsers read
#: "//host", "/\host" and "////host" as another site), and no control characters
#: anywhere (browsers drop tabs and newlines: "/<tab>/host" is "//host" to them).
LOCAL_PATH = re.compile(r"/(?![/\\])[^\\\x00-\x1f\x7f]*")


@login_manager.user_loader
def load_user(session_id: str) -> User | None:
    """The user a session was logged in as (``User.get_id()``: the id and a password
    fingerprint); None if the account is gone or its password changed since."""
    user_id, _, fingerprint = session_id.partition(":")
    user = db.session.get(User, int(user_id)) if user_id.isdecimal() else None
    if user is None or not secrets.compare_digest(fingerprint, user.password_fingerprint()):
        return None
    return user


def start_session(user: User) -> None:
    """Log ``user`` in, in a session that starts afresh.

    It gets a new CSRF token, so a form opened before the login (in another tab, by
    someone else at this browser) is refused afterwards. With server-side sessions
    (Flask-Session) it also gets a new id: an id planted in the browser before the
    login must not become logged in. (The default signed-cookie session has no id to
    change: its cookie is written anew.)
    """
    regenerate = getattr(current_app.session_interface, "regenerate", None)
    if regenerate is not None:
        regenerate(session)
    session.pop("csrf_token", None)
    login_user(user)


def next_page() -> str:
    """Where to go after logging in: the ``?next=`` page when it is a path on this
    site, else the front page (anything else would make an open redirect)."""
    target = request.args.get("next", "")
    return target if LOCAL_PATH.fullmatch(target) else url_for("posts.index")


@bp.route("/register", methods=["GET", "POST"])
def register() -> ResponseReturnValue:
    """Create an account and log it in."""
    if current_user.is_authenticated:
        return redirect(url_for("posts.index"))
    form = RegisterForm()
    if form.validate_on_submit():
        user = User(username=form.username.data)
        user.set_password(form.password.data)
        db.session.add(user)
        try:
            db.session.commit()
        except IntegrityError:  # someone registered the name since the form's check
            db.session.rollback()
            form.username.errors.append(USERNAME_TAKEN)
        else:
            start_session(user)
            flash(f"Welcome, {user.username}!", "success")
            return redirect(url_for("posts.index"))
    return render_template("auth/register.html", form=form)


@bp.route("/login", methods=["GET", "POST"])
def login() -> ResponseReturnValue:
    """Log in, then go back to the page that asked for it (``?next=``)."""
    if current_user.is_authenticated:
        return redirect(next_page())
    form = LoginForm()
    if form.validate_on_submit():
        user = User.by_username(form.username.data)
        if user is not None and user.check_password(form.password.data):
            start_session(user)
            flash(f"Welcome, {user.username}!", "success")
            return redirect(next_page())
        # One message for both cases: it does not say which one was wrong.
        form.password.errors.append("Wrong username or password.")
    return render_template("auth/login.html", form=form)


@bp.post("/logout")
def logout() -> ResponseReturnValue:
    """Log out. A POST with a CSRF token, not a link: another site cannot log people out."""
    if current_user.is_authenticated:
        logout_user()
        # Forget the CSRF token too: forms opened before this are stale from now on.
        session.clear()
        flash("You are logged out.", "info")
    return redirect(url_for("posts.index"))


@bp.route("/password", methods=["GET", "POST"])
@login_required
def password() -> ResponseReturnValue:
    """Change the password; that logs out every other session and revokes the API tokens."""
    form = PasswordForm()
    if form.validate_on_submit():
        if current_user.check_password(form.current.data):
            user: User = current_user._get_current_object()  # the User, not the proxy
            user.change_password(form.new.data)
            db.session.commit()
            start_session(user)  # this session stays logged in, with the new password
            flash("Password changed.", "success")
            return redirect(url_for("posts.profile", username=current_user.username))
        form.current.errors.append("That is not your current password.")
    return render_template("auth/password.html", form=form)


@bp.route("/avatar", methods=["GET", "POST"])
@login_required
def avatar() -> ResponseReturnValue:
    """Upload a new avatar (checked by :class:`~board.forms.AvatarForm`)."""
    form = AvatarForm()
    if form.validate_on_submit():
        current_user.avatar = form.image
        current_user.avatar_type = form.image_type
        db.session.commit()
        flash("Avatar updated.", "success")
        return redirect(url_for("posts.profile", username=current_user.username))
    return render_template("auth/avatar.html", form=form)
