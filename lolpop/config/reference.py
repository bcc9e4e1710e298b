"""The component reference: every component type, kind and runner, with its settings.

`lolpop components [TYPE-OR-TAG]` prints it; docs/components.md is its markdown form,
regenerated with `python -m lolpop.config.reference --write` (a test fails when the file
and the settings records disagree).

Design notes:

- The records are the source. A setting's name, type and default come from its attrs
  field; its meaning from the `#:` comment above the field (or after it, on the same
  line), read from the class's source with `ast` and `tokenize` (nothing is executed).
  Inherited fields take their meaning from the class that declares them. A field with no
  comment falls back to a clause of its class's docstring that starts with the field's
  name in backticks, then (for a field holding records) to that record's summary; a
  field with none of these is reported (`Reference.undocumented`), and a test keeps the
  built-in kinds free of them.
- A kind's component type is the return annotation of the function that builds it (the
  `build` that `make_kind` wraps, found in the wrapper's closure), so a kind is listed
  under the type it builds without the registry having to say so. The component types
  are the records of steps in `lolpop.components.records`, in their order there, then
  any other type a kind builds; a kind whose builder declares no type is listed last.
- Types read as Python writes them (`tuple[str, ...]`, `Literal['ratio', 'column',
  'time']`, `int | None`), aliases expanded, so a user sees the values a setting takes.
  A task-bound type's parameter reads `K` (`ModelTrainer[K]`).
- Runners are read through their structure (slots, stages, description), not their
  class, so this module does not import the runners layer: it imports the runners'
  catalogue by name, as the config registry does.
- The docs file holds lolpop's built-ins only (`builtin_reference`), so it does not
  depend on which packages are installed; the command shows every registered kind,
  installed packages' entry points included (`registered_reference`).
"""

from __future__ import annotations

import argparse
import ast
import difflib
import importlib
import inspect
import io
import re
import sys
import textwrap
import tokenize
import types
import typing
from collections.abc import Callable, Iterable, Mapping, Sequence
from pathlib import Path
from typing import Literal, Protocol, TypeAlias, TypeVar, runtime_checkable

import attrs
from attrs import frozen

from lolpop.config.registry import (
    BUILTINS,
    RUNNERS,
    ComponentKind,
    RunnerLike,
    catalogue_kinds,
)
from lolpop.core.step import Step

#: The command that regenerates docs/components.md (from the repository's root).
REGENERATE = "python -m lolpop.config.reference --write"
#: Where `--write` writes by default (relative to the working folder).
DOCS_PATH = Path("docs") / "components.md"

_COMPONENT_RECORDS = "lolpop.components.records"
_COMPONENT_CATALOGUE = "lolpop.components.catalogue"
_RUNNER_CATALOGUE = "lolpop.runners.catalogue"

_T = TypeVar("_T")

#: How a runner needs a slot: the config must fill it, lolpop fills it when the config
#: does not, or it may stay empty (that part of the workflow is then not done).
Need: TypeAlias = Literal["required", "default", "optional"]


# --- the reference, as records -------------------------------------------------------


@frozen
class SettingDoc:
    """One setting: its name, type and default as a user writes them, and its meaning."""

    name: str
    type: str
    #: The default as Python writes it; None: the setting is required.
    default: str | None
    #: One line; empty when the record says nothing about the field.
    meaning: str


@frozen
class RecordDoc:
    """The settings of one record."""

    name: str
    module: str
    #: The setting that holds this record, dotted (`rules`); empty for the top record.
    held_by: str
    fields: tuple[SettingDoc, ...]


@frozen
class KindDoc:
    """A component kind: its `type:` tag, what it builds, and its settings."""

    tag: str
    summary: str
    #: The component type it builds (`DataConnector`, `MetricsEvaluator[Regression]`,
    #: `ModelTrainer[K]` for any task); empty when its builder does not say.
    provides: str
    #: The task it is bound to (`classification`, `any`), None for a task-free type.
    task: str | None
    #: The settings record, then the records its settings hold.
    records: tuple[RecordDoc, ...]


@frozen
class ComponentTypeDoc:
    """A component type and the kinds that build it."""

    name: str
    #: The name with its type parameters (`ModelTrainer[K]`).
    signature: str
    summary: str
    kinds: tuple[KindDoc, ...]


