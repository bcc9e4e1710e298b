"""DryRun on wide programs: a fanout of many branches is planned without recursing once
per branch, and in the same order as a fanout of three."""

from __future__ import annotations

from lolpop import Step, run, step
from lolpop.backends import DryRun, Plan
from lolpop.core.step import Fanout


@step
def inc(x: int) -> int:
    return x + 1


def _plan(program: Step[int, object]) -> Plan:
    return run(program, 1, backend=DryRun()).unwrap()


def _wide(width: int) -> Step[int, object]:
    """`inc & inc & ...` with `width` branches, nested as `&` nests them (each fanout the
    left part of the next), typed `object` so the hint stays shallow: the walk is what
    is tested here, not the hint's repr."""
    program: Step[int, object] = inc
    for _ in range(width - 1):
        program = Step(Fanout(program, inc), "", int, object)
    return program.named("wide")


def test_a_fanout_of_more_than_a_thousand_branches_is_planned_without_a_recursion_error() -> None:
    # Walking each `&` level by recursion failed at ~1,000 branches (RecursionError).
    width = 1_500
    plan = _plan(_wide(width))
    assert len(plan.steps) == width
    assert plan.steps[-1].path == f"wide/inc#{width}"
    assert all(len(s.concurrent_with) == width - 1 for s in plan.steps)
    assert plan.edges == ()


def test_each_branch_runs_with_the_others_in_order() -> None:
    plan = _plan(_wide(3))
    assert [s.concurrent_with for s in plan.steps] == [
        ("wide/inc#2", "wide/inc#3"),
        ("wide/inc", "wide/inc#3"),
        ("wide/inc", "wide/inc#2"),
    ]


def test_a_named_fanout_inside_a_fanout_stays_one_branch() -> None:
    plan = _plan((inc & inc).named("pair") & inc)
    assert [(s.path, s.concurrent_with) for s in plan.steps] == [
        ("pair/inc", ("pair/inc#2", "inc")),
        ("pair/inc#2", ("pair/inc", "inc")),
        ("inc", ("pair/inc", "pair/inc#2")),
    ]
