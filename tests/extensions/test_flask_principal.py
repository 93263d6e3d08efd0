"""Flask-Principal on erlen, used as its documentation shows.

Flask-Principal loads the identity in a ``before_request`` hook (skipping the static
route, found through ``app.static_url_path``), keeps it in ``g`` and the session,
announces it with blinker signals from ``flask.signals.Namespace``, and denies access
with ``abort`` or its own exception.
"""

from __future__ import annotations

import erlen  # first: from here on, `flask` is erlen

# isort: split
import typing as t

import pytest
from flask import current_app, g, request, session
from flask_principal import (
    AnonymousIdentity,
    Identity,
    Permission,
    PermissionDenied,
    Principal,
    RoleNeed,
    UserNeed,
    identity_changed,
    identity_loaded,
)

ROLES = {"ada": ["admin", "editor"], "bob": ["editor"], "eve": []}
admin_permission = Permission(RoleNeed("admin"))
editor_permission = Permission(RoleNeed("editor"))


def create_app(**principal_options: t.Any) -> tuple[erlen.Erlen, Principal]:
    app = erlen.Erlen(__name__)
    app.secret_key = "principal secret"
    principals = Principal(app, **principal_options)

    @identity_loaded.connect_via(app)
    def on_identity_loaded(sender: erlen.Erlen, identity: Identity) -> None:
        if identity.id is None:
            return
        identity.provides.add(UserNeed(identity.id))
        for role in ROLES.get(identity.id, []):
            identity.provides.add(RoleNeed(role))

    @app.route("/login/<name>")
    def login(name: str) -> str:
        identity_changed.send(current_app._get_current_object(), identity=Identity(name))
        return f"logged in as {name}"

    @app.route("/logout")
    def logout() -> str:
        for key in ("identity.id", "identity.auth_type"):
            session.pop(key, None)
        identity_changed.send(current_app._get_current_object(), identity=AnonymousIdentity())
        return "logged out"

    @app.route("/admin")
    @admin_permission.require(http_exception=403)
    def admin() -> str:
        return f"admin area for {g.identity.id}"

    @app.route("/edit")
    def edit() -> str:
        with editor_permission.require():
            return f"editing as {g.identity.id}"

    @app.route("/either")
    def either() -> str:
        if (admin_permission & editor_permission).can():  # "&" is the union
            return "allowed"
        return "denied"

    @app.route("/whoami")
    def whoami() -> str:
        return repr(getattr(g, "identity", None))

    @app.errorhandler(PermissionDenied)
    def permission_denied(error: PermissionDenied) -> tuple[str, int]:
        return f"denied: {error.args[0].needs}", 401

    return app, principals


def test_identity_is_saved_in_the_session_and_loaded_on_each_request() -> None:
    app, _ = create_app()
    client = app.test_client()

    assert client.get("/admin").status_code == 403
    assert client.get("/login/bob").data == b"logged in as bob"
    with client.session_transaction() as stored:
        assert stored["identity.id"] == "bob"
    assert client.get("/admin").status_code == 403
    assert client.get("/edit").data == b"editing as bob"
    assert client.get("/either").data == b"allowed"

    client.get("/login/ada")
    assert client.get("/admin").data == b"admin area for ada"

    client.get("/logout")
    refused = client.get("/edit")
    assert refused.status_code == 401
    assert refused.data.startswith(b"denied: ")
    assert client.get("/either").data == b"denied"


def test_an_identity_loader_without_sessions() -> None:
    app, principals = create_app(use_sessions=False)

    @principals.identity_loader
    def from_header() -> Identity | None:
        name = request.headers.get("X-User")
        return Identity(name, "header") if name else None

    client = app.test_client()
    assert client.get("/admin", headers={"X-User": "ada"}).data == b"admin area for ada"
    assert client.get("/admin", headers={"X-User": "eve"}).status_code == 403
    assert client.get("/admin").status_code == 403
    assert "Set-Cookie" not in client.get("/login/ada").headers


def test_the_static_route_is_skipped_when_asked() -> None:
    app, _ = create_app(skip_static=True)

    @app.route("/static/probe")
    def static_probe() -> str:
        return repr(getattr(g, "identity", None))

    client = app.test_client()
    client.get("/login/ada")
    assert client.get("/static/probe").data == b"None"
    assert b'Identity id="ada"' in client.get("/whoami").data


def test_permissions_in_a_test_request_context() -> None:
    app, principals = create_app()
    with app.test_request_context("/"):
        principals.set_identity(Identity("ada"))
        assert admin_permission.can()
        assert g.identity.id == "ada"
        assert session["identity.id"] == "ada"
        principals.set_identity(Identity("eve"))
        assert not editor_permission.can()
        with pytest.raises(PermissionDenied), editor_permission.require():
            pass
        assert admin_permission.union(editor_permission).needs == {
            RoleNeed("admin"),
            RoleNeed("editor"),
        }
        assert editor_permission.reverse().can()


def test_signals_carry_the_app_as_sender() -> None:
    app, _ = create_app()
    other, _ = create_app()
    seen: list[tuple[object, object]] = []

    def record(sender: erlen.Erlen, identity: Identity) -> None:
        seen.append((sender, identity.id))

    with identity_loaded.connected_to(record, app):
        app.test_client().get("/login/bob")
        other.test_client().get("/login/ada")
    assert seen == [(app, "bob")]
