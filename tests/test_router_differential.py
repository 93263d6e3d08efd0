"""erlen's compiled router against Werkzeug's matcher, and against its own reference walker.

Several maps with many kinds of rules are matched against hand-picked and seeded
random requests. For each request erlen's ``Router.match`` must agree with
``MapAdapter.match``: the same rule and values, both 404, both 405 with the same
allowed methods, and ``NeedsRedirect`` wherever Werkzeug redirects (the app then
lets Werkzeug build the redirect). The generated matcher (``router._find``) must
also return exactly what the tree walker (``router._walk``) returns.

Converters raising ``ValidationError`` for a value their regex accepted are kept
out of overlapping rules: there erlen deliberately tries the next rule where
Werkzeug answers 404.

At the end, whole apps built from the same rules (added straight to ``url_map``)
are compared with Flask through real WSGI calls: status, body, ``Location`` and
``Allow``, which also covers the app's own lookup of static paths.
"""

from __future__ import annotations

import random
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from types import ModuleType
from typing import Any

import flask
import pytest
from werkzeug.datastructures import Headers
from werkzeug.exceptions import BadRequest, MethodNotAllowed, NotFound
from werkzeug.routing import BaseConverter, MapAdapter, RequestRedirect, Rule
from werkzeug.test import EnvironBuilder

import erlen
from erlen.routing import Map, NeedsRedirect, Router, _Allowed, get_router

METHODS = ["GET", "HEAD", "POST", "PUT", "DELETE", "OPTIONS", "PATCH"]
UUID = "12345678-1234-5678-1234-567812345678"
DEEP = "/".join(f"d{index}" for index in range(30))


def redirect_somewhere(adapter: MapAdapter, **values: Any) -> str:
    return "/elsewhere"


# --- maps -------------------------------------------------------------------------


def general_map() -> Map:
    """Paths on one domain: every converter, priorities, slashes, defaults, redirects."""
    rules = [
        Rule("/", endpoint="index"),
        Rule("/about", endpoint="about"),
        Rule("/about/team/", endpoint="team"),
        Rule("/users/", endpoint="users"),
        Rule("/users/<name>", endpoint="user_by_name"),
        Rule("/users/<int:uid>", endpoint="user_by_id"),
        Rule("/users/me", endpoint="me"),
        Rule("/users/<int:uid>/posts/<int:pid>", endpoint="post"),
        Rule("/users/<name>/edit", endpoint="edit_form", methods=["GET"]),
        Rule("/users/<name>/edit", endpoint="edit_save", methods=["POST"]),
        Rule("/users/<name>/<any(photos, videos):kind>/", endpoint="media"),
        Rule("/files/<path:p>", endpoint="file"),
        Rule("/files/<path:p>/edit", endpoint="file_edit"),
        Rule("/files/<path:p>/raw/", endpoint="file_raw"),
        Rule("/files/special", endpoint="file_special"),
        Rule("/mid/<path:p>/x/<int:n>", endpoint="mid"),
        Rule("/two/<path:a>/and/<path:b>", endpoint="two_paths"),
        Rule("/file-<name>.txt", endpoint="txt"),
        Rule("/file-<name>.<ext>", endpoint="any_ext"),
        Rule("/v<int:major>.<int:minor>", endpoint="version"),
        Rule("/v<int:major>", endpoint="major"),
        Rule("/f/<float:x>", endpoint="float"),
        Rule("/sf/<float(signed=True):x>", endpoint="signed_float"),
        Rule("/i/<int(signed=True):n>", endpoint="signed_int"),
        Rule("/range/<int(min=1, max=99):n>", endpoint="range"),
        Rule("/fixed/<int(fixed_digits=3):n>", endpoint="fixed"),
        Rule("/any/<any(a, b, 'c d'):x>", endpoint="any"),
        Rule("/uuid/<uuid:u>", endpoint="uuid"),
        Rule("/s/<string(length=2):s>", endpoint="len2"),
        Rule("/s/<string(minlength=3, maxlength=4):s>", endpoint="len34"),
        Rule("/loose/", endpoint="loose", strict_slashes=False),
        Rule("/loose2", endpoint="loose2", strict_slashes=False),
        Rule("/loose3/<int:n>/", endpoint="loose3", strict_slashes=False),
        Rule("/loose4/<path:p>/", endpoint="loose4", strict_slashes=False),
        Rule("/paged/", endpoint="paged", defaults={"page": 1}),
        Rule("/paged/<int:page>", endpoint="paged"),
        Rule("/const", endpoint="const", defaults={"flag": True}),
        Rule("/redir/<int:n>", endpoint="redir", redirect_to="/users/<n>"),
        Rule("/redircall/<x>", endpoint="redircall", redirect_to=redirect_somewhere),
        Rule("/alias", endpoint="about", alias=True),
        Rule("/methods", endpoint="m_post", methods=["POST"]),
        Rule("/methods", endpoint="m_put", methods=["PUT", "DELETE"]),
        Rule("/methods/<x>", endpoint="m_x_get", methods=["GET"]),
        Rule("/methods/<int:x>", endpoint="m_x_post", methods=["POST"]),
        Rule("/only-post/", endpoint="only_post", methods=["POST"]),
        Rule("/café/<name>", endpoint="cafe"),
        Rule("/日本", endpoint="japan"),
        Rule("/a//b", endpoint="literal_double", merge_slashes=False),
        Rule("/x//y", endpoint="merged_double"),
        Rule("/x/y/z", endpoint="xyz"),
        Rule("/nm/<x>", endpoint="no_merge", merge_slashes=False),
        Rule("/<lang>/docs/<path:p>", endpoint="docs"),
        Rule("/<lang>/docs", endpoint="docs_root"),
        Rule(f"/{DEEP}/<int:n>/<leaf>", endpoint="deep"),
        Rule(f"/{DEEP}/<int:n>/fixed", endpoint="deep_fixed"),
        Rule("/build-only/<x>", endpoint="build_only", build_only=True),
        *[Rule(f"/s{index}/<x>", endpoint=f"sibling{index}") for index in range(8)],
        *[Rule(f"/t/{index}", endpoint=f"static_sibling{index}") for index in range(8)],
        Rule("/t/<int:n>", endpoint="t_int"),
        Rule("/t/<name>/", endpoint="t_name"),
    ]
    return Map(rules)


