"""The Prefect backend on a Dask cluster, from a config (`backend: {type: prefect,
task_runner: dask}`) or the command line (`lolpop run --backend dask`).

Dask's workers run the tasks in other processes (on this machine, or on the cluster's),
and report each task run to the Prefect server: the server PREFECT_API_URL names, as
Prefect's temporary server lives and dies with this process and its address is not known
to the workers. With no `dask_address`, a temporary `LocalCluster` of `workers` processes
(one thread each) is started for the run and stopped after it.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from lolpop.backends.prefect_backend import TaskRunnerLike

#: What a Dask run needs that is missing, said once, with what to do.
NO_EXTRA = (
    "the Dask task runner needs the `dask` extra (prefect-dask and distributed): "
    "`pip install -e '.[dask]'` in lolpop's folder, or `pip install prefect-dask distributed`."
)
NO_SERVER = (
    "the Dask task runner needs a Prefect server: Dask's workers run the tasks in other "
    "processes and report them to it, and Prefect's temporary server is known to this "
    "process only. Start one (`prefect server start`, in another terminal) and point "
    "lolpop at it: `export PREFECT_API_URL=http://127.0.0.1:4200/api`; or run with "
    "`--backend prefect` (threads in this process) or `--backend local`."
)


def dask_problem() -> str | None:
    """Why a Dask run cannot start here (None: it can)."""
    try:
        import distributed  # noqa: F401, PLC0415 (the extra's: checked on use)
        import prefect_dask  # noqa: F401, PLC0415
    except ImportError:
        return NO_EXTRA
    if not os.environ.get("PREFECT_API_URL"):
        return NO_SERVER
    return None


@contextmanager
def dask_task_runner(address: str | None, workers: int) -> Iterator[TaskRunnerLike]:
    """A Prefect task runner on the Dask cluster at `address`, or on a temporary local
    cluster of `workers` processes, stopped when the block ends."""
    import distributed  # noqa: PLC0415 (heavy: imported on use)
    from prefect_dask.task_runners import DaskTaskRunner  # noqa: PLC0415

    if address is not None:
        yield DaskTaskRunner(address=address)
        return
    with distributed.LocalCluster(  # type: ignore[no-untyped-call]  # distributed's own annotation gap
        n_workers=workers, threads_per_worker=1, processes=True, dashboard_address=None
    ) as cluster:
        yield DaskTaskRunner(address=cluster.scheduler_address)
