"""`load(path, profile)`: a YAML config file to a checked `WorkflowConfig`, or every error.

The file may hold `profiles:`, overlays by name (`dev`, `prod`, any names): the chosen
one (`profile=`, else `LOLPOP_PROFILE`) is merged into the base, mappings key by key and
other values replaced; a component the profile sets to null is removed. Strings may read
the environment: `${env:NAME}` or `${env:NAME,default}`; a value that is only such a
reference is read as YAML, so `max_depth: ${env:DEPTH,5}` is the int 5. Every problem
(YAML, profile, environment, types, unknown keys and tags) comes back at once in one
`ConfigError`.

Bounds: a file is read up to `MAX_BYTES`, and every pass here (overlay, interpolation,
decoding) runs on data `read_yaml` or `read_toml` has measured against the caps of
`lolpop.config._yaml` first. Interpolation keeps values that aliases share shared, bounds
the text environment values add, and its result is measured again (a value read from the
environment as YAML may be repeated by aliases).
"""

from __future__ import annotations

import os
import re
import tomllib
from collections.abc import Mapping
from pathlib import Path
from typing import TypeAlias

from attrs import Factory, define
from returns.result import Failure, Result, Success

from lolpop.config._yaml import MAX_BYTES, MAX_TEXT, check_bounds, child_path, read_yaml
from lolpop.config.converter import line_of, structure_workflow
from lolpop.config.records import WorkflowConfig
from lolpop.config.registry import BUILTINS, Registry
from lolpop.errors import ConfigError, ConfigProblem
from lolpop.secret import is_secret_name, remember

PROFILE_VARIABLE = "LOLPOP_PROFILE"
_REFERENCE = re.compile(r"\$\{env:([A-Za-z_][A-Za-z0-9_]*)(?:,([^}]*))?\}")
MASK = "***"


def is_secret(key: str) -> bool:
    """Whether a key names a secret (password, token, secret, key, api_key...)."""
    return is_secret_name(key)


def mask_secrets(data: object) -> object:
    """The data with the values of secret-looking keys replaced by `***`."""
    if isinstance(data, Mapping):
        return {
            key: MASK
            if isinstance(key, str) and is_secret(key) and value is not None
            else mask_secrets(value)
            for key, value in data.items()
        }
    if isinstance(data, list | tuple):
        return [mask_secrets(item) for item in data]
    return data


def overlay(base: object, over: object) -> object:
    """`over` merged into `base`: mappings key by key, anything else replaced.

    A mapping whose `type:` the overlay changes (another backend, another component
    kind) is replaced whole: the old kind's settings would not fit the new one.
    """
    retyped = (
        isinstance(base, Mapping)
        and isinstance(over, Mapping)
        and "type" in over
        and over.get("type") != base.get("type")
    )
    if isinstance(base, Mapping) and isinstance(over, Mapping) and not retyped:
        merged = dict(base)
        for key, value in over.items():
            merged[key] = overlay(base[key], value) if key in base else value
        return merged
    return over


def _dropping(data: dict[str, object], over: Mapping[str, object]) -> dict[str, object]:
    """`data` less the components the profile `over` sets to null (`tuner: null`: a
    profile without the search); a null anywhere else is a value like any other."""
    components, dropped = data.get("components"), over.get("components")
    if not isinstance(components, Mapping) or not isinstance(dropped, Mapping):
        return data
    gone = {name for name, value in dropped.items() if value is None}
    kept = {name: value for name, value in components.items() if name not in gone}
    return {**data, "components": kept}


def _profile_lines(lines: Mapping[str, int], prefix: str) -> dict[str, int]:
    """The line map with each path the profile at `prefix` sets at the profile's line,
    so that a problem with a value the profile gives is said where it is written."""
    moved = dict(lines)
    for path, line in lines.items():
        if path.startswith((f"{prefix}.", f"{prefix}[")):
            moved["$" + path[len(prefix) :]] = line
    return moved


