"""Fuzzing `lolpop check`: every malformed config is refused cleanly, fast, small and harmless.

Each generated config runs through the real `lolpop check` (typer's `CliRunner` on
`lolpop.cli.app`, in-process) inside a worker subprocess that runs config after config, so
a payload that kills or exits its process (`os.abort`, `sys.exit`) cannot take pytest with
it: the worker's death is reported against the config, and a new worker takes over.
Per config the worker reports its exit code, any exception that escaped, its wall time,
its peak memory and any harm done; the test asserts, for every config:

- exit 0 with `OK` printed, or exit 2 with `lolpop check: ...`: never an exception (which
  the command line would print as a traceback), never another exit code;
- at most 3 s (a worker silent for 30 s is killed: a hang);
- at most 200 MB: the worker's peak resident memory during the config (its high-water
  mark reset through `/proc/self/clear_refs` before each config) less its resident memory
  once a warm-up check has done lolpop's imports. That is what the config costs: a fresh
  `lolpop check` of a valid config is ~250 MB, nearly all of it pandas, scikit-learn and
  MLflow being imported, the same for every config. Peak RSS counts what C code allocates
  too, at no cost per allocation; tracemalloc (used where `clear_refs` is missing) sees
  only Python's allocations and slows each one several times;
- no harm: the markers folder stays empty (`tests/security/fuzz_payloads.py`'s functions
  and classes leave a marker when called or instantiated; a kind's `build`, how `check`
  checks a component, may run), `TMPDIR` stays empty (`tempfile.mkstemp`), the folder
  `SCIKIT_LEARN_DATA` names keeps its file (`sklearn.datasets:clear_data_home`), the
  working folder stays empty, and the worker lives.

Generators: valid configs (lolpop's examples and a minimal one) mutated as data (wrong
types, missing and extra keys, wrong tags, wrong nesting), then, as text, given one of:
alias bombs (nested anchors of growing fan-out, as lists, mappings and merges, and of long
strings), recursive aliases, deep nesting (flow, block and through alias chains), huge
integers (decimal, hex, octal, binary, base 60), floats and strings, non-string and
boolean keys (`1:`, `on:`, `~:`, `[a]:`, dates, tagged keys), duplicate keys, tags
(`!!python/object/apply:os.system`, `!!binary`, `!foo`, `!!set`...), `${env:...}` values
that hold bombs, recursion, deep nesting, long integers and long text (repeated through
aliases), and `module:attribute` references in `type:`, `estimator:` and `function:` with
`allow_imports:` and `allow:` lists, aimed at `fuzz_payloads` and at attacks such as
`lolpop.components.notifier:sys.exit`, `lolpop.components._files:os.abort`,
`lolpop.components.mlflow_tracker:tempfile.mkstemp` and `sklearn.datasets:clear_data_home`;
TOML configs too (deep arrays, huge integers, deep dotted keys); and any of these
truncated, or with a token or bytes inserted. Some run with a `--profile`.

Count: 400 configs, the same ones every run (derandomised), by default (CI, ~25 s);
`HYPOTHESIS_PROFILE=thorough` (the property tests' thorough profile, see `conftest.py`)
runs 10,000 random ones (~3 min), and `LOLPOP_FUZZ_CONFIGS=N` runs N. The opt-in is that
profile rather than a pytest marker: a marker must be registered in `pyproject.toml`, whose
hash keys CI's cached virtualenv. A failing config is written to a file, printed with the
command that reproduces it (`lolpop check <file>`), and shrunk by hypothesis. `pytest -s`
prints a summary: configs per generator, exit codes, the slowest and the largest config.
"""

from __future__ import annotations

import base64
import copy
import json
import os
import re
import select
import shutil
import subprocess
import sys
import tempfile
import time
import traceback
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import IO, Any

import pytest
import yaml
from attrs import define, field, frozen
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from property_tests.test_config_laws import _paths

THOROUGH = os.environ.get("HYPOTHESIS_PROFILE") == "thorough"
#: `LOLPOP_FUZZ_CONFIGS=N` runs N instead (a quick local run, or a long one).
CONFIGS = int(os.environ.get("LOLPOP_FUZZ_CONFIGS") or (10_000 if THOROUGH else 400))
#: A config's check takes 0.3-0.9 s; on a slow machine with both cores busy (CI, 2026-12-02)
#: a refused reference took 2.14 s, so the limit is 3 s, still a few times the usual.
LIMIT_SECONDS = 3.0
LIMIT_MB = 200.0
#: A worker silent this long is hung: killed, and its config reported.
HANG_SECONDS = 30.0
ROOT = Path(__file__).resolve().parents[1]
PAYLOADS = "tests.security.fuzz_payloads"

