"""mypy in a user's own project: lolpop's types and its scikit-learn stubs come with the install.

Every check runs in a temporary folder outside the repository, the way a user runs it: no
MYPYPATH, no PYTHONPATH, no mypy config of the repository. What mypy finds there it finds
through the installed distribution alone: the editable install's path `.pth` (or a wheel's
`lolpop/py.typed`) for lolpop, and the stub-only package `sklearn-stubs` for scikit-learn.
A mypy that could not see lolpop would say `import-not-found` for it; one that saw it as
untyped would pass the mis-wired workflow below.

mypy starts cold here (its cache is in the test's folder, shared by these tests): ~10 s for
a user module, ~20 s more for `lolpop check --mypy`. Each command has a timeout.
"""

from __future__ import annotations

import os
import subprocess
import sys
import sysconfig
from pathlib import Path

import pytest
import yaml

REPO = Path(__file__).resolve().parents[1]
#: Seconds one command may take (a cold mypy takes ~30 s on a busy machine).
TIMEOUT = 180

GOOD = '''\
"""A user's workflow: lolpop steps around a scikit-learn model."""

import pandas as pd
from sklearn.linear_model import LogisticRegression

from lolpop import Step, run, step


@step
def fit(frame: pd.DataFrame) -> LogisticRegression:
    return LogisticRegression(C=0.5, max_iter=1000).fit(frame[["x"]], frame["y"])


@step
def coefficient(model: LogisticRegression) -> float:
    return float(model.coef_[0, 0])


@step
def show(value: float) -> str:
    return f"<{value:.2f}>"


training: Step[pd.DataFrame, str] = fit >> coefficient >> show

if __name__ == "__main__":
    print(run(training, pd.DataFrame({"x": [0.0, 1.0, 2.0, 3.0], "y": [0, 0, 1, 1]})))
'''

MISWIRED = '''\
"""A mis-wired workflow, and a scikit-learn model given a setting of the wrong type."""

from sklearn.linear_model import LogisticRegression

from lolpop import step


@step
def double(x: int) -> int:
    return 2 * x


@step
def show(x: int) -> str:
    return f"<{x}>"


wrong = show >> double
model = LogisticRegression(max_iter="many")
'''


@pytest.fixture(scope="module")
def project(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A user's project folder, outside the repository."""
    folder = tmp_path_factory.mktemp("user_project")
    assert not folder.resolve().is_relative_to(REPO), "the temporary folder is in the repository"
    return folder


@pytest.fixture(scope="module")
def user_env(project: Path) -> dict[str, str]:
    """The environment of a user's shell: nothing that points mypy or Python at the
    repository, and the user's cache (where `lolpop check --mypy` keeps mypy's) in the
    project folder."""
    env = {
        key: value
        for key, value in os.environ.items()
        if key
        not in {"PYTHONPATH", "MYPYPATH", "MYPY_CACHE_DIR", "PYTHONSAFEPATH", "LOLPOP_CACHE_DIR"}
    }
    env["XDG_CACHE_HOME"] = str(project / "cache")
    return env


def _mypy(project: Path, env: dict[str, str], module: str) -> subprocess.CompletedProcess[str]:
    cache = project / "cache" / "lolpop" / "mypy"  # the one `lolpop check --mypy` uses
    return subprocess.run(
        [sys.executable, "-m", "mypy", "--strict", "--cache-dir", str(cache), module],
        cwd=project,
        env=env,
        capture_output=True,
        text=True,
        timeout=TIMEOUT,
        check=False,
    )


def _errors(output: str) -> list[str]:
    return [line.split(": error: ", 1)[1] for line in output.splitlines() if ": error: " in line]


def test_mypy_passes_a_user_workflow_typed_with_lolpop_and_scikit_learn(
    project: Path, user_env: dict[str, str]
) -> None:
    (project / "my_workflow.py").write_text(GOOD, encoding="utf-8")
    result = _mypy(project, user_env, "my_workflow.py")
    assert result.returncode == 0, result.stdout + result.stderr
    assert result.stdout.startswith("Success: no issues found in 1 source file")


def test_mypy_rejects_a_miswired_user_workflow(project: Path, user_env: dict[str, str]) -> None:
    (project / "miswired.py").write_text(MISWIRED, encoding="utf-8")
    result = _mypy(project, user_env, "miswired.py")
    assert result.returncode == 1, result.stdout + result.stderr
    # Exactly these: no `import-not-found` for lolpop, no `import-untyped` for scikit-learn.
    assert _errors(result.stdout) == [
        'Unsupported operand types for >> ("Step[int, str]" and "Step[int, int]")  [operator]',
        'Argument "max_iter" to "LogisticRegression" has incompatible type "str"; '
        'expected "int"  [arg-type]',
    ]


def _lolpop(project: Path, env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    command = Path(sysconfig.get_path("scripts")) / "lolpop"  # the installed console script
    return subprocess.run(
        [str(command), *args],
        cwd=project,
        env=env,
        capture_output=True,
        text=True,
        timeout=TIMEOUT,
        check=False,
    )


def test_lolpop_check_mypy_names_a_wrong_setting_outside_the_repository(
    project: Path, user_env: dict[str, str]
) -> None:
    example = yaml.safe_load(
        (REPO / "examples" / "breast_cancer" / "workflow.yaml").read_text(encoding="utf-8")
    )
    (project / "workflow.yaml").write_text(yaml.safe_dump(example), encoding="utf-8")
    example["components"]["trainer"]["seed"] = "zero"
    (project / "wrong.yaml").write_text(yaml.safe_dump(example), encoding="utf-8")

    wrong = _lolpop(project, user_env, "check", "--mypy", "wrong.yaml")
    assert wrong.returncode == 2, wrong.stdout + wrong.stderr
    mypy_part = wrong.stderr.split("lolpop check --mypy: wrong.yaml does not type-check:\n", 1)
    assert len(mypy_part) == 2, wrong.stderr
    assert mypy_part[1].splitlines() == [
        '- Argument "seed" to "TrainerSettings" has incompatible type "str"; '
        'expected "int | None"  [arg-type]'
    ]

    right = _lolpop(project, user_env, "check", "--mypy", "workflow.yaml")
    assert right.returncode == 0, right.stdout + right.stderr
    assert right.stdout.startswith("workflow.yaml: OK, mypy OK\n")
