"""Dry-run planning and checking: each example config as a whole process, and a generated
program of 10,000 steps in process.

1. Each example config (`examples/*/workflow.yaml`), whole process, every command a
   fresh process run in turn with the others (bytecode on, as `.ci/run` has it; MLflow
   and Prefect pointed at a temporary folder), median of the repeats, and its ratio to
   `python -c pass` measured in the same rounds:

   - `lolpop plan CONFIG`: decodes the config, builds the runner's first stage and
     prints its plan (each step's types, effects, concurrency); nothing runs.
   - `lolpop check CONFIG`: decodes the config, builds every component and every stage
     (no data read, nothing run), then looks at the files it reads (existence, headers)
     and writes. Target (issue 16): at most 0.5 s. Its estimators are checked against
     the table of scikit-learn's estimators lolpop ships (for the installed release);
     what the table cannot decide is checked by scikit-learn, and kept (in the
     benchmark's own temporary `LOLPOP_CACHE_DIR`);
   - `check, nothing kept`: the same with nothing kept (`LOLPOP_CACHE_DIR=`), as the
     first check of an estimator and its parameters is.
   - `lolpop run CONFIG --backend dry-run`: what `run` does before running (config,
     profile, work folder, build), then prints the plan instead of running it.

2. A generated program of N leaf steps (N = 100, 1,000, 10,000), in this process: a
   chain of `>>` (40% of the steps), named groups of a 10-way fanout (`a & b & ...`) and
   a step reading its nested tuple (20%), named groups of `map_each` over a chain of 8
   steps between a step making the list and one summing it (20%), and a `Flow` of one
   binding per step, every third reading two earlier values (the rest). The leaf steps
   are made once (`@step`); what is timed, per leaf step, median of the repeats:

   - build: composing the program (`>>`, `&`, `map_each`, `Flow.call`/`build`), with
     the wiring check each of them makes (each edge's declared types must fit), which
     is what `lolpop check` does for a config's stages;
   - plan: `DryRun().plan(program, 1)`, the plan `lolpop plan` prints (paths, types,
     effects, edges, which steps may run together);
   - render: the plan as the text table `lolpop plan` prints (`Plan.to_text`);
   - validate: what `Local` does before running anything (`compile_program`: every node
     validated and compiled, nothing run).

   A cost that is linear in N has the same µs per step at every size; the last
   columns divide the per-step cost at 10,000 by that at 100.

Run: `python benchmarks/plan_check.py [--repeats 5] [--write benchmarks/RESULTS.md]`;
`--quick` runs one example and 1,000 steps once and writes nothing (a smoke run: its
figures mean nothing).
"""
# ruff: noqa: E402 (the imports follow the path and environment set-up above them)

from __future__ import annotations

import argparse
import gc
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Mapping, Sequence
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "benchmarks"))
os.environ.setdefault("MLFLOW_DISABLE_TELEMETRY", "true")
os.environ.setdefault("DO_NOT_TRACK", "true")

from cli_startup import KEEP_NOTHING, imports, keep_checks_apart
from step_overhead import _replace_section

from lolpop import Step, map_each, run, step
from lolpop.backends.dry_run_backend import DryRun
from lolpop.core._interpret import compile_program
from lolpop.core.flow import Flow

#: The example configs, from the repository's root; `--quick` takes the first.
EXAMPLES = tuple(sorted(str(p.relative_to(ROOT)) for p in ROOT.glob("examples/*/workflow.yaml")))
QUICK_EXAMPLE = "examples/churn/workflow.yaml"
#: The measured commands (after `lolpop`), by label.
COMMANDS: Mapping[str, tuple[str, ...]] = {
    "plan": ("plan",),
    "check": ("check",),
    "check, nothing kept": ("check",),
    "run --backend dry-run": ("run", "--backend", "dry-run", "--quiet"),
}
#: Environment changes of a command: `check, nothing kept` keeps no checks between
#: processes (`LOLPOP_CACHE_DIR=`), as the first check of an estimator and its
#: parameters is (the others keep them in the benchmark's folder).
NOTHING_KEPT: Mapping[str, Mapping[str, str]] = {"check, nothing kept": KEEP_NOTHING}
#: Issue 16's target for `lolpop check` of an example, whole process.
CHECK_TARGET_SECONDS = 0.5
SIZES = (100, 1_000, 10_000)
#: Libraries `check` needs for what it checks (see `cli_startup.py`): scikit-learn, for
#: what the table of its estimators cannot decide; the rest (pandas too) is listed.
EXPECTED_IMPORTS = ("sklearn",)
IMPORT_LISTED_MS = 20.0