@frozen
class SlotDoc:
    """A runner's slot: the component a config gives under `components:` by this name."""

    name: str
    type: str
    need: Need
    meaning: str


@frozen
class RunnerDoc:
    """A runner kind: its slots, stages and settings."""

    tag: str
    summary: str
    task: str | None
    #: The stages it runs; the first is the default.
    stages: tuple[str, ...]
    slots: tuple[SlotDoc, ...]
    #: The record its `settings:` decode into, then the records that one holds.
    records: tuple[RecordDoc, ...]


@frozen
class Reference:
    """Every component type with its kinds, and every runner."""

    components: tuple[ComponentTypeDoc, ...]
    runners: tuple[RunnerDoc, ...]

    def find_kind(self, tag: str) -> KindDoc | None:
        """The kind registered as `tag`, if any."""
        return next((k for c in self.components for k in c.kinds if k.tag == tag), None)

    def find_runner(self, tag: str) -> RunnerDoc | None:
        """The runner registered as `tag`, if any."""
        return next((r for r in self.runners if r.tag == tag), None)

    def names(self) -> tuple[str, ...]:
        """Every name `select` takes: component types, kind tags, runner tags."""
        return (
            *(c.name for c in self.components),
            *(k.tag for c in self.components for k in c.kinds),
            *(r.tag for r in self.runners),
        )

    def select(self, name: str) -> Reference | None:
        """The part `name` names (case aside): a component type with its kinds, one kind
        under its type, or one runner (`runners`: all of them); None if it names none."""
        wanted = name.casefold()
        if wanted in {"runner", "runners"}:
            return Reference((), self.runners)
        types_ = tuple(c for c in self.components if c.name.casefold() == wanted)
        if not types_:
            types_ = tuple(
                attrs.evolve(c, kinds=chosen)
                for c in self.components
                if (chosen := tuple(k for k in c.kinds if k.tag.casefold() == wanted))
            )
        runners = tuple(r for r in self.runners if r.tag.casefold() == wanted)
        return Reference(types_, runners) if types_ or runners else None

    def suggest(self, name: str) -> tuple[str, ...]:
        """The names closest to a mistyped `name`."""
        by_folded = {n.casefold(): n for n in self.names()}
        close = difflib.get_close_matches(name.casefold(), by_folded, n=3, cutoff=0.6)
        return tuple(by_folded[n] for n in close)

    def undocumented(self) -> tuple[str, ...]:
        """The settings that have no meaning, as `tag: setting` (`tag runner: setting`
        for a runner's), nested ones dotted (`rules_checker: rules.kind`)."""
        return (
            *(
                f"{k.tag}: {_path(r, s)}"
                for c in self.components
                for k in c.kinds
                for r in k.records
                for s in r.fields
                if not s.meaning
            ),
            *(
                f"{runner.tag} runner: {_path(r, s)}"
                for runner in self.runners
                for r in runner.records
                for s in r.fields
                if not s.meaning
            ),
        )

    def to_text(self) -> str:
        """The reference for a terminal: a block per component type and per runner."""
        blocks = [_type_text(c) for c in self.components]
        blocks += [_runner_text(r) for r in self.runners]
        return "\n\n".join(blocks) + "\n"

    def to_markdown(self) -> str:
        """The reference as markdown: a section per component type, then the runners."""
        parts: list[str] = []
        if self.components:
            parts.append(_contents(self))
            parts += [_type_markdown(c) for c in self.components]
        if self.runners:
            parts.append(_RUNNERS_INTRO)
            parts += [_runner_markdown(r) for r in self.runners]
        return "\n\n".join(parts) + "\n"


def _path(record: RecordDoc, setting: SettingDoc) -> str:
    return f"{record.held_by}.{setting.name}" if record.held_by else setting.name


# --- reading the records -------------------------------------------------------------


def type_text(hint: object) -> str:
    """A type as Python writes it, aliases expanded and type variables without their
    leading underscore.

    >>> type_text(tuple[str, ...]), type_text(int | None), type_text(Literal["a", "b"])
    ('tuple[str, ...]', 'int | None', "Literal['a', 'b']")
    """
    if hint is None or hint is type(None):
        return "None"
    if hint is Ellipsis:
        return "..."
    if isinstance(hint, str):
        return hint
    if isinstance(hint, typing.ForwardRef):
        return hint.__forward_arg__
    if isinstance(hint, typing.TypeVar):
        return re.sub(r"_(co|contra)$", "", hint.__name__).lstrip("_")
    origin, args = typing.get_origin(hint), typing.get_args(hint)
    if origin is Literal:
        return f"Literal[{', '.join(repr(arg) for arg in args)}]"
    if origin in {typing.Union, types.UnionType}:
        return " | ".join(type_text(arg) for arg in args)
    if origin is not None:
        name = getattr(origin, "__name__", None) or str(origin).removeprefix("typing.")
        return f"{name}[{', '.join(type_text(arg) for arg in args)}]" if args else name
    if isinstance(hint, type):
        return hint.__name__
    return str(hint).removeprefix("typing.")


