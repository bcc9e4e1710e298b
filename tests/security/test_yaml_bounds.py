"""Bounded parsing: configs that used to hang, exhaust memory or crash `lolpop check`.

Each reported failure first, through `lolpop check`, `lolpop run`, `lolpop run --backend
dry-run` and `lolpop config export`: an alias bomb of ~430 bytes (9 levels of 9 aliases:
9**9 values once expanded; the reported 425-byte one took 298 s and 7.4 GB), a recursive
alias, a 4,301-digit integer, a key YAML reads as an integer, one it reads as a boolean.
Each must now exit 2 within 2 s, with a message naming the line (and the path where there
is one), never a traceback. Then the bounds themselves: where each cap starts, that a config just under
them passes, and that TOML and environment values are held to the same caps.
"""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

import pytest
from typer.testing import CliRunner

from lolpop.cli import app
from lolpop.config import load_text
from lolpop.config._yaml import MAX_BYTES, MAX_DEPTH, MAX_VALUES, dump_yaml, read_yaml
from lolpop.errors import ConfigError

runner = CliRunner()

COMMANDS = (
    ("check",),
    ("run",),
    ("run", "--backend", "dry-run"),
    ("config", "export"),
)


def alias_bomb(levels: int = 9, fan: int = 9) -> bytes:
    """Nested anchors, each naming the one before `fan` times: `fan**levels` strings."""
    names = "abcdefghijklmnopqrstuvwxyz"
    lines = ["runner: classification", "a: &a [" + ", ".join(['"lol"'] * fan) + "]"]
    for level in range(1, levels):
        name, before = names[level], names[level - 1]
        lines.append(f"{name}: &{name} [" + ", ".join([f"*{before}"] * fan) + "]")
    return ("\n".join(lines) + "\n").encode()


BOMB = alias_bomb()
VALID = """\
runner: classification
settings: {model_name: iris, target: target}
components:
  data: {type: sklearn_dataset, name: iris}
  trainer:
    type: sklearn_model
    estimator: 'sklearn.linear_model:LogisticRegression'
"""

#: (name, config, what the message says, where: path and line)
REPORTED = [
    pytest.param(
        BOMB,
        f"more than {MAX_VALUES:,} values once its aliases are written out",
        "@ $ (config.yaml:6)",
        id="alias bomb",
    ),
    pytest.param(
        b"runner: classification\nsettings: &s {model_name: [*s]}\n",
        "the alias *s names a node that contains it (a recursive alias)",
        "@ $ (config.yaml:2)",
        id="recursive alias",
    ),
    pytest.param(
        VALID.encode() + b"    params: {max_iter: " + b"1" * 4_301 + b"}\n",
        "is too long: lolpop reads integers of at most 4,300 digits",
        "@ $ (config.yaml:8)",
        id="4,301-digit integer",
    ),
    pytest.param(
        b"runner: classification\nsettings:\n  1: m\n",
        "the key '1' is read as an integer, not as text; a key must be a name: "
        'write it in quotes ("1":)',
        "@ $.settings['1'] (config.yaml:3)",
        id="integer key",
    ),
    pytest.param(
        VALID.encode() + b"true: push\n",
        "the key 'true' is read as a boolean, not as text",
        "@ $.true (config.yaml:8)",
        id="boolean key",
    ),
]


def test_the_alias_bomb_is_as_small_as_the_reported_one() -> None:
    assert len(BOMB) < 450  # the reported one had 425 bytes; this one names its runner
    assert 1000 * MAX_VALUES < 9**9


@pytest.mark.parametrize("command", COMMANDS, ids=" ".join)
@pytest.mark.parametrize(("raw", "says", "where"), REPORTED)
def test_reported_failures_exit_2_naming_the_place(
    tmp_path: Path, command: tuple[str, ...], raw: bytes, says: str, where: str
) -> None:
    path = tmp_path / "config.yaml"
    path.write_bytes(raw)
    start = time.perf_counter()
    result = runner.invoke(app, [*command, str(path)])
    seconds = time.perf_counter() - start
    assert result.exit_code == 2, result.output
    assert result.exception is None or isinstance(result.exception, SystemExit)
    assert "Traceback" not in result.output
    assert says in result.output
    assert where.replace("config.yaml", str(path)) in result.output
    assert seconds < 2.0


#: The command line, timed, then its peak resident memory: the process's own high-water
#: mark (Linux's VmHWM; `ru_maxrss` would keep the forking pytest process's).
_MEASURED = """\
import re, resource, sys, time
from pathlib import Path
from lolpop.cli import main
start = time.perf_counter()
try:
    main()
finally:
    status = Path("/proc/self/status")
    found = re.search(r"VmHWM:\\s+(\\d+)", status.read_text()) if status.exists() else None
    peak = found.group(1) if found else resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    print(f"measured {time.perf_counter() - start:.3f} s {peak} kB", file=sys.stderr)
"""


