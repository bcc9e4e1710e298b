"""A config as a typed Python module, so that mypy can check a YAML workflow too.

`render_python(data)` writes the (profiled, interpolated) data of a config as Python
that builds the same records: each record a constructor call with keyword arguments,
each value the literal the YAML gave. Nothing is coerced on the way, so a setting of the
wrong type stays wrong and mypy names it (`Argument "max_depth" to "TrainerSettings"
has incompatible type "str"; expected "int"`). `lolpop config export --python` prints
the module; `lolpop check --mypy` runs mypy on it.
"""

from __future__ import annotations

import keyword
import types
import typing
from collections.abc import Mapping

import attrs

from lolpop.config.records import (
    BACKEND_TAGS,
    ComponentConfig,
    Settings,
    WorkflowConfig,
)
from lolpop.config.registry import (
    BUILTINS,
    ComponentKind,
    Registry,
    allowed_imports,
    resolve_reference,
)
from lolpop.errors import DefinitionError


class _Module:
    def __init__(self) -> None:
        self.imports: dict[str, set[str]] = {}

    def name_of(self, cls: type) -> str:
        self.imports.setdefault(cls.__module__, set()).add(cls.__qualname__.split(".")[0])
        return cls.__qualname__

    def record(self, cls: type, data: object, indent: int) -> str:
        if not isinstance(data, Mapping):
            return self.literal(data, None, indent)
        hints = typing.get_type_hints(cls) if attrs.has(cls) else {}
        pad = " " * (indent + 4)
        arguments = []
        for key, value in data.items():
            name = str(key)
            if not name.isidentifier() or keyword.iskeyword(name):
                arguments.append(f"{pad}**{{{name!r}: {self.literal(value, None, indent + 4)}}},")
                continue
            arguments.append(f"{pad}{name}={self.literal(value, hints.get(name), indent + 4)},")
        if not arguments:
            return f"{self.name_of(cls)}()"
        return f"{self.name_of(cls)}(\n" + "\n".join(arguments) + f"\n{' ' * indent})"

    def literal(self, value: object, hint: object, indent: int) -> str:
        hint = _shape(hint, value)
        if isinstance(value, Mapping) and isinstance(hint, type) and attrs.has(hint):
            return self.record(hint, value, indent)
        if isinstance(value, list):
            item = _item_hint(hint)
            items = ", ".join(self.literal(element, item, indent) for element in value)
            if _is_tuple(hint):
                return f"({items},)" if len(value) == 1 else f"({items})"
            return f"[{items}]"
        if isinstance(value, Mapping):
            inner = _value_hint(hint)
            items = ", ".join(
                f"{self.literal(k, None, indent)}: {self.literal(v, inner, indent)}"
                for k, v in value.items()
            )
            return f"{{{items}}}"
        return repr(value)


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
    """Python source building the config's records from its data, literally."""
    module = _Module()
    module.name_of(WorkflowConfig)
    pad = " " * 4
    lines = []
    allow = allowed_imports(data)
    for key, value in data.items():
        if key == "settings":
            lines.append(f"{pad}settings={module.record(Settings, value, 4)},")
        elif key == "backend" and isinstance(value, Mapping) and value.get("type") in BACKEND_TAGS:
            rest = {k: v for k, v in value.items() if k != "type"}
            lines.append(f"{pad}backend={module.record(BACKEND_TAGS[value['type']], rest, 4)},")
        elif key == "components" and isinstance(value, Mapping):
            entries = []
            for name, component in value.items():
                entries.append(
                    f"{pad * 2}{name!r}: {_component(module, component, registry, allow)},"
                )
            lines.append(f"{pad}components={{\n" + "\n".join(entries) + f"\n{pad}}},")
        elif key == "allow_imports":
            lines.append(f"{pad}allow_imports={module.literal(value, tuple[str, ...], 4)},")
        else:
            lines.append(f"{pad}{key}={module.literal(value, None, 4)},")
    named = f" {source}" if source else ""
    header = f'"""The workflow config{named} as typed Python (generated by lolpop)."""'
    imports = [
        f"from {name} import {', '.join(sorted(names))}"
        for name, names in sorted(module.imports.items())
    ]
    return "\n".join([header, "", *imports, "", "config = WorkflowConfig(", *lines, ")", ""])


def _component(module: _Module, data: object, registry: Registry, allow: tuple[str, ...]) -> str:
    if not isinstance(data, Mapping) or not isinstance(data.get("type"), str):
        return module.literal(data, None, 8)
    tag = str(data["type"])
    kind = registry.get(tag)
    if kind is None and ":" in tag:
        try:
            found = resolve_reference(tag, allow)
        except DefinitionError:
            found = None
        kind = found if isinstance(found, ComponentKind) else None
    rest = {k: v for k, v in data.items() if k != "type"}
    settings = (
        module.record(kind.settings, rest, 8) if kind is not None else module.literal(rest, None, 8)
    )
    return f"{module.name_of(ComponentConfig)}({tag!r}, {settings})"


def mypy_problems(source_code: str, name: str = "lolpop_workflow_config") -> list[str]:
    """What `mypy --strict` says of a rendered config module (empty: it type-checks).

    mypy (the `dev` extra) is imported here, on use. Its cache is kept in the user's cache
    folder (`$XDG_CACHE_HOME/lolpop/mypy`): the first check takes ~30 s, later ones ~2 s.
    """
    import os  # noqa: PLC0415
    import tempfile  # noqa: PLC0415
    from pathlib import Path  # noqa: PLC0415

    from mypy import api  # noqa: PLC0415 (a development tool: imported only for --mypy)

    cache_home = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    cache = Path(cache_home) / "lolpop" / "mypy"
    with tempfile.TemporaryDirectory(prefix="lolpop-mypy-") as folder:
        module = Path(folder) / f"{name}.py"
        module.write_text(source_code, encoding="utf-8")
        out, err, status = api.run(
            [
                str(module),
                "--strict",
                "--no-error-summary",
                "--hide-error-context",
                "--cache-dir",
                str(cache),
            ]
        )
    if status == 0:
        return []
    found = [line.split(": error: ", 1)[1] for line in out.splitlines() if ": error: " in line]
    return found or [line for line in (out + err).splitlines() if line.strip()]
