"""The Prefect backend agrees with Local: same values, same failures, named tasks."""

from __future__ import annotations

import functools
import operator
import threading
import time

import pytest
from returns.result import Success

from lolpop import (
    Backoff,
    RunFailure,
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
)
from lolpop.backends import Local, Prefect
from lolpop.core.flow import Flow
from lolpop.errors import UnsupportedNodeError
from tests.prefect_runs import latest_task_run_names
from tests.steps import boom, double, inc, is_even, upper

pytestmark = pytest.mark.usefixtures("prefect_server")


@step
def first(pair: tuple[int, int]) -> int:
    return pair[0]


@step
def total(xs: list[int]) -> int:
    return sum(xs)


@step
def listed(pair: tuple[int, int]) -> list[int]:
    return list(pair)


PROGRAMS: dict[str, Step[int, object]] = {
    "chain": inc >> double >> inc,
    "fanout": (inc & double).named("pair") >> both(inc, double),
    "branch": inc >> branch(is_even, double, inc >> inc) >> identity(int),
    "map_each": (inc & double) >> listed >> map_each(inc) >> total,
    "retry": retry(inc >> double, attempts=2).named("again"),
    "both_pair": (inc & inc) >> both(double, inc) >> first,
}


@pytest.mark.parametrize("name", sorted(PROGRAMS))
def test_prefect_gives_the_same_values_as_local(name: str) -> None:
    program = PROGRAMS[name]
    for value in (0, 3):
        assert run(program, value, backend=Prefect()) == run(program, value, backend=Local())


def test_failures_name_the_same_step_on_both_backends() -> None:
    program = (inc >> (double >> boom).named("train") >> inc).named("flow")
    on_prefect = run(program, 1, backend=Prefect()).failure()
    on_local = run(program, 1, backend=Local()).failure()
    assert on_prefect == on_local
    assert (on_prefect.path, on_prefect.input_type, on_prefect.attempts) == (
        "flow/train/boom",
        "int",
        1,
    )
    assert isinstance(on_prefect.cause, ValueError)
    assert str(on_prefect.cause) == "boom on 4"


def test_map_each_refuses_text_as_local_does() -> None:
    on_prefect = run(map_each(upper), "abc", backend=Prefect()).failure()
    assert on_prefect == run(map_each(upper), "abc", backend=Local()).failure()
    assert on_prefect.path == "<map_each>"
    assert "each character" in on_prefect.message


def test_retried_step_counts_attempts_like_local() -> None:
    program = inc >> retry(boom, attempts=3, backoff=Backoff(initial=0.0)) >> inc
    on_prefect = run(program, 1, backend=Prefect()).failure()
    assert on_prefect == run(program, 1, backend=Local()).failure()
    assert on_prefect.attempts == 3


def test_retried_composition_counts_attempts_like_local() -> None:
    program = retry(inc >> boom, attempts=2, backoff=Backoff(initial=0.0))
    on_prefect = run(program, 1, backend=Prefect()).failure()
    assert on_prefect == run(program, 1, backend=Local()).failure()
    assert on_prefect.attempts == 2


def test_a_transient_failure_is_retried_by_prefect() -> None:
    calls: list[int] = []

    def flaky(x: int) -> int:
        calls.append(x)
        if len(calls) < 2:
            raise ConnectionError("not yet")
        return x

    program = retry(make_step(flaky), attempts=3, backoff=Backoff(initial=0.0))
    assert run(program, 5, backend=Prefect()).unwrap() == 5
    assert calls == [5, 5]


def test_the_first_failure_in_program_order_is_reported() -> None:
    program = fanout(inc >> boom.named("left"), boom.named("right"))
    assert run(program, 1, backend=Prefect()).failure().path == "left"


def test_flow_and_tasks_are_named_after_the_program_and_paths() -> None:
    program = (inc >> (double & inc).named("both_ways")).named("named_program")
    assert run(program, 1, backend=Prefect()).unwrap() == (4, 3)
    assert sorted(latest_task_run_names("named_program", 3)) == [
        "named_program/both_ways/double",
        "named_program/both_ways/inc",
        "named_program/inc",
    ]


