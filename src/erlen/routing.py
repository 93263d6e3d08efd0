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
from werkzeug.routing import (
    BaseConverter,
    IntegerConverter,
    Rule,
    ValidationError,
    WebsocketMismatch,
    parse_converter_args,
)
from werkzeug.routing import Map as _WerkzeugMap

if t.TYPE_CHECKING:
    from werkzeug.routing import RuleFactory

__all__ = ["Map", "NeedsRedirect", "Router", "get_router"]

_var_re = re.compile(
    r"<(?:(?P<converter>[a-zA-Z_][a-zA-Z0-9_]*)(?:\((?P<args>.*?)\))?:)?"
    r"(?P<variable>[a-zA-Z_][a-zA-Z0-9_]*)>"
)
_multi_slash = re.compile("/{2,}")


class Map(_WerkzeugMap):
    """Werkzeug's ``Map``, remembering the order rules were added in.

    Werkzeug's matcher tries rules of equal priority in that order, but the map
    itself only keeps rules grouped by endpoint. ``version`` counts additions, so
    the router knows when to recompile.
    """

    def __init__(self, *args: t.Any, **kwargs: t.Any) -> None:
        #: Bumped by every :meth:`add`.
        self.version = 0
        #: Every rule, in the order added.
        self.rules_in_order: list[Rule] = []
        #: The router compiled from this map (see :func:`get_router`).
        self._erlen_router: Router | None = None
        super().__init__(*args, **kwargs)

    def add(self, rulefactory: RuleFactory) -> None:
        # A factory makes new rules on each call, so ask it once.
        for rule in rulefactory.get_rules(self):
            super().add(rule)
            self.rules_in_order.append(rule)
        self.version += 1


def _map_version(url_map: _WerkzeugMap) -> int:
    version = getattr(url_map, "version", None)
    if version is None:
        # A map that is not erlen's: count its rules instead.
        return sum(map(len, url_map._rules_by_endpoint.values()))
    return version  # type: ignore[no-any-return]


def get_router(url_map: _WerkzeugMap) -> Router:
    """The compiled router for a map's current rules, rebuilt when rules are added."""
    router: Router | None = getattr(url_map, "_erlen_router", None)
    if router is None or router.version != _map_version(url_map):
        router = Router(url_map)
        url_map._erlen_router = router  # type: ignore[attr-defined]
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

    __slots__ = (
        "converters",
        "default_providers",
        "defaults",
        "methods",
        "plain",
        "redirects",
        "rule",
        "strict_slashes",
    )

    def __init__(self, rule: Rule, converters: list[tuple[str, BaseConverter]]) -> None:
        self.rule = rule
        self.converters = converters
        self.methods = rule.methods
        self.defaults = rule.defaults
        self.strict_slashes = rule.strict_slashes
        #: Whether a match always redirects (``redirect_to``, aliases).
        self.redirects = rule.redirect_to is not None or rule.alias
        #: Rules of the same endpoint whose defaults may turn a match into a redirect.
        self.default_providers: list[Rule] = []
        #: No defaults, redirects or default providers: a match is the rule and its values.
        self.plain = not (self.defaults or self.redirects)

    def convert(self, values: list[str]) -> dict[str, t.Any] | None:
        """The view arguments, or None when a converter rejects its value."""
        result: dict[str, t.Any] = {}
        try:
            for (name, converter), value in zip(self.converters, values, strict=False):
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
        name = f"__erlen_{len(names)}"
        names.append(name)
        converters.append((match["variable"], converter))
        content += f"(?P<{name}>{converter.regex})"
        arg_weights.append(converter.weight)
        if not converter.part_isolating:
            final = True
        pos = match.end()

    if final and content.endswith("/"):
        # A slash-matching converter followed by "/": match with or without it.
        content = content[:-1] + "(?<!/)(?P<__erlen_suffix>/?)"
        flush(suffixed=True)
        parts.append(_Part("", True, False, False, parts[-1].weight, []))
    else:
        flush()
    return parts