# -- 1. the example configs, whole process ------------------------------------------


def _lolpop(*arguments: str) -> list[str]:
    """The `lolpop` console script beside this Python (else the same entry point)."""
    script = Path(sys.executable).parent / "lolpop"
    if script.exists():
        return [str(script), *arguments]
    return [sys.executable, "-c", "from lolpop.cli import main; main()", *arguments]


def _environment(folder: str) -> dict[str, str]:
    """This process's environment with bytecode on and tracking kept in `folder`."""
    environment = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    environment["MLFLOW_TRACKING_URI"] = f"sqlite:///{folder}/mlflow.db"
    environment["PREFECT_HOME"] = f"{folder}/prefect"
    environment["MLFLOW_DISABLE_TELEMETRY"] = "true"
    environment["DO_NOT_TRACK"] = "true"
    environment["LOLPOP_CACHE_DIR"] = f"{folder}/cache"
    return environment


def _seconds(command: Sequence[str], environment: Mapping[str, str]) -> float:
    start = time.perf_counter()
    done = subprocess.run(
        command, check=False, capture_output=True, text=True, env=dict(environment), cwd=ROOT
    )
    took = time.perf_counter() - start
    if done.returncode != 0:
        sys.exit(f"{' '.join(command)} failed (exit {done.returncode}):\n{done.stderr[-2000:]}")
    return took


def example_commands(example: str, folder: str) -> dict[str, list[str]]:
    """The measured commands for one example by label; the first is the baseline."""
    chosen = {"python -c pass": [sys.executable, "-c", "pass"]}
    for label, arguments in COMMANDS.items():
        work = ("--work-dir", f"{folder}/work") if arguments[0] == "run" else ()
        chosen[label] = _lolpop(*arguments, example, *work)
    return chosen


def measure_examples(
    examples: Sequence[str], repeats: int, *, warm: bool
) -> dict[str, dict[str, float]]:
    """Median seconds of each command on each example: rounds of every command of every
    example in turn (after a warm-up round of the first example, which fills the file
    cache and writes the bytecode, unless not `warm`)."""
    with tempfile.TemporaryDirectory(prefix="lolpop-plan-check-") as folder:
        environment = _environment(folder)
        chosen = {example: example_commands(example, folder) for example in examples}
        if warm:
            for command in chosen[examples[0]].values():
                _seconds(command, environment)
        for commands in chosen.values():  # every example's checks kept, as a user's are
            _seconds(commands["check"], environment)
        times: dict[str, dict[str, list[float]]] = {
            e: {label: [] for label in commands} for e, commands in chosen.items()
        }
        for _ in range(repeats):
            for example, commands in chosen.items():
                for label, command in commands.items():
                    changed = {**environment, **NOTHING_KEPT.get(label, {})}
                    times[example][label].append(_seconds(command, changed))
    return {
        example: {label: statistics.median(each) for label, each in by_label.items()}
        for example, by_label in times.items()
    }


def examples_table(medians: Mapping[str, Mapping[str, float]]) -> str:
    """One row per example: each command's ms and its ratio to `python -c pass`."""
    labels = list(COMMANDS)
    header = "| example | `python -c pass` ms | " + " | ".join(
        f"`{label}` ms (ratio)" for label in labels
    )
    rows = [
        header + " | check <= 0.5 s, kept or not |",
        "|---|---:|" + "---:|" * len(labels) + "---|",
    ]
    for example, by_label in medians.items():
        baseline = by_label["python -c pass"]
        cells = [
            f"{by_label[label] * 1000:.0f} ({by_label[label] / baseline:.0f}x)" for label in labels
        ]
        first = by_label["check, nothing kept"]
        met = "met" if max(by_label["check"], first) <= CHECK_TARGET_SECONDS else "not met"
        name = example.removeprefix("examples/").removesuffix("/workflow.yaml")
        rows.append(f"| {name} | {baseline * 1000:.0f} | {' | '.join(cells)} | {met} |")
    return "\n".join(rows)


