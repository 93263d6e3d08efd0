"""URL matching: Werkzeug's ``Map`` for declaring and building, erlen's router for matching.

``Map`` is Werkzeug's, so everything that inspects or builds URLs keeps working. It
counts its changes, and :class:`Router` is compiled from it once per change:
fully static paths are one dict lookup; other rules form a tree of path segments
walked with precompiled patterns, in the priority order Werkzeug documents (static
segments before converters, then by converter weight, then by registration).

The router does not produce redirects itself. When a match would redirect (a
missing trailing slash, merged slashes, ``redirect_to``, a rule providing defaults)
it raises :class:`NeedsRedirect` and the caller lets Werkzeug's adapter build the
exact redirect: rare requests, identical URLs.
"""

from __future__ import annotations

import re
import typing as t

from werkzeug.exceptions import MethodNotAllowed, NotFound
from werkzeug.routing import Map as _WerkzeugMap
from werkzeug.routing import Rule, ValidationError, parse_converter_args

if t.TYPE_CHECKING:
    from werkzeug.routing import BaseConverter, RuleFactory

__all__ = ["Map", "NeedsRedirect", "Router"]

_var_re = re.compile(
    r"<(?:(?P<converter>[a-zA-Z_][a-zA-Z0-9_]*)(?:\((?P<args>.*?)\))?:)?"
    r"(?P<variable>[a-zA-Z_][a-zA-Z0-9_]*)>"
)
_multi_slash = re.compile("/{2,}")


class Map(_WerkzeugMap):
    """Werkzeug's ``Map`` that tells erlen's router when its rules change."""

    #: Bumped on every added rule; the compiled router is rebuilt when it moves.
    version: int = 0

    def add(self, rulefactory: RuleFactory) -> None:
        super().add(rulefactory)
        self.version += 1

    @property
    def router(self) -> Router:
        """The compiled router for the current rules."""
        router: Router | None = self.__dict__.get("_router")
        if router is None or router.version != self.version:
            router = Router(self)
            self.__dict__["_router"] = router
        return router


class NeedsRedirect(Exception):
    """The request matches only by redirecting; Werkzeug's adapter builds the URL."""


class _Part:
    """One segment of a rule's path (or the whole rest of it, for ``path``)."""

    __slots__ = ("final", "key", "names", "pattern", "static", "suffixed", "text", "weight")

    def __init__(
        self,
        text: str,
        static: bool,
        final: bool,
        suffixed: bool,
        weight: tuple[t.Any, ...],
        names: list[str],
    ) -> None:
        self.text = text
        self.static = static
        self.final = final
        self.suffixed = suffixed
        self.weight = weight
        self.names = names
        self.pattern = None if static else re.compile(text)
        # Rules whose parts are equal share a node of the tree.
        self.key = (text, static, final, suffixed, weight)


class _Node:
    __slots__ = ("dynamic", "rules", "static")

    def __init__(self) -> None:
        self.static: dict[str, _Node] = {}
        self.dynamic: list[tuple[_Part, _Node]] = []
        self.rules: list[_Entry] = []


class _Entry:
    """A rule as the router sees it: the rule, its converters and method set."""

    __slots__ = ("converters", "defaults", "methods", "redirects", "rule", "strict_slashes")

    def __init__(self, rule: Rule, converters: list[tuple[str, BaseConverter]]) -> None:
        self.rule = rule
        self.converters = converters
        self.methods = rule.methods
        self.defaults = rule.defaults
        self.strict_slashes = rule.strict_slashes
        self.redirects = False

    def convert(self, values: list[str]) -> dict[str, t.Any] | None:
        """The view arguments, or None when a converter rejects its value."""
        result: dict[str, t.Any] = {}
        try:
            for (name, converter), value in zip(self.converters, values):
                result[name] = converter.to_python(value)
        except ValidationError:
            return None
        if self.defaults:
            result.update(self.defaults)
        return result


