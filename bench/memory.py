"""Resident memory of each framework, and a leak check over a million requests.

Each framework and case runs in a fresh subprocess, so no framework sees another's
modules or heap. The subprocess imports the framework, builds the app, checks one
response, then calls the WSGI app directly (no server) with a fresh copy of the
environ each time, iterating and closing the body as a server would. It reads its
resident set size (``VmRSS`` in ``/proc/self/status``) after ``gc.collect()`` at
each step: at start, after the import, after building the app, after ``--requests``
requests; and, for the frameworks named by ``--long``, again every ``--requests``
requests until ``--long-requests``. Growth between the first and the last of those
readings, in RSS, in GC-tracked objects (``len(gc.get_objects())``) and in allocated
memory blocks (``sys.getallocatedblocks()``), over a threshold is flagged as a
possible leak.

    .venv/bin/python bench/memory.py [--frameworks erlen,flask] [--long erlen|all|none]
                                     [--requests 100000] [--long-requests 1000000]

``--interface asgi`` does the same over ASGI, with ``asgi_direct.py``'s apps (erlen,
starlette, falcon.asgi, a bare ASGI function) in one event loop: every request is
``await app(scope, receive, send)`` with a fresh copy of the scope, and every answer is
checked (status and body). The ``ws-echo`` case opens one WebSocket connection and
echoes ``--messages`` (10,000) and then up to ``--long-messages`` (100,000) messages
over it, each reply checked, reading at the same points. ASGI readings also count the
event loop's tasks (``asyncio.all_tasks()``).

    .venv/bin/python bench/memory.py --interface asgi [--frameworks erlen]
                                     [--cases hello,json-params,ws-echo]
"""

from __future__ import annotations

import argparse
import asyncio
import compileall
import gc
import importlib
import json
import os
import platform
import subprocess
import sys
import time
from array import array
from collections.abc import Callable, Iterable
from importlib import metadata
from pathlib import Path
from typing import Any

BENCH_DIR = Path(__file__).resolve().parent
SRC_DIR = BENCH_DIR.parent / "src"
# As in wsgi_direct.py: bench/ is sys.path[0]; the working tree's src/ comes next.
if str(SRC_DIR) not in sys.path:
    sys.path.insert(1, str(SRC_DIR))

# wsgi_direct and the apps package import only the standard library; the frameworks
# are imported later, by load_module, after the "start" reading.
from apps import CASES, Environ, WSGIApp  # noqa: E402
from wsgi_direct import (  # noqa: E402
    CASE_SPECS,
    BenchError,
    build_app,
    load_module,
    make_environ,
    noop_start_response,
    prepare,
)

FRAMEWORKS: tuple[str, ...] = ("erlen", "falcon", "flask", "bottle")
# Cases run when --cases is not given: hello for everyone, json-params for erlen too.
DEFAULT_CASES: dict[str, tuple[str, ...]] = {"erlen": ("hello", "json-params")}
DEFAULT_CASE: tuple[str, ...] = ("hello",)

INTERFACES: tuple[str, ...] = ("wsgi", "asgi")
# --interface asgi: the apps of asgi_direct.py (not imported here: it sets an environment
# variable for Quart, which the WSGI subprocesses must not inherit).
ASGI_FRAMEWORKS: tuple[str, ...] = ("erlen", "starlette", "falcon", "bare")
ASGI_CASES: tuple[str, ...] = ("hello", "json-params", "route-99", "ws-echo")
ASGI_DEFAULT_CASES: dict[str, tuple[str, ...]] = {"erlen": ("hello", "json-params", "ws-echo")}
# What each asgi_direct builder imports, imported first on its own for the "import" reading.
ASGI_IMPORTS: dict[str, str] = {
    "erlen": "erlen",
    "starlette": "starlette.applications",
    "falcon": "falcon.asgi",
    "bare": "json",
}
DISTRIBUTIONS: dict[str, str | None] = {"bare": None}


