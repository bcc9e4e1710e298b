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
  `Step[int, str]` is refused, as mypy would refuse it in Python;
- columns the config names that cannot all be right, found without reading any data:
  a `splitter` whose `target` is not `settings.target`, an id column that is the
  target, and a target, id, split or dropped column that the `data` connector's
  `columns:` leaves out (when it lists them and no `transformer` may make more; an id
  the `new_data` connector's `columns:` leaves out too). A misspelt target in a config
  that names it nowhere else is found when the data is read, before anything is kept.
- a time column (`settings.time`) that a CSV or JSON connector would give as text: one
  not named in its `parse_dates:` (or given a datetime dtype).

Once every slot is sound the components record is made and the runner builds its
program (a pipeline's own `WiringError`, if any, is reported at `$.runner`). The config's
`tests:` hooks are then attached to the steps their paths name
(`lolpop.testing.hooks`): a check reference outside the allowed modules is a problem at
`$.tests[i].check`, a path that names no step (or several) one at `$.tests[i].step`.
`build_parts` gives the components and settings beside the program (what `lolpop test`
checks); `build_workflow` the program alone.

A stage needs what the others may not: evaluating needs `settings.index` and the
`labels` and `predictions` components, predicting `new_data` and `predictions`. A
runner says so with `StageNeedsError`, each need at its config path, and whether the
config sets that stage up (gives a part only it uses). `check_stages` builds every stage
of a built workflow and answers for each (what `lolpop check` reports): a stage the
config sets up that cannot run is a mistake, another one a note.
"""

from __future__ import annotations

import difflib
import typing
from collections.abc import Callable, Mapping

import attrs
from attrs import frozen
from returns.result import Failure, Result, Success

from lolpop.components.records import TaskKind
from lolpop.components.splitter import SplitterSettings
from lolpop.config.paths import check_paths
from lolpop.config.records import Settings, WorkflowConfig
from lolpop.config.registry import (
    BUILTINS,
    RUNNERS,
    ComponentKind,
    Registry,
    RunnerRegistry,
    find_kind,
    unknown_runner,
)
from lolpop.core._hints import describe, fits
from lolpop.core.step import Step
from lolpop.errors import ConfigError, ConfigProblem, DefinitionError, LolpopError, SettingError
from lolpop.pipelines.train import PART_USES
from lolpop.runners.kinds import Report, RunnerKind, Slot, is_optional, record_hints
from lolpop.testing.hooks import attach_config_hooks, resolve_hooks


def _kind(tag: str, registry: Registry, allow_imports: tuple[str, ...]) -> ComponentKind:
    """The kind of a decoded component: registered, or a `module:attribute` reference."""
    kind = find_kind(tag, registry, allow_imports)
    if kind is None:
        raise DefinitionError(f"unknown component type {tag!r}.")
    return kind


def _slot_task(hint: object) -> type | None:
    """The task a slot's type names (`ModelTrainer[Regression]`: `Regression`), if any: a
    slot may be bound to another task than its runner's (the forecasting runner's
    trainer is a regressor)."""
    if is_optional(hint):
        hint = next(arg for arg in typing.get_args(hint) if arg is not type(None))
    for argument in typing.get_args(hint):
        if isinstance(argument, type) and issubclass(argument, TaskKind):
            return None if argument is TaskKind else argument
    return None


def slot_problems(made: object, slot: Slot, task: type | None) -> list[tuple[str, str]]:
    """What keeps `made` out of `slot`, as (path below the slot, message) pairs: its
    record type, its task, and each of its steps against the slot's declared types."""
    if not isinstance(made, slot.component):
        return [(".type", f"expected a {slot.component.__name__}, got a {type(made).__name__}")]
    found: list[tuple[str, str]] = []
    made_task = getattr(made, "task", None)
    bound = _slot_task(slot.hint)
    wanted = bound or task
    if wanted is not None and isinstance(made_task, type) and made_task is not wanted:
        wanted_name = getattr(wanted, "name", wanted.__name__)
        made_name = getattr(made_task, "name", made_task.__name__)
        why = (
            f"the runner is a {wanted_name} runner: every task-bound component is of the "
            "runner's task"
            if bound is None or bound is task
            else f"the {slot.name!r} slot takes a {wanted_name} one"
        )
        found.append(("", f"this {slot.component.__name__} is for {made_name}, but {why}"))
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


def component_problems(
    config: WorkflowConfig, *, components: Registry = BUILTINS, source: str = ""
) -> tuple[ConfigProblem, ...]:
    """The refusals of `config`'s components, each built alone (nothing else is
    checked: not their slots, not the stages), as problems at their paths."""
    found: list[ConfigProblem] = []
    _built(
        config, components, lambda message, path: found.append(ConfigProblem(message, path, source))
    )
    return tuple(found)


def _fill_slots(
    runner: RunnerKind[object, typing.Any],
    config: WorkflowConfig,
    settings: Settings,
    built: dict[str, object],
    problem: Callable[[str, str], None],
    *,
    settings_sound: bool = True,
) -> None:
    """Check every built component against its slot; fill empty slots with defaults
    (`settings_sound`: the runner's check of the settings passed)."""
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
    defaults: Mapping[str, object] = {}
    if any(slot.defaulted and slot.name not in config.components for slot in runner.slots):
        try:
            defaults = runner.defaults(settings)
        except LolpopError as error:
            # The defaults are made from the settings: said once (and not at all when the
            # settings' own check said why).
            if settings_sound:
                problem(f"the default components: {error}", "$.settings")
    for slot in runner.slots:
        path = f"$.components.{slot.name}"
        if slot.name not in config.components:
            if slot.defaulted:
                if slot.name in defaults:
                    built[slot.name] = defaults[slot.name]
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


def _declared_columns(config: WorkflowConfig, slot: str) -> tuple[str, ...]:
    """The columns the connector in `slot` says it reads (`columns:`), if it lists them."""
    component = config.components.get(slot)
    listed: object = getattr(component.settings, "columns", ()) if component else ()
    if not isinstance(listed, tuple):
        return ()
    return tuple(name for name in listed if isinstance(name, str))


def column_problems(
    config: WorkflowConfig, settings: Settings, problem: Callable[[str, str], None]
) -> None:
    """Columns the config names that disagree (see the module notes), as problems at
    the paths that name them; nothing is read."""
    target = getattr(settings, "target", None)
    index = getattr(settings, "index", None)
    target = target if isinstance(target, str) else None
    index = index if isinstance(index, str) else None
    splitter = config.components.get("splitter")
    split = splitter.settings if splitter is not None else None
    split = split if isinstance(split, SplitterSettings) else None
    if target is not None and split is not None and split.target != target:
        problem(
            f"the splitter's target {split.target!r} is not the runner's `settings.target` "
            f"{target!r}; both name the column to predict",
            "$.components.splitter.target",
        )
    if split is not None and split.method != "column":
        for part, size in (("valid", split.valid_size), ("test", split.test_size)):
            if size == 0:
                problem(
                    f"the {part} part would be empty: the workflow {PART_USES[part]}; give "
                    f"{part}_size a share above 0 (e.g. 0.15)",
                    f"$.components.splitter.{part}_size",
                )
    if target is not None and index == target:
        problem(
            f"the id column is the target {target!r}; an id is never the column to predict",
            "$.settings.index",
        )
    named: list[tuple[str, str, str | None]] = [
        ("$.settings.target", "the target", target),
        ("$.settings.index", "the id column", index),
    ]
    if split is not None:
        named.append(
            ("$.components.splitter.column", f"the splitter's {split.method} column", split.column)
        )
        named.extend(
            ("$.components.splitter.drop", "the column to drop", name) for name in split.drop
        )
    wanted = [("data", named)] if "transformer" not in config.components else []
    wanted.append(("new_data", [("$.settings.index", "the id column", index)]))
    for slot, names in wanted:
        declared = _declared_columns(config, slot)
        if not declared:
            continue
        for path, role, name in names:
            if name is None or name in declared:
                continue
            close = difflib.get_close_matches(name, declared, n=1, cutoff=0.6)
            hint = f"; did you mean {close[0]!r}?" if close else ""
            problem(
                f"{role} {name!r} is not among the columns the {slot!r} connector reads "
                f"(its `columns:` {', '.join(declared)}){hint}",
                path,
            )


def role_problems(
    config: WorkflowConfig, settings: Settings, problem: Callable[[str, str], None]
) -> None:
    """Components that give the target or the id column a role it cannot have, or split a
    regression target by class, as problems at the settings that say so."""
    target, index = getattr(settings, "target", None), getattr(settings, "index", None)
    roles = [(target, "the target"), (index, "the id column")]
    split = getattr(config.components.get("splitter"), "settings", None)
    if config.runner == "regression" and isinstance(split, SplitterSettings) and split.stratify:
        problem(
            "a regression target has no classes to stratify by (each value would be a "
            "class of its own); leave `stratify` out",
            "$.components.splitter.stratify",
        )
    bias = config.components.get("bias")
    column = getattr(bias.settings, "column", None) if bias is not None else None
    for name, role in roles:
        if column is not None and column == name:
            problem(
                f"the bias checker's column is {role} {name!r}, which is never among the "
                "features its groups are read from; name a sensitive column (e.g. a region)",
                "$.components.bias.column",
            )
    encoder = getattr(config.components.get("encoder"), "settings", None)
    for field in ("numeric", "categorical", "passthrough"):
        for place, listed in enumerate(getattr(encoder, field, None) or ()):
            for name, role in roles:
                if listed == name:
                    problem(
                        f"the encoder's {field} column is {role} {name!r}, which is never a "
                        "feature (the encoder never sees it); leave it out",
                        f"$.components.encoder.{field}[{place}]",
                    )


#: The connector kinds whose files hold dates as text: a column is read as dates only
#: when the connector is told so (`parse_dates:`, or a datetime dtype).
_TEXT_DATES = frozenset({"csv", "json", "jsonl"})


def _read_as_dates(settings: object, column: str) -> bool:
    """Whether a text file's connector reads `column` as dates: named in `parse_dates`,
    or given a dtype that its reads take as dates."""
    from lolpop.components.file_connector import is_date_dtype  # noqa: PLC0415 (on use)

    parsed: object = getattr(settings, "parse_dates", ())
    dtypes: object = getattr(settings, "dtypes", {})
    dtype = dtypes.get(column) if isinstance(dtypes, Mapping) else None
    return (isinstance(parsed, tuple) and column in parsed) or (
        isinstance(dtype, str) and is_date_dtype(dtype)
    )


def time_problems(
    config: WorkflowConfig, settings: Settings, problem: Callable[[str, str], None]
) -> None:
    """A runner's time column (`settings.time`: the forecasting runner orders its history
    by it) that a text file's connector would give as text, as a problem at the
    connector's `parse_dates`: the history's (`data`), and the future rows' (`new_data`)
    when known columns are looked up by time in them. Nothing is read."""
    time = getattr(settings, "time", None)
    if not isinstance(time, str) or not time or "transformer" in config.components:
        return  # no time column, or a transformer may parse it
    known: object = getattr(settings, "known", ())
    for slot in ("data", *(("new_data",) if known else ())):
        component = config.components.get(slot)
        if component is None or component.type not in _TEXT_DATES:
            continue
        if getattr(component.settings, "index", None) == time:
            continue  # read as the index: the connector's own rules apply
        if not _read_as_dates(component.settings, time):
            problem(
                f"the time column {time!r} would be read as text: a {component.type} file "
                "holds dates as text, which sort as text ('10/01/2020' before "
                f"'9/30/2020'); list it under the {slot!r} connector's `parse_dates:` "
                "(with `date_format:` when it is not ISO 8601)",
                f"$.components.{slot}.parse_dates",
            )


class StageNeedsError(ConfigError, DefinitionError):
    """A runner cannot build a stage from the components and settings given: each part
    the stage needs and lacks, at its config path (`$.settings.index`,
    `$.components.labels`). `configured`: the config sets the stage up (it gives a part
    only that stage uses, e.g. `labels` for evaluating), so `lolpop check` reports its
    needs as mistakes rather than notes."""

    def __init__(
        self, stage: str, problems: tuple[ConfigProblem, ...], *, configured: bool
    ) -> None:
        super().__init__(problems)
        self.stage = stage
        self.configured = configured


def refusal_problems(error: LolpopError, source: str = "") -> tuple[ConfigProblem, ...]:
    """A runner's refusal to build a stage, as problems at config paths: a stage's needs
    (a `ConfigError`, e.g. `StageNeedsError`) each at its own, a setting the runner
    refuses (`SettingError` naming a `$.` path) at that one, anything else at `$.runner`."""
    if isinstance(error, ConfigError):
        return tuple(
            ConfigProblem(found.message, found.path, found.file or source, found.line)
            for found in error.problems
        )
    if isinstance(error, SettingError) and error.field.startswith("$"):
        return (ConfigProblem(str(error), error.field, source),)
    return (ConfigProblem(str(error), "$.runner", source),)


@frozen
class StageCheck:
    """Whether one stage of a config's workflow can run, and if not, why."""

    stage: str
    #: What keeps the stage from running, each at its config path (none: it can run).
    problems: tuple[ConfigProblem, ...] = ()
    #: The config sets the stage up (see `StageNeedsError`): its problems are mistakes.
    configured: bool = False


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


def check_stages(parts: WorkflowParts, source: str = "") -> tuple[StageCheck, ...]:
    """Every stage of the parts' runner, built from their components and settings: which
    can run, and what each of the others needs (nothing is read or run)."""
    made = parts.runner.make(parts.components)
    found: list[StageCheck] = []
    for stage in parts.runner.stages:
        try:
            parts.runner.build(made, parts.settings, stage)
        except StageNeedsError as error:
            found.append(StageCheck(stage, refusal_problems(error, source), error.configured))
        except LolpopError as error:
            found.append(StageCheck(stage, refusal_problems(error, source)))
        else:
            found.append(StageCheck(stage))
    return tuple(found)


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
        problem(
            unknown_runner(config.runner, runners.kinds, source),
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
    try:
        runner.check(settings)
    except LolpopError as error:
        problems.extend(refusal_problems(error, source))
    column_problems(config, settings, problem)
    role_problems(config, settings, problem)
    time_problems(config, settings, problem)
    # The default components are made from the settings: a mistake there is said once.
    settings_sound = not any(found.path.startswith("$.settings") for found in problems)
    check_paths(config, problem, source)
    built = _built(config, components, problem)
    _fill_slots(runner, config, settings, built, problem, settings_sound=settings_sound)
    chosen = runner.stages[0] if stage is None else stage
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
    except LolpopError as error:
        problems.extend(refusal_problems(error, source))
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