def _parse(
    text: str, url_map: _WerkzeugMap, converters: list[tuple[str, BaseConverter]]
) -> list[_Part]:
    """Split a rule (or its domain) into parts the way Werkzeug's matcher does."""
    parts: list[_Part] = []
    content = ""
    static = True
    final = False
    static_weights: list[tuple[int, int]] = []
    arg_weights: list[int] = []
    names: list[str] = []

    def flush(suffixed: bool = False) -> None:
        weight = (-len(static_weights), static_weights, -len(arg_weights), arg_weights)
        body = content if static else content + r"\Z"
        parts.append(_Part(body, static, final, suffixed, weight, names))

    pos = 0
    while pos < len(text):
        if text[pos] == "/":
            pos += 1
            if final:
                content += "/"
                continue
            flush()
            content, static, final = "", True, False
            static_weights, arg_weights, names = [], [], []
            continue
        match = _var_re.match(text, pos)
        if match is None:
            end = pos + 1
            while end < len(text) and text[end] not in "/<":
                end += 1
            chunk = text[pos:end]
            static_weights.append((len(static_weights), -len(chunk)))
            content += chunk if static else re.escape(chunk)
            pos = end
            continue
        if static:
            content = re.escape(content)
            static = False
        args, kwargs = parse_converter_args(match["args"] or "")
        converter = url_map.converters[match["converter"] or "default"](url_map, *args, **kwargs)
        name = f"v{len(names)}"
        names.append(name)
        converters.append((match["variable"], converter))
        content += f"(?P<{name}>{converter.regex})"
        arg_weights.append(converter.weight)
        if not converter.part_isolating:
            final = True
        pos = match.end()

    if final and content.endswith("/"):
        # A slash-matching converter followed by "/": match with or without it.
        content = content[:-1] + "(?<!/)(?P<suffix>/?)"
        flush(suffixed=True)
        parts.append(_Part("", True, False, False, parts[-1].weight, []))
    else:
        flush()
    return parts


