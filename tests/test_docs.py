"""The documentation's code samples run, so they cannot rot.

Every fenced ``python`` (or ``py``) block of every page under ``docs/`` is run. A
MyST comment line right above a fence (``% test: ...``) says how:

- nothing: the block runs on its own, as a fresh module in a fresh temporary
  working directory (the module's file is there, so ``Erlen(__name__)`` finds its
  ``templates/`` and ``instance/`` folders in it);
- ``% test: continue``: the block runs in the namespace and directory of the
  Python block before it on the same page (a sample told in several steps);
- ``% test: file PATH``: the block (in any language: a template, a ``.env`` file, a
  module) is not run but written to ``PATH`` in the directory of the next Python
  block that runs;
- ``% test: alias``: the block (with the blocks that continue it) runs in a
  subprocess with ``ERLEN_FLASK_ALIAS=1``, as Flask extensions need, since this
  test suite keeps ``flask`` the real Flask; ``% test: alias redis`` also starts a
  ``redis-server`` (Debian's package) on a free port and gives its URL to the sample
  in ``REDIS_URL``;
- ``% test: skip REASON``: the block is not run; the reason is required.

Blocks in other languages (shell commands, nginx or TOML configuration) are not
run unless written as files. A failing sample's traceback names the page and its
line: the code is compiled with the page as its file name.
"""

from __future__ import annotations

import dataclasses
import logging
import os
import re
import shutil
import socket
import subprocess
import sys
import textwrap
import time
import types
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
DOCS = ROOT / "docs"
PYTHON = {"python", "py"}
#: A fence's opening line: its backticks or tildes and its info string.
FENCE = re.compile(r"^(?P<indent> {0,3})(?P<fence>`{3,}|~{3,})(?P<info>.*)$")
MARKER = re.compile(r"^%\s*test:\s*(?P<kind>\w+)\s*(?P<arg>.*?)\s*$")
#: An import of Flask or an extension, which needs the alias (and ``% test: alias``).
FLASK_IMPORT = re.compile(r"^\s*(?:import|from)\s+(?:flask|flask_\w+)\b", re.MULTILINE)


@dataclasses.dataclass
class Block:
    """One fenced code block of a page, with the marker above it."""

    page: str
    line: int  #: the 1-based line of the block's first code line
    language: str
    code: str
    marker: str = ""  #: '', 'continue', 'file', 'alias' or 'skip'
    argument: str = ""

    @property
    def where(self) -> str:
        return f"{self.page}:{self.line}"


@dataclasses.dataclass
class Sample:
    """Python blocks run together (a block and those that continue it), with the
    files written before each."""

    blocks: list[Block]
    files: list[list[Block]]  #: files[i] are written before blocks[i] runs
    alias: bool
    redis: bool = False

    @property
    def where(self) -> str:
        return self.blocks[0].where


def pages() -> list[Path]:
    return sorted(DOCS.rglob("*.md"), key=lambda p: str(p))


def parse_blocks(path: Path) -> Iterator[Block]:
    """The fenced code blocks of a MyST page, directives (``{literalinclude}``,
    ``{eval-rst}``) left out."""
    page = str(path.relative_to(ROOT))
    lines = path.read_text(encoding="utf-8").splitlines()
    i = 0
    while i < len(lines):
        opening = FENCE.match(lines[i])
        if opening is None:
            i += 1
            continue
        fence, info = opening["fence"], opening["info"].strip()
        marker = MARKER.match(lines[i - 1]) if i else None
        start = i + 1
        i += 1
        while i < len(lines) and not (
            lines[i].strip().startswith(fence) and not lines[i].strip().strip(fence[0])
        ):
            i += 1
        body = "\n".join(line[len(opening["indent"]) :] for line in lines[start:i]) + "\n"
        i += 1
        language = info.split()[0] if info else ""
        if language.startswith("{"):
            continue  # a directive, not a code sample
        yield Block(
            page, start + 1, language, body,
            marker["kind"] if marker else "", marker["arg"] if marker else "",
        )


def collect() -> tuple[list[Sample], list[Block], list[Block]]:
    """Every page's samples, skipped Python blocks, and all blocks."""
    samples: list[Sample] = []
    skipped: list[Block] = []
    every: list[Block] = []
    for path in pages():
        pending: list[Block] = []
        last: Sample | None = None
        for block in parse_blocks(path):
            every.append(block)
            if block.marker == "file":
                pending.append(block)
                continue
            if block.language not in PYTHON:
                continue
            if block.marker == "skip":
                skipped.append(block)
                continue
            if block.marker == "continue":
                assert last is not None, f"{block.where}: nothing before it to continue"
                last.blocks.append(block)
                last.files.append(pending)
            else:
                alias = block.marker == "alias"
                redis = alias and block.argument == "redis"
                last = Sample([block], [pending], alias=alias, redis=redis)
                samples.append(last)
            pending = []
        assert not pending, f"{pending[0].where}: a file with no Python block after it"
    return samples, skipped, every


SAMPLES, SKIPPED, BLOCKS = collect()


def padded(block: Block) -> str:
    """The block's code, moved down to its line on the page (for tracebacks)."""
    return "\n" * (block.line - 1) + block.code


def write_files(files: list[Block], folder: Path) -> None:
    for block in files:
        target = folder / block.argument
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(block.code, encoding="utf-8")


