"""Random programs run as the model interpreter says (`property_tests.model`).

For a generated tree of every combinator (flows included), lolpop and the model must agree on every
leaf's path, on the output or the failure (path, input type, attempts, cause), on
which leaves were called in what order, on what each failure handler was given, and on
each call's run record (path, status, attempt). Calling the program directly must agree with `run`, and a dry run's plan
must list the same paths, with the attempts, repetition and conditions the model
gives them.

The runs here are sequential (`Local(max_workers=1)`): that is the reference semantics;
`test_backends` checks that concurrent runs agree with it.
"""

from __future__ import annotations

from dataclasses import replace

from hypothesis import event, given, settings
from hypothesis import strategies as st
from returns.result import Failure, Result, Success

from lolpop import RunFailure, StepFailure, run
from lolpop.backends import DryRun, Local
from lolpop.backends.records import MemoryLedger, StepStatus
from lolpop.core.paths import leaves
from property_tests.model import (
    LeafInfo,
    ModelCall,
    ModelHalt,
    evaluate,
    model_flow_edges,
    model_guards,
    model_plan,
)
from property_tests.strategies import (
    RECORDER,
    Binding,
    BlockB,
    Boom,
    CallB,
    FlowT,
    GuardB,
    Handled,
    IdT,
    IntLeaf,
    Tree,
    build,
    early_failing_flows,
    failing_flows,
    failing_guards,
    failure_of,
    flow_programs,
    flows,
    inputs,
    names,
    number,
    programs,
)


def model_outcome(tree: Tree, x: int) -> tuple[int | ModelHalt, list[ModelCall]]:
    """The model's output (or failure) for `x`, and the leaf calls it predicts."""
    calls: list[ModelCall] = []
    try:
        return evaluate(tree, x, calls), calls
    except ModelHalt as halt:
        return halt, calls


def expected_handled(calls: list[ModelCall], plan: dict[int, LeafInfo]) -> list[Handled]:
    """What the model says each failure handler call is given, as `RECORDER` notes it."""
    return [
        Handled(call.uid, given.value, plan[given.uid].path, "int", given.attempts)
        for call in calls
        if (given := call.handled) is not None
    ]


def check_against_model(tree: Tree, x: int) -> None:
    program = build(tree)
    plan = model_plan(tree)
    paths = [plan[uid].path for uid in range(len(plan))]
    assert [visit.path for visit in leaves(program)] == paths
    assert len(set(paths)) == len(paths), "a path names more than one leaf"

    # A sequential run that records every call in a ledger.
    ledger = MemoryLedger()
    RECORDER.reset()
    result = run(program, x, backend=Local(max_workers=1, ledger=ledger, progress=False))
    calls, handled = RECORDER.calls, RECORDER.handled

    expected, expected_calls = model_outcome(tree, x)
    if isinstance(expected, ModelHalt):
        event("the run fails")
        failure = failure_of(result)
        assert (failure.path, failure.input_type) == (plan[expected.uid].path, "int")
        assert failure.attempts == expected.attempts
        assert isinstance(failure.cause, Boom)
        event(f"failure attempts: {failure.attempts}")
    else:
        event("the run succeeds")
        assert result == Success(expected)
    assert calls == [call.uid for call in expected_calls]
    assert handled == expected_handled(expected_calls, plan)
    guards = model_guards(tree)
    assert all(given.path in guards[given.uid] for given in handled)
    if handled:
        event("a failure handler runs")
    assert [(r.path, r.status, r.attempt) for r in ledger.records()] == [
        (
            plan[call.uid].path,
            StepStatus.FAILED if call.failed else StepStatus.SUCCEEDED,
            call.attempt,
        )
        for call in expected_calls
    ]
    assert len({record.run_id for record in ledger.records()}) <= 1

    # Calling the program directly (uninstrumented) makes the same calls, same result.
    RECORDER.reset()
    direct: Result[int, RunFailure]
    try:
        direct = Success(program(x))
    except StepFailure as error:
        direct = Failure(error.failure)
    assert direct == result
    assert RECORDER.calls == calls
    assert RECORDER.handled == handled


