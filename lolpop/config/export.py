"""A config as a typed Python module, so that mypy can check a YAML workflow too.

`render_python(data)` writes the (profiled, interpolated) data of a config as Python
that builds the same records: each record a constructor call with keyword arguments,
each value the literal the YAML gave. Nothing is coerced on the way, so a setting of the
wrong type stays wrong and mypy names it (`Argument "max_depth" to "TrainerSettings"
has incompatible type "str"; expected "int"`). `lolpop config export --python` prints
the module; `lolpop check --mypy` runs mypy on it.

The module is data-safe: nothing of the config is pasted as code. Every value is written
as its `repr` (a literal), keys become keyword arguments only when they are Python
identifiers (any other key is refused as a `ConfigError` naming its path), the source's
name is a string literal, a `Secret` setting is written `Secret('***')` (its value never
leaves the config), and the finished text is parsed back and must be exactly a
docstring, imports and one assignment of constructor calls and literals, or it is not
returned.
"""

from __future__ import annotations

import ast
import keyword
import math
import re
import types
import typing
from collections.abc import Mapping
from pathlib import Path

import attrs

from lolpop.config._yaml import child_path
from lolpop.config.records import (
    BACKEND_TAGS,
    ComponentConfig,
    WorkflowConfig,
)
from lolpop.config.registry import (
    BUILTINS,
    RUNNERS,
    Registry,
    allowed_imports,
    find_kind,
)
from lolpop.errors import ConfigError, ConfigProblem, DefinitionError, MissingToolError
from lolpop.secret import MASK, Secret

_MODULE_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*)*")
#: The only nodes the assignment of an exported module may hold.
_PLAIN_NODES = (
    ast.Call,
    ast.Name,
    ast.Attribute,
    ast.keyword,
    ast.Constant,
    ast.List,
    ast.Tuple,
    ast.Dict,
    ast.Load,
    ast.Store,
    ast.UnaryOp,
    ast.USub,
)


def _is_name(text: object) -> bool:
    return isinstance(text, str) and text.isidentifier() and not keyword.iskeyword(text)


class _Module:
    def __init__(self, source: str) -> None:
        self.imports: dict[str, set[str]] = {}
        self.problems: list[ConfigProblem] = []
        self.source = source

    def name_of(self, cls: type) -> str:
        module, name = cls.__module__, cls.__qualname__.split(".")[0]
        if _MODULE_NAME.fullmatch(module) is None or not _is_name(name):
            raise DefinitionError(f"cannot import {module}:{cls.__qualname__} in Python.")
        self.imports.setdefault(module, set()).add(name)
        return cls.__qualname__

    def refuse(self, message: str, path: str) -> None:
        self.problems.append(ConfigProblem(message, path, self.source))

    def record(self, cls: type, data: object, indent: int, path: str) -> str:
        if not isinstance(data, Mapping):
            return self.literal(data, None, indent, path)
        hints = typing.get_type_hints(cls) if attrs.has(cls) else {}
        pad = " " * (indent + 4)
        arguments = []
        for key, value in data.items():
            if not _is_name(key):
                self.refuse(
                    f"the key {str(key)!r} is not a Python identifier, so it cannot name a "
                    "field of a record",
                    child_path(path, key),
                )
                continue
            rendered = self.literal(value, hints.get(key), indent + 4, child_path(path, key))
            arguments.append(f"{pad}{key}={rendered},")
        if not arguments:
            return f"{self.name_of(cls)}()"
        return f"{self.name_of(cls)}(\n" + "\n".join(arguments) + f"\n{' ' * indent})"

    def literal(self, value: object, hint: object, indent: int, path: str) -> str:
        if hint is Secret and isinstance(value, str):
            # A secret is never written out: the module says where one goes, masked.
            return f"{self.name_of(Secret)}({MASK!r})"
        hint = _shape(hint, value)
        if isinstance(value, Mapping) and isinstance(hint, type) and attrs.has(hint):
            return self.record(hint, value, indent, path)
        if isinstance(value, list):
            item = _item_hint(hint)
            items = ", ".join(
                self.literal(element, item, indent, child_path(path, index))
                for index, element in enumerate(value)
            )
            if _is_tuple(hint):
                return f"({items},)" if len(value) == 1 else f"({items})"
            return f"[{items}]"
        if isinstance(value, Mapping):
            inner = _value_hint(hint)
            items = ", ".join(
                f"{self.literal(k, None, indent, path)}: "
                f"{self.literal(v, inner, indent, child_path(path, k))}"
                for k, v in value.items()
            )
            return f"{{{items}}}"
        if isinstance(value, float) and not math.isfinite(value):
            return f"float({str(value)!r})"
        if value is None or isinstance(value, bool | int | float | str):
            return repr(value)
        self.refuse(f"a value of type {type(value).__name__} cannot be exported", path)
        return "None"


