"""Call each framework's WSGI app directly, in one process, and compare per-request cost.

No server and no sockets: every iteration copies a prepared environ, calls the app,
joins the body and closes the iterable (as a WSGI server would). A case that needs
a cookie or a validator gets it from one untimed request to the same app, and every
timed request sends it back. Cases a framework does not implement are skipped for
it. Frameworks are interleaved: each round runs every framework once, rotating the
order, and the reported figure is the median over rounds of microseconds per request.

    .venv/bin/python bench/wsgi_direct.py [--cases hello,route-99] [--frameworks erlen,flask]
                                          [--rounds 7] [--seconds 0.2] [--json]
"""

from __future__ import annotations

import argparse
import gc
import html
import importlib
import json
import os
import platform
import re
import statistics
import sys
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from functools import partial
from importlib import metadata
from pathlib import Path
from types import ModuleType
from typing import Any
from wsgiref.util import setup_testing_defaults

BENCH_DIR = Path(__file__).resolve().parent
SRC_DIR = BENCH_DIR.parent / "src"
# bench/ is sys.path[0] when run as a script (for the `apps` package); put the working
# tree's src/ right after it so an uninstalled checkout of erlen is benchmarked too.
if str(SRC_DIR) not in sys.path:
    sys.path.insert(1, str(SRC_DIR))
# Flask is measured beside erlen in this process: `import flask` must stay Flask's.
os.environ["ERLEN_FLASK_ALIAS"] = "0"

from apps import (  # noqa: E402
    CASES,
    PAGE_TITLE,
    ROUTE_COUNT,
    ROW_COUNT,
    STATIC_DIR,
    STATIC_FILE,
    STATIC_SIZE,
    Environ,
    WSGIApp,
    make_rows,
    static_content,
)

FRAMEWORKS: tuple[str, ...] = ("bare", "erlen", "flask", "falcon", "bottle")
DISTRIBUTIONS: dict[str, str] = {
    "erlen": "erlen",
    "flask": "flask",
    "falcon": "falcon",
    "bottle": "bottle",
}
RATIOS: tuple[tuple[str, str], ...] = (("flask", "erlen"), ("falcon", "erlen"))

# Calibration: grow the iteration count until one run lasts at least this long.
CALIBRATION_MIN_SECONDS = 0.05


class BenchError(Exception):
    """A framework could not be built or answered a request wrongly."""


@dataclass(frozen=True)
class Response:
    status: str
    headers: list[tuple[str, str]]
    body: bytes

    def header_values(self, name: str) -> list[str]:
        name = name.lower()
        return [value for key, value in self.headers if key.lower() == name]

    def header(self, name: str) -> str | None:
        values = self.header_values(name)
        return values[0] if values else None


@dataclass(frozen=True)
class Expect:
    """What a response must look like."""

    status: str
    # None: not checked (a 304 has no body to describe).
    content_type_prefix: str | None
    check_body: Callable[[bytes], bool]
    expected: str
    required_headers: tuple[str, ...] = ()


@dataclass(frozen=True)
class Prime:
    """A first request, untimed, whose response supplies headers for the timed requests.

    ``follow_up`` returns the environ keys to add (e.g. ``HTTP_COOKIE``); it raises
    ``ValueError`` if the response lacks what it needs.
    """

    expect: Expect
    follow_up: Callable[[Response], Environ]


@dataclass(frozen=True)
class Case:
    name: str
    path: str
    expect: Expect
    prime: Prime | None = None


def _json_equals(expected: dict[str, int]) -> Callable[[bytes], bool]:
    def check(body: bytes) -> bool:
        try:
            return bool(json.loads(body) == expected)
        except ValueError:
            return False

    return check


def _bytes_equal(expected: bytes) -> Callable[[bytes], bool]:
    def check(body: bytes) -> bool:
        return body == expected

    return check


def _text(body: str) -> Expect:
    return Expect("200", "text/", _bytes_equal(body.encode()), repr(body.encode()))


