"""`Prefect`: a program run as a Prefect 3 flow, each leaf step a Prefect task.

The flow is named after the program (its name, or `lolpop`), each task after its
step's path, so Prefect's UI shows the same names as lolpop's plans, records and
failures. The program is compiled once (paths assigned exactly as on the Local
backend) into functions that submit its tasks inside the flow:

- a leaf is submitted as a task whose input may be another task's future, so a chain
  runs as a chain of dependent tasks, and the two branches of a fanout, submitted one
  after the other without waiting, run concurrently on the flow's task runner;
- `retry` around a single step becomes that task's own retries (the backoff's delays,
  and a retry condition for `on=`); around a composition it is a loop in the flow;
- `map_each` submits its step once per item (concurrently, e.g. across a Dask cluster
  with `prefect_dask.DaskTaskRunner`); `branch` waits for its predicate's value.

With no `PREFECT_API_URL` set, Prefect starts a temporary local server (ephemeral
mode; the first run in a new PREFECT_HOME takes ~20 s); with it set, runs are recorded
on that server. Failures come back as the same `RunFailure` as on the Local backend
(path, input type, cause, attempts). While a run is active, Prefect's console logs lose
their tracebacks (its UI keeps them): the failure is lolpop's value to report.
"""

from __future__ import annotations

import contextlib
import logging
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Protocol, Self, TypeVar, cast

from attrs import frozen
from returns.result import Failure, Result, Success

from lolpop.core._hints import describe_value_type
from lolpop.core._interpret import cached, check_pair
from lolpop.core.failure import Halt, RunFailure
from lolpop.core.paths import Scope, steps
from lolpop.core.step import (
    AnyStep,
    Backoff,
    Both,
    Branch,
    Fanout,
    Identity,
    Leaf,
    MapEach,
    OnFailure,
    Retry,
    Seq,
    Step,
)
from lolpop.errors import BackendError, UnsupportedNodeError

if TYPE_CHECKING:
    from prefect import Task
    from prefect.futures import PrefectFuture
    from prefect.task_runners import TaskRunner

_A = TypeVar("_A")
_B = TypeVar("_B")


def _task_body(fn: Callable[[object], object], path: str) -> Callable[[object], object]:
    """What a task runs: the step, failing as a `Halt` that names it and its attempt."""

    def body(value: object) -> object:
        try:
            return fn(value)
        except Exception as error:
            from prefect.runtime import task_run  # noqa: PLC0415 (prefect is imported on use)

            attempt = int(task_run.run_count or 1)
            raise Halt(path, describe_value_type(value), error, attempt) from error

    body.__name__ = path.replace("/", ".")
    body.__qualname__ = body.__name__
    return body


class _FlowRun:
    """One flow run: submits tasks, keeps their futures, resolves values."""

    def __init__(self) -> None:
        self.submitted: list[PrefectFuture[object]] = []

    def submit(self, prefect_task: Task[[object], object], value: object) -> object:
        future = prefect_task.submit(value)
        self.submitted.append(future)
        return future

    def resolve(self, value: object) -> object:
        """The concrete value behind futures (nested in tuples and lists), or `Halt`."""
        from prefect.futures import PrefectFuture  # noqa: PLC0415 (prefect is imported on use)

        if isinstance(value, PrefectFuture):
            value.wait()
            if value.state.is_completed():
                return value.result()
            raise self.first_failure()
        if isinstance(value, tuple):
            return tuple(self.resolve(item) for item in value)
        if isinstance(value, list):
            return [self.resolve(item) for item in value]
        return value

    def first_failure(self) -> Halt:
        """The failure of the earliest submitted task that failed, as a sequential run
        would report it (tasks downstream of it fail only as its consequence)."""
        for future in self.submitted:
            future.wait()
            if future.state.is_failed():
                error = future.state.result(raise_on_failure=False)
                if isinstance(error, Halt):
                    return error
        unfinished = [
            f.state.message or f.state.name for f in self.submitted if not f.state.is_completed()
        ]
        detail = unfinished[0] if unfinished else "the flow failed with no failed task"
        return Halt("<prefect>", "unknown", BackendError(f"a task did not complete: {detail}"))


#: A compiled node: given its input (a value, or futures) and the run, its output.
_Compiled = Callable[[object, _FlowRun], object]


def _delays(backoff: Backoff, attempts: int) -> list[float]:
    return [backoff.delay(attempt) for attempt in range(1, attempts)]


