"""Pick the web framework the e2e app is built on.

The app modules import every framework name from here, so the same code runs on
erlen or on Flask. Set ``E2E_FRAMEWORK`` to ``"flask"`` or ``"erlen"`` (the default)
before the package is imported; re-import the package to switch.
"""

from __future__ import annotations

import os

FRAMEWORK = os.environ.get("E2E_FRAMEWORK", "erlen")

if FRAMEWORK == "erlen":
    from erlen import (
        Blueprint,
        Flask,
        abort,
        current_app,
        flash,
        g,
        redirect,
        render_template,
        request,
        session,
        url_for,
    )
    from erlen.cli import with_appcontext
elif FRAMEWORK == "flask":
    from flask import (  # type: ignore[assignment]
        Blueprint,
        Flask,
        abort,
        current_app,
        flash,
        g,
        redirect,
        render_template,
        request,
        session,
        url_for,
    )
    from flask.cli import with_appcontext  # type: ignore[assignment]
else:
    raise ImportError(f"E2E_FRAMEWORK must be 'erlen' or 'flask', not {FRAMEWORK!r}")

__all__ = [
    "FRAMEWORK",
    "Blueprint",
    "Flask",
    "abort",
    "current_app",
    "flash",
    "g",
    "redirect",
    "render_template",
    "request",
    "session",
    "url_for",
    "with_appcontext",
]
