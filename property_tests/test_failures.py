"""Failures name exactly the step that failed; retries count their attempts.

A chain of 1 to 40 steps, with unique or repeated names, optionally cut into named
stages (so paths have several segments) and named as a whole, has one step that always
fails. The failure must carry that step's path, as computed here from the naming rules
and as `leaves()` reports it; no later step may have run. The same holds for the chain
written as a flow (`Flow`): each step reading any earlier value (not only the one just
made), each named stage a block, the whole a named flow.
"""

from __future__ import annotations

import contextlib
import itertools
from collections import Counter
from dataclasses import dataclass, replace

import pytest
from hypothesis import given
from hypothesis import strategies as st
from returns.result import Success

from lolpop import Backoff, DefinitionError, Step, StepFailure, retry, run
from lolpop.backends import Local
from lolpop.backends.records import MemoryLedger, StepStatus
from lolpop.core.flow import Flow, Var
from lolpop.core.paths import leaves
from property_tests.strategies import (
    NO_WAIT,
    RECORDER,
    Boom,
    IntLeaf,
    Op,
    failure_of,
    inputs,
    int_leaf_step,
    ops,
)

FAIL = Op("fail")


@dataclass(frozen=True)
class Stage:
    """Steps `start` to `stop - 1` of a chain, named `name` (or left anonymous)."""

    start: int
    stop: int
    name: str | None


@dataclass(frozen=True)
class Chain:
    """A chain of `int -> int` steps, the `failing`-th of which always fails."""

    ops: tuple[Op, ...]
    names: tuple[str, ...]
    failing: int
    stages: tuple[Stage, ...]
    outer: str | None
    #: As a flow: which value each step reads (0: the input; i + 1: step i's output).
    reads: tuple[int, ...] | None = None

    def steps(self) -> list[Step[int, int]]:
        return [
            int_leaf_step(IntLeaf(FAIL if i == self.failing else op, name, i))
            for i, (op, name) in enumerate(zip(self.ops, self.names, strict=True))
        ]

    def program(self) -> Step[int, int]:
        if self.reads is not None:
            return self.flow(self.reads)
        steps = self.steps()
        parts: list[Step[int, int]] = []
        for stage in self.stages:
            part = chain(steps[stage.start : stage.stop])
            parts.append(part if stage.name is None else part.named(stage.name))
        program = chain(parts)
        return program if self.outer is None else program.named(self.outer)

    def flow(self, reads: tuple[int, ...]) -> Step[int, int]:
        """The chain as a flow: a block per named stage, each step on the value it reads."""
        steps = self.steps()
        f = Flow(int, self.outer or "")
        values: list[Var[int]] = [f.input]
        for stage in self.stages:
            with f.block(stage.name) if stage.name is not None else contextlib.nullcontext():
                for i in range(stage.start, stage.stop):
                    values.append(f.call(steps[i], values[reads[i]]))
        return f.build(values[-1])

    def expected_paths(self) -> list[str]:
        """Every step's path, from the naming rules alone."""

        def segment(seen: Counter[str], name: str) -> str:
            seen[name] += 1
            return name if seen[name] == 1 else f"{name}#{seen[name]}"

        def join(prefix: str, rest: str) -> str:
            return f"{prefix}/{rest}" if prefix else rest

        root = "" if self.outer is None else self.outer
        stages = self.stages
        if self.reads is not None:  # a flow renames nothing: a block is a segment
            at_flow: Counter[str] = Counter()
            paths: list[str] = []
            for stage in stages:
                prefix = root if stage.name is None else join(root, segment(at_flow, stage.name))
                seen = at_flow if stage.name is None else Counter()
                paths += [
                    join(prefix, segment(seen, self.names[i]))
                    for i in range(stage.start, stage.stop)
                ]
            return paths
        if self.outer is not None and len(stages) == 1:
            # The program is its one stage: `.named(outer)` renames that stage (or step).
            root, stages = "", (replace(stages[0], name=self.outer),)
        at_root: Counter[str] = Counter()
        paths = []
        for stage in stages:
            indices = range(stage.start, stage.stop)
            if stage.name is None:  # an anonymous stage is spliced into the chain
                paths += [join(root, segment(at_root, self.names[i])) for i in indices]
            elif len(indices) == 1:  # a one-step "chain" is the step: naming renames it
                paths.append(join(root, segment(at_root, stage.name)))
            else:
                prefix = join(root, segment(at_root, stage.name))
                inside: Counter[str] = Counter()
                paths += [join(prefix, segment(inside, self.names[i])) for i in indices]
        return paths


