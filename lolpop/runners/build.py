"""Build a config's workflow: every component built and checked against its slot first.

The one composition root from a config to a program (above `lolpop.config`, which
decodes the config without knowing any runner's program). Nothing is read or run here.
Every problem is collected before reporting, each with its config path:

- an unknown runner, or an unknown stage;
- an output path outside the project folder without `allow_outside: true`;
- a component whose type tag or settings its builder refuses (the setting named);
- a component under a name the runner has no slot for, a required slot left empty;
- a component of the wrong record type for its slot; a task-bound component of another
  task than the runner's (a regressor in a classification runner, regression metrics,
  a tuner scored by the other task's metric);
- a component whose steps do not fit the slot's declared types, step by step: each
  `Step[A, B]` field of the slot's record must take `A` and give `B` (with the core's
  `fits`), so a registered kind that builds a `DataSplitter` whose `split` is
  `Step[int, str]` is refused, as mypy would refuse it in Python.

Once every slot is sound the components record is made and the runner builds its
program (a pipeline's own `WiringError`, if any, is reported at `$.runner`). The config's
`tests:` hooks are then attached to the steps their paths name
(`lolpop.testing.hooks`): a check reference outside the allowed modules is a problem at
`$.tests[i].check`, a path that names no step (or several) one at `$.tests[i].step`.
`build_parts` gives the components and settings beside the program (what `lolpop test`
checks); `build_workflow` the program alone.
"""

from __future__ import annotations

import difflib
import typing
from collections.abc import Callable, Mapping

import attrs
from attrs import frozen
from returns.result import Failure, Result, Success

from lolpop.config.paths import check_paths
from lolpop.config.records import Settings, WorkflowConfig
from lolpop.config.registry import (
    BUILTINS,
    RUNNERS,
    ComponentKind,
    Registry,
    RunnerRegistry,
    find_kind,
)
from lolpop.core._hints import describe, fits
from lolpop.core.step import Step
from lolpop.errors import ConfigError, ConfigProblem, DefinitionError, LolpopError, SettingError
from lolpop.runners.kinds import Report, RunnerKind, Slot, is_optional, record_hints
from lolpop.testing.hooks import attach_config_hooks, resolve_hooks


def _kind(tag: str, registry: Registry, allow_imports: tuple[str, ...]) -> ComponentKind:
    """The kind of a decoded component: registered, or a `module:attribute` reference."""
    kind = find_kind(tag, registry, allow_imports)
    if kind is None:
        raise DefinitionError(f"unknown component type {tag!r}.")
    return kind


def slot_problems(made: object, slot: Slot, task: type | None) -> list[tuple[str, str]]:
    """What keeps `made` out of `slot`, as (path below the slot, message) pairs: its
    record type, its task, and each of its steps against the slot's declared types."""
    if not isinstance(made, slot.component):
        return [(".type", f"expected a {slot.component.__name__}, got a {type(made).__name__}")]
    found: list[tuple[str, str]] = []
    made_task = getattr(made, "task", None)
    if task is not None and isinstance(made_task, type) and made_task is not task:
        task_name = getattr(task, "name", task.__name__)
        made_name = getattr(made_task, "name", made_task.__name__)
        found.append(
            (
                "",
                f"this {slot.component.__name__} is for {made_name}, but the runner is a "
                f"{task_name} runner: every task-bound component is of the runner's task",
            )
        )
    hint = slot.hint
    if is_optional(hint):
        hint = next(arg for arg in typing.get_args(hint) if arg is not type(None))
    _, hints = record_hints(hint)
    for attribute in attrs.fields(slot.component):
        declared = hints[attribute.name]
        if typing.get_origin(declared) is not Step:
            continue
        wanted_in, wanted_out = typing.get_args(declared)
        step = getattr(made, attribute.name)
        if not isinstance(step, Step):
            found.append((f".{attribute.name}", f"expected a step, got a {type(step).__name__}"))
        elif not fits(wanted_in, step.in_type) or not fits(step.out_type, wanted_out):
            found.append(
                (
                    f".{attribute.name}",
                    f"its step {step.label!r} is {describe(step.in_type)} -> "
                    f"{describe(step.out_type)}; the {slot.name!r} slot needs "
                    f"{describe(wanted_in)} -> {describe(wanted_out)}",
                )
            )
    return found


def _built(
    config: WorkflowConfig, registry: Registry, problem: Callable[[str, str], None]
) -> dict[str, object]:
    """Every component of the config, built by its kind (the refusals as problems)."""
    built: dict[str, object] = {}
    for name, config_of in config.components.items():
        try:
            kind = _kind(config_of.type, registry, config.allow_imports)
        except LolpopError as error:
            problem(str(error), f"$.components.{name}.type")
            continue
        try:
            built[name] = kind.build(config_of.settings)
        except SettingError as error:
            problem(str(error), f"$.components.{name}.{error.field}")
        except LolpopError as error:
            problem(str(error), f"$.components.{name}")
    return built