def catch_all_map() -> Map:
    """Map-wide strict_slashes=False and merge_slashes=False, with a catch-all."""
    rules = [
        Rule("/", endpoint="index"),
        Rule("/<path:anything>", endpoint="catch_all"),
        Rule("/<path:anything>/", endpoint="catch_all_dir"),
        Rule("/dir/", endpoint="dir"),
        Rule("/page", endpoint="page"),
        Rule("/page/<int:n>", endpoint="page_n", methods=["GET", "POST"]),
        Rule("/strict/", endpoint="strict", strict_slashes=True),
        Rule("/merge/a/b", endpoint="merge_ab", merge_slashes=True),
        Rule("/<a>/<b>", endpoint="two"),
        Rule("/<a>/<b>/", endpoint="two_dir", methods=["PUT"]),
        Rule("/api/<any(v1, v2):version>/<path:rest>", endpoint="api"),
    ]
    return Map(rules, strict_slashes=False, merge_slashes=False)


def subdomain_map() -> Map:
    """Subdomain rules (no host matching) with a default subdomain."""
    rules = [
        Rule("/", endpoint="home"),
        Rule("/about/", endpoint="about"),
        Rule("/", endpoint="api_root", subdomain="api"),
        Rule("/v<int:version>/<path:p>", endpoint="api_path", subdomain="api"),
        Rule("/", endpoint="user_root", subdomain="<user>"),
        Rule("/posts/<int:pid>", endpoint="user_post", subdomain="<user>"),
        Rule("/settings", endpoint="settings", subdomain="<user>", methods=["POST"]),
        Rule("/", endpoint="region", subdomain="<user>.<region>"),
        Rule("/static", endpoint="apex", subdomain=""),
    ]
    return Map(rules, default_subdomain="www")


def host_map() -> Map:
    """Host matching: static hosts, hosts with converters, methods per host."""
    rules = [
        Rule("/", endpoint="a_root", host="a.test"),
        Rule("/<int:n>", endpoint="a_n", host="a.test"),
        Rule("/form", endpoint="a_form", host="a.test", methods=["POST"]),
        Rule("/", endpoint="b_root", host="<sub>.b.test"),
        Rule("/<page>/", endpoint="b_page", host="<sub>.b.test"),
        Rule("/", endpoint="port", host="a.test:<int:port>"),
        Rule("/", endpoint="two_labels", host="<x>.<y>.test"),
        Rule("/<path:p>", endpoint="any_host", host="<host>"),
    ]
    return Map(rules, host_matching=True)


class WordsConverter(BaseConverter):
    """Dash-separated words, possibly spanning slashes (so not part isolating)."""

    regex = r"[a-z]+(?:[-/][a-z]+)*"
    weight = 150

    def to_python(self, value: str) -> list[str]:
        return value.replace("/", "-").split("-")


def custom_map() -> Map:
    """Custom converters, and a map that does not redirect to default-providing rules."""
    url_map = Map(redirect_defaults=False)
    url_map.converters["words"] = WordsConverter
    for rule in [
        Rule("/w/<words:w>", endpoint="words"),
        Rule("/w/<words:w>/end", endpoint="words_end"),
        Rule("/w/<name>", endpoint="w_name"),
        Rule("/page/", endpoint="page", defaults={"n": 1}),
        Rule("/page/<int:n>", endpoint="page"),
        Rule("/old-page/<int:n>", endpoint="page", alias=True),
    ]:
        url_map.add(rule)
    return url_map


def interleaved_map() -> Map:
    """Endpoints whose rules are added interleaved: equal-priority rules in added order.

    Werkzeug's ``iter_rules`` groups rules by endpoint (and sorts each group for
    building), so it is not the order in which the matcher tries them.
    """
    rules = [
        Rule("/", endpoint="b"),
        Rule("/l/<name>", endpoint="a"),
        Rule("/l/<any(en, de):lang>", endpoint="b"),
        Rule("/same", endpoint="c", methods=["GET"]),
        Rule("/same", endpoint="b"),
        Rule("/q/<x>", endpoint="e"),
        Rule("/q/<y>", endpoint="e", defaults={"z": 1}),
        Rule("/m/<x>", endpoint="c", methods=["POST"]),
        Rule("/m/<y>", endpoint="a", methods=["GET", "POST"]),
        Rule("/m/<z>", endpoint="b", methods=["PUT"]),
        Rule("/d/<x>/", endpoint="c", strict_slashes=False),
        Rule("/d/<y>", endpoint="b"),
    ]
    return Map(rules)


