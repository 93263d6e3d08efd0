"""Import time of each framework: ``python -c "import <framework>"`` in fresh processes.

Each round starts one process per framework (and one bare interpreter), interleaved
so that machine noise falls on all alike, and times it from start to exit. The table
shows the median over the rounds, and the median of what ``-X importtime`` reports
for the framework's own import (which leaves out interpreter start-up).

    .venv/bin/python bench/import_time.py [--frameworks erlen,falcon] [--rounds 15]
"""

from __future__ import annotations

import argparse
import compileall
import re
import statistics
import subprocess
import sys
import time
from pathlib import Path

SRC_DIR = Path(__file__).resolve().parent.parent / "src"
FRAMEWORKS = ("erlen", "flask", "falcon", "bottle")
_CUMULATIVE = re.compile(r"import time:\s+\d+\s+\|\s+(\d+)\s+\|\s*(\S+)\s*$")


def time_import(module: str | None) -> tuple[float, float | None]:
    """Wall seconds for one interpreter importing ``module`` (None: nothing), and the
    module's cumulative import time in seconds as ``-X importtime`` reports it."""
    code = f"import {module}" if module else "pass"
    started = time.perf_counter()
    done = subprocess.run(
        [sys.executable, "-X", "importtime", "-c", code],
        capture_output=True,
        text=True,
        check=True,
    )
    wall = time.perf_counter() - started
    if module is None:
        return wall, None
    for line in reversed(done.stderr.splitlines()):
        match = _CUMULATIVE.match(line)
        if match and match[2] == module:
            return wall, int(match[1]) / 1e6
    raise RuntimeError(f"-X importtime printed no line for {module!r}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--frameworks", default=",".join(FRAMEWORKS))
    parser.add_argument("--rounds", type=int, default=15)
    args = parser.parse_args(argv)
    frameworks = [name for name in args.frameworks.split(",") if name]

    # Installed packages come with bytecode; erlen runs from src/, so compile it first.
    compileall.compile_dir(str(SRC_DIR), quiet=1)
    for module in frameworks:
        time_import(module)  # warm the file system cache

    walls: dict[str, list[float]] = {name: [] for name in ["python", *frameworks]}
    own: dict[str, list[float]] = {name: [] for name in frameworks}
    for _ in range(args.rounds):
        walls["python"].append(time_import(None)[0])
        for module in frameworks:
            wall, cumulative = time_import(module)
            walls[module].append(wall)
            own[module].append(cumulative or 0.0)

    print(f"python {sys.version.split()[0]}, median of {args.rounds} fresh processes each")
    print(f"{'':10s}  {'process ms':>10s}  {'import ms':>9s}")
    for name, values in walls.items():
        imported = f"{statistics.median(own[name]) * 1000:9.1f}" if name in own else f"{'-':>9s}"
        print(f"{name:10s}  {statistics.median(values) * 1000:10.1f}  {imported}")
    print("process: whole `python -c 'import X'` run; import: X's own cumulative -X importtime")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
