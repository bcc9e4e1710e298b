"""What `lolpop run` shows while a workflow runs: a `Display` of its component steps.

- On a terminal (stderr), a live display (rich, imported only then): a spinner while the
  config loads, then a bar over the plan's component steps, whose total is known before
  the run starts (the dry run's plan, as `lolpop plan` counts them), the current step's
  path and the time so far. It is transient: the summary replaces it.
- Otherwise (a file, a pipe, CI) one plain line per finished component step on stderr,
  `[i/N] path (1.2 s)`, so a log shows where a run got to.
- `quiet`: nothing but the summary and errors; `verbose`: every finished step's line
  also gives its types (on a terminal too, above the bar), and libraries' INFO logs
  (MLflow's, Prefect's) are kept.

A step run once per item or retried counts once (its first call moves the count); glue
(internal steps that only pass values on) is not counted. Steps that only run when a
branch chooses them, and failure handlers, are in the plan's total: a run that does not
need them ends short of it, and the last line says how many of the plan's steps ran.
Every line goes through `lolpop.secret.scrub`.
"""

from __future__ import annotations

import importlib
import logging
import os
import sys
import threading
import time
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Literal

from lolpop.secret import scrub

if TYPE_CHECKING:
    from rich.progress import Progress, TaskID

    from lolpop.backends.plan import PlannedStep
    from lolpop.core.step import AnyStep

#: How much `lolpop run` says (`--quiet`, default, `--verbose`).
Level = Literal["quiet", "normal", "verbose"]


def is_terminal() -> bool:
    """Whether stderr is an interactive terminal a live display can redraw."""
    isatty = getattr(sys.stderr, "isatty", None)
    interactive = bool(isatty()) if callable(isatty) else False
    return interactive and os.environ.get("TERM") != "dumb"


def level_of(*, quiet: bool, verbose: bool) -> Level:
    """The level the `--quiet` and `--verbose` flags ask for (quiet wins)."""
    if quiet:
        return "quiet"
    return "verbose" if verbose else "normal"


def set_log_levels(level: Level) -> None:
    """Libraries' log lines for `level`: MLflow's and Alembic's INFO lines only when
    verbose; Prefect keeps its flow and task runs' lines (one per component step, the
    flow run's name and final state) and drops its own chatter (starting and stopping a
    temporary server). (Quiet hides the runs' lines from the console too:
    `prefect_logs_at`.)"""
    if level == "verbose":
        return
    os.environ.setdefault("MLFLOW_LOGGING_LEVEL", "WARNING")
    for name in ("mlflow", "alembic", "prefect"):
        logging.getLogger(name).setLevel(logging.WARNING)
    for name in ("prefect.flow_runs", "prefect.task_runs"):
        logging.getLogger(name).setLevel(logging.INFO)


#: How Prefect's logging configuration sets its console handler's level, in this
#: process when it configures its loggers and in the processes started after (a
#: temporary Dask cluster's workers).
_CONSOLE_LEVEL = "PREFECT_LOGGING_HANDLERS_CONSOLE_LEVEL"


def prefect_logs_at(level: Level) -> None:
    """`set_log_levels(level)` once Prefect has configured its loggers: importing
    `prefect.main` (which `from prefect import flow` does) configures them again, which
    resets their levels. Quiet: Prefect's console handler shows warnings only (its API
    handler still sends every run's lines to the server, for its UI)."""
    from prefect.logging.handlers import PrefectConsoleHandler  # noqa: PLC0415 (on use)

    importlib.import_module("prefect.main")
    set_log_levels(level)
    if level != "quiet":
        return
    os.environ[_CONSOLE_LEVEL] = "WARNING"
    for handler in logging.getLogger().handlers:
        if isinstance(handler, PrefectConsoleHandler):
            handler.setLevel(logging.WARNING)


def seconds(value: float) -> str:
    """A step's duration as a line shows it: `75 ms`, `1.2 s`, `2.5 min`."""
    if value < 1:
        return f"{value * 1000:.0f} ms"
    return f"{value:.1f} s" if value < 60 else f"{value / 60:.1f} min"


def _common_prefix(paths: Sequence[str]) -> str:
    """The first segment all paths share (the program's name), with its `/`."""
    firsts = {path.split("/", 1)[0] for path in paths}
    if len(firsts) != 1 or not all("/" in path for path in paths):
        return ""
    return f"{firsts.pop()}/"


