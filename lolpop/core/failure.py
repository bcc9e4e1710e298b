"""`RunFailure`: a failed run, as a value.

A step that raises does not crash the run: the interpreter stops and returns
`Failure(RunFailure(...))`, naming the failing step by its path, the type of the input
it was given, the exception, and how many attempts were made. The traceback is kept
as text for whoever wants it, and never printed unasked.
"""

from __future__ import annotations

import traceback as _traceback

from attrs import field, frozen


@frozen
class RunFailure:
    """Where and why a run failed.

    `path` is the failing leaf's path (`train/tune/fit`); `input_type` the type of the
    value it was given; `cause` the exception it raised; `attempts` how many times it was
    tried (more than one under `retry`).
    """

    path: str
    input_type: str
    cause: BaseException = field(eq=False)
    attempts: int = 1
    traceback: str = field(default="", eq=False, repr=False)

    @property
    def error_type(self) -> str:
        """The name of the exception's class, e.g. `ValueError`."""
        return type(self.cause).__qualname__

    @property
    def message(self) -> str:
        """One paragraph for a person: which step, on what input, what went wrong."""
        tries = "" if self.attempts == 1 else f" after {self.attempts} attempts"
        detail = str(self.cause).strip() or "(no message)"
        return (
            f"step {self.path!r} failed{tries} on an input of type {self.input_type}: "
            f"{self.error_type}: {detail}"
        )

    def __str__(self) -> str:
        return self.message


class Halt(Exception):
    """Raised inside an interpreter to unwind a failed run to its top; never escapes it."""

    def __init__(self, path: str, input_type: str, cause: Exception, attempts: int = 1) -> None:
        super().__init__(f"{path}: {type(cause).__qualname__}: {cause}")
        self.path = path
        self.input_type = input_type
        self.cause = cause
        self.attempts = attempts

    def __reduce__(self) -> tuple[type[Halt], tuple[str, str, Exception, int]]:
        # Exceptions pickle their `args` only: keep every field (Dask sends them back).
        return (Halt, (self.path, self.input_type, self.cause, self.attempts))

    def to_failure(self) -> RunFailure:
        """The value a user sees."""
        text = "".join(_traceback.format_exception(self.cause))
        return RunFailure(self.path, self.input_type, self.cause, self.attempts, text)
