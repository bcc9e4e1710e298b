"""Reading YAML safely and within bounds, keeping the line of every value.

Only YAML's safe subset is accepted: a tag such as `!!python/object` is refused (with its
line), so a config can never make lolpop construct arbitrary objects. Every value's path
(`$.components.trainer.max_depth`) is mapped to the line where its key stands, so that
decoding errors can point into the file. Duplicate keys, which PyYAML would silently
resolve to the last one, are reported, and so is a key YAML reads as something other than
text (`1:` is an integer, `true:` a boolean). As in YAML 1.2, a number written with an
exponent (`1e-4`, `1e3`) is a number (YAML 1.1 reads it as text unless it has a dot and a
signed exponent), and only `true` and `false` are booleans (YAML 1.1 reads `yes`, `no`,
`on` and `off` as booleans too, so a label `yes` became True).

Bounds. A YAML document is a graph, not a tree: an alias (`*a`) names a node written once,
so 9 levels of 9 aliases (under 500 bytes) stand for 9**9 values, and any walk that follows
them (a line map, interpolation, decoding) runs for minutes and takes gigabytes. So a
document is measured before anything walks it, in time linear in the file, not in the
expansion: while composing, the nesting depth and the nodes are counted, and an alias to a
node that contains it (a recursive alias) is refused; then one walk over the distinct
nodes, memoised by identity, gives the size each would have with its aliases written out.
A document is refused, with the line of the node at fault, when that expanded tree would
have more than `MAX_VALUES` values (keys, items and scalars), more than `MAX_TEXT`
characters of text or more than `MAX_DEPTH` levels; a file over `MAX_BYTES` is refused
before it is parsed. lolpop's example configs have 90 to 180 values, 8 levels and 1 to 3 KB:
the caps are far above any real config, and low enough that every later pass (each bounded
by the expanded tree) stays well under a second and a hundred MB. With the depth bounded, no
recursive walk over a config can exhaust Python's stack.

Constructing the checked graph shares aliased values (one object per node), so it is
linear too. A value YAML cannot construct (an integer longer than `MAX_INT_DIGITS`, a date
that does not exist) is a `ConfigError` with its line, like a syntax error.
"""

from __future__ import annotations

import math
import re
from collections import deque
from collections.abc import Callable, Mapping, Sequence
from typing import NamedTuple, Protocol, TypeVar

import yaml
from returns.result import Failure, Result, Success
from yaml.events import AliasEvent, CollectionStartEvent, Event
from yaml.reader import ReaderError

from lolpop.errors import ConfigError, ConfigProblem

#: The largest config file read, in bytes (1 MiB; lolpop's examples have 1-3 KB). PyYAML
#: scans ~2 MB of comments or long text a second here, so this bounds that time too.
MAX_BYTES = 1 << 20
#: The most values (keys, items, scalars) a document may have with its aliases written
#: out: a 10,000-item list of one-key mappings fits; a billion laughs does not. PyYAML
#: composes ~50,000 nodes a second here (20 us each): a denser file is refused within ~1 s.
MAX_VALUES = 50_000
#: The most characters of text (keys and scalars) with aliases written out: 4 x MAX_BYTES,
#: so that aliases may repeat text, but no pass that copies or prints it can blow up.
MAX_TEXT = 4 * MAX_BYTES
#: The deepest nesting, aliases written out (a document is 1, its keys and values 2, ...);
#: lolpop's own configs reach 8, and every recursive pass stays far from Python's stack limit.
MAX_DEPTH = 64
#: The longest integer read, in decimal digits: Python's own default limit for printing
#: one, so every message, dump and export of a config's integers works.
MAX_INT_DIGITS = 4_300
_MAX_INT_BITS = int(MAX_INT_DIGITS * math.log2(10))  # 2**_MAX_INT_BITS has 4,300 digits
#: Characters of paths kept in a line map; deeper paths fall back to an ancestor's line.
_LINE_MAP_BUDGET = 2_000_000
#: A key is shown with at most this many characters in a path or a message.
_SHOWN = 60