def chain(steps: list[Step[int, int]]) -> Step[int, int]:
    program = steps[0]
    for following in steps[1:]:
        program = program >> following
    return program


@st.composite
def chains(draw: st.DrawFn, *, repeated: bool, staged: bool, as_flow: bool = False) -> Chain:
    length = draw(st.integers(1, 40))
    chain_ops = tuple(draw(st.lists(ops(), min_size=length, max_size=length)))
    if repeated:
        names = tuple(
            draw(st.lists(st.sampled_from(("inc", "step", "x")), min_size=length, max_size=length))
        )
    else:
        names = tuple(f"s{i}" for i in range(length))
    cuts: list[int] = []
    if staged:
        cuts = sorted(draw(st.sets(st.integers(1, length - 1), max_size=6))) if length > 1 else []
    bounds = [0, *cuts, length]
    stage_names = st.sampled_from(("stage", "inc")) if repeated else st.just("")
    stages: list[Stage] = []
    for index, (start, stop) in enumerate(itertools.pairwise(bounds)):
        name: str | None = None
        if staged and draw(st.booleans()):
            name = draw(stage_names) or f"stage{index + 1}"
        stages.append(Stage(start, stop, name))
    outer = draw(st.none() | st.just("pipeline")) if staged else None
    failing = draw(st.integers(0, length - 1))
    # As a flow, each step reads an earlier value: shrinking goes to the one just made.
    reads = tuple(i - draw(st.integers(0, i)) for i in range(length))
    return Chain(chain_ops, names, failing, tuple(stages), outer, reads if as_flow else None)


def check_chain(case: Chain, x: int) -> None:
    program = case.program()
    expected = case.expected_paths()
    assert [visit.path for visit in leaves(program)] == expected

    ledger = MemoryLedger()
    RECORDER.reset()
    result = run(program, x, backend=Local(ledger=ledger, progress=False))
    failure = failure_of(result)
    assert failure.path == expected[case.failing]
    assert failure.input_type == "int"
    assert failure.attempts == 1
    assert isinstance(failure.cause, Boom)
    # Every step up to the failing one ran once, in order; none after it.
    assert RECORDER.calls == list(range(case.failing + 1))
    assert [(r.path, r.status) for r in ledger.records()] == [
        *((path, StepStatus.SUCCEEDED) for path in expected[: case.failing]),
        (failure.path, StepStatus.FAILED),
    ]

    with pytest.raises(StepFailure) as raised:
        program(x)
    assert raised.value.failure == failure


# --- 5. a failure names exactly the failing step ---------------------------------------


@pytest.mark.parametrize("repeated", [False, True], ids=["unique-names", "repeated-names"])
@given(data=st.data(), x=inputs)
def test_failure_names_the_failing_step_of_a_chain(
    repeated: bool, data: st.DataObject, x: int
) -> None:
    check_chain(data.draw(chains(repeated=repeated, staged=False)), x)


@pytest.mark.parametrize("repeated", [False, True], ids=["unique-names", "repeated-names"])
@given(data=st.data(), x=inputs)
def test_failure_names_the_failing_step_of_a_staged_chain(
    repeated: bool, data: st.DataObject, x: int
) -> None:
    check_chain(data.draw(chains(repeated=repeated, staged=True)), x)


@pytest.mark.parametrize("repeated", [False, True], ids=["unique-names", "repeated-names"])
@given(data=st.data(), x=inputs)
def test_failure_names_the_failing_step_of_a_flow_in_blocks(
    repeated: bool, data: st.DataObject, x: int
) -> None:
    check_chain(data.draw(chains(repeated=repeated, staged=True, as_flow=True)), x)


# --- 6. retry -------------------------------------------------------------------------


