"""Overhead of the Local backend per step, against the same plain Python calls.

Chains: for chains of 10, 100, 1000 and 10000 trivial `int -> int` steps, in one
process, alternating within each repeat:

- baseline: the plain functions called one after another (`x = f(x)` in a loop);
- lolpop, checked: the same functions as `@step`s (runtime type check on every call),
  composed with `>>` and run with `lolpop.run(..., backend=Local(ledger=None))`;
- lolpop, unchecked: the same with `step(check=False)` (the wiring check still runs);
- lolpop, checked and recorded: `Local()` with its default in-memory ledger, which
  keeps one record (path, start, duration, status, attempt) per step call.

The overhead per step is `(lolpop - baseline) / steps`, the median of several
repeats; the ratio is `lolpop / baseline`. Building the chain is timed apart, in two
parts: defining the steps (`make_step`, whose beartype wrapper costs most of it) and
composing them with `>>` (the wiring check of each `>>` included). Composing costs the
same per step at every length (a `>>` does not copy the chain it extends).

Fanout: 100 trivial steps on one input (`a & b & ...`, nested pairs), against the same
plain calls building the same nested tuple, run with `Local()` (its defaults: a worker
thread per CPU, the in-memory ledger) and with `Local(max_workers=1)`. The time per
branch is a run's time divided by 100; the overhead per branch subtracts the plain
calls'. Runs after the first are measured (the first compiles the program and, with
free worker threads, measures which branches are worth a thread).

Run: `python benchmarks/step_overhead.py [--quick] [--write benchmarks/RESULTS.md]`;
`--quick` measures the smallest sizes with the fewest repeats and writes nothing (a smoke
run: its figures mean nothing).
"""

from __future__ import annotations

import argparse
import functools
import operator
import platform
import statistics
import sys
import time
from collections.abc import Callable

from lolpop import Step, make_step, run
from lolpop.backends import Local

SIZES = (10, 100, 1_000, 10_000)
QUICK_SIZES = (10, 100)
#: How many branches the fanout has.
BRANCHES = 100
#: Issue 16's target: overhead per fanout branch with default settings, in µs.
FANOUT_TARGET_US = 2.0


def _make_functions(count: int) -> list[Callable[[int], int]]:
    def make(k: int) -> Callable[[int], int]:
        def add(x: int) -> int:
            return x + k

        add.__name__ = f"add_{k}"
        return add

    return [make(k % 7) for k in range(count)]


def _plain(functions: list[Callable[[int], int]]) -> Callable[[int], int]:
    def call_all(x: int) -> int:
        for fn in functions:
            x = fn(x)
        return x

    return call_all


def _compose(steps: list[Step[int, int]]) -> Step[int, int]:
    program = steps[0]
    for following in steps[1:]:
        program = program >> following
    return program


def _alternating(
    cases: dict[str, Callable[[], object]], calls: int, repeats: int
) -> dict[str, float]:
    """Median seconds per call of each case, over `repeats` rounds that each time every
    case on `calls` calls, one case after another (so a slow spell of the machine falls
    on all of them).

    Warmed up first: CPython specializes a function's code only after it has run a few
    times, and a chain of 10000 distinct steps would otherwise be measured cold.
    """
    for fn in cases.values():
        for _ in range(max(10, calls)):
            fn()
    samples: dict[str, list[float]] = {name: [] for name in cases}
    for _ in range(repeats):
        for name, fn in cases.items():
            start = time.perf_counter()
            for _ in range(calls):
                fn()
            samples[name].append((time.perf_counter() - start) / calls)
    return {name: statistics.median(values) for name, values in samples.items()}