# --- configs -------------------------------------------------------------------------------


@frozen
class Fuzzed:
    """One generated config: the generator that made it, its bytes, its file's suffix (which
    picks YAML or TOML) and the profile to check it with."""

    generator: str
    raw: bytes = field(repr=lambda raw: f"<{len(raw):,} bytes: {raw[:300]!r}...>")
    suffix: str = ".yaml"
    profile: str | None = None


MINIMAL: dict[str, Any] = {
    "runner": "classification",
    "settings": {"model_name": "iris", "target": "target"},
    "backend": {"type": "local", "max_workers": 2, "timeout": 60.0},
    "components": {
        "data": {"type": "sklearn_dataset", "name": "iris"},
        "trainer": {
            "type": "sklearn_model",
            "estimator": "sklearn.linear_model:LogisticRegression",
            "params": {"max_iter": 100},
        },
        "tuner": {
            "type": "grid_search",
            "estimator": "sklearn.linear_model:LogisticRegression",
            "metric": "f1",
            "space": {"C": [0.1, 1.0]},
        },
        "explainer": {"type": "permutation_explainer", "n_repeats": 3},
    },
    "profiles": {"dev": {"settings": {"model_name": "dev"}}, "prod": {}},
}
BASES: list[dict[str, Any]] = [
    MINIMAL,
    *(
        yaml.safe_load(path.read_text(encoding="utf-8"))
        for path in sorted((ROOT / "examples").glob("*/workflow.yaml"))
    ),
]

names = st.from_regex(r"[a-z][a-z0-9_]{0,8}", fullmatch=True)
texts = st.text(alphabet=st.characters(codec="utf-8", exclude_categories=["Cs"]), max_size=12)
lengths = st.sampled_from([1, 10, 4_299, 4_300, 4_301, 20_000, 300_000, 900_000, 1_100_000])