def _retry_condition(on: tuple[type[Exception], ...]) -> Callable[[object, object, object], bool]:
    def should_retry(task: object, task_run: object, state: object) -> bool:
        error = state.result(raise_on_failure=False)  # type: ignore[attr-defined]  # a prefect State
        cause = error.cause if isinstance(error, Halt) else error
        return isinstance(cause, on)

    return should_retry


def _make_task(step: AnyStep, leaf: Leaf, path: str, retry: Retry | None) -> Task[[object], object]:
    from prefect import task  # noqa: PLC0415 (prefect is imported on use)
    from prefect.cache_policies import NO_CACHE  # noqa: PLC0415

    options: dict[str, object] = {}
    if retry is not None and retry.attempts > 1:
        options["retries"] = retry.attempts - 1
        options["retry_delay_seconds"] = _delays(retry.backoff, retry.attempts)
        options["retry_condition_fn"] = _retry_condition(retry.on)
    if step.meta.timeout is not None:
        options["timeout_seconds"] = step.meta.timeout
    make = task(name=path, cache_policy=NO_CACHE, persist_result=False, **options)  # type: ignore[call-overload]  # prefect's keywords, set above
    return cast("Task[[object], object]", make(_task_body(leaf.fn, path)))


class _Compiler:
    """Compiles a program once into functions that submit its tasks in a flow run."""

    def compile(self, step: AnyStep, scope: Scope, retry: Retry | None = None) -> _Compiled:
        node = step.node
        if isinstance(node, Leaf):
            prefect_task = _make_task(step, node, scope.path_for(step.name), retry)
            return lambda value, run: run.submit(prefect_task, value)
        if isinstance(node, Identity):
            return lambda value, run: value
        inner = scope.enter(step)
        if isinstance(node, Seq):
            parts = tuple(self.compile(child, inner) for child in node.steps)

            def run_seq(value: object, run: _FlowRun) -> object:
                for part in parts:
                    value = part(value, run)
                return value

            return run_seq
        if isinstance(node, Fanout):
            left, right = self.compile(node.left, inner), self.compile(node.right, inner)
            return lambda value, run: (left(value, run), right(value, run))
        if isinstance(node, Both):
            return self._both(node, inner)
        if isinstance(node, MapEach):
            return self._map(node, inner)
        if isinstance(node, Branch):
            predicate = self.compile(node.predicate, inner)
            if_true = self.compile(node.if_true, inner)
            if_false = self.compile(node.if_false, inner)

            def run_branch(value: object, run: _FlowRun) -> object:
                chosen = run.resolve(predicate(value, run))
                return if_true(value, run) if chosen else if_false(value, run)

            return run_branch
        if isinstance(node, Retry):
            if isinstance(node.inner.node, Leaf):
                return self.compile(node.inner, inner, retry=node)
            return self._retry_loop(node, inner)
        if isinstance(node, OnFailure):
            return self._on_failure(node, inner)
        raise UnsupportedNodeError("prefect", type(node).__name__, inner.where)

    def _on_failure(self, node: OnFailure, scope: Scope) -> _Compiled:
        body, handler = self.compile(node.inner, scope), self.compile(node.handler, scope)

        def run_on_failure(value: object, run: _FlowRun) -> object:
            try:
                output = body(value, run)
                run.resolve(output)
                return output
            except Halt as halt:
                run.submitted.clear()  # the failed tasks are settled: the handler's are new
                with contextlib.suppress(Halt):  # the original failure is the one reported
                    run.resolve(handler((run.resolve(value), halt.to_failure()), run))
                run.submitted.clear()
                raise halt from None

        return run_on_failure

    def _both(self, node: Both, scope: Scope) -> _Compiled:
        left, right = self.compile(node.left, scope), self.compile(node.right, scope)
        where = scope.at("both")

        def run_both(value: object, run: _FlowRun) -> object:
            first, second = check_pair(
                value if isinstance(value, tuple) else run.resolve(value), where
            )
            return (left(first, run), right(second, run))

        return run_both

    def _map(self, node: MapEach, scope: Scope) -> _Compiled:
        each = self.compile(node.inner, scope)
        where = scope.at("map_each")

        def run_map(value: object, run: _FlowRun) -> object:
            items = run.resolve(value)
            try:
                listed = list(items)  # type: ignore[call-overload]  # any iterable; others fail here
            except TypeError as error:
                raise Halt(where, describe_value_type(items), error) from None
            return [each(item, run) for item in listed]

        return run_map

    def _retry_loop(self, node: Retry, scope: Scope) -> _Compiled:
        body = self.compile(node.inner, scope)

        def run_retry(value: object, run: _FlowRun) -> object:
            attempt, tries = 1, 0
            while True:
                try:
                    output = body(value, run)
                    run.resolve(output)
                    return output
                except Halt as halt:
                    tries += halt.attempts  # how often the failing step ran in all
                    halt.attempts = tries
                    if attempt >= node.attempts or not isinstance(halt.cause, node.on):
                        raise
                    run.submitted.clear()  # this attempt's tasks are settled: start clean
                time.sleep(node.backoff.delay(attempt))
                attempt += 1

        return run_retry


