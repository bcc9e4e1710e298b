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


def run(name: str, *, quick: bool) -> float:
    """Run one benchmark in a fresh process; its seconds. A failure stops everything."""
    command = [sys.executable, str(HERE / f"{name}.py")]
    command += ["--quick"] if quick else ["--write", str(RESULTS), *_FULL.get(name, ())]
    started = time.perf_counter()
    done = subprocess.run(command, check=False, cwd=HERE.parent)
    took = time.perf_counter() - started
    if done.returncode != 0:
        sys.exit(f"benchmarks/{name}.py failed (exit {done.returncode}) after {took:.0f} s")
    return took


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="a smoke run: writes nothing")
    parser.add_argument("--only", nargs="+", choices=BENCHMARKS, help="run only these")
    args = parser.parse_args(argv)
    chosen = args.only or BENCHMARKS
    print(machine(), flush=True)
    took = {}
    for name in chosen:
        print(f"== benchmarks/{name}.py{' --quick' if args.quick else ''}", flush=True)
        took[name] = run(name, quick=args.quick)
    print(", ".join(f"{name} {seconds:.0f} s" for name, seconds in took.items()))
    if not args.quick:
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