REFERENCES = (
    "lolpop.components.notifier:sys.exit",
    "lolpop.components._files:os.abort",
    "lolpop.components.mlflow_tracker:tempfile.mkstemp",
    "sklearn.datasets:clear_data_home",
    "sklearn.linear_model:LogisticRegression",
    "sklearn.linear_model:LogisticRegression.__init__",
    "sklearn.linear_model:LogisticRegression.fit",
    "sklearn:__getattr__",
    "sklearn.utils:_print_elapsed_time",
    "os:system",
    "os:abort",
    "builtins:exec",
    "subprocess:call",
    "shutil:rmtree",
    "tempfile:mkstemp",
    "lolpop.cli:main",
    "lolpop.cli:app",
    "lolpop:__version__",
    "lolpop.config.registry:importlib.import_module",
    "lolpop.config.registry:resolve_function",
    "lolpop.components.catalogue:KINDS",
    f"{PAYLOADS}:marking_function",
    f"{PAYLOADS}:MarkingEstimator",
    f"{PAYLOADS}:marking_instance",
    f"{PAYLOADS}:imported_os.system",
    f"{PAYLOADS}:MarkingEstimator.__init__",
    f"{PAYLOADS}:MarkingEstimator.__class__",
    f"{PAYLOADS}:leave_marker",
    f"{PAYLOADS}:MARKING_KIND",
    "tests.security:fuzz_payloads",
    "tests.security.fuzz_payloads",
    ":",
    "a:",
    ":b",
    "lolpop:",
    "lolpop..x:y",
    "lolpop.x:y:z",
    "lolpop.components.notifier:",
    "lolpop.\x00:x",
    "lolpop.components.notifier:sys.exit()",
    "lolpop.components:__import__('os').system",
)
ALLOWS = (
    "tests",
    "tests.security",
    PAYLOADS,
    "os",
    "sys",
    "builtins",
    "subprocess",
    "tempfile",
    "shutil",
    "sklearn",
    "sklearn.datasets",
    "lolpop",
    "",
    ".",
    "*",
)
BAD_KEYS = (
    "1",
    "-1",
    "1.5",
    "0x1f",
    "1e3",
    ".inf",
    ".nan",
    "~",
    "null",
    "",
    "true",
    "False",
    "on",
    "off",
    "yes",
    "no",
    "y",
    "n",
    "OFF",
    "2024-01-01",
    "2024-01-01 10:00:00",
    "12:30",
    "[a]",
    "[]",
    "{a: 1}",
    "{}",
    "!!binary aGVsbG8=",
    "!foo x",
    "!!python/name:os.system",
    "!!int 3",
    "!!str 3",
    "=",
    "<<",
    "'quoted'",
    "*undefined",
)
TAGS = (
    "!!python/object/apply:os.system ['touch fuzz-os-system']",
    f"!!python/object/apply:{PAYLOADS}.marking_function []",
    "!!python/name:os.system",
    "!!python/module:os",
    "!<tag:yaml.org,2002:python/object/apply:os.system> ['true']",
    "!!binary aGVsbG8=",
    "!!binary '@@@'",
    "!foo bar",
    "!foo [1]",
    "!!set {a, b}",
    "!!omap [{a: 1}, {b: 2}]",
    "!!pairs [{a: 1}]",
    "!!timestamp 2024-02-30",
    "!!timestamp 2024-01-01",
    "2024-13-45",
    "!!float abc",
    "!!int abc",
    "!!int 0x",
    "!!bool maybe",
    "!!null x",
    "!!map [1]",
    "!!seq {a: 1}",
    "!!str 5",
    "!!merge x",
    "!!value x",
    "=",
)
RECURSIVE = (
    "&r [*r]",
    "&r {k: *r}",
    "&r [[*r]]",
    "&r {<<: *r}",
    "&r [a, {b: [*r]}]",
    "&r {a: &s [*r, *s]}",
    "[&q [x], *q, &r [*r]]",
    "&r {? *r : 1}",
    "{<<: [&r {a: 1}, *r]}",
)
ENVIRONMENT = {
    "LOLPOP_FUZZ_BOMB": "["
    + ", ".join(
        ["&a0 [" + ", ".join(["lol"] * 9) + "]"]
        + [f"&a{i} [" + ", ".join([f"*a{i - 1}"] * 9) + "]" for i in range(1, 9)]
    )
    + "]",
    "LOLPOP_FUZZ_RECURSIVE": "&r [*r]",
    "LOLPOP_FUZZ_DEEP": "[" * 5_000 + "]" * 5_000,
    "LOLPOP_FUZZ_INT": "9" * 5_000,
    "LOLPOP_FUZZ_KEYS": "{1: a, on: b, ~: c}",
    "LOLPOP_FUZZ_TAG": "!!python/object/apply:os.system ['true']",
    "LOLPOP_FUZZ_LONG": "x" * 100_000,
    "LOLPOP_FUZZ_LIST": "[" + ", ".join(["1"] * 5_000) + "]",
    "LOLPOP_FUZZ_API_TOKEN": "fuzz-token-1234",
}
ENV_VALUES = (
    *(f"${{env:{name}}}" for name in ENVIRONMENT),
    "${env:LOLPOP_FUZZ_UNSET}",
    "${env:LOLPOP_FUZZ_UNSET,[&a [x, x, x], [*a, *a, *a]]}",
    "${env:LOLPOP_FUZZ_UNSET,&r [*r]}",
    "${env:LOLPOP_FUZZ_UNSET,99999}",
    "${env:LOLPOP_FUZZ_LONG}${env:LOLPOP_FUZZ_LONG}${env:LOLPOP_FUZZ_LONG}",
    "${env:}",
    "${env:1BAD}",
)


def _dump(data: object) -> str:
    return yaml.safe_dump(data, allow_unicode=True, sort_keys=False, width=1_000_000)


_HOLE = "lolpop_fuzz_hole"


def _with_snippet(data: object, path: tuple[object, ...], snippet: str) -> bytes:
    """`data` as YAML with the value at `path` replaced by `snippet` (one line of YAML)."""
    data = copy.deepcopy(data)
    if not path:
        return snippet.encode("utf-8", "surrogatepass")
    parent: Any = data
    for key in path[:-1]:
        parent = parent[key]
    parent[path[-1]] = _HOLE
    return _dump(data).replace(_HOLE, snippet, 1).encode("utf-8", "surrogatepass")


