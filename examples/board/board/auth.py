"""Accounts: register, log in, log out, change the password, upload an avatar.

Flask-Login keeps the logged-in user's id in the signed session cookie and loads
the user for each request (``current_user``); ``@login_required`` sends anonymous
visitors to the login page, which brings them back afterwards (``?next=``).
"""

from __future__ import annotations

from urllib.parse import urlsplit

from flask_login import LoginManager, current_user, login_required, login_user, logout_user

from erlen import Blueprint, flash, redirect, render_template, request, session, url_for
from erlen.typing import ResponseReturnValue

from .forms import AvatarForm, LoginForm, PasswordForm, RegisterForm
from .models import User, db

bp = Blueprint("auth", __name__, url_prefix="/auth")

login_manager = LoginManager()
login_manager.login_view = "auth.login"
login_manager.login_message = "Please log in to do that."
login_manager.login_message_category = "info"


@login_manager.user_loader
def load_user(user_id: str) -> User | None:
    """The user whose id the session holds (None if the account is gone)."""
    return db.session.get(User, int(user_id))


def start_session(user: User) -> None:
    """Log ``user`` in with a new CSRF token: a form opened before the login (in
    another tab, by someone else at this browser) is refused afterwards."""
    session.pop("csrf_token", None)
    login_user(user)


def next_page() -> str:
    """Where to go after logging in: the ``?next=`` page when it is on this site,
    else the front page (an absolute URL there would be an open redirect)."""
    target = request.args.get("next", "")
    url = urlsplit(target)
    if target.startswith("/") and not url.netloc and not url.scheme and "\\" not in target:
        return target
    return url_for("posts.index")


@bp.route("/register", methods=["GET", "POST"])
def register() -> ResponseReturnValue:
    if current_user.is_authenticated:
        return redirect(url_for("posts.index"))
    form = RegisterForm()
    if form.validate_on_submit():
        user = User(username=form.username.data)
        user.set_password(form.password.data)
        db.session.add(user)
        db.session.commit()
        start_session(user)
        flash(f"Welcome, {user.username}!", "success")
        return redirect(url_for("posts.index"))
    return render_template("auth/register.html", form=form)


@bp.route("/login", methods=["GET", "POST"])
def login() -> ResponseReturnValue:
    if current_user.is_authenticated:
        return redirect(next_page())
    form = LoginForm()
    if form.validate_on_submit():
        user = User.by_username(form.username.data)
        if user is not None and user.check_password(form.password.data):
            start_session(user)
            flash(f"Welcome, {user.username}!", "success")
            return redirect(next_page())
        # The same message for both cases: it must not tell which usernames exist.
        form.password.errors.append("Wrong username or password.")
    return render_template("auth/login.html", form=form)


@bp.post("/logout")
def logout() -> ResponseReturnValue:
    # A POST with a CSRF token, not a link: another site cannot log people out.
    if current_user.is_authenticated:
        logout_user()
        # Forget the CSRF token too: forms opened before this are stale from now on.
        session.clear()
        flash("You are logged out.", "info")
    return redirect(url_for("posts.index"))


@bp.route("/password", methods=["GET", "POST"])
@login_required
def password() -> ResponseReturnValue:
    form = PasswordForm()
    if form.validate_on_submit():
        if current_user.check_password(form.current.data):
            current_user.set_password(form.new.data)
            db.session.commit()
            flash("Password changed.", "success")
            return redirect(url_for("posts.profile", username=current_user.username))
        form.current.errors.append("That is not your current password.")
    return render_template("auth/password.html", form=form)


@bp.route("/avatar", methods=["GET", "POST"])
@login_required
def avatar() -> ResponseReturnValue:
    form = AvatarForm()
    if form.validate_on_submit():
        current_user.avatar = form.image
        current_user.avatar_type = form.image_type
        db.session.commit()
        flash("Avatar updated.", "success")
        return redirect(url_for("posts.profile", username=current_user.username))
    return render_template("auth/avatar.html", form=form)
