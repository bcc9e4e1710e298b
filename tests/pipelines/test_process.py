"""The process pipeline on real components: versions, reports, checks, drift, stops."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest
from returns.pipeline import is_successful

from lolpop import run
from lolpop.backends import DryRun
from lolpop.components.data_checker import CheckerSettings, Rule, rules_checker
from lolpop.components.drift import DriftSettings, drift_comparer
from lolpop.components.file_connector import CsvSettings, csv_connector
from lolpop.components.memory_tracker import MemoryStore, memory_tracker
from lolpop.components.notifier import LogNotifierSettings, log_notifier
from lolpop.components.profiler import ProfilerSettings, pandas_profiler
from lolpop.components.records import RunSpec, Status
from lolpop.components.version_store import local_store
from lolpop.pipelines.process import ProcessComponents, ProcessSettings, process_pipeline


def components(
    tmp_path: Path, runs: MemoryStore, rules: tuple[Rule, ...] = ()
) -> ProcessComponents:
    return ProcessComponents(
        connector=csv_connector(CsvSettings(str(tmp_path / "data.csv"))),
        profiler=pandas_profiler(ProfilerSettings()),
        checker=rules_checker(CheckerSettings(rules)),
        comparer=drift_comparer(DriftSettings()),
        store=local_store(tmp_path / "store"),
        tracker=memory_tracker(runs),
        notifier=log_notifier(LogNotifierSettings(stream="stderr")),
    )


def write(tmp_path: Path, shift: float) -> None:
    frame = pd.DataFrame(
        {"x": [float(i % 50) + shift for i in range(200)], "kind": ["a", "b"] * 100}
    )
    frame.to_csv(tmp_path / "data.csv", index=False)


def test_a_second_version_is_compared_with_the_first(tmp_path: Path) -> None:
    runs = MemoryStore()
    parts = components(tmp_path, runs)
    settings = ProcessSettings("train", reports=str(tmp_path / "reports"))
    program = process_pipeline(parts, settings)

    write(tmp_path, 0.0)
    first = run(program, RunSpec("one")).unwrap()
    assert first.version.number == 1
    assert first.previous is None
    assert first.drift is None
    assert first.check.status is Status.OK
    assert first.profile.rows == 200
    assert {Path(p).name for p in first.reports} == {"profile.json", "profile.html"}
    logged = runs.run(first.run.run_id)
    assert logged.datasets["train"].number == 1
    assert len(logged.artifacts) == 2

    write(tmp_path, 40.0)
    second = run(program, RunSpec("two")).unwrap()
    assert second.version.number == 2
    assert second.previous == first.version
    assert second.drift is not None
    assert second.drift.drifted == ("x",)


def test_an_error_check_stops_the_workflow_and_keeps_the_data(tmp_path: Path) -> None:
    runs = MemoryStore()
    rules = (Rule("range", columns=("x",), min=0.0, max=10.0),)
    parts = components(tmp_path, runs, rules)
    program = process_pipeline(parts, ProcessSettings("train", reports=str(tmp_path / "r")))
    write(tmp_path, 0.0)
    result = run(program, RunSpec("one"))

    assert not is_successful(result)
    failure = result.failure()
    assert failure.path == "process/stop_on_error"
    assert "failed 1 check(s) at ERROR" in str(failure.cause)
    assert [r.status for r in runs.runs()] == ["FAILED"]
    assert [v.number for v in parts.store.versions("train")] == [1]


def test_with_stop_on_error_off_the_report_comes_back(tmp_path: Path) -> None:
    runs = MemoryStore()
    rules = (Rule("range", columns=("x",), min=0.0, max=10.0),)
    parts = components(tmp_path, runs, rules)
    settings = ProcessSettings("train", reports=str(tmp_path / "r"), stop_on_error=False)
    write(tmp_path, 0.0)
    data = run(process_pipeline(parts, settings), RunSpec("one"))
    assert data.unwrap().check.status is Status.ERROR


def test_a_dry_run_lists_the_effects_and_performs_none(tmp_path: Path) -> None:
    runs = MemoryStore()
    parts = components(tmp_path, runs)
    program = process_pipeline(parts, ProcessSettings("train", reports=str(tmp_path / "r")))
    plan = run(program, RunSpec("one"), backend=DryRun()).unwrap()
    effects = {s.path for s in plan.steps if s.effect}
    assert {
        "process/save_frame",
        "process/log_dataset",
        "process/write_profile_report",
        "process/log_artifact",
    } <= effects, effects
    assert not (tmp_path / "store").exists()
    assert not (tmp_path / "r").exists()


@pytest.fixture(autouse=True)
def _quiet(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level("ERROR")


def test_a_missing_required_column_is_refused_before_anything_is_kept(tmp_path: Path) -> None:
    runs = MemoryStore()
    parts = components(tmp_path, runs)
    settings = ProcessSettings("train", reports=str(tmp_path / "r"), required=("churned",))
    write(tmp_path, 0.0)
    result = run(process_pipeline(parts, settings), RunSpec("one"))
    assert not is_successful(result)
    message = str(result.failure().cause)
    assert "'churned'" in message
    assert str(tmp_path / "data.csv") in message
    assert parts.store.versions("train") == ()
    assert not (tmp_path / "r").exists()
    assert runs.runs() == ()  # no run was started for data that could not be used


def test_a_wrong_delimiter_or_an_empty_file_is_refused_naming_the_file(tmp_path: Path) -> None:
    runs = MemoryStore()
    parts = components(tmp_path, runs)
    program = process_pipeline(parts, ProcessSettings("train", reports=str(tmp_path / "r")))
    (tmp_path / "data.csv").write_text("x;kind\n1;a\n2;b\n")
    wrong = run(program, RunSpec("one"))
    assert "looks delimited by ';'" in str(wrong.failure().cause)
    assert str(tmp_path / "data.csv") in str(wrong.failure().cause)
    (tmp_path / "data.csv").write_text("")
    empty = run(program, RunSpec("two"))
    assert "empty" in str(empty.failure().cause)
    assert parts.store.versions("train") == ()
    assert runs.runs() == ()
