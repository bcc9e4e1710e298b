"""The step cache and resume on `Local`: a failed run resumes from its finished steps,
recomputing only the failed step and what follows; cross-run reuse only for pure steps
that ask for it; kept outputs are loaded only by their digest."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest
from returns.result import Failure, Success

from lolpop import run, step
from lolpop.backends import Local
from lolpop.backends.cache import ResumeError, RunLog, StepCache, runs
from lolpop.core.step import Step
from lolpop.errors import DefinitionError

CALLS: list[str] = []
BROKEN: set[str] = set()


@step
def load(_: None) -> list[int]:
    CALLS.append("load")
    return [1, 2, 3]


@step
def double(xs: list[int]) -> list[int]:
    CALLS.append("double")
    if "double" in BROKEN:
        raise RuntimeError("disk full")
    return [2 * x for x in xs]


@step
def total(xs: list[int]) -> int:
    CALLS.append("total")
    return sum(xs)


PROGRAM: Step[None, int] = (load >> double >> total).named("main")


@pytest.fixture(autouse=True)
def _reset() -> None:
    CALLS.clear()
    BROKEN.clear()


def test_a_failed_run_resumes_from_its_last_finished_step(tmp_path: Path) -> None:
    BROKEN.add("double")
    first = run(PROGRAM, None, backend=Local(cache_dir=tmp_path))
    assert isinstance(first, Failure)
    assert CALLS == ["load", "double"]
    BROKEN.clear()
    CALLS.clear()
    resumed = Local(cache_dir=tmp_path)
    assert run(PROGRAM, None, backend=resumed, resume="last") == Success(12)
    assert CALLS == ["double", "total"]  # load was not run again
    assert resumed.ledger is not None
    reused = {record.path: record.reused for record in resumed.ledger.records()}
    assert reused == {"main/load": "resume", "main/double": "", "main/total": ""}
    logged = runs(tmp_path / "runs")
    assert [info.ended for info in logged] == ["failed", "succeeded"]
    assert logged[1].resumes == logged[0].run_id
    # the failed run was resumed: there is nothing left to resume
    with pytest.raises(ResumeError, match="no failed or unfinished run"):
        run(PROGRAM, None, backend=Local(cache_dir=tmp_path), resume="last")
    with pytest.raises(ResumeError, match="was resumed already, by run " + logged[1].run_id):
        run(PROGRAM, None, backend=Local(cache_dir=tmp_path), resume=logged[0].run_id)


def test_a_run_that_succeeded_is_not_resumed_by_last(tmp_path: Path) -> None:
    assert run(PROGRAM, None, backend=Local(cache_dir=tmp_path)) == Success(12)
    with pytest.raises(ResumeError, match="no failed or unfinished run"):
        run(PROGRAM, None, backend=Local(cache_dir=tmp_path), resume="last")


def test_a_run_is_resumed_by_its_id_or_a_prefix(tmp_path: Path) -> None:
    BROKEN.add("double")
    assert isinstance(run(PROGRAM, None, backend=Local(cache_dir=tmp_path)), Failure)
    (only,) = runs(tmp_path / "runs")
    BROKEN.clear()
    CALLS.clear()
    assert run(PROGRAM, None, backend=Local(cache_dir=tmp_path), resume=only.run_id[:8]) == Success(
        12
    )
    assert CALLS == ["double", "total"]
    with pytest.raises(ResumeError, match="no run 'nope'"):
        run(PROGRAM, None, backend=Local(cache_dir=tmp_path), resume="nope")


def test_a_run_that_succeeded_is_not_resumed_by_its_id(tmp_path: Path) -> None:
    # It replayed every step, effects included: the CLI's report said "version 1
    # promoted to champion" again while version 2 was the champion.
    assert run(PROGRAM, None, backend=Local(cache_dir=tmp_path)) == Success(12)
    (only,) = runs(tmp_path / "runs")
    with pytest.raises(ResumeError, match=f"run {only.run_id} succeeded: there is nothing"):
        run(PROGRAM, None, backend=Local(cache_dir=tmp_path), resume=only.run_id[:8])


def test_another_programs_run_is_not_resumed(tmp_path: Path) -> None:
    assert run(PROGRAM, None, backend=Local(cache_dir=tmp_path)) == Success(12)
    (only,) = runs(tmp_path / "runs")
    other = (load >> total).named("other")
    with pytest.raises(ResumeError, match="another program"):
        run(other, None, backend=Local(cache_dir=tmp_path), resume=only.run_id)


def test_resume_needs_a_cache_dir() -> None:
    with pytest.raises(DefinitionError, match="needs a cache_dir"):
        Local(resume="last")


def test_steps_are_not_reused_across_runs_unless_they_ask(tmp_path: Path) -> None:
    assert run(PROGRAM, None, backend=Local(cache_dir=tmp_path)) == Success(12)
    assert run(PROGRAM, None, backend=Local(cache_dir=tmp_path)) == Success(12)
    assert CALLS == ["load", "double", "total"] * 2
    CALLS.clear()
    pure = (load >> double.with_cache("key") >> total).named("main")
    assert run(pure, None, backend=Local(cache_dir=tmp_path)) == Success(12)
    assert run(pure, None, backend=Local(cache_dir=tmp_path)) == Success(12)
    assert CALLS == ["load", "double", "total", "load", "total"]


def test_an_effect_is_never_reused_across_runs(tmp_path: Path) -> None:
    effect = (load >> double.with_cache("key").as_effect() >> total).named("main")
    assert run(effect, None, backend=Local(cache_dir=tmp_path)) == Success(12)
    assert run(effect, None, backend=Local(cache_dir=tmp_path)) == Success(12)
    assert CALLS.count("double") == 2


def test_a_changed_input_misses(tmp_path: Path) -> None:
    pure = double.with_cache("key")
    assert run(pure, [1], backend=Local(cache_dir=tmp_path)) == Success([2])
    assert run(pure, [2], backend=Local(cache_dir=tmp_path)) == Success([4])
    assert CALLS == ["double", "double"]


def test_an_expired_output_is_not_reused(tmp_path: Path) -> None:
    pure = double.with_cache("key", expiry=1e-9)
    assert run(pure, [1], backend=Local(cache_dir=tmp_path)) == Success([2])
    assert run(pure, [1], backend=Local(cache_dir=tmp_path)) == Success([2])
    assert CALLS == ["double", "double"]


def test_a_tampered_output_is_not_loaded(tmp_path: Path) -> None:
    pure = double.with_cache("key")
    assert run(pure, [1], backend=Local(cache_dir=tmp_path)) == Success([2])
    (blob,) = (path for path in (tmp_path / "objects").rglob("*") if path.is_file())
    blob.write_bytes(blob.read_bytes().replace(b"2", b"9"))
    assert run(pure, [1], backend=Local(cache_dir=tmp_path)) == Success([2])
    assert CALLS == ["double", "double"]


def test_the_run_log_keeps_every_finished_step_with_its_key(tmp_path: Path) -> None:
    assert run(PROGRAM, None, backend=Local(cache_dir=tmp_path, ledger=None)) == Success(12)
    (only,) = runs(tmp_path / "runs")
    records = RunLog(tmp_path / "runs", only.run_id).records()
    assert [record.path for record in records] == ["main/load", "main/double", "main/total"]
    assert all(record.key and record.output for record in records)
    cache = StepCache(tmp_path)
    assert [cache.load(record.output) for record in records] == [[1, 2, 3], [2, 4, 6], 12]


@pytest.mark.usefixtures("prefect_server")
def test_a_run_failed_on_local_resumes_on_prefect_with_the_same_keys(tmp_path: Path) -> None:
    from lolpop.backends import Prefect  # noqa: PLC0415 (prefect is heavy)

    BROKEN.add("double")
    assert isinstance(run(PROGRAM, None, backend=Local(cache_dir=tmp_path)), Failure)
    BROKEN.clear()
    CALLS.clear()
    assert run(PROGRAM, None, backend=Prefect(cache_dir=tmp_path), resume="last") == Success(12)
    assert CALLS == ["double", "total"]
    _, second = runs(tmp_path / "runs")
    assert second.ended == "succeeded"
    reused = {r.path: r.reused for r in RunLog(tmp_path / "runs", second.run_id).records()}
    assert reused == {"main/load": "resume", "main/double": "", "main/total": ""}
    # and a Prefect run's log resumes on Local
    BROKEN.add("double")
    CALLS.clear()
    assert isinstance(run(PROGRAM, None, backend=Prefect(cache_dir=tmp_path)), Failure)
    BROKEN.clear()
    assert run(PROGRAM, None, backend=Local(cache_dir=tmp_path), resume="last") == Success(12)
    assert CALLS == ["load", "double", "double", "total"]


def test_a_dry_run_says_which_steps_a_resume_would_reuse_with_locals_keys(
    tmp_path: Path,
) -> None:
    from lolpop.backends import DryRun  # noqa: PLC0415

    BROKEN.add("double")
    local = Local(cache_dir=tmp_path)
    assert isinstance(run(PROGRAM, None, backend=local), Failure)
    plan = run(PROGRAM, None, backend=DryRun(cache_dir=tmp_path), resume="last").unwrap()
    assert CALLS == ["load", "double"]  # the dry run ran nothing
    assert [(s.path, s.would_hit) for s in plan.steps] == [
        ("main/load", True),
        ("main/double", False),
        ("main/total", False),
    ]
    assert local.ledger is not None
    keys = {record.path: record.key for record in local.ledger.records()}
    assert plan.steps[0].cache_key == keys["main/load"]
    assert plan.steps[1].cache_key == keys["main/double"]  # its input is known: load's
    assert plan.steps[2].cache_key == ""  # known only once double has run
    assert "hit " + keys["main/load"][:12] in plan.to_text()
    assert "1 would be taken from the step cache" in plan.to_text()


def test_a_dry_run_predicts_cross_run_hits_of_pure_steps(tmp_path: Path) -> None:
    from lolpop.backends import DryRun  # noqa: PLC0415

    pure = (load >> double.with_cache("key") >> total).named("main")
    assert run(pure, None, backend=Local(cache_dir=tmp_path)) == Success(12)
    plan = run(pure, None, backend=DryRun(cache_dir=tmp_path)).unwrap()
    # load is not pure (it reads the world): it would run, so double's input is unknown
    assert [s.would_hit for s in plan.steps] == [False, False, False]
    alone = double.with_cache("key")
    assert run(alone, [1, 2, 3], backend=Local(cache_dir=tmp_path)) == Success([2, 4, 6])
    plan = run(alone, [1, 2, 3], backend=DryRun(cache_dir=tmp_path)).unwrap()
    assert [s.would_hit for s in plan.steps] == [True]


def _tenure_program(path: Path) -> Step[None, float]:
    """A CSV read, then a check that fails on a tenure past 72, then the mean tenure."""
    from lolpop.components.file_connector import CsvSettings, csv_connector  # noqa: PLC0415
    from lolpop.errors import LolpopError  # noqa: PLC0415

    @step
    def checked(frame: pd.DataFrame) -> pd.DataFrame:
        if (frame["tenure"] > 72).any():
            raise LolpopError("a tenure past 72")
        return frame

    @step
    def mean_tenure(frame: pd.DataFrame) -> float:
        return float(frame["tenure"].mean())

    read = csv_connector(CsvSettings(str(path))).read
    return (read >> checked >> mean_tenure).named("tenure")


def test_a_resumed_run_reads_a_data_file_again_when_it_changed(tmp_path: Path) -> None:
    """Fix the data and resume (what a failure's message says to do): the read sees the
    fixed file, not the one the failed run read, and what follows it runs on it."""
    data = tmp_path / "customers.csv"
    data.write_text("tenure\n10\n99\n")
    program = _tenure_program(data)
    assert isinstance(run(program, None, backend=Local(cache_dir=tmp_path / "c")), Failure)
    data.write_text("tenure\n10\n30\n")
    resumed = run(program, None, backend=Local(cache_dir=tmp_path / "c"), resume="last")
    assert resumed == Success(20.0)


def test_a_resumed_run_never_trains_on_rows_the_file_no_longer_holds(tmp_path: Path) -> None:
    data = tmp_path / "customers.csv"
    data.write_text("tenure\n10\n30\n50\n")
    program = _tenure_program(data) >> double_all
    assert isinstance(run(program, None, backend=Local(cache_dir=tmp_path / "c")), Failure)
    data.write_text("tenure\n10\n")  # cut, as a user fixing a bad export would
    resumed = run(program, None, backend=Local(cache_dir=tmp_path / "c"), resume="last")
    assert resumed == Success(20.0)


def test_an_unchanged_data_file_is_reused_by_a_resume(tmp_path: Path) -> None:
    data = tmp_path / "customers.csv"
    data.write_text("tenure\n10\n30\n")
    BROKEN.add("double_all")
    program = _tenure_program(data) >> double_all
    assert isinstance(run(program, None, backend=Local(cache_dir=tmp_path / "c")), Failure)
    BROKEN.clear()
    backend = Local(cache_dir=tmp_path / "c")
    assert run(program, None, backend=backend, resume="last") == Success(40.0)
    (log,) = [r for r in runs(tmp_path / "c" / "runs") if r.resumes]
    kept = RunLog(tmp_path / "c" / "runs", log.run_id).records()
    reused = {record.path for record in kept if record.reused == "resume"}
    assert "tenure/read" in reused


@step
def double_all(mean: float) -> float:
    if "double_all" in BROKEN:
        raise RuntimeError("disk full")
    if mean > 25:  # the first run's data: fail as a late step would
        raise RuntimeError("a late step failed")
    return 2 * mean
