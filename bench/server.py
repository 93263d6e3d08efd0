"""Serve each framework's ``hello`` app with a real server and load it with wrk.

WSGI (the default, ``--interface wsgi``): Granian and Gunicorn serving erlen, flask,
falcon, bottle and a bare WSGI function (``wsgi_apps.py``). ASGI (``--interface asgi``):
uvicorn and Granian's ASGI interface serving erlen, starlette, falcon (``falcon.asgi``),
a bare ASGI function and, if asked for, quart (``asgi_apps.py``, the apps of
``asgi_direct.py``; erlen's is the same ``Erlen`` object, served as ``module:app``).

``--case mixed`` (WSGI only) serves instead one app per framework with three routes and
has wrk send their requests in turn: the template page (``GET /page``), the session
counter (``GET /count`` with the cookie the app's own first answer set) and the static
file (``GET /static/file.bin``). erlen, flask and bottle can express it; falcon (no
sessions or templates) and bare (one hello function) are left out.

For every server and framework, one at a time: start the server with one worker on a
free port on 127.0.0.1, wait until it answers, check a few answers (status and body)
over one connection, warm it up with a short wrk run whose every answer is checked
too, load it with wrk for ``--duration`` seconds, check it still answers correctly,
and stop it (its whole process group). Rounds interleave the frameworks, rotating the
order; the reported figure is the median over rounds. Everything stays on 127.0.0.1
and every wrk run is bounded by its duration.

    .venv/bin/python bench/server.py [--interface wsgi|asgi] [--case hello|mixed]
                                     [--servers granian,gunicorn]
                                     [--frameworks erlen,flask] [--duration 5]
                                     [--connections 16] [--rounds 3] [--pin]

Needs wrk (``apt-get install wrk``) and, in this interpreter's environment, the
servers: granian and gunicorn for WSGI, uvicorn (with uvloop and httptools) and granian
for ASGI (``pip install -e '.[dev]'``).
"""

from __future__ import annotations

import argparse
import html
import http.client
import importlib.util
import json
import os
import platform
import re
import shlex
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass
from importlib import metadata
from pathlib import Path
from typing import IO, Any

from apps import (
    PAGE_TITLE,
    ROW_COUNT,
    STATIC_DIR,
    STATIC_FILE,
    STATIC_SIZE,
    make_rows,
    static_content,
)

BENCH_DIR = Path(__file__).resolve().parent
SRC_DIR = BENCH_DIR.parent / "src"

INTERFACES: tuple[str, ...] = ("wsgi", "asgi")

# The WSGI run's names (soak.py imports some of them). bare: a plain WSGI function.
FRAMEWORKS: tuple[str, ...] = ("erlen", "flask", "falcon", "bottle", "bare")
SERVERS: tuple[str, ...] = ("granian", "gunicorn")
RATIOS: tuple[tuple[str, str], ...] = (
    ("erlen", "flask"),
    ("erlen", "falcon"),
    ("erlen", "bottle"),
    ("erlen", "bare"),
)
# What erlen/bare should reach under granian: erlen's hello at 85% of the bare floor.
BARE_GOAL = 0.85

# --case: hello (GET /) or mixed (WSGI only: /page, /count and the static file in turn).
CASES: tuple[str, ...] = ("hello", "mixed")
# The WSGI frameworks whose apps can express the mixed case, and why the others cannot.
MIXED_FRAMEWORKS: tuple[str, ...] = ("erlen", "flask", "bottle")
MIXED_LEFT_OUT: dict[str, str] = {
    "falcon": "no sessions or templates",
    "bare": "a plain hello function, no routes",
}

# The ASGI run's. quart is served only when asked for (--frameworks).
ASGI_FRAMEWORKS: tuple[str, ...] = ("erlen", "starlette", "falcon", "bare", "quart")
ASGI_DEFAULT_FRAMEWORKS: tuple[str, ...] = ("erlen", "starlette", "falcon", "bare")
ASGI_SERVERS: tuple[str, ...] = ("uvicorn", "granian")
ASGI_RATIOS: tuple[tuple[str, str], ...] = (
    ("erlen", "starlette"),
    ("erlen", "falcon"),
    ("erlen", "bare"),
)


@dataclass(frozen=True)
class Interface:
    """What differs between the WSGI and the ASGI run."""

    name: str
    module: str  # serves ``<framework>_app``
    frameworks: tuple[str, ...]  # allowed
    default_frameworks: tuple[str, ...]
    servers: tuple[str, ...]
    ratios: tuple[tuple[str, str], ...]
    connections: int  # wrk's -c unless --connections says otherwise
    needs: tuple[str, ...]  # modules the servers need besides their own


INTERFACE_SPECS: dict[str, Interface] = {
    "wsgi": Interface("wsgi", "wsgi_apps", FRAMEWORKS, FRAMEWORKS, SERVERS, RATIOS, 16, ()),
    "asgi": Interface(
        "asgi",
        "asgi_apps",
        ASGI_FRAMEWORKS,
        ASGI_DEFAULT_FRAMEWORKS,
        ASGI_SERVERS,
        ASGI_RATIOS,
        64,
        ("uvloop", "httptools"),
    ),
}
# Distributions whose versions the report shows, per server or framework (none: "bare").
DISTRIBUTIONS: dict[str, tuple[str, ...]] = {
    "uvicorn": ("uvicorn", "uvloop", "httptools"),
    "granian": ("granian",),
    "gunicorn": ("gunicorn",),
    "bare": (),
}
# Sequential requests checked over one connection before and after the load.
CHECK_REQUESTS = 5

HOST = "127.0.0.1"
PATH = "/"
EXPECTED_STATUS = 200
EXPECTED_BODY = b"Hello, World!"

# Headroom on top of a wrk run's own duration before it is killed.
WRK_GRACE_SECONDS = 30.0
# How long a server gets to exit after SIGTERM before its group gets SIGKILL.
STOP_TIMEOUT_SECONDS = 10.0


class BenchError(Exception):
    """A server did not start, answered wrongly, or wrk failed."""


