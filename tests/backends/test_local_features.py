"""Local backend: concurrent fanout, timeouts, run records and the progress display."""

from __future__ import annotations

import threading
import time
from pathlib import Path

import pytest

from lolpop import (
    Backoff,
    DefinitionError,
    Step,
    both,
    fanout,
    make_step,
    map_each,
    retry,
    run,
    step,
)
from lolpop.backends import Local
from lolpop.backends.records import (
    JsonLinesLedger,
    MemoryLedger,
    StepStatus,
    expected_durations,
)
from lolpop.errors import StepTimeoutError
from tests.steps import inc


def _sleeper(name: str, seconds: float) -> Step[int, int]:
    def sleep(x: int) -> int:
        time.sleep(seconds)
        return x

    return make_step(sleep, name=name)


@step
def fails(x: int) -> int:
    raise ValueError("left failed")


def _elapsed(program: Step[int, object], backend: Local) -> float:
    start = time.perf_counter()
    assert run(program, 1, backend=backend).unwrap() is not None
    return time.perf_counter() - start


def test_fanout_branches_run_concurrently() -> None:
    program = _sleeper("left", 0.5) & _sleeper("right", 0.5)
    sequential = _elapsed(program, Local(max_workers=1))
    concurrent = _elapsed(program, Local(max_workers=2))
    assert concurrent / sequential < 0.75, (concurrent, sequential)


def test_both_branches_run_concurrently() -> None:
    program = both(_sleeper("left", 0.3), _sleeper("right", 0.3))
    start = time.perf_counter()
    assert run(program, (1, 2), backend=Local(max_workers=1)).unwrap() == (1, 2)
    sequential = time.perf_counter() - start
    start = time.perf_counter()
    assert run(program, (1, 2), backend=Local(max_workers=2)).unwrap() == (1, 2)
    assert (time.perf_counter() - start) / sequential < 0.75


def test_nested_fanouts_with_few_workers_do_not_deadlock() -> None:
    leaf = _sleeper("s", 0.01)
    program = (leaf & leaf) & (leaf & (leaf & leaf))
    assert run(program, 1, backend=Local(max_workers=2)).unwrap() == ((1, 1), (1, (1, 1)))


def test_concurrent_failures_are_reported_as_a_sequential_run_would() -> None:
    slow_fail = (_sleeper("wait", 0.05) >> fails).named("left")
    program = fanout(slow_fail, fails.named("right"))
    for workers in (1, 2, 4):
        assert run(program, 1, backend=Local(max_workers=workers)).failure().path == "left/fails"


def test_concurrent_branches_run_on_other_threads() -> None:
    seen: set[str] = set()

    def where(x: int) -> int:
        seen.add(threading.current_thread().name)
        time.sleep(0.05)
        return x

    probe = make_step(where)
    run(probe & probe, 1, backend=Local(max_workers=2))
    assert len(seen) == 2


def test_timeout_fails_a_slow_step_quickly() -> None:
    program = inc >> _sleeper("slow", 2.0)
    start = time.perf_counter()
    failure = run(program, 1, backend=Local(timeout=0.1)).failure()
    assert time.perf_counter() - start < 1.0
    assert failure.path == "slow"
    assert isinstance(failure.cause, StepTimeoutError)
    assert "did not finish within its timeout of 0.1 s" in failure.message


def test_a_steps_own_timeout_wins_over_the_backend_default() -> None:
    program = _sleeper("slow", 0.3).with_timeout(0.05)
    failure = run(program, 1, backend=Local(timeout=10)).failure()
    assert isinstance(failure.cause, StepTimeoutError)
    assert run(_sleeper("quick", 0.01), 1, backend=Local(timeout=5)).unwrap() == 1


def test_timeouts_are_retried_like_other_failures() -> None:
    program = retry(_sleeper("slow", 0.5).with_timeout(0.02), attempts=2, backoff=Backoff(0.0))
    failure = run(program, 1, backend=Local()).failure()
    assert (failure.attempts, type(failure.cause)) == (2, StepTimeoutError)