# --- the measuring subprocess ---------------------------------------------------------


def rss_kb() -> int:
    """This process's resident set size in KiB, from /proc/self/status."""
    with open("/proc/self/status", encoding="ascii") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    raise BenchError("no VmRSS line in /proc/self/status (Linux only)")


READING_FIELDS: tuple[str, ...] = ("requests", "rss_kb", "objects", "blocks")
# ASGI readings add the number of the event loop's tasks that are not done.
ASGI_READING_FIELDS: tuple[str, ...] = (*READING_FIELDS, "tasks")


class Readings:
    """Readings stored in one preallocated array, so taking one allocates nothing lasting.

    Keeping a dict (or a tuple of ints) per reading would itself add objects and
    memory blocks between the first reading and the last, and show up as growth.
    """

    def __init__(self, capacity: int, fields: tuple[str, ...] = READING_FIELDS) -> None:
        self._fields = fields
        self._values = array("q", bytes(8 * len(fields) * capacity))
        self._count = 0

    def take(self, requests: int, *extra: int) -> None:
        """Collect garbage, then read RSS (before the object list exists), objects, blocks.

        ``extra`` holds the values of the fields after ``READING_FIELDS``, measured by
        the caller (before this collection, so that what it allocated is gone by now).
        """
        gc.collect()
        at = self._count * len(self._fields)
        self._values[at] = requests
        self._values[at + 1] = rss_kb()
        self._values[at + 2] = len(gc.get_objects())
        self._values[at + 3] = sys.getallocatedblocks()
        for i, value in enumerate(extra, at + 4):
            self._values[i] = value
        self._count += 1

    def as_dicts(self) -> list[dict[str, int]]:
        width = len(self._fields)
        return [
            dict(zip(self._fields, self._values[i * width : (i + 1) * width], strict=True))
            for i in range(self._count)
        ]


def serve(app: WSGIApp, environ: Environ, n: int) -> None:
    """``n`` requests: a fresh environ copy each, the body iterated and closed."""
    start_response = noop_start_response
    for _ in range(n):
        body: Iterable[bytes] = app(dict(environ), start_response)
        for _chunk in body:
            pass
        close: Callable[[], None] | None = getattr(body, "close", None)
        if close is not None:
            close()