class _Factory(Protocol):
    """What attrs' `Factory` holds (its stubs type `attrs.Factory` as a function)."""

    factory: Callable[[], object]
    takes_self: bool


_FACTORY: type = type(attrs.Factory(list))


def default_text(attribute: attrs.Attribute[_T]) -> str | None:
    """A field's default as Python writes it (a record of defaults as `Name()`); None
    when the field is required."""
    default: object = attribute.default
    if default is attrs.NOTHING:
        return None
    if isinstance(default, _FACTORY):
        factory = typing.cast("_Factory", default)
        if factory.takes_self:
            return "computed from the other settings"
        default = factory.factory()
    if attrs.has(type(default)):
        try:
            plain = type(default)()
        except (TypeError, ValueError):  # it has required fields, or refuses its defaults
            plain = None
        if plain == default:
            return f"{type(default).__name__}()"
    return repr(default)


def field_comments(record: type) -> dict[str, str]:
    """The `#:` comment of each field of `record` and of the classes it extends, as one
    line (a subclass's comment wins)."""
    found: dict[str, str] = {}
    for klass in reversed(record.__mro__):
        if klass is not object:
            found.update(_own_comments(klass))
    return found


def _own_comments(klass: type) -> dict[str, str]:
    """The `#:` comments of the fields `klass` itself declares (none when its source
    cannot be read)."""
    try:
        source = textwrap.dedent("".join(inspect.getsourcelines(klass)[0]))
        tree = ast.parse(source)
        comments = {
            token.start[0]: token.string
            for token in tokenize.generate_tokens(io.StringIO(source).readline)
            if token.type == tokenize.COMMENT and token.string.startswith("#:")
        }
    except (OSError, TypeError, SyntaxError, tokenize.TokenError):
        return {}
    node = next((n for n in tree.body if isinstance(n, ast.ClassDef)), None)
    if node is None:
        return {}
    lines = source.splitlines()
    found: dict[str, str] = {}
    for statement in node.body:
        if not (isinstance(statement, ast.AnnAssign) and isinstance(statement.target, ast.Name)):
            continue
        above: list[str] = []
        line = statement.lineno - 1
        while line in comments and lines[line - 1].lstrip().startswith("#:"):
            above.insert(0, comments[line])
            line -= 1
        after = comments.get(statement.end_lineno or statement.lineno)
        text = " ".join(c.removeprefix("#:").strip() for c in above or ([after] if after else []))
        if text:
            found[statement.target.id] = text
    return found


def _summary(doc: str | None) -> str:
    """A docstring's first paragraph, as one line."""
    if not doc:
        return ""
    return " ".join(inspect.cleandoc(doc).split("\n\n")[0].split())


def _own_doc(klass: type) -> str | None:
    doc = vars(klass).get("__doc__")
    return doc if isinstance(doc, str) else None


def _from_docstring(record: type, name: str) -> str:
    """The clause of the docstring of the class declaring `name` that starts with
    `` `name` `` (a sentence, a `;`-separated part or a bullet), if any."""
    for klass in record.__mro__:
        if name in vars(klass).get("__annotations__", {}):
            doc = _own_doc(klass)
            if not doc:
                return ""
            for item in re.split(r"\n\s*\n|\n(?=\s*- )", inspect.cleandoc(doc)):
                flat = " ".join(item.split()).removeprefix("- ")
                for clause in re.split(r"(?<=\.)\s+|;\s+", flat):
                    if re.match(rf"`{re.escape(name)}`(?=[\s:,)]|$)", clause):
                        return clause
            return ""
    return ""


def _records_in(hint: object) -> list[type]:
    """The attrs records a setting's type holds (`tuple[Rule, ...]`: `Rule`)."""
    if isinstance(hint, type) and attrs.has(hint):
        return [hint]
    return [record for arg in typing.get_args(hint) for record in _records_in(arg)]


