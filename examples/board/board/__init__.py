"""A small message board on erlen, with Flask-SQLAlchemy, Flask-Login and Flask-WTF.

``create_app()`` builds the app (the ``erlen`` command and the servers call it):

    erlen --app examples/board/board run
"""

import erlen  # first: the extensions below `import flask`, which from here on gives erlen

# isort: split
import os

from flask_wtf.csrf import CSRFProtect
from sqlalchemy.exc import DatabaseError
from werkzeug.routing import IntegerConverter

from . import api, auth, cli, errors, live, posts
from .models import db

#: Checks the CSRF token of every POST, PUT, PATCH and DELETE request (the API is exempt).
csrf = CSRFProtect()

#: Used when no SECRET_KEY is configured; fine on your own machine, never in production.
DEV_SECRET_KEY = "dev: not secret, set BOARD_SECRET_KEY"

#: Sent with every response. The pages load scripts, styles and images from this site
#: only, and no other site may show them in a frame (where a hidden page could trick
#: a click on "Delete"); browsers take each response's Content-Type as given.
SECURITY_HEADERS = {
    "Content-Security-Policy": "default-src 'self'; frame-ancestors 'none'",
    "X-Frame-Options": "DENY",
    "X-Content-Type-Options": "nosniff",
}


class IdConverter(IntegerConverter):
    """``<id:post_id>`` in a route: a database id, a whole number from 1 with at most
    18 digits (a 64-bit database integer holds them all). A longer number matches no
    route, a 404 like any id that does not exist; ``<int:post_id>`` would hand it to
    the database, which cannot hold it: an overflow error, a 500."""

    regex = r"[1-9][0-9]{0,17}"


def create_app(test_config: dict[str, object] | None = None) -> erlen.Erlen:
    """Build the board app.

    Configuration, later sources winning: the defaults below, then ``config.py`` in
    the instance folder, then ``BOARD_*`` environment variables (``BOARD_SECRET_KEY``
    sets ``SECRET_KEY``); or, for tests, ``test_config`` instead of the last two.
    The instance folder is ``examples/board/instance`` unless ``BOARD_INSTANCE_PATH``
    names another; the SQLite database lives there unless ``SQLALCHEMY_DATABASE_URI``
    says otherwise.
    """
    instance_path = os.environ.get("BOARD_INSTANCE_PATH")
    app = erlen.Erlen(
        __name__,
        instance_relative_config=True,
        instance_path=os.path.abspath(instance_path) if instance_path else None,
    )
    app.config.from_mapping(
        SECRET_KEY=None,
        SQLALCHEMY_DATABASE_URI="sqlite:///" + os.path.join(app.instance_path, "board.sqlite"),
        POSTS_PER_PAGE=10,
        AVATAR_MAX_BYTES=1024 * 1024,
        # Bigger than an avatar may be, so a too-big image gets the form's error message;
        # much bigger requests are refused before they are read (413).
        MAX_CONTENT_LENGTH=8 * 1024 * 1024,
        # Browsers do not send the session cookie with other sites' POSTs: a second
        # guard against CSRF, after the tokens.
        SESSION_COOKIE_SAMESITE="Lax",
    )
    if test_config is None:
        app.config.from_pyfile("config.py", silent=True)
        app.config.from_prefixed_env("BOARD")
    else:
        app.config.from_mapping(test_config)
    if not app.config["SECRET_KEY"]:
        app.config["SECRET_KEY"] = DEV_SECRET_KEY
        app.logger.warning(
            "No SECRET_KEY is set: using an insecure development key. Set BOARD_SECRET_KEY"
            " or SECRET_KEY in %s before the board goes online.",
            os.path.join(app.instance_path, "config.py"),
        )
    os.makedirs(app.instance_path, exist_ok=True)
    app.url_map.converters["id"] = IdConverter  # before the blueprints' routes use it
    app.after_request(add_security_headers)

    db.init_app(app)
    auth.login_manager.init_app(app)
    csrf.init_app(app)

    app.register_blueprint(auth.bp)
    app.register_blueprint(posts.bp)
    app.register_blueprint(api.bp)
    csrf.exempt(api.bp)  # token auth instead: see board/api.py
    live.init_app(app)
    errors.init_app(app)
    app.cli.add_command(cli.board)

    create_tables(app)
    return app


def add_security_headers(response: erlen.Response) -> erlen.Response:
    """Give ``response`` the :data:`SECURITY_HEADERS` a view did not set itself."""
    for name, value in SECURITY_HEADERS.items():
        response.headers.setdefault(name, value)
    return response


def create_tables(app: erlen.Erlen) -> None:
    """Create the tables that are missing, so a new database works on first run."""
    with app.app_context():
        try:
            db.create_all()
        except DatabaseError:
            # Several worker processes starting at once on a new database: another one
            # created a table between this one's check and its CREATE. Check again.
            db.create_all()
