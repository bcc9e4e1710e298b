"""Runner kinds: a runner's components record, its settings record, and its program.

A runner kind is generic in what it is built from: `RunnerKind[C, S]` takes a record of
components `C` (its fields are the slots a config fills by name under `components:`)
and a settings record `S` (a subclass of `Settings`, which the config's `settings:` is
decoded into), and builds the program of one stage from a `C` and an `S`. Nothing is
erased on the way: the slots, their types and which are required come from `C`'s own
fields, and a config-built workflow is a `C` checked field by field before it is made.

The kinds lolpop ships are listed by `lolpop.runners.catalogue` (registered in
`lolpop.config.registry.RUNNERS` on first use); installed packages add theirs through
the entry point group `lolpop.runners`.
"""

from __future__ import annotations

import types
import typing
from collections.abc import Callable, Mapping
from typing import Generic, Protocol, TypeVar

import attrs
from attrs import Factory, frozen

from lolpop.components.records import TaskKind
from lolpop.config.records import Settings
from lolpop.core._hints import substitute
from lolpop.core.step import Step

_C = TypeVar("_C")
_S = TypeVar("_S", bound=Settings)


class Report(Protocol):
    """What a runner's program gives: a report that renders itself for a person."""

    def to_text(self) -> str:
        """A few lines: what each part of the stage did."""
        ...


@frozen
class Slot:
    """A place for one component: its name in a config and the type it declares."""

    name: str
    #: The declared type, type parameters applied (`ModelTrainer[Classification]`).
    hint: object
    #: The component record's class (`ModelTrainer`).
    component: type
    description: str = ""
    required: bool = True
    #: Whether the runner fills it with a default component when a config leaves it empty.
    defaulted: bool = False


@frozen
class RunnerKind(Generic[_C, _S]):
    """A kind of runner: its tag, its components and settings records, its program."""

    tag: str
    #: The record of components (fields: the slots), type parameters applied.
    components: type[_C]
    settings: type[_S]
    #: The program of a stage, from the components and the settings.
    build: Callable[[_C, _S, str], Step[None, Report]]
    #: The stages a user can run alone; the first is the default.
    stages: tuple[str, ...]
    #: The slots a config may leave empty, and their default components, by slot name.
    defaulted: frozenset[str] = frozenset()
    defaults: Callable[[_S], Mapping[str, object]] = lambda _: {}
    #: The task every task-bound component must be of (None: any).
    task: type[TaskKind] | None = None
    #: Checks of the settings alone (a refusal is a `LolpopError`), made with the
    #: components' checks, so a config's mistakes in both are said at once.
    check: Callable[[_S], None] = lambda _: None
    description: str = ""
    slot_descriptions: Mapping[str, str] = Factory(dict)

    @property
    def slots(self) -> tuple[Slot, ...]:
        """One slot per field of the components record."""
        return slots_of(self.components, self.slot_descriptions, self.defaulted)

    def make(self, components: Mapping[str, object]) -> _C:
        """The components record of checked components (every slot checked by the caller)."""
        return self.components(**components)


def record_hints(record: object) -> tuple[type, dict[str, object]]:
    """A record class and its fields' hints, with the type parameters of an alias applied
    (`SupervisedComponents[Classification]`: `_K` is `Classification`)."""
    origin = typing.get_origin(record) or record
    assert isinstance(origin, type)
    hints = typing.get_type_hints(origin)
    parameters = getattr(origin, "__parameters__", ())
    arguments = typing.get_args(record)
    if parameters and arguments:
        table = dict(zip(parameters, arguments, strict=True))
        hints = {name: substitute(hint, table) for name, hint in hints.items()}
    return origin, hints


def component_type(hint: object) -> type:
    """The record class a slot holds (`X | None` -> `X`, `ModelTrainer[K]` -> `ModelTrainer`)."""
    if typing.get_origin(hint) in (typing.Union, types.UnionType):
        hint = next(arg for arg in typing.get_args(hint) if arg is not type(None))
    found = typing.get_origin(hint) or hint
    assert isinstance(found, type)
    return found


def is_optional(hint: object) -> bool:
    """Whether a slot's hint allows None."""
    return typing.get_origin(hint) in (typing.Union, types.UnionType) and type(None) in (
        typing.get_args(hint)
    )


def slots_of(
    record: object, descriptions: Mapping[str, str], defaulted: frozenset[str]
) -> tuple[Slot, ...]:
    """The slots of a components record: one per field, required unless it has a default
    value or a default component."""
    origin, hints = record_hints(record)
    return tuple(
        Slot(
            field.name,
            hints[field.name],
            component_type(hints[field.name]),
            descriptions.get(field.name, ""),
            required=field.default is attrs.NOTHING and field.name not in defaulted,
            defaulted=field.name in defaulted,
        )
        for field in attrs.fields(origin)
    )