def _hints(record: type) -> Mapping[str, object]:
    try:
        return typing.get_type_hints(record)
    except (NameError, TypeError, AttributeError):  # a name only a type checker sees
        return {}


def _meaning(record: type, name: str, hint: object, comments: Mapping[str, str]) -> str:
    held = _records_in(hint)
    return (
        comments.get(name)
        or _from_docstring(record, name)
        or (_summary(_own_doc(held[0])) if held else "")
    )


def _settings_records(settings: type) -> tuple[RecordDoc, ...]:
    """A settings record's fields, then those of each record they hold (once each)."""
    found: list[RecordDoc] = []
    seen: set[type] = set()

    def visit(record: type, held_by: str) -> None:
        if record in seen:
            return
        seen.add(record)
        fields: list[SettingDoc] = []
        held: list[tuple[type, str]] = []
        if attrs.has(record):
            hints, comments = _hints(record), field_comments(record)
            for attribute in attrs.fields(record):
                hint = hints.get(attribute.name, attribute.type)
                fields.append(
                    SettingDoc(
                        attribute.name,
                        type_text(hint),
                        default_text(attribute),
                        _meaning(record, attribute.name, hint, comments),
                    )
                )
                path = f"{held_by}.{attribute.name}" if held_by else attribute.name
                held += [(inner, path) for inner in _records_in(hint)]
        found.append(RecordDoc(record.__name__, record.__module__, held_by, tuple(fields)))
        for inner, path in held:
            visit(inner, path)

    visit(settings, "")
    return tuple(found)


# --- component types and kinds -------------------------------------------------------


def _is_component_type(value: object) -> bool:
    """Whether `value` is a component type: an attrs record with a field of steps."""
    if not (isinstance(value, type) and attrs.has(value)):
        return False
    return any((typing.get_origin(hint) or hint) is Step for hint in _hints(value).values())


def _built_type(kind: ComponentKind) -> object | None:
    """The component type a kind's builder declares it returns (looking through the
    wrapper `make_kind` puts around it), None if it declares none."""
    candidates: list[object] = [kind.build]
    if inspect.isfunction(kind.build):
        candidates.append(inspect.getclosurevars(kind.build).nonlocals.get("build"))
    for candidate in candidates:
        if not callable(candidate):
            continue
        try:
            returned = typing.get_type_hints(candidate).get("return")
        except (NameError, TypeError, AttributeError):
            continue
        if _is_component_type(_component_class(returned)):
            return returned
    return None


def _component_class(hint: object) -> object:
    """The record class of a component type hint (`ModelTrainer[K] | None`: ModelTrainer)."""
    if typing.get_origin(hint) in {typing.Union, types.UnionType}:
        hint = next((a for a in typing.get_args(hint) if a is not type(None)), None)
    return typing.get_origin(hint) or hint


def _builder(kind: ComponentKind) -> object:
    """The function that builds a kind's component (inside `make_kind`'s wrapper)."""
    if inspect.isfunction(kind.build):
        inner = inspect.getclosurevars(kind.build).nonlocals.get("build")
        if inspect.isfunction(inner):
            return inner
    return kind.build


def _task_of(hint: object) -> str | None:
    """The task a component type hint is bound to: a task's name, `any` for the task
    base, None for a task-free type."""
    from lolpop.components.records import TaskKind  # noqa: PLC0415 (the component records)

    for arg in typing.get_args(hint):
        if isinstance(arg, type) and issubclass(arg, TaskKind):
            return str(vars(arg).get("name", "any"))
    return None


def _provides_text(hint: object) -> str:
    """A component type hint as a kind builds it, the task base read `K`."""
    from lolpop.components.records import TaskKind  # noqa: PLC0415 (the component records)

    origin, args = typing.get_origin(hint), typing.get_args(hint)
    if origin is None or not args:
        return type_text(hint)
    shown = ("K" if arg is TaskKind else type_text(arg) for arg in args)
    return f"{type_text(origin)}[{', '.join(shown)}]"


def _signature(component: type) -> str:
    parameters = getattr(component, "__parameters__", ())
    if not parameters:
        return component.__name__
    return f"{component.__name__}[{', '.join(type_text(p) for p in parameters)}]"