def segment_rules() -> list[Rule]:
    """Whole-segment converters (matched without a regex) beside static segments and
    converters that need one; static paths split by method, taking any method,
    with defaults, lenient slashes or redirects.

    Rules whose converter may reject a value its pattern accepts (``min``/``max``,
    ``fixed_digits``, very long digit strings) have no overlapping rule.
    """
    return [
        Rule("/d/<x>", endpoint="d"),
        Rule("/d/<x>/tail", endpoint="d_tail"),
        Rule("/d/<x>/<y>", endpoint="d_two"),
        Rule("/d/static", endpoint="d_static"),
        Rule("/n/<int:x>", endpoint="n_int"),
        Rule("/n/<int:x>/more", endpoint="n_more"),
        Rule("/n/<x>", endpoint="n_str"),
        Rule("/n/zero", endpoint="n_zero"),
        Rule("/io/<int:x>", endpoint="int_only"),
        Rule("/io/<int:x>/<int:y>", endpoint="int_pair"),
        Rule("/ml/<string(minlength=2):x>", endpoint="minlength2"),
        Rule("/ln/<string(length=3):x>", endpoint="length3"),
        Rule("/ln/<string(length=3):x>/<int:n>", endpoint="length3_int"),
        Rule("/si/<int(signed=True):x>", endpoint="signed"),
        Rule("/fd/<int(fixed_digits=3):x>", endpoint="fixed3"),
        Rule("/mm/<int(min=1, max=9):x>", endpoint="min_max"),
        Rule("/fl/<float:x>", endpoint="float"),
        Rule("/uu/<uuid:x>", endpoint="uuid"),
        Rule("/pp/<path:p>", endpoint="path"),
        Rule("/pp/<path:p>/static/<int:n>", endpoint="path_static_int"),
        Rule("/pp/<int:n>/<path:p>", endpoint="int_path"),
        Rule("/<x>/mid/<int:n>", endpoint="top_mid"),
        Rule("/<int:a>/<b>/<path:c>", endpoint="mixed"),
        Rule("/same", endpoint="same_get", methods=["GET"]),
        Rule("/same", endpoint="same_post", methods=["POST"]),
        Rule("/same/", endpoint="same_dir_put", methods=["PUT"]),
        Rule("/any", endpoint="any_method"),
        Rule("/any", endpoint="any_shadowed", methods=["POST"]),
        Rule("/post-first", endpoint="post_first", methods=["POST"]),
        Rule("/post-first", endpoint="then_any"),
        Rule("/sd", endpoint="sd", defaults={"k": "v"}),
        Rule("/sd/<k>", endpoint="sd"),
        Rule("/sd2/", endpoint="sd2", defaults={"page": 1}),
        Rule("/sd2/first", endpoint="sd2", defaults={"page": 1}),
        Rule("/sd2/<int:page>", endpoint="sd2"),
        Rule("/lenient/", endpoint="lenient", strict_slashes=False),
        Rule("/lenient2", endpoint="lenient2", strict_slashes=False),
        Rule("/lenient3", endpoint="lenient3", strict_slashes=False, methods=["POST"]),
        Rule("/old", endpoint="old", redirect_to="/same"),
        Rule("/old-post", endpoint="old_post", redirect_to="/same", methods=["POST"]),
        Rule("/old-dir/", endpoint="old_dir", redirect_to="/lenient/"),
    ]


def segment_map() -> Map:
    return Map(segment_rules())


SEGMENT_SEGMENTS = [
    "d",
    "tail",
    "static",
    "n",
    "more",
    "zero",
    "io",
    "ml",
    "ln",
    "si",
    "fd",
    "mm",
    "fl",
    "uu",
    "pp",
    "mid",
    "same",
    "any",
    "post-first",
    "sd",
    "sd2",
    "first",
    "v",
    "lenient",
    "lenient2",
    "lenient3",
    "old",
    "old-post",
    "old-dir",
]


@dataclass
class Case:
    name: str
    url_map: Map
    domains: list[str]
    segments: list[str]


VALUES = [
    "",
    "a",
    "b",
    "ab",
    "abc",
    "abcd",
    "abcde",
    "me",
    "0",
    "1",
    "7",
    "12",
    "007",
    "99",
    "100",
    "-3",
    "-0",
    "-007",
    "00",
    "000",
    "0001",
    "1" * 40,
    "0" * 30 + "7",
    "9" * 400,
    "١٢",
    "٣",
    "²",
    "1²",
    "\u0663\u0664\u0665",
    "\uff11\uff12",
    "+3",
    "1.5",
    "-1.5",
    "1.",
    ".5",
    "bob",
    "edit",
    "raw",
    "x",
    "y",
    "z",
    "and",
    "docs",
    "photos",
    "videos",
    "c d",
    "café",
    "日本",
    "file-a.txt",
    "file-.txt",
    "file-a.md",
    "file-a.b.txt",
    "v3.11",
    "v3",
    "v.1",
    UUID,
    UUID.upper(),
    UUID[:-1],
    "a/b",
    "a/b/c",
    "x" * 300,
    "special",
    "fixed",
    "%2F",
    "a b",
    "~",
    ".",
    "..",
]

