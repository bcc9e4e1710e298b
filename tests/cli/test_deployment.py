"""`lolpop deployment build|run|stop|list`: the churn example deployed to a Prefect server
on localhost (the session's), run by the worker `build` starts, then stopped."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest
from typer.testing import CliRunner

from lolpop._process import pid_gone
from lolpop.backends.prefect_deployment import running_worker, stop_worker
from lolpop.cli import app

runner = CliRunner()
ROOT = Path(__file__).resolve().parents[2]
CHURN = ROOT / "examples" / "churn"


def _churn(folder: Path) -> Path:
    """The churn example in `folder`, its data beside it and its paths relative to it."""
    folder.mkdir()
    shutil.copytree(CHURN / "data", folder / "data")
    text = (CHURN / "workflow.yaml").read_text().replace("examples/churn/", "")
    config = folder / "workflow.yaml"
    config.write_text(text)
    return config


def _deployed_churn(tmp_path: Path, name: str, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The churn example in `tmp_path / name`, to deploy. The worker (a process of its
    own) inherits the environment set here: it looks for runs every second, and the
    example's MLflow store is the test's own."""
    monkeypatch.setenv("PREFECT_WORKER_QUERY_SECONDS", "1")
    monkeypatch.setenv("MLFLOW_TRACKING_URI", f"sqlite:///{tmp_path / 'mlflow.db'}")
    return _churn(tmp_path / name)