def _is_plain(data: object) -> bool:
    """Whether interpolation leaves `data` as it is (no container, no reference)."""
    if isinstance(data, str):
        return "${env:" not in data
    return not isinstance(data, Mapping | list)


@define
class _Interpolation:
    """One interpolation pass: the problems found, the result of each value done (by
    `id`), and the characters environment values may still add (`MAX_TEXT` in all)."""

    problems: list[tuple[str, str]]
    done: dict[int, object] = Factory(dict)
    room: int = MAX_TEXT


def interpolate(data: object, path: str, problems: list[tuple[str, str]]) -> object:
    """`${env:NAME}` and `${env:NAME,default}` replaced in every string of `data`.

    A value that several places share (a YAML alias names one object) is interpolated
    once and stays shared, so the work and the result are no larger than `data`'s graph
    of distinct values; a problem in a shared value is reported at its first path. The
    text environment values add is bounded (`MAX_TEXT`: `${env:PATH}` written 50,000
    times would not be). A value that is only a reference is read as YAML within
    `read_yaml`'s bounds; one that fails to read (malformed, or over a bound) stays text.
    """
    return _interpolate(data, path, _Interpolation(problems))


def _interpolate(data: object, path: str, state: _Interpolation) -> object:
    if id(data) in state.done:
        return state.done[id(data)]
    result: object
    if isinstance(data, Mapping):
        result = {
            key: value if _is_plain(value) else _interpolate(value, child_path(path, key), state)
            for key, value in data.items()
        }
    elif isinstance(data, list):
        result = [
            item if _is_plain(item) else _interpolate(item, child_path(path, index), state)
            for index, item in enumerate(data)
        ]
    elif _is_plain(data):
        return data
    else:
        result = _substitute(str(data), path, state)
    state.done[id(data)] = result
    return result


def _substitute(data: str, path: str, state: _Interpolation) -> object:
    """One string's references replaced (the whole string read as YAML if it is one)."""
    problems = state.problems

    def value_of(match: re.Match[str]) -> str:
        name: str = match.group(1)
        default: str | None = match.group(2)
        found = os.environ.get(name, default)
        if found is not None and is_secret_name(name):
            # A token read from the environment stays hidden wherever it goes.
            remember(found)
        if found is None:
            problems.append(
                (path, f"the environment variable {name} is not set (and no default is given)")
            )
            return ""
        if len(found) > state.room:
            if state.room >= 0:
                too_long = f"environment values make the text over {MAX_TEXT:,} characters long"
                problems.append((path, too_long))
            state.room = -1
            return ""
        state.room -= len(found)
        return found

    whole = _REFERENCE.fullmatch(data)
    replaced = _REFERENCE.sub(value_of, data)
    if whole is not None and replaced:
        return read_yaml(replaced).map(lambda read: read[0]).value_or(replaced)
    return replaced


def read_toml(
    raw: bytes | str, source: str = ""
) -> Result[tuple[object, dict[str, int]], ConfigError]:
    """The data of a TOML document (no line map: tomllib keeps no positions), within the
    same bounds as a YAML document's (size, values, text, depth, integers)."""

    def fail(message: str) -> Result[tuple[object, dict[str, int]], ConfigError]:
        return Failure(ConfigError((ConfigProblem(message, "$", source),), source))

    if len(raw) > MAX_BYTES:
        return fail(
            f"the file is larger than {MAX_BYTES:,} bytes, the most lolpop reads as a config"
        )
    try:
        text = raw.decode("utf-8") if isinstance(raw, bytes) else raw
        data = tomllib.loads(text)
    except (UnicodeDecodeError, tomllib.TOMLDecodeError) as error:
        return fail(f"not valid TOML: {error}")
    except ValueError as error:
        # An integer over Python's limit: tomllib lets `int()`'s error through.
        return fail(f"not valid TOML: {str(error).split(':')[0]}")
    except RecursionError:
        # tomllib reads nested arrays and inline tables recursively.
        return fail("not valid TOML: arrays or inline tables nested too deeply")
    why = check_bounds(data)
    return fail(why) if why is not None else Success((data, {}))