class Router:
    """Matches ``(domain, path, method)`` to a rule and its converted arguments."""

    def __init__(self, url_map: _WerkzeugMap, websocket: bool = False) -> None:
        self.url_map = url_map
        self.version = _map_version(url_map)
        self.root = _Node()
        #: domain -> path -> entries, for rules without any converter.
        self.static: dict[str, dict[str, list[_Entry]]] = {}
        #: Matches only WebSocket rules, to tell a mismatch (400) from a 404.
        self.websocket_router: Router | None = None
        entries: dict[int, _Entry] = {}  # by id(): rules are not hashable

        rules: list[Rule] | None = getattr(url_map, "rules_in_order", None)
        if rules is None:
            rules = list(url_map.iter_rules())
        have_websocket = False
        for rule in rules:
            if rule.build_only:
                continue
            if rule.websocket != websocket:
                have_websocket = True
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
            entry = entries[id(rule)] = _Entry(rule, converters)
            self._insert(parts, entry)
            if not converters:
                self.static.setdefault(domain_rule, {}).setdefault(path_rule, []).append(entry)

        self._sort(self.root)
        if url_map.redirect_defaults:
            # Werkzeug redirects to a rule of the same endpoint that comes before the
            # matched one in building order and supplies its arguments as defaults.
            url_map.update()
            for endpoint_rules in url_map._rules_by_endpoint.values():
                for index, rule in enumerate(endpoint_rules):
                    found = entries.get(id(rule))
                    if found is not None:
                        found.default_providers = [
                            r for r in endpoint_rules[:index] if r.provides_defaults_for(rule)
                        ]
        if have_websocket and not websocket:
            self.websocket_router = Router(url_map, websocket=True)
        for entry in entries.values():
            entry.plain = entry.plain and not entry.default_providers
        #: The default domain's static paths: path -> method -> first accepting entry
        #: (``None`` -> the first entry taking any method).
        self._static_root = {
            path: _by_method(path_entries) for path, path_entries in self.static.get("", {}).items()
        }
        #: The subset of ``_static_root`` a request path can be looked up in as it
        #: comes (ASCII, one leading slash) whose entries need no further checks.
        self.plain_static: dict[str, dict[str, _Entry]] = {
            path: plain
            for path, by_method in self._static_root.items()
            if path.isascii() and path[:1] == "/" and path[1:2] != "/"
            for plain in [{m: e for m, e in by_method.items() if m is not None and e.plain}]
            if plain and None not in by_method
        }
        self._find = _Compiler(self).compile()

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

        Raises ``NotFound``, ``MethodNotAllowed`` (with the allowed methods),
        ``WebsocketMismatch``, or :class:`NeedsRedirect`.
        """
        if domain == "":
            by_method = self._static_root.get(path)
            if by_method is not None:
                entry = by_method.get(method) or by_method.get(None)
                if entry is not None:
                    if entry.plain:
                        return entry.rule, {}
                    values = dict(entry.defaults) if entry.defaults else {}
                    self._check_redirect(entry, values, method)
                    return entry.rule, values
            # The domain comes first in the tree; for "" this equals [domain, *split].
            parts = ("/" + path).split("/")
        else:
            table = self.static.get(domain)
            if table is not None:
                for entry in table.get(path, ()):
                    if entry.methods is None or method in entry.methods:
                        values = dict(entry.defaults) if entry.defaults else {}
                        if not entry.plain:
                            self._check_redirect(entry, values, method)
                        return entry.rule, values
            parts = [domain, *path.split("/")]

        found = self._find(parts, method, _discard)
        if found is None:
            self._no_match(domain, path, parts, method)
        entry, values = found
        if not entry.plain:
            self._check_redirect(entry, values, method)
        return entry.rule, values

    def _no_match(self, domain: str, path: str, parts: list[str], method: str) -> t.NoReturn:
        """Raise what a path no rule matches gets: a redirect, 405, 400 or 404."""
        allowed = _Allowed()
        self._find(parts, method, allowed)
        if self.url_map.merge_slashes and "//" in path:
            merged = [domain, *_multi_slash.sub("/", path).split("/")]
            if self._find(merged, method, allowed) is not None:
                raise NeedsRedirect()
        if allowed:
            raise MethodNotAllowed(valid_methods=sorted(allowed))
        ws = self.websocket_router
        if ws is not None and ws._find(parts, method, _discard) is not None:
            raise WebsocketMismatch(
                "This URL is a WebSocket endpoint: it expects a WebSocket handshake"
                " (a GET with 'Upgrade: websocket'), served over ASGI."
            )
        raise NotFound()

    @staticmethod
    def _check_redirect(entry: _Entry, values: dict[str, t.Any], method: str) -> None:
        if entry.redirects or any(
            rule.suitable_for(values, method) for rule in entry.default_providers
        ):
            raise NeedsRedirect()

    def allowed_methods(self, domain: str, path: str) -> list[str]:
        """The methods some rule accepts for this path, for ``OPTIONS`` and 405."""
        allowed = _Allowed()
        try:
            found = self._walk(self.root, [domain, *path.split("/")], 0, [], "--", allowed)
        except NeedsRedirect:
            return []
        if found is not None and found[0].methods is None:
            return []
        return sorted(allowed)

    @staticmethod
    def _accept(
        entries: list[_Entry], values: list[str], method: str, allowed: _Allowed | _Discard
    ) -> tuple[_Entry, dict[str, t.Any]] | None:
        """The first of a node's rules that takes the method and the values."""
        for entry in entries:
            if entry.methods is not None and method not in entry.methods:
                allowed.consider(entry, values)
                continue
            result = entry.convert(values)
            if result is not None:
                return entry, result
        return None

    @staticmethod
    def _slashed(
        entries: list[_Entry], values: list[str], method: str
    ) -> tuple[_Entry, dict[str, t.Any]] | None:
        """A rule for the path plus "/": a redirect if it insists on the slash."""
        for entry in entries:
            if entry.methods is None or method in entry.methods:
                if entry.strict_slashes:
                    raise NeedsRedirect()
                result = entry.convert(values)
                if result is not None:
                    return entry, result
        return None

    @staticmethod
    def _unslashed(
        entries: list[_Entry], values: list[str], method: str, allowed: _Allowed | _Discard
    ) -> tuple[_Entry, dict[str, t.Any]] | None:
        """A rule without the trailing slash the path has, if it allows one."""
        lenient = [entry for entry in entries if not entry.strict_slashes]
        return Router._accept(lenient, values, method, allowed)

    def _walk(
        self,
        node: _Node,
        parts: list[str],
        index: int,
        values: list[str],
        method: str,
        allowed: _Allowed | _Discard,
    ) -> tuple[_Entry, dict[str, t.Any]] | None:
        """Depth-first search of the tree: the reference the compiled matcher follows."""
        if index == len(parts):
            found = self._accept(node.rules, values, method, allowed)
            if found is not None:
                return found
            slashed = node.static.get("")
            if slashed is not None:
                return self._slashed(slashed.rules, values, method)
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
            if dynamic.suffixed and matched["__erlen_suffix"] == "/":
                rest, rest_index = [""], 0
            captured = [matched[name] for name in dynamic.names]
            found = self._walk(child, rest, rest_index, values + captured, method, allowed)
            if found is not None:
                return found

        if index == len(parts) - 1 and part == "":
            # "/path/" reaches rules for "/path" that do not insist on no slash.
            return self._unslashed(node.rules, values, method, allowed)
        return None


