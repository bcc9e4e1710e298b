"""Run a workflow config on `Local` with a step cache, killing this process (SIGKILL)
right after its Nth step finished: a test's stand-in for a power cut.

    python -m tests.runners.kill_driver CONFIG CACHE_DIR KILL_AFTER [RESUME]

KILL_AFTER 0 runs to the end; RESUME (`last` or a run id) resumes a run. The report's
text goes to stdout.
"""

from __future__ import annotations

import os
import signal
import sys
from collections.abc import Sequence

from returns.result import Success

from lolpop.backends import Local
from lolpop.backends.records import StepRecord
from lolpop.config import load
from lolpop.runners.build import build_workflow


class KillingLedger:
    """A ledger that kills the process when its `after`th record comes."""

    write_through = True

    def __init__(self, after: int) -> None:
        self.after = after
        self.seen = 0

    def add(self, record: StepRecord) -> None:
        self.seen += 1
        if self.seen == self.after:
            os.kill(os.getpid(), signal.SIGKILL)

    def records(self) -> Sequence[StepRecord]:
        return ()


def main(argv: Sequence[str]) -> int:
    config, cache_dir, after, *rest = argv
    program = build_workflow(load(config).unwrap(), source=config).unwrap()
    ledger = KillingLedger(int(after)) if int(after) else None
    backend = Local(cache_dir=cache_dir, ledger=ledger, resume=rest[0] if rest else None)
    result = backend.run(program, None)
    if not isinstance(result, Success):
        print(result.failure().message, file=sys.stderr)
        return 1
    print(result.unwrap().to_text())
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