_IDENTIFIER = re.compile(r"^[A-Za-z_][A-Za-z0-9_-]*$")
_CORE = "tag:yaml.org,2002:"
_STR, _MERGE = f"{_CORE}str", f"{_CORE}merge"
_READ_AS = {
    f"{_CORE}bool": "a boolean",
    f"{_CORE}int": "an integer",
    f"{_CORE}float": "a number",
    f"{_CORE}null": "null",
    f"{_CORE}timestamp": "a date",
}
_TOO_MANY = (
    f"the document has more than {MAX_VALUES:,} values once its aliases are written out "
    "(each alias counts as a copy of what it names); no config needs that many"
)
_TOO_LONG = (
    f"the document has more than {MAX_TEXT:,} characters of text once its aliases are "
    "written out (each alias counts as a copy of what it names)"
)
_TOO_DEEP = (
    f"the document nests more than {MAX_DEPTH} levels deep (counting through aliases); "
    "a config needs far fewer"
)


def shorten(text: str, limit: int = _SHOWN) -> str:
    """`text`, cut to `limit` characters (and its length said) when it is longer."""
    return text if len(text) <= limit else f"{text[:limit]}...({len(text):,} characters)"


def child_path(path: str, key: object) -> str:
    """The path of a mapping's key or a sequence's index under `path` (a long key cut)."""
    if isinstance(key, int) and not isinstance(key, bool):
        return f"{path}[{key}]"
    text = shorten(str(key))
    return f"{path}.{text}" if _IDENTIFIER.match(text) else f"{path}[{text!r}]"


class _Refused(Exception):
    """A bound exceeded or a value refused, at a line; the message is the whole story."""

    def __init__(self, message: str, line: int | None = None) -> None:
        super().__init__(message)
        self.line = line


class _Mark(Protocol):
    """A position in the text (PyYAML's pure and C marks alike); `line` counts from 0."""

    @property
    def line(self) -> int: ...


def _line_of(mark: _Mark | None) -> int | None:
    return mark.line + 1 if mark is not None else None


def _tag_name(tag: str) -> str:
    """A tag as written in YAML (`!!int`, `!foo`)."""
    return "!!" + tag.removeprefix(_CORE) if tag.startswith(_CORE) else shorten(tag)


# --- measuring a graph without expanding it -----------------------------------------------

_Item = TypeVar("_Item")


class _Extent(NamedTuple):
    """What a value would be with its aliases written out (counts stop past their cap)."""

    values: int
    text: int
    depth: int


#: A leaf's extent, for finding a fault (a leaf's text, under `MAX_BYTES`, is never one).
_LEAF = _Extent(1, 0, 1)


def _extents(
    root: _Item, parts: Callable[[_Item], Sequence[_Item]], text: Callable[[_Item], int]
) -> dict[int, _Extent]:
    """The expanded extent of every distinct value under `root`, by `id`.

    A post-order walk with an explicit stack (no recursion), each distinct value measured
    once from its parts' extents: linear in the distinct values and the edges between
    them, however many times aliases repeat them. A value met again while its own parts
    are being measured would be a cycle; YAML's are refused while composing, so this is
    a guard.
    """
    done: dict[int, _Extent] = {}
    open_: set[int] = set()
    # (value, None) to visit; (value, its parts) once its parts are measured.
    stack: list[tuple[_Item, Sequence[_Item] | None]] = [(root, None)]
    while stack:
        item, inner = stack.pop()
        key = id(item)
        if inner is not None:
            values, chars, depth = 1, text(item), 1
            for part in inner:
                # A leaf (no parts) is not kept in `done`: most values are leaves.
                extent = done.get(id(part)) or _Extent(1, text(part), 1)
                values += extent.values
                chars += extent.text
                depth = max(depth, extent.depth + 1)
            done[key] = _Extent(
                min(values, MAX_VALUES + 1), min(chars, MAX_TEXT + 1), min(depth, MAX_DEPTH + 1)
            )
            open_.discard(key)
        elif key not in done:
            if key in open_:
                raise _Refused("the document contains itself (a recursive alias)")
            found = parts(item)
            open_.add(key)
            stack.append((item, found))
            stack.extend((part, None) for part in found if parts(part) and id(part) not in done)
    return done


