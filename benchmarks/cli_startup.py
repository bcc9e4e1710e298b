"""How long the CLI takes, whole process: `lolpop --help` and `lolpop check`, against
`python -c pass`.

Every command runs as a fresh process, alternating with the others, with bytecode on (as
`.ci/run` has it); the median of each, and its ratio to `python -c pass` measured in the
same run. The commands:

- `lolpop --help`: imports typer and lolpop's light core only. Target (issue 16): at most
  10x `python -c pass`.
- `lolpop check examples/churn/workflow.yaml`: decodes the config, builds every component
  and every stage (no data read, nothing run), then looks at the files it reads and
  writes. Target (issue 16): at most 0.5 s.
- the same with `--offline` (the files are not looked at).
- the same with nothing kept (`LOLPOP_CACHE_DIR=`), as the first check of an estimator
  and its parameters is. Target (issue 16): at most 0.5 s too.

What `check` imports (measured with `-X importtime`, see `--imports`): not pandas, NumPy
or pyarrow. The steps' declared types name pandas' classes, and the build checks them
slot by slot, but while checking they are stand-ins that compare as pandas' classes do
(`lolpop._lazy`); a CSV file's header is read with the `csv` module. A
`sklearn_model` or `grid_search` component's `estimator:` and its parameters' names,
values and task (classifier or regressor) are checked against the table of
scikit-learn's estimators lolpop ships (`lolpop.components._sklearn_api`, for the
installed release), without importing scikit-learn; what the table cannot decide (another
release, a value it would refuse) is checked by scikit-learn's own validation, and a check
that passed is kept (`lolpop.components._facts`) for the next one. The benchmark keeps its
checks in a temporary folder, filled by its warm-up round. MLflow, matplotlib, Prefect,
Hypothesis, SQLAlchemy and DuckDB stay out too (tests/test_lazy_imports.py holds it to
that).

Run: `python benchmarks/cli_startup.py [--repeats 15] [--write benchmarks/RESULTS.md]`;
`--quick` runs each command twice and writes nothing (a smoke run: its figures mean
nothing); `--imports` prints the libraries `check` imports, by cumulative import time.
"""
# ruff: noqa: E402 (the imports follow the path set-up above them)

from __future__ import annotations

import argparse
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Mapping
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "benchmarks"))

from step_overhead import _replace_section

#: The example `check` is measured on (from the repository's root).
EXAMPLE = "examples/churn/workflow.yaml"
#: Issue 16's targets: a ratio to `python -c pass` for `--help`, seconds for `check`.
HELP_TARGET_RATIO = 10.0
CHECK_TARGET_SECONDS = 0.5


def _lolpop(*arguments: str) -> list[str]:
    """The `lolpop` console script beside this Python (else the same entry point)."""
    script = Path(sys.executable).parent / "lolpop"
    if script.exists():
        return [str(script), *arguments]
    return [sys.executable, "-c", "from lolpop.cli import main; main()", *arguments]


def commands() -> dict[str, list[str]]:
    """The measured commands by label; the first is the baseline."""
    return {
        "python -c pass": [sys.executable, "-c", "pass"],
        "lolpop --help": _lolpop("--help"),
        f"lolpop check {EXAMPLE}": _lolpop("check", EXAMPLE),
        f"lolpop check {EXAMPLE} --offline": _lolpop("check", EXAMPLE, "--offline"),
        f"{NOTHING_KEPT}lolpop check {EXAMPLE}": _lolpop("check", EXAMPLE),
    }


#: The label prefix of a command that keeps no checks between processes: the first
#: check of an estimator and its parameters (the others find them kept by the warm-up).
NOTHING_KEPT = "nothing kept: "
#: The environment change that keeps no checks between processes.
KEEP_NOTHING: Mapping[str, str] = {"LOLPOP_CACHE_DIR": ""}


def _environment(label: str = "") -> dict[str, str]:
    environment = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    if label.startswith(NOTHING_KEPT):
        environment.update(KEEP_NOTHING)
    return environment


def _seconds(command: list[str], label: str = "") -> float:
    start = time.perf_counter()
    subprocess.run(command, check=True, capture_output=True, env=_environment(label), cwd=ROOT)
    return time.perf_counter() - start


def measure(repeats: int) -> dict[str, float]:
    """Median seconds of each command, run in turn `repeats` times (after one warm-up
    round, which fills the file cache and writes the bytecode)."""
    chosen = commands()
    for command in chosen.values():
        _seconds(command)
    times: dict[str, list[float]] = {label: [] for label in chosen}
    for _ in range(repeats):
        for label, command in chosen.items():
            times[label].append(_seconds(command, label))
    return {label: statistics.median(each) for label, each in times.items()}