class Router:
    """Matches ``(domain, path, method)`` to a rule and its converted arguments."""

    def __init__(self, url_map: Map) -> None:
        self.version = url_map.version
        self.root = _Node()
        #: domain -> path -> entries, for rules without any converter.
        self.static: dict[str, dict[str, list[_Entry]]] = {}
        self.merge_slashes = url_map.merge_slashes
        by_endpoint: dict[str, list[_Entry]] = {}

        for rule in url_map.iter_rules():
            if rule.websocket or rule.build_only:
                continue
            converters: list[tuple[str, BaseConverter]] = []
            domain_rule = (rule.host if url_map.host_matching else rule.subdomain) or ""
            if domain_rule:
                parts = _parse(domain_rule, url_map, converters)
            else:
                parts = [_Part("", True, False, False, (0, [], 0, []), [])]
            path_rule = rule.rule
            if rule.merge_slashes:
                path_rule = _multi_slash.sub("/", path_rule)
            parts += _parse(path_rule, url_map, converters)
            entry = _Entry(rule, converters)
            by_endpoint.setdefault(rule.endpoint, []).append(entry)
            self._insert(parts, entry)
            if not converters:
                self.static.setdefault(domain_rule, {}).setdefault(path_rule, []).append(entry)

        self._sort(self.root)
        # Matches that Werkzeug would turn into a redirect.
        for entries in by_endpoint.values():
            for index, entry in enumerate(entries):
                rule = entry.rule
                earlier = [e.rule for e in entries[:index]]
                if (
                    rule.redirect_to is not None
                    or rule.alias
                    or (
                        url_map.redirect_defaults
                        and any(r.provides_defaults_for(rule) for r in earlier)
                    )
                ):
                    entry.redirects = True
        self._static_root = self.static.get("", {})

    def _insert(self, parts: list[_Part], entry: _Entry) -> None:
        node = self.root
        for part in parts:
            if part.static:
                node = node.static.setdefault(part.text, _Node())
                continue
            for other, child in node.dynamic:
                if other.key == part.key:
                    node = child
                    break
            else:
                child = _Node()
                node.dynamic.append((part, child))
                node = child
        node.rules.append(entry)

    def _sort(self, node: _Node) -> None:
        node.dynamic.sort(key=lambda item: item[0].weight)
        for child in node.static.values():
            self._sort(child)
        for _, child in node.dynamic:
            self._sort(child)

    def match(self, domain: str, path: str, method: str) -> tuple[Rule, dict[str, t.Any]]:
        """The matching rule and view arguments.

        Raises ``NotFound``, ``MethodNotAllowed`` (with the allowed methods), or
        :class:`NeedsRedirect`.
        """
        table = self._static_root if domain == "" else self.static.get(domain)
        if table is not None:
            entries = table.get(path)
            if entries is not None:
                for entry in entries:
                    if entry.methods is None or method in entry.methods:
                        if entry.redirects:
                            raise NeedsRedirect()
                        return entry.rule, dict(entry.defaults) if entry.defaults else {}

        allowed: set[str] = set()
        parts = [domain, *path.split("/")]
        found = self._walk(self.root, parts, 0, [], method, allowed)
        if found is None and self.merge_slashes and "//" in path:
            merged = [domain, *_multi_slash.sub("/", path).split("/")]
            if self._walk(self.root, merged, 0, [], method, set()) is not None:
                raise NeedsRedirect()
        if found is None:
            if allowed:
                raise MethodNotAllowed(valid_methods=sorted(allowed))
            raise NotFound()
        entry, values = found
        if entry.redirects:
            raise NeedsRedirect()
        return entry.rule, values

    def allowed_methods(self, domain: str, path: str) -> list[str]:
        """The methods some rule accepts for this path, for ``OPTIONS`` and 405."""
        allowed: set[str] = set()
        try:
            found = self._walk(self.root, [domain, *path.split("/")], 0, [], "--", allowed)
        except NeedsRedirect:
            return []
        if found is not None and found[0].methods is None:
            return []
        return sorted(allowed)

    def _accept(
        self, entries: list[_Entry], values: list[str], method: str, allowed: set[str]
    ) -> tuple[_Entry, dict[str, t.Any]] | None:
        for entry in entries:
            if entry.methods is not None and method not in entry.methods:
                allowed.update(entry.methods)
                continue
            result = entry.convert(values)
            if result is not None:
                return entry, result
        return None

    def _walk(
        self,
        node: _Node,
        parts: list[str],
        index: int,
        values: list[str],
        method: str,
        allowed: set[str],
    ) -> tuple[_Entry, dict[str, t.Any]] | None:
        if index == len(parts):
            found = self._accept(node.rules, values, method, allowed)
            if found is not None:
                return found
            slashed = node.static.get("")
            if slashed is not None:
                for entry in slashed.rules:
                    if entry.methods is None or method in entry.methods:
                        if entry.strict_slashes:
                            raise NeedsRedirect()
                        result = entry.convert(values)
                        if result is not None:
                            return entry, result
            return None

        part = parts[index]
        child = node.static.get(part)
        if child is not None:
            found = self._walk(child, parts, index + 1, values, method, allowed)
            if found is not None:
                return found

        for dynamic, child in node.dynamic:
            if dynamic.final:
                target = "/".join(parts[index:])
                rest, rest_index = parts, len(parts)
            else:
                target = part
                rest, rest_index = parts, index + 1
            matched = dynamic.pattern.match(target)  # type: ignore[union-attr]
            if matched is None:
                continue
            if dynamic.suffixed and matched["suffix"] == "/":
                rest, rest_index = [""], 0
            captured = [matched[name] for name in dynamic.names]
            found = self._walk(child, rest, rest_index, values + captured, method, allowed)
            if found is not None:
                return found

        if index == len(parts) - 1 and part == "":
            # "/path/" reaches rules for "/path" that do not insist on no slash.
            for entry in node.rules:
                if entry.strict_slashes:
                    continue
                if entry.methods is not None and method not in entry.methods:
                    allowed.update(entry.methods)
                    continue
                result = entry.convert(values)
                if result is not None:
                    return entry, result
        return None
