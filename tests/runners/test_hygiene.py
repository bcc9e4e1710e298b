"""Cleaning up after dead runs: run logs ended as killed, MLflow runs left RUNNING marked
KILLED (and reopened by a resume), temporary files removed; nothing of a live process
touched."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from mlflow import MlflowClient

from lolpop._process import HOST, this_process
from lolpop.backends.cache import RunLog, runs
from lolpop.components.mlflow_tracker import (
    PROCESS_TAG,
    SWEPT_TAG,
    MlflowSettings,
    mlflow_tracker,
)
from lolpop.components.records import RunSpec
from lolpop.runners.hygiene import sweep, sweep_files, sweep_logs, sweep_tracking


@pytest.fixture(scope="module")
def dead_pid() -> int:
    """The pid of a process that has ended."""
    child = subprocess.Popen([sys.executable, "-c", "pass"])
    child.wait()
    return child.pid


def _log(folder: Path, run_id: str, pid: int) -> None:
    """A run log begun by process `pid`, with no end."""
    log = RunLog(folder, run_id)
    log.begin("program")
    text = log.path.read_text().replace(f'"pid": {os.getpid()}', f'"pid": {pid}')
    log.path.write_text(text)


def test_a_dead_runs_log_is_ended_as_killed_and_a_live_ones_is_not(
    tmp_path: Path, dead_pid: int
) -> None:
    _log(tmp_path, "dead", dead_pid)
    _log(tmp_path, "alive", os.getpid())
    assert [info.gone for info in runs(tmp_path)] == [True, False]
    assert sweep_logs(tmp_path) == ("dead",)
    assert {info.run_id: info.ended for info in runs(tmp_path)} == {
        "dead": "killed",
        "alive": None,
    }
    assert sweep_logs(tmp_path) == ()  # once


def test_only_a_dead_processs_temporary_files_are_removed(tmp_path: Path, dead_pid: int) -> None:
    nested = tmp_path / "store" / "deep"
    nested.mkdir(parents=True)
    dead = nested / f".churn.csv.{dead_pid}-0a1b.tmp"
    alive = nested / f".churn.csv.{os.getpid()}-0a1b.tmp"
    other = nested / ".notes.tmp"  # not lolpop's
    for path in (dead, alive, other):
        path.write_text("partial")
    assert sweep_files([tmp_path]) == (str(dead),)
    assert not dead.exists()
    assert alive.exists()
    assert other.exists()
    shallow = tmp_path / f".out.csv.{dead_pid}-ff.tmp"
    shallow.write_text("partial")
    (nested / f".x.{dead_pid}-ff.tmp").write_text("partial")
    assert sweep_files([], [tmp_path]) == (str(shallow),)  # a folder, not its subfolders


def test_a_dead_processs_mlflow_runs_are_killed_and_a_resume_reopens_them(
    tmp_path: Path, dead_pid: int
) -> None:
    uri = f"sqlite:///{tmp_path}/mlflow.db"
    tracker = mlflow_tracker(MlflowSettings(tracking_uri=uri, experiment="hygiene"))
    client = MlflowClient(uri)
    dead = tracker.start_run(RunSpec("dead"))
    alive = tracker.start_run(RunSpec("alive"))
    assert client.get_run(alive.run_id).data.tags[PROCESS_TAG] == this_process()
    client.set_tag(dead.run_id, PROCESS_TAG, f"{HOST}:{dead_pid}")

    assert sweep_tracking(uri) == (dead.run_id,)
    swept = client.get_run(dead.run_id)
    assert (swept.info.status, swept.data.tags[SWEPT_TAG]) == ("KILLED", "true")
    assert client.get_run(alive.run_id).info.status == "RUNNING"

    # a resumed run logs on into it: it is reopened, and owned by this process
    tracker.log_metrics((dead, {"f1": 0.5}))
    reopened = client.get_run(dead.run_id)
    assert reopened.info.status == "RUNNING"
    assert reopened.data.tags[SWEPT_TAG] == "reopened"
    assert reopened.data.tags[PROCESS_TAG] == this_process()
    assert reopened.data.metrics == {"f1": 0.5}
    tracker.end_run((dead, "FINISHED"))
    tracker.end_run((dead, "FINISHED"))  # again, as a resume replaying it: nothing to do
    assert client.get_run(dead.run_id).info.status == "FINISHED"


def test_a_dead_processs_running_mlflow_run_is_taken_over_by_the_resume(
    tmp_path: Path, dead_pid: int
) -> None:
    uri = f"sqlite:///{tmp_path}/mlflow.db"
    tracker = mlflow_tracker(MlflowSettings(tracking_uri=uri, experiment="hygiene"))
    client = MlflowClient(uri)
    ref = tracker.start_run(RunSpec("orphan"))
    client.set_tag(ref.run_id, PROCESS_TAG, f"{HOST}:{dead_pid}")
    tracker.set_tags((ref, {"k": "v"}))  # before any sweep: taken over, not killed later
    assert client.get_run(ref.run_id).data.tags[PROCESS_TAG] == this_process()
    assert sweep_tracking(uri) == ()


def test_a_missing_sqlite_database_is_not_created(tmp_path: Path) -> None:
    assert (
        sweep(tmp_path / "cache", tracking_uris=[f"sqlite:///{tmp_path}/none.db"]).to_text() == ""
    )
    assert not (tmp_path / "none.db").exists()