TABLE_ROW = re.compile(rb"<tr><td>([^<]*)</td><td>([^<]*)</td></tr>")


def _page_check() -> Callable[[bytes], bool]:
    rows = [(str(row.id).encode(), html.escape(row.name).encode()) for row in make_rows()]
    title = f"<title>{html.escape(PAGE_TITLE)}</title>".encode()

    def check(body: bytes) -> bool:
        return title in body and TABLE_ROW.findall(body) == rows

    return check


def _send_cookies_back(response: Response) -> Environ:
    """What a browser sends next: the name=value part of every Set-Cookie."""
    cookies = [value.split(";", 1)[0].strip() for value in response.header_values("set-cookie")]
    if not cookies:
        raise ValueError("no Set-Cookie header")
    return {"HTTP_COOKIE": "; ".join(cookies)}


def _revalidate(response: Response) -> Environ:
    """A conditional request with the validator the framework sent: ETag, else Last-Modified."""
    etag = response.header("etag")
    if etag is not None:
        return {"HTTP_IF_NONE_MATCH": etag}
    last_modified = response.header("last-modified")
    if last_modified is not None:
        return {"HTTP_IF_MODIFIED_SINCE": last_modified}
    raise ValueError("neither ETag nor Last-Modified to revalidate with")


LAST_ROUTE = ROUTE_COUNT - 1
STATIC_PATH = f"/static/{STATIC_FILE}"
STATIC_200 = Expect(
    status="200",
    content_type_prefix="application/octet-stream",
    check_body=_bytes_equal(static_content()),
    expected=f"the {STATIC_SIZE} bytes of bench/static/{STATIC_FILE}",
)
CASE_SPECS: dict[str, Case] = {
    "hello": Case("hello", "/", _text("Hello, World!")),
    "json-params": Case(
        "json-params",
        "/users/42/posts/7",
        Expect(
            status="200",
            content_type_prefix="application/json",
            check_body=_json_equals({"user": 42, "post": 7}),
            expected='JSON {"user": 42, "post": 7}',
        ),
    ),
    "route-99": Case("route-99", f"/route{LAST_ROUTE}/abc", _text(f"route{LAST_ROUTE}:abc")),
    "template": Case(
        "template",
        "/page",
        Expect(
            status="200",
            content_type_prefix="text/html",
            check_body=_page_check(),
            expected=(
                f"<title>{html.escape(PAGE_TITLE)}</title> and {ROW_COUNT} rows "
                "<tr><td>1</td><td>Row 1</td></tr> ..."
            ),
        ),
    ),
    "session": Case(
        "session",
        "/count",
        # The timed request sends the cookie from the first one: n=1 is read, 2 written.
        Expect(
            status="200",
            content_type_prefix="text/",
            check_body=_bytes_equal(b"2"),
            expected="b'2' (the counter read from the cookie, plus one)",
            required_headers=("Set-Cookie",),
        ),
        prime=Prime(
            Expect(
                status="200",
                content_type_prefix="text/",
                check_body=_bytes_equal(b"1"),
                expected="b'1' (no cookie yet)",
                required_headers=("Set-Cookie",),
            ),
            follow_up=_send_cookies_back,
        ),
    ),
    "static": Case("static", STATIC_PATH, STATIC_200),
    "static-304": Case(
        "static-304",
        STATIC_PATH,
        Expect(
            status="304",
            content_type_prefix=None,
            check_body=_bytes_equal(b""),
            expected="an empty body",
        ),
        prime=Prime(STATIC_200, follow_up=_revalidate),
    ),
    "blueprint": Case("blueprint", "/api/v1/items/7", _text("item 7")),
}
assert tuple(CASE_SPECS) == CASES


def make_environ(path: str) -> Environ:
    environ: Environ = {
        "REQUEST_METHOD": "GET",
        "SCRIPT_NAME": "",
        "PATH_INFO": path,
        "QUERY_STRING": "",
    }
    setup_testing_defaults(environ)
    return environ


