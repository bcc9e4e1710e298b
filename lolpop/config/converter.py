"""One cattrs converter for configs, strict, and errors as one line per problem.

By default cattrs coerces silently (`'5'` -> 5, `4.9` -> 4, `true` -> 1): here `int`,
`float`, `str` and `bool` accept only their own kind (an `int` where a `float` is
expected, as in mypy), unknown keys are errors with a suggestion, and a component's
`type:` tag picks its settings record from the registry (an unknown tag names the
closest registered ones). Structuring collects every error (`detailed_validation`); they
are turned into `ConfigProblem`s with their `$.path` and, given the YAML's line map,
their line.
"""

from __future__ import annotations

import collections.abc
import difflib
import re
import typing
from collections.abc import Callable, Iterable, Mapping, Sized

import attrs
import cattrs
import cattrs.cols
import cattrs.gen
import cattrs.strategies
from cattrs.errors import (
    AttributeValidationNote,
    ClassValidationError,
    ForbiddenExtraKeysError,
    IterableValidationError,
)

from lolpop.config._yaml import child_path, shorten
from lolpop.config.records import (
    BACKEND_TAGS,
    BackendConfig,
    ComponentConfig,
    Settings,
    WorkflowConfig,
)
from lolpop.config.registry import (
    BUILTINS,
    ENTRY_POINT_GROUP,
    RUNNERS,
    ComponentKind,
    Registry,
    allowed_imports,
    find_kind,
    not_installed,
    unknown,
    unknown_runner,
)
from lolpop.errors import ConfigError, ConfigProblem, DefinitionError
from lolpop.secret import MASK, Secret, scrub

#: Text an error may echo: a short lowercase word or number, never a token's shape.
_PLAIN_WORD = re.compile(r"[a-z][a-z_\- ]{0,15}|[0-9][0-9.]{0,15}")


class _Invalid(ValueError):
    """A value refused by one of lolpop's hooks; its message is the whole story."""


def _show(value: object) -> str:
    """A refused value as an error shows it: its type, and its value only when that cannot
    be a secret (numbers, bools, null, and short lowercase words such as `deep`); a
    container shows its type and size, any other text its length."""
    if value is None or isinstance(value, bool | int | float):
        text = repr(value)
        return f"{type(value).__name__} {text if len(text) <= 40 else text[:37] + '...'}"
    if isinstance(value, str):
        if _PLAIN_WORD.fullmatch(value) and scrub(value) == value:
            return f"str {value!r}"
        return f"str of {len(value)} characters (not shown: it may be a secret)"
    if isinstance(value, Sized):
        return f"{type(value).__name__} of {len(value)} items"
    return type(value).__name__


def _strict_int(value: object, _: type) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise _Invalid(f"expected int, got {_show(value)}")
    return value


def _strict_float(value: object, _: type) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise _Invalid(f"expected float, got {_show(value)}")
    return float(value)


def _strict_str(value: object, _: type) -> str:
    if not isinstance(value, str):
        raise _Invalid(f"expected str, got {_show(value)}")
    return value


def _strict_bool(value: object, _: type) -> bool:
    if not isinstance(value, bool):
        raise _Invalid(f"expected bool (true or false), got {_show(value)}")
    return value


def _structure_secret(value: object, _: type) -> Secret:
    if not isinstance(value, str):
        raise _Invalid(f"expected a secret (text), got {type(value).__name__}")
    return Secret(value)


def _tagged(
    data: object, what: str, known: Callable[[], Iterable[str]]
) -> tuple[str, dict[str, object]]:
    """The `type:` tag of a mapping and the rest of it (`known`: the tags, for a refusal)."""
    if not isinstance(data, Mapping):
        raise _Invalid(f"expected a mapping with a `type:` key, got {_show(data)}")
    tag = data.get("type")
    if not isinstance(tag, str):
        raise _Invalid(f"missing `type:`, the {what}'s kind (one of: {', '.join(sorted(known()))})")
    return tag, {str(k): v for k, v in data.items() if k != "type"}


def _unknown_tag(tag: str, what: str, known: Iterable[str], why: str = "") -> _Invalid:
    return _Invalid(unknown(f"{what} type", tag, known, why))


def make_converter(
    registry: Registry = BUILTINS,
    allow_imports: Iterable[str] = (),
    *,
    reveal_secrets: bool = False,
    settings: type[Settings] = Settings,
    source: str = "",
) -> cattrs.Converter:
    """The converter for workflow configs, with components from `registry`.

    `settings:` is decoded into `settings` (the runner's record, a subclass of
    `Settings`). Unstructuring shows every `Secret` as `***`, unless `reveal_secrets` (to
    write a config back to a file, say). `source`: the config's file, whose project an
    unknown component type is looked for in (declared there, not installed)."""
    converter = cattrs.Converter(forbid_extra_keys=True, detailed_validation=True)
    configure_converter(
        converter,
        registry,
        tuple(allow_imports),
        reveal_secrets=reveal_secrets,
        settings=settings,
        source=source,
    )
    return converter


