"""The board itself: the list of posts (paged and searchable), a post with its
comments, writing, editing and deleting posts, and the users' profile pages."""

from __future__ import annotations

import io
from datetime import datetime

from flask_login import current_user, login_required
from sqlalchemy import Select, or_, select
from sqlalchemy.orm import selectinload

from erlen import (
    Blueprint,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    send_file,
    url_for,
)
from erlen.typing import ResponseReturnValue

from . import live
from .forms import CommentForm, PostForm
from .models import Comment, Post, User, db, utcnow

bp = Blueprint("posts", __name__)


@bp.app_template_filter("datetime")
def format_datetime(value: datetime) -> str:
    """A timestamp as templates show it: ``2025-01-31 14:05``."""
    return value.strftime("%Y-%m-%d %H:%M")


def newest_posts(search: str = "") -> Select[Post]:
    """Posts newest first, with their authors; only those whose title or text
    contains ``search`` (any case) when it is given."""
    query = select(Post).options(selectinload(Post.author))
    if search:
        query = query.where(
            or_(
                Post.title.icontains(search, autoescape=True),
                Post.body.icontains(search, autoescape=True),
            )
        )
    return query.order_by(Post.created.desc(), Post.id.desc())


def get_own_post(post_id: int) -> Post:
    """The post ``post_id`` if the current user wrote it: 404 if there is no such
    post, 403 if it is someone else's."""
    post = db.get_or_404(Post, post_id, description="There is no such post.")
    if post.author_id != current_user.id:
        abort(403, "Only its author may change or delete a post.")
    return post


@bp.get("/")
def index() -> ResponseReturnValue:
    q = request.args.get("q", "").strip()
    # paginate() reads ?page= itself; a page past the end is a 404.
    page = db.paginate(newest_posts(q), per_page=current_app.config["POSTS_PER_PAGE"])
    return render_template("posts/index.html", page=page, q=q)


@bp.route("/posts/new", methods=["GET", "POST"])
@login_required
def create() -> ResponseReturnValue:
    form = PostForm()
    if form.validate_on_submit():
        post = Post(title=form.title.data, body=form.body.data, author_id=current_user.id)
        db.session.add(post)
        db.session.commit()
        live.publish_post(post)
        flash("Post created.", "success")
        return redirect(url_for("posts.detail", post_id=post.id))
    return render_template("posts/form.html", form=form, post=None)


@bp.get("/posts/<int:post_id>")
def detail(post_id: int) -> ResponseReturnValue:
    post = db.get_or_404(Post, post_id, description="There is no such post.")
    return render_template("posts/detail.html", post=post, form=CommentForm())


@bp.route("/posts/<int:post_id>/edit", methods=["GET", "POST"])
@login_required
def edit(post_id: int) -> ResponseReturnValue:
    post = get_own_post(post_id)
    form = PostForm(obj=post)  # a GET shows the post's text; a POST the submitted one
    if form.validate_on_submit():
        post.title = form.title.data
        post.body = form.body.data
        post.updated = utcnow()
        db.session.commit()
        flash("Post updated.", "success")
        return redirect(url_for("posts.detail", post_id=post.id))
    return render_template("posts/form.html", form=form, post=post)


@bp.post("/posts/<int:post_id>/delete")
@login_required
def delete(post_id: int) -> ResponseReturnValue:
    post = get_own_post(post_id)
    db.session.delete(post)
    db.session.commit()
    flash("Post deleted.", "success")
    return redirect(url_for("posts.index"))


@bp.post("/posts/<int:post_id>/comments")
@login_required
def comment(post_id: int) -> ResponseReturnValue:
    post = db.get_or_404(Post, post_id, description="There is no such post.")
    form = CommentForm()
    if form.validate_on_submit():
        db.session.add(Comment(body=form.body.data, post=post, author_id=current_user.id))
        db.session.commit()
        flash("Comment added.", "success")
        return redirect(url_for("posts.detail", post_id=post.id, _anchor="comments"))
    # Show the post again with the form's errors and what was typed.
    return render_template("posts/detail.html", post=post, form=form)


@bp.get("/users/<username>")
def profile(username: str) -> ResponseReturnValue:
    user = db.first_or_404(
        select(User).where(User.username == username), description="There is no such user."
    )
    posts = db.session.scalars(
        newest_posts().where(Post.author_id == user.id).limit(20)
    ).all()
    return render_template("users/profile.html", user=user, posts=posts)


@bp.get("/avatars/<int:user_id>")
def avatar(user_id: int) -> ResponseReturnValue:
    user = db.get_or_404(User, user_id)
    if user.avatar is None:
        abort(404, "That user has no avatar.")
    response = send_file(io.BytesIO(user.avatar), mimetype=user.avatar_type)
    # The type was checked on upload; tell browsers not to guess another one.
    response.headers["X-Content-Type-Options"] = "nosniff"
    return response