def measure(size: int, repeats: int) -> dict[str, float]:
    """Seconds per run of a chain of `size` steps (baseline, checked, unchecked and
    recorded), and seconds to define and to compose its steps."""
    functions = _make_functions(size)
    plain = _plain(functions)
    define_start = time.perf_counter()
    checked_steps = [make_step(fn, check=True) for fn in functions]
    define_seconds = time.perf_counter() - define_start
    compose_seconds = []
    for _ in range(repeats):
        compose_start = time.perf_counter()
        _compose(checked_steps)
        compose_seconds.append(time.perf_counter() - compose_start)
    checked = _compose(checked_steps)
    unchecked = _compose([make_step(fn, check=False) for fn in functions])
    local = Local(ledger=None)
    expected = plain(0)
    assert run(checked, 0, backend=local).unwrap() == expected
    assert run(unchecked, 0, backend=local).unwrap() == expected

    def recorded() -> object:
        return run(checked, 0, backend=Local())  # a fresh ledger per run, as by default

    cases: dict[str, Callable[[], object]] = {
        "plain": lambda: plain(0),
        "checked": lambda: run(checked, 0, backend=local),
        "unchecked": lambda: run(unchecked, 0, backend=local),
        "recorded": recorded,
    }
    timings = _alternating(cases, max(1, 20_000 // size), repeats)
    return {
        **timings,
        "define": define_seconds,
        "compose": statistics.median(compose_seconds),
    }


def measure_fanout(repeats: int, calls: int) -> dict[str, float]:
    """Seconds per run of a `BRANCHES`-way fanout: plain calls, `Local()` (its default
    workers) and `Local(max_workers=1)`, each with a fresh ledger per run, as by default."""
    functions = _make_functions(BRANCHES)
    program = functools.reduce(operator.and_, [make_step(fn) for fn in functions])

    def plain() -> object:
        out: object = functions[0](0)
        for fn in functions[1:]:
            out = (out, fn(0))
        return out

    assert run(program, 0, backend=Local()).unwrap() == plain()
    cases: dict[str, Callable[[], object]] = {
        "plain": plain,
        "default": lambda: run(program, 0, backend=Local()),
        "one worker": lambda: run(program, 0, backend=Local(max_workers=1)),
    }
    return _alternating(cases, calls, repeats)


def report(results: dict[int, dict[str, float]]) -> str:
    """A Markdown table of the chain measurements."""
    lines = [
        "| steps | plain µs/run | lolpop checked µs/run | overhead µs/step (checked) "
        "| ratio (checked) | overhead µs/step (unchecked) | ratio (unchecked) "
        "| overhead µs/step (checked + recorded) | define µs/step | compose µs/step |",
        "|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for size, r in results.items():
        over_checked = (r["checked"] - r["plain"]) / size * 1e6
        over_unchecked = (r["unchecked"] - r["plain"]) / size * 1e6
        over_recorded = (r["recorded"] - r["plain"]) / size * 1e6
        lines.append(
            f"| {size} | {r['plain'] * 1e6:.1f} | {r['checked'] * 1e6:.1f} | {over_checked:.3f} "
            f"| {r['checked'] / r['plain']:.1f}x | {over_unchecked:.3f} "
            f"| {r['unchecked'] / r['plain']:.1f}x | {over_recorded:.3f} "
            f"| {r['define'] / size * 1e6:.1f} | {r['compose'] / size * 1e6:.2f} |"
        )
    return "\n".join(lines)


def report_fanout(fanout: dict[str, float]) -> str:
    """A Markdown table of the fanout measurements, per branch."""
    lines = [
        "| run | µs/branch | overhead µs/branch | ratio to plain |",
        "|---|---:|---:|---:|",
    ]
    names = {
        "plain": "plain calls",
        "default": "lolpop, `Local()` (default workers)",
        "one worker": "lolpop, `Local(max_workers=1)`",
    }
    plain = fanout["plain"]
    for key, name in names.items():
        seconds = fanout[key]
        lines.append(
            f"| {name} | {seconds / BRANCHES * 1e6:.2f} "
            f"| {(seconds - plain) / BRANCHES * 1e6:.2f} | {seconds / plain:.1f}x |"
        )
    over = (fanout["default"] - plain) / BRANCHES * 1e6
    verdict = "met" if over <= FANOUT_TARGET_US else "not met"
    lines.append("")
    lines.append(
        f"Target (issue 16): at most {FANOUT_TARGET_US:g} µs of overhead per branch with "
        f"default settings: {verdict} ({over:.2f} µs)."
    )
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> None:
    """Measure and print the tables (and write them into a results file if asked)."""
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="a smoke run: writes nothing")
    parser.add_argument("--write", metavar="PATH", help="replace the tables in this file")
    args = parser.parse_args(argv)
    sys.setrecursionlimit(1_000)  # the default: long chains must not need more
    repeats = 3 if args.quick else 9
    sizes = QUICK_SIZES if args.quick else SIZES
    results = {size: measure(size, repeats) for size in sizes}
    fanout = measure_fanout(repeats, calls=20 if args.quick else 200)
    table, fanout_table = report(results), report_fanout(fanout)
    header = (
        f"Python {platform.python_version()} on {platform.machine()}, "
        f"{time.strftime('%Y-%m-%d')}, median of {repeats} alternating repeats"
    )
    print(header)
    print(table)
    print()
    print(fanout_table)
    if args.write and not args.quick:
        _replace_section(args.write, "step-overhead", f"{header}\n\n{table}")
        _replace_section(args.write, "fanout-overhead", f"{header}\n\n{fanout_table}")


def _replace_section(path: str, name: str, body: str) -> None:
    begin, end = f"<!-- {name}:begin -->", f"<!-- {name}:end -->"
    with open(path, encoding="utf-8") as handle:
        text = handle.read()
    head, _, rest = text.partition(begin)
    _, _, tail = rest.partition(end)
    with open(path, "w", encoding="utf-8") as handle:
        handle.write(f"{head}{begin}\n{body}\n{end}{tail}")


if __name__ == "__main__":
    main()
