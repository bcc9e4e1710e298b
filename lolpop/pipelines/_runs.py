"""Ending a tracked run as FAILED when the steps after its start fail (`on_failure`)."""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

from lolpop.components.records import MetadataTracker, RunRef
from lolpop.core.combinators import on_failure
from lolpop.core.failure import RunFailure
from lolpop.core.step import Step
from lolpop.pipelines.wiring import lift

_S = TypeVar("_S")


def ending_failed(
    steps: Step[_S, _S], tracker: MetadataTracker, run_of: Callable[[_S], RunRef]
) -> Step[_S, _S]:
    """`steps`; when they fail, the run `run_of` names is ended as FAILED, then the
    failure goes on (a failed workflow leaves no run marked as still running)."""

    def request(pair: tuple[_S, RunFailure]) -> tuple[RunRef, str]:
        return run_of(pair[0]), "FAILED"

    return on_failure(steps, lift(request, "failed_run") >> tracker.end_run)
