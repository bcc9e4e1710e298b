"""`Local`: the reference backend, running a program in this process.

It compiles the program once (which validates every node: an unknown node type is
refused with `UnsupportedNodeError` before anything runs) and calls it:

- fanout and `both` branches run concurrently on up to `max_workers` threads (a branch
  that finds no free thread runs in the calling one, so nested fanouts cannot
  deadlock); failures are still reported as a sequential run would report them. Only
  branches worth a thread get one: a pair whose shorter branch took under a millisecond
  when it last ran runs in turn (see `lolpop.core._interpret._concurrent_pair`);
- so do the items of a `map_each` of pure steps (a search's trials), once its first
  item took a millisecond or more (`_concurrent_map`); a map of effects runs its items
  in order, in the calling thread;
- `retry` is honoured; `timeout=` gives every step a default time limit (a step's own
  `StepMeta.timeout` wins), after which the step fails with `StepTimeoutError`;
- every leaf call is recorded in the ledger (path, start, duration, status, attempt);
- a live progress display is shown on an interactive terminal, nothing otherwise;
  `observer=` is told of every step call besides (`lolpop run`'s display).

The other backends must agree with this one (a property test checks it).
"""

from __future__ import annotations

import os
import sys
import threading
import uuid
from collections.abc import Callable
from contextlib import AbstractContextManager, nullcontext
from typing import TYPE_CHECKING, TypeVar, cast

import attrs
from attrs import Factory, frozen
from returns.result import Failure, Result, Success

from lolpop.backends.records import Kept, Ledger, MemoryLedger, RawCall, make_record
from lolpop.core._interpret import (
    Observer,
    RunContext,
    Slots,
    cached,
    compile_program,
    run_compiled,
)
from lolpop.core.failure import Halt, RunFailure
from lolpop.core.paths import leaves, steps
from lolpop.core.step import AnyStep, Both, Fanout, MapEach, Step
from lolpop.errors import DefinitionError

if TYPE_CHECKING:
    from lolpop.backends.cache import KeptRun

_A = TypeVar("_A")
_B = TypeVar("_B")


class _Recorder:
    """Keeps one entry per leaf call and hands them to ledgers as `StepRecord`s.

    A ledger that writes through (`JsonLinesLedger` or a run log, so that a killed run
    keeps what it did) gets each record at once; an in-memory one gets the run's records
    when it ends, which keeps the cost per step to a tuple appended to a list.
    """

    def __init__(self, ledgers: list[Ledger], run_id: str, watchers: list[Observer]) -> None:
        self.through = [ledger for ledger in ledgers if getattr(ledger, "write_through", True)]
        self.batched = [ledger for ledger in ledgers if ledger not in self.through]
        self.run_id = run_id
        self.watchers = watchers
        self.calls: list[RawCall] = []

    @property
    def only_batched(self) -> bool:
        """Whether all it does is keep the calls for batched ledgers (`calls`)."""
        return not self.through and not self.watchers

    def step_started(self, path: str) -> None:
        for watcher in self.watchers:
            watcher.step_started(path)

    def step_finished(  # noqa: PLR0917 (the observer's call)
        self,
        path: str,
        started: float,
        duration: float,
        attempt: int,
        error: Exception | None,
        kept: object = None,
    ) -> None:
        call = (path, started, duration, attempt, error, kept if isinstance(kept, Kept) else None)
        if self.through:
            record = make_record(self.run_id, call)
            for ledger in self.through:
                ledger.add(record)
        if self.batched:
            self.calls.append(call)
        for watcher in self.watchers:
            watcher.step_finished(path, started, duration, attempt, error, kept)

    def flush(self) -> None:
        """Hand the kept entries to the batched ledgers."""
        for ledger in self.batched:
            if isinstance(ledger, MemoryLedger):
                ledger.add_calls(self.run_id, self.calls)
            else:
                for call in self.calls:
                    ledger.add(make_record(self.run_id, call))
        self.calls = []


class _Progress:
    """A live display of the run's steps on the terminal (rich, imported on use)."""

    def __init__(self, total: int | None, glue: frozenset[str] = frozenset()) -> None:
        from rich.console import Console  # noqa: PLC0415 (only for interactive runs)
        from rich.progress import (  # noqa: PLC0415
            BarColumn,
            MofNCompleteColumn,
            Progress,
            SpinnerColumn,
            TextColumn,
            TimeElapsedColumn,
        )

        self._lock = threading.Lock()
        self.display = Progress(
            SpinnerColumn(),
            TextColumn("{task.description}"),
            BarColumn(),
            MofNCompleteColumn(),
            TimeElapsedColumn(),
            console=Console(file=sys.stderr),
            transient=True,
        )
        self._task = self.display.add_task("starting", total=total)
        self._done: set[str] = set()
        self._glue = glue

    def step_started(self, path: str) -> None:
        if path in self._glue:
            return
        with self._lock:
            self.display.update(self._task, description=path)

    def step_finished(  # noqa: PLR0917 (the observer's call)
        self,
        path: str,
        started: float,
        duration: float,
        attempt: int,
        error: Exception | None,
        kept: object = None,
    ) -> None:
        # Counted once per step of the plan: a step run per item or retried moves the bar
        # once, so the total is the plan's number of steps (steps a condition skips leave
        # the bar short of it).
        with self._lock:
            if path not in self._done and path not in self._glue:
                self._done.add(path)
                self.display.advance(self._task)