#: Values of the right type that a builder may still choke on.
ODD_VALUES = (
    "",
    " ",
    "/",
    "..",
    "../../..",
    "~",
    "a\x00b",
    "/dev/zero",
    "/proc/self/mem",
    "http://127.0.0.1:1/",
    "sqlite:///x.db",
    "sqlite:////dev/null/x.db",
    "file:///etc/passwd",
    "mysql://user:password@127.0.0.1:1/db",
    "\n",
    "nan",
    0,
    -1,
    2**63,
    -(2**63) - 1,
    10**4_000,
    1e308,
    float("nan"),
    float("inf"),
    -0.0,
)
junk = st.one_of(
    st.sampled_from(ODD_VALUES),
    st.none(),
    st.booleans(),
    st.integers(),
    st.integers(min_value=10**30, max_value=10**40),
    st.floats(allow_nan=True, allow_infinity=True),
    texts,
    st.sampled_from(REFERENCES),
    st.sampled_from(ENV_VALUES),
    st.lists(st.integers(), max_size=3),
    st.dictionaries(names, st.integers(), max_size=2),
)


@st.composite
def mutated(draw: st.DrawFn) -> Any:
    """A base config, mutated as data 0 to 4 times."""
    data: Any = copy.deepcopy(draw(st.sampled_from(BASES)))
    for _ in range(draw(st.integers(0, 4))):
        path = draw(st.sampled_from([p for p in _paths(data) if p]))
        parent = data
        for key in path[:-1]:
            parent = parent[key]
        last = path[-1]
        action = draw(st.sampled_from(["replace", "delete", "extra", "nest", "retag"]))
        if action == "replace":
            parent[last] = draw(junk)
        elif action == "delete" and isinstance(parent, dict):
            del parent[last]
        elif action == "extra" and isinstance(parent, dict):
            parent[draw(names)] = draw(junk)
        elif action == "nest":
            parent[last] = [parent[last]]
        elif action == "retag" and isinstance(parent, dict):
            parent["type"] = draw(texts | st.sampled_from(["trainr", "local", "prefect", "x:y"]))
    return data


@st.composite
def odd_leaf(draw: st.DrawFn) -> Any:
    """A valid config with one setting (a leaf: a path, a number, a name) given an odd value
    of a plausible type: a builder, not the decoder, is what must refuse it."""
    data: Any = copy.deepcopy(draw(st.sampled_from(BASES)))
    path = draw(
        st.sampled_from(
            [p for p in _paths(data) if p and not isinstance(_at(data, p), dict | list)]
        )
    )
    parent = _at(data, path[:-1])
    parent[path[-1]] = draw(st.sampled_from(ODD_VALUES))
    return data


def _at(data: Any, path: tuple[object, ...]) -> Any:
    for key in path:
        data = data[key]
    return data


@st.composite
def bombs(draw: st.DrawFn) -> str:
    """Nested anchors, each naming the one before `fan` times: `fan**levels` values."""
    levels, fan = draw(st.integers(2, 10)), draw(st.integers(2, 10))
    shape = draw(st.sampled_from(["list", "mapping", "merge", "text"]))
    leaf = '"' + "x" * draw(st.sampled_from([3, 1_000, 50_000])) + '"' if shape == "text" else "lol"
    parts = ["&b0 [" + ", ".join([leaf] * fan) + "]"]
    for i in range(1, levels):
        if shape == "mapping":
            parts.append(f"&b{i} {{" + ", ".join(f"k{j}: *b{i - 1}" for j in range(fan)) + "}")
        elif shape == "merge" and i > 1:
            inner = ", ".join(f"k{j}: *b{i - 1}" for j in range(fan))
            parts.append(f"&b{i} {{<<: *b{i - 1}, {inner}}}")
        else:
            parts.append(f"&b{i} [" + ", ".join([f"*b{i - 1}"] * fan) + "]")
    if shape == "merge":
        parts[1] = "&b1 {" + ", ".join(f"k{j}: *b0" for j in range(fan)) + "}"
    return "[" + ", ".join(parts) + "]"


@st.composite
def deep(draw: st.DrawFn) -> str:
    """Nesting in flow style, or through a chain of anchors each nesting the one before."""
    depth = draw(st.sampled_from([10, 63, 64, 65, 100, 330, 1_000, 3_000]))
    shape = draw(st.sampled_from(["lists", "mappings", "mixed", "anchors"]))
    if shape == "lists":
        return "[" * depth + "]" * depth
    if shape == "mappings":
        return "{a: " * depth + "1" + "}" * depth
    if shape == "mixed":
        return "[{a: " * depth + "1" + "}]" * depth
    chain = ["&d0 [x]", *(f"&d{i} [*d{i - 1}]" for i in range(1, min(depth, 400)))]
    return "[" + ", ".join(chain) + "]"


