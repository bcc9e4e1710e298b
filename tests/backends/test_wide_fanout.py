"""A fanout of hundreds or thousands of branches (`functools.reduce(operator.and_, ...)`)
runs on Local, plain and instrumented, and is planned and shown by DryRun: compiled and
run in a loop rather than one level of Python calls per `&`, which overflowed Python's
recursion limit at ~330 branches (a bare RecursionError out of `run`)."""

from __future__ import annotations

import functools
import operator
import threading
import time

from lolpop import Step, make_step, run, step
from lolpop.backends import DryRun, Local
from lolpop.core._interpret import WORTH_A_THREAD
from lolpop.core.failure import RunFailure
from lolpop.core.step import FanoutShape
from tests.steps import inc

WIDTH = 3_000


def _wide(branch: Step[int, int], width: int = WIDTH) -> Step[int, object]:
    program: Step[int, object] = functools.reduce(operator.and_, [branch] * width)
    return program


def _flatten(nested: object, width: int, *, to_the_right: bool = False) -> list[object]:
    """`((a, b), c)` as `[a, b, c]`; `(a, (b, c))` too, `to_the_right`."""
    found: list[object] = []
    for _ in range(width - 1):
        assert isinstance(nested, tuple)
        inner, outer = (nested[1], nested[0]) if to_the_right else nested
        found.append(outer)
        nested = inner
    ends = [*found, nested] if to_the_right else [nested, *reversed(found)]
    return ends


def test_a_fanout_of_thousands_of_branches_runs_on_every_local_flavour() -> None:
    for backend in (Local(), Local(ledger=None, max_workers=1), Local(max_workers=4)):
        outputs = run(_wide(inc), 1, backend=backend).unwrap()
        assert _flatten(outputs, WIDTH) == [2] * WIDTH


def test_its_outputs_nest_as_the_steps_do() -> None:
    @step
    def one(x: int) -> int:
        return 1

    @step
    def two(x: int) -> int:
        return 2

    @step
    def three(x: int) -> int:
        return 3

    assert run(one & two & three, 0).unwrap() == ((1, 2), 3)
    assert run(one & (two & three), 0).unwrap() == (1, (2, 3))
    assert run((one & two).named("pair") & three, 0).unwrap() == ((1, 2), 3)
    assert len(FanoutShape.of(one & two & three).branches) == 3
    assert len(FanoutShape.of((one & two).named("pair") & three).branches) == 2


def test_the_first_branch_to_fail_is_reported_and_every_started_branch_is_waited_for() -> None:
    finished: list[int] = []

    def make(index: int) -> Step[int, int]:
        def branch(x: int) -> int:
            time.sleep(20 * WORTH_A_THREAD if index % 2 else 0)
            if index in (3, 6):
                raise ValueError(f"branch {index}")
            finished.append(index)
            return index

        return make_step(branch, name=f"b{index}")

    program = functools.reduce(operator.and_, [make(i) for i in range(8)])
    # Threads other tests left in this process (Prefect's, Dask's) are not the run's.
    before = set(threading.enumerate())
    for _ in range(3):  # the first run hands branches to threads; later ones measured
        finished.clear()
        failure = run(program, 0, backend=Local(max_workers=4)).failure()
        assert isinstance(failure, RunFailure)
        assert failure.path == "b3"
        settled = list(finished)
        time.sleep(0.1)
        assert finished == settled  # nothing still running after the run returned
        left = [t.name for t in threading.enumerate() if t not in before]
        assert not [name for name in left if name.startswith("lolpop")], left  # the pool's


def test_a_wide_fanout_is_planned_and_its_table_stays_readable() -> None:
    plan = run(_wide(inc), 1, backend=DryRun()).unwrap()
    assert len(plan.steps) == WIDTH
    assert plan.program == f"(inc & inc & … & inc: {WIDTH} branches)"
    # Shown in full, or (past the recursion limit, which test runners may raise) cut.
    assert plan.output_type.startswith("tuple[")
    text = plan.to_text()
    assert f"and {WIDTH - 1 - 8} more" in text
    assert len(text) < 1_000_000  # each of N rows named the N-1 others: ~90 MB
    assert len(plan.steps[0].concurrent_with) == WIDTH - 1  # the plan itself keeps all


def _right_nested(width: int) -> Step[int, object]:
    """`a & (b & (c & ...))`: built from the right (`reduce` with the new step first)."""
    branches = [inc.named(f"b{index}") for index in range(width)]
    program: Step[int, object] = functools.reduce(
        lambda nested, branch: branch & nested, reversed(branches[:-1]), branches[-1]
    )
    return program


def test_a_fanout_nested_to_the_right_runs_planned_and_labelled_too() -> None:
    # It recursed one level of calls per `&` when compiled (a bare RecursionError).
    program = _right_nested(WIDTH)
    for backend in (Local(), Local(ledger=None, max_workers=1)):
        outputs = run(program, 1, backend=backend).unwrap()
        assert _flatten(outputs, WIDTH, to_the_right=True) == [2] * WIDTH
    plan = run(program, 1, backend=DryRun()).unwrap()
    assert [each.path for each in plan.steps[:3]] == ["b0", "b1", "b2"]
    assert plan.program == f"(b0 & b1 & … & b{WIDTH - 1}: {WIDTH} branches)"
    assert FanoutShape.of(program).branches[-1].name == f"b{WIDTH - 1}"


def test_mixed_nestings_keep_their_shape_and_their_labels() -> None:
    a, b, c, d = (inc.named(name) for name in "abcd")
    for program, nested, label in [
        ((a & b) & (c & d), ((2, 2), (2, 2)), "((a & b) & (c & d))"),
        (a & (b & c) & d, ((2, (2, 2)), 2), "((a & (b & c)) & d)"),
        (a & (b & c).named("bc") & d, ((2, (2, 2)), 2), "((a & bc) & d)"),
    ]:
        assert run(program, 1, backend=Local()).unwrap() == nested
        assert run(program, 1, backend=Local(ledger=None, max_workers=1)).unwrap() == nested
        assert program.label == label
