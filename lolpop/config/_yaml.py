"""Reading YAML safely, keeping the line of every value.

Only YAML's safe subset is accepted: a tag such as `!!python/object` is refused (with its
line), so a config can never make lolpop construct arbitrary objects. Every value's path
(`$.components.trainer.max_depth`) is mapped to the line where its key stands, so that
decoding errors can point into the file. Duplicate keys, which PyYAML would silently
resolve to the last one, are reported.
"""

from __future__ import annotations

import re

import yaml
from returns.result import Failure, Result, Success

from lolpop.errors import ConfigError, ConfigProblem

_IDENTIFIER = re.compile(r"^[A-Za-z_][A-Za-z0-9_-]*$")


def child_path(path: str, key: object) -> str:
    """The path of a mapping's key or a sequence's index under `path`."""
    if isinstance(key, int) and not isinstance(key, bool):
        return f"{path}[{key}]"
    text = str(key)
    return f"{path}.{text}" if _IDENTIFIER.match(text) else f"{path}[{text!r}]"


def _lines(
    node: yaml.Node, path: str, into: dict[str, int], problems: list[ConfigProblem], source: str
) -> None:
    if isinstance(node, yaml.MappingNode):
        seen: set[object] = set()
        for key_node, value_node in node.value:
            key = key_node.value
            child = child_path(path, key)
            line = key_node.start_mark.line + 1
            if key in seen:
                problems.append(ConfigProblem(f"duplicate key {key!r}", child, source, line))
            seen.add(key)
            into.setdefault(child, line)
            _lines(value_node, child, into, problems, source)
    elif isinstance(node, yaml.SequenceNode):
        for index, item in enumerate(node.value):
            child = child_path(path, index)
            into.setdefault(child, item.start_mark.line + 1)
            _lines(item, child, into, problems, source)


def read_yaml(
    raw: bytes | str, source: str = ""
) -> Result[tuple[object, dict[str, int]], ConfigError]:
    """The data of a YAML document and the line of each path in it, or why not."""

    def fail(
        message: str, line: int | None = None
    ) -> Result[tuple[object, dict[str, int]], ConfigError]:
        return Failure(ConfigError((ConfigProblem(message, "$", source, line),), source))

    if isinstance(raw, bytes):
        try:
            text = raw.decode("utf-8")
        except UnicodeDecodeError as error:
            bad = raw[error.start : error.start + 1]
            return fail(f"the file is not UTF-8 text (byte {error.start}: {bad!r})")
    else:
        text = raw
    loader: yaml.SafeLoader | None = None
    try:
        # One parse: the node tree gives the lines, and the same tree is constructed.
        loader = yaml.SafeLoader(text)
        node = loader.get_single_node()
        data = loader.construct_document(node) if node is not None else None
    except yaml.MarkedYAMLError as error:
        mark = error.problem_mark or error.context_mark
        what = (error.problem or error.context or "malformed YAML").strip()
        return fail(f"not valid YAML: {what}", mark.line + 1 if mark else None)
    except yaml.YAMLError as error:
        return fail(f"not valid YAML: {error}")
    except RecursionError:
        return fail("not valid YAML: nested too deeply")
    finally:
        if loader is not None:
            loader.dispose()
    lines: dict[str, int] = {}
    problems: list[ConfigProblem] = []
    if node is not None:
        _lines(node, "$", lines, problems, source)
    if problems:
        return Failure(ConfigError(tuple(problems), source))
    return Success((data, lines))
