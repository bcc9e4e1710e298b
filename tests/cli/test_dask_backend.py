"""Dask from a config (`backend: {type: prefect, task_runner: dask}`) and from the command
line (`lolpop run --backend dask [--dask-address ...]`): a run on a temporary local
cluster, and one message, exit 2, when the Prefect server its workers need is missing."""

from __future__ import annotations

import time
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING

import pytest
from typer.testing import CliRunner

from lolpop.cli import app
from tests.cli._regression import regression_folder, run_as_user

if TYPE_CHECKING:
    from prefect.client.schemas.objects import TaskRun

pytest.importorskip("prefect_dask", reason='the `dask` extra is not installed (".[dask]")')

WORKFLOW = """\
runner: regression
settings: {model_name: m, target: y, index: id}
backend: {type: prefect, task_runner: dask, dask_workers: 1}
components:
  data: {type: csv, path: data.csv}
  trainer: {type: sklearn_model, estimator: "sklearn.linear_model:Ridge"}
  tuner:
    type: grid_search
    estimator: "sklearn.linear_model:Ridge"
    metric: rmse
    space: {alpha: [0.01, 0.1, 1.0, 10.0]}
  repository: {type: local_registry}
"""


@pytest.fixture
def config(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A small regression workflow on Dask, its data beside it, tracked in its folder."""
    monkeypatch.delenv("MLFLOW_TRACKING_URI", raising=False)
    return regression_folder(tmp_path, WORKFLOW, rows=120)


def test_without_a_prefect_server_a_dask_run_says_what_to_do(
    config: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("PREFECT_API_URL", raising=False)
    for args in ([], ["--backend", "dask"], ["--dask-address", "tcp://127.0.0.1:1"]):
        result = CliRunner().invoke(app, ["run", str(config), *args])
        assert result.exit_code == 2, result.output
        assert "the Dask task runner needs a Prefect server" in result.output
        assert "prefect server start" in result.output
        assert "Traceback" not in result.output
    assert not (config.parent / ".lolpop").exists()  # nothing ran


@pytest.mark.parametrize("backend", ["dry-run", "local", "prefect"])
def test_a_dask_address_with_another_backend_is_refused(
    backend: str, config: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """`--backend dry-run --dask-address ...` ran the workflow for real, on Dask."""
    monkeypatch.delenv("PREFECT_API_URL", raising=False)
    args = ["run", str(config), "--backend", backend, "--dask-address", "tcp://127.0.0.1:1"]
    result = CliRunner().invoke(app, args)
    assert result.exit_code == 2, result.output
    assert (
        f"--dask-address runs the workflow on Dask; it does not go with --backend {backend}"
        in result.output
    )
    assert not (config.parent / ".lolpop").exists()  # nothing ran
    assert not (config.parent / "mlflow.db").exists()


def test_a_bad_task_runner_is_refused_at_its_path(config: Path) -> None:
    config.write_text(WORKFLOW.replace("task_runner: dask", "task_runner: spark"))
    result = CliRunner().invoke(app, ["check", str(config), "--offline"])
    assert result.exit_code == 2
    assert "$.backend.task_runner" in result.output


def test_a_config_on_dask_runs_on_a_temporary_local_cluster_quietly(
    config: Path, prefect_server: str
) -> None:
    started = datetime.now(UTC)
    # In a process of its own, as a user runs it: Prefect sets up its loggers on import.
    result = run_as_user(config.parent, prefect_server, "--quiet")
    assert result.returncode == 0, result.stderr
    output = result.stdout + result.stderr
    assert "on Dask, step outputs are not kept" in output
    assert "stage build_all: done" in output
    assert "version 1 promoted to champion" in output
    assert "(for --resume)" not in output  # nothing is kept on Dask
    assert "Task run" not in result.stderr  # --quiet: neither the workers' nor the flow's
    # The search's four trials ran as four tasks of the Dask task runner (its workers).
    trials = _task_runs_since(started, "tune/trial", 4)
    assert len(trials) == 4
    assert all(run.state is not None and run.state.is_completed() for run in trials)


@pytest.mark.usefixtures("prefect_server")
def test_a_failed_run_on_dask_does_not_offer_a_resume(config: Path) -> None:
    data = config.parent / "data.csv"
    lines = data.read_text(encoding="utf-8").splitlines()
    data.write_text("\n".join([lines[0], *(f"{row},oops" for row in lines[1:])]), "utf-8")
    result = CliRunner().invoke(app, ["run", str(config)])
    assert result.exit_code == 1, result.output
    assert "lolpop run: " in result.output
    assert "--resume" not in result.output.replace("(no --resume)", "")


def _task_runs_since(started: datetime, path: str, expected: int) -> list[TaskRun]:
    """The task runs of steps at `path` (a suffix) the Prefect server saw since `started`
    (asked again for up to 10 s until there are `expected`: the server records task runs
    from their events, a moment after they end)."""
    from prefect.client.orchestration import get_client  # noqa: PLC0415 (heavy: on use)
    from prefect.client.schemas.filters import TaskRunFilter, TaskRunFilterName  # noqa: PLC0415

    runs_filter = TaskRunFilter(name=TaskRunFilterName(like_=path))
    # A task run is named `<flow>-<path>-<suffix>`.
    deadline = time.monotonic() + 10
    with get_client(sync_client=True) as client:
        while True:
            runs = client.read_task_runs(task_run_filter=runs_filter)
            found = [
                run
                for run in runs
                if run.name.rsplit("-", 1)[0].endswith(path)
                and run.start_time is not None
                and run.start_time >= started
            ]
            if len(found) >= expected or time.monotonic() > deadline:
                return found
            time.sleep(0.5)