def _shape(hint: object, value: object) -> object:
    """The member of a union `hint` that a value of this shape is meant for."""
    options = typing.get_args(hint) if _is_union(hint) else (hint,)
    for option in options:
        origin = typing.get_origin(option) or option
        if isinstance(value, list) and origin in (tuple, list):
            return option
        if isinstance(value, Mapping) and (
            (isinstance(option, type) and attrs.has(option))
            or origin in (dict, Mapping, typing.Mapping)
            or (isinstance(origin, type) and issubclass(origin, Mapping))
        ):
            return option
    return hint


def _is_union(hint: object) -> bool:
    return typing.get_origin(hint) in (typing.Union, types.UnionType)


def _item_hint(hint: object) -> object:
    args = typing.get_args(hint)
    if typing.get_origin(hint) is tuple and len(args) == 2 and args[1] is Ellipsis:
        return args[0]
    if typing.get_origin(hint) is list and args:
        return args[0]
    return None


def _value_hint(hint: object) -> object:
    args = typing.get_args(hint)
    return args[1] if len(args) == 2 and args[1] is not Ellipsis else None


def _is_tuple(hint: object) -> bool:
    if hint is tuple or typing.get_origin(hint) is tuple:
        return True
    for option in typing.get_args(hint):
        if option is tuple or typing.get_origin(option) is tuple:
            return True
    return False


def render_python(
    data: Mapping[str, object], registry: Registry = BUILTINS, source: str = ""
) -> str:
    """Python source building the config's records from its data, literally.

    Raises `ConfigError` for what cannot be written as Python (every problem at once).
    """
    module = _Module(source)
    module.name_of(WorkflowConfig)
    pad = " " * 4
    lines = []
    allow = allowed_imports(data)
    fields = {field.name for field in attrs.fields(WorkflowConfig)}
    hints = typing.get_type_hints(WorkflowConfig)
    for key, value in data.items():
        path = child_path("$", key)
        if key not in fields:
            module.refuse(f"unknown key {str(key)!r} (known: {', '.join(sorted(fields))})", path)
        elif key == "settings":
            record = module.record(RUNNERS.settings_of(data.get("runner")), value, 4, path)
            lines.append(f"{pad}settings={record},")
        elif key == "backend" and isinstance(value, Mapping) and value.get("type") in BACKEND_TAGS:
            rest = {k: v for k, v in value.items() if k != "type"}
            backend = module.record(BACKEND_TAGS[value["type"]], rest, 4, path)
            lines.append(f"{pad}backend={backend},")
        elif key == "components" and isinstance(value, Mapping):
            entries = []
            for name, component in value.items():
                built = _component(module, component, registry, allow, child_path(path, name))
                entries.append(f"{pad * 2}{str(name)!r}: {built},")
            lines.append(f"{pad}components={{\n" + "\n".join(entries) + f"\n{pad}}},")
        elif key == "allow_imports":
            allowed = module.literal(value, tuple[str, ...], 4, path)
            lines.append(f"{pad}allow_imports={allowed},")
        else:
            lines.append(f"{pad}{key}={module.literal(value, hints.get(key), 4, path)},")
    if module.problems:
        raise ConfigError(tuple(module.problems), source)
    named = f" {source}" if source else ""
    header = repr(f"The workflow config{named} as typed Python (generated by lolpop).")
    imports = [
        f"from {name} import {', '.join(sorted(names))}"
        for name, names in sorted(module.imports.items())
    ]
    text = "\n".join([header, "", *imports, "", "config = WorkflowConfig(", *lines, ")", ""])
    _check_shape(text)
    return text