_Found = tuple[_Entry, dict[str, t.Any]] | None


def _inline_conversion(converter: BaseConverter, var: str) -> str | None:
    """Source converting ``var`` when that cannot fail, else None.

    The pattern has already matched, so the default converter keeps the string
    and an unbounded ``int`` converter is ``int()``.
    """
    if type(converter).to_python is BaseConverter.to_python:
        return var
    if (
        type(converter) is IntegerConverter
        and not converter.fixed_digits
        and converter.min is None
        and converter.max is None
    ):
        return f"int({var})"
    return None


#: Segment patterns (as ``_parse`` writes them) that a string method decides exactly:
#: a segment split at "/" holds no "/", and ``\d`` matches what ``isdecimal`` accepts.
_SEGMENT_TESTS = {
    r"(?P<__erlen_0>[^/]+)\Z": "{} != ''",
    r"(?P<__erlen_0>[^/]{1,})\Z": "{} != ''",
    r"(?P<__erlen_0>\d+)\Z": "{}.isdecimal()",
}


class _Allowed(set[str]):
    """The methods of the rules that match a path but not the request's method (for a
    405's ``Allow``): a rule whose converters refuse the path's values does not match
    it, so its methods are not counted (``/items/<small:n>`` with n out of range is a
    404 for every method)."""

    def consider(self, entry: _Entry, values: list[str]) -> None:
        if entry.convert(values) is not None:
            self.update(entry.methods or ())


class _Discard:
    """Stands in for :class:`_Allowed` while a match is still expected."""

    __slots__ = ()

    def update(self, methods: t.Iterable[str]) -> None:
        pass

    def consider(self, entry: _Entry, values: list[str]) -> None:
        pass


_discard = _Discard()


