"""Test set-up shared by every test module.

The suite compares erlen with the real Flask in the same process (the parity tests
import both), so ``flask`` must stay Flask's here: the alias that makes ``import
flask`` give erlen is off unless the run asks for it (``ERLEN_FLASK_ALIAS=1``),
which ``make test`` does for the Flask extension tests under ``tests/extensions``.
"""

from __future__ import annotations

import os

os.environ.setdefault("ERLEN_FLASK_ALIAS", "0")

#: The extension tests and the board example's tests need the alias on; they run in
#: their own pytest invocation.
collect_ignore = ["extensions", "board"] if os.environ["ERLEN_FLASK_ALIAS"] == "0" else []
