"""What is being fitted in this thread, so that a warning scikit-learn raises while lolpop
fits a model can name the model and its parameters.

`sklearn_trainer.fit_model` fits inside `fitting("fitting NAME with PARAMS")`; the
command line says a warning raised meanwhile as one line, `[WARNING] fitting NAME with
PARAMS: ConvergenceWarning: ...` (`lolpop.cli`), instead of scikit-learn's paragraph
with its source file and line. Each thread has its own (trials fit side by side).
"""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Iterator

_here = threading.local()


@contextlib.contextmanager
def fitting(what: str) -> Iterator[None]:
    """Say, in this thread, that `what` is being fitted (for as long as the block runs)."""
    before: str | None = getattr(_here, "what", None)
    _here.what = what
    try:
        yield
    finally:
        _here.what = before


def fitting_now() -> str | None:
    """What this thread is fitting, if anything."""
    what: str | None = getattr(_here, "what", None)
    return what
