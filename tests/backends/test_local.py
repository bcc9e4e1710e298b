"""The Local backend and `lolpop.run`: results and failures as values."""

from __future__ import annotations

import pytest
from returns.result import Failure, Success

from lolpop import RunFailure, StepFailure, fanout, run, step
from lolpop.backends import Local
from lolpop.core._interpret import compile_program
from lolpop.core.step import Step
from lolpop.errors import UnsupportedNodeError
from tests.steps import inc


@step
def explode(x: int) -> int:
    raise ZeroDivisionError(f"cannot divide {x}")


def test_run_returns_success() -> None:
    assert run(inc >> inc, 1) == Success(3)
    assert run(inc, 1, backend=Local()) == Success(2)


def test_failure_names_path_input_type_cause_and_attempts() -> None:
    result = run((inc >> explode).named("train") >> inc, 1)
    assert isinstance(result, Failure)
    failure = result.failure()
    assert isinstance(failure, RunFailure)
    assert failure == RunFailure("train/explode", "int", ZeroDivisionError(), 1)
    assert isinstance(failure.cause, ZeroDivisionError)
    assert failure.error_type == "ZeroDivisionError"
    assert failure.message == (
        "step 'train/explode' failed on an input of type int: ZeroDivisionError: cannot divide 2"
    )
    assert "ZeroDivisionError: cannot divide 2" in failure.traceback
    assert "in explode" in failure.traceback


def test_failures_print_nothing(capsys: pytest.CaptureFixture[str]) -> None:
    run(inc >> explode, 1)
    captured = capsys.readouterr()
    assert (captured.out, captured.err) == ("", "")


def test_input_type_is_module_qualified_for_non_builtins() -> None:
    from fractions import Fraction  # noqa: PLC0415

    @step
    def fails(x: object) -> object:
        raise ValueError("x")

    assert run(fails, Fraction(1, 2)).failure().input_type == "fractions.Fraction"


def test_failure_inside_fanout_names_the_branch_step() -> None:
    assert run(fanout(inc, explode), 1).failure().path == "explode"


def test_keyboard_interrupt_is_not_swallowed() -> None:
    @step
    def interrupted(x: int) -> int:
        raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        run(inc >> interrupted, 1)


def test_calling_a_step_raises_step_failure_with_the_failure() -> None:
    with pytest.raises(StepFailure, match="step 'explode' failed") as raised:
        (inc >> explode)(1)
    assert raised.value.failure.path == "explode"
    assert isinstance(raised.value.__cause__, ZeroDivisionError)


def test_a_program_is_compiled_once() -> None:
    program = inc >> inc
    assert compile_program(program) is compile_program(program)


def test_unknown_nodes_are_refused_before_running() -> None:
    class Teleport:
        pass

    odd: Step[int, int] = Step(Teleport(), "teleport", int, int)  # type: ignore[arg-type]  # not a Node, on purpose
    with pytest.raises(UnsupportedNodeError, match="the local backend cannot run a Teleport node"):
        run(inc >> odd.named("t"), 1)