@pytest.fixture
def sandbox(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """A fresh working directory; the environment, ``sys.path`` and the modules
    imported from it are put back afterwards."""
    monkeypatch.chdir(tmp_path)
    environ = dict(os.environ)
    path = list(sys.path)
    modules = set(sys.modules)
    try:
        yield tmp_path
    finally:
        os.environ.clear()
        os.environ.update(environ)
        sys.path[:] = path
        for name in set(sys.modules) - modules:
            del sys.modules[name]
        # Loggers are global by name: what a sample did to its app's logger must not
        # reach the next sample's app of the same name.
        logger = logging.getLogger("docs_sample")
        logger.handlers.clear()
        logger.setLevel(logging.NOTSET)


def run_in_process(sample: Sample, folder: Path) -> None:
    name = "docs_sample"
    module = types.ModuleType(name)
    module.__file__ = str(folder / f"{name}.py")
    sys.modules[name] = module
    sys.path.insert(0, str(folder))
    for files, block in zip(sample.files, sample.blocks, strict=True):
        write_files(files, folder)
        exec(compile(padded(block), str(DOCS.parent / block.page), "exec"), module.__dict__)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@contextmanager
def redis_server(folder: Path) -> Iterator[str]:
    """A throwaway ``redis-server`` on 127.0.0.1 (no persistence); yields its URL.

    Where the program is missing, the test skips with how to install it, except when
    ``ERLEN_REQUIRE_BROWSER=1`` (set by ``.ci/run``, whose ``make test`` installs it)."""
    binary = shutil.which("redis-server") or (
        "/usr/bin/redis-server" if os.path.exists("/usr/bin/redis-server") else None
    )
    if binary is None:
        message = "redis-server is missing: apt-get install -y redis-server"
        if os.environ.get("ERLEN_REQUIRE_BROWSER") == "1":
            pytest.fail(message)
        pytest.skip(message)
    folder.mkdir(parents=True, exist_ok=True)
    port = free_port()
    process = subprocess.Popen(
        [binary, "--port", str(port), "--bind", "127.0.0.1", "--dir", str(folder),
         "--save", "", "--appendonly", "no", "--daemonize", "no"],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + 15
        while True:
            try:
                with socket.create_connection(("127.0.0.1", port), timeout=1) as sock:
                    sock.sendall(b"PING\r\n")
                    if sock.recv(16).startswith(b"+PONG"):
                        break
            except OSError:
                pass
            assert process.poll() is None, "redis-server exited"
            assert time.monotonic() < deadline, "redis-server did not answer PING"
            time.sleep(0.05)
        yield f"redis://127.0.0.1:{port}"
    finally:
        process.terminate()
        process.wait(10)


def run_with_alias(sample: Sample, folder: Path, extra_env: dict[str, str]) -> None:
    """Run the blocks one after the other in one fresh interpreter with the alias on."""
    steps = []
    for files, block in zip(sample.files, sample.blocks, strict=True):
        write_files(files, folder)
        steps.append((str(DOCS.parent / block.page), padded(block)))
    driver = textwrap.dedent(
        """
        import sys, types
        steps = eval(sys.stdin.read())
        module = types.ModuleType("docs_sample")
        module.__file__ = "docs_sample.py"
        sys.modules["docs_sample"] = module
        sys.path.insert(0, ".")
        for filename, code in steps:
            exec(compile(code, filename, "exec"), module.__dict__)
        """
    )
    # The tutorial's samples import the board example as a reader in its folder would.
    path = os.pathsep.join([str(ROOT / "src"), str(ROOT / "examples" / "board")])
    env = {**os.environ, **extra_env, "ERLEN_FLASK_ALIAS": "1", "PYTHONPATH": path}
    result = subprocess.run(
        [sys.executable, "-c", driver], input=repr(steps), cwd=folder, env=env,
        capture_output=True, text=True, timeout=120,
    )
    assert result.returncode == 0, f"{sample.where} failed:\n{result.stdout}{result.stderr}"


@pytest.mark.parametrize("sample", SAMPLES, ids=[s.where for s in SAMPLES])
def test_sample_runs(sample: Sample, sandbox: Path) -> None:
    if sample.redis:
        with redis_server(sandbox / "redis") as url:
            run_with_alias(sample, sandbox, {"REDIS_URL": url})
    elif sample.alias:
        run_with_alias(sample, sandbox, {})
    else:
        run_in_process(sample, sandbox)


def test_the_docs_have_samples_and_every_page_is_read() -> None:
    assert len(SAMPLES) >= 40
    assert {b.page for b in BLOCKS} >= {"docs/quickstart.md", "docs/configuration.md"}


def test_skipped_blocks_say_why() -> None:
    for block in SKIPPED:
        assert block.argument, f"{block.where}: '% test: skip' needs a reason"


def test_flask_imports_run_with_the_alias() -> None:
    """A sample that imports Flask or an extension only works with the alias on."""
    for sample in SAMPLES:
        for block in sample.blocks:
            if FLASK_IMPORT.search(block.code):
                assert sample.alias, f"{block.where} imports flask: mark it '% test: alias'"


def test_markers_are_known_and_files_are_named() -> None:
    for block in BLOCKS:
        assert block.marker in {"", "continue", "file", "alias", "skip"}, block.where
        if block.marker == "file":
            assert block.argument, f"{block.where}: '% test: file' needs a path"


def test_every_marker_sits_right_above_a_fence() -> None:
    """A marker separated from its block by a blank line would silently do nothing."""
    for path in pages():
        lines = path.read_text(encoding="utf-8").splitlines()
        for number, line in enumerate(lines, start=1):
            if MARKER.match(line):
                following = lines[number] if number < len(lines) else ""
                where = f"{path.relative_to(ROOT)}:{number}"
                assert FENCE.match(following), f"{where}: a marker must precede a fence"
