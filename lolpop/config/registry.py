"""Component kinds by tag: built-ins, installed packages' entry points, a user's code.

A kind is a tag (`sklearn_trainer`), the attrs record of its typed settings, and the
function that builds the component from them. Kinds come from three places:

- lolpop's built-ins (the component catalogue registers them);
- installed packages, through entry points in the group `lolpop.components` (each
  pointing at a `ComponentKind`), so an extension needs no change to lolpop;
- `module:attribute` references in a config, resolved only under allowed module
  prefixes: lolpop's own, scikit-learn's, and those a config lists under
  `allow_imports:` — a config cannot make lolpop import anything else.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Iterable, Mapping
from importlib.metadata import entry_points
from typing import Generic, Protocol, TypeVar

from attrs import frozen

from lolpop.errors import DefinitionError

ENTRY_POINT_GROUP = "lolpop.components"
ALWAYS_ALLOWED = ("lolpop", "sklearn")


@frozen
class ComponentKind:
    """A kind of component: its tag, its settings record and how to build it."""

    tag: str
    settings: type
    build: Callable[[object], object]
    description: str = ""


class _Tagged(Protocol):
    @property
    def tag(self) -> str: ...


_K = TypeVar("_K", bound=_Tagged)


class KindRegistry(Generic[_K]):
    """Kinds by tag: the ones given, then (on first use) a catalogue module's `KINDS` and
    the installed packages' entry points in `group`."""

    def __init__(
        self,
        kind_type: type[_K],
        group: str,
        kinds: Iterable[_K] = (),
        *,
        catalogue: str | None = None,
    ) -> None:
        self._kind_type, self._group = kind_type, group
        self._kinds: dict[str, _K] = {}
        self._loaded_entry_points = False
        #: A module whose `KINDS` are added on first use (kept lazy: it imports pandas).
        self._catalogue = catalogue
        for kind in kinds:
            self.add(kind)

    def add(self, kind: _K) -> None:
        """Register a kind; a tag can be registered once."""
        if kind.tag in self._kinds and self._kinds[kind.tag] != kind:
            raise DefinitionError(
                f"a {self._kind_type.__name__} is already registered as {kind.tag!r}."
            )
        self._kinds[kind.tag] = kind

    def _load_entry_points(self) -> None:
        if self._loaded_entry_points:
            return
        self._loaded_entry_points = True
        if self._catalogue is not None:
            for kind in importlib.import_module(self._catalogue).KINDS:
                self.add(kind)
        for entry in entry_points(group=self._group):
            kind = entry.load()
            if not isinstance(kind, self._kind_type):
                raise DefinitionError(
                    f"the entry point {entry.name!r} ({entry.value}) in {self._group!r} "
                    f"is a {type(kind).__name__}, not a lolpop {self._kind_type.__name__}."
                )
            if kind.tag not in self._kinds:
                self.add(kind)

    @property
    def kinds(self) -> Mapping[str, _K]:
        """Every registered kind by tag."""
        self._load_entry_points()
        return dict(self._kinds)

    def get(self, tag: str) -> _K | None:
        """The kind registered under `tag`, if any."""
        self._load_entry_points()
        return self._kinds.get(tag)


class Registry(KindRegistry[ComponentKind]):
    """Component kinds by tag (built-ins first, then installed entry points)."""

    def __init__(
        self, kinds: Iterable[ComponentKind] = (), *, catalogue: str | None = None
    ) -> None:
        super().__init__(ComponentKind, ENTRY_POINT_GROUP, kinds, catalogue=catalogue)


#: The registry of lolpop's own kinds; the component catalogue adds to it.
BUILTINS = Registry(catalogue="lolpop.components.catalogue")


def allowed_imports(data: Mapping[str, object]) -> tuple[str, ...]:
    """The module prefixes a config's raw data lists under `allow_imports:` (strings only;
    anything else there is left for the decoder to report)."""
    listed = data.get("allow_imports", ())
    if not isinstance(listed, list | tuple):
        return ()
    return tuple(item for item in listed if isinstance(item, str))


def find_kind(tag: str, registry: Registry, allowed: Iterable[str] = ()) -> ComponentKind | None:
    """The kind a component's `type:` names: registered under `tag`, or a `module:attribute`
    reference to a `ComponentKind` (None when `tag` is neither registered nor a reference).

    Raises `DefinitionError` for a reference that is not allowed, does not resolve, or
    names something other than a `ComponentKind`.
    """
    kind = registry.get(tag)
    if kind is not None or ":" not in tag:
        return kind
    found = resolve_reference(tag, allowed)
    if not isinstance(found, ComponentKind):
        raise DefinitionError(f"{tag!r} is a {type(found).__name__}, not a lolpop ComponentKind")
    return found


def resolve_reference(reference: str, allowed: Iterable[str] = ()) -> object:
    """The object a `module:attribute` reference names, if its module is allowed.

    Raises `DefinitionError` for a malformed or disallowed reference, or one that does
    not resolve.
    """
    module_name, _, attribute = reference.partition(":")
    if not module_name or not attribute:
        raise DefinitionError(f"{reference!r} is not a `module:attribute` reference.")
    prefixes = (*ALWAYS_ALLOWED, *allowed)
    if not any(module_name == p or module_name.startswith(p + ".") for p in prefixes):
        raise DefinitionError(
            f"{reference!r} names a module outside the allowed ones ({', '.join(prefixes)}); "
            f"list its package under `allow_imports:` in the config to allow it."
        )
    try:
        target: object = importlib.import_module(module_name)
        for part in attribute.split("."):
            target = getattr(target, part)
    except (ImportError, AttributeError) as error:
        raise DefinitionError(f"{reference!r} does not resolve: {error}.") from error
    return target
