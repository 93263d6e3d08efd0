"""erlen against Flask itself: the same app, the same requests, the same answers.

Each scenario is a ``build(fw)`` function that makes an app through the public API
of the framework module it is given (``erlen`` or ``flask``), together with a list
of requests. Both apps are driven by their own ``test_client()`` (so cookies carry
over from one request of a scenario to the next) and, request by request, must
give the same status line, the same body bytes and the same headers, or raise an
exception of the same type.

Headers are normalised before comparing: ``Date`` is dropped, ``Allow`` and
``Vary`` are compared as sets, and a ``Set-Cookie`` is compared by name and
attributes, with a signed session value replaced by the session it decodes to and
an expiry within the next year replaced by its distance from now in minutes.

Known, intended differences are kept out: erlen's stricter handling of broken
percent-encoding and ``Content-Length``, its invalid-JSON message (such requests
compare the status only), the missing ``Content-Type`` on 204 responses (no
scenario answers 204), ``MAX_FORM_MEMORY_SIZE`` on urlencoded forms, teardown
functions after one raises, bare ``template_filter`` decorators, and a blueprint's
404 handler for unmatched URLs under its prefix.
"""

from __future__ import annotations

import copy
import dataclasses
import datetime as dt
import decimal
import hashlib
import importlib
import io
import typing as t
import uuid
from collections.abc import Callable
from types import ModuleType

import flask
import pytest
from itsdangerous import URLSafeTimedSerializer
from markupsafe import Markup
from werkzeug.datastructures import Headers
from werkzeug.exceptions import HTTPException, NotFound
from werkzeug.http import parse_date
from werkzeug.routing import BaseConverter
from werkzeug.wrappers import Response as WerkzeugResponse

import erlen

FRAMEWORKS: tuple[ModuleType, ...] = (flask, erlen)
Build = Callable[[ModuleType], t.Any]


@dataclasses.dataclass
class Req:
    """One request of a scenario: arguments for ``client.open``."""

    path: str
    method: str = "GET"
    opts: dict[str, t.Any] = dataclasses.field(default_factory=dict)
    status_only: bool = False

    def label(self) -> str:
        extra = f" {self.opts}" if self.opts else ""
        return f"{self.method} {self.path}{extra}"


def R(path: str, method: str = "GET", *, status_only: bool = False, **opts: t.Any) -> Req:
    return Req(path, method, opts, status_only)


SCENARIOS: dict[str, tuple[Build, list[Req]]] = {}


def scenario(*requests: Req) -> Callable[[Build], Build]:
    def register(build: Build) -> Build:
        name = build.__name__
        assert name not in SCENARIOS, name
        SCENARIOS[name] = (build, list(requests))
        return build

    return register


def views_of(fw: ModuleType) -> ModuleType:
    return importlib.import_module(fw.__name__ + ".views")


# --- normalising and comparing ----------------------------------------------------


def _session_value(app: t.Any, value: str) -> t.Any:
    serializer = app.session_interface.get_signing_serializer(app)
    if serializer is None or not value:
        return value
    try:
        with app.app_context():
            return ("session", serializer.loads(value))
    except Exception as e:
        return ("undecodable session", type(e).__name__)


def _cookie(app: t.Any, header: str) -> tuple[t.Any, ...]:
    first, *attributes = (part.strip() for part in header.split(";"))
    name, _, value = first.partition("=")
    if name == app.config["SESSION_COOKIE_NAME"]:
        shown: t.Any = _session_value(app, value)
    else:
        shown = value
    attrs: list[tuple[str, str]] = []
    for attribute in attributes:
        key, _, attr_value = attribute.partition("=")
        if key.lower() == "expires":
            when = parse_date(attr_value)
            if when is not None:
                delta = when - dt.datetime.now(dt.timezone.utc)
                if dt.timedelta(0) < delta < dt.timedelta(days=366):
                    attr_value = f"now+{round(delta.total_seconds() / 60)}min"
        attrs.append((key, attr_value))
    return (name, shown, tuple(attrs))