def _fill_slots(
    runner: RunnerKind[object, typing.Any],
    config: WorkflowConfig,
    settings: Settings,
    built: dict[str, object],
    problem: Callable[[str, str], None],
) -> None:
    """Check every built component against its slot; fill empty slots with defaults."""
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
    defaults: Mapping[str, object] | None = None
    for slot in runner.slots:
        path = f"$.components.{slot.name}"
        if slot.name not in config.components:
            if slot.defaulted:
                try:
                    defaults = defaults if defaults is not None else runner.defaults(settings)
                    built[slot.name] = defaults[slot.name]
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
        if made is not None:
            tag = config.components[slot.name].type
            for below, message in slot_problems(made, slot, runner.task):
                problem(f"{message} (type: {tag})", path + below)


@frozen
class WorkflowParts:
    """A config's workflow as built: its runner, settings, components and program."""

    runner: RunnerKind[object, typing.Any]
    settings: Settings
    #: Every slot's component by slot name (the config's, or the runner's default; an
    #: empty optional slot is left out).
    components: Mapping[str, object]
    stage: str
    #: The stage's program, the config's hooks attached.
    program: Step[None, Report]


def build_workflow(
    config: WorkflowConfig,
    *,
    components: Registry = BUILTINS,
    runners: RunnerRegistry = RUNNERS,
    source: str = "",
    stage: str | None = None,
) -> Result[Step[None, Report], ConfigError]:
    """The runner's program for `config` (one of its stages: the first by default), or
    every problem found while building it."""
    built = build_parts(config, components=components, runners=runners, source=source, stage=stage)
    return built.map(lambda parts: parts.program)


def _other_stages(
    runner: RunnerKind[object, typing.Any], made: object, settings: Settings, chosen: str
) -> list[Step[None, Report]]:
    """The programs of the runner's other stages that build (for hooks on their steps)."""
    found = []
    for other in runner.stages:
        if other != chosen:
            try:
                found.append(runner.build(made, settings, other))
            except LolpopError:
                continue  # a stage this config cannot run has no steps to hook
    return found


def build_parts(
    config: WorkflowConfig,
    *,
    components: Registry = BUILTINS,
    runners: RunnerRegistry = RUNNERS,
    source: str = "",
    stage: str | None = None,
) -> Result[WorkflowParts, ConfigError]:
    """The workflow of `config` (see `build_workflow`) with its components and settings."""
    problems: list[ConfigProblem] = []

    def problem(message: str, path: str) -> None:
        problems.append(ConfigProblem(message, path, source))

    found = runners.get(config.runner)
    if not isinstance(found, RunnerKind):
        known = sorted(runners.kinds)
        close = difflib.get_close_matches(config.runner, known, n=2, cutoff=0.5)
        hint = f"; did you mean {' or '.join(map(repr, close))}?" if close else ""
        problem(
            f"unknown runner {config.runner!r}{hint} (known: {', '.join(known) or 'none'})",
            "$.runner",
        )
        return Failure(ConfigError(tuple(problems), source))
    runner: RunnerKind[object, typing.Any] = found
    settings = config.settings
    if not isinstance(settings, runner.settings):
        problem(
            f"the {runner.tag!r} runner takes {runner.settings.__name__} settings, not "
            f"{type(settings).__name__}",
            "$.settings",
        )
        return Failure(ConfigError(tuple(problems), source))
    check_paths(config, problem)
    built = _built(config, components, problem)
    _fill_slots(runner, config, settings, built, problem)
    chosen = stage or runner.stages[0]
    if chosen not in runner.stages:
        problem(
            f"the {runner.tag!r} runner has no stage {chosen!r} (stages: "
            f"{', '.join(runner.stages)})",
            "$.runner",
        )
    sound = not problems  # the components are: the program can be built to find paths in
    hooks = resolve_hooks(config.tests, config.allow_imports, problem)
    if not sound:
        return Failure(ConfigError(tuple(problems), source))
    slots = {slot.name for slot in runner.slots}
    present = {name: value for name, value in built.items() if name in slots}
    try:
        made = runner.make(present)
        program = runner.build(made, settings, chosen)
    except SettingError as error:  # a setting the runner refuses names its own path
        problem(str(error), error.field if error.field.startswith("$") else "$.runner")
        return Failure(ConfigError(tuple(problems), source))
    except LolpopError as error:
        problem(str(error), "$.runner")
        return Failure(ConfigError(tuple(problems), source))
    hooked = attach_config_hooks(
        program,
        config.tests,
        hooks,
        lambda: _other_stages(runner, made, settings, chosen),
        problem,
    )
    if problems:
        return Failure(ConfigError(tuple(problems), source))
    return Success(WorkflowParts(runner, settings, present, chosen, hooked))