def _lolpop(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    """The console command, as a user runs it, with `env` (no PREFECT_API_URL unless given)."""
    base = {k: v for k, v in os.environ.items() if k != "PREFECT_API_URL"}
    code = "from lolpop.cli import main; main()"
    return subprocess.run(
        [sys.executable, "-c", code, *args],
        capture_output=True,
        text=True,
        env={**base, **env},
        timeout=60,
        check=False,
    )


def test_no_server_configured_is_exit_2_with_how_to_start_one() -> None:
    done = _lolpop("deployment", "list", env={})
    assert done.returncode == 2, done.stderr
    assert "No Prefect server is configured" in done.stderr
    assert "prefect server start" in done.stderr
    assert "PREFECT_API_URL" in done.stderr
    assert "Traceback" not in done.stderr


def test_a_server_that_does_not_answer_is_exit_2() -> None:
    from prefect.settings import (  # noqa: PLC0415 (prefect is heavy: on use)
        PREFECT_API_URL,
        PREFECT_CLIENT_MAX_RETRIES,
        temporary_settings,
    )

    dead = {PREFECT_API_URL: "http://127.0.0.1:9/api", PREFECT_CLIENT_MAX_RETRIES: 0}
    with temporary_settings(updates=dead):
        result = runner.invoke(app, ["deployment", "list"])
    assert result.exit_code == 2, result.output
    assert "http://127.0.0.1:9/api does not answer" in result.stderr
    assert "prefect server start" in result.stderr


@pytest.mark.usefixtures("prefect_server")
def test_an_unknown_deployment_is_exit_2() -> None:
    for command in ("run", "stop"):
        result = runner.invoke(app, ["deployment", command, "no-such-deployment"])
        assert result.exit_code == 2, result.output
        assert "no lolpop deployment is called 'no-such-deployment'" in result.stderr


@pytest.mark.usefixtures("prefect_server")
def test_bad_arguments_are_exit_2(tmp_path: Path) -> None:
    config = str(_churn(tmp_path / "churn"))
    both = ["deployment", "build", config, "--cron", "0 6 * * *", "--interval", "60"]
    result = runner.invoke(app, both)
    assert result.exit_code == 2
    assert "not both" in result.stderr
    result = runner.invoke(app, ["deployment", "build", config, "--cron", "every day"])
    assert result.exit_code == 2
    assert "is not a cron expression" in result.stderr
    result = runner.invoke(app, ["deployment", "build", config, "--name", "a/b"])
    assert result.exit_code == 2
    assert "cannot name a deployment" in result.stderr


@pytest.mark.usefixtures("prefect_server")
def test_build_run_list_stop_the_churn_example(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    config = _deployed_churn(tmp_path, "churn", monkeypatch)
    work = config.parent / ".lolpop"
    monkeypatch.chdir(tmp_path)
    try:
        built = runner.invoke(
            app, ["deployment", "build", str(config), "--name", "churn-test", "--cron", "0 6 * * *"]
        )
        assert built.exit_code == 0, built.output
        assert "deployment churn-test built: lolpop-workflow/churn-test" in built.stdout
        assert "schedule: cron 0 6 * * *" in built.stdout
        worker = running_worker(work, "churn-test")
        assert worker is not None
        assert f"started a Prefect worker (pid {worker.pid})" in built.stdout

        ran = runner.invoke(app, ["deployment", "run", "churn-test", "--timeout", "150"])
        assert ran.exit_code == 0, (ran.output, worker.log.read_text()[-3000:])
        assert ran.stdout.splitlines()[-2].endswith(": Completed")
        # The run ran in the config's folder: its outputs are there.
        assert (config.parent / ".lolpop" / "predictions" / "churn.csv").is_file()
        assert not (tmp_path / ".lolpop").exists()

        listed = runner.invoke(app, ["deployment", "list"])
        assert listed.exit_code == 0, listed.output
        row = next(line for line in listed.stdout.splitlines() if line.startswith("churn-test"))
        assert str(config) in row
        assert "cron 0 6 * * *" in row
        assert "active" in row
        assert "Completed" in row
        assert f"pid {worker.pid}" in row

        # The config is read when a run starts: a data file that is not there fails it.
        config.write_text(config.read_text().replace("data/customers.csv", "data/gone.csv"))
        failed = runner.invoke(app, ["deployment", "run", "churn-test", "--timeout", "150"])
        assert failed.exit_code == 1, failed.output
        assert ": Failed" in failed.stderr
        assert "gone.csv" in failed.stderr

        stopped = runner.invoke(app, ["deployment", "stop", "churn-test"])
        assert stopped.exit_code == 0, stopped.output
        assert "paused it (schedule: cron 0 6 * * *)" in stopped.stdout
        assert f"stopped the Prefect worker lolpop started for it (pid {worker.pid})" in (
            stopped.stdout
        )
        assert pid_gone(worker.pid)
        assert running_worker(work, "churn-test") is None

        listed = runner.invoke(app, ["deployment", "list"])
        row = next(line for line in listed.stdout.splitlines() if line.startswith("churn-test"))
        assert "paused" in row
        assert "Failed" in row
        assert row.rstrip().endswith("-")  # no worker
    finally:
        stop_worker(work, "churn-test")


#: A transformer that says it started, then waits (for a file that never comes): a run
#: that is running when it is stopped.
SLOW_STEP = """\
import time
from pathlib import Path

import pandas as pd


def wait(frame: pd.DataFrame) -> pd.DataFrame:
    Path("started").write_text("started")
    for _ in range(600):
        if Path("go-on").exists():
            break
        time.sleep(0.1)
    Path("finished").write_text("finished")
    return frame
"""


@pytest.mark.usefixtures("prefect_server")
def test_stop_cancels_a_running_run_and_its_process(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from lolpop.backends.prefect_deployment import run_state  # noqa: PLC0415

    config = _deployed_churn(tmp_path, "slow", monkeypatch)
    (config.parent / "slow_step.py").write_text(SLOW_STEP)
    # The worker's run process imports the function from the config's folder.
    monkeypatch.setenv("PYTHONPATH", str(config.parent))
    monkeypatch.syspath_prepend(str(config.parent))
    config.write_text(
        config.read_text().replace(
            "components:\n",
            "components:\n  transformer:\n    type: function\n    function: slow_step:wait\n"
            "    allow: [slow_step]\n",
            1,
        )
    )
    work = config.parent / ".lolpop"
    monkeypatch.chdir(tmp_path)
    try:
        built = runner.invoke(app, ["deployment", "build", str(config), "--name", "slow-test"])
        assert built.exit_code == 0, built.output
        worker = running_worker(work, "slow-test")
        assert worker is not None
        started = runner.invoke(app, ["deployment", "run", "slow-test", "--no-wait"])
        assert started.exit_code == 0, started.output
        flow_run = started.stdout.split("(", 1)[1].split(")", 1)[0]
        for _ in range(1200):  # the run reaches the slow step (a new process: imports)
            if (config.parent / "started").exists():
                break
            time.sleep(0.1)
        assert (config.parent / "started").exists(), worker.log.read_text()[-3000:]
        assert run_state(flow_run).state_type == "RUNNING"

        stopped = runner.invoke(app, ["deployment", "stop", "slow-test"])
        assert stopped.exit_code == 0, stopped.output
        assert f"cancelled flow run {flow_run} (it was running" in stopped.stdout, stopped.stdout
        assert run_state(flow_run).state_name == "Cancelled"
        assert pid_gone(worker.pid)
        # The run's process ended inside the step: the step never finished, and never will.
        (config.parent / "go-on").write_text("")
        time.sleep(1.0)
        assert not (config.parent / "finished").exists()
    finally:
        stop_worker(work, "slow-test")
