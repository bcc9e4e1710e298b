"""A workflow killed with SIGKILL at several step positions resumes to exactly the result
of an uninterrupted run, recomputing only the steps its killed run had not logged.

Each position N: in a fresh folder, the churn workflow runs on `Local` with a step cache
in a child process that kills itself (SIGKILL: no handler, no cleanup) as its Nth step
finishes, before that step reaches the run log; then `--resume last` runs it again. The
resumed run must print the same report as an uninterrupted run in another fresh folder,
reuse exactly the N-1 steps the killed run logged, and run the others (counted from the
run logs). MLflow's runs all end FINISHED and only one model version is registered
unless the kill fell between registering and logging it.

One position by default (44: right after the model is logged, so the resumed run
replays tuning, training and `log_model` from the killed run's log);
`LOLPOP_KILL_POSITIONS=all` kills at every third step (processing and deployment too),
and at 44; `LOLPOP_KILL_POSITIONS=26,44` at those.
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from lolpop.backends.cache import RunInfo, RunLog, runs

ROOT = Path(__file__).parents[2]
CONFIG = "workflow.yaml"


def _environment() -> dict[str, str]:
    env = dict(os.environ)
    env.pop("MLFLOW_TRACKING_URI", None)  # the folder's own sqlite:///mlflow.db
    env["PYTHONPATH"] = os.pathsep.join([str(ROOT), *filter(None, [os.environ.get("PYTHONPATH")])])
    return env


def _folder(base: Path) -> Path:
    base.mkdir()
    shutil.copytree(ROOT / "examples" / "churn" / "data", base / "data")
    shutil.copy(ROOT / "examples" / "churn" / "workflow.yaml", base / CONFIG)
    return base


def _drive(
    folder: Path, kill_after: int, resume: str | None = None
) -> subprocess.CompletedProcess[str]:
    command = [sys.executable, "-m", "tests.runners.kill_driver", CONFIG, ".lolpop/cache"]
    command += [str(kill_after), *([resume] if resume else [])]
    return subprocess.run(
        command,
        check=False,
        cwd=folder,
        env=_environment(),
        capture_output=True,
        text=True,
        timeout=600,
    )


def _report(folder: Path, text: str) -> str:
    return text.replace(str(folder), "<folder>")


@pytest.fixture(scope="module")
def uninterrupted(tmp_path_factory: pytest.TempPathFactory) -> tuple[str, int]:
    """The report of an uninterrupted run, and how many steps it ran."""
    folder = _folder(tmp_path_factory.mktemp("clean") / "run")
    done = _drive(folder, 0)
    assert done.returncode == 0, done.stderr[-3000:]
    (info,) = runs(folder / ".lolpop/cache/runs")
    return _report(folder, done.stdout), info.steps


def _positions() -> list[int]:
    chosen = os.environ.get("LOLPOP_KILL_POSITIONS", "")
    if chosen == "all":
        return sorted({*range(1, 67, 3), 44})
    if chosen:
        return sorted({int(position) for position in chosen.split(",")})
    # Killed right after `log_model`, whose replay must give the model the run holds.
    return [44]


@pytest.mark.parametrize("position", _positions())
def test_a_run_killed_at_a_step_resumes_to_the_same_result(
    tmp_path: Path, uninterrupted: tuple[str, int], position: int
) -> None:
    report, total = uninterrupted
    assert position < total
    folder = _folder(tmp_path / "run")
    killed = _drive(folder, position)
    assert killed.returncode == -signal.SIGKILL, killed.stderr[-3000:]
    (dead,) = runs(folder / ".lolpop/cache/runs")
    assert dead.ended is None
    assert dead.steps == position - 1  # the Nth step finished but was never logged

    resumed = _drive(folder, 0, "last")
    assert resumed.returncode == 0, resumed.stderr[-3000:]
    assert _report(folder, resumed.stdout) == report

    after: RunInfo = runs(folder / ".lolpop/cache/runs")[-1]
    assert after.ended == "succeeded"
    records = RunLog(folder / ".lolpop/cache/runs", after.run_id).records()
    reused = [record for record in records if record.reused == "resume"]
    ran = [record for record in records if not record.reused]
    assert len(reused) == position - 1
    assert len(ran) == total - (position - 1)
    assert len(records) == total