def _check_shape(text: str) -> None:
    """Refuse a rendered module that is not a docstring, imports and `config = ...` made of
    constructor calls, names and literals only (a bug if it happens, never a config's
    doing: the checks above keep every part of the config a literal)."""
    docstring, *imports, last = ast.parse(text).body
    sound = (
        isinstance(docstring, ast.Expr)
        and isinstance(docstring.value, ast.Constant)
        and all(isinstance(statement, ast.ImportFrom) for statement in imports)
        and isinstance(last, ast.Assign)
        and [ast.unparse(target) for target in last.targets] == ["config"]
        and all(isinstance(node, _PLAIN_NODES) for node in ast.walk(last.value))
    )
    if not sound:
        raise DefinitionError("the exported config module is not a plain record construction.")


def _component(
    module: _Module, data: object, registry: Registry, allow: tuple[str, ...], path: str
) -> str:
    if not isinstance(data, Mapping) or not isinstance(data.get("type"), str):
        return module.literal(data, None, 8, path)
    tag = str(data["type"])
    try:
        kind = find_kind(tag, registry, allow)
    except DefinitionError:
        kind = None
    rest = {k: v for k, v in data.items() if k != "type"}
    settings = (
        module.record(kind.settings, rest, 8, path)
        if kind is not None
        else module.literal(rest, None, 8, path)
    )
    return f"{module.name_of(ComponentConfig)}({tag!r}, {settings})"


def kept_mypy_cache() -> Path | None:
    """The folder where `mypy_problems` keeps mypy's cache (None: lolpop keeps none)."""
    from lolpop.components._facts import cache_dir  # noqa: PLC0415 (only for --mypy)

    kept = cache_dir()
    return kept / "mypy" if kept is not None else None


def mypy_problems(source_code: str, name: str = "lolpop_workflow_config") -> list[str]:
    """What `mypy --strict` says of a rendered config module (empty: it type-checks).

    mypy (the `dev` extra) runs in a process of its own, with this one's interpreter:
    what it reads, every module with its types, would otherwise stay in this process
    after the check. Its cache is kept with lolpop's others (`$LOLPOP_CACHE_DIR/mypy`, by
    default `$XDG_CACHE_HOME/lolpop/mypy`): the first check takes ~30 s, later ones ~2 s.
    `LOLPOP_CACHE_DIR=` (empty) keeps none: mypy's cache is then made in the check's
    temporary folder and removed with it.

    mypy reads a config of the check's own (`[mypy]`, no settings: `--strict` alone),
    not one it would find from the folder it runs in up to the repository's root, or in
    the user's home: a project's plugins and settings would make the verdict depend on
    where the check runs, and its options would make the kept cache stale for the next
    project's check (~30 s again).
    """
    import subprocess  # noqa: PLC0415 (only for --mypy)
    import sys  # noqa: PLC0415
    import tempfile  # noqa: PLC0415
    from importlib.util import find_spec  # noqa: PLC0415

    if find_spec("mypy") is None:
        raise MissingToolError(
            "lolpop check --mypy needs mypy, which is not installed beside lolpop: "
            "`pip install 'lolpop[dev]'` installs it (or leave out --mypy)."
        )
    kept = kept_mypy_cache()
    with tempfile.TemporaryDirectory(prefix="lolpop-mypy-") as folder:
        module = Path(folder) / f"{name}.py"
        module.write_text(source_code, encoding="utf-8")
        settings = Path(folder) / "mypy.ini"
        settings.write_text("[mypy]\n", encoding="utf-8")
        cache = kept if kept is not None else Path(folder) / "mypy-cache"
        done = subprocess.run(
            [
                sys.executable,
                "-m",
                "mypy",
                str(module),
                "--config-file",
                str(settings),
                "--strict",
                "--no-error-summary",
                "--hide-error-context",
                "--cache-dir",
                str(cache),
            ],
            capture_output=True,
            text=True,
            check=False,
        )
    if done.returncode == 0:
        return []
    out, err = done.stdout, done.stderr
    found = [line.split(": error: ", 1)[1] for line in out.splitlines() if ": error: " in line]
    return found or [line for line in (out + err).splitlines() if line.strip()]