@dataclass(frozen=True)
class WrkResult:
    requests_per_second: float
    latency_avg_ms: float
    latency_p99_ms: float | None
    requests: int
    socket_errors: str | None
    non_2xx: int


# --- wrk output -----------------------------------------------------------------------

_UNIT_MS = {"us": 0.001, "ms": 1.0, "s": 1000.0, "m": 60_000.0, "h": 3_600_000.0}
_RPS_RE = re.compile(r"^Requests/sec:\s+([\d.]+)", re.MULTILINE)
_LATENCY_RE = re.compile(r"^\s*Latency\s+([\d.]+)(us|ms|s|m|h)\b", re.MULTILINE)
_P99_RE = re.compile(r"^\s*99%\s+([\d.]+)(us|ms|s|m|h)\b", re.MULTILINE)
_COUNT_RE = re.compile(r"^\s*(\d+) requests in ", re.MULTILINE)
_SOCKET_ERRORS_RE = re.compile(r"^\s*Socket errors:\s*(.+)$", re.MULTILINE)
_NON_2XX_RE = re.compile(r"^\s*Non-2xx or 3xx responses:\s*(\d+)", re.MULTILINE)


def parse_wrk(output: str) -> WrkResult:
    """Pull requests/second, latency and error counts out of wrk's text report."""
    rps = _RPS_RE.search(output)
    latency = _LATENCY_RE.search(output)
    count = _COUNT_RE.search(output)
    if not (rps and latency and count):
        raise BenchError(f"could not parse wrk's output:\n{output}")
    p99 = _P99_RE.search(output)
    errors = _SOCKET_ERRORS_RE.search(output)
    non_2xx = _NON_2XX_RE.search(output)
    return WrkResult(
        requests_per_second=float(rps.group(1)),
        latency_avg_ms=float(latency.group(1)) * _UNIT_MS[latency.group(2)],
        latency_p99_ms=float(p99.group(1)) * _UNIT_MS[p99.group(2)] if p99 else None,
        requests=int(count.group(1)),
        socket_errors=errors.group(1).strip() if errors else None,
        non_2xx=int(non_2xx.group(1)) if non_2xx else 0,
    )


def run_wrk(
    port: int,
    seconds: int,
    connections: int,
    threads: int,
    prefix: list[str],
    probes: tuple[Probe, ...] | None = None,
) -> WrkResult:
    """A measured wrk run: ``GET /``, or, given ``probes`` other than ``HELLO_PROBES``,
    their requests in turn (a Lua ``request()``, and no ``response()``)."""
    if probes is None or probes == HELLO_PROBES:
        return parse_wrk(wrk_output(port, seconds, connections, threads, prefix))
    with tempfile.TemporaryDirectory() as tmp:
        script = Path(tmp, "rotate.lua")
        script.write_text(rotation_script(probes, check=False))
        return parse_wrk(wrk_output(port, seconds, connections, threads, prefix, script))


def wrk_output(
    port: int,
    seconds: int,
    connections: int,
    threads: int,
    prefix: list[str],
    script: Path | None = None,
) -> str:
    """Run wrk (with the Lua ``script``, if given) and return what it printed."""
    command = [
        *prefix,
        "wrk",
        f"-t{threads}",
        f"-c{connections}",
        f"-d{seconds}s",
        "--latency",
        *(["--script", str(script)] if script else []),
        f"http://{HOST}:{port}{PATH}",
    ]
    try:
        done = subprocess.run(
            command,
            capture_output=True,
            text=True,
            timeout=seconds + WRK_GRACE_SECONDS,
            check=False,
        )
    except subprocess.TimeoutExpired:
        raise BenchError(f"wrk did not finish within {seconds + WRK_GRACE_SECONDS:.0f} s")
    if done.returncode != 0:
        raise BenchError(f"wrk exited with {done.returncode}:\n{done.stdout}{done.stderr}")
    return done.stdout


def lua_string(value: bytes) -> str:
    """``value`` as a Lua string literal: printable ASCII kept, everything else escaped."""
    out = []
    for byte in value:
        char = chr(byte)
        out.append(f"\\{byte:03d}" if char in '\\"' or not 32 <= byte < 127 else char)
    return '"' + "".join(out) + '"'


# --- what the answers must be ---------------------------------------------------------


@dataclass(frozen=True)
class Probe:
    """One request the checks send, and what its answer must be: status 200 and a body
    that ``check`` accepts (in Python) and ``lua_check`` does too (a Lua expression over
    ``body``, for the warm-up's ``response()``)."""

    name: str
    path: str
    headers: tuple[tuple[str, str], ...]
    check: Callable[[bytes], bool]
    lua_check: str
    expected: str  # the right answer, in words, for messages


def _is_hello(body: bytes) -> bool:
    return body == EXPECTED_BODY


HELLO_PROBE = Probe(
    "hello",
    PATH,
    (),
    _is_hello,
    f"body == {lua_string(EXPECTED_BODY)}",
    f"{EXPECTED_STATUS} {EXPECTED_BODY!r}",
)
HELLO_PROBES: tuple[Probe, ...] = (HELLO_PROBE,)

# The mixed case: the template, session and static cases' requests (as in wsgi_direct.py).
PAGE_PATH = "/page"
COUNT_PATH = "/count"
STATIC_PATH = f"/static/{STATIC_FILE}"
# The page's title as HTML escapes it ("Rows &amp; columns") and its rows as rendered.
PAGE_TITLE_HTML = f"<title>{html.escape(PAGE_TITLE)}</title>".encode()
PAGE_ROWS = [
    f"<tr><td>{row.id}</td><td>{html.escape(row.name)}</td></tr>".encode() for row in make_rows()
]
_PAGE_ROW_RE = re.compile(rb"<tr><td>[^<]*</td><td>[^<]*</td></tr>")
STATIC_CONTENT = static_content()


def _is_page(body: bytes) -> bool:
    """The escaped title and exactly the page's rows, in order."""
    return PAGE_TITLE_HTML in body and _PAGE_ROW_RE.findall(body) == PAGE_ROWS


