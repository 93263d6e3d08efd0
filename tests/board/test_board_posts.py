"""The board's posts and comments: write, read, edit, delete, page through, search."""

from __future__ import annotations

import io
import re
from collections.abc import Callable
from urllib.parse import urlencode

import pytest
from board.models import Comment, Post, User, db
from board_helpers import Visitor

from erlen import Erlen


def listed_ids(html: str) -> list[int]:
    """The ids of the posts listed on a page, in order."""
    return [int(found) for found in re.findall(r'<li class="post" data-id="(\d+)"', html)]


def add_posts(app: Erlen, username: str, titles: list[str], body: str = "Text.") -> list[int]:
    """Store posts by ``username`` straight in the database (quicker than the form); ids."""
    with app.app_context():
        user = User.by_username(username)
        assert user is not None
        posts = [Post(title=title, body=body, author=user) for title in titles]
        db.session.add_all(posts)
        db.session.commit()
        return [post.id for post in posts]


def test_a_new_post_is_listed_and_shown(ada: Visitor, visitor: Callable[[], Visitor]) -> None:
    response = ada.submit(
        "/posts/new", "post-form", {"title": "First!", "body": "Line one\nline two"}
    )
    assert response.status_code == 302
    location = response.headers["Location"]
    assert re.fullmatch(r"/posts/\d+", location)
    post_id = int(location.rsplit("/", 1)[1])

    page = ada.get(location)
    assert "Post created." in ada.flashes(page)
    html = page.get_data(as_text=True)
    assert "<h1>First!</h1>" in html
    assert "Line one\nline two" in html
    assert 'href="/users/ada">ada</a>' in html

    # Anyone can read it, newest first on the front page.
    reader = visitor()
    assert listed_ids(reader.page("/")) == [post_id]
    assert "First!" in reader.page(location)


def test_posts_and_comments_are_plain_text(ada: Visitor) -> None:
    post_id = ada.new_post("<b>bold</b> & co", "<script>alert('x')</script>")
    ada.submit(f"/posts/{post_id}", "comment-form", {"body": "<img src=x onerror=alert(1)>"})
    html = ada.page(f"/posts/{post_id}")
    assert "<script>alert" not in html and "<img src=x" not in html and "<b>bold" not in html
    assert "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;" in html
    assert "&lt;b&gt;bold&lt;/b&gt; &amp; co" in html
    assert "&lt;img src=x onerror=alert(1)&gt;" in html
    assert "&lt;b&gt;bold&lt;/b&gt; &amp; co" in ada.page("/")


def test_a_post_needs_a_title_and_text(app: Erlen, ada: Visitor) -> None:
    response = ada.submit("/posts/new", "post-form", {"title": "", "body": ""})
    assert response.status_code == 200
    assert response.get_data(as_text=True).count("This field is required.") == 2
    response = ada.submit("/posts/new", "post-form", {"title": "x" * 201, "body": "ok"})
    assert "longer than 200 characters" in response.get_data(as_text=True)
    with app.app_context():
        assert db.session.query(Post).count() == 0


def test_writing_needs_a_login(visitor: Callable[[], Visitor], ada: Visitor) -> None:
    post_id = ada.new_post("Mine")
    anonymous = visitor()
    for url in ("/posts/new", f"/posts/{post_id}/edit"):
        response = anonymous.get(url)
        assert response.status_code == 302
        assert response.headers["Location"].startswith("/auth/login?next=")
    html = anonymous.page(f"/posts/{post_id}")
    assert "comment-form" not in html and "delete-form" not in html
    assert f'href="/auth/login?next=/posts/{post_id}"' in html


def test_edit_own_post(ada: Visitor) -> None:
    post_id = ada.new_post("Draft", "Fisrt version")
    form_page = ada.page(f"/posts/{post_id}/edit")
    assert 'value="Draft"' in form_page and "Fisrt version</textarea>" in form_page
    response = ada.submit(
        f"/posts/{post_id}/edit", "post-form", {"title": "Final", "body": "First version"},
        follow_redirects=True,
    )
    assert response.request.path == f"/posts/{post_id}"
    assert "Post updated." in ada.flashes(response)
    html = response.get_data(as_text=True)
    assert "<h1>Final</h1>" in html and "First version" in html and "edited" in html


def test_another_users_post_cannot_be_edited_or_deleted(
    app: Erlen, ada: Visitor, bob: Visitor
) -> None:
    post_id = ada.new_post("Ada's", "Hands off.")
    # Bob sees neither button...
    html = bob.page(f"/posts/{post_id}")
    assert "delete-form" not in html and f"/posts/{post_id}/edit" not in html
    # ...and is refused when he tries anyway, with his own valid CSRF token.
    token = bob.form("/posts/new", "post-form").hidden["csrf_token"]
    assert bob.get(f"/posts/{post_id}/edit").status_code == 403
    edit = bob.client.post(
        f"/posts/{post_id}/edit", data={"csrf_token": token, "title": "Bob's", "body": "Mine"}
    )
    delete = bob.client.post(f"/posts/{post_id}/delete", data={"csrf_token": token})
    for response in (edit, delete):
        assert response.status_code == 403
        page = response.get_data(as_text=True)
        assert "403" in page and "Only its author may change or delete a post." in page
        assert '<header class="site">' in page  # the site's layout
    with app.app_context():
        post = db.session.get(Post, post_id)
        assert post is not None and post.title == "Ada's"


