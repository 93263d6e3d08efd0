"""Fuzz the whole WSGI call of a realistic erlen app for many cases.

Runs the Hypothesis strategies of ``tests/fuzz_app.py`` (the profiles that
``tests/test_fuzz.py`` runs, about half of the cases drawing every part of the
environ freely) with generation only: no shrinking, no example database. Each case
is one environ sent through ``wsgiref.validate.validator`` to the app built by
``fuzz_app.create_app()`` (a quarter of them to the same app with ``TRUSTED_HOSTS``
set), and checked by ``fuzz_app.call_and_check``. Each distinct problem's smallest
request is then made smaller still (``fuzz_app.minimize``) while it shows the
problem.

Prints progress, the split of status codes, the number of 5xx answers other than the
deliberate one from ``/boom``, the number of exceptions that escaped the app, and one
sample request (the smallest seen) for each distinct problem. Exits with 1 if any
problem was found, 0 otherwise.

    .venv/bin/python bench/fuzz.py                      # 100,000 cases
    .venv/bin/python bench/fuzz.py --cases 20000 --seed 7
    .venv/bin/python bench/fuzz.py --jobs 1 --framework flask

The same ``--seed``, ``--cases`` and ``--batch`` draw the same requests, whatever
``--jobs`` is.
"""

from __future__ import annotations

import argparse
import collections
import multiprocessing
import os
import sys
import time
import traceback
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

# --framework flask must fuzz the real Flask, which erlen's alias would replace.
os.environ["ERLEN_FLASK_ALIAS"] = "0"

ROOT = Path(__file__).resolve().parent.parent
TESTS_DIR = ROOT / "tests"
SRC_DIR = ROOT / "src"

#: The share of cases sent to the app with TRUSTED_HOSTS set.
TRUSTED_SHARE = 4  # one in four
TRUSTED_HOSTS = ["localhost", ".example.com", "127.0.0.1"]
PLAIN, TRUSTED = "app", "app with TRUSTED_HOSTS"
#: How often each profile of fuzz_app.PROFILES is drawn (1 unless listed): about half
#: the cases draw every part freely, the rest aim at one part of the app.
PROFILE_WEIGHTS = {"any": 6}


@dataclass
class Group:
    """All cases that showed one distinct problem."""

    kind: str
    summary: str
    count: int = 0
    #: The smallest request seen with it (``fuzz_app.environ_spec``), its size, the
    #: app that got it, the status and the problem's detail.
    sample_size: int = -1
    sample: dict[str, Any] = field(default_factory=dict)
    app: str = ""
    status: str | None = None
    detail: str = ""


@dataclass
class Tally:
    cases: int = 0
    codes: collections.Counter[str] = field(default_factory=collections.Counter)
    groups: dict[str, Group] = field(default_factory=dict)
    #: Cases with a 5xx other than /boom's, and cases where an exception escaped.
    server_errors: int = 0
    escaped: int = 0

    def merge(self, other: Tally) -> None:
        self.cases += other.cases
        self.codes.update(other.codes)
        self.server_errors += other.server_errors
        self.escaped += other.escaped
        for key, group in other.groups.items():
            mine = self.groups.get(key)
            if mine is None:
                self.groups[key] = group
                continue
            mine.count += group.count
            if (group.sample_size, repr(group.sample)) < (mine.sample_size, repr(mine.sample)):
                mine.sample_size, mine.sample = group.sample_size, group.sample
                mine.status, mine.detail, mine.app = group.status, group.detail, group.app


# -- in each worker process

_apps: tuple[Any, Any] | None = None


def _setup(src: str | None, framework: str) -> None:
    """Import the harness and build the apps (once per process)."""
    global _apps
    for path in (str(TESTS_DIR), src or str(SRC_DIR)):
        if path not in sys.path:
            sys.path.insert(0, path)
    import importlib

    import fuzz_app

    module = importlib.import_module(framework)
    # Each logs its 500s to the request's wsgi.errors, a fresh StringIO per call.
    _apps = (
        fuzz_app.create_app(module),
        fuzz_app.create_app(module, TRUSTED_HOSTS=TRUSTED_HOSTS),
    )


def _record(tally: Tally, result: Any, app_name: str) -> None:
    import fuzz_app

    tally.cases += 1
    tally.codes[str(result.code) if result.code is not None else "none"] += 1
    kinds = {problem.kind for problem in result.problems}
    tally.server_errors += "5xx" in kinds
    tally.escaped += "escaped-exception" in kinds
    if not result.problems:
        return
    size = fuzz_app.request_size(result.environ)
    for problem in result.problems:
        group = tally.groups.get(problem.key)
        if group is None:
            group = tally.groups[problem.key] = Group(problem.kind, problem.summary)
        group.count += 1
        if group.sample_size < 0 or size < group.sample_size:
            group.sample_size = size
            group.sample = fuzz_app.environ_spec(result.environ)
            group.status = result.status
            group.detail = problem.detail
            group.app = app_name