def _write(data: bytes) -> None:
    pass


def noop_start_response(
    status: str, headers: list[tuple[str, str]], exc_info: Any = None
) -> Callable[[bytes], None]:
    return _write


# --- timed loops --------------------------------------------------------------------
# Both loops do identical per-iteration bookkeeping; run_app adds only the app call,
# the body join and the close().


def run_app(app: WSGIApp, environ: Environ, n: int) -> float:
    copy = dict
    start_response = noop_start_response
    join = b"".join
    t0 = time.perf_counter()
    for _ in range(n):
        result = app(copy(environ), start_response)
        join(result)
        close = getattr(result, "close", None)
        if close is not None:
            close()
    return time.perf_counter() - t0


def run_overhead(environ: Environ, n: int) -> float:
    copy = dict
    start_response = noop_start_response
    t0 = time.perf_counter()
    for _ in range(n):
        copy(environ)
        start_response("200 OK", [])
    return time.perf_counter() - t0


Runner = Callable[[int], float]


def calibrate(runner: Runner, seconds: float) -> int:
    """Iterations needed for one timed run to last about ``seconds``."""
    n = 1
    while True:
        elapsed = runner(n)
        if elapsed >= CALIBRATION_MIN_SECONDS:
            break
        n *= 10 if elapsed < CALIBRATION_MIN_SECONDS / 10 else 2
    # The search above doubles as warm-up (first requests are often slower: lazy
    # router compilation, cold caches); time once more to size the real runs.
    elapsed = runner(n)
    return max(1, round(n * seconds / elapsed))


@dataclass
class Timing:
    iterations: int
    rounds_us: list[float]

    @property
    def median_us(self) -> float:
        return statistics.median(self.rounds_us)

    def as_dict(self) -> dict[str, Any]:
        return {
            "median_us": self.median_us,
            "min_us": min(self.rounds_us),
            "max_us": max(self.rounds_us),
            "iterations": self.iterations,
            "rounds_us": self.rounds_us,
        }


def interleave(runners: dict[str, Runner], rounds: int, seconds: float) -> dict[str, Timing]:
    """Time every runner once per round, rotating the order each round."""
    names = list(runners)
    timings = {name: Timing(calibrate(runners[name], seconds), []) for name in names}
    for rnd in range(rounds):
        shift = rnd % len(names)
        for name in names[shift:] + names[:shift]:
            gc.collect()
            timing = timings[name]
            elapsed = runners[name](timing.iterations)
            timing.rounds_us.append(elapsed / timing.iterations * 1e6)
    return timings


# --- building and verifying apps ----------------------------------------------------


def load_module(framework: str) -> ModuleType:
    module = importlib.import_module(f"apps.{framework}_app")
    if framework == "flask" and "erlen" in type(module.make("hello")).__module__:
        raise BenchError("flask: 'import flask' gave erlen (its Flask alias is on)")
    supported = getattr(module, "SUPPORTED", None)
    if not isinstance(supported, tuple) or not set(supported) <= set(CASES):
        raise BenchError(f"{framework}: apps/{framework}_app.py needs SUPPORTED, a tuple of cases")
    return module


def supports(module: ModuleType, case: str) -> bool:
    return case in module.SUPPORTED


def check_fixtures(cases: list[str]) -> None:
    """The static file is committed; make sure it is the one the checks expect."""
    if not {"static", "static-304"} & set(cases):
        return
    path = Path(STATIC_DIR, STATIC_FILE)
    try:
        intact = path.read_bytes() == static_content()
    except OSError:
        intact = False
    if not intact:
        raise BenchError(f"{path} is missing or changed; bench/README.md says how to recreate it")