CASES = [
    Case(
        "general",
        general_map(),
        [""],
        [
            "users",
            "files",
            "mid",
            "two",
            "f",
            "sf",
            "i",
            "range",
            "fixed",
            "any",
            "uuid",
            "s",
            "loose",
            "loose2",
            "loose3",
            "loose4",
            "paged",
            "const",
            "redir",
            "redircall",
            "alias",
            "methods",
            "only-post",
            "posts",
            "about",
            "team",
            "en",
            "t",
            "s3",
            "build-only",
            *VALUES,
        ],
    ),
    Case(
        "catch_all",
        catch_all_map(),
        [""],
        ["dir", "page", "strict", "merge", "api", "v1", "v3", *VALUES],
    ),
    Case(
        "custom_converters",
        custom_map(),
        [""],
        ["w", "end", "page", "old-page", "a-b", "zz", *VALUES],
    ),
    Case(
        "interleaved_endpoints",
        interleaved_map(),
        [""],
        ["l", "same", "q", "m", "d", "en", "de", "fr", *VALUES],
    ),
    Case("segment_converters", segment_map(), [""], [*SEGMENT_SEGMENTS, *VALUES]),
    Case(
        "subdomains",
        subdomain_map(),
        ["", "www", "api", "ann", "ann.eu", "a.b.c", "API"],
        ["about", "v1", "v2", "posts", "settings", "static", *VALUES],
    ),
    Case(
        "hosts",
        host_map(),
        ["a.test", "a.test:8080", "x.b.test", "b.test", "q.r.b.test", "p.q.test", "other"],
        ["form", *VALUES],
    ),
]


# --- outcomes ------------------------------------------------------------------------


_adapters: dict[tuple[int, str], MapAdapter] = {}


def adapter_for(url_map: Map, domain: str) -> MapAdapter:
    """Werkzeug's adapter for a domain: the host, or the subdomain of example.test."""
    key = (id(url_map), domain)
    adapter = _adapters.get(key)
    if adapter is None:
        if url_map.host_matching:
            adapter = url_map.bind(domain or "localhost")
        else:
            adapter = url_map.bind("example.test", subdomain=domain)
        _adapters[key] = adapter
    return adapter


def werkzeug_outcome(url_map: Map, domain: str, path: str, method: str) -> tuple[Any, ...]:
    try:
        rule, values = adapter_for(url_map, domain).match(path, method, return_rule=True)
    except RequestRedirect:
        return ("redirect",)
    except MethodNotAllowed as error:
        return ("405", frozenset(error.valid_methods or ()))
    except NotFound:
        return ("404",)
    return ("match", rule, values)


def erlen_outcome(router: Router, domain: str, path: str, method: str) -> tuple[Any, ...]:
    # What the app hands the router: the path with a single leading slash.
    path = "/" + path.lstrip("/") if path else ""
    try:
        rule, values = router.match(domain, path, method)
    except NeedsRedirect:
        return ("redirect",)
    except MethodNotAllowed as error:
        return ("405", frozenset(error.valid_methods or ()))
    except NotFound:
        return ("404",)
    except Exception as error:  # reported as a disagreement, not a crash of the test
        return ("raised", repr(error)[:80])
    return ("match", rule, values)


def describe(outcome: tuple[Any, ...]) -> str:
    if outcome[0] == "match":
        return f"match {outcome[1].rule!r} ({outcome[1].endpoint}) {outcome[2]!r}"
    if outcome[0] == "405":
        return f"405 {sorted(outcome[1])}"
    if outcome[0] == "raised":
        return f"raised {outcome[1]}"
    return outcome[0]


def agree(werkzeug: tuple[Any, ...], erlen: tuple[Any, ...]) -> bool:
    if werkzeug[0] == "match" and erlen[0] == "match":
        return werkzeug[1] is erlen[1] and werkzeug[2] == erlen[2]
    return werkzeug == erlen


def may_delegate(url_map: Map, domain: str, path: str, method: str, werkzeug: Any) -> bool:
    """Whether erlen may hand this request to Werkzeug although Werkzeug does not redirect.

    The router flags every alias and every rule that some earlier rule of its
    endpoint provides defaults for (Werkzeug redirects only when the values equal
    those defaults, and only if the map's ``redirect_defaults`` is on), and
    every request whose merged path matches (Werkzeug refuses it for a rule with
    ``merge_slashes=False``). The app then asks Werkzeug, so the result is the same.
    """
    if werkzeug[0] == "match":
        rule = werkzeug[1]
        return rule.alias or any(
            other.provides_defaults_for(rule) for other in url_map._rules_by_endpoint[rule.endpoint]
        )
    if "//" in path:
        merged = werkzeug_outcome(url_map, domain, re.sub("/{2,}", "/", path), method)
        return merged[0] == "match" and merged[1].merge_slashes is False
    return False


def rejected_by_converter(url_map: Map, domain: str, path: str, method: str) -> bool:
    """Werkzeug redirects to the merged path although a converter rejects it there.

    Werkzeug converts values only after choosing the merged path's rule, so it
    redirects to a URL that then answers 404; erlen converts while matching and
    answers 404 at once (the ``ValidationError`` difference this module excludes).
    """
    if "//" not in path:
        return False
    merged = werkzeug_outcome(url_map, domain, re.sub("/{2,}", "/", path), method)
    return merged == ("404",)


# --- requests ------------------------------------------------------------------------

