"""Past one machine: the Prefect backend on a Dask cluster (here a 2-worker LocalCluster)."""

from __future__ import annotations

import os
import warnings
from collections.abc import Iterator

import pytest

from lolpop import Backoff, Step, map_each, retry, run, step
from lolpop.backends import Local, Prefect

_NO_EXTRA = 'the `dask` extra is not installed (pip install -e ".[dask]")'
pytest.importorskip("prefect_dask", reason=_NO_EXTRA)
distributed = pytest.importorskip("distributed", reason=_NO_EXTRA)


@step
def square(x: int) -> int:
    return x * x


@step
def negate(x: int) -> int:
    return -x


@step
def total(xs: list[int]) -> int:
    return sum(xs)


@step
def pair_sum(pair: tuple[int, int]) -> int:
    return pair[0] + pair[1]


@step
def explode(x: int) -> int:
    raise RuntimeError(f"worker failure on {x}")


@pytest.fixture(scope="module")
def dask_backend(prefect_server: str) -> Iterator[Prefect]:
    from prefect_dask.task_runners import DaskTaskRunner  # noqa: PLC0415

    with distributed.LocalCluster(
        n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None
    ) as cluster:
        yield Prefect(task_runner=DaskTaskRunner(address=cluster.scheduler_address))


def test_fanout_on_dask_gives_the_same_result_as_local(dask_backend: Prefect) -> None:
    program: Step[int, int] = (square & negate).named("spread") >> pair_sum
    assert run(program, 7, backend=dask_backend) == run(program, 7, backend=Local())
    assert run(program, 7, backend=dask_backend).unwrap() == 42


def test_map_each_items_on_dask(dask_backend: Prefect) -> None:
    program = map_each(square) >> total
    assert run(program, [1, 2, 3, 4], backend=dask_backend).unwrap() == 30


def test_a_failure_on_a_worker_names_the_same_step(dask_backend: Prefect) -> None:
    program = (square >> retry(explode, attempts=2, backoff=Backoff(initial=0.0))).named("job")
    on_dask = run(program, 3, backend=dask_backend).failure()
    assert on_dask == run(program, 3, backend=Local()).failure()
    assert (on_dask.path, on_dask.attempts, on_dask.input_type) == ("job/explode", 2, "int")


@step
def where_pure(x: int) -> tuple[int, int]:
    return (x + 1, os.getpid())


@step(effect=True)
def where_effect(pair: tuple[int, int]) -> tuple[int, int, int]:
    return (pair[0] * 10, pair[1], os.getpid())


@step
def after_effect(triple: tuple[int, int, int]) -> tuple[int, int, int, int]:
    return (triple[0] + 1, triple[1], triple[2], os.getpid())


@step(effect=True)
def failing_effect(pair: tuple[int, int]) -> tuple[int, int, int]:
    raise OSError(f"cannot write {pair[0]}")


def test_effects_run_in_the_flows_process_and_pure_steps_on_the_workers(
    dask_backend: Prefect,
) -> None:
    # An effect writes where the config lives (its tracking store, its files): on a
    # cluster of several machines a worker would write them on its own disk.
    program = (where_pure >> where_effect >> after_effect).named("job")
    value, pure_pid, effect_pid, later_pid = run(program, 1, backend=dask_backend).unwrap()
    assert value == 21  # the pure step after the effect read the effect's output
    assert effect_pid == os.getpid()
    assert pure_pid != os.getpid()
    assert later_pid != os.getpid()


def test_an_effect_failing_in_the_flows_process_names_its_step(dask_backend: Prefect) -> None:
    program = (where_pure >> failing_effect >> after_effect).named("job")
    on_dask = run(program, 1, backend=dask_backend).failure()
    assert on_dask == run(program, 1, backend=Local()).failure()
    assert on_dask.path == "job/failing_effect"


@step(effect=True)
def log_blob(size: int) -> bytes:
    # An effect's output a later pure step reads, as large as a fitted forest (~11 MiB).
    return bytes(size)


@step
def blob_length(blob: bytes) -> int:
    return len(blob)


@step
def blob_zeros(blob: bytes) -> int:
    return blob.count(0)


def test_an_effects_large_output_goes_to_the_workers_once(dask_backend: Prefect) -> None:
    # Each pure step reading it used to carry the value in its own task graph: 11 MiB
    # sent per step, and one of Dask's "Sending large graph" warnings each time.
    size = 11 * 2**20
    program = (log_blob >> (blob_length & blob_zeros)).named("job")
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        assert run(program, size, backend=dask_backend).unwrap() == (size, size)
    assert [str(each.message) for each in caught if "large graph" in str(each.message)] == []


def test_a_large_value_made_in_the_flow_goes_to_the_workers_once(dask_backend: Prefect) -> None:
    # The run's input, or a value a step of the flow's own made (the best of a search's
    # trials, a deployment's candidate): sent once, whatever reads it.
    size = 11 * 2**20
    program = (blob_length & blob_zeros).named("job")
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        assert run(program, bytes(size), backend=dask_backend).unwrap() == (size, size)
    assert [str(each.message) for each in caught if "large graph" in str(each.message)] == []