def check_imports(example: str) -> str:
    """What `lolpop check EXAMPLE` imports besides scikit-learn that costs
    more than `IMPORT_LISTED_MS` (cumulative, measured once with `-X importtime`)."""
    script = _lolpop("check", example)
    listed = imports(script[1:] if script[0] == sys.executable else script)
    found = []
    for line in listed.splitlines():
        ms, _, name = line.strip().partition(" ms  ")
        if name not in EXPECTED_IMPORTS and float(ms) > IMPORT_LISTED_MS:
            found.append(f"{name} {float(ms):.0f} ms")
    return ", ".join(found) or "nothing"


# -- 2. a generated program, in process ---------------------------------------------


@step
def inc(x: int) -> int:
    """One leaf of the chains and the flow."""
    return x + 1


@step
def add(pair: tuple[int, int]) -> int:
    """A flow's binding that reads two values."""
    return pair[0] + pair[1]


@step
def total(branches: object) -> int:
    """The step after a fanout: reads its nested tuple."""
    return len(str(branches))


@step
def spread(x: int) -> list[int]:
    """The list a `map_each` runs on."""
    return [x, x + 1]


@step
def add_up(items: list[int]) -> int:
    """The step after a `map_each`."""
    return sum(items)


FANOUT_WIDTH = 10
MAPPED_CHAIN = 8


def _chain(length: int) -> Step[int, int]:
    program = inc
    for _ in range(length - 1):
        program = program >> inc
    return program


def _fanout_group(index: int) -> Step[int, int]:
    branches: Step[int, object] = inc
    for _ in range(FANOUT_WIDTH - 1):
        branches = branches & inc
    return (branches >> total).named(f"fan{index}")


def _map_group(index: int) -> Step[int, int]:
    return (spread >> map_each(_chain(MAPPED_CHAIN)) >> add_up).named(f"map{index}")


def _flow(bindings: int) -> Step[int, int]:
    f = Flow(int, "flow")
    previous = value = f.input
    for index in range(bindings):
        made = f.call(add, value, previous) if index % 3 == 2 else f.call(inc, value)
        previous, value = value, made
    return f.build(value)


def generated(size: int) -> Step[int, int]:
    """A program of `size` leaf steps (the module's notes say which)."""
    fanouts = size // 5 // (FANOUT_WIDTH + 1)
    maps = size // 5 // (MAPPED_CHAIN + 2)
    chain = size * 2 // 5
    bindings = size - chain - fanouts * (FANOUT_WIDTH + 1) - maps * (MAPPED_CHAIN + 2)
    program = _chain(chain)
    for index in range(fanouts):
        program = program >> _fanout_group(index)
    for index in range(maps):
        program = program >> _map_group(index)
    return program >> _flow(bindings)


PHASES = ("build", "plan", "render", "validate")


def _timed_phases(size: int) -> dict[str, float]:
    """Seconds of each phase on a newly built program of `size` steps (gc collected
    before, so one phase does not pay for another's garbage)."""
    took: dict[str, float] = {}
    gc.collect()
    start = time.perf_counter()
    program = generated(size)
    took["build"] = time.perf_counter() - start
    gc.collect()
    start = time.perf_counter()
    plan = DryRun().plan(program, 1).unwrap()
    took["plan"] = time.perf_counter() - start
    gc.collect()
    start = time.perf_counter()
    plan.to_text()
    took["render"] = time.perf_counter() - start
    gc.collect()
    start = time.perf_counter()
    compile_program(program)
    took["validate"] = time.perf_counter() - start
    if len(plan.steps) != size:
        sys.exit(f"the generated program has {len(plan.steps)} steps, not {size}")
    return took


