"""The files of the project itself: its license, and what git leaves out."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


def test_license_file_is_bsd_3_clause_as_pyproject_says() -> None:
    pyproject = (ROOT / "pyproject.toml").read_text(encoding="utf-8").splitlines()
    assert 'license = "BSD-3-Clause"' in pyproject
    text = (ROOT / "LICENSE").read_text(encoding="utf-8")
    assert text.startswith("BSD 3-Clause License\n")
    assert "Copyright (c)" in text
    assert "the erlen developers" in text
    assert "Neither the name of the copyright holder nor the names of its" in text


@pytest.mark.parametrize("name", [".venv", ".venv-noflask", ".venv312"])
def test_gitignore_covers_every_virtualenv_folder(name: str) -> None:
    if shutil.which("git") is None or not (ROOT / ".git").exists():
        pytest.skip("not a git checkout")
    # --no-index: ignored whether or not such a folder exists or is tracked.
    result = subprocess.run(
        ["git", "check-ignore", "--no-index", "-q", f"{name}/"],
        cwd=ROOT, capture_output=True, timeout=30,
    )  # fmt: skip
    assert result.returncode == 0, f"{name}/ is not ignored"
