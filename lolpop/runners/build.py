"""Build a config's runner: every component built and checked against its slot first.

Nothing is read or run here. Every problem is collected before reporting: an unknown
runner, an output path (a settings field marked `OUTPUT_PATH`) outside the project
folder without `allow_outside: true`, a required slot left empty, a component under a
name the runner has no slot for, a component whose settings its builder refuses, a
component of the wrong type for its slot, and, once all slots are sound, a wiring
mismatch in the runner's program (each pipeline's `WiringError`, named by the steps and
types that do not fit).
"""

from __future__ import annotations

import difflib
from collections.abc import Callable, Iterator
from pathlib import Path

import attrs
from returns.result import Failure, Result, Success

from lolpop.config.records import WorkflowConfig, is_output_path
from lolpop.config.registry import BUILTINS, ComponentKind, Registry, find_kind
from lolpop.core.step import Step
from lolpop.errors import (
    ConfigError,
    ConfigProblem,
    DefinitionError,
    LolpopError,
    SettingError,
)
from lolpop.runners.kinds import RUNNERS, RunnerRegistry


def _kind(tag: str, registry: Registry, allow_imports: tuple[str, ...]) -> ComponentKind:
    """The kind of a decoded component: registered, or a `module:attribute` reference."""
    kind = find_kind(tag, registry, allow_imports)
    if kind is None:
        raise DefinitionError(f"unknown component type {tag!r}.")
    return kind


def project_root() -> Path:
    """The folder a config's relative paths are read against, and that its output paths
    must stay in (the working folder)."""
    return Path.cwd().resolve()


def is_outside(value: str, root: Path) -> bool:
    """Whether a path (or a `file://` URI) from a config leads outside `root`, symlinks
    followed. Other URIs (`s3://...`) are not local paths and are never outside.

    >>> root = Path("/work/project")
    >>> [is_outside(p, root) for p in ("out/x.csv", "a/../b", "../x", "/etc/cron.d", "s3://b/k")]
    [False, False, True, True, False]
    """
    if "://" in value:
        if not value.startswith("file://"):
            return False
        value = value.removeprefix("file://")
    resolved = (root / value).resolve()
    return resolved != root and root not in resolved.parents


def _output_paths(record: object, path: str) -> Iterator[tuple[str, str]]:
    """Every output path a settings record holds, with its config path."""
    cls = type(record)
    if not attrs.has(cls):
        return
    for attribute in attrs.fields(cls):
        value = getattr(record, attribute.name)
        if is_output_path(attribute.metadata) and isinstance(value, str):
            yield value, f"{path}.{attribute.name}"


def _check_paths(config: WorkflowConfig, problem: Callable[[str, str], None]) -> None:
    if config.allow_outside:
        return
    root = project_root()
    found = list(_output_paths(config.settings, "$.settings"))
    for name, component in config.components.items():
        found += _output_paths(component.settings, f"$.components.{name}")
    for value, path in found:
        try:
            outside = is_outside(value, root)
        except (ValueError, OSError) as error:  # a NUL byte, a name too long for the system
            problem(f"{value!r} cannot be a path here ({error})", path)
            continue
        if outside:
            problem(
                f"the path {value!r} leads outside the project folder {str(root)!r}; keep "
                "what lolpop writes inside it, or set `allow_outside: true` at the top of "
                "the config if this is meant",
                path,
            )


def build_workflow(
    config: WorkflowConfig,
    *,
    components: Registry = BUILTINS,
    runners: RunnerRegistry = RUNNERS,
    source: str = "",
    stage: str | None = None,
) -> Result[Step[None, object], ConfigError]:
    """The runner's program for `config` (one of its stages: the first by default), or
    every problem found while building it."""
    problems: list[ConfigProblem] = []

    def problem(message: str, path: str) -> None:
        problems.append(ConfigProblem(message, path, source))

    runner = runners.get(config.runner)
    if runner is None:
        known = sorted(runners.kinds)
        close = difflib.get_close_matches(config.runner, known, n=2, cutoff=0.5)
        hint = f"; did you mean {' or '.join(map(repr, close))}?" if close else ""
        problem(
            f"unknown runner {config.runner!r}{hint} (known: {', '.join(known) or 'none'})",
            "$.runner",
        )
        return Failure(ConfigError(tuple(problems), source))

    _check_paths(config, problem)
    built: dict[str, object] = {}
    for name, config_of in config.components.items():
        try:
            kind = _kind(config_of.type, components, config.allow_imports)
        except LolpopError as error:
            problem(str(error), f"$.components.{name}.type")
            continue
        try:
            built[name] = kind.build(config_of.settings)
        except SettingError as error:
            problem(str(error), f"$.components.{name}.{error.field}")
        except LolpopError as error:
            problem(str(error), f"$.components.{name}")

    slots = {slot.name: slot for slot in runner.slots}
    for name in config.components:
        if name not in slots:
            close = difflib.get_close_matches(name, list(slots), n=1, cutoff=0.6)
            hint = f"; did you mean {close[0]!r}?" if close else ""
            problem(
                f"the {runner.tag!r} runner has no component slot {name!r}{hint} "
                f"(slots: {', '.join(slots)})",
                f"$.components.{name}",
            )
    for slot in runner.slots:
        path = f"$.components.{slot.name}"
        if slot.name not in config.components:
            if slot.default is not None:
                try:
                    built[slot.name] = slot.default(config.settings)
                except LolpopError as error:
                    problem(f"the default {slot.component.__name__}: {error}", path)
            elif slot.required:
                what = f" ({slot.description})" if slot.description else ""
                problem(
                    f"required component missing: the {runner.tag!r} runner needs a "
                    f"{slot.component.__name__}{what}",
                    path,
                )
            continue
        made = built.get(slot.name)
        if made is not None and not isinstance(made, slot.component):
            problem(
                f"expected a {slot.component.__name__}, got a {type(made).__name__} "
                f"(type: {config.components[slot.name].type})",
                f"{path}.type",
            )
    chosen = stage or runner.stages[0]
    if chosen not in runner.stages:
        problem(
            f"the {runner.tag!r} runner has no stage {chosen!r} (stages: "
            f"{', '.join(runner.stages)})",
            "$.runner",
        )
    if problems:
        return Failure(ConfigError(tuple(problems), source))
    try:
        return Success(runner.build(built, config.settings, chosen))
    except LolpopError as error:
        problem(str(error), "$.runner")
        return Failure(ConfigError(tuple(problems), source))