@given(
    attempts=st.integers(1, 6),
    failures=st.integers(0, 8),
    add=st.integers(-5, 5),
    before=st.integers(0, 3),
    x=inputs,
)
def test_retry_reports_its_attempts_or_recovers(
    attempts: int, failures: int, add: int, before: int, x: int
) -> None:
    # `before` plain steps, then a retried step that fails its first `failures` calls,
    # all in a named stage.
    flaky = int_leaf_step(IntLeaf(Op("flaky", failures, add), "flaky", before))
    plain = [int_leaf_step(IntLeaf(Op("add", 1), f"s{i}", i)) for i in range(before)]
    program = chain([*plain, retry(flaky, attempts=attempts, backoff=NO_WAIT)]).named("stage")
    ledger = MemoryLedger()
    RECORDER.reset()
    result = run(program, x, backend=Local(ledger=ledger, progress=False))
    assert RECORDER.calls[:before] == list(range(before))
    retried_calls = RECORDER.calls[before:]
    # Each call of the retried step is recorded with its attempt number.
    assert [r.attempt for r in ledger.records() if r.path == "stage/flaky"] == list(
        range(1, len(retried_calls) + 1)
    )
    if failures < attempts:
        assert result == Success(x + before + add)
        assert retried_calls == [before] * (failures + 1)
    else:
        failure = failure_of(result)
        assert (failure.path, failure.input_type) == ("stage/flaky", "int")
        assert failure.attempts == attempts
        assert retried_calls == [before] * attempts
        assert isinstance(failure.cause, Boom)
        suffix = "" if attempts == 1 else f" after {attempts} attempts"
        assert failure.message.startswith(f"step 'stage/flaky' failed{suffix} on an input")


@pytest.mark.parametrize("as_flow", [False, True], ids=["chain", "flow"])
@given(attempts=st.integers(1, 5), failing=st.integers(0, 4), length=st.integers(1, 5), x=inputs)
def test_retry_reruns_its_whole_chain(
    as_flow: bool, attempts: int, failing: int, length: int, x: int
) -> None:
    failing %= length
    steps = [
        int_leaf_step(IntLeaf(FAIL if i == failing else Op("add", i), "step", i))
        for i in range(length)
    ]
    if as_flow:  # every step on the input: a retry reruns the flow's steps all the same
        f = Flow(int, "body")
        made = [f.call(each, f.input) for each in steps]
        body = f.build(made[-1])
    else:
        body = chain(steps).named("body")
    program = retry(body, attempts=attempts, backoff=NO_WAIT)
    RECORDER.reset()
    failure = failure_of(run(program, x))
    # A one-step chain is the step itself, so naming it "body" renames the step.
    renamed = length == 1 and not as_flow
    path = "body" if renamed else "body/step" + ("" if failing == 0 else f"#{failing + 1}")
    assert (failure.path, failure.attempts) == (path, attempts)
    assert RECORDER.calls == list(range(failing + 1)) * attempts


@given(attempts=st.integers(1, 6), x=inputs)
def test_retry_does_not_retry_errors_it_is_not_told_to(attempts: int, x: int) -> None:
    boom = int_leaf_step(IntLeaf(FAIL, "boom", 0))
    program = retry(boom, attempts=attempts, backoff=Backoff(initial=0.0), on=(KeyError,))
    RECORDER.reset()
    failure = failure_of(run(program, x))
    assert (failure.path, failure.attempts, RECORDER.calls) == ("boom", 1, [0])


# --- regressions: two bugs these properties found (fixed in 664d828) -------------------


@given(
    st.text(alphabet="ab#2", min_size=1, max_size=4).filter(lambda name: "#" in name),
    st.booleans(),
)
def test_names_with_a_hash_are_refused(name: str, on_a_chain: bool) -> None:
    # Steps named "a", "a", "a#2" in one chain used to get the paths "a", "a#2", "a#2":
    # '#' numbers repeated names, so a name may not contain it.
    def give_the_name() -> Step[int, int]:
        if on_a_chain:
            return chain([int_leaf_step(IntLeaf(Op("add", 1), "a", 0))] * 2).named(name)
        return int_leaf_step(IntLeaf(Op("add", 1), name, 0))

    with pytest.raises(DefinitionError):
        give_the_name()


@given(
    inner=st.integers(1, 4),
    outer=st.integers(1, 4),
    outer_applies=st.booleans(),
    x=inputs,
)
def test_nested_retries_report_every_try(
    inner: int, outer: int, outer_applies: bool, x: int
) -> None:
    # An outer retry used to overwrite the inner retry's count with its own, even when it
    # did not retry that error at all ("failed" after 3 tries).
    boom = int_leaf_step(IntLeaf(FAIL, "boom", 0))
    retried = retry(boom, attempts=inner, backoff=NO_WAIT, on=(Boom,))
    on: tuple[type[Exception], ...] = (Boom,) if outer_applies else (KeyError,)
    program = retry(retried, attempts=outer, backoff=NO_WAIT, on=on)
    RECORDER.reset()
    failure = failure_of(run(program, x))
    tries = inner * outer if outer_applies else inner
    assert RECORDER.calls == [0] * tries
    assert failure.attempts == tries