def _at_fault(
    root: _Item, parts: Callable[[_Item], Sequence[_Item]], extents: Mapping[int, _Extent]
) -> tuple[_Item, str] | None:
    """The value to blame for an expanded extent over a cap, and the cap's message.

    For too many values or too much text: the smallest value that is over the cap by
    itself (the alias-heavy node, not the document); for depth: the value at the first
    level past `MAX_DEPTH` on the deepest branch.
    """

    def extent(item: _Item) -> _Extent:
        return extents.get(id(item), _LEAF)

    top = extent(root)
    for field, cap, message in (("values", MAX_VALUES, _TOO_MANY), ("text", MAX_TEXT, _TOO_LONG)):
        if getattr(top, field) > cap:
            item = root
            while (
                heavy := next((p for p in parts(item) if getattr(extent(p), field) > cap), None)
            ) is not None:
                item = heavy
            return item, message
    if top.depth > MAX_DEPTH:
        item = root
        for _ in range(MAX_DEPTH):
            item = max(parts(item), key=lambda p: extent(p).depth)
        return item, _TOO_DEEP
    return None


def _node_parts(node: yaml.Node) -> Sequence[yaml.Node]:
    if isinstance(node, yaml.MappingNode):
        return [part for pair in node.value for part in pair]
    if isinstance(node, yaml.SequenceNode):
        return list(node.value)
    return ()


def _node_text(node: yaml.Node) -> int:
    return len(node.value) if isinstance(node, yaml.ScalarNode) else 0


def _data_parts(data: object) -> Sequence[object]:
    if isinstance(data, Mapping):
        return [*data.keys(), *data.values()]
    if isinstance(data, list | tuple | set | frozenset):
        return list(data)
    return ()


def _data_text(data: object) -> int:
    if isinstance(data, int) and data.bit_length() > _MAX_INT_BITS:
        raise _Refused(_long_integer(f"of ~{int(data.bit_length() * math.log10(2)):,} digits"))
    return len(data) if isinstance(data, str | bytes) else 0


def _long_integer(text: str) -> str:
    return (
        f"the integer {text} is too long: lolpop reads integers of at most "
        f"{MAX_INT_DIGITS:,} digits (write it in quotes to read it as text)"
    )


def check_bounds(data: object) -> str | None:
    """Why plain data (read from TOML, or after interpolation) exceeds a bound, or None:
    the same caps as a YAML document's, measured without expanding shared values."""
    try:
        extents = _extents(data, _data_parts, _data_text)
    except _Refused as refusal:
        return str(refusal)
    fault = _at_fault(data, _data_parts, extents)
    return fault[1] if fault is not None else None


# --- composing and constructing within bounds ---------------------------------------------


class _BoundedLoader(yaml.SafeLoader):
    """PyYAML's safe loader, counting while it composes: every node (aliases included)
    against `MAX_VALUES`, the nesting against `MAX_DEPTH` (so composing, which recurses,
    stays shallow), and aliases to a collection still being composed (a recursive alias).
    Values it cannot construct are refused with their line."""

    def __init__(self, text: str) -> None:
        super().__init__(text)
        self._nodes = 0
        self._depth = 0
        self._open: set[str] = set()

    def compose_node(self, parent: yaml.Node | None, index: int) -> yaml.Node | None:
        event: Event = self.peek_event()  # type: ignore[no-untyped-call]  # untyped in types-PyYAML
        line = _line_of(event.start_mark)
        self._nodes += 1
        if self._nodes > MAX_VALUES:
            raise _Refused(_TOO_MANY, line)
        if isinstance(event, AliasEvent):
            if event.anchor in self._open:
                raise _Refused(
                    f"the alias *{shorten(str(event.anchor))} names a node that contains it "
                    "(a recursive alias): a config must be a tree",
                    line,
                )
            return super().compose_node(parent, index)
        if self._depth >= MAX_DEPTH:
            raise _Refused(_TOO_DEEP, line)
        anchor = event.anchor if isinstance(event, CollectionStartEvent) else None
        if anchor is not None:
            self._open.add(anchor)
        self._depth += 1
        try:
            return super().compose_node(parent, index)
        finally:
            self._depth -= 1
            if anchor is not None:
                self._open.discard(anchor)

    def construct_object(self, node: yaml.Node, deep: bool = False) -> object:
        try:
            return super().construct_object(node, deep)
        except (_Refused, yaml.YAMLError):
            raise
        except Exception as error:
            # PyYAML's constructors parse a tagged scalar's text and fail as that fails:
            # ValueError (a date that does not exist, `!!float x`), KeyError (`!!bool
            # maybe`), AttributeError (`!!timestamp` on text no date pattern matches)...
            # This is the node that failed: an inner node's failure is `_Refused` already.
            what = shorten(node.value) if isinstance(node, yaml.ScalarNode) else "this value"
            why = f": {shorten(str(error), 200)}" if isinstance(error, ValueError) else ""
            raise _Refused(
                f"cannot read {what!r} as {_tag_name(node.tag)}{why}", _line_of(node.start_mark)
            ) from None