def _is_static(body: bytes) -> bool:
    return body == STATIC_CONTENT


# Under load, Lua checks the page for its title and last row ("Row 50"): the whole
# comparison is done in Python, before and after the load.
PAGE_PROBE = Probe(
    "page",
    PAGE_PATH,
    (),
    _is_page,
    f"find(body, {lua_string(PAGE_TITLE_HTML)}, 1, true) ~= nil "
    f"and find(body, {lua_string(PAGE_ROWS[-1])}, 1, true) ~= nil",
    f"{EXPECTED_STATUS}, a page with {PAGE_TITLE_HTML.decode()} and {ROW_COUNT} rows",
)
STATIC_PROBE = Probe(
    "static",
    STATIC_PATH,
    (),
    _is_static,
    f"#body == {STATIC_SIZE} and body == {lua_string(STATIC_CONTENT)}",
    f"{EXPECTED_STATUS}, the {STATIC_SIZE:,} bytes of bench/static/{STATIC_FILE}",
)


def session_probe(cookie: str, count: bytes) -> Probe:
    """GET /count sending ``cookie``; the answer must be ``count`` every time, since the
    same cookie is sent every time (the view reads the count, adds one, returns it)."""

    def check(body: bytes) -> bool:
        return body == count

    return Probe(
        "session",
        COUNT_PATH,
        (("Cookie", cookie),),
        check,
        f"body == {lua_string(count)}",
        f"{EXPECTED_STATUS} {count!r} (the count in the cookie of the first answer, plus one)",
    )


def mixed_probes(cookie: str, count: bytes) -> tuple[Probe, ...]:
    """The mixed case's three requests, in the order wrk sends them."""
    return (PAGE_PROBE, session_probe(cookie, count), STATIC_PROBE)


def check_script() -> str:
    """A wrk script that checks every answer's status and body and counts them.

    wrk runs a Lua state per thread (plus one for ``setup`` and ``done``): each thread
    counts in its own globals, ``setup`` keeps a handle on every thread, and ``done``
    adds the counts up and prints them with the number of answers wrk itself counted.
    Defining ``response`` makes wrk hand every body to Lua, which slows it down: this
    script runs for the warm-up only, never for the measured run.
    """
    return f"""\
-- Generated by bench/server.py: check every answer (status and body), count them.
local expected_status = {EXPECTED_STATUS}
local expected_body = {lua_string(EXPECTED_BODY)}
local threads = {{}}

function setup(thread)
  threads[#threads + 1] = thread
end

function init(args)
  good = 0
  bad = 0
  first_bad = ""
end

function response(status, headers, body)
  if status == expected_status and body == expected_body then
    good = good + 1
  else
    bad = bad + 1
    if first_bad == "" then
      first_bad = status .. " " .. string.gsub(string.sub(body, 1, 200), "[^%w%p ]", "?")
    end
  end
end

function done(summary, latency, requests)
  local total_good, total_bad, first = 0, 0, ""
  for _, thread in ipairs(threads) do
    total_good = total_good + thread:get("good")
    total_bad = total_bad + thread:get("bad")
    if first == "" then
      first = thread:get("first_bad")
    end
  end
  io.write(string.format("check answers %d good %d bad %d\\n",
                         summary.requests, total_good, total_bad))
  if first ~= "" then
    io.write("check first_bad " .. first .. "\\n")
  end
end
"""


def rotation_script(probes: tuple[Probe, ...], check: bool) -> str:
    """A wrk script whose ``request()`` sends the ``probes``' requests in turn; with
    ``check``, it also checks every answer and counts them.

    Each thread formats the requests once, in ``init``, and ``request()`` hands out the
    next one of the rotation, so each gets an equal share. wrk does not tell
    ``response()`` which request an answer is for, so the checking script must run with
    one connection per wrk thread (:func:`checked_wrk` does that): a thread's requests
    and answers then alternate, and each answer is checked against the probe of the
    request sent last. Per probe, the script counts the requests sent and the right
    answers; ``done`` prints them, with the answers wrk counted and its socket errors.
    """
    requests = []
    for probe in probes:
        headers = ", ".join(
            f"[{lua_string(name.encode())}] = {lua_string(value.encode())}"
            for name, value in probe.headers
        )
        requests.append(f'    wrk.format("GET", {lua_string(probe.path.encode())}, {{{headers}}}),')
    names = ", ".join(f"GET {probe.path}" for probe in probes)
    zeros = "{" + ", ".join("0" for _ in probes) + "}"
    newline = "\n"
    formatted = newline.join(requests)
    if not check:
        return f"""\
-- Generated by bench/server.py: {names}, in turn.
function init(args)
  request_texts = {{
{formatted}
  }}
  turn = 0
end

function request()
  turn = turn % #request_texts + 1
  return request_texts[turn]
end
"""
    checks = newline.join(
        f"  function(body) return {probe.lua_check} end, -- {probe.name}" for probe in probes
    )
    paths = ", ".join(lua_string(f"GET {probe.path}".encode()) for probe in probes)
    return f"""\
-- Generated by bench/server.py: {names}, in turn; check every answer, count them.
local find = string.find
local threads = {{}}
local checks = {{
{checks}
}}
local paths = {{{paths}}}

function setup(thread)
  threads[#threads + 1] = thread
end

function init(args)
  request_texts = {{
{formatted}
  }}
  turn = 0
  sent = {zeros}
  got = {zeros}
  bad = 0
  first_bad = ""
end

function request()
  turn = turn % #request_texts + 1
  sent[turn] = sent[turn] + 1
  return request_texts[turn]
end

-- One connection per thread: this answer is for the request sent last, request_texts[turn].
function response(status, headers, body)
  if status == 200 and checks[turn](body) then
    got[turn] = got[turn] + 1
  else
    bad = bad + 1
    if first_bad == "" then
      first_bad = paths[turn] .. " answered " .. status .. " (" .. #body .. " bytes) "
                  .. string.gsub(string.sub(body, 1, 200), "[^%w%p ]", "?")
    end
  end
end

function done(summary, latency, requests)
  local all_sent, all_got, total_good, total_bad, first = {{}}, {{}}, 0, 0, ""
  for kind = 1, #checks do
    all_sent[kind], all_got[kind] = 0, 0
  end
  for _, thread in ipairs(threads) do
    local thread_sent, thread_got = thread:get("sent"), thread:get("got")
    for kind = 1, #checks do
      all_sent[kind] = all_sent[kind] + thread_sent[kind]
      all_got[kind] = all_got[kind] + thread_got[kind]
      total_good = total_good + thread_got[kind]
    end
    total_bad = total_bad + thread:get("bad")
    if first == "" then
      first = thread:get("first_bad")
    end
  end
  io.write(string.format("check answers %d good %d bad %d\\n",
                         summary.requests, total_good, total_bad))
  for kind = 1, #checks do
    io.write(string.format("check kind %d sent %d got %d\\n", kind, all_sent[kind], all_got[kind]))
  end
  local errors = summary.errors
  io.write(string.format("check socket_errors %d\\n",
                         errors.connect + errors.read + errors.write + errors.timeout))
  if first ~= "" then
    io.write("check first_bad " .. first .. "\\n")
  end
end
"""