def test_delete_own_post_with_its_comments(app: Erlen, ada: Visitor, bob: Visitor) -> None:
    post_id = ada.new_post("Short-lived")
    bob.submit(f"/posts/{post_id}", "comment-form", {"body": "Nice."})
    response = ada.submit(f"/posts/{post_id}", "delete-form", follow_redirects=True)
    assert response.request.path == "/"
    assert "Post deleted." in ada.flashes(response)
    assert ada.get(f"/posts/{post_id}").status_code == 404
    with app.app_context():
        assert db.session.query(Comment).count() == 0


def test_comments(ada: Visitor, bob: Visitor) -> None:
    post_id = ada.new_post("Talk to me")
    response = bob.submit(
        f"/posts/{post_id}", "comment-form", {"body": "Hello, Ada."}, follow_redirects=True
    )
    assert "Comment added." in bob.flashes(response)
    ada.submit(f"/posts/{post_id}", "comment-form", {"body": "Hi, Bob!"})
    html = ada.page(f"/posts/{post_id}")
    comments = re.findall(r'<li class="comment">(.*?)</li>', html, re.DOTALL)
    assert len(comments) == 2
    assert "bob" in comments[0] and "Hello, Ada." in comments[0]
    assert "ada" in comments[1] and "Hi, Bob!" in comments[1]
    assert "Comments (2)" in html

    empty = bob.submit(f"/posts/{post_id}", "comment-form", {"body": "  "})
    assert empty.status_code == 200
    assert "This field is required." in empty.get_data(as_text=True)
    assert len(re.findall(r'<li class="comment">', ada.page(f"/posts/{post_id}"))) == 2


def test_comments_need_a_login_and_a_post(
    app: Erlen, visitor: Callable[[], Visitor], ada: Visitor
) -> None:
    post_id = ada.new_post("Quiet")
    token = ada.form(f"/posts/{post_id}", "comment-form").hidden["csrf_token"]
    missing = ada.client.post("/posts/999/comments", data={"csrf_token": token, "body": "x"})
    assert missing.status_code == 404

    # A visitor with a valid CSRF token (from the login page), but not logged in.
    anonymous = visitor()
    token = anonymous.form("/auth/login", "login-form").hidden["csrf_token"]
    response = anonymous.client.post(
        f"/posts/{post_id}/comments", data={"csrf_token": token, "body": "Hi"}
    )
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/auth/login?next=")
    with app.app_context():
        assert db.session.query(Comment).count() == 0


def test_pagination_ten_per_page_newest_first(app: Erlen, ada: Visitor) -> None:
    ids = add_posts(app, "ada", [f"Post {n}" for n in range(1, 24)])
    newest_first = ids[::-1]

    first = ada.page("/")
    assert listed_ids(first) == newest_first[:10]
    assert ">Older</a>" in first and ">Newer</a>" not in first
    assert 'href="/?page=2"' in first

    second = ada.page("/?page=2")
    assert listed_ids(second) == newest_first[10:20]
    assert 'href="/?page=1">Newer</a>' in second and 'href="/?page=3">Older</a>' in second

    third = ada.page("/?page=3")
    assert listed_ids(third) == newest_first[20:]
    assert ">Newer</a>" in third and ">Older</a>" not in third

    assert ada.get("/?page=4").status_code == 404
    assert ada.get("/?page=nonsense").status_code == 404


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("apple", ["Apple pie", "Fruit salad"]),  # title or body, any case
        ("APPLE PIE", ["Apple pie"]),
        ("100%", ["Percent"]),  # '%' is a character here, not a LIKE wildcard
        ("a_b", ["Underscore"]),
        ("nothing like it", []),
    ],
)
def test_search(app: Erlen, ada: Visitor, query: str, expected: list[str]) -> None:
    add_posts(app, "ada", ["Apple pie"], "Bake it.")
    add_posts(app, "ada", ["Fruit salad"], "Pear, grape and an apple.")
    add_posts(app, "ada", ["Percent"], "Give 100% of it.")
    add_posts(app, "ada", ["Underscore"], "snake a_b case")
    add_posts(app, "ada", ["Other"], "Nothing 1000 ab here.")
    response = ada.get("/", query_string={"q": query})
    html = response.get_data(as_text=True)
    titles = re.findall(r'<a class="title" href="/posts/\d+">([^<]*)</a>', html)
    assert sorted(titles) == sorted(expected)
    assert f'name="q" value="{query}"' in html
    if not expected:
        assert "No post contains" in html