def test_every_leaf_call_is_recorded() -> None:
    backend = Local()
    run((inc >> inc).named("twice") >> inc, 1, backend=backend)
    records = backend.ledger.records() if backend.ledger else ()
    assert [r.path for r in records] == ["twice/inc", "twice/inc#2", "inc"]
    assert {r.status for r in records} == {StepStatus.SUCCEEDED}
    assert len({r.run_id for r in records}) == 1
    assert all(r.duration >= 0 and r.started > 1e9 and r.attempt == 1 for r in records)


def test_retries_and_failures_are_recorded_with_their_attempt() -> None:
    ledger = MemoryLedger()
    run(retry(inc >> fails, attempts=3, backoff=Backoff(0.0)), 1, backend=Local(ledger=ledger))
    rows = [(r.path, r.status.value, r.attempt) for r in ledger.records()]
    assert rows == [
        ("inc", "succeeded", 1), ("fails", "failed", 1),
        ("inc", "succeeded", 2), ("fails", "failed", 2),
        ("inc", "succeeded", 3), ("fails", "failed", 3),
    ]  # fmt: skip
    assert ledger.records()[1].error == "ValueError: left failed"


def test_runs_have_distinct_ids_in_one_ledger() -> None:
    ledger = MemoryLedger()
    backend = Local(ledger=ledger)
    run(inc, 1, backend=backend)
    run(inc, 2, backend=backend)
    assert len({r.run_id for r in ledger.records()}) == 2


def test_json_lines_ledger_writes_through_and_skips_a_torn_line(tmp_path: Path) -> None:
    path = tmp_path / "runs" / "ledger.jsonl"
    ledger = JsonLinesLedger(path)
    seen_during_run: list[int] = []

    def peek(x: int) -> int:
        seen_during_run.append(len(JsonLinesLedger(path).records()))
        return x

    run(inc >> make_step(peek), 1, backend=Local(ledger=ledger))
    assert seen_during_run == [1]  # the first step's record was on disk before the second ran
    with path.open("a", encoding="utf-8") as handle:
        handle.write('{"run_id": "torn", "path": "x", "sta')
    records = JsonLinesLedger(path).records()
    assert [r.path for r in records] == ["inc", "peek"]
    assert set(expected_durations(records)) == {"inc", "peek"}


def test_no_ledger_records_nothing_and_still_runs() -> None:
    assert run(inc >> inc, 1, backend=Local(ledger=None, max_workers=1)).unwrap() == 3


def test_progress_is_silent_when_not_interactive(capsys: pytest.CaptureFixture[str]) -> None:
    run(inc >> inc, 1, backend=Local())
    assert capsys.readouterr() == ("", "")


def test_forced_progress_display_runs_and_leaves_the_result_alone() -> None:
    assert run(inc & inc, 1, backend=Local(progress=True)).unwrap() == (2, 2)


@pytest.mark.parametrize("settings", [{"max_workers": 0}, {"timeout": -1.0}])
def test_bad_settings_are_refused(settings: dict[str, float]) -> None:
    with pytest.raises(DefinitionError, match="must be positive"):
        Local(**settings)  # type: ignore[arg-type]  # mixed int/float settings on purpose


def test_bad_step_timeout_is_refused() -> None:
    with pytest.raises(DefinitionError, match="timeout must be positive"):
        inc.with_timeout(0)


def test_progress_counts_each_step_of_the_plan_once() -> None:
    from lolpop.backends.local_backend import _Progress, _shape  # noqa: PLC0415

    program = map_each(inc) >> map_each(inc)
    total, glue, _ = _shape(program)
    progress = _Progress(total, glue)
    for path in ("inc", "inc", "inc", "inc#2", "inc#2", "inc#2"):  # three items each
        progress.step_started(path)
        progress.step_finished(path, 0.0, 0.0, 1, None)
    (task,) = progress.display.tasks
    assert (task.completed, task.total) == (2, 2)
