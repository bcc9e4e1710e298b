"""The testing example (`examples/testing/`) runs as the README shows it: a user's laws
as pytest tests, and `lolpop test` on its config, laws and hooks."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

from typer.testing import CliRunner

from lolpop.cli import app

ROOT = Path(__file__).parents[2]
EXAMPLE = ROOT / "examples" / "testing"


def _readme_blocks() -> list[str]:
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    section = text.split("## Testing your components", 1)[1].split("\n## ", 1)[0]
    return re.findall(r"```(?:python|yaml)\n(.*?)```", section, flags=re.DOTALL)


def test_the_readme_shows_the_examples_files_as_they_are() -> None:
    files = "\n".join(
        (EXAMPLE / name).read_text(encoding="utf-8")
        for name in ("test_features.py", "workflow.yaml")
    )
    blocks = _readme_blocks()
    assert len(blocks) >= 2
    for block in blocks:
        assert block in files, block


def test_pytest_makes_and_passes_one_test_per_law() -> None:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "pytest",
            "-q",
            "-n",
            "0",  # in this process: the repository's pytest settings spread tests over workers
            "-p",
            "no:cacheprovider",
            "-m",
            "lolpop_law",
            str(EXAMPLE / "test_features.py"),
        ],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        check=False,
        timeout=300,
    )
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    assert "7 passed" in done.stdout


def test_lolpop_test_checks_the_laws_and_runs_the_hooks() -> None:
    result = CliRunner().invoke(app, ["test", str(EXAMPLE / "workflow.yaml"), "--examples", "3"])
    assert result.exit_code == 0, result.output
    assert re.search(r"transformer +yours +never mutates its input +passed", result.output)
    assert re.search(r"better_than_chance +hook .*train/evaluate +passed", result.output)
