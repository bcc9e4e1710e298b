"""The quickstart example runs end to end and reports failures as values."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from returns.result import Success

from examples.quickstart.workflow import Settings, main, make_program
from lolpop import run
from lolpop.core.paths import leaves


def test_quickstart_runs_and_picks_the_logistic_model(capsys: pytest.CaptureFixture[str]) -> None:
    assert main() == 0
    out = capsys.readouterr().out
    assert "winner: logistic" in out


def test_quickstart_report_values() -> None:
    result = run(make_program(), Settings(test_size=0.3, seed=1))
    assert isinstance(result, Success)
    report = result.unwrap()
    scores = {scored.name: scored.accuracy for scored in report.scores}
    assert scores["logistic"] > 0.9
    assert scores["baseline"] < 0.4
    assert report.winner == "logistic"


def test_quickstart_paths() -> None:
    assert [visit.path for visit in leaves(make_program())] == [
        "quickstart/process/load_iris",
        "quickstart/process/split",
        "quickstart/train/fit_logistic",
        "quickstart/train/fit_baseline",
        "quickstart/train/pick_winner",
    ]


def test_quickstart_bad_settings_fail_at_the_split_step(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(Settings(test_size=2.0)) == 1
    err = capsys.readouterr().err
    assert err.startswith("lolpop: step 'quickstart/process/split' failed on an input of type ")
    assert "examples.quickstart.workflow.Dataset" in err
    assert "Traceback" not in err


def test_python_dash_m_examples_quickstart_runs_it() -> None:
    """`python -m examples.quickstart` (the package) runs the example, as the module does."""
    root = Path(__file__).parents[2]
    done = subprocess.run(
        [sys.executable, "-m", "examples.quickstart"],
        cwd=root,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    assert "winner: logistic" in done.stdout
