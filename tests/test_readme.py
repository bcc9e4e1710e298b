"""The README, tried as a new user would: its first two commands are the set-up and CI's
test command, and every shell command it documents works as written.

The `lolpop` lines run in order, through the command's entry point (click's runner), on
a copy of the examples they name, from a folder laid out like the repository's root. A
line that needs what a test cannot have (a Prefect server, a placeholder such as
`RUN_ID`, a second model version, the `prod` profile's long search) is checked to parse
as written: its command and options exist (`--help` after them).
"""

from __future__ import annotations

import re
import shlex
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from lolpop.cli import app

ROOT = Path(__file__).resolve().parents[1]
README = (ROOT / "README.md").read_text(encoding="utf-8")

#: README lines only parsed, not run, and why.
PARSED_ONLY = {
    "lolpop run examples/churn/workflow.yaml --profile prod": "a long search",
    "lolpop run examples/churn/workflow.yaml --backend prefect": "starts a Prefect server",
    "lolpop runs show RUN_ID": "a placeholder",
    'lolpop approve churn:2 --reason "reviewed" --promote': "needs a second version",
    'lolpop deployment build examples/churn/workflow.yaml --cron "0 6 * * *"': "Prefect",
    "lolpop deployment run churn": "Prefect",
    "lolpop deployment list": "Prefect",
    "lolpop deployment stop churn": "Prefect",
}


def shell_commands() -> list[str]:
    """The commands of the README's `bash` blocks, in order, without their comments."""
    blocks = re.findall(r"```bash\n(.*?)```", README, re.DOTALL)
    lines = (line.split("  #")[0].strip() for block in blocks for line in block.splitlines())
    return [line for line in lines if line]


def test_the_readme_begins_with_the_set_up_and_ci_runs_its_test_command() -> None:
    install, tests = shell_commands()[:2]
    assert install.startswith("python3 -m venv .venv && .venv/bin/pip install -e")
    assert install.endswith("lolpop run examples/churn/workflow.yaml")
    assert tests == ".venv/bin/python -m pytest"
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    assert "\npython -m pytest\n" in ci  # the same command, in CI's virtual environment


def test_every_command_is_run_or_parsed() -> None:
    known = {"lolpop", "python", "python3", ".venv/bin/python"}
    for command in shell_commands():
        assert shlex.split(command)[0] in known, command
    assert set(PARSED_ONLY) <= set(shell_commands())  # no stale entries


@pytest.fixture
def repository(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A folder laid out like the repository's root, holding the examples the README
    runs (their configs and data), with no MLflow store from the environment."""
    for name in ("churn", "forecasting"):
        example = tmp_path / "examples" / name
        example.mkdir(parents=True)
        shutil.copy(ROOT / "examples" / name / "workflow.yaml", example / "workflow.yaml")
    shutil.copytree(ROOT / "examples" / "churn" / "data", tmp_path / "examples/churn/data")
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("MLFLOW_TRACKING_URI", raising=False)
    return tmp_path


def test_every_lolpop_command_works_as_written(
    repository: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    commands = [c for c in shell_commands()[2:] if c.startswith("lolpop ")]
    runner = CliRunner()
    for command in commands:
        args = shlex.split(command)[1:]
        if command in PARSED_ONLY:
            result = runner.invoke(app, [*args, "--help"])
            assert result.exit_code == 0, f"{command}: {result.output}"
            continue
        if args[:2] == ["create", "component"]:
            monkeypatch.chdir(repository / "demo")  # inside the project `init` made
        result = runner.invoke(app, args)
        assert result.exit_code == 0, f"{command}:\n{result.output}"
        monkeypatch.chdir(repository)
    assert (repository / "examples" / "churn" / "mlflow.db").is_file()
    assert (repository / "demo" / "src" / "demo" / "clean_names.py").is_file()


def test_the_typed_python_twin_runs_as_written(repository: Path) -> None:
    (command,) = [c for c in shell_commands() if c.startswith("python -m examples.")]
    done = subprocess.run(
        [sys.executable, *shlex.split(command)[1:]],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr[-2000:]