def configure_converter(
    converter: cattrs.Converter,
    registry: Registry,
    allow_imports: tuple[str, ...],
    *,
    reveal_secrets: bool = False,
    settings: type[Settings] = Settings,
    source: str = "",
) -> None:
    """Register lolpop's strict and tagged hooks on `converter`."""
    converter.register_structure_hook(int, _strict_int)
    converter.register_structure_hook(float, _strict_float)
    converter.register_structure_hook(str, _strict_str)
    converter.register_structure_hook(bool, _strict_bool)
    converter.register_structure_hook(Secret, _structure_secret)
    converter.register_structure_hook_func(_is_literal, _structure_literal)
    if settings is not Settings:
        made = converter.get_structure_hook(settings)
        converter.register_structure_hook(Settings, lambda value, _: made(value, settings))
    # A runner's settings record is a subclass: unstructure it as what it is (a hook of
    # its own, made once per class: the hook registered for `Settings` also answers for
    # its subclasses).
    made_for: dict[type, Callable[[Settings], dict[str, object]]] = {}

    def unstructure_settings(value: Settings) -> dict[str, object]:
        cls = type(value)
        if cls not in made_for:
            made_for[cls] = cattrs.gen.make_dict_unstructure_fn(cls, converter)
        return made_for[cls](value)

    converter.register_unstructure_hook(Settings, unstructure_settings)
    converter.register_unstructure_hook(
        Secret, (lambda secret: secret.reveal()) if reveal_secrets else (lambda _: MASK)
    )
    # Scalar unions (`str | int | float | bool | None`, and any part of it) take a value
    # of one of their own types as it is, e.g. a parameter value or an allowed value.
    cattrs.strategies.configure_union_passthrough(str | int | float | bool | None, converter)

    def structure_backend(data: object, _: type) -> BackendConfig:
        tag, rest = _tagged(data, "backend", lambda: BACKEND_TAGS)
        if tag not in BACKEND_TAGS:
            raise _unknown_tag(tag, "backend", BACKEND_TAGS)
        record: BackendConfig = converter.structure(rest, BACKEND_TAGS[tag])
        return record

    def unstructure_backend(backend: BackendConfig) -> dict[str, object]:
        tag = next(t for t, cls in BACKEND_TAGS.items() if isinstance(backend, cls))
        return {"type": tag, **converter.unstructure(backend)}

    def kind_of(tag: str) -> ComponentKind:
        try:
            kind = find_kind(tag, registry, allow_imports)
        except DefinitionError as error:
            raise _Invalid(str(error)) from None
        if kind is None:
            raise _unknown_tag(
                tag, "component", registry.kinds, not_installed(tag, ENTRY_POINT_GROUP, source)
            )
        return kind

    def structure_component(data: object, _: type) -> ComponentConfig:
        tag, rest = _tagged(data, "component", lambda: registry.kinds)
        kind = kind_of(tag)
        return ComponentConfig(tag, converter.structure(rest, kind.settings))

    def unstructure_component(component: ComponentConfig) -> dict[str, object]:
        return {"type": component.type, **converter.unstructure(component.settings)}

    def is_list_like(hint: object) -> bool:
        origin, args = typing.get_origin(hint), typing.get_args(hint)
        if origin is tuple:
            return len(args) == 2 and args[1] is Ellipsis
        return origin in (list, collections.abc.Sequence, collections.abc.MutableSequence)

    def no_text(hint: type) -> Callable[[object, type], object]:
        # cattrs would read `columns: auto` as ('a', 'u', 't', 'o'): refuse text there.
        made = (
            cattrs.cols.homogenous_tuple_structure_factory(hint, converter)
            if typing.get_origin(hint) is tuple
            else cattrs.cols.list_structure_factory(hint, converter)
        )

        def structure(value: object, target: type) -> object:
            if isinstance(value, str | bytes):
                raise _Invalid(f"expected a list, got {_show(value)}")
            return made(value, target)

        return structure

    converter.register_structure_hook_factory(is_list_like, no_text)
    converter.register_structure_hook(BackendConfig, structure_backend)
    converter.register_unstructure_hook(BackendConfig, unstructure_backend)
    for cls in BACKEND_TAGS.values():
        converter.register_unstructure_hook(
            cls, lambda value: {f.name: getattr(value, f.name) for f in attrs.fields(type(value))}
        )
    converter.register_structure_hook(ComponentConfig, structure_component)
    converter.register_unstructure_hook(ComponentConfig, unstructure_component)


def _is_literal(cls: object) -> bool:
    return typing.get_origin(cls) is typing.Literal


