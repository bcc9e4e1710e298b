"""`load(path, profile)`: a YAML config file to a checked `WorkflowConfig`, or every error.

The file may hold `profiles:`, overlays by name (`dev`, `prod`, any names): the chosen
one (`profile=`, else `LOLPOP_PROFILE`) is merged into the base, mappings key by key and
other values replaced. Strings may read the environment: `${env:NAME}` or
`${env:NAME,default}`; a value that is only such a reference is read as YAML, so
`max_depth: ${env:DEPTH,5}` is the int 5. Every problem (YAML, profile, environment,
types, unknown keys and tags) comes back at once in one `ConfigError`.
"""

from __future__ import annotations

import os
import re
import tomllib
from collections.abc import Mapping
from pathlib import Path

import yaml
from returns.result import Failure, Result, Success

from lolpop.config._yaml import child_path, read_yaml
from lolpop.config.converter import structure_workflow
from lolpop.config.records import WorkflowConfig
from lolpop.config.registry import BUILTINS, Registry
from lolpop.errors import ConfigError, ConfigProblem

PROFILE_VARIABLE = "LOLPOP_PROFILE"
_REFERENCE = re.compile(r"\$\{env:([A-Za-z_][A-Za-z0-9_]*)(?:,([^}]*))?\}")
_SECRET = re.compile(r"(^|_)(password|passwd|token|secret|key)$", re.IGNORECASE)
MASK = "***"


def is_secret(key: str) -> bool:
    """Whether a key names a secret (password, token, secret, key, api_key...)."""
    return bool(_SECRET.search(key))


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


def interpolate(data: object, path: str, problems: list[tuple[str, str]]) -> object:
    """`${env:NAME}` and `${env:NAME,default}` replaced in every string of `data`."""
    if isinstance(data, Mapping):
        return {
            key: interpolate(value, child_path(path, key), problems) for key, value in data.items()
        }
    if isinstance(data, list):
        return [
            interpolate(item, child_path(path, index), problems) for index, item in enumerate(data)
        ]
    if not isinstance(data, str) or "${env:" not in data:
        return data

    def value_of(match: re.Match[str]) -> str:
        name: str = match.group(1)
        default: str | None = match.group(2)
        found = os.environ.get(name, default)
        if found is None:
            problems.append(
                (path, f"the environment variable {name} is not set (and no default is given)")
            )
            return ""
        return found

    whole = _REFERENCE.fullmatch(data)
    replaced = _REFERENCE.sub(value_of, data)
    if whole is not None:
        try:
            return yaml.safe_load(replaced) if replaced else replaced
        except yaml.YAMLError:
            return replaced
    return replaced


def read_toml(
    raw: bytes | str, source: str = ""
) -> Result[tuple[object, dict[str, int]], ConfigError]:
    """The data of a TOML document (no line map: tomllib keeps no positions)."""
    try:
        text = raw.decode("utf-8") if isinstance(raw, bytes) else raw
        return Success((tomllib.loads(text), {}))
    except (UnicodeDecodeError, tomllib.TOMLDecodeError) as error:
        problem = ConfigProblem(f"not valid TOML: {error}", "$", source)
        return Failure(ConfigError((problem,), source))


def prepare(
    raw: bytes | str, profile: str | None = None, source: str = "", *, toml: bool = False
) -> Result[tuple[dict[str, object], dict[str, int]], ConfigError]:
    """A config's data, profile applied and environment read, with its line map.

    YAML by default; `toml=True` reads TOML (the same keys, tables for mappings).
    """
    read = read_toml(raw, source) if toml else read_yaml(raw, source)
    if isinstance(read, Failure):
        return read
    data, lines = read.unwrap()

    def fail(
        message: str, path: str = "$"
    ) -> Result[tuple[dict[str, object], dict[str, int]], ConfigError]:
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
        data = {**data, **dict(overlay(data, chosen_overlay))}  # type: ignore[call-overload]  # a mapping overlaid on a mapping
    found: list[tuple[str, str]] = []
    interpolated = interpolate(data, "$", found)
    if found:
        return Failure(
            ConfigError(tuple(ConfigProblem(m, p, source, lines.get(p)) for p, m in found), source)
        )
    return Success((dict(interpolated), lines))  # type: ignore[call-overload]  # a mapping stays one


def load_text(
    raw: bytes | str,
    profile: str | None = None,
    source: str = "",
    registry: Registry = BUILTINS,
    *,
    toml: bool = False,
) -> Result[WorkflowConfig, ConfigError]:
    """A config from YAML (or, with `toml=True`, TOML) text (see `load`)."""
    prepared = prepare(raw, profile, source, toml=toml)
    if isinstance(prepared, Failure):
        return prepared
    data, lines = prepared.unwrap()
    try:
        return Success(structure_workflow(data, registry, lines, source))
    except ConfigError as error:
        return Failure(error)


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
        raw = Path(path).read_bytes()
    except OSError as error:
        problem = ConfigProblem(f"cannot read the config: {error.strerror or error}", "$", source)
        return Failure(ConfigError((problem,), source))
    return load_text(raw, profile, source, registry, toml=Path(path).suffix == ".toml")
