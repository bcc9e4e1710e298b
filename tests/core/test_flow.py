"""`Flow`: typed dataflow as one node, glue run inline, the same on every backend."""

from __future__ import annotations

import pytest
from returns.result import Failure, Success

from lolpop import RunFailure, WiringError, run, step
from lolpop.backends import DryRun, Local
from lolpop.backends.records import MemoryLedger
from lolpop.core.flow import Flow
from lolpop.core.paths import leaves
from lolpop.core.step import Step
from lolpop.errors import DefinitionError

calls: list[str] = []


@step
def inc(x: int) -> int:
    calls.append("inc")
    return x + 1


@step
def add(pair: tuple[int, int]) -> int:
    calls.append("add")
    return pair[0] + pair[1]


@step
def show(x: int) -> str:
    return f"<{x}>"


@step
def boom(x: int) -> int:
    raise ValueError(f"no {x}")


handled: list[tuple[int, str]] = []


@step
def cleanup(pair: tuple[int, RunFailure]) -> None:
    handled.append((pair[0], pair[1].path))


def _program() -> Step[int, tuple[int, int | None]]:
    f = Flow(int, "main")
    a = f.call(inc, f.input)
    with f.block("twice"):
        b = f.call(inc, a)
        c = f.call(add, a, b)
    big = f.apply(lambda x: x > 3, c)
    d = f.call_if(big, inc, c)
    return f.build(f.apply(lambda x, y: (x, y), c, d))


def test_values_flow_by_name_and_conditions_skip_steps() -> None:
    program = _program()
    calls.clear()
    assert run(program, 1) == Success((5, 6))
    assert calls == ["inc", "inc", "add", "inc"]
    calls.clear()
    assert run(program, 0) == Success((3, None))
    assert calls == ["inc", "inc", "add"]


def test_paths_count_only_steps_and_blocks_add_a_segment() -> None:
    assert [v.path for v in leaves(_program())] == [
        "main/inc",
        "main/twice/inc",
        "main/twice/add",
        "main/inc#2",
    ]


def test_ledger_and_plan_list_the_steps_only_numbered_one_to_n() -> None:
    ledger = MemoryLedger()
    assert run(_program(), 1, backend=Local(ledger=ledger)) == Success((5, 6))
    assert [r.path for r in ledger.records()] == [
        "main/inc",
        "main/twice/inc",
        "main/twice/add",
        "main/inc#2",
    ]
    plan = run(_program(), 1, backend=DryRun()).unwrap()
    assert [s.path for s in plan.steps] == [r.path for r in ledger.records()]
    assert [s.conditional for s in plan.steps] == [False, False, False, True]
    assert not any(s.internal for s in plan.steps)
    text = plan.to_text()
    assert "\n4  main/inc#2" in text
    # Data flows from the steps that made each value: add reads both incs.
    sources = {e.source for e in plan.edges if e.target == "main/twice/add"}
    assert sources == {"main/inc", "main/twice/inc"}


def test_call_some_runs_only_when_no_argument_is_none() -> None:
    @step
    def maybe(x: int) -> int | None:
        return x if x > 0 else None

    f = Flow(int)
    kept = f.call_some(inc, f.call(maybe, f.input))
    program = f.build(kept)
    assert run(program, 2) == Success(3)
    assert run(program, -2) == Success(None)


def test_a_failing_step_is_reported_with_its_path_and_the_guard_runs_first() -> None:
    f = Flow(int, "g")
    a = f.call(inc, f.input)
    with f.guard(cleanup, f.input):
        b = f.call(boom, a)
    program = f.build(f.call(inc, b))
    handled.clear()
    result = run(program, 1)
    assert isinstance(result, Failure)
    failure = result.failure()
    assert failure.path == "g/boom"
    assert failure.input_type == "int"
    assert str(failure.cause) == "no 2"
    assert handled == [(1, "g/boom")]


def test_failing_glue_names_its_place() -> None:
    f = Flow(int, "g")
    bad = f.apply(lambda x: 1 // (x - x), f.input)
    result = run(f.build(bad), 3)
    assert isinstance(result, Failure)
    assert result.failure().path == "g/<<lambda>>"
    assert isinstance(result.failure().cause, ZeroDivisionError)


def test_a_value_of_the_wrong_type_is_refused_when_the_flow_is_built() -> None:
    f = Flow(int, "g")
    text = f.call(show, f.input)
    with pytest.raises(WiringError, match=r"cannot give show to 'inc' in a flow: show is str"):
        f.call(inc, text)  # type: ignore[misc]  # the mistake under test
    with pytest.raises(WiringError, match=r"tuple\[str, int\]"):
        f.call(add, text, f.input)  # type: ignore[misc]  # the mistake under test


def test_values_of_another_flow_are_refused() -> None:
    first, second = Flow(int), Flow(int)
    with pytest.raises(DefinitionError, match="belongs to another flow"):
        second.call(inc, first.input)


def test_a_flow_is_a_step_like_any_other() -> None:
    f = Flow(int, "inner")
    inner = f.build(f.call(inc, f.input))
    program = inc >> inner >> show
    assert program(1) == "<3>"
    assert [v.path for v in leaves(program)] == ["inc", "inner/inc", "show"]
    assert inner.label == "inner"
    assert repr(inner) == "<Step inner: int -> int>"


def test_every_node_has_a_label_of_its_own() -> None:
    from lolpop import on_failure  # noqa: PLC0415

    assert on_failure(inc, cleanup).label == "on_failure(inc, cleanup)"
    f = Flow(int)
    assert f.build(f.call(inc, f.input)).label == "flow"