def test_fanout_branches_are_submitted_concurrently() -> None:
    spans: list[tuple[float, float]] = []

    def sleep(x: int) -> int:
        started = time.perf_counter()
        time.sleep(0.6)
        spans.append((started, time.perf_counter()))
        return x

    slow = make_step(sleep)
    assert run(slow & slow, 1, backend=Prefect()).unwrap() == (1, 1)
    # The two tasks ran at the same time: each started before the other ended. (Timing
    # the whole run also timed Prefect's start of the flow, seconds on a loaded machine.)
    (first_start, first_end), (second_start, second_end) = spans
    assert max(first_start, second_start) < min(first_end, second_end)


def test_unknown_nodes_are_refused_before_running() -> None:
    class Teleport:
        pass

    odd: Step[int, int] = Step(Teleport(), "teleport", int, int)  # type: ignore[arg-type]  # not a Node
    with pytest.raises(UnsupportedNodeError, match="the prefect backend cannot run a Teleport"):
        run(inc >> odd, 1, backend=Prefect())


def test_failures_print_no_traceback(capfd: pytest.CaptureFixture[str]) -> None:
    run(inc >> boom, 1, backend=Prefect())
    captured = capfd.readouterr()
    assert "Traceback" not in captured.out + captured.err


# --- flows ----------------------------------------------------------------------------


@step
def add(pair: tuple[int, int]) -> int:
    return pair[0] + pair[1]


def _independent_steps() -> Step[int, tuple[int, int | None, int | None]]:
    f = Flow(int, "values")
    a = f.call(inc, f.input)
    b = f.call(double, f.input)  # reads only the input: independent of `a`
    with f.block("sum"):
        c = f.call(add, a, b)
    odd = f.apply(lambda x: x % 2 == 1, c)  # a condition made by glue...
    d = f.call_if(odd, inc, c)
    big = f.decide("is_big", lambda x: x > 3, c)  # ...and one made by a step (a task)
    e = f.call_if(big, double, c)
    return f.build(f.apply(lambda x, y, z: (x, y, z), c, d, e))


@pytest.mark.parametrize("value", [0, 1])
def test_a_flow_gives_the_same_values_as_local(value: int) -> None:
    program = _independent_steps()
    on_prefect = run(program, value, backend=Prefect())
    assert on_prefect == run(program, value, backend=Local())
    assert on_prefect == Success((1, 2, None) if value == 0 else (4, None, 8))


def test_a_flow_fails_as_local_does() -> None:
    f = Flow(int, "failing")
    a = f.call(inc, f.input)
    b = f.call(boom, f.input)  # independent of `a`, read with it by `add`
    program = f.build(f.call(add, a, b))
    on_prefect = run(program, 1, backend=Prefect()).failure()
    assert on_prefect == run(program, 1, backend=Local()).failure()
    assert (on_prefect.path, on_prefect.input_type, on_prefect.attempts) == (
        "failing/boom",
        "int",
        1,
    )
    assert (type(on_prefect.cause), str(on_prefect.cause)) == (ValueError, "boom on 1")


HANDLED: list[tuple[int, str]] = []


@step
def note_failure(given: tuple[int, RunFailure]) -> None:
    HANDLED.append((given[0], given[1].path))


def test_a_guards_handler_runs_on_prefect_as_on_local() -> None:
    f = Flow(int, "guarded")
    a = f.call(inc, f.input)
    with f.guard(note_failure, a), f.block("risky"):
        b = f.call(boom, a)
    program = f.build(f.call(inc, b))
    HANDLED.clear()
    on_prefect = run(program, 1, backend=Prefect()).failure()
    assert HANDLED == [(2, "guarded/risky/boom")]
    HANDLED.clear()
    assert on_prefect == run(program, 1, backend=Local()).failure()
    assert HANDLED == [(2, "guarded/risky/boom")]
    assert on_prefect.path == "guarded/risky/boom"


