"""Overhead of the Prefect backend against a hand-written Prefect flow doing the same tasks.

Both run in one process, against the same temporary Prefect server (ephemeral mode, a
temporary PREFECT_HOME), with the flow heartbeat off for both, alternating runs so
that drift in the server's speed hits both alike:

- raw: a `@flow` submitting a chain of N `@task`s (`x + 1`), each fed the previous
  task's future, no caching and no result persistence;
- lolpop: the same N steps composed with `>>` and run with `backend=Prefect()`.

Whole flow runs are noisy on the local server (between runs the client may get HTTP 503
answers and back off 2-4 s), so the figure compared is measured inside the flow: the
time from the first task's call to the last task's call, divided by N - 1, i.e. what
each task in the chain costs. Whole-run medians are shown too. Ratio: lolpop / raw.

Run: `python benchmarks/prefect_overhead.py [--quick] [--write benchmarks/RESULTS.md]`.
"""

from __future__ import annotations

import argparse
import atexit
import os
import shutil
import statistics
import sys
import tempfile
import time
from collections.abc import Callable

if "PREFECT_HOME" not in os.environ:  # a home of its own, removed after Prefect's exit
    os.environ["PREFECT_HOME"] = tempfile.mkdtemp(prefix="lolpop-bench-prefect-")
    atexit.register(shutil.rmtree, os.environ["PREFECT_HOME"], ignore_errors=True)
os.environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")
os.environ.setdefault("PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS", "90")
os.environ.setdefault("PREFECT_LOGGING_LEVEL", "WARNING")
os.environ.setdefault("DO_NOT_TRACK", "1")

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from prefect import flow, task
from prefect.cache_policies import NO_CACHE
from prefect.settings import PREFECT_FLOWS_HEARTBEAT_FREQUENCY, temporary_settings
from step_overhead import _replace_section

from lolpop import Step, make_step, run
from lolpop.backends import Prefect

CALLS: list[float] = []


def add_one(x: int) -> int:
    """The task both flows run; it notes when it was called."""
    CALLS.append(time.perf_counter())
    return x + 1


def _per_task(run_once: Callable[[], object], size: int) -> tuple[float, float]:
    """(seconds per task inside the flow, seconds for the whole run) of one run."""
    CALLS.clear()
    start = time.perf_counter()
    run_once()
    whole = time.perf_counter() - start
    assert len(CALLS) == size
    return (CALLS[-1] - CALLS[0]) / (size - 1), whole


def raw_flow(size: int) -> Callable[[], object]:
    """A hand-written flow: a chain of `size` tasks."""
    add_task = task(name="add_one", cache_policy=NO_CACHE, persist_result=False)(add_one)

    @flow(name="raw", persist_result=False, validate_parameters=False)
    def chain() -> int:
        future = add_task.submit(0)
        for _ in range(size - 1):
            future = add_task.submit(future)  # type: ignore[call-overload]  # prefect resolves futures given as arguments
        return int(future.result())

    return chain


def lolpop_program(size: int) -> Step[int, int]:
    """The same chain as a lolpop program."""
    leaf = make_step(add_one)
    program = leaf
    for _ in range(size - 1):
        program = program >> leaf
    return program.named("lolpop_chain")


def measure(size: int, repeats: int) -> dict[str, float]:
    """Medians, over alternating runs, for the raw flow and for lolpop on Prefect."""
    raw = raw_flow(size)
    program = lolpop_program(size)
    backend = Prefect()
    assert raw() == size
    assert run(program, 0, backend=backend).unwrap() == size
    samples: dict[str, list[tuple[float, float]]] = {"raw": [], "lolpop": []}
    for _ in range(repeats):
        samples["raw"].append(_per_task(raw, size))
        samples["lolpop"].append(_per_task(lambda: run(program, 0, backend=backend), size))
    return {
        f"{name}_{part}": statistics.median(sample[index] for sample in runs)
        for name, runs in samples.items()
        for index, part in enumerate(("task", "run"))
    }


def main(argv: list[str] | None = None) -> None:
    """Measure, print the table, and write it into a results file if asked."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="fewer repeats (a smoke run)")
    parser.add_argument("--write", metavar="PATH", help="replace the table in this file")
    args = parser.parse_args(argv)
    repeats = 1 if args.quick else 5
    sizes = (10,) if args.quick else (10, 50, 200)
    lines = [
        "| tasks | raw ms/task (in flow) | lolpop ms/task (in flow) | ratio "
        "| raw s/run (whole) | lolpop s/run (whole) |",
        "|---:|---:|---:|---:|---:|---:|",
    ]
    with temporary_settings(updates={PREFECT_FLOWS_HEARTBEAT_FREQUENCY: None}):
        for size in sizes:
            r = measure(size, repeats)
            lines.append(
                f"| {size} | {r['raw_task'] * 1e3:.2f} | {r['lolpop_task'] * 1e3:.2f} "
                f"| {r['lolpop_task'] / r['raw_task']:.3f} | {r['raw_run']:.2f} "
                f"| {r['lolpop_run']:.2f} |"
            )
            print(lines[-1], flush=True)
    header = f"Prefect (ephemeral server), {time.strftime('%Y-%m-%d')}, median of {repeats} runs"
    table = "\n".join(lines)
    print(header)
    print(table)
    if args.write:
        _replace_section(args.write, "prefect-overhead", f"{header}\n\n{table}")


if __name__ == "__main__":
    main()