def _by_method(entries: list[_Entry]) -> dict[str | None, _Entry]:
    """Static entries of one path keyed by method: the first entry accepting it wins."""
    table: dict[str | None, _Entry] = {}
    for entry in entries:
        if entry.methods is None:
            table.setdefault(None, entry)
            # Later rules never win: this one takes every method first.
            break
        for method in entry.methods:
            table.setdefault(method, entry)
    return table


class _LazySubtree:
    """A dict-dispatch entry that compiles its subtree when first reached.

    Large maps then cost compile time only for the paths requests actually use.
    """

    __slots__ = ("depth", "key", "node", "router", "table", "values")

    def __init__(
        self,
        router: Router,
        node: _Node,
        depth: int,
        values: list[str],
        table: dict[str, t.Any],
        key: str,
    ) -> None:
        self.router = router
        self.node = node
        self.depth = depth
        self.values = values
        self.table = table
        self.key = key

    def __call__(self, *args: t.Any) -> _Found:
        compiler = _Compiler(self.router)
        name = compiler.function(self.node, self.depth, self.values)
        function = compiler.build()[name]
        # Later requests call the compiled function directly.
        self.table[self.key] = function
        return function(*args)  # type: ignore[no-any-return]


class _Compiler:
    """Turns a router's tree into one Python function with the tree's search unrolled.

    Segment positions become constants and backtracking becomes falling through to
    the next ``if``; nodes with many static children dispatch through a dict to a
    function each, compiled on first use. The result returns what ``Router._walk``
    would, for any input.
    """

    #: Static children tested with ``if`` before switching to a dict lookup.
    max_inline_static = 4
    #: Deeper trees are finished by the generic walker, to bound nesting.
    max_depth = 24

    def __init__(self, router: Router) -> None:
        self.router = router
        self.names: dict[str, t.Any] = {
            "accept": router._accept,
            "slashed": router._slashed,
            "unslashed": router._unslashed,
            "walk": router._walk,
        }
        self.functions: list[list[str]] = []
        self.counter = 0

    def const(self, value: t.Any, prefix: str) -> str:
        self.counter += 1
        name = f"{prefix}{self.counter}"
        self.names[name] = value
        return name

    def compile(self) -> t.Callable[[list[str], str, _Allowed | _Discard], _Found]:
        """The matcher for the whole tree."""
        lines = ["def find(parts, method, allowed):", "    n = len(parts)"]
        self.node(self.router.root, 0, [], lines, 1)
        lines.append("    return None")
        self.functions.append(lines)
        return self.build()["find"]  # type: ignore[no-any-return]

    def build(self) -> dict[str, t.Any]:
        """Compile the functions generated so far; their namespace."""
        source = "\n".join(line for function in self.functions for line in function) + "\n"
        namespace = dict(self.names)
        exec(compile(source, "<erlen router>", "exec"), namespace)
        return namespace

    def leaf(self, node: _Node, values: list[str], lines: list[str], indent: int) -> None:
        pad = "    " * indent
        args = f"[{', '.join(values)}]"
        for entry in node.rules:
            self.accept(entry, values, lines, indent)
        slashed = node.static.get("")
        if slashed is not None and slashed.rules:
            entries = self.const(slashed.rules, "E")
            lines.append(f"{pad}r = slashed({entries}, {args}, method)")
            lines.append(f"{pad}if r is not None: return r")
        if not node.rules and (slashed is None or not slashed.rules):
            lines.append(f"{pad}pass")

    def accept(self, entry: _Entry, values: list[str], lines: list[str], indent: int) -> None:
        """Inline ``Router._accept`` for one rule: method check, then conversion."""
        pad = "    " * indent
        name = self.const(entry, "E")
        if entry.methods is None:
            test = "True"
        else:
            methods = self.const(frozenset(entry.methods), "M")
            test = f"method in {methods}"
        lines.append(f"{pad}if {test}:")
        inline = [
            _inline_conversion(c, var) for (_, c), var in zip(entry.converters, values, strict=True)
        ]
        if all(code is not None for code in inline):
            # Conversions the pattern has already vetted: build the arguments directly.
            items = [
                f"{arg!r}: {code}" for (arg, _), code in zip(entry.converters, inline, strict=True)
            ]
            if entry.defaults:
                items.append(f"**{self.const(entry.defaults, 'D')}")
            result = f"return {name}, {{{', '.join(items)}}}"
            if any(code.startswith("int(") for code in inline):  # type: ignore[union-attr]
                # Only a number too long for int() (sys.get_int_max_str_digits) fails:
                # a rejected value, as for the converter, so the search goes on.
                lines.extend(
                    [f"{pad}    try:", f"{pad}        {result}", f"{pad}    except ValueError:"]
                )
                lines.append(f"{pad}        pass")
            else:
                lines.append(f"{pad}    {result}")
        else:
            lines.append(f"{pad}    r = {name}.convert([{', '.join(values)}])")
            lines.append(f"{pad}    if r is not None: return {name}, r")
        if entry.methods is not None:
            lines.append(f"{pad}else:")
            if all(code is not None for code in inline):  # values the pattern vetted
                lines.append(f"{pad}    allowed.update({methods})")
            else:
                lines.append(f"{pad}    allowed.consider({name}, [{', '.join(values)}])")

    def node(
        self, node: _Node, depth: int, values: list[str], lines: list[str], indent: int
    ) -> None:
        pad = "    " * indent
        if depth > self.max_depth:
            name = self.const(node, "N")
            lines.append(
                f"{pad}r = walk({name}, parts, {depth}, [{', '.join(values)}], method, allowed)"
            )
            lines.append(f"{pad}if r is not None: return r")
            return

        lines.append(f"{pad}if n == {depth}:")
        self.leaf(node, values, lines, indent + 1)
        lines.append(f"{pad}else:")
        inner = pad + "    "
        segment = f"p{depth}"
        lines.append(f"{inner}{segment} = parts[{depth}]")

        if len(node.static) > self.max_inline_static:
            table: dict[str, t.Any] = {}
            for text, child in node.static.items():
                table[text] = _LazySubtree(self.router, child, depth + 1, values, table, text)
            name = self.const(table, "S")
            lines.append(f"{inner}f = {name}.get({segment})")
            lines.append(f"{inner}if f is not None:")
            params = "".join(", " + v for v in values)
            lines.append(f"{inner}    r = f(parts, n, method, allowed{params})")
            lines.append(f"{inner}    if r is not None: return r")
        else:
            for text, child in node.static.items():
                lines.append(f"{inner}if {segment} == {text!r}:")
                self.node(child, depth + 1, values, lines, indent + 2)

        for part, child in node.dynamic:
            match = f"m{depth}"
            captured = []
            test = _SEGMENT_TESTS.get(part.text)
            if test is not None and not part.final:
                # A whole segment taken by a common converter: a string test.
                lines.append(f"{inner}if {test.format(segment)}:")
                self.counter += 1
                var = f"v{self.counter}"
                lines.append(f"{inner}    {var} = {segment}")
                captured.append(var)
            else:
                pattern = self.const(part.pattern, "P")
                target = f'"/".join(parts[{depth}:])' if part.final else segment
                lines.append(f"{inner}{match} = {pattern}.match({target})")
                lines.append(f"{inner}if {match} is not None:")
                for group in part.names:
                    self.counter += 1
                    var = f"v{self.counter}"
                    lines.append(f"{inner}    {var} = {match}[{group!r}]")
                    captured.append(var)
            body = indent + 2
            if part.suffixed or (part.final and (child.dynamic or set(child.static) - {""})):
                name = self.const(child, "N")
                rest = (
                    f'([""], 0) if {match}["__erlen_suffix"] == "/" else (parts, n)'
                    if part.suffixed
                    else "(parts, n)"
                )
                lines.append(f"{inner}    rest, at = {rest}")
                lines.append(
                    f"{inner}    r = walk({name}, rest, at, [{', '.join(values + captured)}],"
                    " method, allowed)"
                )
                lines.append(f"{inner}    if r is not None: return r")
            elif part.final:
                self.leaf(child, values + captured, lines, body)
            else:
                self.node(child, depth + 1, values + captured, lines, body)

        if any(not entry.strict_slashes for entry in node.rules):
            entries = self.const(node.rules, "E")
            lines.append(f"{inner}if n == {depth + 1} and {segment} == '':")
            lines.append(
                f"{inner}    r = unslashed({entries}, [{', '.join(values)}], method, allowed)"
            )
            lines.append(f"{inner}    if r is not None: return r")

    def function(self, node: _Node, depth: int, values: list[str]) -> str:
        """A separate function for a subtree, for dict dispatch."""
        self.counter += 1
        name = f"_node{self.counter}"
        params = "".join(", " + v for v in values)
        lines = [f"def {name}(parts, n, method, allowed{params}):"]
        self.node(node, depth, values, lines, 1)
        lines.append("    return None")
        self.functions.append(lines)
        return name
