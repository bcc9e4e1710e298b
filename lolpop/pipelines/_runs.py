"""Ending a tracked run as FAILED when the steps after its start fail.

A pipeline guards the steps after `start_run` with `failed_run(tracker)`
(`flow.guard(failed_run(tracker), run)`): when one of them fails, the run is ended as
FAILED, then the failure goes on, so a failed workflow leaves no run marked as running.
"""

from __future__ import annotations

from lolpop.components.records import MetadataTracker, RunRef, RunStatus
from lolpop.core.failure import RunFailure
from lolpop.core.flow import Flow
from lolpop.core.step import Step


def _failed(pair: tuple[RunRef, RunFailure]) -> tuple[RunRef, RunStatus]:
    return pair[0], "FAILED"


def failed_run(tracker: MetadataTracker) -> Step[tuple[RunRef, RunFailure], RunRef]:
    """The handler that ends a run as FAILED: one step, the tracker's `end_run`."""
    flow: Flow[tuple[RunRef, RunFailure]] = Flow(tuple[RunRef, RunFailure], "failed_run")
    return flow.build(flow.call(tracker.end_run, flow.apply(_failed, flow.input)))
