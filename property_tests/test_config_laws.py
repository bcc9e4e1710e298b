"""Config laws: round trips, and fuzzed configs that fail cleanly, never otherwise.

- Round trip: every generated `WorkflowConfig` survives `structure(unstructure(c))`,
  and dumping it as YAML then loading it gives the same record.
- Fuzz: valid configs mutated by hypothesis (wrong types, missing and extra keys, wrong
  tags, nulls, wrong nesting, huge numbers, malformed YAML, non-UTF-8 bytes) always give
  either a config or `Failure(ConfigError)` whose every problem has a `$` path; never
  another exception, never a hang (each example has a deadline).
"""

from __future__ import annotations

import copy
from datetime import timedelta

import yaml
from attrs import frozen
from hypothesis import given, settings
from hypothesis import strategies as st
from returns.result import Failure, Success

from lolpop.config import (
    ComponentConfig,
    ComponentKind,
    ConfigError,
    DryRunBackendConfig,
    LocalBackendConfig,
    PrefectBackendConfig,
    Registry,
    Settings,
    WorkflowConfig,
    load_text,
    make_converter,
)
from lolpop.config._yaml import dump_yaml
from lolpop.testing.profiles import scaled


@frozen
class TrainerSettings:
    estimator: str
    max_depth: int = 3
    learning_rate: float = 0.1
    tags: tuple[str, ...] = ()


@frozen
class NotifierSettings:
    level: str = "info"
    url: str | None = None


REGISTRY = Registry(
    [
        ComponentKind("trainer", TrainerSettings, lambda s: s),
        ComponentKind("notifier", NotifierSettings, lambda s: s),
    ]
)
CONVERTER = make_converter(REGISTRY)

# No control characters nor line/paragraph separators: YAML normalizes line breaks
# (NEL, U+2028, U+2029 read back as newlines), so they cannot round-trip through a file.
texts = st.text(
    alphabet=st.characters(codec="utf-8", exclude_categories=("Cs", "Cc", "Zl", "Zp")),
    max_size=12,
)
names = st.from_regex(r"[a-z][a-z0-9_]{0,8}", fullmatch=True)
floats = st.floats(allow_nan=False, allow_infinity=False, width=64)

component_settings = st.one_of(
    st.builds(
        TrainerSettings,
        estimator=texts,
        max_depth=st.integers(-(2**40), 2**40),
        learning_rate=floats,
        tags=st.tuples(texts) | st.just(()),
    ).map(lambda s: ComponentConfig("trainer", s)),
    st.builds(NotifierSettings, level=texts, url=st.none() | texts).map(
        lambda s: ComponentConfig("notifier", s)
    ),
)
backends = st.one_of(
    st.builds(
        LocalBackendConfig,
        max_workers=st.none() | st.integers(1, 64),
        timeout=st.none() | st.floats(0.1, 1e6),
    ),
    st.just(DryRunBackendConfig()),
    st.builds(PrefectBackendConfig, flow_name=st.none() | texts),
)
workflows = st.builds(
    WorkflowConfig,
    runner=names,
    settings=st.builds(
        Settings,
        model_name=texts,
        tracking_uri=texts,
    ),
    backend=backends,
    components=st.dictionaries(names, component_settings, max_size=3),
    allow_imports=st.lists(names, max_size=2).map(tuple),
)


@given(workflows)
def test_structure_of_unstructure_is_identity(config: WorkflowConfig) -> None:
    assert CONVERTER.structure(CONVERTER.unstructure(config), WorkflowConfig) == config


@given(workflows)
def test_yaml_dump_then_load_is_identity(config: WorkflowConfig) -> None:
    # lolpop's dump: PyYAML's leaves text such as `1e3` plain, which lolpop reads as a
    # number (as YAML 1.2 does).
    text = dump_yaml(CONVERTER.unstructure(config))
    assert load_text(text, registry=REGISTRY) == Success(config)


# --- fuzzing -----------------------------------------------------------------------------

BASE: dict[str, object] = {
    "runner": "classification",
    "settings": {"model_name": "m", "target": "y"},
    "backend": {"type": "local", "max_workers": 2},
    "components": {
        "trainer": {"type": "trainer", "estimator": "e", "max_depth": 3, "tags": ["a"]},
        "notify": {"type": "notifier", "level": "warn"},
    },
    "profiles": {"dev": {"settings": {"model_name": "dev"}}},
}

junk = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(),
    st.integers(min_value=10**30, max_value=10**40),
    floats,
    texts,
    st.lists(st.integers(), max_size=3),
    st.dictionaries(names, st.integers(), max_size=2),
)


def _paths(data: object, prefix: tuple[object, ...] = ()) -> list[tuple[object, ...]]:
    found = [prefix]
    if isinstance(data, dict):
        for key, value in data.items():
            found += _paths(value, (*prefix, key))
    elif isinstance(data, list):
        for index, value in enumerate(data):
            found += _paths(value, (*prefix, index))
    return found


@st.composite
def mutated(draw: st.DrawFn) -> bytes:
    data: object = copy.deepcopy(BASE)
    for _ in range(draw(st.integers(1, 4))):
        paths = [p for p in _paths(data) if p]
        if not paths:
            break
        path = draw(st.sampled_from(paths))
        parent: object = data
        for key in path[:-1]:
            parent = parent[key]  # type: ignore[index]  # a path found in this very data
        last = path[-1]
        action = draw(st.sampled_from(["replace", "delete", "extra", "nest", "retag"]))
        if action == "replace":
            parent[last] = draw(junk)  # type: ignore[index]  # idem
        elif action == "delete" and isinstance(parent, dict):
            del parent[last]
        elif action == "extra" and isinstance(parent, dict):
            parent[draw(names)] = draw(junk)
        elif action == "nest":
            parent[last] = [parent[last]]  # type: ignore[index]  # idem
        elif action == "retag" and isinstance(parent, dict):
            parent["type"] = draw(texts | st.sampled_from(["trainr", "local", "prefect", "x:y"]))
    text = yaml.safe_dump(data, allow_unicode=True).encode()
    damage = draw(st.sampled_from(["none", "none", "truncate", "insert", "bytes"]))
    if damage == "truncate":
        text = text[: draw(st.integers(0, len(text)))]
    elif damage == "insert":
        at = draw(st.integers(0, len(text)))
        text = (
            text[:at]
            + draw(st.sampled_from([b":", b"[", b"{", b"- ", b"\t", b"!!python/object "]))
            + text[at:]
        )
    elif damage == "bytes":
        at = draw(st.integers(0, len(text)))
        text = text[:at] + draw(st.binary(min_size=1, max_size=3)) + text[at:]
    return text


@settings(max_examples=scaled(16), deadline=timedelta(seconds=2))
@given(mutated(), st.sampled_from([None, "dev"]))
def test_mutated_configs_fail_cleanly(raw: bytes, profile: str | None) -> None:
    result = load_text(raw, profile=profile, source="fuzz.yaml", registry=REGISTRY)
    if isinstance(result, Failure):
        error = result.failure()
        assert isinstance(error, ConfigError)
        assert error.problems
        assert all(problem.path.startswith("$") for problem in error.problems)
    else:
        assert isinstance(result.unwrap(), WorkflowConfig)
