"""What a backend is: an interpreter of a program that returns a `Result`.

A backend validates the whole program before it runs any of it, refusing a node it
cannot run with `UnsupportedNodeError`, then interprets it. Adding a backend is
adding one module with one class that satisfies `Backend`.
"""

from __future__ import annotations

from typing import Protocol, TypeVar

from returns.result import Result

from lolpop.core.failure import RunFailure
from lolpop.core.step import Step

_A = TypeVar("_A")
_B = TypeVar("_B")


class Backend(Protocol):
    """An interpreter of programs: runs one on an input, returns its output or failure."""

    def run(self, program: Step[_A, _B], value: _A, /) -> Result[_B, RunFailure]:
        """Validate, then run `program` on `value`."""
        ...
