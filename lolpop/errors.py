"""The one tree of lolpop's exceptions.

Every mistake a user can make is reported as a subclass of `LolpopError`, with its
context kept as attributes and a one-paragraph message that names what is wrong and
where. Failures of a step at run time are not exceptions: they travel as values
(`returns.result.Failure(RunFailure(...))`); `StepFailure` carries such a value when a
caller asks for an exception instead (calling a step directly).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from lolpop.core.failure import RunFailure


class LolpopError(Exception):
    """Base of every error that lolpop raises for a user's mistake."""


class DefinitionError(LolpopError):
    """A step, combinator or backend was defined with arguments it cannot accept."""


class WiringError(LolpopError):
    """Two steps were composed whose types do not fit.

    Raised when the program is built, before any data is read.
    """

    def __init__(
        self,
        message: str,
        *,
        combinator: str,
        left: str,
        right: str,
        provided: str,
        expected: str,
    ) -> None:
        super().__init__(message)
        self.combinator = combinator
        self.left = left
        self.right = right
        self.provided = provided
        self.expected = expected


class BackendError(LolpopError):
    """A backend cannot run a program (e.g. it meets a node it does not support)."""


class UnsupportedNodeError(BackendError):
    """A backend was given a node type it has no handler for."""

    def __init__(self, backend: str, node: str, path: str) -> None:
        super().__init__(
            f"the {backend} backend cannot run a {node} node (at {path!r}); "
            f"run this program on a backend that supports {node}, or rewrite that part "
            "with the built-in combinators."
        )
        self.backend = backend
        self.node = node
        self.path = path


class StepTimeoutError(LolpopError, TimeoutError):
    """A step ran longer than its timeout (the cause in its `RunFailure`)."""

    def __init__(self, path: str, seconds: float) -> None:
        super().__init__(f"step {path!r} did not finish within its timeout of {seconds:g} s.")
        self.path = path
        self.seconds = seconds


class StepFailure(LolpopError):
    """A step failed while a caller asked for an exception rather than a `Result`."""

    def __init__(self, failure: RunFailure) -> None:
        super().__init__(failure.message)
        self.failure = failure