def _kind_doc(kind: ComponentKind, built: object | None) -> KindDoc:
    described = " ".join(kind.description.split())
    documented = _summary(inspect.getdoc(_builder(kind)))
    # make_kind keeps the docstring's first line only: take its whole first paragraph.
    summary = (
        documented
        if described and documented.startswith(described)
        else described or documented or _summary(_own_doc(kind.settings))
    )
    return KindDoc(
        kind.tag,
        summary,
        _provides_text(built) if built is not None else "",
        _task_of(built) if built is not None else None,
        _settings_records(kind.settings),
    )


def _as_type_of(built: object | None, component_types: Sequence[type]) -> object | None:
    """A built type as the component type it extends, its type arguments kept
    (`SklearnMetrics[Regression]`: `MetricsEvaluator[Regression]`)."""
    found = _component_class(built) if built is not None else None
    if not isinstance(found, type) or found in component_types:
        return built
    base = next((t for t in component_types if issubclass(found, t)), None)
    if base is None:
        return built
    args = typing.get_args(built)
    if args and len(args) == len(getattr(base, "__parameters__", ())):
        return types.GenericAlias(base, args)
    return base


def _component_docs(kinds: Iterable[ComponentKind]) -> tuple[ComponentTypeDoc, ...]:
    records = importlib.import_module(_COMPONENT_RECORDS)
    component_types: list[type] = [
        value
        for value in vars(records).values()
        if isinstance(value, type)
        and value.__module__ == records.__name__
        and _is_component_type(value)
    ]
    by_type: dict[type | None, list[KindDoc]] = {t: [] for t in component_types}
    for kind in kinds:
        built = _as_type_of(_built_type(kind), component_types)
        found = _component_class(built) if built is not None else None
        component = found if isinstance(found, type) else None
        if component is not None and component not in by_type:
            component_types.append(component)
        by_type.setdefault(component, []).append(_kind_doc(kind, built))
    docs = [
        ComponentTypeDoc(
            t.__name__, _signature(t), _summary(_own_doc(t)), tuple(by_type.get(t, ()))
        )
        for t in component_types
    ]
    if by_type.get(None):
        docs.append(
            ComponentTypeDoc(
                "Other",
                "Other",
                "Kinds whose builder does not declare the component type it returns.",
                tuple(by_type[None]),
            )
        )
    return tuple(docs)


# --- runners -------------------------------------------------------------------------


@runtime_checkable
class _SlotLike(Protocol):
    @property
    def name(self) -> str: ...

    @property
    def hint(self) -> object: ...

    @property
    def component(self) -> type: ...

    @property
    def description(self) -> str: ...

    @property
    def required(self) -> bool: ...

    @property
    def defaulted(self) -> bool: ...


@runtime_checkable
class _DocumentedRunner(Protocol):
    """What the reference reads of a runner kind beyond its tag and settings (lolpop's
    `RunnerKind` has it all; an installed runner may have only the tag and settings)."""

    @property
    def description(self) -> str: ...

    @property
    def stages(self) -> tuple[str, ...]: ...

    @property
    def slots(self) -> Sequence[_SlotLike]: ...

    @property
    def components(self) -> object: ...

    @property
    def task(self) -> type | None: ...


def _slot_doc(slot: _SlotLike, comments: Mapping[str, str]) -> SlotDoc:
    hint = slot.hint
    if typing.get_origin(hint) in {typing.Union, types.UnionType}:
        hint = next(a for a in typing.get_args(hint) if a is not type(None))
    need: Need = "required" if slot.required else "default" if slot.defaulted else "optional"
    meaning = slot.description or comments.get(slot.name) or _summary(_own_doc(slot.component))
    return SlotDoc(slot.name, type_text(hint), need, meaning)


def _runner_doc(kind: RunnerLike) -> RunnerDoc:
    records = _settings_records(kind.settings)
    if not isinstance(kind, _DocumentedRunner):
        return RunnerDoc(kind.tag, _summary(_own_doc(type(kind))), None, (), (), records)
    component_record = typing.get_origin(kind.components) or kind.components
    comments = field_comments(component_record) if isinstance(component_record, type) else {}
    task = vars(kind.task).get("name") if kind.task is not None else None
    return RunnerDoc(
        kind.tag,
        " ".join(kind.description.split()),
        str(task) if task is not None else None,
        tuple(kind.stages),
        tuple(_slot_doc(slot, comments) for slot in kind.slots),
        records,
    )