_CHECK_RE = re.compile(r"^check answers (\d+) good (\d+) bad (\d+)$", re.MULTILINE)
_FIRST_BAD_RE = re.compile(r"^check first_bad (.*)$", re.MULTILINE)
_KIND_RE = re.compile(r"^check kind (\d+) sent (\d+) got (\d+)$", re.MULTILINE)
_ERRORS_RE = re.compile(r"^check socket_errors (\d+)$", re.MULTILINE)


def checked_wrk(
    port: int,
    seconds: int,
    connections: int,
    threads: int,
    prefix: list[str],
    probes: tuple[Probe, ...] = HELLO_PROBES,
) -> tuple[WrkResult, int]:
    """A wrk run whose every answer is checked; its result and the number checked.

    Raises BenchError if any answer was wrong, or if the script did not see every
    answer wrk counted. With ``probes`` other than ``HELLO_PROBES`` (sent in turn), wrk
    runs one thread per connection, so that each answer is checked against the request
    it answers (see :func:`rotation_script`), and it also fails if any probe got no
    right answer, or its right answers fall short of its requests by more than can have
    been unanswered when wrk stopped (one per connection, one per socket error)."""
    rotating = probes != HELLO_PROBES
    with tempfile.TemporaryDirectory() as tmp:
        script = Path(tmp, "check.lua")
        script.write_text(rotation_script(probes, check=True) if rotating else check_script())
        output = wrk_output(
            port, seconds, connections, connections if rotating else threads, prefix, script
        )
    counts = _CHECK_RE.search(output)
    if counts is None:
        raise BenchError(f"the check script printed no counts:\n{output}")
    answers, good, bad = (int(value) for value in counts.groups())
    if bad or good != answers or good == 0:
        first = _FIRST_BAD_RE.search(output)
        expected = (
            "by request, " + "; ".join(f"GET {probe.path}: {probe.expected}" for probe in probes)
            if rotating
            else f"{EXPECTED_STATUS} {EXPECTED_BODY!r} every time"
        )
        raise BenchError(
            f"under load: {bad:,} wrong answers and {good:,} right ones of {answers:,} "
            f"(expected {expected})" + (f"; the first wrong one: {first.group(1)}" if first else "")
        )
    if rotating:
        _check_shares(output, probes, connections)
    return parse_wrk(output), good


def _check_shares(output: str, probes: tuple[Probe, ...], connections: int) -> None:
    """Per probe: right answers <= requests sent <= right answers + the unanswered."""
    kinds = [tuple(int(value) for value in found.groups()) for found in _KIND_RE.finditer(output)]
    errors = _ERRORS_RE.search(output)
    if len(kinds) != len(probes) or errors is None:
        raise BenchError(f"the check script printed no counts per request:\n{output}")
    unanswered = connections + int(errors.group(1))
    for (_, sent, got), probe in zip(kinds, probes, strict=True):
        if not 0 < got <= sent <= got + unanswered:
            raise BenchError(
                f"under load: GET {probe.path} was sent {sent:,} times and {got:,} answers "
                f"were right for it (expected from {max(sent - unanswered, 1):,} to {sent:,})"
            )


# --- servers --------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((HOST, 0))
        port: int = sock.getsockname()[1]
        return port


def server_command(
    server: str,
    target: str,
    port: int | str,
    extra: list[str],
    gunicorn_worker: tuple[str, ...] = ("--worker-class", "sync"),
    interface: str = "wsgi",
) -> list[str]:
    """The command serving the app ``target`` (``module:attribute``) with one worker.

    ``interface`` is ``wsgi`` or ``asgi``. Both ASGI servers run uvloop; uvicorn parses
    HTTP with httptools, logs no access line and runs the lifespan protocol, which
    Granian's ``asgi`` interface runs too.
    """
    python = sys.executable
    if interface not in INTERFACES:
        raise ValueError(f"unknown interface {interface!r}")
    if server == "granian":
        loop = ["--loop", "uvloop"] if interface == "asgi" else []
        return [
            python, "-m", "granian",
            "--interface", interface,
            "--workers", "1",
            *loop,
            "--host", HOST,
            "--port", str(port),
            "--log-level", "warning",
            *extra,
            target,
        ]  # fmt: skip
    if server == "uvicorn" and interface == "asgi":
        return [
            python, "-m", "uvicorn",
            "--workers", "1",
            "--loop", "uvloop",
            "--http", "httptools",
            "--no-access-log",
            "--lifespan", "on",
            "--host", HOST,
            "--port", str(port),
            "--log-level", "warning",
            *extra,
            target,
        ]  # fmt: skip
    if server == "gunicorn" and interface == "wsgi":
        return [
            python, "-m", "gunicorn",
            "--workers", "1",
            *gunicorn_worker,
            "--bind", f"{HOST}:{port}",
            "--log-level", "warning",
            *extra,
            target,
        ]  # fmt: skip
    raise ValueError(f"unknown {interface.upper()} server {server!r}")


