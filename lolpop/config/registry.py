"""Component kinds by tag: built-ins, installed packages' entry points, a user's code.

A kind is a tag (`sklearn_trainer`), the attrs record of its typed settings, and the
function that builds the component from them. Kinds come from three places:

- lolpop's built-ins (the component catalogue registers them);
- installed packages, through entry points in the group `lolpop.components` (each
  pointing at a `ComponentKind`), so an extension needs no change to lolpop;
- `module:attribute` references in a config, resolved only under allowed module
  prefixes: lolpop's own (and scikit-learn's, for estimator classes) and those a config
  lists under `allow_imports:` (or a component under `allow:`).

The trust boundary of references. A config names code; it must not be able to run any.
A reference resolves only to an object *defined* in an allowed module: a class or a
function whose `__module__` is under the prefixes, or a value standing in that module's
own namespace, looked up without calling anything but the allowed module's import. It
never walks through another module (`lolpop.components.notifier:sys.exit` is refused:
`sys.exit` is defined in `sys`), never through special attributes, and each use says
what it expects: a `ComponentKind`, a class of a given base (estimators must subclass
scikit-learn's `BaseEstimator`, checked as a class, never instantiated to be checked),
or a function written with `def`. `lolpop check` and dry runs build components, which
resolves and inspects references but calls none of them.
"""

from __future__ import annotations

import difflib
import functools
import importlib
import inspect
import re
import types
from collections.abc import Callable, Iterable, Mapping
from importlib.metadata import entry_points
from pathlib import Path
from typing import Generic, Protocol, TypeVar, cast, runtime_checkable

from attrs import frozen

from lolpop.config.records import Settings
from lolpop.errors import DefinitionError

ENTRY_POINT_GROUP = "lolpop.components"
#: The module prefixes each kind of reference may always name (a config's allow-list
#: adds more): component kinds and functions lolpop's own, classes (estimators) lolpop's
#: and scikit-learn's.
KIND_PREFIXES = ("lolpop",)
FUNCTION_PREFIXES = ("lolpop",)
CLASS_PREFIXES = ("lolpop", "sklearn")
_DOTTED = re.compile(r"[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*)*")


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


@functools.cache
def _modules_of(catalogue: str) -> Mapping[str, str]:
    """A catalogue module's `MODULES`: each built-in tag, and the module defining it."""
    modules: object = importlib.import_module(catalogue).MODULES
    if not isinstance(modules, Mapping):
        raise DefinitionError(f"the catalogue {catalogue!r} has no MODULES mapping.")
    return {str(tag): str(module) for tag, module in modules.items()}


def _kind_in(module: str, tag: str) -> _Tagged | None:
    """The kind `tag` among the `KINDS` of `module` (imported), if it is there."""
    return next((k for k in importlib.import_module(module).KINDS if k.tag == tag), None)


def catalogue_kinds(catalogue: str) -> tuple[object, ...]:
    """Every kind a catalogue module names (each module imported), in its order."""
    found = (_kind_in(module, tag) for tag, module in _modules_of(catalogue).items())
    return tuple(kind for kind in found if kind is not None)


class KindRegistry(Generic[_K]):
    """Kinds by tag: the ones given, then (on first use) a catalogue module's `KINDS` and
    the installed packages' entry points in `group`."""

    def __init__(
        self,
        kind_type: type,
        group: str,
        kinds: Iterable[_K] = (),
        *,
        catalogue: str | None = None,
    ) -> None:
        self._kind_type, self._group = kind_type, group
        self._kinds: dict[str, _K] = {}
        self._loaded_entry_points = False
        #: A module whose `KINDS` are added on first use (kept lazy: it imports every component).
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
            listed = catalogue_kinds(self._catalogue)
            # In the order they had before kinds were looked up one by one: the ones
            # given first, then the catalogue's in its order.
            self._kinds = {tag: k for tag, k in self._kinds.items() if k not in listed}
            for kind in listed:
                self.add(cast("_K", kind))
        for entry in entry_points(group=self._group):
            loaded: object = entry.load()
            if not isinstance(loaded, self._kind_type):
                raise DefinitionError(
                    f"the entry point {entry.name!r} ({entry.value}) in {self._group!r} "
                    f"is a {type(loaded).__name__}, not a lolpop {self._kind_type.__name__}."
                )
            kind = cast("_K", loaded)  # an instance of the registry's kind type, checked above
            if kind.tag not in self._kinds:
                self.add(kind)

    @property
    def kinds(self) -> Mapping[str, _K]:
        """Every registered kind by tag."""
        self._load_entry_points()
        return dict(self._kinds)

    def get(self, tag: str) -> _K | None:
        """The kind registered under `tag`, if any. A built-in tag is looked up in its own
        module only (the catalogue's `MODULES` names it): built-ins come before installed
        packages' kinds, so the others need not be imported to answer."""
        if tag not in self._kinds and not self._loaded_entry_points:
            self._from_its_module(tag)
        if tag in self._kinds:
            return self._kinds[tag]
        self._load_entry_points()
        return self._kinds.get(tag)

    def _from_its_module(self, tag: str) -> None:
        if self._catalogue is None:
            return
        module = _modules_of(self._catalogue).get(tag)
        kind = _kind_in(module, tag) if module is not None else None
        if kind is not None:
            self.add(cast("_K", kind))


