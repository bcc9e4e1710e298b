"""`lolpop.run`: run a program on a backend and get its output or failure as a value."""

from __future__ import annotations

import sys
from typing import TYPE_CHECKING, TypeVar, cast, overload

from returns.result import Result

from lolpop.backends.base import Backend
from lolpop.core.failure import RunFailure
from lolpop.core.step import Step
from lolpop.errors import DefinitionError

if TYPE_CHECKING:
    from typing_extensions import TypeIs  # (for mypy only: typing's own from Python 3.13)

    from lolpop.backends.dry_run_backend import DryRun
    from lolpop.backends.plan import Plan

_A = TypeVar("_A")
_B = TypeVar("_B")


def _is_dry_run(backend: Backend | DryRun | None) -> TypeIs[DryRun]:
    """Whether `backend` is a `DryRun`, which exists only once its module is imported (a
    run never imports it)."""
    module = sys.modules.get("lolpop.backends.dry_run_backend")
    return module is not None and isinstance(backend, module.DryRun)


@overload
def run(
    program: Step[_A, _B], input: _A, /, backend: DryRun, resume: str | None = None
) -> Result[Plan, RunFailure]: ...
@overload
def run(
    program: Step[_A, _B], input: _A, /, backend: Backend | None = None, resume: str | None = None
) -> Result[_B, RunFailure]: ...
def run(
    program: Step[_A, _B],
    input: _A,
    /,
    backend: Backend | DryRun | None = None,
    resume: str | None = None,
) -> Result[_B, RunFailure] | Result[Plan, RunFailure]:
    """Run `program` on `input` with `backend` (default: `Local()`).

    A step that raises gives `Failure(RunFailure)` naming the step's path; nothing is
    printed and nothing is swallowed. With `DryRun()` nothing runs, and the value is
    the `Plan` of the run.

    `resume`: the id of an earlier run of `program` (or "last": the latest one that did
    not succeed) whose finished steps this run reuses; the backend must keep step
    outputs (`Local(cache_dir=...)`, `Prefect(cache_dir=...)`; the default backend keeps
    them in `.lolpop/cache`).

    >>> from lolpop import step
    >>> @step
    ... def parse(text: str) -> int:
    ...     return int(text)
    >>> run(parse, "42")
    <Success: 42>
    >>> run(parse, "forty-two").failure().message
    "step 'parse' failed on an input of type str: ValueError: invalid literal for int() ..."
    """
    if _is_dry_run(backend):
        return (backend if resume is None else backend.resuming(resume)).plan(program, input)
    if backend is None:
        from lolpop.backends.local_backend import Local  # noqa: PLC0415 (a default, made on use)

        backend = Local(cache_dir=".lolpop/cache") if resume is not None else Local()
    if resume is not None:
        resuming = getattr(backend, "resuming", None)
        if not callable(resuming):
            raise DefinitionError(f"{type(backend).__name__} cannot resume a run.")
        backend = cast("Backend", resuming(resume))
    return backend.run(program, input)