@pytest.mark.parametrize("command", COMMANDS, ids=" ".join)
def test_the_alias_bomb_in_a_real_process_is_fast_and_small(
    tmp_path: Path, command: tuple[str, ...]
) -> None:
    """The console command on the bomb: exit 2 within 2 s (of the command, past Python's
    start), under 200 MB for the whole process, and a 60 s timeout as a hang guard."""
    path = tmp_path / "bomb.yaml"
    path.write_bytes(BOMB)
    done = subprocess.run(
        [sys.executable, "-c", _MEASURED, *command, str(path)],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 2, done.stderr
    assert "Traceback" not in done.stderr
    assert f"@ $ ({path}:6)" in done.stderr
    _, seconds, _, kilobytes, _ = done.stderr.rsplit("\n", 2)[-2].split(" ")
    assert float(seconds) < 2.0
    assert int(kilobytes) < 200 * 1024


# --- the bounds ----------------------------------------------------------------------------


def _problems(raw: bytes | str, *, toml: bool = False) -> list[str]:
    error = load_text(raw, source="c", toml=toml).failure()
    assert isinstance(error, ConfigError)
    return [str(problem) for problem in error.problems]


def test_a_10_000_item_list_passes_and_a_bomb_just_over_the_cap_does_not() -> None:
    items = ", ".join(f"v{i}" for i in range(10_000))
    assert read_yaml(f"values: [{items}]\n").unwrap()[0] == {
        "values": [f"v{i}" for i in range(10_000)]
    }
    row = "a: &a [" + ", ".join(["x"] * (MAX_VALUES // 100 - 1)) + "]\n"
    under = row + "b: [" + ", ".join(["*a"] * 98) + "]\n"
    assert read_yaml(under).unwrap()[0] is not None
    over = row + "b: [" + ", ".join(["*a"] * 101) + "]\n"
    assert f"more than {MAX_VALUES:,} values" in str(read_yaml(over).failure())


@pytest.mark.parametrize(
    ("text", "where"),
    [
        ("[" * MAX_DEPTH + "]" * MAX_DEPTH, None),
        ("[" * (MAX_DEPTH + 1) + "]" * (MAX_DEPTH + 1), "line 1"),
        ("x:\n" + "".join("  " * i + "- \n" for i in range(1, 80)), "line"),
        (
            "a: &a " + "[" * 40 + "]" * 40 + "\nb: " + "[" * 30 + "*a" + "]" * 30 + "\n",
            "line 1",
        ),
        ("a: " + "[" * 10_000 + "]" * 10_000, "line 1"),
    ],
    ids=["64 levels", "65 levels", "block style", "through an alias", "10,000 levels"],
)
def test_nesting_is_bounded_before_anything_recurses(text: str, where: str | None) -> None:
    read = read_yaml(text)
    if where is None:
        assert read.unwrap()[0] is not None
    else:
        message = str(read.failure())
        assert f"more than {MAX_DEPTH} levels deep" in message
        assert where in message


def test_a_deep_but_legal_config_goes_through_every_pass(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Nesting just under the cap: read, overlaid, interpolated and decoded (no recursion
    limit met on the way), then refused for its types."""
    monkeypatch.setenv("LOLPOP_BOUNDS_ONE", "1")
    nested = "[" * 58 + "'${env:LOLPOP_BOUNDS_ONE}'" + "]" * 58
    raw = VALID + f"    params:\n      max_iter: {nested}\nprofiles:\n  dev:\n    x: {nested}\n"
    error = load_text(raw, profile="dev", source="c").failure()
    assert isinstance(error, ConfigError)
    paths = sorted(problem.path for problem in error.problems)
    assert paths == ["$.components.trainer.params.max_iter", "$.x"]


def test_recursive_aliases_of_every_shape_are_refused() -> None:
    for text in ("a: &a [*a]", "a: &a {k: *a}", "a: &a {<<: *a}", "a: &a [b, {c: [*a]}]"):
        assert "recursive alias" in str(read_yaml(text).failure()), text


def test_long_text_through_aliases_is_bounded() -> None:
    text = 'a: &a "' + "x" * 100_000 + '"\nb: [' + ", ".join(["*a"] * 50) + "]\n"
    assert "characters of text" in str(read_yaml(text).failure())


def test_a_file_over_the_size_cap_is_refused_unread(tmp_path: Path) -> None:
    path = tmp_path / "big.yaml"
    path.write_bytes(b"# " + b"x" * MAX_BYTES + b"\nrunner: r\n")
    result = runner.invoke(app, ["check", str(path)])
    assert result.exit_code == 2
    assert f"larger than {MAX_BYTES:,} bytes" in result.output


@pytest.mark.parametrize(
    ("text", "says"),
    [
        ("a: 0x" + "f" * 4_000, "is too long"),
        ("a: 1" + ":59" * 2_200, "is too long"),
        ("a: !!timestamp 2024-02-30", "cannot read '2024-02-30' as !!timestamp"),
        ("a: !!bool maybe", "cannot read 'maybe' as !!bool"),
        ("a: !!timestamp x", "cannot read 'x' as !!timestamp"),
        ("a: !!float x", "cannot read 'x' as !!float"),
        ("a: \x00", "not valid YAML: character #x0000"),
    ],
)
def test_values_yaml_cannot_construct_are_config_errors(text: str, says: str) -> None:
    message = str(read_yaml(text, "c.yaml").failure())
    assert says in message
    assert "(c.yaml:1)" in message


@pytest.mark.parametrize(
    ("key", "read_as"),
    [
        ("true", "a boolean"),
        ("False", "a boolean"),
        ("1.5", "a number"),
        ("~", "null"),
        ("2024-01-01", "a date"),
        ("!!binary aGVsbG8=", "a value tagged !!binary"),
    ],
)
def test_keys_that_are_not_text_are_named_with_their_path(key: str, read_as: str) -> None:
    (problem,) = _problems(f"runner: r\nsettings:\n  {key}: x\n")
    assert f"is read as {read_as}, not as text" in problem
    assert "@ $.settings" in problem
    assert "(c:3)" in problem


def test_yes_no_on_and_off_are_text_as_in_yaml_1_2() -> None:
    # YAML 1.1 (PyYAML) reads them as booleans: `pos_label: yes` became True, and the
    # run said "pos_label is True, but the two classes here are 'no' and 'yes'";
    # `allowed_values: [yes, no]` became [True, False] and refused every row.
    text = "a: [yes, no, on, off, Yes, NO, y, n]\nb: [true, false, True, FALSE]\nyes: 1\n"
    data, _ = read_yaml(text, "c.yaml").unwrap()
    assert data == {
        "a": ["yes", "no", "on", "off", "Yes", "NO", "y", "n"],
        "b": [True, False, True, False],
        "yes": 1,
    }
    assert read_yaml(dump_yaml(data), "c.yaml").unwrap()[0] == data


def test_collection_keys_are_refused() -> None:
    (problem,) = _problems("runner: r\nsettings: {[a, b]: x}\n")
    assert problem == "a key here is a list; a key must be a name (text) @ $.settings (c:2)"


def test_a_merge_key_overrides_without_a_duplicate() -> None:
    data, _ = read_yaml("a: &a {x: 1, y: 2}\nb: {<<: *a, x: 3}\n").unwrap()
    assert data == {"a": {"x": 1, "y": 2}, "b": {"x": 3, "y": 2}}


@pytest.mark.parametrize(
    ("text", "says"),
    [
        # tomllib recurses: past the recursion limit (1,000 unless raised), its error.
        ("a = " + "[" * 5_000 + "]" * 5_000, "deep"),
        ("a = " + "[" * 100 + "]" * 100, "more than 64 levels deep"),
        ("a = " + "9" * 4_301, "Exceeds the limit (4300 digits)"),
        ("a = 0x" + "f" * 4_000, "is too long"),
        (".".join(["a"] * 100) + " = 1", "more than 64 levels deep"),
        ("a = [" + ", ".join(["0"] * MAX_VALUES) + "]", f"more than {MAX_VALUES:,} values"),
    ],
)
def test_toml_is_held_to_the_same_bounds(text: str, says: str) -> None:
    (problem,) = _problems(text, toml=True)
    assert says in problem
    assert "Traceback" not in problem


@pytest.mark.parametrize(
    "value",
    [
        "["
        + ", ".join(["&a0 [x, x, x]", *(f"&a{i} [*a{i - 1}, *a{i - 1}]" for i in range(1, 30))])
        + "]",
        "&r [*r]",
        "[" * 5_000 + "]" * 5_000,
        "{1: a}",
        "9" * 5_000,
    ],
    ids=["alias bomb", "recursive alias", "deep", "integer key", "long integer"],
)
def test_environment_values_read_as_yaml_stay_text_when_out_of_bounds(
    monkeypatch: pytest.MonkeyPatch, value: str
) -> None:
    monkeypatch.setenv("LOLPOP_BOUNDS_VALUE", value)
    (problem,) = _problems(
        "runner: r\nbackend:\n  type: local\n  max_workers: ${env:LOLPOP_BOUNDS_VALUE}\n"
    )
    assert "expected int, got str" in problem
    assert "@ $.backend.max_workers" in problem


def test_environment_values_repeated_through_aliases_are_bounded(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("LOLPOP_BOUNDS_LIST", "[" + ", ".join(["1"] * 5_000) + "]")
    aliases = ", ".join(["*e"] * 100)
    (problem,) = _problems(f'runner: r\nx: [&e "${{env:LOLPOP_BOUNDS_LIST}}", {aliases}]\n')
    assert "with the environment's values read" in problem
    assert f"more than {MAX_VALUES:,} values" in problem
