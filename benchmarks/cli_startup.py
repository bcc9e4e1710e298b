"""How long `lolpop --help` takes to start, against `python -c pass`.

Both run as fresh processes, alternating, with bytecode on (as `.ci/run` has it); the
median of each, and the ratio. Target (issue 15): under 12x `python -c pass`. The
command imports typer and lolpop's light core only; a command that needs pandas,
MLflow or Prefect imports it when it runs.

Run: `python benchmarks/cli_startup.py [--repeats 15] [--write benchmarks/RESULTS.md]`.
"""
# ruff: noqa: E402 (the imports follow the path set-up above them)

from __future__ import annotations

import argparse
import os
import platform
import statistics
import subprocess
import sys
import time
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "benchmarks"))

from step_overhead import _replace_section


def _command() -> list[str]:
    """The `lolpop` console script beside this Python (else the same entry point)."""
    script = Path(sys.executable).parent / "lolpop"
    if script.exists():
        return [str(script), "--help"]
    return [sys.executable, "-c", "from lolpop.cli import main; main()", "--help"]


def _seconds(command: list[str]) -> float:
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    start = time.perf_counter()
    subprocess.run(command, check=True, capture_output=True, env=env)
    return time.perf_counter() - start


def measure(repeats: int) -> tuple[float, float]:
    """Median seconds of `python -c pass` and of `lolpop --help`, alternating."""
    baseline, lolpop = [sys.executable, "-c", "pass"], _command()
    _seconds(baseline), _seconds(lolpop)  # warm the file cache and bytecode
    plain: list[float] = []
    ours: list[float] = []
    for _ in range(repeats):
        plain.append(_seconds(baseline))
        ours.append(_seconds(lolpop))
    return statistics.median(plain), statistics.median(ours)


def table(plain: float, ours: float, repeats: int) -> str:
    return "\n".join(
        [
            f"Python {platform.python_version()} on {platform.machine()}, {date.today()}, "
            f"median of {repeats} alternating runs",
            "",
            "| command | ms | ratio |",
            "|---|---:|---:|",
            f"| python -c pass | {plain * 1000:.0f} | 1.0x |",
            f"| lolpop --help | {ours * 1000:.0f} | {ours / plain:.1f}x |",
        ]
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n")[0])
    parser.add_argument("--repeats", type=int, default=15)
    parser.add_argument("--write", help="a RESULTS.md whose section to replace")
    args = parser.parse_args()
    plain, ours = measure(args.repeats)
    body = table(plain, ours, args.repeats)
    print(body)
    if args.write:
        _replace_section(args.write, "cli-startup", body)


if __name__ == "__main__":
    main()