def test_a_guard_is_not_given_a_failure_from_before_it() -> None:
    # Prefect starts the guarded step without waiting for `boom` (it does not read its
    # value), but the run's failure is `boom`'s, which the guard does not guard.
    f = Flow(int, "before")
    f.call(boom, f.input)
    with f.guard(note_failure, f.input):
        b = f.call(boom.named("guarded"), f.input)
    program = f.build(b)
    HANDLED.clear()
    on_prefect = run(program, 1, backend=Prefect()).failure()
    assert on_prefect == run(program, 1, backend=Local()).failure()
    assert on_prefect.path == "before/boom"
    assert HANDLED == []


def test_a_retried_part_after_a_failed_step_reports_that_step() -> None:
    # The retried chain reads the failed value: each attempt fails as its consequence.
    f = Flow(int, "retried")
    a = f.call(boom, f.input)
    b = f.call(retry(inc >> double, attempts=2, backoff=Backoff(initial=0.0)), a)
    program = f.build(b)
    on_prefect = run(program, 1, backend=Prefect()).failure()
    assert on_prefect == run(program, 1, backend=Local()).failure()
    assert (on_prefect.path, on_prefect.attempts) == ("retried/boom", 1)


def test_a_failed_effect_whose_value_nothing_reads_fails_the_run() -> None:
    def notify(x: int) -> None:
        raise ConnectionError(f"no network for {x}")

    f = Flow(int, "effects")
    f.call(make_step(notify, effect=True), f.input)  # its value is read by nothing
    program = f.build(f.call(inc, f.input))
    on_prefect = run(program, 1, backend=Prefect()).failure()
    assert on_prefect == run(program, 1, backend=Local()).failure()
    assert on_prefect.path == "effects/notify"
    assert isinstance(on_prefect.cause, ConnectionError)


def test_independent_steps_of_a_flow_run_at_once() -> None:
    # Each step waits for the other at a barrier for two: only running at the same time
    # lets them through (one at a time, the first would time out and break it).
    barrier = threading.Barrier(2, timeout=15)

    def meet(x: int) -> int:
        barrier.wait()
        return x

    f = Flow(int, "at_once")
    a = f.call(make_step(meet, name="left"), f.input)
    b = f.call(make_step(meet, name="right"), f.input)
    program = f.build(f.apply(lambda x, y: x + y, a, b))
    assert run(program, 21, backend=Prefect()) == Success(42)
    assert not barrier.broken


def test_glue_runs_inline_as_no_task() -> None:
    calls: list[str] = []

    def glue(x: int, y: int) -> int:
        calls.append("glue")
        return x * 10 + y

    f = Flow(int, "glued")
    a = f.call(inc, f.input)
    ten = f.const(10)
    b = f.call(add, a, ten)
    never = f.apply(lambda x: x < 0, b)
    skipped = f.call_if(never, double, b)  # its condition is false: no task either
    packed = f.apply(lambda x, y: (x, y), f.apply(glue, a, b), skipped)
    program = f.build(packed)
    assert run(program, 1, backend=Prefect()) == Success((32, None))
    assert calls == ["glue"]
    assert sorted(latest_task_run_names("glued", 2)) == ["glued/add", "glued/inc"]


def test_fanouts_nested_either_way_give_the_same_shapes_as_on_local() -> None:
    a, b, c, d = (inc.named(name) for name in "abcd")
    for program in (a & (b & c), (a & b) & (c & d), a & (b & c).named("bc") & d):
        assert run(program, 1, backend=Prefect()) == run(program, 1, backend=Local())


def test_a_fanout_of_hundreds_of_branches_runs_as_on_local() -> None:
    # One level of Python calls per `&` overflowed the recursion limit at ~330 branches.
    # Last in the file: the server records the 400 task runs for a while after the run,
    # and a test after it waited behind them (15 s alone, 73 s in the full suite).
    width = 400
    program: Step[int, object] = functools.reduce(operator.and_, [inc] * width)
    assert run(program, 1, backend=Prefect()) == run(program, 1, backend=Local())
