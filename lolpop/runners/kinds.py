"""Runner kinds: the slots a runner needs, and how it builds its program from them.

A slot is a named place for a component of one type (`DataConnector`, `ModelTrainer`);
a config fills slots by name under `components:`. The kinds lolpop ships are listed by
`lolpop.runners.catalogue` (loaded on first use); installed packages add theirs through
the entry point group `lolpop.runners`.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Mapping
from importlib.metadata import entry_points

from attrs import frozen

from lolpop.config.records import Settings
from lolpop.core.step import Step
from lolpop.errors import DefinitionError

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


class RunnerRegistry:
    """Runner kinds by tag: a catalogue module's `KINDS`, then installed entry points."""

    def __init__(self, kinds: tuple[RunnerKind, ...] = (), *, catalogue: str | None = None) -> None:
        self._kinds = {kind.tag: kind for kind in kinds}
        self._catalogue = catalogue
        self._loaded = False

    def _load(self) -> None:
        if self._loaded:
            return
        self._loaded = True
        found: list[object] = []
        if self._catalogue is not None:
            found.extend(importlib.import_module(self._catalogue).KINDS)
        found.extend(entry.load() for entry in entry_points(group=ENTRY_POINT_GROUP))
        for kind in found:
            if not isinstance(kind, RunnerKind):
                raise DefinitionError(f"{kind!r} is not a lolpop RunnerKind.")
            self._kinds.setdefault(kind.tag, kind)

    @property
    def kinds(self) -> Mapping[str, RunnerKind]:
        """Every registered kind by tag."""
        self._load()
        return dict(self._kinds)

    def get(self, tag: str) -> RunnerKind | None:
        """The kind registered under `tag`, if any."""
        self._load()
        return self._kinds.get(tag)


#: lolpop's own runner kinds.
RUNNERS = RunnerRegistry(catalogue="lolpop.runners.catalogue")
