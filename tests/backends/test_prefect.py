"""The Prefect backend agrees with Local: same values, same failures, named tasks."""

from __future__ import annotations

import time

import pytest

from lolpop import (
    Backoff,
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
from lolpop.errors import UnsupportedNodeError
from tests.steps import boom, double, inc, is_even

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
    from prefect.client.orchestration import get_client  # noqa: PLC0415
    from prefect.client.schemas.filters import FlowRunFilter, FlowRunFilterId  # noqa: PLC0415
    from prefect.client.schemas.sorting import FlowRunSort  # noqa: PLC0415

    program = (inc >> (double & inc).named("both_ways")).named("named_program")
    assert run(program, 1, backend=Prefect()).unwrap() == (4, 3)
    with get_client(sync_client=True) as client:
        flow = client.read_flow_by_name("named_program")
        runs = client.read_flow_runs(sort=FlowRunSort.START_TIME_DESC, limit=50)
        latest = next(r for r in runs if r.flow_id == flow.id)
        tasks = client.read_task_runs(
            flow_run_filter=FlowRunFilter(id=FlowRunFilterId(any_=[latest.id]))
        )
    names = sorted(t.name.rsplit("-", 1)[0] for t in tasks)
    assert names == [
        "named_program/both_ways/double",
        "named_program/both_ways/inc",
        "named_program/inc",
    ]


def test_fanout_branches_are_submitted_concurrently() -> None:
    def sleep(x: int) -> int:
        time.sleep(0.6)
        return x

    slow = make_step(sleep)
    start = time.perf_counter()
    assert run(slow & slow, 1, backend=Prefect()).unwrap() == (1, 1)
    # Two 0.6 s tasks: well under their sequential 1.2 s plus Prefect's per-run overhead.
    assert time.perf_counter() - start < 1.1


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
