"""`Local`: the reference backend, running a program in this process.

It compiles the program once (which validates every node: an unknown node type is
refused with `UnsupportedNodeError` before anything runs) and calls it. Steps run one
after another; the backends issue adds concurrent fanout, timeouts, run records and a
progress display, keeping this one's semantics as the reference the others must match.
"""

from __future__ import annotations

from typing import TypeVar, cast

from attrs import frozen
from returns.result import Failure, Result, Success

from lolpop.core._interpret import compile_program
from lolpop.core.failure import Halt, RunFailure
from lolpop.core.step import Step

_A = TypeVar("_A")
_B = TypeVar("_B")


@frozen
class Local:
    """Run a program in this process, step after step.

    >>> from lolpop import run, step
    >>> @step
    ... def inc(x: int) -> int:
    ...     return x + 1
    >>> run(inc >> inc, 1, backend=Local())
    <Success: 3>
    """

    def run(self, program: Step[_A, _B], value: _A, /) -> Result[_B, RunFailure]:
        """Validate and run `program` on `value`; a failing step gives `Failure`."""
        compiled = compile_program(program)
        try:
            return Success(cast("_B", compiled(value)))
        except Halt as halt:
            return Failure(halt.to_failure())
