"""The board itself: the list of posts (paged and searchable), a post with its
comments, writing, editing and deleting posts, and the users' profile pages."""

from __future__ import annotations

import io
from datetime import datetime

from flask_login import current_user, login_required
from flask_sqlalchemy.pagination import Pagination
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
from .models import MAX_INT, Comment, Post, User, db, utcnow

bp = Blueprint("posts", __name__)

#: The longest search term (the search box's ``maxlength`` in base.html). Much longer
#: ones would be refused by the database (SQLite: "LIKE pattern too complex").
SEARCH_MAX = 200


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


def paginate(query: Select[Post]) -> Pagination:
    """The page of ``query`` that ``?page=N`` asks for (the first by default), with
    ``POSTS_PER_PAGE`` posts. A page number that is not a whole number from 1 on, or
    a page past the end, is a 404."""
    per_page = current_app.config["POSTS_PER_PAGE"]
    try:
        page = int(request.args.get("page", "1"))
    except ValueError:
        abort(404, "There is no such page.")
    # A huge page number would make an offset bigger than a database integer: the
    # query would fail (a 500) before paginate() could find the page empty (a 404).
    if not 1 <= page <= MAX_INT // per_page:
        abort(404, "There is no such page.")
    return db.paginate(query, page=page, per_page=per_page)


def get_own_post(post_id: int) -> Post:
    """The post ``post_id`` if the current user wrote it: 404 if there is no such
    post, 403 if it is someone else's."""
    post = db.get_or_404(Post, post_id, description="There is no such post.")
    if post.author_id != current_user.id:
        abort(403, "Only its author may change or delete a post.")
    return post


@bp.get("/")
def index() -> ResponseReturnValue:
    """The posts, newest first, a page at a time; only those matching ``?q=`` if given."""
    q = request.args.get("q", "").strip()
    if len(q) > SEARCH_MAX:
        abort(400, f"Search for at most {SEARCH_MAX} characters.")
    page = paginate(newest_posts(q))
    return render_template("posts/index.html", page=page, q=q)


@bp.route("/posts/new", methods=["GET", "POST"])
@login_required
def create() -> ResponseReturnValue:
    """Write a new post; the open front pages hear of it (see ``live.py``)."""
    form = PostForm()
    if form.validate_on_submit():
        post = Post(title=form.title.data, body=form.body.data, author_id=current_user.id)
        db.session.add(post)
        db.session.commit()
        live.publish_post(post)
        flash("Post created.", "success")
        return redirect(url_for("posts.detail", post_id=post.id))
    return render_template("posts/form.html", form=form, post=None)


@bp.get("/posts/<id:post_id>")
def detail(post_id: int) -> ResponseReturnValue:
    """A post with its comments, and the form to add one."""
    post = db.get_or_404(Post, post_id, description="There is no such post.")
    return render_template("posts/detail.html", post=post, form=CommentForm())


@bp.route("/posts/<id:post_id>/edit", methods=["GET", "POST"])
@login_required
def edit(post_id: int) -> ResponseReturnValue:
    """Change the title and text of one's own post."""
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


@bp.post("/posts/<id:post_id>/delete")
@login_required
def delete(post_id: int) -> ResponseReturnValue:
    """Delete one's own post, with its comments."""
    post = get_own_post(post_id)
    db.session.delete(post)
    db.session.commit()
    flash("Post deleted.", "success")
    return redirect(url_for("posts.index"))


@bp.post("/posts/<id:post_id>/comments")
@login_required
def comment(post_id: int) -> ResponseReturnValue:
    """Add a comment to a post."""
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
    """A user's page: the avatar and the latest posts."""
    user = db.first_or_404(
        select(User).where(User.username == username), description="There is no such user."
    )
    posts = db.session.scalars(
        newest_posts().where(Post.author_id == user.id).limit(20)
    ).all()
    return render_template("users/profile.html", user=user, posts=posts)


@bp.get("/avatars/<id:user_id>")
def avatar(user_id: int) -> ResponseReturnValue:
    """A user's avatar image. Its type was found from its content on upload; with
    ``X-Content-Type-Options: nosniff`` (on every response: see ``SECURITY_HEADERS``)
    browsers never take it for anything else, such as HTML."""
    user = db.get_or_404(User, user_id, description="There is no such user.")
    if user.avatar is None:
        abort(404, "That user has no avatar.")
    return send_file(io.BytesIO(user.avatar), mimetype=user.avatar_type)
