"""The board example in a real browser: Debian's Chromium, driven by Playwright.

The app runs under granian (ASGI, so the live WebSocket view works) on a free port
of 127.0.0.1 with a fresh SQLite file; each test opens its own browser context (its
own cookies) and signs up its own users, so the tests do not depend on each other.
Quick set-up (many posts) goes through the JSON API; everything a person does goes
through the pages. A failing test leaves a screenshot in ``tests/board/screenshots``.
"""

from __future__ import annotations

import re
import struct
import uuid
import zlib
from collections.abc import Callable, Generator, Iterator
from pathlib import Path

import httpx
import pytest
from board_servers import BoardServer, program, serve_board, write_app
from playwright.sync_api import (
    Browser,
    BrowserContext,
    Page,
    Response,
    expect,
    sync_playwright,
)

pytestmark = [pytest.mark.browser, pytest.mark.server]

#: What the ``new_page`` fixture gives: opens a page in a browser context of its own.
NewPage = Callable[[], Page]

SCREENSHOTS = Path(__file__).resolve().parent / "screenshots"
#: How long a page may take to show what a test waits for (ms).
TIMEOUT_MS = 10_000
PASSWORD = "correct horse battery"

APP_SOURCE = """
    from board import create_app

    app = create_app(
        {{
            "SECRET_KEY": "browser-test-secret",
            "SQLALCHEMY_DATABASE_URI": "sqlite:///{database}",
        }}
    )
"""


# --- fixtures ----------------------------------------------------------------------------


@pytest.fixture(scope="module")
def board(tmp_path_factory: pytest.TempPathFactory) -> Iterator[BoardServer]:
    """The board under granian's ASGI interface, on a fresh database."""
    folder = tmp_path_factory.mktemp("board_browser")
    source = APP_SOURCE.format(database=folder / "board.sqlite")
    write_app(folder, source)
    server = serve_board(folder, "granian-asgi", workers=1)
    yield server
    server.stop()


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    """Debian's Chromium, headless (Playwright's own browser build is not used)."""
    executable = program("chromium", "chromium")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=executable, headless=True)
        yield browser
        browser.close()


class FailureScreenshots:
    """A plugin that keeps each phase's report on the test item, so that a fixture's
    teardown can tell whether the test failed."""

    key = pytest.StashKey[dict[str, pytest.TestReport]]()

    @pytest.hookimpl(wrapper=True)
    def pytest_runtest_makereport(
        self, item: pytest.Item, call: pytest.CallInfo[None]
    ) -> Generator[None, pytest.TestReport, pytest.TestReport]:
        report = yield
        item.stash.setdefault(self.key, {})[report.when] = report
        return report


@pytest.fixture(scope="session")
def failure_reports(pytestconfig: pytest.Config) -> type[FailureScreenshots]:
    """Register :class:`FailureScreenshots` once per run."""
    name = "board-failure-screenshots"
    if not pytestconfig.pluginmanager.has_plugin(name):
        pytestconfig.pluginmanager.register(FailureScreenshots(), name)
    return FailureScreenshots


@pytest.fixture
def new_page(
    request: pytest.FixtureRequest,
    browser: Browser,
    board: BoardServer,
    failure_reports: type[FailureScreenshots],
) -> Iterator[NewPage]:
    """Open pages, each in a browser context of its own (its own cookies: another
    person); a failing test saves a screenshot of every page it opened, tabs included."""
    contexts: list[BrowserContext] = []

    def open_page() -> Page:
        context = browser.new_context(base_url=board.url)
        context.set_default_timeout(TIMEOUT_MS)
        contexts.append(context)
        return context.new_page()

    yield open_page
    reports = request.node.stash.get(failure_reports.key, {})
    failed = any(report.failed for report in reports.values())
    pages = [page for context in contexts for page in context.pages]
    for number, page in enumerate(pages if failed else []):
        SCREENSHOTS.mkdir(exist_ok=True)
        path = SCREENSHOTS / f"{request.node.name}-{number}.png"
        try:
            page.screenshot(path=str(path), full_page=True)
            print(f"screenshot of the failed test's page {number} ({page.url}): {path}")
        except Exception as error:  # a page that broke: still save the others
            print(f"no screenshot of page {number}: {error}")
    for context in contexts:
        context.close()
    if failed:
        print(f"server output:\n{board.output()[-3000:]}")


@pytest.fixture
def page(new_page: NewPage) -> Page:
    """One page of one person."""
    return new_page()


# --- helpers -----------------------------------------------------------------------------