_VARIABLE = re.compile(r"<[^>]+>")


def paths_from_rules(url_map: Map, rng: random.Random, per_rule: int) -> Iterator[str]:
    """Each rule's path with its variables replaced by assorted values."""
    for rule in url_map.iter_rules():
        for _ in range(per_rule):
            path = _VARIABLE.sub(lambda _: rng.choice(VALUES), rule.rule)
            roll = rng.random()
            if roll < 0.15:
                path = path.rstrip("/") if path.endswith("/") else path + "/"
            elif roll < 0.2 and len(path) > 1:
                path = path[:-1]
            yield path


def random_paths(segments: list[str], rng: random.Random, count: int) -> Iterator[str]:
    for _ in range(count):
        parts = [rng.choice(segments) for _ in range(rng.randint(0, 6))]
        path = "/" + "/".join(parts)
        if rng.random() < 0.2:
            path += "/"
        yield path


HAND_PICKED = [
    "",
    "/",
    "/users",
    "/users/",
    "/users/me",
    "/users/me/",
    "/users/12",
    "/users/12/",
    "/users/0012",
    "/users/-1",
    "/users/12/posts/3",
    "/users/12/posts/x",
    "/users/bob/posts/3",
    "/users/bob/edit",
    "/users/12/edit",
    "/users/bob/photos",
    "/users/bob/photos/",
    "/users/bob/music/",
    "/files",
    "/files/",
    "/files/a",
    "/files/a/",
    "/files/a/b/c",
    "/files/a/b/edit",
    "/files/edit",
    "/files/a/edit/",
    "/files/a/raw",
    "/files/a/raw/",
    "/files/a/b/raw",
    "/files/raw/",
    "/files/special",
    "/files/special/",
    "/files//a",
    "/files/a//b",
    "/mid/a/x/1",
    "/mid/a/b/x/1",
    "/mid/x/1",
    "/mid/a/x/y",
    "/two/a/and/b",
    "/two/a/b/and/c/d",
    "/two/and/and/and",
    "/file-a.txt",
    "/file-a.b.txt",
    "/file-a.md",
    "/file-.txt",
    "/file-a.",
    "/v3.11",
    "/v3",
    "/v3.",
    "/v",
    "/loose",
    "/loose/",
    "/loose2",
    "/loose2/",
    "/loose3/4",
    "/loose3/4/",
    "/loose4/a/b",
    "/loose4/a/b/",
    "/paged",
    "/paged/",
    "/paged/1",
    "/paged/2",
    "/const",
    "/redir/5",
    "/redircall/x",
    "/alias",
    "/methods",
    "/methods/7",
    "/methods/x",
    "/only-post",
    "/only-post/",
    "/café/x",
    "/caf%C3%A9/x",
    "/日本",
    "/日本/",
    "/a//b",
    "/a/b",
    "/x/y",
    "/x//y",
    "/x///y",
    "/x//y/z",
    "/x/y//z",
    "/nm//y",
    "/nm/y",
    "//x/y/z",
    "/en/docs",
    "/en/docs/",
    "/en/docs/a/b",
    "/en//docs",
    f"/{DEEP}/1/leaf",
    f"/{DEEP}/1/fixed",
    f"/{DEEP}/1/",
    f"/{DEEP}/x/leaf",
    f"/{DEEP}",
    "/t/3",
    "/t/9",
    "/t/x",
    "/t/x/",
    "/t/3/",
    "/s5/a",
    "/s5/",
    "/s9/a",
    "/build-only/x",
    "/" + "a" * 5000,
    "/files/" + "a/" * 300,
    "/" + "/".join(["seg"] * 200),
    "/%",
    "/ ",
    "/\t",
    "/a\nb",
    "/..",
    "/./x",
    "/dir",
    "/dir/",
    "/page/",
    "/page/3/",
    "/strict",
    "/merge//a/b",
    "/merge/a//b",
    "/q/w/",
    "/api/v1/x/y/",
    "/api/v3/x",
    "/static",
    "/about",
    "/posts/1",
    "/settings",
    "/v2/a/b",
    "/form",
    "/7/",
    "/d/",
    "/d//",
    "/d/a",
    "/d/a/",
    "/d//tail",
    "/d/a//tail",
    "/d/static",
    "/d/static/tail",
    "/n/²",
    "/n/١٢",
    "/n/١٢/more",
    "/n/²/more",
    "/n/007",
    "/n/-1",
    "/n/zero",
    "/n/",
    "/n//",
    "/io/²",
    "/io/١٢",
    "/io/٣/٣",
    "/io/007/0",
    "/io/" + "0" * 300,
    "/io/" + "9" * 4000,
    "/io/1//2",
    "/ml/a",
    "/ml/ab",
    "/ml/²²",
    "/ln/ab",
    "/ln/abc",
    "/ln/abcd",
    "/ln/abc/1",
    "/ln/日本語/٣",
    "/si/-1",
    "/si/-0",
    "/si/--1",
    "/si/-",
    "/si/+1",
    "/si/-١٢",
    "/fd/007",
    "/fd/0007",
    "/fd/07",
    "/fd/١٢٣",
    "/mm/0",
    "/mm/1",
    "/mm/09",
    "/mm/10",
    "/mm/٩",
    "/fl/1.5",
    "/fl/1",
    "/fl/\u0661.\u0665",
    f"/uu/{UUID}",
    f"/uu/{UUID.upper()}",
    "/pp/a/static/3",
    "/pp/a/b/static/3",
    "/pp/static/3",
    "/pp/3/a",
    "/pp/3",
    "/pp/3/",
    "/pp//a",
    "/x/mid/1",
    "/d/mid/1",
    "/1/b/c",
    "/1/b/c/d/",
    "/\u0661/b/c",
    "/same/",
    "/any/",
    "/post-first",
    "/post-first/",
    "/sd/v",
    "/sd/w",
    "/sd2",
    "/sd2/first",
    "/sd2/1",
    "/sd2/2",
    "/lenient3",
    "/lenient3/",
    "/old/",
    "/old-post",
    "/old-dir",
    "/old-dir/",
]


