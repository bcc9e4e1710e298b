"""`on_failure`: a clean-up step that sees the input and the failure, on every backend;
the original failure is the one reported."""

from __future__ import annotations

import pytest
from returns.pipeline import is_successful

from lolpop import RunFailure, make_step, on_failure, run
from lolpop.backends import DryRun, Local
from tests.steps import boom, inc

SEEN: list[tuple[int, str]] = []


def record(pair: tuple[int, RunFailure]) -> None:
    value, failure = pair
    SEEN.append((value, failure.path))


def explode(pair: tuple[int, RunFailure]) -> None:
    raise RuntimeError("the clean-up failed too")


@pytest.fixture(autouse=True)
def _clear() -> None:
    SEEN.clear()


def test_the_handler_sees_the_input_and_the_failure_then_the_run_fails() -> None:
    program = on_failure((inc >> boom).named("work"), make_step(record, name="clean_up"))
    result = run(program, 1, backend=Local())
    assert not is_successful(result)
    assert result.failure().path == "work/boom"
    assert SEEN == [(1, "work/boom")]


def test_the_handler_does_not_run_on_success() -> None:
    program = on_failure(inc >> inc, make_step(record, name="clean_up"))
    assert run(program, 1).unwrap() == 3
    assert SEEN == []


def test_a_failing_handler_leaves_the_original_failure() -> None:
    program = on_failure(boom, make_step(explode, name="clean_up"))
    failure = run(program, 1).failure()
    assert failure.path == "boom"
    assert isinstance(failure.cause, ValueError)


def test_a_plan_lists_the_handler_as_conditional() -> None:
    program = on_failure(inc >> boom, make_step(record, name="clean_up"))
    plan = run(program, 1, backend=DryRun()).unwrap()
    assert [(s.path, s.conditional) for s in plan.steps] == [
        ("inc", False),
        ("boom", False),
        ("clean_up", True),
    ]
    assert any(e.label == "on failure" for e in plan.edges)
    assert SEEN == []


@pytest.mark.usefixtures("prefect_server")
def test_prefect_runs_the_handler_and_reports_the_same_failure() -> None:
    from lolpop.backends import Prefect  # noqa: PLC0415

    program = on_failure((inc >> boom).named("work"), make_step(record, name="clean_up"))
    failure = run(program, 1, backend=Prefect()).failure()
    assert failure.path == "work/boom"
    assert SEEN == [(1, "work/boom")]


def test_a_handler_of_another_input_is_refused_when_built() -> None:
    from typing import cast  # noqa: PLC0415

    from lolpop import Step, WiringError  # noqa: PLC0415

    def other(pair: tuple[str, RunFailure]) -> None:
        return None

    handler = cast("Step[tuple[int, RunFailure], object]", make_step(other))
    with pytest.raises(WiringError, match="failure handler"):
        on_failure(inc, handler)