def _structure_literal(value: object, cls: object) -> object:
    """One of a `Literal`'s values, or a refusal naming them all (and the closest)."""
    allowed = typing.get_args(cls)
    if any(value == option and type(value) is type(option) for option in allowed):
        return value
    words = [option for option in allowed if isinstance(option, str)]
    close = (
        difflib.get_close_matches(value, words, n=1, cutoff=0.6) if isinstance(value, str) else []
    )
    hint = f"; did you mean {close[0]!r}?" if close else ""
    raise _Invalid(f"{_show(value)} is not one of {', '.join(map(repr, allowed))}{hint}")


def _suggest(key: str, cls: type | None) -> str:
    if cls is None or not attrs.has(cls):
        return ""
    names = [field.name for field in attrs.fields(cls)]
    close = difflib.get_close_matches(key, names, n=1, cutoff=0.6)
    return f"; did you mean {close[0]!r}?" if close else f" (known: {', '.join(names)})"


#: The most problems one decoding lists: enough to fix in one go. A config can hold up
#: to `MAX_VALUES` mistakes (one alias repeating a bad block); listing them all would
#: print megabytes and run difflib on every unknown key.
MOST_PROBLEMS = 100


def _collect(error: BaseException, path: str, into: list[tuple[str, str]]) -> None:
    if isinstance(error, ClassValidationError | IterableValidationError):
        with_notes, without = error.group_exceptions()
        for inner, note in with_notes:
            key = note.name if isinstance(note, AttributeValidationNote) else note.index
            _collect(inner, child_path(path, key), into)
        for inner in without:
            _collect(inner, path, into)
    elif isinstance(error, ForbiddenExtraKeysError):
        for key in sorted(error.extra_fields, key=str):
            # Past the problems shown, only the count matters: skip difflib's suggestion.
            shown = len(into) < MOST_PROBLEMS
            hint = _suggest(str(key), error.cl) if shown else ""
            into.append((child_path(path, key), f"unknown key {shorten(str(key))!r}{hint}"))
    elif isinstance(error, KeyError):
        into.append((path, "required key missing"))
    elif isinstance(error, _Invalid):
        into.append((path, str(error)))
    elif isinstance(error, AttributeError | TypeError) and "items" in str(error):
        into.append((path, "expected a mapping"))
    else:
        into.append((path, f"invalid value ({type(error).__name__}: {shorten(str(error), 200)})"))


def line_of(path: str, lines: Mapping[str, int]) -> int | None:
    """The line of `path`, or of its nearest ancestor that has one."""
    while path:
        if path in lines:
            return lines[path]
        cut = max(path.rfind("."), path.rfind("["))
        if cut <= 0:
            return None
        path = path[:cut]
    return None


def problems_of(
    error: BaseException, lines: Mapping[str, int] | None = None, source: str = ""
) -> tuple[ConfigProblem, ...]:
    """Every problem a structuring error holds, with its path and line (the first
    `MOST_PROBLEMS` of them, then how many more)."""
    found: list[tuple[str, str]] = []
    _collect(error, "$", found)
    problems = [
        ConfigProblem(message, path, source, line_of(path, lines or {}))
        for path, message in found[:MOST_PROBLEMS]
    ]
    if len(found) > MOST_PROBLEMS:
        more = len(found) - MOST_PROBLEMS
        problems.append(ConfigProblem(f"and {more:,} more problems, not listed", "$", source))
    return tuple(problems)


def structure_workflow(
    data: object,
    registry: Registry = BUILTINS,
    lines: Mapping[str, int] | None = None,
    source: str = "",
) -> WorkflowConfig:
    """A `WorkflowConfig` from plain data, or `ConfigError` with every problem."""
    if not isinstance(data, Mapping):
        raise ConfigError(
            (ConfigProblem(f"expected a mapping, got {_show(data)}", "$", source, 1),), source
        )
    runner = data.get("runner")
    settings = RUNNERS.settings_of(runner)
    if "settings" not in data:
        # No `settings:` are the runner's defaults, so that what it needs is said at its
        # setting (`$.settings.target`), not as a record of another type.
        data = {**data, "settings": {}}
    converter = make_converter(registry, allowed_imports(data), settings=settings, source=source)
    try:
        config: WorkflowConfig = converter.structure(data, WorkflowConfig)
    except Exception as error:
        problems = problems_of(error, lines, source)
        judged = tuple(p for p in problems if not p.path.startswith("$.settings"))
        if judged != problems and isinstance(runner, str) and RUNNERS.get(runner) is None:
            # An unknown runner's settings cannot be judged (decoded as the shared
            # `Settings`, a runner's own keys would be "unknown"): the runner's refusal
            # stands for them. (Otherwise building the workflow refuses the runner.)
            refused = ConfigProblem(
                unknown_runner(runner, RUNNERS.kinds, source),
                "$.runner",
                source,
                line_of("$.runner", lines or {}),
            )
            problems = (refused, *judged)
        raise ConfigError(problems, source) from None
    return config
