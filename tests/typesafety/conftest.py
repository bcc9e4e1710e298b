"""The type tests: snippets that mypy must accept, or refuse with given messages.

Each `test_*.yml` here is a list of cases, a `case:` name and a `main:` module, with
what mypy says of a line written on it, after ` # ` (`# E: message  [code]` for an
error, `# N:` for a note, `# W:` for a warning; several on one line), and what it says
across lines under `out:`, one `main:LINE: severity: message` per line. A case passes
when mypy, with the project's mypy.ini, says exactly that of its module: nothing more.

All the cases of a file are checked by one mypy run, each its own module: mypy's start
(reading lolpop's, pandas' and scikit-learn's types from its cache) is most of the time
of a one-case run, and was paid 121 times a test run. mypy's cache is kept per pytest
worker, beside the one `MYPY_CACHE_DIR` names (CI's), or in `.mypy_cache` here.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path

import attrs
import pytest
import yaml

#: A message written on the line it is about: `# E: ...`, `# N: ...`, `# W: ...`.
_ON_THE_LINE = re.compile(r"^(?P<kind>[ENW]): (?P<message>.*)$")
_SEVERITY = {"E": "error", "N": "note", "W": "warning"}
#: A line of mypy's output about one of the modules: `case_name.py:12: error: ...`.
_SAID = re.compile(r"^(?P<module>\w+)\.py:(?P<rest>\d+: .*)$")
_ROOT = Path(__file__).resolve().parents[2]


@attrs.frozen
class Case:
    """One case of a file: its name, its module and what mypy must say of it."""

    name: str
    main: str
    expected: tuple[str, ...]


def _expected(main: str, out: str) -> tuple[str, ...]:
    """What mypy must say of `main`, as `main:LINE: severity: message` lines."""
    said = []
    for number, line in enumerate(main.splitlines(), start=1):
        for comment in line.split(" # ")[1:]:
            found = _ON_THE_LINE.match(comment.strip())
            if found is not None:
                kind, message = found["kind"], found["message"]
                said.append(f"main:{number}: {_SEVERITY[kind]}: {message}")
    said += [line.strip() for line in out.splitlines() if line.strip()]
    return tuple(said)


def _line_of(said: str) -> int:
    return int(said.split(":", 2)[1])


def _cache_dir() -> str:
    """mypy's cache for this pytest worker (two runs at once must not share one)."""
    worker = os.environ.get("PYTEST_XDIST_WORKER", "main")
    base = os.environ.get("MYPY_CACHE_DIR") or str(_ROOT / ".mypy_cache")
    return f"{base}-typesafety-{worker}"


class CaseFile(pytest.File):
    """A `test_*.yml` of cases, checked by one mypy run the first time one is run."""

    cases: list[Case]
    #: What mypy said of each case, once it ran.
    said: dict[str, list[str]] | None

    def collect(self) -> Iterator[CaseItem]:
        listed = yaml.safe_load(self.path.read_text(encoding="utf-8")) or []
        self.cases = [
            Case(str(each["case"]), str(each["main"]), _expected(each["main"], each.get("out", "")))
            for each in listed
        ]
        names = [case.name for case in self.cases]
        repeated = sorted({name for name in names if names.count(name) > 1})
        if repeated:
            raise pytest.UsageError(f"{self.path}: cases named twice: {', '.join(repeated)}")
        self.said = None
        for case in self.cases:
            yield CaseItem.from_parent(self, name=case.name, case=case)

    def mypy_says(self) -> dict[str, list[str]]:
        """What mypy says of each case (`main:LINE: ...` lines, in line order)."""
        if self.said is None:
            self.said = self._run_mypy()
        return self.said

    def _run_mypy(self) -> dict[str, list[str]]:
        with tempfile.TemporaryDirectory(prefix="lolpop-typesafety-") as folder:
            files = []
            for case in self.cases:
                file = f"case_{case.name}.py"
                Path(folder, file).write_text(case.main, encoding="utf-8")
                files.append(file)
            done = subprocess.run(
                [
                    sys.executable,
                    "-m",
                    "mypy",
                    "--config-file",
                    str(_ROOT / "mypy.ini"),
                    "--cache-dir",
                    _cache_dir(),
                    "--show-traceback",
                    "--no-error-summary",
                    "--no-pretty",
                    "--hide-error-context",
                    *files,
                ],
                cwd=folder,
                env={**os.environ, "MYPYPATH": str(_ROOT / "stubs")},
                capture_output=True,
                text=True,
                check=False,
            )
        said: dict[str, list[str]] = {case.name: [] for case in self.cases}
        unplaced = []
        for line in (done.stdout + done.stderr).splitlines():
            found = _SAID.match(line)
            name = found["module"].removeprefix("case_") if found else None
            if found is None or name not in said:
                unplaced.append(line)
                continue
            said[name].append(f"main:{found['rest']}")
        if done.returncode not in (0, 1) or unplaced:
            raise RuntimeError(
                f"mypy did not check {self.path.name} (exit {done.returncode}):\n"
                + "\n".join(unplaced)
            )
        return {name: sorted(lines, key=_line_of) for name, lines in said.items()}


class CaseItem(pytest.Item):
    """One case: mypy says exactly what it expects, of its module."""

    def __init__(self, *, case: Case, **kwargs: object) -> None:
        super().__init__(**kwargs)  # type: ignore[arg-type]  # pytest's own keywords, passed on
        self.case = case

    def runtest(self) -> None:
        assert isinstance(self.parent, CaseFile)
        said = self.parent.mypy_says()[self.case.name]
        expected = sorted(self.case.expected, key=_line_of)
        if said != expected:
            missing = [line for line in expected if line not in said]
            extra = [line for line in said if line not in expected]
            raise AssertionError(
                f"mypy's verdict on case {self.case.name!r} differs.\n"
                + "".join(f"  expected, not said: {line}\n" for line in missing)
                + "".join(f"  said, not expected: {line}\n" for line in extra)
                + ("  (the same lines, in another order)\n" if not missing and not extra else "")
            )

    def repr_failure(
        self, excinfo: pytest.ExceptionInfo[BaseException], style: object = None
    ) -> str:
        if isinstance(excinfo.value, AssertionError | RuntimeError):
            return str(excinfo.value)
        return str(super().repr_failure(excinfo))

    def reportinfo(self) -> tuple[Path, int, str]:
        return self.path, 0, f"case: {self.name}"


def pytest_collect_file(file_path: Path, parent: pytest.Collector) -> CaseFile | None:
    if file_path.suffix == ".yml" and file_path.name.startswith("test_"):
        made: CaseFile = CaseFile.from_parent(parent, path=file_path)
        return made
    return None