def _verdict(label: str, seconds: float, ratio: float) -> str:
    if label.startswith("lolpop --help"):
        met = ratio <= HELP_TARGET_RATIO
        return f"{'met' if met else 'not met'} (<= {HELP_TARGET_RATIO:.0f}x)"
    if label.startswith("lolpop check") or label.startswith(NOTHING_KEPT):
        met = seconds <= CHECK_TARGET_SECONDS
        return f"{'met' if met else 'not met'} (<= {CHECK_TARGET_SECONDS} s)"
    return ""


def table(medians: Mapping[str, float], repeats: int) -> str:
    """The figures as a markdown table, each command's ratio to the first (baseline)."""
    baseline = next(iter(medians.values()))
    rows = [
        f"| {label} | {seconds * 1000:.0f} | {seconds / baseline:.1f}x | "
        f"{_verdict(label, seconds, seconds / baseline)} |"
        for label, seconds in medians.items()
    ]
    return "\n".join(
        [
            f"Python {platform.python_version()} on {platform.machine()} "
            f"({os.cpu_count()} cores), {date.today()}, median of {repeats} alternating runs",
            "",
            "| command | ms | ratio | target |",
            "|---|---:|---:|---|",
            *rows,
            "",
            "`check` imports neither pandas nor NumPy (the steps' declared types, pandas' "
            "classes, are compared through stand-ins); an `estimator:` and its "
            "parameters are checked against the table of scikit-learn's estimators lolpop "
            "ships (for the installed release), without importing scikit-learn; what the "
            "table cannot decide is checked by scikit-learn and kept (`LOLPOP_CACHE_DIR`, "
            "here a temporary folder filled by the warm-up round). `python "
            "benchmarks/cli_startup.py --imports` lists what a check imports.",
        ]
    )


def imports(arguments: list[str]) -> str:
    """The libraries that `python ARGUMENTS` imports (itself or through lolpop's
    modules), by cumulative import time (ms), run once before to keep its checks."""
    subprocess.run(
        [sys.executable, *arguments], capture_output=True, env=_environment(), cwd=ROOT, check=False
    )
    done = subprocess.run(
        [sys.executable, "-X", "importtime", *arguments],
        capture_output=True,
        text=True,
        env=_environment(),
        cwd=ROOT,
        check=False,
    )
    entries: list[tuple[int, str, int]] = []
    for line in done.stderr.splitlines():
        if not line.startswith("import time:") or "self [us]" in line:
            continue
        _, total, name = line.split("|")
        depth = (len(name) - len(name.lstrip()) - 1) // 2
        entries.append((depth, name.strip(), int(total)))
    # The log lists each module after the ones it imported: read backwards, each line's
    # importers are the chain above it. A library is charged to the first module outside
    # lolpop on its chain, so pandas imported by lolpop's records counts as pandas.
    totals: dict[str, int] = {}
    chain: list[str] = []
    for depth, name, cumulative in reversed(entries):
        chain = [*chain[:depth], name]
        top = name.split(".")[0]
        if top != "lolpop" and all(each.split(".")[0] == "lolpop" for each in chain[:-1]):
            totals[top] = totals.get(top, 0) + cumulative
    ranked = sorted(totals.items(), key=lambda item: -item[1])
    return "\n".join(f"{us / 1000:8.1f} ms  {name}" for name, us in ranked[:20])


def keep_checks_apart(folder: str) -> None:
    """Point this process and its commands at a kept-checks folder of their own (a user's
    `~/.cache/lolpop` is neither read nor filled)."""
    os.environ["LOLPOP_CACHE_DIR"] = folder


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n")[0])
    parser.add_argument("--repeats", type=int, default=15)
    parser.add_argument("--write", help="a RESULTS.md whose section to replace")
    parser.add_argument("--quick", action="store_true", help="a smoke run: writes nothing")
    parser.add_argument(
        "--imports", action="store_true", help=f"list what `lolpop check {EXAMPLE}` imports"
    )
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="lolpop-bench-cache-") as kept:
        keep_checks_apart(kept)
        _main(args)


def _main(args: argparse.Namespace) -> None:
    if args.imports:
        script = _lolpop("check", EXAMPLE)
        print(imports(script[1:] if script[0] == sys.executable else script))
        return
    repeats = 2 if args.quick else args.repeats
    body = table(measure(repeats), repeats)
    print(body)
    if args.write and not args.quick:
        _replace_section(args.write, "cli-startup", body)


if __name__ == "__main__":
    main()