def _construct_int(loader: yaml.SafeLoader, node: yaml.ScalarNode) -> int:
    # Python converts a long decimal in quadratic time and refuses to print one over its
    # limit; YAML 1.1's base-60 integers (`1:20:30`) grow fast: refuse them all early.
    text: str = node.value
    if len(text.replace("_", "")) > MAX_INT_DIGITS + 2:
        raise _Refused(_long_integer(shorten(text, 20)), _line_of(node.start_mark))
    try:
        value = loader.construct_yaml_int(node)
    except ValueError:  # over Python's own limit (`sys.set_int_max_str_digits`)
        value = 1 << (_MAX_INT_BITS + 1)
    if value.bit_length() > _MAX_INT_BITS:
        raise _Refused(_long_integer(shorten(text, 20)), _line_of(node.start_mark))
    return value


_BoundedLoader.add_constructor(f"{_CORE}int", _construct_int)
#: Booleans as in YAML 1.2: `true` and `false` alone. YAML 1.1 (PyYAML) also reads `yes`,
#: `no`, `on` and `off` as booleans, so a label `yes` became True (`pos_label: yes`,
#: `allowed_values: [yes, no]`); here they are text, as the user wrote them.
_BoundedLoader.yaml_implicit_resolvers = {
    first: [(tag, pattern) for tag, pattern in resolvers if tag != f"{_CORE}bool"]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}
_BoundedLoader.add_implicit_resolver(
    f"{_CORE}bool", re.compile(r"^(?:true|True|TRUE|false|False|FALSE)$"), list("tTfF")
)
#: A number with an exponent, read as a number as in YAML 1.2: YAML 1.1 (PyYAML) wants a
#: dot and a signed exponent (`1.0e-4`), and reads `learning_rate: 1e-4` or `max_iter: 1e3`
#: as text. Checked after YAML 1.1's own patterns, so it only adds what they left as text.
_EXPONENT = re.compile(r"^[-+]?[0-9][0-9_]*(?:\.[0-9_]*)?[eE][-+]?[0-9]+$")
_BoundedLoader.add_implicit_resolver(f"{_CORE}float", _EXPONENT, list("-+0123456789"))


class _Dumper(yaml.SafeDumper):
    """PyYAML's safe dumper, quoting text that lolpop's loader reads as a number (`'1e3'`)."""


_Dumper.add_implicit_resolver(f"{_CORE}float", _EXPONENT, list("-+0123456789"))


def dump_yaml(data: object, *, sort_keys: bool = True) -> str:
    """`data` as YAML that lolpop reads back as the same data (PyYAML's safe dump would
    leave text such as `1e3` unquoted, which lolpop reads as a number)."""
    return yaml.dump(data, Dumper=_Dumper, sort_keys=sort_keys, allow_unicode=True)


def _check_graph(root: yaml.Node) -> None:
    """Refuse a composed document whose expanded tree would exceed a cap."""
    extents = _extents(root, _node_parts, _node_text)
    fault = _at_fault(root, _node_parts, extents)
    if fault is not None:
        node, message = fault
        raise _Refused(message, _line_of(node.start_mark))


def _key_problem(key: yaml.Node) -> str | None:
    """Why a mapping key is not a name, if it is not."""
    if not isinstance(key, yaml.ScalarNode):
        what = "mapping" if isinstance(key, yaml.MappingNode) else "list"
        return f"a key here is a {what}; a key must be a name (text)"
    if key.tag in (_STR, _MERGE):
        return None
    if key.tag == f"{_CORE}null" and not key.value:
        return "a key here is empty (YAML reads it as null); give it a name"
    shown = shorten(key.value, 40)
    read_as = _READ_AS.get(key.tag, f"a value tagged {_tag_name(key.tag)}")
    return (
        f"the key {shown!r} is read as {read_as}, not as text; a key must be a name: "
        f'write it in quotes ("{shown}":)'
    )


