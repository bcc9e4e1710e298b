"""The Prefect backend's console: one INFO line per component step, none for glue.

The console filter is checked on log records as Prefect's task runs make them (with
`task_name`); a full flow run under pytest logs nothing to the console (the test harness
keeps it quiet), so it would show nothing.
"""

from __future__ import annotations

import logging
import typing

from lolpop.backends.prefect_backend import _glue_paths, _NoTracebacks
from lolpop.core.step import Leaf, Step, StepMeta
from tests.steps import double, inc


def _record(level: int, task_name: str) -> logging.LogRecord:
    record = logging.LogRecord("prefect.task_runs", level, __file__, 1, "Finished", (), None)
    record.task_name = task_name
    return record


def test_glue_task_runs_log_no_info_line_on_the_console() -> None:
    glue: Step[int, int] = Step(
        Leaf(lambda x: x), "pass_on", typing.Any, typing.Any, StepMeta(internal=True)
    )
    program = (inc >> glue >> double).named("logged")
    console = _NoTracebacks(_glue_paths(program))
    shown = [
        name
        for name in ("logged/inc", "logged/pass_on", "logged/double")
        if console.filter(_record(logging.INFO, name))
    ]
    assert shown == ["logged/inc", "logged/double"]
    assert console.filter(_record(logging.WARNING, "logged/pass_on"))  # its warnings stay
