"""Ending a tracked run as FAILED when the steps after its start fail.

A pipeline guards the steps after `start_run` with `failed_run(tracker)`
(`flow.guard(failed_run(tracker), run)`): when one of them fails, the run is ended as
FAILED, then the failure goes on, so a failed workflow leaves no run marked as running.

The run is tagged first (`FAILED_STEP_TAG`): a resumed workflow reuses the run its
cached `start_run` made, and a tracker reopens a run so tagged for it (the MLflow
tracker does), as it reopens one whose process was killed.
"""

from __future__ import annotations

from lolpop.components.records import FAILED_STEP_TAG, MetadataTracker, RunRef, RunStatus
from lolpop.core.failure import RunFailure
from lolpop.core.flow import Flow
from lolpop.core.step import Step


def _failed(ref: RunRef) -> tuple[RunRef, RunStatus]:
    return ref, "FAILED"


def _tagged(pair: tuple[RunRef, RunFailure]) -> tuple[RunRef, dict[str, str]]:
    return pair[0], {FAILED_STEP_TAG: "true"}


def failed_run(tracker: MetadataTracker) -> Step[tuple[RunRef, RunFailure], RunRef]:
    """The handler that ends a run as FAILED: the tracker's `set_tags` (`FAILED_STEP_TAG`),
    then its `end_run`."""
    flow: Flow[tuple[RunRef, RunFailure]] = Flow(tuple[RunRef, RunFailure], "failed_run")
    tagged = flow.call(tracker.set_tags, flow.apply(_tagged, flow.input))
    return flow.build(flow.call(tracker.end_run, flow.apply(_failed, tagged)))
