"""Every combinator: what it computes, how it is built, and how it fails."""

from __future__ import annotations

import time
from collections.abc import Sequence

import pytest
from returns.pipeline import is_successful

from lolpop import (
    Backoff,
    DefinitionError,
    Step,
    both,
    branch,
    fanout,
    identity,
    make_step,
    map_each,
    retry,
    run,
    step,
    then,
)
from lolpop.core.step import Fanout, Retry, Seq
from tests.steps import boom, double, inc, is_even, to_text


def test_then_runs_in_order_and_keeps_chains_flat() -> None:
    program = inc >> double >> to_text
    assert program(1) == "4"
    assert then(inc, double)(1) == 4
    assert isinstance(program.node, Seq)
    assert [child.name for child in program.node.steps] == ["inc", "double", "to_text"]
    assert (program.in_type, program.out_type) == (int, str)
    right_nested = inc >> (double >> to_text)
    assert right_nested == program


def test_named_chain_stays_one_child() -> None:
    inner = (inc >> double).named("prepare")
    program = inner >> to_text
    assert isinstance(program.node, Seq)
    assert [child.label for child in program.node.steps] == ["prepare", "to_text"]


def test_identity_is_dropped_from_chains() -> None:
    assert identity(int) >> inc == inc
    assert inc >> identity(int) == inc
    assert identity(int)(5) == 5


def test_fanout_gives_the_pair_of_outputs() -> None:
    program = inc & to_text
    assert program(4) == (5, "4")
    assert fanout(inc, double)(4) == (5, 8)
    assert isinstance(program.node, Fanout)
    assert program.out_type == tuple[int, str]


def test_fanout_nests_to_the_left() -> None:
    assert (inc & double & to_text)(1) == ((2, 2), "1")


def test_both_applies_each_step_to_its_half() -> None:
    program = both(inc, to_text)
    assert program((1, 2)) == (2, "2")
    assert program.in_type == tuple[int, int]
    assert program.out_type == tuple[int, str]


def test_both_given_something_else_than_a_pair_fails_as_a_value() -> None:
    result = run(both(inc, inc), (1, 2, 3))  # type: ignore[misc]  # the mistake under test
    failure = result.failure()
    assert (failure.path, failure.input_type) == ("<both>", "tuple")
    assert "both(...) takes a pair, got tuple" in failure.message


def test_map_each_maps_and_keeps_order() -> None:
    assert map_each(inc)([3, 1, 2]) == [4, 2, 3]
    assert map_each(inc)([]) == []
    assert map_each(inc)((1, 2)) == [2, 3]


def test_map_each_names_the_failing_item_step() -> None:
    @step
    def only_small(x: int) -> int:
        if x > 2:
            raise ValueError("too big")
        return x

    failure = run(map_each(only_small).named("each"), [1, 2, 3, 4]).failure()
    assert failure.path == "each/only_small"
    assert "too big" in failure.message


def test_branch_chooses_an_arm() -> None:
    program = branch(is_even, double, inc)
    assert [program(x) for x in (1, 2, 3, 4)] == [2, 4, 4, 8]


def test_branch_with_a_composed_arm() -> None:
    program = branch(is_even, double >> inc, inc >> inc)
    assert [program(x) for x in (2, 3)] == [5, 5]


def test_retry_counts_attempts_and_waits_per_backoff(monkeypatch: pytest.MonkeyPatch) -> None:
    waits: list[float] = []
    monkeypatch.setattr(time, "sleep", waits.append)
    result = run(retry(boom, attempts=4, backoff=Backoff(initial=0.5, factor=2, maximum=1.5)), 1)
    failure = result.failure()
    assert (failure.path, failure.attempts) == ("boom", 4)
    assert waits == [0.5, 1.0, 1.5]
    assert failure.message.startswith("step 'boom' failed after 4 attempts on an input of type int")


def test_retry_succeeds_after_transient_failures() -> None:
    calls: list[int] = []

    def flaky(x: int) -> int:
        calls.append(x)
        if len(calls) < 3:
            raise ConnectionError("not yet")
        return x * 10

    program = retry(make_step(flaky), attempts=3, backoff=Backoff(initial=0.0))
    assert run(program, 2).unwrap() == 20
    assert calls == [2, 2, 2]


def test_retry_does_not_retry_other_exceptions() -> None:
    calls: list[int] = []

    def fails(x: int) -> int:
        calls.append(x)
        raise KeyError("missing")

    program = retry(
        make_step(fails), attempts=5, backoff=Backoff(initial=0.0), on=(ConnectionError,)
    )
    failure = run(program, 1).failure()
    assert (len(calls), failure.attempts) == (1, 1)
    assert isinstance(program.node, Retry)


def test_retry_reruns_a_whole_composition() -> None:
    seen: list[int] = []

    def record(x: int) -> int:
        seen.append(x)
        return x

    failure = run(
        retry(make_step(record) >> boom, attempts=2, backoff=Backoff(initial=0.0)), 7
    ).failure()
    assert seen == [7, 7]
    assert (failure.path, failure.attempts) == ("boom", 2)


@pytest.mark.parametrize(("attempts", "on"), [(0, (Exception,)), (2, ()), (2, (int,))])
def test_retry_settings_are_checked(attempts: int, on: tuple[type[Exception], ...]) -> None:
    with pytest.raises(DefinitionError):
        retry(inc, attempts=attempts, on=on)


def test_named_and_meta_preserve_behaviour() -> None:
    program = (inc >> double).named("prep").described("Prepare.").as_effect()
    assert (program.name, program.meta.description, program.meta.effect) == (
        "prep",
        "Prepare.",
        True,
    )
    assert program(1) == 4


def test_labels_and_repr() -> None:
    assert repr(inc >> to_text) == "<Step (inc >> to_text): int -> str>"
    assert repr(inc >> inc >> to_text) == "<Step (inc >> … >> to_text): int -> str>"
    assert (inc & to_text).label == "(inc & to_text)"
    assert both(inc, inc).label == "both(inc, inc)"
    assert map_each(inc).label == "map_each(inc)"
    assert branch(is_even, inc, inc).label == "branch(is_even, …)"
    assert retry(inc).label == "retry(inc)"


def test_steps_are_immutable_values() -> None:
    assert inc >> double == inc >> double
    assert hash(inc >> double) == hash(inc >> double)
    with pytest.raises(AttributeError):
        inc.name = "other"  # type: ignore[misc]  # the mistake under test


def test_ten_thousand_steps_build_check_and_run_without_recursion() -> None:
    program: Step[int, int] = inc
    for _ in range(9_999):
        program = program >> inc
    assert isinstance(program.node, Seq)
    assert len(program.node.steps) == 10_000
    assert run(program, 0).unwrap() == 10_000
    assert hash(program) == hash(program)
    assert program == program
    repr(program)


def test_ten_thousand_steps_built_right_to_left() -> None:
    program: Step[int, int] = inc
    for _ in range(9_999):
        program = inc >> program
    assert run(program, 0).unwrap() == 10_000


def test_a_failure_in_a_long_chain_names_its_position() -> None:
    program: Step[int, int] = inc
    for _ in range(4_999):
        program = program >> inc
    program = program >> boom >> inc
    result = run(program, 0)
    assert not is_successful(result)
    assert result.failure().path == "boom"
    assert "boom on 5000" in result.failure().message


def test_sequence_of_steps_over_a_list() -> None:
    @step
    def total(xs: Sequence[int]) -> int:
        return sum(xs)

    assert (map_each(inc) >> total)([1, 2, 3]) == 9