class TaskRunnerLike(Protocol):
    """What the backend takes as a task runner: any `prefect.task_runners.TaskRunner`,
    e.g. `ThreadPoolTaskRunner(max_workers=4)` or `prefect_dask.DaskTaskRunner(...)`."""

    @property
    def name(self) -> str:
        """The runner's name."""
        ...

    def duplicate(self) -> Self:
        """A copy of the runner (Prefect uses one per flow run)."""
        ...


class _NoTracebacks(logging.Filter):
    """Drops tracebacks from Prefect's console output (lolpop reports the failure)."""

    def filter(self, record: logging.LogRecord) -> bool:
        record.exc_info = None
        record.exc_text = None
        return True


@contextmanager
def _quiet_prefect() -> Iterator[None]:
    """Console output without tracebacks; Prefect's API log handlers (its UI) keep them.

    The console handler sits on the root logger, so it sees a record after the run
    loggers' own API handlers have sent it whole.
    """
    from prefect.logging.configuration import ensure_logging_setup  # noqa: PLC0415
    from prefect.logging.handlers import PrefectConsoleHandler  # noqa: PLC0415

    ensure_logging_setup()
    quiet = _NoTracebacks()
    handlers = [
        handler
        for name in ("", "prefect", "prefect.flow_runs", "prefect.task_runs")
        for handler in logging.getLogger(name).handlers
        if isinstance(handler, PrefectConsoleHandler)
    ]
    for handler in handlers:
        handler.addFilter(quiet)
    try:
        yield
    finally:
        for handler in handlers:
            handler.removeFilter(quiet)


def _validate(program: AnyStep) -> None:
    """Refuse, before anything runs, a node this backend cannot run."""
    known = (Leaf, Seq, Fanout, Both, MapEach, Branch, Retry, Identity, OnFailure)
    for current in steps(program):
        if not isinstance(current.node, known):
            raise UnsupportedNodeError("prefect", type(current.node).__name__, current.label)


@frozen
class Prefect:
    """Run a program as a Prefect flow; each leaf step becomes a task.

    - `task_runner`: any Prefect task runner (default: Prefect's thread pool); pass
      `prefect_dask.DaskTaskRunner(address=...)` to run the tasks on a Dask cluster.
    - `flow_name`: the flow's name (default: the program's name, or `lolpop`).
    - `heartbeat`: keep Prefect's flow heartbeat (off by default: it costs ~1 s a run).
    """

    task_runner: TaskRunnerLike | None = None
    flow_name: str | None = None
    heartbeat: bool = False

    def run(self, program: Step[_A, _B], value: _A, /) -> Result[_B, RunFailure]:
        """Validate and run `program` on `value` as a flow; a failing step gives `Failure`."""
        from prefect import flow  # noqa: PLC0415 (prefect is imported on use)
        from prefect.settings import (  # noqa: PLC0415
            PREFECT_FLOWS_HEARTBEAT_FREQUENCY,
            temporary_settings,
        )

        _validate(program)
        compiled = cached(program, "prefect", lambda: _Compiler().compile(program, Scope()))
        flow_run = _FlowRun()
        # The flow's value and failure are kept here, not read back from its state: with
        # results unpersisted, a state fetched from the API carries no data.
        outcome: list[object] = []
        halted: list[Halt] = []

        def body() -> object:
            try:
                outcome.append(flow_run.resolve(compiled(value, flow_run)))
            except Halt as halt:
                halted.append(halt)
                raise
            return outcome[0]

        body.__name__ = body.__qualname__ = "lolpop_program"
        make = flow(
            name=self.flow_name or program.name or "lolpop",
            task_runner=cast("TaskRunner[PrefectFuture[object]] | None", self.task_runner),
            validate_parameters=False,
            persist_result=False,
        )
        lolpop_flow = make(body)
        updates = {} if self.heartbeat else {PREFECT_FLOWS_HEARTBEAT_FREQUENCY: None}
        with temporary_settings(updates=updates), _quiet_prefect():
            state = lolpop_flow(return_state=True)
        if state.is_completed() and outcome:
            return Success(cast("_B", outcome[0]))
        halt = halted[0] if halted else flow_run.first_failure()
        return Failure(halt.to_failure())
