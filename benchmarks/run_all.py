"""Every benchmark, one after another, each in a fresh process: one command.

`python benchmarks/run_all.py` measures them all and writes each one's table into
`benchmarks/RESULTS.md` (its section between `<!-- name:begin -->` and `<!-- name:end
-->`), with the machine, the versions and the date. `--quick` runs each with the fewest
repeats and smallest sizes and writes nothing: it checks that every benchmark still
runs (CI does this), and its figures mean nothing. `--only NAME ...` runs some of them.

Every figure is a ratio against a baseline measured in the same run (alternating, the
median of the repeats), never an absolute time from a timed test.
"""

from __future__ import annotations

import argparse
import concurrent.futures
import os
import platform
import subprocess
import sys
import time
from importlib.metadata import version
from pathlib import Path

HERE = Path(__file__).resolve().parent
RESULTS = HERE / "RESULTS.md"

#: The benchmarks, in the order they run (the cheapest first).
BENCHMARKS = (
    "cli_startup",
    "plan_check",
    "step_overhead",
    "cache_overhead",
    "mlflow_costs",
    "example_vs_sklearn",
    "whole_process",
    "scale",
    "prefect_overhead",
    "prefect_whole",
    "dask_trials",
)

#: What a full run gives a benchmark besides `--write` (the sizes its section reports).
_FULL = {"scale": ("--million",)}

#: The libraries whose versions the results name.
_VERSIONS = ("pandas", "scikit-learn", "mlflow", "prefect", "numpy")


def machine() -> str:
    """The machine and versions the figures were measured on."""
    libraries = ", ".join(f"{name} {version(name)}" for name in _VERSIONS)
    return (
        f"Python {platform.python_version()} on {platform.machine()} "
        f"({os.cpu_count()} cores), {libraries}; {time.strftime('%Y-%m-%d')}"
    )


def _command(name: str, *, quick: bool) -> list[str]:
    command = [sys.executable, str(HERE / f"{name}.py")]
    return command + (["--quick"] if quick else ["--write", str(RESULTS), *_FULL.get(name, ())])


def run(name: str, *, quick: bool) -> float:
    """Run one benchmark in a fresh process; its seconds. A failure stops everything."""
    print(f"== benchmarks/{name}.py{' --quick' if quick else ''}", flush=True)
    started = time.perf_counter()
    done = subprocess.run(_command(name, quick=quick), check=False, cwd=HERE.parent)
    took = time.perf_counter() - started
    if done.returncode != 0:
        sys.exit(f"benchmarks/{name}.py failed (exit {done.returncode}) after {took:.0f} s")
    return took


def _run_captured(name: str) -> tuple[int, str, float]:
    """One benchmark's `--quick` run: its exit code, its output (both streams), seconds."""
    started = time.perf_counter()
    done = subprocess.run(
        _command(name, quick=True),
        check=False,
        cwd=HERE.parent,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    return done.returncode, done.stdout, time.perf_counter() - started


def run_quick(names: list[str], jobs: int) -> dict[str, float]:
    """The benchmarks' smoke runs, `jobs` at a time (their figures mean nothing): each
    one's output printed whole as it ends; every failure named at the end."""
    took: dict[str, float] = {}
    failed: list[str] = []
    # The costliest last in BENCHMARKS: started first, so the two lanes end together.
    with concurrent.futures.ThreadPoolExecutor(max_workers=jobs) as pool:
        futures = {pool.submit(_run_captured, name): name for name in reversed(names)}
        for future in concurrent.futures.as_completed(futures):
            name = futures[future]
            code, output, took[name] = future.result()
            print(f"== benchmarks/{name}.py --quick ({took[name]:.0f} s)\n{output}", flush=True)
            if code != 0:
                failed.append(f"benchmarks/{name}.py failed (exit {code})")
    if failed:
        sys.exit("\n".join(failed))
    return {name: took[name] for name in names}


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="a smoke run: writes nothing")
    parser.add_argument("--only", nargs="+", choices=BENCHMARKS, help="run only these")
    parser.add_argument(
        "--jobs", type=int, default=2, help="with --quick: how many run at once (default 2)"
    )
    args = parser.parse_args(argv)
    chosen = list(args.only or BENCHMARKS)
    print(machine(), flush=True)
    if args.quick:
        jobs = max(1, args.jobs)
        started = time.perf_counter()
        took = run_quick(chosen, jobs)
        print(", ".join(f"{name} {seconds:.0f} s" for name, seconds in took.items()))
        print(f"all: {time.perf_counter() - started:.0f} s, {jobs} at a time")
        return
    took = {name: run(name, quick=False) for name in chosen}
    print(", ".join(f"{name} {seconds:.0f} s" for name, seconds in took.items()))
    _stamp(machine())
    if args.only is None:
        _timed(took)


#: Issue 16's target for the whole suite, one command, on 2 cores.
SUITE_TARGET = 15 * 60


def _timed(took: dict[str, float]) -> None:
    """How long each benchmark of the last full run took, and the whole, in RESULTS.md."""
    sys.path.insert(0, str(HERE))
    from step_overhead import _replace_section  # noqa: PLC0415 (the benchmarks' own helper)

    total = sum(took.values())
    rows = "\n".join(f"| `{name}` | {seconds:.0f} |" for name, seconds in took.items())
    verdict = "met" if total <= SUITE_TARGET else "not met"
    body = (
        f"{machine()}\n\n| benchmark | seconds |\n|---|---:|\n{rows}\n| **all** | "
        f"**{total:.0f}** ({total / 60:.1f} min) |\n\nTarget (issue 16): the whole suite in "
        f"one command under {SUITE_TARGET // 60} minutes on 2 cores: {verdict}.\n"
    )
    _replace_section(str(RESULTS), "suite", body)


def _stamp(line: str) -> None:
    """Name the machine and versions of the last full run at the top of RESULTS.md."""
    begin, end = "<!-- machine:begin -->", "<!-- machine:end -->"
    text = RESULTS.read_text(encoding="utf-8")
    if begin not in text:
        head, _, rest = text.partition("\n\n")
        text = f"{head}\n\n{begin}\n{end}\n\n{rest}"
    before, _, rest = text.partition(begin)
    _, _, after = rest.partition(end)
    stamp = f"Last full run (`python benchmarks/run_all.py`): {line}."
    RESULTS.write_text(f"{before}{begin}\n{stamp}\n{end}{after}", encoding="utf-8")


if __name__ == "__main__":
    main()