def prepare(
    raw: bytes | str, profile: str | None = None, source: str = "", *, toml: bool = False
) -> Result[tuple[dict[str, object], dict[str, int]], ConfigError]:
    """A config's data, profile applied and environment read, with its line map.

    YAML by default; `toml=True` reads TOML (the same keys, tables for mappings).
    """
    prepared = _prepare(raw, profile, source, toml=toml)
    if isinstance(prepared, Failure):
        return prepared
    data, lines, unset = prepared.unwrap()
    return Failure(ConfigError(unset, source)) if unset else Success((data, lines))


#: A config's data and line map, with the problems of the environment's values (an unset
#: variable, at its path, where the data holds empty text).
_Prepared: TypeAlias = tuple[dict[str, object], dict[str, int], tuple[ConfigProblem, ...]]


def _prepare(
    raw: bytes | str, profile: str | None, source: str, *, toml: bool
) -> Result[_Prepared, ConfigError]:
    """`prepare`'s work, going on past the environment's problems (returned apart), so a
    config that reads an unset variable can still be decoded for its other problems."""
    read = read_toml(raw, source) if toml else read_yaml(raw, source)
    if isinstance(read, Failure):
        return read
    data, lines = read.unwrap()

    def fail(message: str, path: str = "$") -> Result[_Prepared, ConfigError]:
        return Failure(
            ConfigError((ConfigProblem(message, path, source, lines.get(path)),), source)
        )

    if not isinstance(data, Mapping):
        return fail("a workflow config is a mapping (runner:, components:, ...)")
    data = dict(data)
    profiles = data.pop("profiles", None) or {}
    chosen = profile if profile is not None else os.environ.get(PROFILE_VARIABLE) or None
    if not isinstance(profiles, Mapping):
        return fail("`profiles:` maps profile names to overlays", "$.profiles")
    if chosen is not None:
        if chosen not in profiles:
            known = ", ".join(map(str, profiles)) or "none"
            return fail(f"no profile {chosen!r} in this config (profiles: {known})", "$.profiles")
        chosen_overlay = profiles[chosen]
        if not isinstance(chosen_overlay, Mapping):
            path = child_path("$.profiles", chosen)
            return fail(f"the profile {chosen!r} must be a mapping of overrides", path)
        data = _dropping(
            {**data, **dict(overlay(data, chosen_overlay))},  # type: ignore[call-overload]  # a mapping overlaid on a mapping
            chosen_overlay,
        )
        lines = _profile_lines(lines, child_path("$.profiles", chosen))
    found: list[tuple[str, str]] = []
    interpolated = interpolate(data, "$", found)
    unset = tuple(ConfigProblem(m, p, source, lines.get(p)) for p, m in found)
    # Values read from the environment as YAML may be repeated by aliases: measure again.
    why = check_bounds(interpolated)
    if why is not None:
        return fail(f"with the environment's values read: {why}")
    return Success((dict(interpolated), lines, unset))  # type: ignore[call-overload]  # a mapping stays one


def load_text(
    raw: bytes | str,
    profile: str | None = None,
    source: str = "",
    registry: Registry = BUILTINS,
    *,
    toml: bool = False,
) -> Result[WorkflowConfig, ConfigError]:
    """A config from YAML (or, with `toml=True`, TOML) text (see `load`)."""
    prepared = _prepare(raw, profile, source, toml=toml)
    if isinstance(prepared, Failure):
        return prepared
    data, lines, unset = prepared.unwrap()
    try:
        config = structure_workflow(data, registry, lines, source)
    except ConfigError as error:
        # Every problem at once: an unset variable's, then the others, less those of the
        # empty text it left (a number refused at its path).
        others = [p for p in error.problems if not any(_within(p.path, u.path) for u in unset)]
        return Failure(ConfigError((*unset, *others), source))
    return Failure(ConfigError(unset, source)) if unset else Success(config)


