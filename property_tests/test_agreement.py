"""The backends agree: Prefect gives Local's results, DryRun plans what Local runs.

Programs are generated from the tree language of `property_tests.strategies` (chains,
fanout, `both`, `map_each`, `branch`, `retry`, `on_failure`, `identity`, named
sub-programs and flows over pure `int -> int` steps that may fail, but only as a function
of their input). Prefect runs take a few hundred milliseconds each, so that law gets fewer
examples.
"""

from __future__ import annotations

import dataclasses
from collections import Counter

import pytest
from hypothesis import HealthCheck, given, settings
from returns.pipeline import is_successful

from lolpop import run
from lolpop.backends import DryRun, Local, Prefect
from lolpop.backends.records import MemoryLedger
from lolpop.testing.profiles import scaled
from property_tests.model import model_guards
from property_tests.strategies import (
    RECORDER,
    SEQUENTIAL,
    BranchT,
    CallB,
    Tree,
    build,
    early_failing_flows,
    failing_flows,
    failing_guards,
    flow_programs,
    inputs,
    programs,
)


def _has_choice(tree: object) -> bool:
    """Whether a step may run or not as a value says (a branch, or a flow's `call_if` or
    `call_some`): under a `map_each`, it may first run for a later item than the steps
    planned after it."""
    if isinstance(tree, BranchT) or (
        isinstance(tree, CallB) and (tree.when, tree.some) != (None, False)
    ):
        return True
    if dataclasses.is_dataclass(tree):
        return any(_has_choice(getattr(tree, f.name)) for f in dataclasses.fields(tree))
    if isinstance(tree, tuple):
        return any(_has_choice(part) for part in tree)
    return False


@pytest.mark.usefixtures("prefect_server")
@settings(max_examples=scaled(0.2), suppress_health_check=[HealthCheck.too_slow])
@given(programs(depth=2, failures="pure"), inputs)
def test_prefect_returns_what_local_returns(tree: Tree, x: int) -> None:
    check_prefect_against_local(tree, x)


@pytest.mark.usefixtures("prefect_server")
@settings(max_examples=scaled(0.1), suppress_health_check=[HealthCheck.too_slow])
@given(failing_guards(depth=1), inputs)
def test_prefect_runs_failure_handlers_as_local_does(tree: Tree, x: int) -> None:
    check_prefect_against_local(tree, x)


@pytest.mark.usefixtures("prefect_server")
@settings(max_examples=scaled(0.13), suppress_health_check=[HealthCheck.too_slow])
@given(flow_programs(depth=2, failures="pure"), inputs)
def test_prefect_runs_flows_as_local_does(tree: Tree, x: int) -> None:
    check_prefect_against_local(tree, x)


@pytest.mark.usefixtures("prefect_server")
@settings(max_examples=scaled(0.07), suppress_health_check=[HealthCheck.too_slow])
@given(failing_flows(depth=1), inputs)
def test_prefect_runs_flow_guards_as_local_does(tree: Tree, x: int) -> None:
    check_prefect_against_local(tree, x)


@pytest.mark.usefixtures("prefect_server")
@settings(max_examples=scaled(0.13), suppress_health_check=[HealthCheck.too_slow])
@given(early_failing_flows(depth=2), inputs)
def test_prefect_reports_a_flows_first_failure_as_local_does(tree: Tree, x: int) -> None:
    # Prefect starts the steps after a failing one (they do not wait for it): a retried,
    # handled or guarded part among them must neither hide the first failure nor see it.
    check_prefect_against_local(tree, x)


def check_prefect_against_local(tree: Tree, x: int) -> None:
    program = build(tree)
    RECORDER.reset()
    on_local = run(program, x, backend=SEQUENTIAL)
    local_calls, local_handled = Counter(RECORDER.calls), Counter(RECORDER.handled)
    RECORDER.reset()
    on_prefect = run(program, x, backend=Prefect())
    assert on_prefect == on_local  # the value, or the failure's path, input type and attempts
    if not is_successful(on_local):
        expected, got = on_local.failure().cause, on_prefect.failure().cause
        assert (type(got), str(got)) == (type(expected), str(expected))
    # Prefect may run more (a right branch, every item of a map) when a step fails; never
    # less, and each failure handler a local run calls gets the same input and failure.
    # When nothing fails, it runs exactly what Local runs (a skipped step too is skipped).
    if is_successful(on_local):
        assert Counter(RECORDER.calls) == local_calls
    assert not local_calls - Counter(RECORDER.calls), "a Prefect run skipped a call"
    assert not local_handled - Counter(RECORDER.handled), "a Prefect run skipped a handler"
    # ...and a handler it calls is given only a failure of a step it guards.
    guards = model_guards(tree)
    assert all(given.path in guards[given.uid] for given in RECORDER.handled), (
        "a handler was given a failure of a step it does not guard"
    )


@given(programs(depth=3, failures="never").filter(lambda t: not _has_choice(t)), inputs)
def test_dry_run_plans_exactly_the_steps_local_runs_in_its_order(tree: Tree, x: int) -> None:
    check_plan_against_local(tree, x)


@given(flow_programs(depth=3, failures="never").filter(lambda t: not _has_choice(t)), inputs)
def test_dry_run_plans_exactly_the_steps_local_runs_of_flows(tree: Tree, x: int) -> None:
    check_plan_against_local(tree, x)


def check_plan_against_local(tree: Tree, x: int) -> None:
    program = build(tree)
    plan = run(program, x, backend=DryRun()).unwrap()
    ledger = MemoryLedger()
    run(program, x, backend=Local(max_workers=1, ledger=ledger)).unwrap()
    executed = list(dict.fromkeys(record.path for record in ledger.records()))
    planned = [planned.path for planned in plan.steps]
    # Every executed step is planned, in the plan's order...
    assert executed == [path for path in planned if path in set(executed)]
    # ...and every planned step runs, unless it sits under a map_each that got no items
    # or handles failures (none here).
    for skipped in set(planned) - set(executed):
        skipped_step = next(s for s in plan.steps if s.path == skipped)
        assert skipped_step.repeated or skipped_step.conditional