def unique(prefix: str) -> str:
    """A name no other test uses (usernames are at most 32 characters)."""
    return f"{prefix}{uuid.uuid4().hex[:10]}"


def submit(page: Page, form_id: str) -> None:
    """Click the submit button of the form with ``form_id`` and wait for the next page."""
    button = page.locator(
        f"#{form_id} button:not([type=button]):not([type=reset]), #{form_id} input[type=submit]"
    ).first
    with page.expect_navigation():
        button.click()


def submit_for_response(page: Page, form_id: str) -> Response:
    """Submit a form; the response to its POST (whatever its status)."""
    button = page.locator(
        f"#{form_id} button:not([type=button]):not([type=reset]), #{form_id} input[type=submit]"
    ).first
    with page.expect_response(lambda r: r.request.method == "POST") as answer:
        button.click()
    page.wait_for_load_state()
    return answer.value


def logged_in(page: Page) -> bool:
    return page.locator("#logout-form").count() > 0


def log_in(page: Page, username: str, password: str = PASSWORD) -> None:
    page.goto("/auth/login")
    page.locator("#login-form [name=username]").fill(username)
    page.locator("#login-form [name=password]").fill(password)
    submit(page, "login-form")


def sign_up(page: Page, prefix: str = "u") -> str:
    """Register a new user and make sure the page is logged in as them; the name."""
    username = unique(prefix)
    page.goto("/auth/register")
    page.locator("#register-form [name=username]").fill(username)
    page.locator("#register-form [name=password]").fill(PASSWORD)
    page.locator("#register-form [name=confirm]").fill(PASSWORD)
    submit(page, "register-form")
    if not logged_in(page):  # registration may send the new user to the login page
        log_in(page, username)
    assert logged_in(page), page.content()
    return username


def create_post(page: Page, title: str, body: str) -> int:
    """Write a post through the form; its id (from the page it leads to)."""
    page.goto("/posts/new")
    page.locator("#post-form [name=title]").fill(title)
    page.locator("#post-form [name=body]").fill(body)
    submit(page, "post-form")
    match = re.search(r"/posts/(\d+)$", page.url)
    assert match, f"after posting the browser is at {page.url}"
    return int(match.group(1))


def flashes(page: Page) -> str:
    return page.locator(".flashes").inner_text() if page.locator(".flashes").count() else ""


def api_token(board: BoardServer, username: str, password: str = PASSWORD) -> str:
    response = httpx.post(
        f"{board.url}/api/tokens", json={"username": username, "password": password}, timeout=10
    )
    assert response.status_code == 201, response.text
    return str(response.json()["token"])


def api_post(board: BoardServer, token: str, title: str, body: str = "from the API") -> int:
    """Create a post through the JSON API (another client than the browser); its id."""
    response = httpx.post(
        f"{board.url}/api/posts",
        json={"title": title, "body": body},
        headers={"Authorization": f"Bearer {token}"},
        timeout=10,
    )
    assert response.status_code == 201, response.text
    return int(response.json()["id"])


def listed_titles(page: Page) -> list[str]:
    """The text of each post in the list, top to bottom."""
    return page.locator("#posts li.post").all_inner_texts()