@st.composite
def huge(draw: st.DrawFn) -> str:
    """Long numbers and long text."""
    n = draw(lengths)
    return draw(
        st.sampled_from(
            [
                "9" * n,
                "-" + "1" * n,
                "0x" + "f" * n,
                "0o" + "7" * n,
                "0b" + "1" * n,
                "1" + ":59" * min(n, 5_000),
                "1e" + "9" * min(n, 5_000),
                "1." + "1" * n,
                ".inf",
                "-.inf",
                ".nan",
                '"' + "x" * n + '"',
                "'" + "y" * n + "'",
                "z" * n,
            ]
        )
    )


@st.composite
def bad_keys(draw: st.DrawFn) -> str:
    """A mapping with a key that is not text, or with a key twice."""
    key = draw(st.sampled_from(BAD_KEYS))
    if draw(st.booleans()):
        return f"{{{key}: 1}}"
    return f"{{a: 1, {key}: 2, a: 3}}" if draw(st.booleans()) else f"{{? {key} : x}}"


def _text_snippets() -> st.SearchStrategy[tuple[str, str]]:
    return st.one_of(
        bombs().map(lambda s: ("alias bomb", s)),
        st.sampled_from(RECURSIVE).map(lambda s: ("recursive alias", s)),
        deep().map(lambda s: ("deep nesting", s)),
        huge().map(lambda s: ("huge value", s)),
        bad_keys().map(lambda s: ("bad key", s)),
        st.sampled_from(TAGS).map(lambda s: ("tag", s)),
        st.sampled_from(ENV_VALUES).map(lambda s: ("environment", s)),
        st.sampled_from(ENV_VALUES).map(
            lambda s: ("environment repeated", f'[&e "{s}", ' + ", ".join(["*e"] * 500) + "]")
        ),
    )


@st.composite
def with_snippet(draw: st.DrawFn) -> tuple[str, bytes]:
    """A (possibly mutated) config with one value, or the top, given a hostile snippet."""
    data = draw(mutated())
    generator, snippet = draw(_text_snippets())
    where = draw(st.sampled_from(["value", "value", "value", "top key", "whole"]))
    if where == "whole":
        return generator, snippet.encode("utf-8", "surrogatepass")
    if where == "top key":
        key = draw(st.sampled_from(BAD_KEYS)) if generator == "bad key" else "x-fuzz"
        text = f"{key}: {snippet}\n" + _dump(data)
        return generator, text.encode("utf-8", "surrogatepass")
    path = draw(st.sampled_from([p for p in _paths(data) if p]))
    return generator, _with_snippet(data, path, snippet)


@st.composite
def block_deep(draw: st.DrawFn) -> bytes:
    """Nesting in block style (indentation), and bare sequences of sequences."""
    depth = draw(st.sampled_from([20, 65, 200, 800]))
    if draw(st.booleans()):
        lines = [" " * (2 * i) + "x:" for i in range(depth)]
        return ("runner: classification\n" + "\n".join(lines) + " 1\n").encode()
    return ("runner: classification\nx:\n" + "- " * depth + "1\n").encode()


@st.composite
def references(draw: st.DrawFn) -> bytes:
    """`module:attribute` references in `type:`, `estimator:` and `function:`, with allow-lists."""
    data: Any = copy.deepcopy(MINIMAL)
    components = data["components"]
    reference = draw(st.sampled_from(REFERENCES))
    allow = draw(st.lists(st.sampled_from(ALLOWS), max_size=3))
    where = draw(st.sampled_from(["type", "estimator", "tuner", "function"]))
    if where == "type":
        slot = draw(st.sampled_from(["notifier", "transformer", "explainer", "trainer", "extra"]))
        components[slot] = {"type": reference, "name": "x"}
    elif where == "estimator":
        components["trainer"] = {"type": "sklearn_model", "estimator": reference, "allow": allow}
    elif where == "tuner":
        components["tuner"] = {
            "type": draw(st.sampled_from(["grid_search", "random_search"])),
            "estimator": reference,
            "metric": "f1",
            "space": {"C": [1.0]},
            "allow": allow,
        }
    else:
        components["transformer"] = {"type": "function", "function": reference, "allow": allow}
    if draw(st.booleans()):
        data["allow_imports"] = draw(st.lists(st.sampled_from(ALLOWS), max_size=3))
    if draw(st.booleans()):
        data["allow_outside"] = draw(st.booleans())
    return _dump(data).encode("utf-8", "surrogatepass")


TOML_BASE = """\
runner = "classification"
[settings]
model_name = "iris"
target = "target"
[components.data]
type = "sklearn_dataset"
name = "iris"
[components.trainer]
type = "sklearn_model"
estimator = "sklearn.linear_model:LogisticRegression"
"""


