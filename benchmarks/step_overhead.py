"""Overhead of the Local backend per step, against the same plain Python calls.

For chains of 10, 100, 1000 and 10000 trivial `int -> int` steps, in one process:

- baseline: the plain functions called one after another (`x = f(x)` in a loop);
- lolpop, checked: the same functions as `@step`s (runtime type check on every call),
  composed with `>>` and run with `lolpop.run(..., backend=Local(ledger=None))`;
- lolpop, unchecked: the same with `step(check=False)` (the wiring check still runs);
- lolpop, checked and recorded: `Local()` with its default in-memory ledger, which
  keeps one record (path, start, duration, status, attempt) per step call.

The overhead per step is `(lolpop - baseline) / steps`, the median of several
repeats; the ratio is `lolpop / baseline`. Building the chain (including the
build-time wiring check of each `>>`) is timed separately.

Run: `python benchmarks/step_overhead.py [--quick] [--write benchmarks/RESULTS.md]`.
"""

from __future__ import annotations

import argparse
import platform
import statistics
import sys
import time
from collections.abc import Callable

from lolpop import Step, make_step, run
from lolpop.backends import Local

SIZES = (10, 100, 1_000, 10_000)


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


def _chain(functions: list[Callable[[int], int]], check: bool) -> Step[int, int]:
    steps = [make_step(fn, check=check) for fn in functions]
    program = steps[0]
    for following in steps[1:]:
        program = program >> following
    return program


def _time_per_call(fn: Callable[[], object], calls: int, repeats: int) -> float:
    """Median seconds per call of `fn` over `repeats` batches of `calls` calls.

    Warmed up first: CPython specializes a function's code only after it has run a few
    times, and a chain of 10000 distinct steps would otherwise be measured cold.
    """
    for _ in range(max(10, calls)):
        fn()
    samples = []
    for _ in range(repeats):
        start = time.perf_counter()
        for _ in range(calls):
            fn()
        samples.append((time.perf_counter() - start) / calls)
    return statistics.median(samples)


def measure(size: int, repeats: int) -> dict[str, float]:
    """Seconds per run of a chain of `size` steps: baseline, checked and unchecked."""
    functions = _make_functions(size)
    plain = _plain(functions)
    build_start = time.perf_counter()
    checked = _chain(functions, check=True)
    build_seconds = time.perf_counter() - build_start
    unchecked = _chain(functions, check=False)
    local = Local(ledger=None)
    expected = plain(0)
    assert run(checked, 0, backend=local).unwrap() == expected
    assert run(unchecked, 0, backend=local).unwrap() == expected
    calls = max(1, 20_000 // size)

    def recorded() -> object:
        return run(checked, 0, backend=Local())  # a fresh ledger per run, as by default

    return {
        "plain": _time_per_call(lambda: plain(0), calls, repeats),
        "checked": _time_per_call(lambda: run(checked, 0, backend=local), calls, repeats),
        "unchecked": _time_per_call(lambda: run(unchecked, 0, backend=local), calls, repeats),
        "recorded": _time_per_call(recorded, calls, repeats),
        "build": build_seconds,
    }


def report(results: dict[int, dict[str, float]]) -> str:
    """A Markdown table of the measurements."""
    lines = [
        "| steps | plain µs/run | lolpop checked µs/run | overhead µs/step (checked) "
        "| ratio (checked) | overhead µs/step (unchecked) | ratio (unchecked) "
        "| overhead µs/step (checked + recorded) | build µs/step |",
        "|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for size, r in results.items():
        over_checked = (r["checked"] - r["plain"]) / size * 1e6
        over_unchecked = (r["unchecked"] - r["plain"]) / size * 1e6
        over_recorded = (r["recorded"] - r["plain"]) / size * 1e6
        lines.append(
            f"| {size} | {r['plain'] * 1e6:.1f} | {r['checked'] * 1e6:.1f} | {over_checked:.3f} "
            f"| {r['checked'] / r['plain']:.1f}x | {over_unchecked:.3f} "
            f"| {r['unchecked'] / r['plain']:.1f}x | {over_recorded:.3f} "
            f"| {r['build'] / size * 1e6:.1f} |"
        )
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> None:
    """Measure and print the table (and write it into a results file if asked)."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="fewer repeats (a smoke run)")
    parser.add_argument("--write", metavar="PATH", help="replace the table in this file")
    args = parser.parse_args(argv)
    sys.setrecursionlimit(1_000)  # the default: long chains must not need more
    repeats = 3 if args.quick else 9
    results = {size: measure(size, repeats) for size in SIZES}
    table = report(results)
    header = (
        f"Python {platform.python_version()} on {platform.machine()}, "
        f"{time.strftime('%Y-%m-%d')}, median of {repeats} repeats"
    )
    print(header)
    print(table)
    if args.write:
        _replace_section(args.write, "step-overhead", f"{header}\n\n{table}")


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
