"""Reading back from the Prefect server what a test's flow ran."""

from __future__ import annotations

import time


def latest_task_run_names(flow_name: str, expected: int) -> list[str]:
    """The task runs of the latest run of the flow `flow_name`, by name (its suffix
    dropped), once the server has recorded `expected` of them (or after 60 s): it records
    them from events, a moment after they happen, so read at once it may have none."""
    from prefect.client.orchestration import get_client  # noqa: PLC0415 (heavy: on use)
    from prefect.client.schemas.filters import FlowRunFilter, FlowRunFilterId  # noqa: PLC0415
    from prefect.client.schemas.sorting import FlowRunSort  # noqa: PLC0415

    with get_client(sync_client=True) as client:
        flow = client.read_flow_by_name(flow_name)
        runs = client.read_flow_runs(sort=FlowRunSort.START_TIME_DESC, limit=50)
        latest = next(r for r in runs if r.flow_id == flow.id)
        deadline = time.monotonic() + 60
        while True:
            tasks = client.read_task_runs(
                flow_run_filter=FlowRunFilter(id=FlowRunFilterId(any_=[latest.id])), limit=200
            )
            if len(tasks) >= expected or time.monotonic() > deadline:
                break
            time.sleep(0.2)
    assert len(tasks) < 200  # the API's page: every task run was read
    return [task.name.rsplit("-", 1)[0] for task in tasks]