def _within(path: str, ancestor: str) -> bool:
    """Whether the config path `path` is `ancestor` or lies under it."""
    return path == ancestor or path.startswith((f"{ancestor}.", f"{ancestor}["))


def read_file(path: str | os.PathLike[str]) -> bytes:
    """A config file's bytes, at most one past `MAX_BYTES` (a longer file is refused when
    read as a config; reading all of a huge file, or `/dev/zero`, would not end)."""
    with Path(path).open("rb") as file:
        return file.read(MAX_BYTES + 1)


def _read_again(
    source: str, profile: str | None
) -> tuple[dict[str, object], dict[str, int]] | None:
    """The data and line map of the config file `source`, read again (for an error about
    it); None when it cannot be."""
    if not source:
        return None
    try:
        raw = read_file(source)
    except OSError:
        return None
    # An unset variable's problem is `error`'s already: its empty text is read past.
    prepared = _prepare(raw, profile, source, toml=Path(source).suffix == ".toml")
    return None if isinstance(prepared, Failure) else prepared.unwrap()[:2]


def with_lines(error: ConfigError, profile: str | None = None) -> ConfigError:
    """`error` with each problem that has no line given the line of its path, or of its
    nearest ancestor's, in its config file (a problem found when the workflow is built,
    from a config that decoded). Unchanged when the file cannot be read again."""
    if all(problem.line is not None for problem in error.problems):
        return error
    again = _read_again(error.source, profile)
    return error if again is None else located(error, again[1])


def located(error: ConfigError, lines: Mapping[str, int]) -> ConfigError:
    """`error` with each problem of its file that has no line given the line of its path
    (or of its nearest ancestor's) in `lines`, the file's line map."""
    source = error.source
    return ConfigError(
        tuple(
            problem
            if problem.line is not None or problem.file not in ("", source)
            else ConfigProblem(problem.message, problem.path, source, line_of(problem.path, lines))
            for problem in error.problems
        ),
        source,
    )


def without_undecodable(
    error: ConfigError, profile: str | None = None
) -> tuple[WorkflowConfig, Mapping[str, int]] | None:
    """The config of `error`'s file without the components it could not decode, when
    every problem is in a component and the rest decodes (so that `lolpop check` can
    build them too: a bad parameter elsewhere is said in the same round), with the file's
    line map; else None."""
    source = error.source
    again = _read_again(source, profile)
    if again is None:
        return None
    data, lines = again
    components = data.get("components")
    if not isinstance(components, Mapping):
        return None
    paths = {name: child_path("$.components", name) for name in components}

    def owner(problem: ConfigProblem) -> object:
        for name, path in paths.items():
            if problem.path == path or problem.path.startswith((f"{path}.", f"{path}[")):
                return name
        return None

    owners = [owner(problem) for problem in error.problems]
    if any(name is None for name in owners):
        return None
    kept = {name: value for name, value in components.items() if name not in owners}
    try:
        rest = structure_workflow({**data, "components": kept}, lines=lines, source=source)
    except ConfigError:
        return None
    return rest, lines


def load(
    path: str | os.PathLike[str],
    profile: str | None = None,
    *,
    registry: Registry = BUILTINS,
) -> Result[WorkflowConfig, ConfigError]:
    """Read, overlay, interpolate and decode a workflow config; every error at once.

    YAML, or TOML for a `.toml` file. `profile`: the overlay to apply (default:
    `LOLPOP_PROFILE`, else none).
    """
    source = str(path)
    try:
        raw = read_file(path)
    except OSError as error:
        problem = ConfigProblem(f"cannot read the config: {error.strerror or error}", "$", source)
        return Failure(ConfigError((problem,), source))
    return load_text(raw, profile, source, registry, toml=Path(path).suffix == ".toml")
