"""What `lolpop run --backend prefect` prints, in a process of its own (as a user runs
it): Prefect configures its loggers when it is imported, after lolpop set their levels."""

from __future__ import annotations

import time
from datetime import UTC, datetime
from pathlib import Path

import pytest

from tests.cli._regression import regression_folder, run_as_user

WORKFLOW = """\
runner: regression
settings: {model_name: m, target: y, index: id}
components:
  data: {type: csv, path: data.csv}
  trainer: {type: sklearn_model, estimator: "sklearn.linear_model:Ridge"}
  repository: {type: local_registry}
"""


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    return regression_folder(tmp_path, WORKFLOW, rows=60).parent


def test_quiet_hides_prefects_task_lines_and_the_default_shows_them(
    folder: Path, prefect_server: str
) -> None:
    started = datetime.now(UTC)
    quiet = run_as_user(folder, prefect_server, "--backend", "prefect", "--quiet")
    assert quiet.returncode == 0, quiet.stderr
    assert "stage build_all: done" in quiet.stdout
    assert "Task run" not in quiet.stderr
    assert "Flow run" not in quiet.stderr
    # The server (Prefect's UI) still has every task's line.
    assert "Finished in state Completed()" in _logged_since(started, "train/fit")
    shown = run_as_user(folder, prefect_server, "--backend", "prefect")
    assert shown.returncode == 0, shown.stderr
    assert "Task run 'regression-build_all/train/fit" in shown.stderr


def _logged_since(started: datetime, path: str) -> str:
    """The log lines the Prefect server holds since `started` for the task runs of steps
    at `path` (a suffix), asked again for up to 10 s (logs arrive in batches)."""
    from prefect.client.orchestration import get_client  # noqa: PLC0415 (heavy: on use)
    from prefect.client.schemas.filters import (  # noqa: PLC0415
        LogFilter,
        LogFilterTaskRunId,
        TaskRunFilter,
        TaskRunFilterName,
    )

    deadline = time.monotonic() + 10
    with get_client(sync_client=True) as client:
        while True:
            runs = client.read_task_runs(
                task_run_filter=TaskRunFilter(name=TaskRunFilterName(like_=path))
            )
            ours = [
                run.id for run in runs if run.start_time is not None and run.start_time >= started
            ]
            logs = client.read_logs(log_filter=LogFilter(task_run_id=LogFilterTaskRunId(any_=ours)))
            lines = "\n".join(log.message for log in logs)
            if lines or time.monotonic() > deadline:
                return lines
            time.sleep(0.5)