def _interactive() -> bool:
    """Whether stderr is a terminal (it may be None or a stand-in without isatty)."""
    isatty = getattr(sys.stderr, "isatty", None)
    return bool(isatty()) if callable(isatty) else False


def _shape(program: AnyStep) -> tuple[int, frozenset[str], bool]:
    """How many component leaves (the plan's steps), the paths of glue leaves (not
    counted), and whether anything may run concurrently (branches, mapped items)."""
    visits = list(leaves(program))
    glue = frozenset(visit.path for visit in visits if visit.step.meta.internal)
    return (
        len(visits) - len(glue),
        glue,
        any(isinstance(s.node, Fanout | Both | MapEach) for s in steps(program)),
    )


@frozen
class Local:
    """Run a program in this process.

    - `max_workers`: how many steps may run at once (fanout and `both` branches, the
      items of a `map_each` of pure steps, e.g. a search's trials); default: the
      number of CPUs; 1 runs everything in order in one thread.
    - `timeout`: seconds after which any step is given up (default: none).
    - `ledger`: where each step's record goes (default: a new `MemoryLedger`, read it
      with `backend.ledger.records()`); None records nothing.
    - `progress`: show a live display (default: only on an interactive terminal).
    - `observer`: told of every step call besides (e.g. `lolpop run`'s display).
    - `workflow`: the config the program was built from (`lolpop run` names it), so that
      `resume="last"` resumes a run of that config only.

    >>> from lolpop import run, step
    >>> @step
    ... def inc(x: int) -> int:
    ...     return x + 1
    >>> local = Local()
    >>> run(inc >> inc, 1, backend=local)
    <Success: 3>
    >>> [(r.path, r.status.value) for r in local.ledger.records()]
    [('inc', 'succeeded'), ('inc#2', 'succeeded')]
    """

    max_workers: int | None = None
    timeout: float | None = None
    ledger: Ledger | None = Factory(MemoryLedger)
    progress: bool | None = None
    cache_dir: str | os.PathLike[str] | None = None
    resume: str | None = None
    observer: Observer | None = None
    workflow: str = ""

    def __attrs_post_init__(self) -> None:
        for name in ("max_workers", "timeout"):
            value = getattr(self, name)
            if value is not None and value <= 0:
                raise DefinitionError(f"Local({name}=...) must be positive, got {value!r}.")
        if self.resume is not None and self.cache_dir is None:
            raise DefinitionError(
                "Local(resume=...) needs a cache_dir: a run is resumed from the outputs kept there."
            )

    @property
    def workers(self) -> int:
        """How many steps may run at once."""
        return self.max_workers if self.max_workers is not None else (os.cpu_count() or 1)

    def run(self, program: Step[_A, _B], value: _A, /) -> Result[_B, RunFailure]:
        """Validate and run `program` on `value`; a failing step gives `Failure`."""
        leaf_count, glue, concurrent = cached(program, "shape", lambda: _shape(program))
        show = self.progress if self.progress is not None else _interactive()
        slots = Slots(self.workers - 1) if concurrent and self.workers > 1 else None
        keeping = self.cache_dir is not None
        watched = show or self.observer is not None
        instrumented = self.ledger is not None or watched or slots is not None or keeping
        compiled = compile_program(program, instrumented=instrumented, default_timeout=self.timeout)
        if not instrumented:
            return _outcome(compiled, value)
        progress = _Progress(leaf_count, glue) if show else None
        ledgers: list[Ledger] = [] if self.ledger is None else [self.ledger]
        run_id = uuid.uuid4().hex
        kept: KeptRun | None = None
        if self.cache_dir is not None:
            from lolpop.backends.cache import start_kept_run  # noqa: PLC0415 (resumable runs only)

            kept = start_kept_run(self.cache_dir, self.resume, program, run_id, self.workflow)
            ledgers.append(kept.log)
        watchers: list[Observer] = [progress] if progress is not None else []
        watchers += [self.observer] if self.observer is not None else []
        observer: Observer | None = watchers[0] if len(watchers) == 1 else None
        if ledgers or len(watchers) > 1:
            observer = _Recorder(ledgers, run_id, watchers)
        if isinstance(observer, _Recorder) and observer.only_batched and kept is None:
            # The default run: the calls go straight to the recorder's list, no method called.
            context = RunContext(None, slots, calls=observer.calls)
        else:
            context = RunContext(observer, slots, kept.keeper if kept is not None else None)
        display: AbstractContextManager[object] = (
            progress.display if progress is not None else nullcontext()
        )
        outcome: Result[_B, RunFailure] | None = None
        try:
            with display:
                outcome = _outcome(lambda given: run_compiled(compiled, given, context), value)
                return outcome
        finally:
            if slots is not None:
                slots.close()
            if isinstance(observer, _Recorder):
                observer.flush()
            if kept is not None:
                kept.log.end("succeeded" if isinstance(outcome, Success) else "failed")

    def resuming(self, run_id: str) -> Local:
        """This backend, resuming the run `run_id` ("last": the latest unfinished one)."""
        return attrs.evolve(self, resume=run_id)


def _outcome(call: Callable[[object], object], value: object) -> Result[_B, RunFailure]:
    try:
        return Success(cast("_B", call(value)))
    except Halt as halt:
        return Failure(halt.to_failure())