def build_app(framework: str, module: ModuleType, case: str) -> WSGIApp:
    try:
        app: WSGIApp = module.make(case)
    except Exception as exc:
        raise BenchError(f"{framework}: building the {case!r} app failed: {exc!r}") from exc
    return app


def call(app: WSGIApp, environ: Environ) -> Response:
    """One request, consumed the way run_app does it, keeping what the app sent."""
    seen: dict[str, Any] = {}

    def start_response(
        status: str, headers: list[tuple[str, str]], exc_info: Any = None
    ) -> Callable[[bytes], None]:
        seen["status"] = status
        seen["headers"] = headers
        return _write

    result: Iterable[bytes] = app(dict(environ), start_response)
    body = b"".join(result)
    close = getattr(result, "close", None)
    if close is not None:
        close()
    return Response(seen.get("status", ""), list(seen.get("headers") or []), body)


def problems_with(response: Response, expect: Expect) -> list[str]:
    problems = []
    if not response.status.startswith(expect.status):
        problems.append(f"status {response.status!r}, expected {expect.status}")
    content_type = response.header("content-type") or ""
    prefix = expect.content_type_prefix
    if prefix is not None and not content_type.startswith(prefix):
        problems.append(f"content type {content_type!r}, expected {prefix}...")
    if not expect.check_body(response.body):
        problems.append(f"body {response.body[:200]!r}, expected {expect.expected}")
    # A 304 may carry the Content-Length of the representation it stands for.
    content_length = response.header("content-length")
    if (
        content_length is not None
        and not response.status.startswith("304")
        and content_length != str(len(response.body))
    ):
        problems.append(f"Content-Length {content_length!r} but body is {len(response.body)} bytes")
    problems += [
        f"no {name} header" for name in expect.required_headers if response.header(name) is None
    ]
    return problems


def prepare(framework: str, app: WSGIApp, case: Case, environ: Environ) -> Environ:
    """Return the environ to time ``app`` with, checking every response on the way.

    A case with a ``prime`` makes its first request with ``environ`` and adds the
    headers taken from that framework's own response. The request that will be timed
    is then made once and checked; a wrong answer raises BenchError.
    """
    where = f"{framework} / {case.name} (GET {case.path})"
    if case.prime is not None:
        try:
            first = call(app, environ)
        except Exception as exc:
            raise BenchError(f"{where}, first request: the app raised {exc!r}") from exc
        problems = problems_with(first, case.prime.expect)
        if problems:
            raise BenchError(f"{where}, first request: wrong response: " + "; ".join(problems))
        try:
            environ = {**environ, **case.prime.follow_up(first)}
        except ValueError as exc:
            raise BenchError(f"{where}, first request: {exc}") from exc
    try:
        response = call(app, environ)
    except Exception as exc:
        raise BenchError(f"{where}: the app raised {exc!r}") from exc
    problems = problems_with(response, case.expect)
    if problems:
        raise BenchError(f"{where}: wrong response: " + "; ".join(problems))
    return environ


# --- reporting ----------------------------------------------------------------------


def version_of(framework: str) -> str | None:
    dist = DISTRIBUTIONS.get(framework)
    if dist is None:
        return None
    try:
        return metadata.version(dist)
    except metadata.PackageNotFoundError:
        module = sys.modules.get(dist)
        return getattr(module, "__version__", None) if module else None


def ratio(results: dict[str, Timing], num: str, den: str) -> float | None:
    if num in results and den in results:
        return results[num].median_us / results[den].median_us
    return None


MISSING = "-"


def header_name(environ_key: str) -> str:
    """HTTP_IF_NONE_MATCH -> If-None-Match."""
    return environ_key.removeprefix("HTTP_").replace("_", "-").title()


def primed_notes(added: dict[str, dict[str, Environ]]) -> list[str]:
    """One line per primed case: the request headers each framework is timed with."""
    notes = []
    for case, per_fw in added.items():
        by_headers: dict[str, list[str]] = {}
        for fw, extra in per_fw.items():
            names = ", ".join(header_name(key) for key in extra)
            by_headers.setdefault(names, []).append(fw)
        carried = "; ".join(f"{names} ({', '.join(fws)})" for names, fws in by_headers.items())
        notes.append(f"{case}: timed requests send {carried}, from the framework's first response")
    return notes


