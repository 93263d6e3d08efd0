"""The extension tests need ``flask`` to mean erlen, so erlen is imported here first.

``make test`` runs them with ``ERLEN_FLASK_ALIAS=1``; run alone with plain pytest
(the main suite's conftest turns the alias off by default), they turn it on here,
before any test module imports Flask or an extension.
"""

from __future__ import annotations

import os

import pytest

os.environ["ERLEN_FLASK_ALIAS"] = "1"

import erlen
from erlen._flask_alias import real_flask_imported

erlen.install_flask_alias()
if real_flask_imported():
    pytest.exit(
        "tests/extensions need 'flask' to be erlen, but the real Flask was imported first"
        " (by tests collected before them): run them on their own, as 'make test' does:"
        " ERLEN_FLASK_ALIAS=1 python -m pytest tests/extensions",
        returncode=4,
    )
