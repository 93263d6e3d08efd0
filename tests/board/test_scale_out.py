"""The board scaled out: two worker processes sharing Redis and one database.

A real ``redis-server`` holds the sessions (Flask-Session's Redis backend) and the
cache (Flask-Caching's ``RedisCache``); the posts live in one SQLite file. The board
is served with two workers, by granian and by gunicorn. A client logs in once and
then, whichever worker takes each request (every response names its worker in an
``X-Worker-Pid`` header), sees the same user, the same cached values and the same
posts. Then one worker is killed with SIGKILL: the requests keep succeeding, the
server starts a new worker, and nothing written before or after is lost. (Under
granian a connection made in the very instant of the kill may be reset; it is
retried once, as a load balancer would, and the test prints how many were.)

Requests go out on fresh connections (no keep-alive) and a few at a time, so the
kernel hands them to both workers rather than to one that holds a connection.
"""

from __future__ import annotations

import os
import re
import signal
import time
import uuid
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx
import pytest
import redis
from board_servers import (
    BoardServer,
    RedisServer,
    run_python,
    serve_board,
    start_redis,
    wait_for,
    write_app,
)

pytestmark = pytest.mark.server

PASSWORD = "scale out safely"
SESSION_PREFIX = "board-session:"

APP_SOURCE = """
    import os
    import time
    import uuid

    import redis
    from board import create_app
    from board.models import Post, db
    from flask import request
    from flask_caching import Cache
    from flask_login import current_user
    from flask_session import Session

    app = create_app(
        {{
            "SECRET_KEY": "scale-out-secret",
            "SQLALCHEMY_DATABASE_URI": "sqlite:///{database}",
            # Server-side sessions: the cookie holds an id, the data lives in Redis.
            "SESSION_TYPE": "redis",
            "SESSION_REDIS": redis.Redis(host="127.0.0.1", port={redis_port}, db=0),
            "SESSION_KEY_PREFIX": "{session_prefix}",
            # One cache for every worker, in another Redis database.
            "CACHE_TYPE": "RedisCache",
            "CACHE_REDIS_URL": "redis://127.0.0.1:{redis_port}/1",
            "CACHE_DEFAULT_TIMEOUT": 300,
        }}
    )
    Session(app)
    cache = Cache(app)


    @app.after_request
    def name_the_worker(response):
        response.headers["X-Worker-Pid"] = str(os.getpid())
        return response


    @app.get("/_scale/whoami")
    def whoami():
        # A short pause keeps this worker busy, so that the next request goes to another.
        time.sleep(float(request.args.get("wait", "0")))
        user = current_user.username if current_user.is_authenticated else None
        return {{"pid": os.getpid(), "user": user}}


    @app.get("/_scale/cached")
    @cache.cached()
    def cached():
        # Computed once, by whichever worker comes first; then served from Redis.
        posts = db.session.query(Post).count()
        return {{"pid": os.getpid(), "nonce": uuid.uuid4().hex, "posts": posts}}


    @app.put("/_scale/cache/<key>")
    def cache_put(key):
        cache.set(key, request.get_json())
        return {{"pid": os.getpid()}}


    @app.get("/_scale/cache/<key>")
    def cache_get(key):
        return {{"pid": os.getpid(), "value": cache.get(key)}}


    # A JSON endpoint of the test's own, called without a form.
    app.extensions["csrf"].exempt(cache_put)
"""

#: The servers, each with 2 worker processes.
KINDS = ["granian-asgi", "gunicorn"]
#: Requests sent at once in each burst.
BURST = 4
#: Seconds of bursts before deciding that a worker never answers (a respawned worker
#: needs about a second to import the app).
PATIENCE = 15
#: Seconds after the kill during which a reset connection is retried (see the test).
RESET_WINDOW = 1.0
#: Set on a test item while its test has not finished well (to print the server's log).
FAILED = pytest.StashKey[bool]()


@pytest.fixture(scope="module")
def redis_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RedisServer]:
    server = start_redis(tmp_path_factory.mktemp("redis"))
    yield server
    server.process.stop()


@pytest.fixture(params=KINDS)
def board(
    request: pytest.FixtureRequest,
    tmp_path_factory: pytest.TempPathFactory,
    redis_server: RedisServer,
) -> Iterator[BoardServer]:
    """The board with two workers, its sessions and cache in Redis, on a new database."""
    folder = tmp_path_factory.mktemp(f"board_{request.param}")
    source = APP_SOURCE.format(
        database=folder / "board.sqlite",
        redis_port=redis_server.port,
        session_prefix=SESSION_PREFIX,
    )
    write_app(folder, source)
    # Deploying: create the tables once, before the workers start (as one would with
    # several machines), rather than have two workers race to create them.
    run_python(folder, "-m", "erlen", "--app", "served_board:app", "board", "init-db")
    client = redis.Redis(host="127.0.0.1", port=redis_server.port)
    client.flushall()
    client.close()
    server = serve_board(folder, request.param, workers=2, ready_path="/_scale/whoami")
    yield server
    server.stop()
    if request.node.stash.get(FAILED, False):
        print(f"{server.kind} output:\n{server.output()[-4000:]}")