def test_search_results_are_paged_and_keep_the_query(app: Erlen, ada: Visitor) -> None:
    add_posts(app, "ada", [f"Needle {n}" for n in range(12)])
    add_posts(app, "ada", [f"Hay {n}" for n in range(12)])
    first = ada.get("/?q=needle").get_data(as_text=True)
    assert len(listed_ids(first)) == 10
    assert 'href="/?page=2&amp;q=needle">Older</a>' in first
    second = ada.get("/?page=2&q=needle").get_data(as_text=True)
    assert len(listed_ids(second)) == 2
    assert "Hay" not in first + second


def test_profile_pages(ada: Visitor, visitor: Callable[[], Visitor]) -> None:
    post_id = ada.new_post("About me")
    html = visitor().page("/users/ada")
    assert "<h1>ada</h1>" in html
    assert f'data-id="{post_id}"' in html
    assert "placeholder" in html and "/avatars/" not in html  # no avatar yet
    assert "Change password" not in html  # only on one's own profile
    assert "Change password" in ada.page("/users/ada")
    assert visitor().get("/users/nobody").status_code == 404


#: Past the largest integer a database column holds (SQLite's, PostgreSQL's BIGINT).
HUGE = str(2**63)


@pytest.mark.parametrize("page", ["0", "-1", "nonsense", "1e3", "", HUGE, "9" * 30])
def test_a_page_number_that_is_not_a_page_is_a_404(ada: Visitor, page: str) -> None:
    ada.new_post("The only one")
    response = ada.get("/", query_string={"page": page})
    assert response.status_code == 404
    assert '<header class="site">' in response.get_data(as_text=True)


def test_a_huge_id_in_a_url_is_a_404(ada: Visitor) -> None:
    """Not an overflow in the database (a 500): there is no such post, user or avatar."""
    for url in (f"/posts/{HUGE}", f"/posts/{HUGE}/edit", f"/avatars/{HUGE}", "/posts/0"):
        response = ada.get(url)
        assert response.status_code == 404, url
        assert "404 · Not Found" in response.get_data(as_text=True)
    token = ada.form("/posts/new", "post-form").hidden["csrf_token"]
    for action in ("delete", "comments"):
        response = ada.client.post(
            f"/posts/{HUGE}/{action}", data={"csrf_token": token, "body": "x"}
        )
        assert response.status_code == 404, action


def test_the_search_term_is_shown_as_text_everywhere(app: Erlen, ada: Visitor) -> None:
    """The term is echoed in the title, the heading, the search box and the page
    links: escaped in each (it cannot close the attribute or open a tag)."""
    term = '"><script>alert(1)</script>'
    add_posts(app, "ada", [f"{term} {n}" for n in range(11)])
    for html in (
        ada.page("/?" + urlencode({"q": term})),
        ada.get("/", query_string={"q": term + " nothing"}).get_data(as_text=True),
    ):
        assert "<script>alert" not in html
        assert html.count("&lt;script&gt;alert(1)&lt;/script&gt;") >= 3  # title, h1, input
    first = ada.page("/?" + urlencode({"q": term}))
    assert 'value="&#34;&gt;&lt;script&gt;alert(1)&lt;/script&gt;"' in first
    assert 'href="/?page=2&amp;q=%22%3E%3Cscript%3Ealert(1)%3C/script%3E">Older' in first


def test_a_search_term_longer_than_200_characters_is_a_400(ada: Visitor) -> None:
    """SQLite refuses LIKE patterns over 50,000 bytes: a huge term must not reach it."""
    ada.new_post("a" * 200)
    assert '<input type="search" name="q" value="" maxlength="200"' in ada.page("/")
    found = ada.page("/?q=" + "a" * 200)
    assert len(listed_ids(found)) == 1
    for term in ("a" * 201, "a" * 100_000):
        response = ada.get("/", query_string={"q": term})
        assert response.status_code == 400
        html = response.get_data(as_text=True)
        assert "Search for at most 200 characters." in html and '<header class="site">' in html


def test_forms_take_text_where_they_expect_text(app: Erlen, ada: Visitor) -> None:
    """A crafted request may send a file, or a JSON body with numbers and lists, to a
    form of text fields: the form refuses it like any wrong input, never with a 500."""
    token = ada.form("/posts/new", "post-form").hidden["csrf_token"]
    as_file = ada.client.post(
        "/posts/new",
        data={"csrf_token": token, "title": (io.BytesIO(b"x"), "t.txt"), "body": "text"},
    )
    as_json = ada.client.post(
        "/posts/new", json={"title": 5, "body": ["a", "b"]}, headers={"X-CSRFToken": token}
    )
    a_list = ada.client.post(
        "/posts/new", json=["title", "body"], headers={"X-CSRFToken": token}
    )
    for response in (as_file, as_json, a_list):
        assert response.status_code == 200
        assert 'id="post-form"' in response.get_data(as_text=True)
    password = ada.client.post(
        "/auth/password",
        data={"csrf_token": token, "current": (io.BytesIO(b"x"), "p"), "new": "x" * 9},
    )
    assert password.status_code == 200 and 'id="password-form"' in password.get_data(as_text=True)
    with app.app_context():
        assert db.session.query(Post).count() == 0