# --- making the reference ------------------------------------------------------------


def make_reference(kinds: Iterable[ComponentKind], runners: Iterable[RunnerLike]) -> Reference:
    """The reference of these component kinds and runner kinds."""
    return Reference(_component_docs(kinds), tuple(_runner_doc(r) for r in runners))


def builtin_reference() -> Reference:
    """The reference of lolpop's own kinds and runners (what docs/components.md holds)."""
    kinds = [k for k in catalogue_kinds(_COMPONENT_CATALOGUE) if isinstance(k, ComponentKind)]
    runners = [r for r in catalogue_kinds(_RUNNER_CATALOGUE) if isinstance(r, RunnerLike)]
    return make_reference(kinds, runners)


def registered_reference() -> Reference:
    """The reference of every registered kind and runner, installed packages' included."""
    return make_reference(BUILTINS.kinds.values(), RUNNERS.kinds.values())


def reference_markdown() -> str:
    """The text of docs/components.md: lolpop's built-in kinds and runners."""
    return _HEADER + "\n" + builtin_reference().to_markdown()


# --- text ----------------------------------------------------------------------------

_WIDTH = 100


def _wrapped(text: str, indent: int) -> str:
    return textwrap.fill(
        text,
        _WIDTH,
        initial_indent=" " * indent,
        subsequent_indent=" " * indent,
        break_on_hyphens=False,
        break_long_words=False,
    )


def _records_text(records: Sequence[RecordDoc], indent: int) -> list[str]:
    lines: list[str] = []
    for record in records:
        at = indent + (2 if record.held_by else 0)
        if record.held_by:
            lines.append(" " * indent + f"{record.held_by} ({record.name}):")
        if not record.fields:
            lines.append(" " * at + "(no settings)")
        for setting in record.fields:
            shown = " (required)" if setting.default is None else f" = {setting.default}"
            lines.append(" " * at + f"{setting.name}: {setting.type}{shown}")
            lines.append(_wrapped(setting.meaning or "(undocumented)", at + 4))
    return lines


def _type_text(component: ComponentTypeDoc) -> str:
    lines = [f"{component.signature}: {component.summary}"]
    if not component.kinds:
        lines.append("  (no kind registered)")
    for kind in component.kinds:
        task = " for any task" if kind.task == "any" else ""
        builds = f"builds {kind.provides}{task}; " if kind.provides else ""
        settings = kind.records[0]
        lines += [
            "",
            _wrapped(f"{kind.tag}: {kind.summary}", 2),
            f"    {builds}settings: {settings.name} ({settings.module})",
            *_records_text(kind.records, 4),
        ]
    return "\n".join(lines)


def _runner_text(runner: RunnerDoc) -> str:
    lines = [f"Runner {runner.tag}: {runner.summary}"]
    facts = [f"task: {runner.task}"] if runner.task else []
    if runner.stages:
        stages = [f"{runner.stages[0]} (the default)", *runner.stages[1:]]
        facts.append(f"stages: {', '.join(stages)}")
    if facts:
        lines.append(_wrapped("; ".join(facts), 2))
    if runner.slots:
        lines.append("  components (under `components:`, by slot):")
        for slot in runner.slots:
            lines.append(f"    {slot.name}: {slot.type} ({slot.need})")
            lines.append(_wrapped(slot.meaning, 8))
    lines.append(f"  settings (under `settings:`): {runner.records[0].name}")
    lines += _records_text(runner.records, 4)
    return "\n".join(lines)


# --- markdown ------------------------------------------------------------------------

_HEADER = f"""\
<!-- Generated from lolpop's settings records by `{REGENERATE}`: do not edit by hand. -->

# Component reference

This file is generated from the settings records of lolpop's component kinds and runners:
edit a record's `#:` comments, then regenerate it from the repository's root with
`{REGENERATE}` (a test fails while it is out of date).
`lolpop components [TYPE-OR-TAG]` prints the same in a terminal (`--markdown` as
markdown), with the kinds of installed packages too.

In a config, a component is a mapping under `components:`: its kind's `type:` tag and
its settings beside it, e.g. `data: {{type: csv, path: data/iris.csv}}`. A setting with no
default is required; types read as Python writes them (`tuple[str, ...]` is a list in YAML,
`Mapping[str, str]` a mapping).
"""