def _keys_and_lines(root: yaml.Node, source: str) -> tuple[dict[str, int], list[ConfigProblem]]:
    """The line of each path, and every key that is not a name or is repeated.

    Breadth first over the distinct nodes: a node reached again through an alias is not
    walked again (an error under it takes the line of the alias's key, its nearest mapped
    ancestor), so the map is linear in the file; and its paths stop at `_LINE_MAP_BUDGET`
    characters, the deepest left to their ancestors' lines.
    """
    lines: dict[str, int] = {}
    problems: list[ConfigProblem] = []
    budget = _LINE_MAP_BUDGET
    seen = {id(root)}
    queue: deque[tuple[yaml.Node, str]] = deque([(root, "$")])

    def visit(node: yaml.Node, path: str, line: int) -> None:
        nonlocal budget
        if budget > 0 and path not in lines:
            lines[path] = line
            budget -= len(path)
        if isinstance(node, yaml.CollectionNode) and id(node) not in seen:
            seen.add(id(node))
            queue.append((node, path))

    while queue:
        node, path = queue.popleft()
        if isinstance(node, yaml.SequenceNode):
            for index, item in enumerate(node.value):
                visit(item, child_path(path, index), item.start_mark.line + 1)
            continue
        if not isinstance(node, yaml.MappingNode):
            continue  # a document that is a single scalar
        names: set[str] = set()
        for key, value in node.value:
            line = key.start_mark.line + 1
            problem = _key_problem(key)
            if problem is not None:
                at = child_path(path, key.value) if isinstance(key, yaml.ScalarNode) else path
                problems.append(ConfigProblem(problem, at, source, line))
            elif key.tag == _MERGE:
                # `<<: *base` (or `<<: [*a, *b]`) merges those mappings' keys here; walked
                # here if not seen elsewhere, they keep their own lines.
                merged = value.value if isinstance(value, yaml.SequenceNode) else [value]
                for mapping in merged:
                    if isinstance(mapping, yaml.MappingNode) and id(mapping) not in seen:
                        seen.add(id(mapping))
                        queue.append((mapping, path))
            else:
                child = child_path(path, key.value)
                if key.value in names:
                    problems.append(
                        ConfigProblem(f"duplicate key {shorten(key.value)!r}", child, source, line)
                    )
                names.add(key.value)
                visit(value, child, line)
    return lines, problems


def read_yaml(
    raw: bytes | str, source: str = ""
) -> Result[tuple[object, dict[str, int]], ConfigError]:
    """The data of a YAML document and the line of each path in it, or why not.

    The document is measured before anything walks it (see the module's notes): a file
    over `MAX_BYTES`, an expansion over `MAX_VALUES` values or `MAX_TEXT` characters, a
    nesting over `MAX_DEPTH` or a recursive alias is refused with its line.
    """

    def fail(
        message: str, line: int | None = None
    ) -> Result[tuple[object, dict[str, int]], ConfigError]:
        return Failure(ConfigError((ConfigProblem(message, "$", source, line),), source))

    if len(raw) > MAX_BYTES:
        return fail(
            f"the file is larger than {MAX_BYTES:,} bytes, the most lolpop reads as a "
            "config (a workflow config has a few KB): is it the right file?"
        )
    if isinstance(raw, bytes):
        try:
            text = raw.decode("utf-8")
        except UnicodeDecodeError as error:
            bad = raw[error.start : error.start + 1]
            return fail(f"the file is not UTF-8 text (byte {error.start}: {bad!r})")
    else:
        text = raw
    loader: _BoundedLoader | None = None
    try:
        # One parse: the node graph is measured, gives the lines, and is constructed.
        loader = _BoundedLoader(text)
        node = loader.get_single_node()
        if node is None:
            return Success((None, {}))
        _check_graph(node)
        lines, problems = _keys_and_lines(node, source)
        if problems:
            return Failure(ConfigError(tuple(problems), source))
        data = loader.construct_document(node)
    except _Refused as refusal:
        return fail(str(refusal), refusal.line)
    except yaml.MarkedYAMLError as error:
        mark = error.problem_mark or error.context_mark
        what = (error.problem or error.context or "malformed YAML").strip()
        return fail(f"not valid YAML: {what}", _line_of(mark))
    except ReaderError as error:
        code = error.character if isinstance(error.character, int) else ord(error.character[:1])
        line = text.count("\n", 0, error.position) + 1
        return fail(f"not valid YAML: character #x{code:04x}: {error.reason}", line)
    except yaml.YAMLError as error:
        return fail(f"not valid YAML: {error}")
    finally:
        if loader is not None:
            loader.dispose()
    return Success((data, lines))