def normalise_headers(app: t.Any, headers: Headers) -> list[tuple[str, t.Any]]:
    out: list[tuple[str, t.Any]] = []
    for key, value in headers.items():
        lower = key.lower()
        if lower == "date":
            continue
        if lower in ("allow", "vary"):
            parts = tuple(sorted(p.strip() for p in value.split(",") if p.strip()))
            out.append((key, parts))
        elif lower == "set-cookie":
            out.append((key, _cookie(app, value)))
        else:
            out.append((key, value))
    return sorted(out, key=repr)


def run_scenario(fw: ModuleType, build: Build, requests: list[Req]) -> list[t.Any]:
    app = build(fw)
    client = app.test_client()
    results: list[t.Any] = []
    for req in requests:
        try:
            response = client.open(req.path, method=req.method, **copy.deepcopy(req.opts))
        except Exception as e:
            results.append(("raised", type(e).__name__))
            continue
        try:
            if req.status_only:
                results.append(("status", response.status))
            else:
                body = response.get_data()
                results.append((response.status, body, normalise_headers(app, response.headers)))
        finally:
            response.close()
    return results


@pytest.mark.parametrize("name", list(SCENARIOS))
def test_erlen_answers_like_flask(name: str) -> None:
    build, requests = SCENARIOS[name]
    expected = run_scenario(flask, build, requests)
    actual = run_scenario(erlen, build, requests)
    problems = []
    for index, (req, want, got) in enumerate(zip(requests, expected, actual)):
        if want != got:
            problems.append(f"request {index}: {req.label()}\n  flask: {want!r}\n  erlen: {got!r}")
    assert not problems, f"{name}: {len(problems)} of {len(requests)} requests differ\n" + (
        "\n".join(problems)
    )


def test_every_scenario_runs_on_flask_without_unexpected_errors() -> None:
    """Guard the scenarios themselves: apart from requests that are meant to fail,
    Flask must not answer 500 or raise (a typo would otherwise compare equal)."""
    broken = []
    for name, (build, requests) in SCENARIOS.items():
        for req, result in zip(requests, run_scenario(flask, build, requests)):
            meant_to_fail = req.opts.get("headers", {}).get("X-Expect") == "error"
            failed = result[0] == "raised" or str(result[0]).startswith("500")
            if failed and not meant_to_fail:
                broken.append(f"{name}: {req.label()} -> {result[:2]!r}")
    assert not broken, "\n".join(broken)


def snapshot(fw: ModuleType) -> dict[str, t.Any]:
    """What a view can see of its request, as JSON."""
    r = fw.request
    return {
        "path": r.path,
        "full_path": r.full_path,
        "script_root": r.script_root,
        "url": r.url,
        "base_url": r.base_url,
        "url_root": r.url_root,
        "host": r.host,
        "host_url": r.host_url,
        "scheme": r.scheme,
        "is_secure": r.is_secure,
        "remote_addr": r.remote_addr,
        "endpoint": r.endpoint,
        "view_args": r.view_args,
        "rule": r.url_rule.rule if r.url_rule is not None else None,
        "blueprint": r.blueprint,
        "blueprints": r.blueprints,
        "method": r.method,
        "mimetype": r.mimetype,
        "mimetype_params": r.mimetype_params,
        "content_type": r.content_type,
        "content_length": r.content_length,
        "is_json": r.is_json,
        "best": r.accept_mimetypes.best,
        "query_string": r.query_string.decode("latin-1"),
        "args": r.args.to_dict(flat=False),
        "cookies": r.cookies.to_dict(flat=False),
        "headers": sorted([k, v] for k, v in r.headers.items()),
        "user_agent": r.user_agent.string,
    }


def expect_error(**opts: t.Any) -> dict[str, t.Any]:
    """Request options marking a request whose Flask answer is meant to be a 500 or
    an exception (see ``test_every_scenario_runs_on_flask_without_unexpected_errors``)."""
    headers = dict(opts.pop("headers", {}))
    headers["X-Expect"] = "error"
    return {"headers": headers, **opts}