def child(framework: str, case_name: str, requests: int, long_requests: int) -> dict[str, Any]:
    case = CASE_SPECS[case_name]
    checkpoints = -(-long_requests // requests)  # ceiling division
    readings = Readings(3 + checkpoints)
    readings.take(0)  # start
    module = load_module(framework)
    readings.take(0)  # imported
    if case_name not in module.SUPPORTED:
        raise BenchError(f"{framework} does not implement case {case_name!r}")
    app = build_app(framework, module, case_name)
    readings.take(0)  # built
    environ = prepare(framework, app, case, make_environ(case.path))

    done = 0
    t0 = time.perf_counter()
    while done < long_requests:
        step = min(requests, long_requests - done)
        serve(app, environ, step)
        done += step
        readings.take(done)
    seconds = time.perf_counter() - t0
    # The app still answers correctly after all that.
    prepare(framework, app, case, make_environ(case.path))
    start, imported, built, *after = readings.as_dicts()
    return {
        "framework": framework,
        "case": case_name,
        "start": start,
        "imported": imported,
        "built": built,
        "checkpoints": after,
        "us_per_request": 1e6 * seconds / done,
    }


# --- the measuring subprocess, ASGI ---------------------------------------------------


def pending_tasks() -> int:
    """The event loop's tasks that are not done (the one running this included)."""
    return len(asyncio.all_tasks())


async def serve_asgi(app: Any, scope: dict[str, Any], n: int, expected: bytes) -> None:
    """``n`` requests: ``await app(scope copy, receive, send)``, each answer checked.

    ``receive`` gives the empty body once and then blocks, as a server's does until the
    client goes away (asgi_direct.py's harness)."""
    body_message = {"type": "http.request", "body": b"", "more_body": False}
    sent: list[dict[str, Any]] = []
    append = sent.append

    async def send(message: dict[str, Any]) -> None:
        append(message)

    for i in range(n):
        pending = [body_message]

        async def receive(pending: list[Any] = pending) -> dict[str, Any]:
            if pending:
                return pending.pop()  # type: ignore[no-any-return]
            await asyncio.Event().wait()
            raise AssertionError("unreachable")

        await app(scope.copy(), receive, send)
        if (
            not sent
            or sent[0].get("status") != 200
            or b"".join(m.get("body", b"") for m in sent[1:]) != expected
        ):
            raise BenchError(f"request {i + 1} of a step answered {sent!r:.300}")
        sent.clear()


async def echo_many(inbox: Any, outbox: Any, n: int) -> None:
    """``n`` messages sent in over the WebSocket, each echo checked."""
    put, get = inbox.put_nowait, outbox.get
    for i in range(n):
        put({"type": "websocket.receive", "text": "ping"})
        reply = await get()
        if reply.get("type") != "websocket.send" or reply.get("text") != "ping":
            raise BenchError(f"message {i + 1} of a step was answered {reply!r:.300}")


async def asgi_measure(framework: str, case_name: str, first: int, total: int) -> dict[str, Any]:
    preset = os.environ.get("ERLEN_FLASK_ALIAS")
    # The harness: standard library only, like wsgi_direct (and asyncio, already here).
    import asgi_direct as direct

    # asgi_direct turns erlen's Flask alias off for Quart's sake; erlen runs as shipped.
    if preset is None:
        os.environ.pop("ERLEN_FLASK_ALIAS", None)
    else:
        os.environ["ERLEN_FLASK_ALIAS"] = preset

    checkpoints = -(-total // first)
    readings = Readings(3 + checkpoints, ASGI_READING_FIELDS)
    readings.take(0, pending_tasks())  # start
    importlib.import_module(ASGI_IMPORTS[framework])
    readings.take(0, pending_tasks())  # imported
    app = direct.BUILDERS[framework]()
    readings.take(0, pending_tasks())  # built

    async def check() -> None:
        try:
            await direct.check(framework, app, case_name)
        except RuntimeError as exc:
            raise BenchError(str(exc))

    await check()
    done = 0
    if case_name == "ws-echo":
        socket = direct.Socket(app)
        await socket.open()
        t0 = time.perf_counter()
        while done < total:
            step = min(first, total - done)
            await echo_many(socket.inbox, socket.outbox, step)
            done += step
            readings.take(done, pending_tasks())
        seconds = time.perf_counter() - t0
        # The client goes away: the handler must end, without an error.
        await socket.inbox.put({"type": "websocket.disconnect", "code": 1000})
        assert socket.task is not None
        try:
            await asyncio.wait_for(socket.task, 5)
        except TimeoutError:
            raise BenchError("the WebSocket handler did not end within 5 s of the disconnect")
        except Exception as exc:
            raise BenchError(f"the WebSocket handler ended with {exc!r}")
        if not socket.outbox.empty():
            raise BenchError(f"unexpected messages after the echoes: {socket.outbox.get_nowait()}")
    else:
        scope = direct.http_scope(direct.PATHS[case_name])
        answer = await direct.call_http(app, scope)
        expected = b"".join(m.get("body", b"") for m in answer[1:])
        t0 = time.perf_counter()
        while done < total:
            step = min(first, total - done)
            await serve_asgi(app, scope, step, expected)
            done += step
            readings.take(done, pending_tasks())
        seconds = time.perf_counter() - t0
    # The app still answers correctly after all that.
    await check()
    start, imported, built, *after = readings.as_dicts()
    return {
        "interface": "asgi",
        "framework": framework,
        "case": case_name,
        "unit": "messages" if case_name == "ws-echo" else "requests",
        "start": start,
        "imported": imported,
        "built": built,
        "checkpoints": after,
        "us_per_request": 1e6 * seconds / done,
    }


def asgi_child(framework: str, case_name: str, first: int, total: int) -> dict[str, Any]:
    if framework not in ASGI_FRAMEWORKS or case_name not in ASGI_CASES:
        raise BenchError(f"{framework} does not implement case {case_name!r}")
    return asyncio.run(asgi_measure(framework, case_name, first, total))


# --- the parent: one subprocess per framework and case --------------------------------


def run_child(
    framework: str,
    case: str,
    requests: int,
    long_requests: int,
    timeout: float,
    interface: str = "wsgi",
) -> dict[str, Any]:
    command = [
        sys.executable,
        str(Path(__file__).resolve()),
        "--interface",
        interface,
        "--child",
        framework,
        case,
        "--requests",
        str(requests),
        "--long-requests",
        str(long_requests),
    ]
    try:
        done = subprocess.run(
            command, capture_output=True, text=True, timeout=timeout, check=False, cwd=BENCH_DIR
        )
    except subprocess.TimeoutExpired:
        raise BenchError(f"{framework} / {case}: no result within {timeout:.0f} s")
    if done.returncode != 0:
        raise BenchError(
            f"{framework} / {case}: the subprocess exited with {done.returncode}:\n"
            + (done.stderr.strip() or done.stdout.strip())[-3000:]
        )
    lines = done.stdout.strip().splitlines()
    if not lines:
        raise BenchError(f"{framework} / {case}: the subprocess printed nothing")
    result: dict[str, Any] = json.loads(lines[-1])
    return result


def growth(result: dict[str, Any]) -> dict[str, int] | None:
    """Change from the first checkpoint (--requests) to the last (--long-requests)."""
    checkpoints = result["checkpoints"]
    if len(checkpoints) < 2:
        return None
    first, last = checkpoints[0], checkpoints[-1]
    return {key: last[key] - first[key] for key in READING_FIELDS}


def verdict(result: dict[str, Any], args: argparse.Namespace) -> str:
    change = growth(result)
    if change is None:
        return "not checked"
    reasons = []
    if change["rss_kb"] > args.rss_threshold_kb:
        reasons.append("RSS")
    if change["objects"] > args.objects_threshold:
        reasons.append("objects")
    checkpoints = result["checkpoints"]
    if checkpoints[-1].get("tasks", 0) > checkpoints[0].get("tasks", 0):
        reasons.append("tasks")
    return f"POSSIBLE LEAK ({', '.join(reasons)})" if reasons else "ok"


def count_label(n: int) -> str:
    if n >= 1_000_000 and n % 1_000_000 == 0:
        return f"{n // 1_000_000}M"
    if n >= 1000 and n % 1000 == 0:
        return f"{n // 1000}k"
    return f"{n:,}"


def print_table(results: list[dict[str, Any]], args: argparse.Namespace) -> None:
    first, last = count_label(args.requests), count_label(args.long_requests)
    header = [
        "framework",
        "case",
        "start MB",
        "import MB",
        "app MB",
        f"{first} req MB",
        f"growth {first}->{last} KB",
        "objects growth",
        "blocks growth",
        "us/req",
        "verdict",
    ]
    rows = [header]
    for result in results:
        change = growth(result)
        mb = [f"{result[key]['rss_kb'] / 1024:.1f}" for key in ("start", "imported", "built")] + [
            f"{result['checkpoints'][0]['rss_kb'] / 1024:.1f}"
        ]
        if change is None:
            grown = ["-", "-", "-"]
        else:
            grown = [f"{change[key]:+,d}" for key in ("rss_kb", "objects", "blocks")]
        rows.append(
            [
                result["framework"],
                result["case"],
                *mb,
                *grown,
                f"{result['us_per_request']:.1f}",
                verdict(result, args),
            ]
        )
    widths = [max(len(row[i]) for row in rows) for i in range(len(header))]

    def fmt(row: list[str]) -> str:
        cells = [row[0].ljust(widths[0]), row[1].ljust(widths[1])]
        cells += [v.rjust(w) for v, w in zip(row[2:-1], widths[2:-1], strict=True)]
        cells.append(row[-1])
        return "  ".join(cells).rstrip()

    print(
        f"RSS after gc.collect(), direct WSGI calls in a fresh process per row; "
        f"growth over {first}->{last} requests, rows with a long run only"
    )
    print(fmt(rows[0]))
    print("  ".join("-" * w for w in widths))
    for row in rows[1:]:
        print(fmt(row))
    print()
    print(
        "start: interpreter and harness; import: after importing the framework; app: after "
        "building the app;\n"
        f"{first} req: after {args.requests:,} requests. growth: change from there to "
        f"{args.long_requests:,} requests in RSS (KB),\n"
        "GC-tracked objects (len(gc.get_objects())) and allocated blocks "
        "(sys.getallocatedblocks()).\n"
        f"POSSIBLE LEAK: RSS grew more than {args.rss_threshold_kb} KB or objects by more "
        f"than {args.objects_threshold}. us/req: mean over all requests (not a benchmark)."
    )


def print_asgi_table(results: list[dict[str, Any]], args: argparse.Namespace) -> None:
    """One row per framework and case, with the readings at both ends of the long run."""
    header = [
        "framework",
        "case",
        "first",
        "last",
        "app MB",
        "RSS first MB",
        "RSS last MB",
        "growth KB",
        "objects first",
        "objects last",
        "growth",
        "blocks growth",
        "tasks",
        "us/op",
        "verdict",
    ]
    rows = [header]
    for result in results:
        checkpoints = result["checkpoints"]
        first, last = checkpoints[0], checkpoints[-1]
        change = growth(result)
        unit = "msg" if result["unit"] == "messages" else "req"
        long_run = change is not None
        rows.append(
            [
                result["framework"],
                result["case"],
                f"{count_label(first['requests'])} {unit}",
                f"{count_label(last['requests'])} {unit}" if long_run else "-",
                f"{result['built']['rss_kb'] / 1024:.1f}",
                f"{first['rss_kb'] / 1024:.1f}",
                f"{last['rss_kb'] / 1024:.1f}" if long_run else "-",
                f"{change['rss_kb']:+,d}" if change else "-",
                f"{first['objects']:,}",
                f"{last['objects']:,}" if long_run else "-",
                f"{change['objects']:+,d}" if change else "-",
                f"{change['blocks']:+,d}" if change else "-",
                f"{first['tasks']}->{last['tasks']}" if long_run else f"{first['tasks']}",
                f"{result['us_per_request']:.1f}",
                verdict(result, args),
            ]
        )
    widths = [max(len(row[i]) for row in rows) for i in range(len(header))]

    def fmt(row: list[str]) -> str:
        cells = [row[0].ljust(widths[0]), row[1].ljust(widths[1])]
        cells += [v.rjust(w) for v, w in zip(row[2:-1], widths[2:-1], strict=True)]
        cells.append(row[-1])
        return "  ".join(cells).rstrip()

    print(
        "RSS after gc.collect(), direct ASGI calls (await app(scope, receive, send)) in one "
        "event loop, a fresh process per row"
    )
    print(fmt(rows[0]))
    print("  ".join("-" * w for w in widths))
    for row in rows[1:]:
        print(fmt(row))
    print()
    notes = [
        "first, last: the two readings compared, in requests or in WebSocket messages echoed "
        "over one connection:",
        f"  --requests {args.requests:,} and --long-requests {args.long_requests:,}; "
        f"ws-echo: --messages {args.messages:,} and --long-messages {args.long_messages:,}.",
        "app MB: RSS after building the app. growth KB: RSS change from first to last.",
        "objects: GC-tracked objects (len(gc.get_objects())) at first and at last; growth: "
        "the change.",
        "blocks growth: change in sys.getallocatedblocks(). tasks: the event loop's tasks "
        "not done (the reading one,",
        "  and ws-echo's handler), at first and at last.",
        f"POSSIBLE LEAK: RSS grew by more than {args.rss_threshold_kb} KB, objects by more "
        f"than {args.objects_threshold}, or tasks at all.",
        "us/op: mean time per request or message, every answer checked (not a benchmark).",
    ]
    print("\n".join(notes))


# --- command line ---------------------------------------------------------------------


def parse_list(value: str, allowed: tuple[str, ...], what: str) -> list[str]:
    items = [item.strip() for item in value.split(",") if item.strip()]
    unknown = [item for item in items if item not in allowed]
    if unknown:
        raise argparse.ArgumentTypeError(
            f"unknown {what}: {', '.join(unknown)} (choose from {', '.join(allowed)})"
        )
    return items


def parse_long(value: str, allowed: tuple[str, ...] = FRAMEWORKS) -> list[str]:
    if value == "all":
        return list(allowed)
    if value == "none":
        return []
    return parse_list(value, allowed, "framework")


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--interface",
        choices=INTERFACES,
        default="wsgi",
        help="wsgi: direct WSGI calls (erlen, falcon, flask, bottle); asgi: direct ASGI "
        "calls (erlen, starlette, falcon, bare) in one event loop (wsgi)",
    )
    parser.add_argument(
        "--frameworks",
        help="comma-separated; wsgi: erlen, falcon, flask, bottle; asgi: erlen, starlette, "
        "falcon, bare (default: all)",
    )
    parser.add_argument(
        "--cases",
        help="comma-separated cases for every framework (default: hello, and for erlen "
        "json-params too, and over ASGI ws-echo too); a case a framework does not "
        "implement is skipped",
    )
    parser.add_argument(
        "--long",
        default="erlen",
        help="frameworks that go on to --long-requests: comma-separated, 'all' or 'none' "
        "(default: erlen)",
    )
    parser.add_argument(
        "--requests", type=int, default=100_000, help="requests before the first reading (100000)"
    )
    parser.add_argument(
        "--long-requests",
        type=int,
        default=1_000_000,
        help="total requests of a long run (1000000)",
    )
    parser.add_argument(
        "--messages",
        type=int,
        default=10_000,
        help="ASGI ws-echo: messages before the first reading (10000)",
    )
    parser.add_argument(
        "--long-messages",
        type=int,
        default=100_000,
        help="ASGI ws-echo: total messages of a long run (100000)",
    )
    parser.add_argument(
        "--rss-threshold-kb", type=int, default=256, help="RSS growth flagged as a leak (256)"
    )
    parser.add_argument(
        "--objects-threshold", type=int, default=1000, help="object growth flagged (1000)"
    )
    parser.add_argument(
        "--timeout", type=float, default=1800.0, help="seconds allowed per subprocess (1800)"
    )
    parser.add_argument("--json", action="store_true", help="print every reading as JSON")
    parser.add_argument("--child", nargs=2, metavar=("FRAMEWORK", "CASE"), help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    asgi = args.interface == "asgi"
    frameworks = ASGI_FRAMEWORKS if asgi else FRAMEWORKS
    try:
        args.frameworks = (
            parse_list(args.frameworks, frameworks, "framework")
            if args.frameworks is not None
            else list(frameworks)
        )
        if args.cases is not None:
            args.cases = parse_list(args.cases, ASGI_CASES if asgi else CASES, "case")
        args.long = parse_long(args.long, frameworks)
    except argparse.ArgumentTypeError as exc:
        parser.error(str(exc))
    if args.requests < 1 or args.messages < 1:
        parser.error("--requests and --messages must be at least 1")
    if args.long_requests < args.requests:
        parser.error("--long-requests must be at least --requests")
    if args.long_messages < args.messages:
        parser.error("--long-messages must be at least --messages")
    return args


def version_of(distribution: str) -> str | None:
    try:
        return metadata.version(distribution)
    except metadata.PackageNotFoundError:
        return None


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    asgi = args.interface == "asgi"
    if args.child:
        framework, case = args.child
        measure = asgi_child if asgi else child
        try:
            result = measure(framework, case, args.requests, args.long_requests)
        except BenchError as exc:
            print(exc, file=sys.stderr)
            return 1
        print(json.dumps(result))
        return 0

    jobs: list[tuple[str, str]] = []
    skipped: list[str] = []
    default_cases = ASGI_DEFAULT_CASES if asgi else DEFAULT_CASES
    for framework in args.frameworks:
        cases = args.cases or list(default_cases.get(framework, DEFAULT_CASE))
        for case in cases:
            # Knowing what a framework supports would mean importing it here; ask the
            # subprocess instead, and treat "does not implement" as a skip.
            jobs.append((framework, case))

    # Installed packages come with compiled bytecode; erlen runs from the source tree.
    # Compile it first, as any deployment would, so that no framework pays for
    # compiling its modules inside the measured process (this matters when
    # PYTHONDONTWRITEBYTECODE is set and no __pycache__ is ever written).
    compileall.compile_dir(str(SRC_DIR), quiet=1)

    results: list[dict[str, Any]] = []
    failures: list[str] = []
    started = time.monotonic()
    for index, (framework, case) in enumerate(jobs, 1):
        if asgi and case == "ws-echo":
            first, last, unit = args.messages, args.long_messages, "messages"
        else:
            first, last, unit = args.requests, args.long_requests, "requests"
        long_requests = last if framework in args.long else first
        label = f"[{index}/{len(jobs)}] {framework} / {case}, {long_requests:,} {unit}"
        print(f"{label} ...", file=sys.stderr, flush=True)
        t0 = time.monotonic()
        try:
            result = run_child(framework, case, first, long_requests, args.timeout, args.interface)
        except BenchError as exc:
            if "does not implement case" in str(exc):
                skipped.append(f"{framework} / {case}")
                print(f"{label}: skipped (not implemented)", file=sys.stderr)
                continue
            failures.append(str(exc))
            print(f"{label}: FAILED\n{exc}", file=sys.stderr)
            continue
        results.append(result)
        print(f"{label}: done in {time.monotonic() - t0:.0f} s", file=sys.stderr)
    print(f"done in {time.monotonic() - started:.0f} s", file=sys.stderr)

    versions = {"python": platform.python_version()}
    for name in args.frameworks:
        distribution = DISTRIBUTIONS.get(name, name)
        if distribution is not None:
            versions[distribution] = version_of(distribution) or "?"
    if args.json:
        report = {
            "settings": {
                "interface": args.interface,
                "requests": args.requests,
                "long_requests": args.long_requests,
                "messages": args.messages,
                "long_messages": args.long_messages,
                "long": args.long,
                "rss_threshold_kb": args.rss_threshold_kb,
                "objects_threshold": args.objects_threshold,
            },
            "versions": versions,
            "results": [{**r, "growth": growth(r), "verdict": verdict(r, args)} for r in results],
            "skipped": skipped,
            "failures": failures,
        }
        print(json.dumps(report, indent=2))
    else:
        print(", ".join(f"{name} {version}" for name, version in versions.items()))
        (print_asgi_table if asgi else print_table)(results, args)
        for item in skipped:
            print(f"skipped: {item} (not implemented)")
        for failure in failures:
            print(f"failed: {failure.splitlines()[0]}")
    leaks = [r for r in results if verdict(r, args).startswith("POSSIBLE LEAK")]
    return 1 if failures or leaks else 0


if __name__ == "__main__":
    try:
        sys.exit(main())
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        sys.exit(130)