def requests_for(case: Case, seed: int) -> Iterator[tuple[str, str, str]]:
    """Hand-picked, rule-derived and random paths, each on a few domains and methods."""
    rng = random.Random(seed)
    paths = [*HAND_PICKED, *paths_from_rules(case.url_map, rng, 12)]
    paths += random_paths(case.segments, rng, 1200)
    for path in paths:
        domains = case.domains if len(case.domains) < 3 else rng.sample(case.domains, 3)
        for domain in domains:
            yield domain, path, "GET"
            yield domain, path, rng.choice(METHODS)


def with_double_slashes(path: str, rng: random.Random) -> str:
    if "/" not in path[1:]:
        return path + "//" if path else "//"
    cut = rng.choice([index for index, char in enumerate(path) if char == "/" and index > 0])
    return path[:cut] + "/" * rng.randint(2, 3) + path[cut:]


def mismatches(
    case: Case, requests: Iterator[tuple[str, str, str]]
) -> list[tuple[str, str, str, str, str]]:
    router = Router(case.url_map)
    found = []
    for domain, path, method in requests:
        werkzeug = werkzeug_outcome(case.url_map, domain, path, method)
        erlen = erlen_outcome(router, domain, path, method)
        if agree(werkzeug, erlen):
            continue
        if erlen[0] == "redirect" and may_delegate(case.url_map, domain, path, method, werkzeug):
            continue
        if (werkzeug[0], erlen[0]) == ("redirect", "404") and rejected_by_converter(
            case.url_map, domain, path, method
        ):
            continue
        if not agree(werkzeug, erlen):
            found.append((domain, path[:80], method, describe(werkzeug), describe(erlen)))
    return list(dict.fromkeys(found))


def report(problems: list[Any]) -> str:
    lines = [f"{len(problems)} disagreements, first ones:"]
    lines += [repr(problem) for problem in problems[:25]]
    return "\n".join(lines)


@pytest.fixture(params=CASES, ids=[case.name for case in CASES])
def case(request: pytest.FixtureRequest) -> Case:
    return request.param  # type: ignore[no-any-return]


# --- tests ---------------------------------------------------------------------------


def test_router_agrees_with_werkzeug_on_paths_without_repeated_slashes(case: Case) -> None:
    requests = (
        (domain, path, method)
        for domain, path, method in requests_for(case, seed=1)
        if "//" not in path
    )
    problems = mismatches(case, requests)
    assert not problems, report(problems)


def test_router_agrees_with_werkzeug_on_paths_with_repeated_slashes(case: Case) -> None:
    rng = random.Random(2)
    requests = (
        (domain, with_double_slashes(path, rng), method)
        for domain, path, method in requests_for(case, seed=2)
        if rng.random() < 0.5
    )
    problems = mismatches(case, requests)
    assert not problems, report(problems)


def test_generated_matcher_returns_what_reference_walker_returns(case: Case) -> None:
    router = Router(case.url_map)
    rng = random.Random(3)
    problems = []

    def run(function: Callable[..., Any], *args: Any) -> tuple[Any, ...]:
        allowed = _Allowed()
        try:
            result = function(*args, allowed)
        except NeedsRedirect:
            return ("redirect",)
        if result is None:
            return (None, frozenset(allowed))
        entry, values = result
        return (id(entry), values, frozenset(allowed))

    for domain, path, method in requests_for(case, seed=3):
        if rng.random() < 0.2:
            path = with_double_slashes(path, rng)
        parts = [domain, *path.split("/")]
        walked = run(router._walk, router.root, parts, 0, [], method)
        compiled = run(router._find, parts, method)
        if walked != compiled:
            problems.append((domain, path[:80], method, walked, compiled))
    assert not problems, report(problems)


def test_allowed_methods_for_options_agree_with_werkzeug(case: Case) -> None:
    router = Router(case.url_map)
    problems = []
    for domain, path, _ in requests_for(case, seed=4):
        if "//" in path:
            continue
        erlen = erlen_outcome(router, domain, path, "OPTIONS")
        if erlen[0] != "match":
            continue
        expected = set(adapter_for(case.url_map, domain).allowed_methods(path))
        actual = set(router.allowed_methods(domain, "/" + path.lstrip("/")))
        if expected != actual:
            problems.append((domain, path[:80], sorted(expected), sorted(actual)))
    assert not problems, report(problems)