class Registry(KindRegistry[ComponentKind]):
    """Component kinds by tag (built-ins first, then installed entry points)."""

    def __init__(
        self, kinds: Iterable[ComponentKind] = (), *, catalogue: str | None = None
    ) -> None:
        super().__init__(ComponentKind, ENTRY_POINT_GROUP, kinds, catalogue=catalogue)


#: The registry of lolpop's own kinds; the component catalogue adds to it.
BUILTINS = Registry(catalogue="lolpop.components.catalogue")

#: The entry point group of installed packages' runner kinds.
RUNNER_GROUP = "lolpop.runners"


def unknown(what: str, tag: str, known: Iterable[str], why: str = "", near: int = 3) -> str:
    """The refusal of `tag`, a `what` not among `known`: `why` it may be unknown, else
    the (up to `near`) known names close to it, then every known name."""
    names = sorted(known)
    close = difflib.get_close_matches(tag, names, n=near, cutoff=0.5)
    hint = why or (f"; did you mean {' or '.join(map(repr, close))}?" if close else "")
    return f"unknown {what} {tag!r}{hint} (known: {', '.join(names) or 'none'})"


def unknown_runner(tag: str, known: Iterable[str], source: str) -> str:
    """The refusal of runner `tag`, not among `known` (`source`: the config's file)."""
    return unknown("runner", tag, known, not_installed(tag, RUNNER_GROUP, source), near=2)


def not_installed(tag: str, group: str, source: str) -> str:
    """Why `tag` may be unknown: the project holding the config `source` (its nearest
    `pyproject.toml`, from the config's folder up; the working folder's for none)
    declares it in the entry-point `group`, but the installed packages lack it (the
    project is not installed, or was before the entry point was added). Empty when not.
    """
    import tomllib  # noqa: PLC0415 (only for a refusal)

    start = Path(source).resolve().parent if source else Path.cwd()
    project = next((f for f in (start, *start.parents) if (f / "pyproject.toml").is_file()), None)
    if project is None:
        return ""
    try:
        data: object = tomllib.loads((project / "pyproject.toml").read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError):
        return ""
    for key in ("project", "entry-points", group):
        data = data.get(key) if isinstance(data, dict) else None
    if not isinstance(data, dict) or tag not in data:
        return ""
    return (
        f"; {project / 'pyproject.toml'} declares it (entry point {str(data[tag])!r}), but "
        f"the installed packages lack it: install that project (again, after adding an "
        f"entry point): pip install -e {project}"
    )


@runtime_checkable
class RunnerLike(Protocol):
    """What a config needs of a runner kind: its tag, and the record its `settings:` are
    decoded into (the runners layer defines the kinds themselves)."""

    @property
    def tag(self) -> str: ...

    @property
    def settings(self) -> type[Settings]: ...


class RunnerRegistry(KindRegistry[RunnerLike]):
    """Runner kinds by tag: a catalogue module's `KINDS`, then installed entry points."""

    def __init__(self, kinds: Iterable[RunnerLike] = (), *, catalogue: str | None = None) -> None:
        super().__init__(RunnerLike, RUNNER_GROUP, kinds, catalogue=catalogue)

    def settings_of(self, tag: object) -> type[Settings]:
        """The settings record of runner `tag` (the shared `Settings` for an unknown runner,
        which building the workflow then reports)."""
        kind = self.get(tag) if isinstance(tag, str) else None
        return kind.settings if kind is not None else Settings


