"""What keeping every step's output costs a run, and what a resume saves.

The churn example's `train` stage (tracked in memory, a local registry) in one process,
alternating repeats, each in a fresh working folder:

- plain: `Local()`, nothing kept;
- kept: `Local(cache_dir=...)` with an empty cache: every step's output encoded,
  digested and written (what `lolpop run` does by default, so that a run can resume);
- resumed: `Local(cache_dir=..., resume="last")` on the cache of a run killed after its
  last step: every step's output read back and checked, nothing run.

Ratios: against plain.

Run: `python benchmarks/cache_overhead.py [--repeats 7] [--write benchmarks/RESULTS.md]`.
"""
# ruff: noqa: E402 (the imports follow the path and environment set-up above them)

from __future__ import annotations

import argparse
import os
import platform
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import date
from pathlib import Path

os.environ.setdefault("MLFLOW_DISABLE_TELEMETRY", "true")

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

from attrs import evolve
from step_overhead import _replace_section

from examples.churn.workflow import SETTINGS, make_components
from lolpop.backends import Local
from lolpop.backends.cache import RunLog, runs
from lolpop.components.local_repository import LocalRegistrySettings, local_registry
from lolpop.components.memory_tracker import memory_tracker
from lolpop.core.step import Step
from lolpop.runners.kinds import Report
from lolpop.runners.supervised import classification_runner


def _program(work: Path) -> Step[None, Report]:
    settings = evolve(SETTINGS, work_dir=str(work / "work"))
    components = evolve(
        make_components(settings),
        tracker=memory_tracker(),
        repository=local_registry(LocalRegistrySettings(str(work / "registry"), "churn")),
    )
    return classification_runner(components, settings, "train")


def _once(mode: str, scratch: Path) -> Callable[[], float]:
    """A fresh folder (in `scratch`) and program; the run's seconds (the program's build
    not counted)."""

    def run() -> float:
        work = Path(tempfile.mkdtemp(prefix="run-", dir=scratch))
        program = _program(work)
        cache = work / "cache"
        if mode == "plain":
            backend = Local(ledger=None, progress=False)
        else:
            backend = Local(cache_dir=cache, ledger=None, progress=False)
        if mode == "resumed":
            backend.run(program, None).unwrap()  # then "kill" it after its last step
            (info,) = runs(cache / "runs")
            log = RunLog(cache / "runs", info.run_id)
            lines = log.path.read_text().splitlines()
            log.path.write_text("\n".join(lines[:-1]) + "\n")  # no end line: never ended
            backend = evolve(backend, resume="last")
        start = time.perf_counter()
        backend.run(program, None).unwrap()
        return time.perf_counter() - start

    return run


def measure(repeats: int, scratch: Path, *, warm: bool = True) -> list[tuple[str, float]]:
    """(name, median seconds) of each, alternating repeats, their folders in `scratch`;
    `warm`: one untimed round first (imports, caches)."""
    contenders = {name: _once(name, scratch) for name in ("plain", "kept", "resumed")}
    for fn in contenders.values() if warm else ():  # imports and caches
        fn()
    times: dict[str, list[float]] = {name: [] for name in contenders}
    for _ in range(repeats):
        for name, fn in contenders.items():
            times[name].append(fn())
    return [(name, statistics.median(times[name])) for name in contenders]


def table(results: list[tuple[str, float]], repeats: int) -> str:
    baseline = results[0][1]
    lines = [
        f"Python {platform.python_version()} on {platform.machine()}, {date.today()}, "
        f"median of {repeats} repeats",
        "",
        "| run | seconds | ratio to plain |",
        "|---|---:|---:|",
    ]
    for name, seconds in results:
        lines.append(f"| {name} | {seconds:.3f} | {seconds / baseline:.2f}x |")
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n")[0])
    parser.add_argument("--repeats", type=int, default=7)
    parser.add_argument("--quick", action="store_true", help="one repeat, no warm-up (a smoke run)")
    parser.add_argument("--write", help="a RESULTS.md whose section to replace")
    args = parser.parse_args()
    repeats = 1 if args.quick else args.repeats
    with tempfile.TemporaryDirectory(prefix="lolpop-bench-cache-overhead-") as scratch:
        body = table(measure(repeats, Path(scratch), warm=not args.quick), repeats)
    print(body)
    if args.write:
        _replace_section(args.write, "cache-overhead", body)


if __name__ == "__main__":
    main()
