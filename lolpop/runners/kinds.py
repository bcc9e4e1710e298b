"""Runner kinds: the slots a runner needs, and how it builds its program from them.

A slot is a named place for a component of one type (`DataConnector`, `ModelTrainer`);
a config fills slots by name under `components:`. The kinds lolpop ships are listed by
`lolpop.runners.catalogue` (loaded on first use); installed packages add theirs through
the entry point group `lolpop.runners`.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping

from attrs import frozen

from lolpop.config.records import Settings
from lolpop.config.registry import KindRegistry
from lolpop.core.step import Step

ENTRY_POINT_GROUP = "lolpop.runners"


@frozen
class Slot:
    """A place for one component: its name in a config, and the type it accepts."""

    name: str
    component: type
    description: str = ""
    required: bool = True
    #: The component used when a config leaves the slot empty (a slot with a default is
    #: never required).
    default: Callable[[Settings], object] | None = None


@frozen
class RunnerKind:
    """A kind of runner: its tag, its slots, and how to build its program."""

    tag: str
    slots: tuple[Slot, ...]
    #: Given a component for each filled slot, the shared settings and a stage, the program.
    build: Callable[[Mapping[str, object], Settings, str], Step[None, object]]
    description: str = ""
    #: The stages a user can run alone; the first is the default.
    stages: tuple[str, ...] = ("build_all",)


class RunnerRegistry(KindRegistry[RunnerKind]):
    """Runner kinds by tag: a catalogue module's `KINDS`, then installed entry points."""

    def __init__(self, kinds: tuple[RunnerKind, ...] = (), *, catalogue: str | None = None) -> None:
        super().__init__(RunnerKind, ENTRY_POINT_GROUP, kinds, catalogue=catalogue)


#: lolpop's own runner kinds.
RUNNERS = RunnerRegistry(catalogue="lolpop.runners.catalogue")