class Display:
    """Told of each step call (a backend's observer); shows the run at `level`.

    `live`: redraw a bar on the terminal (else plain lines); `say`: writes a line to
    stderr (scrubbed here too). Thread-safe: concurrent branches report from their own
    threads.

    >>> lines: list[str] = []
    >>> display = Display("normal", live=False, say=lines.append)
    >>> display.planned_paths(["main/read", "main/fit"], {})
    >>> display.step_started("main/read")
    >>> display.step_finished("main/read", 0.0, 1.25, 1, None)
    >>> display.close()
    >>> lines[0]
    '[1/2] read (1.2 s)'
    >>> lines[1].startswith("ran 1 of the plan's 2 steps in")
    True
    """

    def __init__(self, level: Level, *, live: bool, say: Callable[[str], None]) -> None:
        self.level = level
        self.live = live and level != "quiet"
        self._say = say
        self._lock = threading.Lock()
        self._counted: set[str] = set()
        self._hidden: frozenset[str] = frozenset()
        self._types: dict[str, str] = {}
        self._prefix = ""
        self._total: int | None = None
        self._began = time.perf_counter()
        self._bar: Progress | None = None
        self._task: TaskID | None = None
        self._closed = False

    def start(self, what: str) -> None:
        """Show that `what` is under way (a spinner on a terminal) before the plan is known."""
        if not self.live or self._bar is not None:
            return
        from rich.console import Console  # noqa: PLC0415 (only for a live display)
        from rich.progress import (  # noqa: PLC0415
            BarColumn,
            Progress,
            SpinnerColumn,
            TextColumn,
            TimeElapsedColumn,
        )

        self._bar = Progress(
            SpinnerColumn(),
            TextColumn("{task.description}"),
            BarColumn(),
            TextColumn("{task.fields[count]}"),  # no `0/?` before the total is known
            TimeElapsedColumn(),
            console=Console(file=sys.stderr),
            transient=True,
            # The summary goes to stdout, which may be a file while stderr is a terminal:
            # only stderr's lines (lolpop's messages) are printed above the bar.
            redirect_stdout=False,
        )
        self._task = self._bar.add_task(scrub(what), total=None, count="")
        self._bar.start()

    def planned(self, program: AnyStep, value: object = None) -> None:
        """Count the component steps of running `program` on `value` (its dry-run plan)
        before it runs."""
        from lolpop.backends.dry_run_backend import DryRun  # noqa: PLC0415

        plan = DryRun().plan(program, value).value_or(None)
        if plan is None:  # the input does not fit: the run says why
            return
        self.planned_steps(plan.steps)

    def planned_steps(self, steps: Sequence[PlannedStep]) -> None:
        """Count these planned steps (glue left out)."""
        types = {s.path: f"{s.input_type} -> {s.output_type}" for s in steps}
        self._hidden = frozenset(s.path for s in steps if s.internal)
        self.planned_paths([s.path for s in steps if not s.internal], types)

    def planned_paths(self, paths: Sequence[str], types: dict[str, str]) -> None:
        """Count these component steps' paths (`types`: each one's `input -> output`)."""
        with self._lock:
            self._total = len(paths)
            self._types = types
            self._prefix = _common_prefix(paths)
            self._began = time.perf_counter()
            if self._bar is not None and self._task is not None:
                count = f"0/{self._total}"
                self._bar.update(self._task, total=self._total, description="starting", count=count)

    def step_started(self, path: str) -> None:
        """A step call starts: the live display shows its path."""
        if self._bar is None or self._task is None or path in self._hidden:
            return
        with self._lock:
            self._bar.update(self._task, description=scrub(self._short(path)))

    def step_finished(  # noqa: PLR0917 (the observer's call)
        self,
        path: str,
        started: float,
        duration: float,
        attempt: int,
        error: Exception | None,
        kept: object = None,
    ) -> None:
        """A step call ended: count it (the first call of its path) and say so."""
        if path in self._hidden or self.level == "quiet":
            return
        with self._lock:
            if error is not None:
                line = f"      {self._short(path)}: attempt {attempt} failed ({seconds(duration)})"
            elif path in self._counted:
                return
            else:
                self._counted.add(path)
                total = "?" if self._total is None else str(self._total)
                line = f"[{len(self._counted)}/{total}] {self._short(path)} ({seconds(duration)})"
                if self.level == "verbose" and path in self._types:
                    line += f"  {self._types[path]}"
                if self._bar is not None and self._task is not None:
                    self._bar.update(self._task, advance=1, count=f"{len(self._counted)}/{total}")
            if self._bar is None:
                self._say(scrub(line))
            elif self.level == "verbose":
                self._bar.console.print(scrub(line), markup=False, highlight=False)

    def close(self) -> None:
        """Stop the live display (the summary follows); say how many steps ran. Idempotent."""
        with self._lock:
            if self._closed:
                return
            self._closed = True
            if self._bar is not None:
                self._bar.stop()
            if self.level == "quiet" or self._total is None or not self._counted:
                return
            took = seconds(time.perf_counter() - self._began)
        self._say(scrub(f"ran {len(self._counted)} of the plan's {self._total} steps in {took}"))

    def _short(self, path: str) -> str:
        return path.removeprefix(self._prefix) or path


def start_display(level: Level, what: str) -> Display:
    """A display for this `lolpop run` (live on a terminal, else lines), already showing
    `what` is under way, and closed when the command ends however it ends; libraries'
    log levels set for `level`."""
    set_log_levels(level)
    display = Display(level, live=is_terminal(), say=_say)
    display.start(what)
    try:
        import click  # noqa: PLC0415 (typer's; present whenever the CLI runs)

        click.get_current_context().call_on_close(display.close)
    except RuntimeError:  # not inside a click command (a test calling it directly)
        pass
    return display


def _say(line: str) -> None:
    import typer  # noqa: PLC0415

    typer.echo(scrub(line), err=True)
