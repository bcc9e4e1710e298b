"""The type tests' runner (conftest.py here) fails a case whose mypy verdict differs from
what it expects, either way, and passes one whose verdict is exactly that: one mypy run
checks every case of a file, and each is judged on its own module only."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

_ROOT = Path(__file__).resolve().parents[2]

_CASES = """\
- case: as_expected
  main: |
    from lolpop import step

    @step
    def parse(text: str) -> int:
        return int(text)

    reveal_type(parse)  # N: Revealed type is "lolpop.core.step.Step[str, int]"
    x: str = parse("1")  # E: Incompatible types in assignment (expression has type "int", variable has type "str")  [assignment]

- case: another_message_expected
  main: |
    from lolpop import step

    @step
    def parse(text: str) -> int:
        return int(text)

    x: str = parse("1")  # E: Incompatible types in assignment  [assignment]

- case: an_error_not_expected
  main: |
    from lolpop import step

    @step
    def parse(text: str) -> int:
        return int(text)

    x: str = parse("1")

- case: an_error_expected_that_mypy_does_not_find
  main: |
    y: int = 1
  out: |
    main:1: error: Name "y" is not defined  [name-defined]
"""


def test_a_case_passes_only_when_mypy_says_exactly_what_it_expects(tmp_path: Path) -> None:
    (tmp_path / "test_cases.yml").write_text(_CASES, encoding="utf-8")
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "pytest",
            "-p",
            "tests.typesafety.conftest",
            "-c",
            os.devnull,
            "--rootdir",
            str(tmp_path),
            "-p",
            "no:cacheprovider",
            "-q",
            str(tmp_path / "test_cases.yml"),
        ],
        cwd=_ROOT,
        capture_output=True,
        text=True,
        check=False,
    )
    output = done.stdout
    assert "3 failed, 1 passed" in output, output + done.stderr
    assert (
        "expected, not said: main:7: error: Incompatible types in assignment  [assignment]"
        in output
    )
    assert "said, not expected: main:7: error: Incompatible types in assignment (expression" in (
        output
    )
    assert 'expected, not said: main:1: error: Name "y" is not defined' in output
    failed = {line.split("::")[1].split(" ")[0] for line in output.splitlines() if "FAILED" in line}
    assert failed == {
        "another_message_expected",
        "an_error_not_expected",
        "an_error_expected_that_mypy_does_not_find",
    }