def check_plan(tree: Tree, x: int) -> None:
    """A dry run lists every leaf, as the model plans it, and runs none."""
    program = build(tree)
    plan = model_plan(tree)
    RECORDER.reset()
    planned = run(program, x, backend=DryRun()).unwrap()
    assert RECORDER.calls == []
    assert [(s.path, s.attempts, s.repeated, s.conditional) for s in planned.steps] == [
        (info.path, info.attempts, info.repeated, info.conditional)
        for info in (plan[uid] for uid in range(len(plan)))
    ]
    assert [s.path for s in planned.steps] == [visit.path for visit in leaves(program)]


@given(programs(), inputs)
def test_programs_run_as_the_model_says(tree: Tree, x: int) -> None:
    check_against_model(tree, x)


@given(programs(failures="never"), inputs)
def test_total_programs_succeed_with_the_model_output(tree: Tree, x: int) -> None:
    check_against_model(tree, x)


@given(programs(4), inputs)
def test_deeper_programs_run_as_the_model_says(tree: Tree, x: int) -> None:
    check_against_model(tree, x)


@given(programs(4), inputs)
def test_dry_run_plans_what_the_model_says(tree: Tree, x: int) -> None:
    check_plan(tree, x)


@given(failing_guards(failures="any"), inputs)
def test_failure_handlers_run_as_the_model_says(tree: Tree, x: int) -> None:
    check_against_model(tree, x)


@given(failing_guards(), inputs)
def test_dry_run_plans_failure_handlers_as_the_model_says(tree: Tree, x: int) -> None:
    check_plan(tree, x)


@given(flow_programs(), inputs)
def test_flows_run_as_the_model_says(tree: Tree, x: int) -> None:
    check_against_model(tree, x)


@given(failing_flows(failures="any"), inputs)
def test_flow_guards_run_as_the_model_says(tree: Tree, x: int) -> None:
    check_against_model(tree, x)


@given(flow_programs(3), inputs)
def test_dry_run_plans_flows_as_the_model_says(tree: Tree, x: int) -> None:
    check_plan(tree, x)


@given(failing_flows(), inputs)
def test_dry_run_plans_flow_guards_as_the_model_says(tree: Tree, x: int) -> None:
    check_plan(tree, x)


@given(early_failing_flows(failures="any"), inputs)
def test_a_flow_stops_at_its_first_failure_as_the_model_says(tree: Tree, x: int) -> None:
    check_against_model(tree, x)


@st.composite
def leaf_flows(draw: st.DrawFn) -> Tree:
    """Numbered flows whose steps are leaves, some `call`s of a step's value made
    identities (which pass the value on, as glue does, with no step)."""
    made_by_steps: set[int] = set()

    def units(items: tuple[Binding, ...]) -> tuple[Binding, ...]:
        out: list[Binding] = []
        for item in items:
            if isinstance(item, CallB):
                made_by_steps.add(item.target)
            match item:
                case CallB(args=(read,), body=IntLeaf(), when=None) if (
                    read in made_by_steps and draw(st.booleans())
                ):
                    made_by_steps.discard(item.target)
                    out.append(replace(item, body=IdT(draw(st.none() | names))))
                case BlockB(name, body):
                    out.append(BlockB(name, units(body)))
                case GuardB(handler, subject, body):
                    out.append(GuardB(handler, subject, units(body)))
                case _:
                    out.append(item)
        return tuple(out)

    flow = draw(flows(1, failures="never", chained=True))
    return number(replace(flow, body=units(flow.body)))[0]


@settings(max_examples=max(200, settings().max_examples))  # cheap: plans only
@given(leaf_flows(), inputs)
def test_dry_run_draws_a_flows_data_edges_as_the_model_says(tree: Tree, x: int) -> None:
    assert isinstance(tree, FlowT)
    check_plan(tree, x)
    planned = run(build(tree), x, backend=DryRun()).unwrap()
    assert [(e.source, e.target, e.label) for e in planned.edges] == model_flow_edges(tree)