def _log_tail(log: IO[bytes], limit: int = 3000) -> str:
    log.flush()
    log.seek(0)
    text = log.read().decode(errors="replace")
    return text[-limit:].strip() or "(no output)"


def _stop(process: subprocess.Popen[bytes]) -> None:
    """SIGTERM the server's process group, then SIGKILL whatever is left of it.

    The server was started in a new session, so its group id is its pid and holds the
    server and the workers it forked, nothing else.
    """
    pgid = process.pid
    try:
        os.killpg(pgid, signal.SIGTERM)
    except ProcessLookupError:
        pass
    try:
        process.wait(timeout=STOP_TIMEOUT_SECONDS)
    except subprocess.TimeoutExpired:
        pass
    # A group id stays reserved while any member lives, so this cannot hit a stranger.
    try:
        os.killpg(pgid, signal.SIGKILL)
    except ProcessLookupError:
        pass
    process.wait(timeout=STOP_TIMEOUT_SECONDS)


def _get(port: int, timeout: float, path: str = PATH) -> tuple[int, bytes]:
    conn = http.client.HTTPConnection(HOST, port, timeout=timeout)
    try:
        conn.request("GET", path)
        response = conn.getresponse()
        return response.status, response.read()
    finally:
        conn.close()


def check_answers(
    port: int, name: str, probes: tuple[Probe, ...] = HELLO_PROBES, count: int = CHECK_REQUESTS
) -> None:
    """``count`` GETs of each probe, in turn, one after the other over one connection (a
    new one whenever the server closes it, as Gunicorn's sync worker does): each must be
    answered as the probe says (hello: 200 ``Hello, World!``)."""
    total = count * len(probes)
    conn = http.client.HTTPConnection(HOST, port, timeout=10.0)
    try:
        for i in range(total):
            probe = probes[i % len(probes)]
            what = f"request {i + 1} of {total}" + (
                f" (GET {probe.path})" if len(probes) > 1 else ""
            )
            try:
                conn.request("GET", probe.path, headers=dict(probe.headers))
                response = conn.getresponse()
                status, body = response.status, response.read()
            except (OSError, http.client.HTTPException) as exc:
                raise BenchError(f"{name}: {what} failed: {exc!r}")
            if status != EXPECTED_STATUS or not probe.check(body):
                raise BenchError(
                    f"{name}: {what} answered {status} {body[:200]!r}, expected {probe.expected}"
                )
    finally:
        conn.close()


def prime_mixed(port: int, name: str) -> tuple[Probe, ...]:
    """The mixed case's probes, with the session cookie taken from the app's own answer.

    ``GET /count`` without a cookie, as a new visitor: the answer must be 200 and a count,
    and set a cookie. Every ``GET /count`` after it sends that cookie (the name=value part
    of each Set-Cookie) and must be answered with that count plus one."""
    conn = http.client.HTTPConnection(HOST, port, timeout=10.0)
    try:
        conn.request("GET", COUNT_PATH)
        response = conn.getresponse()
        status, body = response.status, response.read()
        set_cookies = response.headers.get_all("Set-Cookie") or []
    except (OSError, http.client.HTTPException) as exc:
        raise BenchError(f"{name}: GET {COUNT_PATH} without a cookie failed: {exc!r}")
    finally:
        conn.close()
    if status != EXPECTED_STATUS or not body.isdigit():
        raise BenchError(
            f"{name}: GET {COUNT_PATH} without a cookie answered {status} {body[:200]!r}, "
            f"expected {EXPECTED_STATUS} and a count"
        )
    cookies = [value.split(";", 1)[0].strip() for value in set_cookies]
    if not any(cookies):
        raise BenchError(f"{name}: GET {COUNT_PATH} without a cookie set no cookie")
    return mixed_probes("; ".join(filter(None, cookies)), str(int(body) + 1).encode())


_LOGGED_ERROR_RE = re.compile(r"traceback|exception|\berror\b", re.IGNORECASE)

#: Stands for the free port in a command given to :func:`started`.
PORT_PLACEHOLDER = "{port}"


