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


class SettingError(DefinitionError):
    """A component's builder refuses one of its settings; `field` names it, so that a
    config's error points at `$.components.<name>.<field>`."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field


class MissingToolError(LolpopError):
    """A command was asked for work that needs a tool that is not installed (an extra's)."""


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


class ConfigError(LolpopError):
    """A config file (or a config in Python) has mistakes: every one of them, at once.

    `problems` lists each with its path (`$.components.trainer.max_depth`), and the file
    and line where it stands when known.
    """

    def __init__(self, problems: tuple[ConfigProblem, ...], source: str = "") -> None:
        where = f" in {source}" if source else ""
        count = f"{len(problems)} problem{'s' if len(problems) != 1 else ''}"
        lines = "\n".join(f"- {problem}" for problem in problems)
        super().__init__(f"{count}{where}:\n{lines}")
        self.problems = problems
        self.source = source


class ConfigProblem:
    """One mistake in a config: what is wrong, at which path, on which line."""

    __slots__ = ("file", "line", "message", "path")

    def __init__(self, message: str, path: str, file: str = "", line: int | None = None) -> None:
        self.message = message
        self.path = path
        self.file = file
        self.line = line

    def __str__(self) -> str:
        place = f" ({self.file}:{self.line})" if self.file and self.line else ""
        if not place and self.line:
            place = f" (line {self.line})"
        return f"{self.message} @ {self.path}{place}"

    def __repr__(self) -> str:
        return f"ConfigProblem({str(self)!r})"

    def __eq__(self, other: object) -> bool:
        return isinstance(other, ConfigProblem) and str(self) == str(other)

    def __hash__(self) -> int:
        return hash(str(self))


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
