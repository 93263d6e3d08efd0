"""``importlib.metadata`` knows a ``Flask`` distribution, with Flask installed or not.

Extensions read ``importlib.metadata.version("flask")`` (flask-restx, Flask-DebugToolbar
on import). Where the real Flask is installed its own metadata answers; where it is
not (``make test-noflask``), erlen answers with the version whose API it implements.
"""

from __future__ import annotations

import importlib.metadata
import subprocess
import sys
from importlib.machinery import PathFinder

import erlen  # first: from here on, `flask` is erlen

# isort: split
from erlen._flask_alias import FLASK_API_VERSION


def installed_flask() -> list[importlib.metadata.Distribution]:
    context = importlib.metadata.DistributionFinder.Context(name="flask")
    return list(PathFinder.find_distributions(context))


def test_version_of_flask() -> None:
    installed = installed_flask()
    expected = installed[0].version if installed else FLASK_API_VERSION
    assert importlib.metadata.version("flask") == expected
    assert importlib.metadata.version("Flask") == expected
    assert importlib.metadata.distribution("flask").metadata["Name"] == "Flask"


def test_other_distributions_are_untouched() -> None:
    assert importlib.metadata.version("werkzeug")
    assert importlib.metadata.version("erlen") == erlen.__version__


def test_without_the_alias_flask_is_only_what_is_installed() -> None:
    code = (
        "import importlib.metadata as m, erlen\n"
        "try:\n"
        "    print(m.version('flask'))\n"
        "except m.PackageNotFoundError:\n"
        "    print('none')\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code],
        env={"ERLEN_FLASK_ALIAS": "0", "PATH": "/usr/bin:/bin"},
        capture_output=True,
        text=True,
        check=True,
        timeout=60,
    )
    installed = installed_flask()
    assert result.stdout.strip() == (installed[0].version if installed else "none")