_RUNNERS_INTRO = """\
## Runners

A config's `runner:` names one. Its `components:` fill the runner's slots by name
(*required*: the config must give it; *default*: lolpop gives one when the config does not;
*optional*: left out, that part of the workflow is not done), and its `settings:` decode
into the runner's settings record."""


def _cell(text: str) -> str:
    return text.replace("|", "\\|")


def _code(text: str) -> str:
    return f"`{_cell(text)}`"


def _anchor(heading: str) -> str:
    """The anchor GitHub gives a heading."""
    return re.sub(r"[^\w\- ]", "", heading.lower()).replace(" ", "-")


def _contents(reference: Reference) -> str:
    lines = ["## Contents", ""]
    for component in reference.components:
        kinds = ", ".join(f"[`{k.tag}`](#{_anchor(k.tag)})" for k in component.kinds)
        lines.append(
            f"- [{component.name}](#{_anchor(component.name)})" + (f": {kinds}" if kinds else "")
        )
    if reference.runners:
        runners = ", ".join(
            f"[`{r.tag}`](#{_anchor(r.tag + ' runner')})" for r in reference.runners
        )
        lines.append(f"- [Runners](#runners): {runners}")
    return "\n".join(lines)


def _records_markdown(records: Sequence[RecordDoc]) -> list[str]:
    parts: list[str] = []
    for record in records:
        rows = [
            f"| {_code(s.name)} | {_code(s.type)} | "
            f"{'required' if s.default is None else _code(s.default)} | "
            f"{_cell(s.meaning) or '(undocumented)'} |"
            for s in record.fields
        ]
        if record.held_by:
            parts.append(f"The fields of `{record.held_by}` (`{record.name}`):")
        if not rows:
            parts.append("No settings.")
            continue
        parts.append(
            "\n".join(["| setting | type | default | meaning |", "|---|---|---|---|", *rows])
        )
    return parts


def _type_markdown(component: ComponentTypeDoc) -> str:
    parts = [f"## {component.name}", component.summary]
    if component.signature != component.name:
        parts.append(f"Task-bound: `{component.signature}`, where `K` is the task.")
    if not component.kinds:
        parts.append("No kind is registered.")
    for kind in component.kinds:
        settings = kind.records[0]
        task = " for any task" if kind.task == "any" else ""
        builds = f"Builds `{kind.provides}`{task}; s" if kind.provides else "S"
        parts += [
            f"### `{kind.tag}`",
            kind.summary,
            f"{builds}ettings: `{settings.name}` (`{settings.module}`).",
            *_records_markdown(kind.records),
        ]
    return "\n\n".join(part for part in parts if part)


def _runner_markdown(runner: RunnerDoc) -> str:
    parts = [f"### `{runner.tag}` runner", runner.summary]
    facts = [f"Task: {runner.task}."] if runner.task else []
    if runner.stages:
        stages = ", ".join(f"`{s}`" for s in runner.stages)
        facts.append(f"Stages (`lolpop run --stage`): {stages}; the first is the default.")
    parts.append(" ".join(facts))
    if runner.slots:
        rows = [
            f"| {_code(s.name)} | {_code(s.type)} | {s.need} | {_cell(s.meaning)} |"
            for s in runner.slots
        ]
        parts.append(
            "\n".join(["| component | type | needed | meaning |", "|---|---|---|---|", *rows])
        )
    parts.append(f"Settings (under `settings:`): `{runner.records[0].name}`.")
    parts += _records_markdown(runner.records)
    return "\n\n".join(part for part in parts if part)


# --- python -m lolpop.config.reference -----------------------------------------------


def main(argv: Sequence[str] | None = None) -> int:
    """Print docs/components.md's text, or write it (`--write [PATH]`)."""
    parser = argparse.ArgumentParser(
        prog="python -m lolpop.config.reference",
        description="Print lolpop's component reference (markdown), or write docs/components.md.",
    )
    parser.add_argument(
        "--write",
        nargs="?",
        const=str(DOCS_PATH),
        default=None,
        metavar="PATH",
        help=f"write it to PATH (default: {DOCS_PATH}, from the repository's root)",
    )
    arguments = parser.parse_args(argv)
    text = reference_markdown()
    if arguments.write is None:
        sys.stdout.write(text)
        return 0
    target = Path(arguments.write)
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(text, encoding="utf-8")
    sys.stdout.write(f"wrote {target}\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