@pytest.fixture
def http(board: BoardServer) -> Iterator[httpx.Client]:
    """A client that keeps cookies but opens a new connection for every request."""
    # Without keep-alive in the pool, and asking the server to close too: a kept-alive
    # connection to the worker that gets killed would fail the next request sent on it.
    limits = httpx.Limits(max_keepalive_connections=0)
    headers = {"Connection": "close"}
    with httpx.Client(base_url=board.url, limits=limits, headers=headers, timeout=15) as client:
        yield client


# --- helpers -----------------------------------------------------------------------------


def worker(response: httpx.Response) -> int:
    """The pid of the worker that answered."""
    return int(response.headers["X-Worker-Pid"])


def csrf_token(http: httpx.Client, path: str) -> str:
    """The CSRF token of the form on the page at ``path``."""
    response = http.get(path)
    assert response.status_code == 200, response.text
    tag = re.search(r"<input[^>]*name=\"csrf_token\"[^>]*>", response.text)
    assert tag, f"no CSRF field on {path}"
    value = re.search(r"value=\"([^\"]+)\"", tag.group(0))
    assert value
    return value.group(1)


def register(base_url: str, username: str) -> None:
    """Create an account through the form, in a session of its own (registering logs
    that session in; the test's client then logs in by itself)."""
    with httpx.Client(base_url=base_url, timeout=15) as client:
        token = csrf_token(client, "/auth/register")
        form = {"username": username, "password": PASSWORD, "confirm": PASSWORD}
        response = client.post("/auth/register", data={**form, "csrf_token": token})
        assert response.status_code == 302, response.text


def log_in(http: httpx.Client, username: str) -> None:
    """Log in with the login form: its page for the CSRF token, then one POST."""
    token = csrf_token(http, "/auth/login")
    form = {"username": username, "password": PASSWORD, "csrf_token": token}
    response = http.post("/auth/login", data=form)
    assert response.status_code == 302, response.text


def bursts(
    call: Callable[[], httpx.Response],
    until: Callable[[list[httpx.Response]], bool],
) -> list[httpx.Response]:
    """Send ``call`` a few at a time until ``until(all responses so far)`` holds; every
    response must be a success (2xx or a redirect)."""
    answers: list[httpx.Response] = []
    deadline = time.monotonic() + PATIENCE
    with ThreadPoolExecutor(BURST) as pool:
        while time.monotonic() < deadline:
            batch = list(pool.map(lambda _: call(), range(BURST)))
            for response in batch:
                assert response.status_code < 400, (response.status_code, response.text)
            answers += batch
            if until(answers):
                return answers
    raise AssertionError(f"never reached: {sorted({worker(r) for r in answers})} answered")


def both_workers(answers: list[httpx.Response]) -> bool:
    return len({worker(response) for response in answers}) >= 2


def create_posts(http: httpx.Client, tag: str, until: Callable[[set[int]], bool]) -> dict[int, int]:
    """Create posts titled ``tag ...`` through the HTML form until ``until(the pids
    that created one)`` holds; {post id: pid of the worker that created it}."""
    token = csrf_token(http, "/posts/new")  # valid for the whole session

    def one() -> httpx.Response:
        title = f"{tag} {uuid.uuid4().hex[:8]}"
        return http.post("/posts/new", data={"title": title, "body": "b", "csrf_token": token})

    answers = bursts(one, lambda rs: until({worker(r) for r in rs}))
    created = {}
    for response in answers:
        assert response.status_code == 302, response.text
        match = re.search(r"/posts/(\d+)$", response.headers["Location"])
        assert match, response.headers["Location"]
        created[int(match.group(1))] = worker(response)
    return created


def post_ids(page: str) -> set[int]:
    """The ``data-id`` of each ``<li class="post">`` on an HTML page."""
    ids = set()
    for tag in re.findall(r"<li\b[^>]*>", page):
        if re.search(r"class=\"([^\"]* )?post( [^\"]*)?\"", tag):
            number = re.search(r"data-id=\"(\d+)\"", tag)
            assert number, tag
            ids.add(int(number.group(1)))
    return ids


def gone(pid: int) -> bool:
    """Whether process ``pid`` has ended (exited, or a zombie not yet reaped)."""
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except (FileNotFoundError, ProcessLookupError):
        return True
    return state in ("Z", "X")


def listed_ids(http: httpx.Client, tag: str) -> tuple[int, set[int]]:
    """The ids of the posts whose title has ``tag``, from every page of the search;
    with the worker that answered the first page."""
    ids: set[int] = set()
    first_worker = 0
    for page in range(1, 20):
        response = http.get("/", params={"q": tag, "page": page})
        assert response.status_code in (200, 404), response.text
        if page == 1:
            first_worker = worker(response)
        found = post_ids(response.text)
        if not found:
            break
        ids |= found
    return first_worker, ids


