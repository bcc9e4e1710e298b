"""What the typed Python examples share: `run_main`, the command line of an example.

It runs the example on the local backend and prints the report, or prints the plan
(`--dry-run`). The default components come from `lolpop.runners.supervised.with_defaults`,
the same ones a YAML config gets for the slots it leaves out.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable
from pathlib import Path

from returns.pipeline import is_successful

from lolpop import Step, run
from lolpop.backends import DryRun
from lolpop.runners.kinds import Report
from lolpop.runners.supervised import STAGES, Stage

#: The repository's root: where `python -m examples.<name>.workflow` is run from.
ROOT = Path(__file__).resolve().parent.parent


def run_main(
    make_program: Callable[[Stage], Step[None, Report]],
    argv: list[str] | None,
    description: str | None,
) -> int:
    """Parse `argv`, then print the plan (`--dry-run`) or run and print the report.

    0 on success; 1 (and `lolpop: <message>` on stderr) when a step fails.
    """
    parser = argparse.ArgumentParser(
        description=(description or "").split("\n")[0],
    )
    parser.add_argument("--dry-run", action="store_true", help="print the plan; run nothing")
    parser.add_argument("--stage", choices=STAGES, default="build_all", help="the runner's stage")
    args = parser.parse_args(argv)
    stage: Stage = next(known for known in STAGES if known == args.stage)
    program = make_program(stage)
    # `is_successful`, then `unwrap()` or `failure()`, keeps the value's type for mypy; a
    # `match` on `Success(value)` would make it Any.
    if args.dry_run:
        planned = run(program, None, backend=DryRun())
        if not is_successful(planned):
            print(f"lolpop: {planned.failure().message}", file=sys.stderr)
            return 1
        print(planned.unwrap().to_text())
        return 0
    result = run(program, None)
    if not is_successful(result):
        print(f"lolpop: {result.failure().message}", file=sys.stderr)
        return 1
    print(result.unwrap().to_text())
    return 0