@contextmanager
def started(
    command: list[str],
    name: str,
    startup_timeout: float,
    env: dict[str, str] | None = None,
    path: str = PATH,
) -> Iterator[tuple[subprocess.Popen[bytes], IO[bytes], int, tuple[int, bytes]]]:
    """Run ``command`` (which must serve on the port given by ``{port}`` in it) in its
    own process group, from bench/ with bench/ and src/ importable; wait until ``GET
    path`` answers; yield the process, its log, the port and that first answer; stop it."""
    port = free_port()
    command = [part.replace("{port}", str(port)) for part in command]
    full_env = dict(os.environ)
    full_env["PYTHONPATH"] = os.pathsep.join(
        [str(BENCH_DIR), str(SRC_DIR), *filter(None, [full_env.get("PYTHONPATH")])]
    )
    full_env["PYTHONUNBUFFERED"] = "1"
    full_env.update(env or {})
    with tempfile.TemporaryFile() as log:
        process = subprocess.Popen(
            command,
            cwd=BENCH_DIR,
            env=full_env,
            stdin=subprocess.DEVNULL,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        try:
            deadline = time.monotonic() + startup_timeout
            while True:
                if process.poll() is not None:
                    raise BenchError(
                        f"{name} exited with {process.returncode}:\n" + _log_tail(log)
                    )
                try:
                    first = _get(port, timeout=2.0, path=path)
                    break
                except (OSError, http.client.HTTPException):
                    if time.monotonic() > deadline:
                        raise BenchError(
                            f"{name} did not answer within {startup_timeout:.0f} s:\n"
                            + _log_tail(log)
                        )
                    time.sleep(0.05)
            yield process, log, port, first
        finally:
            _stop(process)


@contextmanager
def running_server(
    server: str,
    framework: str,
    extra: list[str],
    startup_timeout: float,
    prefix: list[str],
    interface: str = "wsgi",
    case: str = "hello",
) -> Iterator[tuple[int, tuple[Probe, ...]]]:
    """Start one server, wait until it answers correctly, yield its port and the probes
    to load and check it with (for mixed, primed with the app's session cookie), stop it.
    """
    target = f"{INTERFACE_SPECS[interface].module}:{framework}_app"
    command = [
        *prefix,
        *server_command(server, target, PORT_PLACEHOLDER, extra, interface=interface),
    ]
    name = f"{server} serving {framework}"
    # The first request: GET / for hello, GET /page for mixed.
    first_probe = HELLO_PROBE if case == "hello" else PAGE_PROBE
    # wsgi_apps serves another case if told to.
    with started(
        command, name, startup_timeout, {"ERLEN_BENCH_CASE": case}, path=first_probe.path
    ) as served:
        status, body = served[3]
        if status != EXPECTED_STATUS or not first_probe.check(body):
            where = "" if case == "hello" else f" GET {first_probe.path}:"
            raise BenchError(
                f"{name} answered{where} {status} {body[:200]!r}, expected {first_probe.expected}"
            )
        port = served[2]
        probes = HELLO_PROBES if case == "hello" else prime_mixed(port, name)
        check_answers(port, name, probes)
        yield port, probes
        # At --log-level warning a server logs nothing while all is well; an error it
        # logged (an exception in the app, say) fails the run even if every answer was
        # right. Read before the server is stopped: what it says on the way out is not
        # the app's doing.
        logged = _log_tail(served[1], limit=100_000)
        if _LOGGED_ERROR_RE.search(logged):
            raise BenchError(f"{name} logged an error:\n{logged[-3000:]}")


def measure(server: str, framework: str, args: argparse.Namespace) -> tuple[WrkResult, int]:
    """One measured wrk run, and how many answers the warm-up checked."""
    extra = shlex.split(getattr(args, f"{server}_args"))
    # --pin: the server on the first CPU, wrk on the second, so they do not trade places.
    server_prefix, wrk_prefix = (
        (["taskset", "-c", "0"], ["taskset", "-c", "1"]) if args.pin else ([], [])
    )
    name = f"{server} serving {framework}"
    checked = 0
    with running_server(
        server, framework, extra, args.startup_timeout, server_prefix, args.interface, args.case
    ) as (port, probes):
        if args.warmup > 0:
            _, checked = checked_wrk(
                port, args.warmup, args.connections, args.threads, wrk_prefix, probes
            )
        result = run_wrk(port, args.duration, args.connections, args.threads, wrk_prefix, probes)
        # Still right after the load.
        check_answers(port, f"{name}, after the load", probes)
    if result.non_2xx:
        raise BenchError(f"{name}: {result.non_2xx} responses were not 2xx/3xx")
    return result, checked


# --- tools and versions ---------------------------------------------------------------


def missing_tools(servers: list[str], also: tuple[str, ...] = ()) -> list[str]:
    """What is missing to run ``servers`` (and the modules ``also``), as instructions."""
    problems = []
    if shutil.which("wrk") is None:
        problems.append("wrk is not on PATH: apt-get update && apt-get install -y wrk")
    for module in [*servers, *also]:
        if importlib.util.find_spec(module) is None:
            problems.append(
                f"{module} is not installed for {sys.executable}: "
                f"{sys.executable} -m pip install {module}  (or: pip install -e '.[dev]')"
            )
    return problems


def version_of(distribution: str) -> str | None:
    try:
        return metadata.version(distribution)
    except metadata.PackageNotFoundError:
        return None


def wrk_version() -> str:
    done = subprocess.run(["wrk", "-v"], capture_output=True, text=True, timeout=10, check=False)
    words = (done.stdout + done.stderr).split()
    return words[1] if len(words) > 1 and words[0] == "wrk" else "?"


# --- report ---------------------------------------------------------------------------


@dataclass
class Cell:
    runs: list[WrkResult]
    error: str | None = None
    checked: int = 0  # answers checked under load (the warm-ups), over all rounds

    def median_rps(self) -> float | None:
        if self.error or not self.runs:
            return None
        return statistics.median(r.requests_per_second for r in self.runs)

    def median_latency_ms(self) -> float | None:
        if self.error or not self.runs:
            return None
        return statistics.median(r.latency_avg_ms for r in self.runs)


Results = dict[str, dict[str, Cell]]


def ratio(results: Results, server: str, num: str, den: str) -> float | None:
    a = results[server].get(num)
    b = results[server].get(den)
    if a is None or b is None:
        return None
    rps_a, rps_b = a.median_rps(), b.median_rps()
    if rps_a is None or not rps_b:
        return None
    return rps_a / rps_b


def _format_latency(ms: float | None) -> str:
    if ms is None:
        return "-"
    return f"{ms * 1000:.0f}us" if ms < 1 else f"{ms:.2f}ms"


def server_settings(interface: str) -> str:
    """How the servers are run, for the table's heading."""
    if interface == "asgi":
        return (
            "uvicorn --loop uvloop --http httptools --no-access-log --lifespan on; "
            "granian --interface asgi --loop uvloop"
        )
    return "granian --interface wsgi; gunicorn --worker-class sync"


def print_table(
    results: Results, servers: list[str], frameworks: list[str], args: argparse.Namespace
) -> None:
    spec = INTERFACE_SPECS[args.interface]
    header = ["framework"]
    for server in servers:
        header += [f"{server} req/s", "latency"]
    rows = [header]
    for framework in frameworks:
        row = [framework]
        for server in servers:
            cell = results[server][framework]
            rps = cell.median_rps()
            row += [
                "-" if rps is None else f"{rps:,.0f}",
                _format_latency(cell.median_latency_ms()),
            ]
        rows.append(row)
    ratio_rows = []
    for num, den in spec.ratios:
        if num in frameworks and den in frameworks:
            row = [f"{num}/{den}"]
            for server in servers:
                value = ratio(results, server, num, den)
                row += ["-" if value is None else f"{value:.2f}x", ""]
            ratio_rows.append(row)

    widths = [max(len(r[i]) for r in rows + ratio_rows) for i in range(len(header))]

    def fmt(row: list[str]) -> str:
        cells = [row[0].ljust(widths[0])]
        cells += [value.rjust(width) for value, width in zip(row[1:], widths[1:], strict=True)]
        return "  ".join(cells).rstrip()

    rounds = "1 round" if args.rounds == 1 else f"median of {args.rounds} rounds"
    pinned = ", server on CPU 0 and wrk on CPU 1" if args.pin else ""
    requests = (
        f"GET {PATH} (hello)"
        if args.case == "hello"
        else f"GET {PAGE_PATH}, {COUNT_PATH} (with its session cookie) and {STATIC_PATH} "
        "in turn (mixed)"
    )
    print(
        f"{requests} through a real {args.interface.upper()} server, 1 worker, on "
        f"{HOST}: wrk -t{args.threads} -c{args.connections} -d{args.duration}s "
        f"after a {args.warmup} s warm-up, {rounds}{pinned}"
    )
    print(f"({server_settings(args.interface)})")
    print(fmt(rows[0]))
    print("  ".join("-" * w for w in widths))
    for row in rows[1:]:
        print(fmt(row))
    if ratio_rows:
        print("  ".join("-" * w for w in widths))
        for row in ratio_rows:
            print(fmt(row))
    print()
    print(
        "req/s: wrk's Requests/sec; latency: wrk's average latency. "
        "erlen/X: erlen's req/s over X's (above 1.00x means erlen is faster)."
    )
    if args.interface == "asgi":
        print(
            "falcon: falcon.asgi.App; bare: a plain ASGI function with no routing "
            "(the floor); erlen: the Erlen object itself."
        )
    elif "bare" in frameworks:
        print(
            "bare: a plain WSGI function with no routing (the floor); the goal for "
            f"erlen/bare is {BARE_GOAL:.2f}x or more under granian."
        )
    if args.case == "mixed":
        print(
            f"mixed: GET {PAGE_PATH} (the template case's page), GET {COUNT_PATH} (the "
            "session case's counter, sending the cookie the app's first answer set) and "
            f"GET {STATIC_PATH} ({STATIC_SIZE:,} bytes), a third of the requests each."
        )
        for framework, reason in MIXED_LEFT_OUT.items():
            print(f"{framework}: cannot express the mixed case ({reason})")
    checked = sum(cell.checked for by_fw in results.values() for cell in by_fw.values())
    if checked and args.case == "mixed":
        print(
            f"Checked: {CHECK_REQUESTS} sequential answers to each of the three requests "
            f"before and after each measured run, and all {checked:,} warm-up answers "
            "under load (status and body, each against its own request: the warm-up runs "
            "one wrk thread per connection)."
        )
    elif checked:
        print(
            f"Checked: {CHECK_REQUESTS} sequential answers before and after each measured "
            f"run, and all {checked:,} warm-up answers under load (status and body)."
        )
    for server in servers:
        for framework in frameworks:
            cell = results[server][framework]
            if cell.error:
                lines = [line for line in cell.error.splitlines() if line.strip()]
                summary = lines[0] if len(lines) == 1 else f"{lines[0]} ... {lines[-1].strip()}"
                print(f"{server} / {framework} failed: {summary}")
            errors = {r.socket_errors for r in cell.runs if r.socket_errors}
            if errors:
                print(f"{server} / {framework}: wrk socket errors: {'; '.join(sorted(errors))}")


def versions(servers: list[str], frameworks: list[str]) -> dict[str, str | None]:
    found: dict[str, str | None] = {"python": platform.python_version(), "wrk": wrk_version()}
    for name in [*servers, *frameworks]:
        for distribution in DISTRIBUTIONS.get(name, (name,)):
            found[distribution] = version_of(distribution)
    return found


# --- command line ---------------------------------------------------------------------


def parse_list(value: str, allowed: tuple[str, ...], what: str) -> list[str]:
    items = [item.strip() for item in value.split(",") if item.strip()]
    unknown = [item for item in items if item not in allowed]
    if unknown:
        raise argparse.ArgumentTypeError(
            f"unknown {what}: {', '.join(unknown)} (choose from {', '.join(allowed)})"
        )
    if not items:
        raise argparse.ArgumentTypeError(f"no {what} given")
    return items


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--interface",
        choices=INTERFACES,
        default="wsgi",
        help="wsgi: granian and gunicorn serving erlen, flask, falcon, bottle, a bare WSGI "
        "function; asgi: uvicorn and granian serving erlen, starlette, falcon.asgi, a bare "
        "ASGI function (wsgi)",
    )
    parser.add_argument(
        "--case",
        choices=CASES,
        default="hello",
        help="hello: GET /; mixed (wsgi only; erlen, flask, bottle): GET /page, /count with "
        "the session cookie and /static/file.bin in turn (hello)",
    )
    parser.add_argument(
        "--servers",
        help="comma-separated; wsgi: granian, gunicorn; asgi: uvicorn, granian (default: both)",
    )
    parser.add_argument(
        "--frameworks",
        help="comma-separated; wsgi: erlen, flask, falcon, bottle, bare (default: all; "
        "--case mixed: erlen, flask, bottle); "
        "asgi: erlen, starlette, falcon, bare, quart (default: all but quart)",
    )
    parser.add_argument("--duration", type=int, default=5, help="seconds per wrk run (5)")
    parser.add_argument(
        "--warmup",
        type=int,
        default=1,
        help="seconds of wrk warm-up before each run, every answer checked (1; 0: none)",
    )
    parser.add_argument(
        "--connections", type=int, default=None, help="wrk connections (wsgi: 16, asgi: 64)"
    )
    parser.add_argument("--threads", type=int, default=1, help="wrk threads (1)")
    parser.add_argument(
        "--rounds", type=int, default=1, help="rounds; frameworks interleaved, median shown (1)"
    )
    parser.add_argument(
        "--startup-timeout",
        type=float,
        default=20.0,
        help="seconds a server gets to answer its first request (20)",
    )
    parser.add_argument(
        "--granian-args",
        default="",
        help="extra arguments for granian, e.g. --granian-args='--blocking-threads 1'",
    )
    parser.add_argument(
        "--gunicorn-args", default="", help="extra arguments for gunicorn (--gunicorn-args='...')"
    )
    parser.add_argument(
        "--uvicorn-args", default="", help="extra arguments for uvicorn (--uvicorn-args='...')"
    )
    parser.add_argument(
        "--pin",
        action="store_true",
        help="run the server on CPU 0 and wrk on CPU 1 (taskset); steadier on small machines",
    )
    parser.add_argument(
        "--json", action="store_true", help="print every run as JSON instead of the table"
    )
    args = parser.parse_args(argv)
    spec = INTERFACE_SPECS[args.interface]
    frameworks_given = args.frameworks is not None
    try:
        args.servers = (
            parse_list(args.servers, spec.servers, f"{args.interface} server")
            if args.servers is not None
            else list(spec.servers)
        )
        args.frameworks = (
            parse_list(args.frameworks, spec.frameworks, f"{args.interface} framework")
            if args.frameworks is not None
            else list(spec.default_frameworks)
        )
    except argparse.ArgumentTypeError as exc:
        parser.error(str(exc))
    if args.case == "mixed":
        if args.interface != "wsgi":
            parser.error("--case mixed is served over WSGI only (--interface wsgi)")
        if not frameworks_given:
            args.frameworks = [f for f in args.frameworks if f in MIXED_FRAMEWORKS]
        for framework in args.frameworks:
            if framework in MIXED_LEFT_OUT:
                parser.error(
                    f"{framework} cannot express the mixed case ({MIXED_LEFT_OUT[framework]}); "
                    f"with --case mixed choose from {', '.join(MIXED_FRAMEWORKS)}"
                )
    if args.connections is None:
        args.connections = spec.connections
    for name in ("duration", "connections", "threads", "rounds"):
        if getattr(args, name) < 1:
            parser.error(f"--{name} must be at least 1")
    if args.warmup < 0:
        parser.error("--warmup must not be negative")
    if args.connections < args.threads:
        parser.error("wrk needs at least as many connections as threads")
    return args


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    servers: list[str] = args.servers
    frameworks: list[str] = args.frameworks
    spec = INTERFACE_SPECS[args.interface]

    problems = missing_tools(servers, spec.needs)
    static_file = Path(STATIC_DIR, STATIC_FILE)
    if args.case == "mixed" and not (
        static_file.is_file() and static_file.read_bytes() == STATIC_CONTENT
    ):
        problems.append(
            f"{static_file} is missing or changed; bench/README.md says how to recreate it"
        )
    if problems:
        print("bench/server.py cannot run:", file=sys.stderr)
        for problem in problems:
            print(f"  - {problem}", file=sys.stderr)
        return 2

    results: Results = {s: {f: Cell(runs=[]) for f in frameworks} for s in servers}
    total = args.rounds * len(servers) * len(frameworks)
    done = 0
    started = time.monotonic()
    for round_index in range(args.rounds):
        shift = round_index % len(frameworks)
        order = frameworks[shift:] + frameworks[:shift]
        for server in servers:
            for framework in order:
                cell = results[server][framework]
                done += 1
                if cell.error:
                    continue
                prefix = f"[{done}/{total}] round {round_index + 1} {server} {framework}"
                try:
                    result, checked = measure(server, framework, args)
                except BenchError as exc:
                    cell.error = str(exc)
                    print(f"{prefix}: FAILED\n{exc}", file=sys.stderr)
                    continue
                cell.runs.append(result)
                cell.checked += checked
                p99 = _format_latency(result.latency_p99_ms)
                errors = f", socket errors: {result.socket_errors}" if result.socket_errors else ""
                print(
                    f"{prefix}: {result.requests_per_second:,.0f} req/s, "
                    f"avg {_format_latency(result.latency_avg_ms)}, p99 {p99} "
                    f"({checked:,} warm-up answers checked){errors}",
                    file=sys.stderr,
                )
    elapsed = time.monotonic() - started
    print(f"done in {elapsed:.0f} s", file=sys.stderr)

    if args.json:
        report: dict[str, Any] = {
            "settings": {
                "interface": args.interface,
                "case": args.case,
                "duration": args.duration,
                "warmup": args.warmup,
                "connections": args.connections,
                "threads": args.threads,
                "rounds": args.rounds,
                "pin": args.pin,
                "granian_args": args.granian_args,
                "gunicorn_args": args.gunicorn_args,
                "uvicorn_args": args.uvicorn_args,
            },
            "versions": versions(servers, frameworks),
            "case": {
                "name": args.case,
                "requests": (
                    [f"GET {PATH}"]
                    if args.case == "hello"
                    else [f"GET {PAGE_PATH}", f"GET {COUNT_PATH} (Cookie)", f"GET {STATIC_PATH}"]
                ),
                "left_out": MIXED_LEFT_OUT if args.case == "mixed" else {},
            },
            "results": {
                server: {
                    framework: {
                        "median_rps": cell.median_rps(),
                        "median_latency_avg_ms": cell.median_latency_ms(),
                        "error": cell.error,
                        "checked_under_load": cell.checked,
                        "runs": [asdict(r) for r in cell.runs],
                    }
                    for framework, cell in by_framework.items()
                }
                for server, by_framework in results.items()
            },
            "ratios": {
                server: {f"{n}/{d}": ratio(results, server, n, d) for n, d in spec.ratios}
                for server in servers
            },
        }
        print(json.dumps(report, indent=2))
    else:
        found = versions(servers, frameworks)
        print(", ".join(f"{name} {version or '?'}" for name, version in found.items()))
        print_table(results, servers, frameworks, args)
    failed = any(cell.error for by_fw in results.values() for cell in by_fw.values())
    return 1 if failed else 0


if __name__ == "__main__":
    try:
        sys.exit(main())
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        sys.exit(130)