@st.composite
def toml_configs(draw: st.DrawFn) -> bytes:
    """TOML: deep arrays and inline tables, long integers and text, deep dotted keys."""
    n = draw(st.sampled_from([1, 10, 64, 65, 400, 3_000]))
    digits = draw(lengths)
    value = draw(
        st.sampled_from(
            [
                "[" * n + "]" * n,
                "{a = " * n + "1" + "}" * n,
                "9" * min(digits, 200_000),
                "0x" + "f" * min(digits, 200_000),
                '"' + "x" * digits + '"',
                "[" + ", ".join(["0"] * min(digits, 300_000)) + "]",
                "2024-02-30",
                "1e99999",
                "nan",
            ]
        )
    )
    if draw(st.booleans()):
        return (TOML_BASE + "[components.trainer.params]\nx = " + value + "\n").encode()
    dotted = ".".join(["a"] * n)
    return (f"{dotted} = {value}\n" + TOML_BASE).encode()


@st.composite
def damaged(draw: st.DrawFn, raw: bytes) -> bytes:
    """`raw`, maybe truncated, or with a token or a few bytes inserted."""
    damage = draw(st.sampled_from(["none", "none", "none", "truncate", "insert", "bytes"]))
    if damage == "truncate":
        return raw[: draw(st.integers(0, len(raw)))]
    at = draw(st.integers(0, len(raw)))
    if damage == "insert":
        token = draw(
            st.sampled_from(
                [b":", b"[", b"{", b"- ", b"\t", b"&a ", b"*a ", b"!!python/object ", b"<<: "]
            )
        )
        return raw[:at] + token + raw[at:]
    if damage == "bytes":
        return raw[:at] + draw(st.binary(min_size=1, max_size=3)) + raw[at:]
    return raw


@st.composite
def fuzzed_configs(draw: st.DrawFn) -> Fuzzed:
    """One config from one of the generators, maybe damaged, maybe checked with a profile."""
    kind = draw(
        st.sampled_from(["mutated", "odd", "snippet", "snippet", "block", "references", "toml"])
    )
    suffix = ".yaml"
    if kind == "mutated":
        generator, raw = "mutated", _dump(draw(mutated())).encode("utf-8", "surrogatepass")
    elif kind == "odd":
        generator, raw = "odd value", _dump(draw(odd_leaf())).encode("utf-8", "surrogatepass")
    elif kind == "snippet":
        generator, raw = draw(with_snippet())
    elif kind == "block":
        generator, raw = "deep nesting (block)", draw(block_deep())
    elif kind == "references":
        generator, raw = "references", draw(references())
    else:
        generator, raw, suffix = "toml", draw(toml_configs()), ".toml"
    raw = draw(damaged(raw))
    profile = draw(st.sampled_from([None, None, None, "dev", "prod", "nope"]))
    return Fuzzed(generator, raw, suffix, profile)


# --- the worker: runs `lolpop check` on config after config --------------------------------


def _status_kb(name: str) -> int:
    status = Path("/proc/self/status").read_text()
    found = re.search(rf"^{name}:\s+(\d+) kB", status, re.MULTILINE)
    return int(found.group(1)) if found else 0


def _can_reset_peak() -> bool:
    try:
        Path("/proc/self/clear_refs").write_text("5")
    except OSError:
        return False
    return _status_kb("VmHWM") > 0


def _harm(folders: dict[str, Path]) -> list[str]:
    """What the config's check left behind, then the folders made clean again."""
    harm = [f"marker {p.name}" for p in folders["markers"].iterdir() if p.name != "built"]
    harm += [f"temporary file {p.name}" for p in folders["tmp"].iterdir()]
    harm += [f"wrote {p.name} in the working folder" for p in folders["work"].iterdir()]
    if not (folders["sklearn_data"] / "precious.csv").exists():
        harm.append("SCIKIT_LEARN_DATA's folder deleted")
    for name in ("markers", "tmp", "work", "sklearn_data"):
        for path in folders[name].iterdir():
            if path.is_dir():
                shutil.rmtree(path)
            else:
                path.unlink()
    folders["sklearn_data"].mkdir(parents=True, exist_ok=True)
    (folders["sklearn_data"] / "precious.csv").write_text("a,b\n1,2\n")
    return harm


