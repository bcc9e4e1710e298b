"""DryRun: a full plan, and nothing executed."""

from __future__ import annotations

import json

from lolpop import Step, both, branch, fanout, make_step, map_each, retry, run, step
from lolpop.backends import DryRun, Local, Plan
from lolpop.backends.records import MemoryLedger
from lolpop.core.flow import Flow
from lolpop.core.paths import leaves
from tests.steps import to_text

CALLS: list[str] = []


def _refusing(name: str, effect: bool = False) -> Step[int, int]:
    def never(x: int) -> int:
        CALLS.append(name)
        raise AssertionError(f"{name} was called by a dry run")

    return make_step(never, name=name, effect=effect, description=f"would {name}")


@step
def is_even(x: int) -> bool:
    CALLS.append("is_even")
    raise AssertionError("predicate called")


@step
def inc(x: int) -> int:
    return x + 1


def _plan(program: Step[int, object], value: int = 1) -> Plan:
    return run(program, value, backend=DryRun()).unwrap()


def test_a_dry_run_executes_nothing_and_plans_everything() -> None:
    CALLS.clear()
    load, save = _refusing("load"), _refusing("save", effect=True)
    train = (retry(_refusing("fit"), attempts=3) & _refusing("baseline")).named("train")
    program = (load >> branch(is_even, _refusing("a"), _refusing("b")) >> save).named("flow")
    plan = _plan(program)
    assert CALLS == []
    assert [s.path for s in plan.steps] == [
        "flow/load",
        "flow/is_even",
        "flow/a",
        "flow/b",
        "flow/save",
    ]
    assert [s.path for s in plan.effects] == ["flow/save"]
    assert plan.effects[0].description == "would save"
    assert [s.conditional for s in plan.steps] == [False, False, True, True, False]
    train_plan = _plan(train)
    assert CALLS == []
    fit, baseline = train_plan.steps
    assert (fit.path, fit.attempts, fit.concurrent_with) == ("train/fit", 3, ("train/baseline",))
    assert baseline.concurrent_with == ("train/fit",)


def test_plan_types_and_flags() -> None:
    @step
    def total(xs: list[int]) -> int:
        return sum(xs)

    result = run((map_each(inc) >> total).named("p"), [1, 2], backend=DryRun())
    plan = result.unwrap()
    first, second = plan.steps
    assert (first.path, first.input_type, first.output_type, first.repeated) == (
        "p/inc",
        "int",
        "int",
        True,
    )
    assert (second.repeated, plan.input_type, plan.output_type) == (False, "Sequence[int]", "int")


def test_plan_order_matches_a_local_run_for_branch_free_programs() -> None:
    program = (inc >> (inc & inc).named("pair") >> both(inc, inc)).named("run")
    ledger = MemoryLedger()
    run(program, 0, backend=Local(max_workers=1, ledger=ledger))
    executed = [r.path for r in ledger.records()]
    assert [s.path for s in _plan(program).steps] == executed
    assert executed == [v.path for v in leaves(program)]


def test_a_wrong_input_is_refused_before_planning() -> None:
    failure = run(inc >> inc, "one", backend=DryRun()).failure()  # type: ignore[misc]  # the mistake under test
    assert failure.input_type == "str"
    assert "the program takes int, not str" in failure.message


def test_expected_durations_come_from_earlier_runs() -> None:
    ledger = MemoryLedger()
    program = inc >> inc
    for _ in range(3):
        run(program, 1, backend=Local(ledger=ledger))
    plan = run(program, 1, backend=DryRun(ledger=ledger)).unwrap()
    assert all(s.expected_seconds is not None and s.expected_seconds >= 0 for s in plan.steps)
    assert plan.expected_seconds is not None
    assert _plan(program).expected_seconds is None


def test_renderings() -> None:
    save = _refusing("save", effect=True)
    program = (inc >> branch(is_even, inc, inc) >> save).named("f")
    plan = _plan(program)
    data = json.loads(plan.to_json())
    assert [s["path"] for s in data["steps"]] == [s.path for s in plan.steps]
    assert {"source": "f/inc", "target": "f/is_even", "label": ""} in data["edges"]
    mermaid = plan.to_mermaid()
    assert mermaid.startswith("flowchart TD\n")
    assert "s1 -- true --> s2" in mermaid
    assert "s1 -- false --> s3" in mermaid
    assert 's4[/"f/save<br/>int → int"/]' in mermaid
    assert "s2 --> s4" in mermaid
    assert "s3 --> s4" in mermaid
    text = plan.to_text()
    assert "5  f/save     int -> int       effect " in text
    assert text.splitlines()[-1] == "5 steps, 1 effects: f/save (would save)"


def test_fanout_edges_fan_out_and_in() -> None:
    @step
    def join(pair: tuple[int, int]) -> int:
        return pair[0] + pair[1]

    plan = _plan(inc >> fanout(inc, inc) >> join)
    edges = {(e.source, e.target) for e in plan.edges}
    assert edges == {("inc", "inc#2"), ("inc", "inc#3"), ("inc#2", "join"), ("inc#3", "join")}


def test_the_text_plan_hides_glue_steps_unless_asked() -> None:
    import typing  # noqa: PLC0415

    from lolpop.core.step import Leaf, StepMeta  # noqa: PLC0415

    glue: Step[int, int] = Step(
        Leaf(lambda x: x), "to_text:in", typing.Any, typing.Any, StepMeta(internal=True)
    )
    program = (glue >> to_text).named("show")
    plan = run(program, 3, backend=DryRun()).unwrap()
    assert [s.path for s in plan.steps if not s.internal] == ["show/to_text"]
    short, full = plan.to_text(), plan.to_text(internal=True)
    assert "to_text:in" not in short
    assert "(1 glue step not shown)" in short
    assert "to_text:in" in full


def test_a_flows_plan_lists_its_steps_only_with_the_edges_of_its_data() -> None:
    from lolpop import RunFailure, identity  # noqa: PLC0415

    @step
    def add(pair: tuple[int, int]) -> int:
        return pair[0] + pair[1]

    @step
    def note(given: tuple[int, RunFailure]) -> None:
        CALLS.append("note")

    CALLS.clear()
    f = Flow(int, "flow")
    a = f.call(inc, f.input)
    same = f.call(identity(int), a)  # no step: passes `inc` on
    loaded = f.call(_refusing("load"), f.input)
    shifted = f.apply(lambda x, y: x + y, loaded, f.const(10))  # glue: passes `load` on
    with f.block("train"):
        total = f.call(add, same, shifted)
    big = f.apply(lambda x: x > 3, total)
    f.call_if(big, _refusing("save", effect=True), total)
    with f.guard(note, f.input):
        out = f.call(inc, total)
    plan = _plan(f.build(out))
    assert CALLS == []
    paths = ["flow/inc", "flow/load", "flow/train/add", "flow/save", "flow/inc#2", "flow/note"]
    assert [s.path for s in plan.steps] == paths
    assert [s.conditional for s in plan.steps] == [False, False, False, True, False, True]
    rows = plan.to_text().splitlines()[3:-1]
    assert [row.split()[:2] for row in rows] == [[str(n), p] for n, p in enumerate(paths, 1)]
    assert plan.to_text().splitlines()[-1] == "6 steps, 1 effects: flow/save (would save)"
    assert [(e.source, e.target, e.label) for e in plan.edges] == [
        ("flow/inc", "flow/train/add", ""),
        ("flow/load", "flow/train/add", ""),
        ("flow/train/add", "flow/save", "when"),
        ("flow/train/add", "flow/inc#2", ""),
        ("flow/inc#2", "flow/note", "on failure"),
    ]
