"""Call each framework's WSGI app directly, in one process, and compare per-request cost.

No server and no sockets: every iteration copies a prepared environ, calls the app,
joins the body and closes the iterable (as a WSGI server would). Frameworks are
interleaved: each round runs every framework once, rotating the order, and the
reported figure is the median over rounds of microseconds per request.

    .venv/bin/python bench/wsgi_direct.py [--cases hello,route-99] [--frameworks erlen,flask]
                                          [--rounds 7] [--seconds 0.2] [--json]
"""

from __future__ import annotations

import argparse
import gc
import importlib
import json
import platform
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

from apps import CASES, ROUTE_COUNT, Environ, WSGIApp  # noqa: E402

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
class Case:
    name: str
    path: str
    status: str
    content_type_prefix: str
    check_body: Callable[[bytes], bool]
    expected: str


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


LAST_ROUTE = ROUTE_COUNT - 1
CASE_SPECS: dict[str, Case] = {
    "hello": Case(
        name="hello",
        path="/",
        status="200",
        content_type_prefix="text/",
        check_body=_bytes_equal(b"Hello, World!"),
        expected="b'Hello, World!'",
    ),
    "json-params": Case(
        name="json-params",
        path="/users/42/posts/7",
        status="200",
        content_type_prefix="application/json",
        check_body=_json_equals({"user": 42, "post": 7}),
        expected='JSON {"user": 42, "post": 7}',
    ),
    "route-99": Case(
        name="route-99",
        path=f"/route{LAST_ROUTE}/abc",
        status="200",
        content_type_prefix="text/",
        check_body=_bytes_equal(f"route{LAST_ROUTE}:abc".encode()),
        expected=repr(f"route{LAST_ROUTE}:abc".encode()),
    ),
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
    return importlib.import_module(f"apps.{framework}_app")


def build_app(framework: str, module: ModuleType, case: str) -> WSGIApp:
    try:
        app: WSGIApp = module.make(case)
    except Exception as exc:
        raise BenchError(f"{framework}: building the {case!r} app failed: {exc!r}") from exc
    return app


def verify(framework: str, app: WSGIApp, case: Case, environ: Environ) -> None:
    """Make one request and check status, content type and body; raise BenchError if wrong."""
    seen: dict[str, Any] = {}

    def start_response(
        status: str, headers: list[tuple[str, str]], exc_info: Any = None
    ) -> Callable[[bytes], None]:
        seen["status"] = status
        seen["headers"] = headers
        return _write

    where = f"{framework} / {case.name} (GET {case.path})"
    try:
        result: Iterable[bytes] = app(dict(environ), start_response)
        body = b"".join(result)
        close = getattr(result, "close", None)
        if close is not None:
            close()
    except Exception as exc:
        raise BenchError(f"{where}: the app raised {exc!r}") from exc

    status = seen.get("status")
    headers: list[tuple[str, str]] = seen.get("headers") or []
    content_type = next((v for k, v in headers if k.lower() == "content-type"), "")
    content_length = next((v for k, v in headers if k.lower() == "content-length"), None)
    problems = []
    if not isinstance(status, str) or not status.startswith(case.status):
        problems.append(f"status {status!r}, expected {case.status}")
    if not content_type.startswith(case.content_type_prefix):
        problems.append(f"content type {content_type!r}, expected {case.content_type_prefix}...")
    if not case.check_body(body):
        problems.append(f"body {body[:200]!r}, expected {case.expected}")
    if content_length is not None and content_length != str(len(body)):
        problems.append(f"Content-Length {content_length!r} but body is {len(body)} bytes")
    if problems:
        raise BenchError(f"{where}: wrong response: " + "; ".join(problems))


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


def print_table(
    frameworks: list[str],
    results: dict[str, dict[str, Timing]],
    overhead: Timing,
    skipped: dict[str, str],
    rounds: int,
) -> None:
    ratio_pairs = [(a, b) for a, b in RATIOS if a in frameworks and b in frameworks]
    headers = ["case", *frameworks, *(f"{a}/{b}" for a, b in ratio_pairs)]
    rows: list[list[str]] = []
    for case, per_fw in results.items():
        row = [case]
        for fw in frameworks:
            row.append(f"{per_fw[fw].median_us:.2f}" if fw in per_fw else "n/a")
        for a, b in ratio_pairs:
            value = ratio(per_fw, a, b)
            row.append(f"{value:.2f}x" if value is not None else "n/a")
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
    for fw in frameworks:
        try:
            modules[fw] = load_module(fw)
        except Exception as exc:
            if fw != "erlen":
                raise
            skipped[fw] = f"import failed: {type(exc).__name__}: {exc}"
            progress(f"*** erlen could not be imported ({type(exc).__name__}: {exc})")
            progress("*** benchmarking the other frameworks anyway")

    if not modules:
        print("FAILED: nothing left to benchmark", file=sys.stderr)
        return 1

    environs = {case: make_environ(CASE_SPECS[case].path) for case in cases}
    apps: dict[str, dict[str, WSGIApp]] = {case: {} for case in cases}
    # Build and verify everything before timing anything, so a wrong app fails fast.
    try:
        for case in cases:
            for fw, module in modules.items():
                app = build_app(fw, module, case)
                verify(fw, app, CASE_SPECS[case], environs[case])
                apps[case][fw] = app
    except BenchError as exc:
        print(f"FAILED: {exc}", file=sys.stderr)
        return 1

    results: dict[str, dict[str, Timing]] = {}
    for case in cases:
        progress(f"timing {case} ...")
        runners: dict[str, Runner] = {
            fw: partial(run_app, app, environs[case]) for fw, app in apps[case].items()
        }
        results[case] = interleave(runners, args.rounds, args.seconds)
    progress("timing overhead ...")
    overhead_runner: Runner = partial(run_overhead, environs[cases[0]])
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
        print_table(frameworks, results, overhead, skipped, args.rounds)
    return 0


if __name__ == "__main__":
    sys.exit(main())