def serve() -> None:
    """The worker's loop: one JSON request per line in, one JSON answer per line out.

    Its stdout is kept for answers only: anything else written to stdout (a library's
    print, a payload's) goes to stderr.
    """
    import tracemalloc  # noqa: PLC0415 (the worker's own imports)

    from typer.testing import CliRunner  # noqa: PLC0415

    from lolpop.cli import app  # noqa: PLC0415

    answers = os.fdopen(os.dup(1), "w")
    os.dup2(2, 1)
    sys.stdout = sys.stderr
    home = Path(os.environ["LOLPOP_FUZZ_HOME"])
    folders = {name: home / name for name in ("markers", "tmp", "work", "sklearn_data", "configs")}
    runner = CliRunner()
    warm = folders["configs"] / "warm-up.yaml"
    warm.write_text(_dump(MINIMAL))
    for _ in range(2):
        runner.invoke(app, ["check", str(warm)])
    _harm(folders)
    rss = _can_reset_peak()
    baseline = _status_kb("VmRSS")
    for line in sys.stdin:
        request = json.loads(line)
        path = folders["configs"] / f"config{request['suffix']}"
        path.write_bytes(base64.b64decode(request["raw"]))
        profile = ["--profile", request["profile"]] if request["profile"] else []
        command = request.get("command", ["check"])
        if rss:
            Path("/proc/self/clear_refs").write_text("5")
        else:
            tracemalloc.start()
        start = time.perf_counter()
        result = runner.invoke(app, [*command, str(path), *profile])
        seconds = time.perf_counter() - start
        if rss:
            peak_mb = (_status_kb("VmHWM") - baseline) / 1024
        else:
            peak_mb = tracemalloc.get_traced_memory()[1] / 2**20
            tracemalloc.stop()
        escaped = result.exception if not isinstance(result.exception, SystemExit) else None
        answer = {
            "exit": result.exit_code,
            "exception": repr(escaped) if escaped is not None else None,
            "traceback": "".join(traceback.format_exception(*result.exc_info))
            if escaped is not None and result.exc_info
            else "",
            "output": out
            if len(out := result.output) <= 4_000
            else f"{out[:2_000]}...{out[-2_000:]}",
            "seconds": seconds,
            "peak_mb": peak_mb,
            "harm": _harm(folders),
        }
        answers.write(json.dumps(answer) + "\n")
        answers.flush()


# --- the test side -------------------------------------------------------------------------


@frozen
class Answer:
    """What the worker said of one config (or that it died, or hung)."""

    exit: int | None = None
    exception: str | None = None
    traceback: str = ""
    output: str = ""
    seconds: float = 0.0
    peak_mb: float = 0.0
    harm: tuple[str, ...] = ()
    died: str | None = None


@define
class Worker:
    """A worker subprocess (started again when one dies or hangs) and what it has seen."""

    home: Path
    process: subprocess.Popen[bytes] | None = None
    log: IO[bytes] | None = None
    seen: Counter[str] = field(factory=Counter)
    exits: Counter[str] = field(factory=Counter)
    slowest: tuple[float, str] = (0.0, "")
    largest: tuple[float, str] = (0.0, "")
    started: float = field(factory=time.perf_counter)

    def start(self) -> subprocess.Popen[bytes]:
        for name in ("markers", "tmp", "work", "sklearn_data", "configs"):
            (self.home / name).mkdir(parents=True, exist_ok=True)
        (self.home / "sklearn_data" / "precious.csv").write_text("a,b\n1,2\n")
        env = {
            **os.environ,
            **ENVIRONMENT,
            "LOLPOP_FUZZ_HOME": str(self.home),
            "LOLPOP_TEST_MARKERS": str(self.home / "markers"),
            "TMPDIR": str(self.home / "tmp"),
            "SCIKIT_LEARN_DATA": str(self.home / "sklearn_data"),
            "PYTHONPATH": os.pathsep.join([str(ROOT), os.environ.get("PYTHONPATH", "")]),
        }
        env.pop("LOLPOP_PROFILE", None)
        self.log = (self.home / "worker.log").open("ab")
        self.process = subprocess.Popen(
            [sys.executable, "-m", "property_tests.test_config_fuzz"],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=self.log,
            cwd=self.home / "work",
            env=env,
            start_new_session=True,
        )
        return self.process

    def stop(self) -> None:
        if self.process is not None:
            if self.process.poll() is None:
                os.killpg(self.process.pid, 9)
            self.process.wait()
            self.process = None
        if self.log is not None:
            self.log.close()
            self.log = None

    def check(self, config: Fuzzed, command: tuple[str, ...] = ("check",)) -> Answer:
        """What the worker says of `lolpop check` (or another `command`) on `config`."""
        process = self.process if self.process is not None else self.start()
        assert process.stdin is not None
        assert process.stdout is not None
        request = {
            "raw": base64.b64encode(config.raw).decode(),
            "suffix": config.suffix,
            "profile": config.profile,
            "command": list(command),
        }
        try:
            process.stdin.write((json.dumps(request) + "\n").encode())
            process.stdin.flush()
            ready, _, _ = select.select([process.stdout], [], [], HANG_SECONDS)
            line = process.stdout.readline() if ready else None
        except BrokenPipeError:
            line = b""
        if not line:
            hung = line is None
            self.stop()
            tail = (self.home / "worker.log").read_bytes()[-2_000:].decode(errors="replace")
            what = f"hung for {HANG_SECONDS:g} s" if hung else f"died ({process.returncode})"
            answer = Answer(died=f"the worker {what}; its stderr ends:\n{tail}")
        else:
            found = json.loads(line)
            answer = Answer(**{**found, "harm": tuple(found["harm"])})
        self.seen[config.generator] += 1
        self.exits[str(answer.exit) if answer.died is None else "died"] += 1
        self.slowest = max(self.slowest, (answer.seconds, config.generator))
        self.largest = max(self.largest, (answer.peak_mb, config.generator))
        return answer

    def summary(self) -> str:
        elapsed = time.perf_counter() - self.started
        return (
            f"config fuzz: {sum(self.seen.values()):,} configs in {elapsed:.1f} s; "
            f"exit codes {dict(self.exits)}; slowest {self.slowest[0]:.3f} s "
            f"({self.slowest[1]}); largest {self.largest[0]:.1f} MB ({self.largest[1]}); "
            f"per generator {dict(self.seen)}"
        )