def listed_by_every_worker(
    http: httpx.Client, tag: str, expected: set[int], workers: set[int]
) -> None:
    """Every worker in ``workers`` lists exactly the ``expected`` posts for ``tag``."""
    seen: dict[int, set[int]] = {}
    deadline = time.monotonic() + PATIENCE
    with ThreadPoolExecutor(BURST) as pool:
        while time.monotonic() < deadline:
            for pid, ids in pool.map(lambda _: listed_ids(http, tag), range(BURST)):
                seen[pid] = ids
                assert ids == expected, f"worker {pid} lists {sorted(ids)}, not {sorted(expected)}"
            if workers <= set(seen):
                return
    raise AssertionError(f"workers {sorted(workers - set(seen))} never listed the posts")


# --- the test ----------------------------------------------------------------------------


def test_two_workers_share_sessions_cache_and_data_and_survive_a_killed_worker(
    request: pytest.FixtureRequest,
    board: BoardServer,
    http: httpx.Client,
    redis_server: RedisServer,
) -> None:
    request.node.stash[FAILED] = True
    started = time.monotonic()
    username = f"scale{uuid.uuid4().hex[:8]}"
    register(board.url, username)
    log_in(http, username)

    # The session is server-side: the cookie is an id whose data is in Redis.
    store = redis.Redis(host="127.0.0.1", port=redis_server.port, db=0)
    cookie = http.cookies.get("session")
    assert cookie, http.cookies
    assert any(key.decode().endswith(cookie) for key in store.keys(f"{SESSION_PREFIX}*"))

    def whoami() -> httpx.Response:
        return http.get("/_scale/whoami", params={"wait": "0.1"})

    # Both workers answer, and both know who is logged in.
    answers = bursts(whoami, both_workers)
    workers = {worker(response) for response in answers}
    assert len(workers) == 2
    assert {response.json()["user"] for response in answers} == {username}

    # The cache: a value set through one worker is read back through the other.
    value = {"note": uuid.uuid4().hex}
    setter = worker(http.put("/_scale/cache/shared", json=value))

    def cache_get() -> httpx.Response:
        return http.get("/_scale/cache/shared")

    answers = bursts(cache_get, lambda rs: any(worker(r) != setter for r in rs))
    assert all(response.json()["value"] == value for response in answers)
    # A cached view is computed once (by the worker that takes the first request):
    # from then on every worker serves that very body, naming the first worker's pid.
    first = http.get("/_scale/cached")
    answers = bursts(lambda: http.get("/_scale/cached"), both_workers)
    assert {response.text for response in answers} == {first.text}
    assert first.json()["pid"] == worker(first)

    # The data: posts created through both workers are listed by both.
    tag_before = f"before{uuid.uuid4().hex[:6]}"
    before = create_posts(http, tag_before, lambda pids: len(pids) >= 2)
    listed_by_every_worker(http, tag_before, set(before), workers)

    # Kill one worker outright; the server must replace it while the other answers.
    # (A request the victim had already accepted dies with it, as under any server:
    # the requests start once it is gone.)
    victim = min(workers)
    os.kill(victim, signal.SIGKILL)
    killed = time.monotonic()
    assert wait_for(lambda: gone(victim), 5), f"worker {victim} survived SIGKILL"
    resets: list[float] = []

    def whoami_after_the_kill() -> httpx.Response:
        # granian's workers listen on sockets of their own (SO_REUSEPORT): a connection
        # made in the instant its worker dies may be reset. A load balancer retries
        # such a request; so does this test, once, and only just after the kill.
        try:
            return whoami()
        except httpx.TransportError:
            since = time.monotonic() - killed
            if since > RESET_WINDOW:
                raise
            resets.append(round(since, 3))
            return whoami()

    answers = bursts(
        whoami_after_the_kill, lambda rs: any(worker(r) not in workers for r in rs[-BURST:])
    )
    assert {response.json()["user"] for response in answers} == {username}
    new_workers = {worker(r) for r in answers} - workers
    assert new_workers, "no new worker answered after the kill"
    assert victim not in {worker(r) for r in answers}

    # Nothing is lost: the session, the cache and the posts from before; new posts too.
    live_workers = (workers - {victim}) | new_workers
    tag_after = f"after{uuid.uuid4().hex[:6]}"
    after = create_posts(http, tag_after, lambda pids: bool(pids & new_workers))
    listed_by_every_worker(http, tag_before, set(before), live_workers)
    listed_by_every_worker(http, tag_after, set(after), live_workers)
    answers = bursts(cache_get, lambda rs: bool({worker(r) for r in rs} & new_workers))
    assert all(response.json()["value"] == value for response in answers)
    answers = bursts(
        lambda: http.get("/_scale/cached"), lambda rs: {worker(r) for r in rs} >= live_workers
    )
    assert {response.text for response in answers} == {first.text}
    request.node.stash[FAILED] = False
    print(f"{board.kind}: workers {sorted(workers)}, killed {victim}, new {sorted(new_workers)}")
    print(f"{board.kind}: connections reset just after the kill (retried): {resets}")
    print(f"{board.kind}: {time.monotonic() - started:.1f}s")
