"""Concurrent runs agree with sequential ones.

The Local backend runs fanout and `both` branches on worker threads, and promises that
failures are reported as a sequential run would report them (the left branch's first).
On generated programs whose steps are pure (they may fail, but only as a function of
their input), a concurrent run must give the very `Result` of a sequential one: the same
output, or the same failing path, input type and attempts. It may call more steps (a
right branch runs even when the left one fails), never fewer (failure handlers
included, given the same input and failure), and its run records must be those calls.
"""

from __future__ import annotations

from collections import Counter

from hypothesis import given
from hypothesis import strategies as st
from returns.pipeline import is_successful

from lolpop import both, run
from lolpop.backends import Local
from lolpop.backends.records import MemoryLedger
from lolpop.core.paths import leaves
from property_tests.model import model_guards
from property_tests.strategies import (
    RECORDER,
    SEQUENTIAL,
    IntLeaf,
    Op,
    Tree,
    build,
    early_failing_flows,
    failing_flows,
    failing_guards,
    failure_of,
    flow_programs,
    inputs,
    int_leaf_step,
    number,
    program_lists,
    programs,
)


@given(programs(failures="pure"), inputs)
def test_concurrent_runs_agree_with_sequential_runs(tree: Tree, x: int) -> None:
    check_concurrent_against_sequential(tree, x)


@given(failing_guards(), inputs)
def test_concurrent_runs_call_failure_handlers_as_sequential_runs(tree: Tree, x: int) -> None:
    check_concurrent_against_sequential(tree, x)


@given(flow_programs(3, failures="pure"), inputs)
def test_concurrent_runs_of_flows_agree_with_sequential_runs(tree: Tree, x: int) -> None:
    check_concurrent_against_sequential(tree, x)


@given(failing_flows(), inputs)
def test_concurrent_runs_call_flow_guards_as_sequential_runs(tree: Tree, x: int) -> None:
    check_concurrent_against_sequential(tree, x)


@given(early_failing_flows(3), inputs)
def test_concurrent_runs_of_flows_report_the_first_failure(tree: Tree, x: int) -> None:
    check_concurrent_against_sequential(tree, x)


def check_concurrent_against_sequential(tree: Tree, x: int) -> None:
    program = build(tree)
    paths = [visit.path for visit in leaves(program)]

    RECORDER.reset()
    sequential = run(program, x, backend=SEQUENTIAL)
    sequential_calls = Counter(RECORDER.calls)
    sequential_handled = Counter(RECORDER.handled)

    ledger = MemoryLedger()
    RECORDER.reset()
    concurrent = run(program, x, backend=Local(max_workers=4, ledger=ledger, progress=False))
    concurrent_calls = Counter(RECORDER.calls)
    concurrent_handled = Counter(RECORDER.handled)

    assert concurrent == sequential
    guards = model_guards(tree)
    assert all(given.path in guards[given.uid] for given in concurrent_handled), (
        "a handler was given a failure of a step it does not guard"
    )
    if is_successful(sequential):
        assert concurrent_calls == sequential_calls
    else:
        assert not sequential_calls - concurrent_calls, "a concurrent run skipped a call"
        assert not sequential_handled - concurrent_handled, "a concurrent run skipped a handler"
    assert Counter(record.path for record in ledger.records()) == Counter(
        {paths[uid]: count for uid, count in concurrent_calls.items()}
    )


@given(programs(failures="pure"), inputs)
def test_the_default_backend_agrees_with_a_sequential_run(tree: Tree, x: int) -> None:
    program = build(tree)
    assert run(program, x) == run(program, x, backend=SEQUENTIAL)


@given(program_lists(2, failures="pure"), inputs, st.booleans(), st.integers(1, 4))
def test_when_both_branches_fail_the_left_failure_is_reported(
    trees: tuple[Tree, ...], x: int, pair: bool, workers: int
) -> None:
    # Each branch ends in a step that always fails, so both fail whenever they get that
    # far: the failure must be the one a sequential run meets first (the left's).
    start = number(trees[1], number(trees[0])[1])[1]
    left = build(trees[0]) >> int_leaf_step(IntLeaf(Op("fail"), "boom", start))
    right = build(trees[1]) >> int_leaf_step(IntLeaf(Op("fail"), "boom", start + 1))
    add = int_leaf_step(IntLeaf(Op("add", 0), "add", start + 2))
    program = (add & add) >> both(left, right) if pair else (left & right)
    sequential = run(program, x, backend=SEQUENTIAL)
    concurrent = run(program, x, backend=Local(max_workers=workers, ledger=None, progress=False))
    assert concurrent == sequential


@given(programs(), inputs)
def test_a_time_limit_changes_nothing_for_quick_steps(tree: Tree, x: int) -> None:
    # With a limit, each step runs in a helper thread: outputs, failures (cause included)
    # and the order of calls must be those of a plain sequential run.
    program = build(tree)
    RECORDER.reset()
    plain = run(program, x, backend=SEQUENTIAL)
    plain_calls, plain_handled = RECORDER.calls, RECORDER.handled
    RECORDER.reset()
    limited = run(program, x, backend=Local(max_workers=1, timeout=30.0, progress=False))
    assert limited == plain
    assert (RECORDER.calls, RECORDER.handled) == (plain_calls, plain_handled)
    if not is_successful(plain):
        assert type(failure_of(limited).cause) is type(failure_of(plain).cause)