def print_table(
    frameworks: list[str],
    results: dict[str, dict[str, Timing]],
    overhead: Timing,
    skipped: dict[str, str],
    not_implemented: dict[str, list[str]],
    added: dict[str, dict[str, Environ]],
    rounds: int,
) -> None:
    ratio_pairs = [(a, b) for a, b in RATIOS if a in frameworks and b in frameworks]
    headers = ["case", *frameworks, *(f"{a}/{b}" for a, b in ratio_pairs)]
    rows: list[list[str]] = []
    for case, per_fw in results.items():
        row = [case]
        for fw in frameworks:
            row.append(f"{per_fw[fw].median_us:.2f}" if fw in per_fw else MISSING)
        for a, b in ratio_pairs:
            value = ratio(per_fw, a, b)
            row.append(f"{value:.2f}x" if value is not None else MISSING)
        rows.append(row)
    overhead_row = ["overhead", f"{overhead.median_us:.2f}"]
    overhead_row += [""] * (len(headers) - len(overhead_row))
    rows.append(overhead_row)

    widths = [max(len(r[i]) for r in [headers, *rows]) for i in range(len(headers))]

    def fmt(row: list[str]) -> str:
        cells = [row[0].ljust(widths[0])]
        cells += [cell.rjust(width) for cell, width in zip(row[1:], widths[1:], strict=True)]
        return "  ".join(cells).rstrip()

    print(f"microseconds per request, median of {rounds} rounds (lower is better)")
    print(fmt(headers))
    print(fmt(["-" * w for w in widths]))
    for row in rows[:-1]:
        print(fmt(row))
    print(fmt(["-" * w for w in widths]))
    print(fmt(rows[-1]))
    print("overhead = dict(environ) + no-op start_response per request; included in every cell")
    if any(not_implemented.values()):
        print(f"{MISSING} = case not implemented for that framework (see bench/README.md)")
    for note in primed_notes(added):
        print(note)
    for fw, reason in skipped.items():
        print(f"{fw}: not benchmarked ({reason})")


# --- main ---------------------------------------------------------------------------