#: lolpop's runner kinds: `lolpop.runners.catalogue` registers them on first use, so the
#: config layer decodes a runner's settings without importing the runners layer.
RUNNERS = RunnerRegistry(catalogue="lolpop.runners.catalogue")


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
    names something other than a `ComponentKind` defined in an allowed module.
    """
    kind = registry.get(tag)
    if kind is not None or ":" not in tag:
        return kind
    return resolve_kind(tag, allowed)


def _parse(reference: str) -> tuple[str, tuple[str, ...]]:
    """The module and attribute path of a `module:attribute` reference, checked."""
    module_name, colon, attribute = reference.partition(":")
    if not colon or _DOTTED.fullmatch(module_name) is None or _DOTTED.fullmatch(attribute) is None:
        raise DefinitionError(
            f"{reference!r} is not a `module:attribute` reference "
            "(e.g. `sklearn.ensemble:RandomForestClassifier`)."
        )
    parts = tuple(attribute.split("."))
    if any(part.startswith("__") for part in parts):
        raise DefinitionError(
            f"{reference!r} names a special attribute; a reference names a class, a function "
            "or a component kind defined in a module."
        )
    return module_name, parts


def _under(module: str, prefixes: Iterable[str]) -> bool:
    return any(module == p or module.startswith(p + ".") for p in prefixes)


def _resolve(reference: str, prefixes: tuple[str, ...]) -> object:
    """The object a reference names, found without calling anything but imports of
    allowed modules, and only if it was *defined* in an allowed module.

    The attribute path is looked up statically (no properties, no `__getattr__` of a
    class) and may not pass through another module: `lolpop.x:os.system` is refused even
    though `lolpop.x` imports `os`. A class or function must have its `__module__` under
    the prefixes; any other object (a `ComponentKind`) must stand in the named module's
    own namespace.
    """
    module_name, parts = _parse(reference)
    if not _under(module_name, prefixes):
        raise DefinitionError(
            f"{reference!r} names a module outside the allowed ones ({', '.join(prefixes)}); "
            f"list its package under `allow_imports:` in the config to allow it."
        )
    try:
        module = importlib.import_module(module_name)
    except ImportError as error:
        raise DefinitionError(f"{reference!r} does not resolve: {error}.") from error
    target: object = module
    for index, part in enumerate(parts):
        try:
            if isinstance(target, types.ModuleType):
                namespace = vars(target)
                # A package's lazily loaded names (PEP 562) come from its own __getattr__.
                target = namespace[part] if part in namespace else getattr(target, part)
            else:
                target = inspect.getattr_static(target, part)
        except AttributeError:
            raise DefinitionError(
                f"{reference!r} does not resolve: {'.'.join((module_name, *parts[: index + 1]))} "
                "does not exist."
            ) from None
        if isinstance(target, types.ModuleType):
            raise DefinitionError(
                f"{reference!r} reaches the module {target.__name__!r} through an attribute; "
                "name the module before the colon (where the allow-list applies)."
            )
    defined_in = getattr(target, "__module__", None) if _has_definition(target) else module_name
    if not isinstance(defined_in, str) or not _under(defined_in, prefixes):
        raise DefinitionError(
            f"{reference!r} is defined in {defined_in or 'no module'!r}, outside the allowed "
            f"modules ({', '.join(prefixes)}): a reference may only name what an allowed "
            "module defines, not what it imports."
        )
    if not _has_definition(target) and (len(parts) != 1 or parts[0] not in vars(module)):
        raise DefinitionError(f"{reference!r} does not name a value of the module {module_name!r}.")
    return target


def _has_definition(value: object) -> bool:
    """Whether `value` records where it was defined (a class or a function)."""
    return isinstance(value, type) or inspect.isroutine(value)


def resolve_kind(reference: str, allowed: Iterable[str] = ()) -> ComponentKind:
    """The `ComponentKind` a `module:attribute` reference names, under `lolpop` and the
    `allowed` prefixes; `DefinitionError` for anything else."""
    found = _resolve(reference, (*KIND_PREFIXES, *allowed))
    if not isinstance(found, ComponentKind):
        raise DefinitionError(f"{reference!r} is {_kind_of(found)}, not a lolpop ComponentKind.")
    return found


def resolve_class(
    reference: str, base: type, allowed: Iterable[str] = (), *, what: str = ""
) -> type:
    """The class a `module:attribute` reference names, a subclass of `base`, under `lolpop`,
    `sklearn` and the `allowed` prefixes. It is checked as a class: nothing is called.

    `what` names the classes wanted in a refusal (default: subclasses of `base`)."""
    found = _resolve(reference, (*CLASS_PREFIXES, *allowed))
    if not isinstance(found, type) or not issubclass(found, base):
        wanted = what or f"subclass of {base.__module__}.{base.__qualname__}"
        raise DefinitionError(f"{reference!r} is {_kind_of(found)}, not a {wanted}.")
    return found


def resolve_function(reference: str, allowed: Iterable[str] = ()) -> Callable[..., object]:
    """The Python function a `module:attribute` reference names, under `lolpop` and the
    `allowed` prefixes (not a class, a builtin or a callable object)."""
    found = _resolve(reference, (*FUNCTION_PREFIXES, *allowed))
    if not inspect.isfunction(found):
        raise DefinitionError(
            f"{reference!r} is {_kind_of(found)}, not a function defined with `def`."
        )
    return cast("Callable[..., object]", found)


def _kind_of(value: object) -> str:
    if isinstance(value, type):
        return f"the class {value.__name__}"
    if inspect.isbuiltin(value):
        return "a built-in function"
    if inspect.isfunction(value):
        return f"the function {value.__name__}"
    return f"a value of type {type(value).__name__}"