@pytest.fixture(scope="module")
def worker(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Worker]:
    running = Worker(tmp_path_factory.mktemp("fuzz"))
    try:
        yield running
    finally:
        running.stop()
        print(f"\n{running.summary()}")


def _failures(answer: Answer) -> list[str]:
    if answer.died is not None:
        return [answer.died]
    found = []
    if answer.exception is not None or "Traceback" in answer.output:
        found.append(f"an exception escaped: {answer.exception}\n{answer.traceback}")
    elif answer.exit == 0 and ": OK" not in answer.output:
        found.append("exit 0 without `OK` (a payload's sys.exit?)")
    elif answer.exit == 2 and "lolpop check" not in answer.output:
        found.append("exit 2 without lolpop's message")
    elif answer.exit not in (0, 2):
        found.append(f"exit {answer.exit}")
    if answer.seconds > LIMIT_SECONDS:
        found.append(f"took {answer.seconds:.2f} s (limit {LIMIT_SECONDS:g} s)")
    if answer.peak_mb > LIMIT_MB:
        found.append(f"took {answer.peak_mb:.0f} MB (limit {LIMIT_MB:g} MB)")
    found += [f"harm: {harm}" for harm in answer.harm]
    return found


def _reproducer(config: Fuzzed, answer: Answer, failures: list[str]) -> str:
    folder = Path(tempfile.gettempdir()) / "lolpop-fuzz-failures"
    folder.mkdir(exist_ok=True)
    path = folder / f"{config.generator.replace(' ', '-')}-{abs(hash(config.raw))}{config.suffix}"
    path.write_bytes(config.raw)
    profile = f" --profile {config.profile}" if config.profile else ""
    if b"${env:" in config.raw:
        profile += "   (with the environment of ENVIRONMENT in property_tests/test_config_fuzz.py)"
    return (
        f"`lolpop check` mishandled a fuzzed config ({config.generator}):\n"
        + "\n".join(f"- {failure}" for failure in failures)
        + f"\nreproduce: lolpop check {path}{profile}   (config: {config.raw[:500]!r}...)"
        + f"\noutput ends: {answer.output[-800:]}"
    )


@settings(
    max_examples=CONFIGS,
    deadline=None,
    derandomize=not THOROUGH,
    database=None,
    print_blob=True,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
@given(config=fuzzed_configs())
def test_check_refuses_fuzzed_configs_cleanly_fast_small_and_harmlessly(
    worker: Worker, config: Fuzzed
) -> None:
    answer = worker.check(config)
    failures = _failures(answer)
    assert not failures, _reproducer(config, answer, failures)


if __name__ == "__main__":
    serve()
