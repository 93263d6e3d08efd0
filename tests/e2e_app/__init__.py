"""A small notes app built with an application factory.

Every framework name comes from :mod:`.compat`, so the package runs on erlen or
on Flask depending on ``E2E_FRAMEWORK`` at import time.
"""

from __future__ import annotations

import os
import typing as t

from . import auth, db, notes
from .compat import FRAMEWORK, Flask, render_template

__all__ = ["FRAMEWORK", "create_app"]


def page_not_found(error: t.Any) -> tuple[str, int]:
    return render_template("404.html", error=error), 404


def create_app(
    test_config: t.Mapping[str, t.Any] | None = None, instance_path: str | None = None
) -> t.Any:
    """Build and configure the app; ``instance_path`` overrides the instance folder."""
    app = Flask(__name__, instance_relative_config=True, instance_path=instance_path)
    app.config.from_mapping(
        SECRET_KEY="dev-only-secret",
        DATABASE=os.path.join(app.instance_path, "e2e.sqlite"),
    )

    if test_config is None:
        app.config.from_pyfile("config.py", silent=True)
    else:
        app.config.from_mapping(test_config)

    os.makedirs(app.instance_path, exist_ok=True)

    db.init_app(app)
    app.register_blueprint(auth.bp)
    app.register_blueprint(notes.bp)
    app.add_url_rule("/", endpoint="index")
    app.register_error_handler(404, page_not_found)

    return app