def png(width: int, height: int, rgb: tuple[int, int, int]) -> bytes:
    """A real PNG image of one colour, built by hand (signature, IHDR, IDAT, IEND)."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        crc = zlib.crc32(kind + data) & 0xFFFFFFFF
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", crc)

    row = b"\x00" + bytes(rgb) * width  # filter byte 0, then the pixels
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)  # 8-bit RGB
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(row * height))
        + chunk(b"IEND", b"")
    )


# --- tests -------------------------------------------------------------------------------


def test_register_post_comment_edit_and_log_out(page: Page) -> None:
    username = sign_up(page, "ada")
    expect(page.locator("#logout-form")).to_be_visible()

    # A post whose text looks like HTML is shown as text, not markup.
    title = unique("First post ")
    body = "Hello <b>board</b> & friends"
    post_id = create_post(page, title, body)
    assert "Post created." in flashes(page)
    expect(page.locator("body")).to_contain_text(title)
    expect(page.locator("body")).to_contain_text(body)
    assert page.locator("b", has_text="board").count() == 0

    page.locator("#comment-form [name=body]").fill("A first comment <i>here</i>")
    submit(page, "comment-form")
    comment = page.locator("li.comment", has_text="A first comment <i>here</i>")
    expect(comment).to_have_count(1)
    expect(comment).to_contain_text(username)

    page.goto(f"/posts/{post_id}/edit")
    expect(page.locator("#post-form [name=title]")).to_have_value(title)
    page.locator("#post-form [name=title]").fill(title + " (edited)")
    page.locator("#post-form [name=body]").fill("A better body")
    submit(page, "post-form")
    assert page.url.endswith(f"/posts/{post_id}")
    expect(page.locator("body")).to_contain_text(title + " (edited)")
    expect(page.locator("body")).to_contain_text("A better body")
    expect(page.locator("body")).not_to_contain_text(body)

    page.goto("/")
    first = page.locator("#posts li.post").first
    expect(first).to_have_attribute("data-id", str(post_id))
    expect(first).to_contain_text(title + " (edited)")

    submit(page, "logout-form")
    assert not logged_in(page)
    # A logged-out visitor is sent to log in before writing.
    page.goto("/posts/new")
    assert "/auth/login" in page.url
    expect(page.locator("#login-form")).to_be_visible()


def test_log_in_again_with_the_password(page: Page) -> None:
    username = sign_up(page, "bob")
    submit(page, "logout-form")
    log_in(page, username, "not the password")
    assert not logged_in(page)
    expect(page.locator("#login-form")).to_be_visible()
    log_in(page, username)
    assert logged_in(page)
    assert f"Welcome, {username}!" in flashes(page)


def test_avatar_upload_is_shown_on_the_profile(page: Page) -> None:
    username = sign_up(page, "cy")
    page.goto("/auth/avatar")
    image = png(12, 8, (200, 30, 30))
    page.locator("#avatar-form input[type=file]").set_input_files(
        {"name": "me.png", "mimeType": "image/png", "buffer": image}
    )
    submit(page, "avatar-form")

    page.goto(f"/users/{username}")
    avatar = page.locator("img[src*='/avatars/']").first
    expect(avatar).to_be_visible()
    # The browser fetched and decoded the image: it has the uploaded size.
    page.wait_for_function(
        "img => img.complete && img.naturalWidth > 0", arg=avatar.element_handle()
    )
    assert avatar.evaluate("img => [img.naturalWidth, img.naturalHeight]") == [12, 8]
    source = avatar.get_attribute("src")
    assert source is not None
    served = page.request.get(source)
    assert served.status == 200
    assert served.body() == image

    # A text file named .png is refused with a form error, not a server error.
    page.goto("/auth/avatar")
    page.locator("#avatar-form input[type=file]").set_input_files(
        {"name": "fake.png", "mimeType": "image/png", "buffer": b"not an image at all"}
    )
    response = submit_for_response(page, "avatar-form")
    assert response.status == 200
    expect(page.locator("#avatar-form .error")).to_contain_text("not a PNG, JPEG or GIF")
    assert page.request.get(source).body() == image


def test_pagination_older_and_newer(page: Page, board: BoardServer) -> None:
    username = sign_up(page, "dee")
    token = api_token(board, username)
    tag = unique("page")
    titles = [f"{tag} {n:02d}" for n in range(1, 14)]  # 13 posts: 10 + 3
    for title in titles:
        api_post(board, token, title)
    newest_first = titles[::-1]

    page.goto("/")
    shown = listed_titles(page)
    assert len(shown) == 10
    assert [next(t for t in newest_first if t in text) for text in shown] == newest_first[:10]

    with page.expect_navigation():
        page.get_by_role("link", name=re.compile("Older")).first.click()
    assert "page=2" in page.url
    shown = listed_titles(page)
    older = [title for title in newest_first[10:] if any(title in text for text in shown)]
    assert older == newest_first[10:], shown
    assert not any(title in text for title in newest_first[:10] for text in shown)

    with page.expect_navigation():
        page.get_by_role("link", name=re.compile("Newer")).first.click()
    shown = listed_titles(page)
    assert [next(t for t in newest_first if t in text) for text in shown] == newest_first[:10]


def test_search(page: Page, board: BoardServer) -> None:
    username = sign_up(page, "eve")
    token = api_token(board, username)
    word = unique("zebra")
    wanted = [
        api_post(board, token, f"About the {word}", "stripes"),
        api_post(board, token, "Something else", f"I saw a {word.upper()} today"),
    ]
    api_post(board, token, "Unrelated", "nothing to see")

    page.goto("/")
    box = page.locator("#search-form input[name=q]")
    box.fill(word.capitalize())  # case does not matter
    with page.expect_navigation():
        box.press("Enter")
    assert "q=" in page.url
    ids = page.locator("#posts li.post").evaluate_all("items => items.map(i => +i.dataset.id)")
    assert sorted(ids) == sorted(wanted)


def test_a_tampered_csrf_token_is_refused(page: Page) -> None:
    sign_up(page, "fay")
    page.goto("/posts/new")
    page.locator("#post-form [name=title]").fill("Should not be created")
    page.locator("#post-form [name=body]").fill("forged")
    page.evaluate(
        """() => {
            const field = document.querySelector('#post-form input[name=csrf_token]');
            field.value = field.value.split('').reverse().join('') + 'x';
        }"""
    )
    response = submit_for_response(page, "post-form")
    assert response.status == 400
    # The board's own error page, in its layout, still logged in.
    expect(page.locator("h1")).to_contain_text("400")
    expect(page.locator("main")).to_contain_text("security token")
    assert logged_in(page)
    assert "Should not be created" not in page.locator("body").inner_text()
    page.goto("/")
    assert not any("Should not be created" in text for text in listed_titles(page))


def test_a_form_from_an_ended_session_is_refused(page: Page) -> None:
    """A form left open in one tab while the session ends (cookies cleared, as when it
    expires) and the user logs in again in another tab: its token is stale."""
    username = sign_up(page, "gil")
    page.goto("/posts/new")
    page.locator("#post-form [name=title]").fill("Written in the old session")
    page.locator("#post-form [name=body]").fill("stale")
    page.context.clear_cookies()
    other_tab = page.context.new_page()
    log_in(other_tab, username)
    assert logged_in(other_tab)
    response = submit_for_response(page, "post-form")
    assert response.status == 400, f"a form from an ended session was accepted: {page.url}"
    expect(page.locator("h1")).to_contain_text("400")
    other_tab.goto("/")
    assert not any("Written in the old session" in text for text in listed_titles(other_tab))


def test_another_users_post_cannot_be_edited_or_deleted(new_page: NewPage) -> None:
    author: Page = new_page()
    sign_up(author, "hal")
    title = unique("Mine ")
    post_id = create_post(author, title, "only I may change this")

    other: Page = new_page()
    sign_up(other, "ivy")
    response = other.goto(f"/posts/{post_id}/edit")
    assert response is not None and response.status == 403
    expect(other.locator("h1")).to_contain_text("403")
    expect(other.locator("#post-form")).to_have_count(0)
    assert logged_in(other)  # the board's 403 page, with its layout

    # Even with a valid CSRF token (from the comment form), a delete is refused.
    other.goto(f"/posts/{post_id}")
    status = other.evaluate(
        """async (id) => {
            const token = document.querySelector('#comment-form input[name=csrf_token]').value;
            const form = new FormData();
            form.append('csrf_token', token);
            const response = await fetch(`/posts/${id}/delete`, {method: 'POST', body: form});
            return response.status;
        }""",
        post_id,
    )
    assert status == 403
    author.goto(f"/posts/{post_id}")
    expect(author.locator("body")).to_contain_text(title)
    expect(author.locator("body")).to_contain_text("only I may change this")


def test_live_view_shows_a_new_post_without_a_reload(new_page: NewPage, board: BoardServer) -> None:
    writer = new_page()
    username = sign_up(writer, "jo")
    token = api_token(board, username)

    page = new_page()
    # Count the page's open WebSockets, to create the post only once it listens.
    page.add_init_script(
        """(() => {
            const Original = window.WebSocket;
            window.openSockets = 0;
            window.WebSocket = class extends Original {
                constructor(...args) {
                    super(...args);
                    this.addEventListener('open', () => { window.openSockets += 1; });
                }
            };
        })()"""
    )

    with page.expect_websocket() as socket_info:
        page.goto("/")
    assert socket_info.value.url.endswith("/live")
    page.wait_for_function("window.openSockets > 0")
    page.evaluate("window.sameDocument = true")

    # A title that is markup: the script must show it as text, never run it.
    title = unique('Live <img src=x onerror="window.pwned = 1"> ')
    post_id = api_post(board, token, title)
    first = page.locator("#posts li.post").first
    expect(first).to_contain_text(title)
    expect(first).to_have_attribute("data-id", str(post_id))
    assert page.evaluate("window.sameDocument") is True  # no reload happened
    expect(first.locator("img")).to_have_count(0)
    assert page.evaluate("window.pwned") is None
    link = first.locator(f"a[href$='/posts/{post_id}']")
    expect(link).to_have_count(1)