def test_router_agrees_with_werkzeug_on_hand_picked_requests() -> None:
    url_map = general_map()
    router = Router(url_map)
    expectations = {
        ("/users/me", "GET"): "me",
        ("/users/12", "GET"): "user_by_id",
        ("/users/bob", "GET"): "user_by_name",
        ("/users/bob/edit", "POST"): "edit_save",
        ("/files/a/b/edit", "GET"): "file_edit",
        ("/files/special", "GET"): "file_special",
        ("/file-a.txt", "GET"): "txt",
        ("/file-a.md", "GET"): "any_ext",
        ("/t/3", "GET"): "static_sibling3",
        ("/t/9", "GET"): "t_int",
        (f"/{DEEP}/1/fixed", "GET"): "deep_fixed",
        (f"/{DEEP}/1/leaf", "GET"): "deep",
        ("/loose3/4/", "GET"): "loose3",
        ("/loose3/4", "GET"): "loose3",
    }
    for (path, method), endpoint in expectations.items():
        werkzeug = werkzeug_outcome(url_map, "", path, method)
        erlen = erlen_outcome(router, "", path, method)
        assert werkzeug[0] == "match"
        assert werkzeug[1].endpoint == endpoint
        assert agree(werkzeug, erlen), (path, describe(werkzeug), describe(erlen))


def test_router_is_rebuilt_when_rules_are_added() -> None:
    url_map = Map([Rule("/a", endpoint="a")])
    first = get_router(url_map)
    assert get_router(url_map) is first
    assert first.match("", "/a", "GET")[0].endpoint == "a"
    with pytest.raises(NotFound):
        first.match("", "/b/1", "GET")

    url_map.add(Rule("/b/<int:n>", endpoint="b"))
    second = get_router(url_map)
    assert second is not first
    rule, values = second.match("", "/b/1", "GET")
    assert (rule.endpoint, values) == ("b", {"n": 1})


class GroupedConverter(BaseConverter):
    """A regex with named groups of its own, which must not clash with the matcher's."""

    regex = r"(?P<v0>[0-9a-f]{2})(?P<suffix>[0-9a-f]{2})?"
    weight = 40


def test_converter_regex_with_its_own_named_groups_matches_like_werkzeug() -> None:
    url_map = Map()
    url_map.converters["grouped"] = GroupedConverter
    url_map.add(Rule("/g/<grouped:g>", endpoint="grouped"))
    url_map.add(Rule("/g/<grouped:g>/<path:rest>/", endpoint="grouped_rest"))
    url_map.add(Rule("/g/<g>", endpoint="g_name"))
    router = Router(url_map)
    for path in ["/g/ab", "/g/abcd", "/g/abc", "/g/zz", "/g/ab/x/y/", "/g/ab/x/y"]:
        werkzeug = werkzeug_outcome(url_map, "", path, "GET")
        erlen = erlen_outcome(router, "", path, "GET")
        assert agree(werkzeug, erlen), (path, describe(werkzeug), describe(erlen))


def test_map_merge_slashes_switched_off_after_adding_rules_matches_like_werkzeug() -> None:
    # Werkzeug's matcher keeps the setting the map was created with; rules added
    # earlier keep the one they were bound with.
    url_map = Map([Rule("/a/b", endpoint="ab"), Rule("/c/<x>", endpoint="c")])
    url_map.merge_slashes = False
    router = Router(url_map)
    for path in ["/a//b", "/c//x", "/a/b"]:
        werkzeug = werkzeug_outcome(url_map, "", path, "GET")
        erlen = erlen_outcome(router, "", path, "GET")
        assert agree(werkzeug, erlen), (path, describe(werkzeug), describe(erlen))


def test_http_request_to_websocket_only_rule_is_400_like_werkzeug() -> None:
    url_map = Map([Rule("/ws", endpoint="ws", websocket=True), Rule("/http", endpoint="http")])
    router = Router(url_map)
    adapter = url_map.bind("example.test", subdomain="")

    with pytest.raises(BadRequest):
        adapter.match("/ws", "GET")
    with pytest.raises(BadRequest):
        router.match("", "/ws", "GET")


# --- whole apps: erlen's request cycle against Flask's ------------------------------


def app_with_rules(fw: ModuleType, rules: list[Rule]) -> Any:
    """An app whose rules are added straight to its ``url_map``; each view echoes
    its endpoint and arguments."""
    app = flask.Flask(__name__) if fw is flask else erlen.Erlen(__name__)
    for rule in rules:
        app.url_map.add(rule)

    def echo(**values: Any) -> str:
        return f"{fw.request.endpoint} {sorted(values.items())!r}"

    for rule in rules:
        app.view_functions[rule.endpoint] = echo
    return app


def wsgi_answer(app: Any, path: str, method: str) -> tuple[Any, ...]:
    """Status, body and the headers routing decides (``Location``, ``Allow`` as a set)."""
    environ = EnvironBuilder(path=path, method=method, query_string="q=1").get_environ()
    seen: dict[str, Any] = {}

    def start_response(status: str, headers: list[tuple[str, str]], exc_info: Any = None) -> Any:
        seen["status"] = status
        seen["headers"] = Headers(headers)
        return lambda data: None

    body = b"".join(app(environ, start_response))
    headers = seen["headers"]
    allow = frozenset(headers.get("Allow", "").split(", ")) - {""}
    return seen["status"], body, headers.get("Location"), allow