def parse_list(value: str, allowed: tuple[str, ...], what: str) -> list[str]:
    items = [item.strip() for item in value.split(",") if item.strip()]
    unknown = [item for item in items if item not in allowed]
    if unknown or not items:
        raise argparse.ArgumentTypeError(
            f"unknown {what}: {', '.join(unknown) or '(none given)'}; "
            f"choose from {', '.join(allowed)}"
        )
    # Keep the canonical order so tables always line up the same way.
    return [item for item in allowed if item in items]


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--cases",
        type=lambda v: parse_list(v, CASES, "case"),
        default=list(CASES),
        help=f"comma-separated subset of {','.join(CASES)}",
    )
    parser.add_argument(
        "--frameworks",
        type=lambda v: parse_list(v, FRAMEWORKS, "framework"),
        default=list(FRAMEWORKS),
        help=f"comma-separated subset of {','.join(FRAMEWORKS)}",
    )
    parser.add_argument("--rounds", type=int, default=7, help="rounds per case (default 7)")
    parser.add_argument(
        "--seconds",
        type=float,
        default=0.2,
        help="seconds per framework per round (default 0.2)",
    )
    parser.add_argument("--json", action="store_true", help="print machine-readable JSON")
    args = parser.parse_args(argv)
    if args.rounds < 1:
        parser.error("--rounds must be at least 1")
    if args.seconds <= 0:
        parser.error("--seconds must be positive")
    return args


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    cases: list[str] = args.cases
    frameworks: list[str] = args.frameworks

    def progress(message: str) -> None:
        print(message, file=sys.stderr, flush=True)

    modules: dict[str, ModuleType] = {}
    skipped: dict[str, str] = {}
    try:
        for fw in frameworks:
            try:
                modules[fw] = load_module(fw)
            except BenchError:
                raise
            except Exception as exc:
                if fw != "erlen":
                    raise
                skipped[fw] = f"import failed: {type(exc).__name__}: {exc}"
                progress(f"*** erlen could not be imported ({type(exc).__name__}: {exc})")
                progress("*** benchmarking the other frameworks anyway")
        check_fixtures(cases)
    except BenchError as exc:
        print(f"FAILED: {exc}", file=sys.stderr)
        return 1

    if not modules:
        print("FAILED: nothing left to benchmark", file=sys.stderr)
        return 1

    # Per case and framework: the app, the environ it is timed with, and what that
    # environ adds to the plain request (cookies, validators).
    apps: dict[str, dict[str, WSGIApp]] = {case: {} for case in cases}
    environs: dict[str, dict[str, Environ]] = {case: {} for case in cases}
    added: dict[str, dict[str, Environ]] = {}
    # Build and verify everything before timing anything, so a wrong app fails fast.
    try:
        for case in cases:
            spec = CASE_SPECS[case]
            base = make_environ(spec.path)
            for fw, module in modules.items():
                if not supports(module, case):
                    continue
                app = build_app(fw, module, case)
                environ = prepare(fw, app, spec, base)
                apps[case][fw] = app
                environs[case][fw] = environ
                extra = {k: v for k, v in environ.items() if k not in base or base[k] != v}
                if extra:
                    added.setdefault(case, {})[fw] = extra
    except BenchError as exc:
        print(f"FAILED: {exc}", file=sys.stderr)
        return 1

    not_implemented = {
        case: [fw for fw, module in modules.items() if not supports(module, case)] for case in cases
    }
    results: dict[str, dict[str, Timing]] = {}
    for case in cases:
        runners: dict[str, Runner] = {
            fw: partial(run_app, app, environs[case][fw]) for fw, app in apps[case].items()
        }
        if runners:
            progress(f"timing {case} ...")
            results[case] = interleave(runners, args.rounds, args.seconds)
        else:
            progress(f"skipping {case}: none of the selected frameworks implements it")
            results[case] = {}
    progress("timing overhead ...")
    overhead_runner: Runner = partial(run_overhead, make_environ(CASE_SPECS[cases[0]].path))
    overhead = interleave({"overhead": overhead_runner}, args.rounds, args.seconds)["overhead"]

    if args.json:
        report = {
            "python": platform.python_version(),
            "implementation": platform.python_implementation(),
            "versions": {fw: version_of(fw) for fw in modules},
            "rounds": args.rounds,
            "seconds": args.seconds,
            "frameworks": frameworks,
            "skipped": skipped,
            "not_implemented": not_implemented,
            "added_request_headers": {
                case: {
                    fw: {header_name(key): value for key, value in extra.items()}
                    for fw, extra in per_fw.items()
                }
                for case, per_fw in added.items()
            },
            "overhead": overhead.as_dict(),
            "results": {
                case: {fw: timing.as_dict() for fw, timing in per_fw.items()}
                for case, per_fw in results.items()
            },
            "ratios": {
                case: {f"{a}/{b}": ratio(per_fw, a, b) for a, b in RATIOS}
                for case, per_fw in results.items()
            },
        }
        json.dump(report, sys.stdout, indent=2)
        print()
    else:
        versions = ", ".join(
            f"{fw} {version_of(fw) or '?'}" for fw in modules if fw in DISTRIBUTIONS
        )
        print(f"{platform.python_implementation()} {platform.python_version()}; {versions}")
        print_table(frameworks, results, overhead, skipped, not_implemented, added, args.rounds)
    return 0


if __name__ == "__main__":
    sys.exit(main())