def measure_program(sizes: Sequence[int], repeats: int) -> dict[int, dict[str, float]]:
    """Median µs per step of each phase at each size, sizes in turn in every round."""
    times: dict[int, dict[str, list[float]]] = {size: {p: [] for p in PHASES} for size in sizes}
    for _ in range(repeats):
        for size in sizes:
            for phase, seconds in _timed_phases(size).items():
                times[size][phase].append(seconds * 1e6 / size)
    return {
        size: {phase: statistics.median(each) for phase, each in by_phase.items()}
        for size, by_phase in times.items()
    }


def program_table(medians: Mapping[int, Mapping[str, float]]) -> str:
    """One row per size: µs per step of each phase, then the linearity ratios."""
    sizes = sorted(medians)
    smallest, largest = sizes[0], sizes[-1]
    header = "| steps | " + " | ".join(f"{phase} µs/step" for phase in PHASES) + " |"
    rows = [header, "|---:|" + "---:|" * len(PHASES)]
    for size in sizes:
        cells = " | ".join(f"{medians[size][phase]:.1f}" for phase in PHASES)
        rows.append(f"| {size:,} | {cells} |")
    if largest != smallest:
        ratios = " | ".join(
            f"{medians[largest][phase] / medians[smallest][phase]:.2f}x" for phase in PHASES
        )
        rows.append(f"| {largest:,} / {smallest:,} | {ratios} |")
    return "\n".join(rows)


def _check_runs() -> None:
    """The generated program is a real one: it runs on `Local`."""
    result = run(generated(100), 1)
    if not isinstance(result.value_or(None), int):
        sys.exit(f"the generated program does not run: {result}")


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n")[0])
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--write", help="a RESULTS.md whose section to replace")
    parser.add_argument("--quick", action="store_true", help="a smoke run: writes nothing")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="lolpop-bench-cache-") as kept:
        keep_checks_apart(kept)
        _main(args)


def _main(args: argparse.Namespace) -> None:
    repeats = 1 if args.quick else args.repeats
    examples = (QUICK_EXAMPLE,) if args.quick else EXAMPLES
    sizes: Sequence[int] = (1_000,) if args.quick else SIZES
    load = os.getloadavg()[0]  # a shared machine: other work slows every figure down
    _check_runs()
    started = time.perf_counter()
    program = program_table(measure_program(sizes, repeats))
    print(program, flush=True)
    print(f"({time.perf_counter() - started:.0f} s)", flush=True)
    by_example = measure_examples(examples, repeats, warm=not args.quick)
    table = examples_table(by_example)
    print(table, flush=True)
    extra = check_imports(QUICK_EXAMPLE) if not args.quick else "(not measured with --quick)"
    print(f"`lolpop check` imports beyond scikit-learn, > 20 ms: {extra}")
    if args.write and not args.quick:
        checks = [by_label["check"] for by_label in by_example.values()]
        first = [by_label["check, nothing kept"] for by_label in by_example.values()]
        body = "\n".join(
            [
                f"Python {platform.python_version()} on {platform.machine()} "
                f"({os.cpu_count()} cores, load average {load:.1f} at the start), "
                f"{date.today()}, median of {repeats} alternating runs",
                "",
                table,
                "",
                f"`lolpop check`: {min(checks):.2f}-{max(checks):.2f} s across the examples "
                f"against a target of {CHECK_TARGET_SECONDS} s (the estimators checked "
                "against the table of scikit-learn's estimators lolpop ships, for the "
                "installed release); with nothing kept (`LOLPOP_CACHE_DIR=`, the first "
                f"check of an estimator and its parameters): {min(first):.2f}-"
                f"{max(first):.2f} s. Besides scikit-learn (for what the table cannot "
                f"decide) it imports (cumulative, > {IMPORT_LISTED_MS:.0f} ms, `lolpop "
                f"check {QUICK_EXAMPLE}`, one `-X importtime` run): {extra}. A check "
                "imports no pandas (the steps' declared types are compared through "
                "stand-ins for its classes) unless the config names a module of the "
                "user's that does: the testing example's `features.py` imports it, which "
                "is its check's extra ~0.3 s. `plan` and `run --backend dry-run` build "
                "what a run builds, with pandas.",
                "",
                f"A generated program, in process (median of {repeats}):",
                "",
                program,
            ]
        )
        _replace_section(args.write, "plan-check", body)


if __name__ == "__main__":
    main()