def run_batch(task: tuple[int, int, int]) -> Tally:
    """Run ``count`` cases drawn with a seed made from ``(seed, batch)``."""
    seed, batch, count = task
    from hypothesis import HealthCheck, Phase, given, settings
    from hypothesis import seed as hypothesis_seed
    from hypothesis import strategies as st

    import fuzz_app

    assert _apps is not None
    plain, trusted = _apps
    tally = Tally()
    profiles = fuzz_app.weighted(
        *[
            (PROFILE_WEIGHTS.get(name, 1), strategy)
            for name, strategy in sorted(fuzz_app.PROFILES.items())
        ]
    )
    cases = st.tuples(profiles, st.integers(0, TRUSTED_SHARE - 1))

    def one(case: tuple[dict[str, Any], int]) -> None:
        if tally.cases >= count:
            return
        environ, choice = case
        app, name = (trusted, TRUSTED) if choice == 0 else (plain, PLAIN)
        try:
            result = fuzz_app.call_and_check(app, environ)
        except Exception as e:  # a bug in the harness, not in the app
            key = f"[harness-error] {type(e).__name__}"
            group = tally.groups.setdefault(key, Group("harness-error", type(e).__name__))
            group.count += 1
            group.sample = fuzz_app.environ_spec(environ)
            group.detail = traceback.format_exc()
            tally.cases += 1
            return
        _record(tally, result, name)

    attempt = 0
    while tally.cases < count:
        # Hypothesis may stop a run early; go on with a derived seed.
        run_seed = (seed * 1_000_003 + batch) * 101 + attempt
        runner = settings(
            max_examples=count - tally.cases,
            phases=[Phase.generate],
            database=None,
            deadline=None,
            suppress_health_check=list(HealthCheck),
        )(given(cases)(one))
        hypothesis_seed(run_seed)(runner)()
        attempt += 1
    return tally


# -- in the main process


def _minimized(group: Group) -> tuple[str, str | None, str]:
    """The group's sample made smaller while it still shows the problem: the request,
    its status and the problem's detail."""
    import fuzz_app

    assert _apps is not None
    app = _apps[1] if group.app == TRUSTED else _apps[0]
    environ = fuzz_app.environ_from_spec(group.sample)
    if group.kind == "harness-error":
        return fuzz_app.describe(environ), group.status, group.detail
    key = f"[{group.kind}] {group.summary}"
    environ = fuzz_app.minimize(app, environ, key)
    result = fuzz_app.call_and_check(app, environ)
    for problem in result.problems:
        if problem.key == key:
            return fuzz_app.describe(environ), result.status, problem.detail
    return fuzz_app.describe(environ), group.status, group.detail  # did not show again


def _print_report(tally: Tally, elapsed: float, args: argparse.Namespace) -> None:
    rate = tally.cases / elapsed if elapsed else 0.0
    print()
    print(
        f"{args.framework} fuzz: {tally.cases:,} cases in {elapsed:.1f} s ({rate:,.0f}/s),"
        f" seed {args.seed}, {args.jobs} job(s)"
    )
    print("status codes:")
    for code, count in sorted(tally.codes.items()):
        print(f"  {code:>4}  {count:>8,}  {100 * count / max(tally.cases, 1):5.1f}%")
    print(f"5xx other than {'/boom'}: {tally.server_errors:,} cases")
    print(f"escaped exceptions: {tally.escaped:,} cases")
    groups = sorted(tally.groups.values(), key=lambda g: (g.kind, -g.count, g.summary))
    print(f"distinct problems: {len(groups)}")
    for number, group in enumerate(groups, 1):
        print()
        print(f"[{number}] [{group.kind}] {group.summary}")
        print(f"    {group.count:,} cases; a minimal request ({group.app}):")
        request, status, detail = _minimized(group)
        for line in request.splitlines():
            print(f"      {line}")
        print(f"    -> {status}")
        for line in detail.splitlines()[-args.traceback_lines :]:
            print(f"      | {line}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--cases", type=int, default=100_000, help="cases to run (100000)")
    parser.add_argument("--seed", type=int, default=0, help="seed of the whole run (0)")
    parser.add_argument(
        "--jobs", type=int, default=os.cpu_count() or 1, help="worker processes (all CPUs)"
    )
    parser.add_argument("--batch", type=int, default=1000, help="cases per Hypothesis run")
    parser.add_argument(
        "--framework", default="erlen", choices=["erlen", "flask"], help="build the app with"
    )
    parser.add_argument("--src", help="put this erlen source folder first on sys.path")
    parser.add_argument(
        "--traceback-lines", type=int, default=10, help="lines of each traceback shown (10)"
    )
    args = parser.parse_args(argv)
    if args.cases < 1 or args.batch < 1 or args.jobs < 1:
        parser.error("--cases, --batch and --jobs must be positive")

    tasks = [
        (args.seed, batch, min(args.batch, args.cases - start))
        for batch, start in enumerate(range(0, args.cases, args.batch))
    ]
    tally = Tally()
    started = last_report = time.monotonic()

    def progress(done: Tally) -> None:
        nonlocal last_report
        now = time.monotonic()
        if now - last_report < 5 and done.cases < args.cases:
            return
        last_report = now
        elapsed = now - started
        print(
            f"  {done.cases:>9,}/{args.cases:,} cases  {elapsed:6.1f} s"
            f"  {done.cases / elapsed:6,.0f}/s  5xx {done.server_errors:,}"
            f"  escaped {done.escaped:,}  distinct problems {len(done.groups)}",
            file=sys.stderr,
            flush=True,
        )

    print(
        f"fuzzing {args.framework} with {args.cases:,} cases (seed {args.seed},"
        f" {len(tasks)} batches, {args.jobs} job(s))",
        file=sys.stderr,
        flush=True,
    )
    _setup(args.src, args.framework)  # also for minimizing the samples at the end
    if args.jobs == 1:
        for task in tasks:
            tally.merge(run_batch(task))
            progress(tally)
    else:
        context = multiprocessing.get_context("spawn")
        with context.Pool(args.jobs, _setup, (args.src, args.framework)) as pool:
            for part in pool.imap_unordered(run_batch, tasks):
                tally.merge(part)
                progress(tally)
    elapsed = time.monotonic() - started
    _print_report(tally, elapsed, args)
    return 1 if tally.groups else 0


if __name__ == "__main__":
    sys.exit(main())