def test_app_answers_like_flask_for_segment_converters_and_static_rules() -> None:
    erlen_app = app_with_rules(erlen, segment_rules())
    general_app = app_with_rules(erlen, segment_rules())
    general_app._inline_cycle = False  # erlen's general adapter, for comparison
    flask_app = app_with_rules(flask, segment_rules())
    rng = random.Random(5)
    paths = [*HAND_PICKED, *paths_from_rules(segment_map(), rng, 6)]
    paths += random_paths([*SEGMENT_SEGMENTS, *VALUES], rng, 400)
    requests = [(path, method) for path in paths for method in ["GET", rng.choice(METHODS)]]
    problems = []
    for path, method in requests:
        if not path:
            continue
        expected = wsgi_answer(flask_app, path, method)
        actual = wsgi_answer(erlen_app, path, method)
        general = wsgi_answer(general_app, path, method)
        if actual != expected or general != actual:
            problems.append((path[:80], method, expected[::2], actual[::2], general[::2]))
    assert not problems, report(problems)


@pytest.mark.parametrize("fw", [erlen, flask], ids=["erlen", "flask"])
def test_static_path_split_by_method_gives_each_method_its_rule(fw: ModuleType) -> None:
    app = app_with_rules(fw, segment_rules())
    assert wsgi_answer(app, "/same", "GET")[:2] == ("200 OK", b"same_get []")
    assert wsgi_answer(app, "/same", "HEAD")[:2] == ("200 OK", b"")
    assert wsgi_answer(app, "/same", "POST")[:2] == ("200 OK", b"same_post []")
    status, _, _, allow = wsgi_answer(app, "/same", "DELETE")
    assert (status, allow) == ("405 METHOD NOT ALLOWED", {"GET", "HEAD", "POST"})


@pytest.mark.parametrize("fw", [erlen, flask], ids=["erlen", "flask"])
@pytest.mark.parametrize("method", ["GET", "POST", "PUT", "DELETE", "PATCH", "PURGE", "OPTIONS"])
def test_rule_added_to_url_map_without_methods_takes_every_method(
    fw: ModuleType, method: str
) -> None:
    app = app_with_rules(fw, segment_rules())
    assert wsgi_answer(app, "/any", method)[:2] == ("200 OK", b"any_method []")


@pytest.mark.parametrize("fw", [erlen, flask], ids=["erlen", "flask"])
def test_static_rules_with_defaults_redirect_to_the_rule_providing_them(fw: ModuleType) -> None:
    app = app_with_rules(fw, segment_rules())
    assert wsgi_answer(app, "/sd", "GET")[:2] == ("200 OK", b"sd [('k', 'v')]")
    assert wsgi_answer(app, "/sd/v", "GET")[::2] == (
        "308 PERMANENT REDIRECT",
        "http://localhost/sd?q=1",
    )
    assert wsgi_answer(app, "/sd/w", "GET")[:2] == ("200 OK", b"sd [('k', 'w')]")
    assert wsgi_answer(app, "/sd2/", "GET")[:2] == ("200 OK", b"sd2 [('page', 1)]")
    assert wsgi_answer(app, "/sd2/first", "GET")[::2] == (
        "308 PERMANENT REDIRECT",
        "http://localhost/sd2/?q=1",
    )
    assert wsgi_answer(app, "/sd2/1", "GET")[::2] == (
        "308 PERMANENT REDIRECT",
        "http://localhost/sd2/?q=1",
    )


@pytest.mark.parametrize("fw", [erlen, flask], ids=["erlen", "flask"])
def test_unicode_digits_match_int_but_superscripts_do_not(fw: ModuleType) -> None:
    app = app_with_rules(fw, segment_rules())
    assert wsgi_answer(app, "/io/١٢", "GET")[:2] == ("200 OK", b"int_only [('x', 12)]")
    assert wsgi_answer(app, "/io/²", "GET")[0] == "404 NOT FOUND"
    assert wsgi_answer(app, "/n/²", "GET")[:2] == ("200 OK", b"n_str [('x', '\xc2\xb2')]")
    assert wsgi_answer(app, "/n/007", "GET")[:2] == ("200 OK", b"n_int [('x', 7)]")


def test_segment_string_tests_accept_exactly_what_the_patterns_accept() -> None:
    # The router tests whole-segment "\d+" with str.isdecimal: equal for every code point.
    every_character = "".join(map(chr, range(0x110000)))
    matched = set(re.findall(r"\d", every_character))
    decimal = {char for char in every_character if char.isdecimal()}
    assert sorted(map(hex, map(ord, matched ^ decimal))) == []


@pytest.mark.parametrize(
    "path",
    [
        "/io/" + "9" * 5000,
        "/io/" + "0" * 4301 + "1",
        "/io/1/" + "9" * 5000,
        "/si/-" + "9" * 5000,
        "/n/" + "9" * 5000 + "/more",
    ],
    ids=["int", "leading-zeros", "second-int", "signed", "int-then-static"],
)
def test_digit_string_too_long_for_int_is_404_like_werkzeug(path: str) -> None:
    # Werkzeug's int converter turns int()'s ValueError (over 4300 digits) into a
    # rejection of the value; both answer 404 (no other rule could match).
    url_map = segment_map()
    assert werkzeug_outcome(url_map, "", path, "GET") == ("404",)
    assert erlen_outcome(Router(url_map), "", path, "GET") == ("404",)
    erlen_app = app_with_rules(erlen, segment_rules())
    flask_app = app_with_rules(flask, segment_rules())
    assert wsgi_answer(erlen_app, path, "GET") == wsgi_answer(flask_app, path, "GET")
