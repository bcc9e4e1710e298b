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
  with `prefect_dask.DaskTaskRunner`); `branch` waits for its predicate's value;
- in a flow (`Graph`), each step starts once the values it reads exist, but effects
  (steps marked `effect`) also wait for the flow's effect before them: they run in the
  order they are written, as on the Local backend. An `end_run` reads only the run, yet
  must not overtake the `log_params` written before it.
- on a task runner other than Prefect's thread pool (Dask's: tasks in other processes,
  perhaps on other machines), effects still run in the flow's own process, on a thread
  of their own: they write where the config and its tracking store are (a worker would
  write its own `mlflow.db`, on its own disk), and their inputs come to them, not the
  run's records to a worker. Pure steps run on the workers; a pure step that reads an
  effect's output waits for it in the flow. On Dask, a large value held in the flow
  (an effect's output, the run's input, what a step of the flow's own made, such as
  the best of a search's trials) is sent to the cluster once (`Client.scatter`), and
  every pure step reading it gets it from there: a fitted model read by three steps
  travels once, not in each step's task graph.

With no `PREFECT_API_URL` set, Prefect starts a temporary local server (ephemeral
mode; the first run in a new PREFECT_HOME takes ~20 s); with it set, runs are recorded
on that server. A temporary server that fails to start (a timeout, a locked database:
nothing has run) is started again once; a second failure is a `BackendError` saying what
to do. Failures come back as the same `RunFailure` as on the Local backend
(path, input type, cause, attempts). While a run is active, Prefect's console logs lose
their tracebacks (its UI keeps them): the failure is lolpop's value to report. The
console shows one INFO line per component step (the task run's final state); glue
(internal steps) logs there only from WARNING up.
"""

from __future__ import annotations

import contextlib
import logging
import os
import pickle
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Protocol, Self, TypeVar, cast

import attrs
from attrs import frozen
from returns.result import Failure, Result, Success

from lolpop.backends.cache import KeptRun, start_kept_run
from lolpop.backends.records import Kept
from lolpop.core._hints import describe_value_type
from lolpop.core._interpret import NOT_KEPT, cached, check_pair, items_of
from lolpop.core.failure import Halt, RunFailure
from lolpop.core.paths import Scope, leaves, steps
from lolpop.core.step import (
    AnyStep,
    Backoff,
    Bind,
    Block,
    Both,
    Branch,
    Fanout,
    FanoutShape,
    Graph,
    Identity,
    Leaf,
    MapEach,
    OnFailure,
    Retry,
    Seq,
    Step,
    refuse_node,
)
from lolpop.errors import BackendError, DefinitionError, UnsupportedNodeError

if TYPE_CHECKING:
    from prefect import Task
    from prefect.client.schemas.objects import State
    from prefect.futures import PrefectFuture
    from prefect.task_runners import TaskRunner

_A = TypeVar("_A")
_B = TypeVar("_B")
_T = TypeVar("_T")


#: The bodies of the flows being run in this process, by a token of their own. A flow's
#: function holds only its token: Prefect sends the flow, pickled, with every task it
#: submits to a task runner in another process (Dask's workers), and a function closing
#: over the run would send the run's futures, with every result resolved so far (a
#: search's models: ~20 MB with each later task of a 16-trial search).
_FLOW_BODIES: dict[str, Callable[[], object]] = {}


def _flow_body(token: str) -> Callable[[], object]:
    # A module-level function: pickled by name, where a flow function reading
    # `_FLOW_BODIES` itself would carry the dict (cloudpickle copies a nested function's
    # globals).
    return _FLOW_BODIES[token]


#: The kept runs (step cache and run log) of the flow runs going on in this process, by
#: Prefect's flow run id: a task body finds its own there (one shipped to a Dask worker
#: in another process finds none, and keeps nothing).
_KEPT_RUNS: dict[str, KeptRun] = {}


def _current_kept() -> KeptRun | None:
    if not _KEPT_RUNS:
        return None
    from prefect.runtime import flow_run  # noqa: PLC0415 (prefect is imported on use)

    return _KEPT_RUNS.get(str(flow_run.id))


class _ThisProcess:
    """A step held for this process only: pickled (to a Dask worker, which keeps no
    step outputs) it becomes None, so that a task body pickles without the program."""

    def __init__(self, step: AnyStep | None) -> None:
        self.step = step

    def __reduce__(self) -> tuple[type[_ThisProcess], tuple[None]]:
        return (_ThisProcess, (None,))


def _task_body(
    fn: Callable[[object], object], path: str, step: AnyStep
) -> Callable[[object], object]:
    """What a task runs: the step (or its kept output, with a step cache), failing as a
    `Halt` that names it and its attempt."""

    held = _ThisProcess(step)

    def body(value: object) -> object:
        kept, step = _current_kept(), held.step
        if kept is None or step is None:
            return _halting(fn, path, value)
        started, clock = time.time(), time.perf_counter()
        looked, found = kept.keeper.lookup(step, path, value)
        if found is not NOT_KEPT:
            kept.record((path, started, time.perf_counter() - clock, 1, None, _kept(looked)))
            return found
        try:
            result = _halting(fn, path, value)
        except Halt as halt:
            duration = time.perf_counter() - clock
            kept.record((path, started, duration, halt.attempts, halt.cause, _kept(looked)))
            raise
        done = kept.keeper.keep(step, looked, result)
        duration = time.perf_counter() - clock
        kept.record((path, started, duration, _attempt(), None, _kept(done)))
        return result

    body.__name__ = path.replace("/", ".")
    body.__qualname__ = body.__name__
    return body


def _attempt() -> int:
    from prefect.runtime import task_run  # noqa: PLC0415 (prefect is imported on use)

    return int(task_run.run_count or 1)


def _halting(fn: Callable[[object], object], path: str, value: object) -> object:
    """`fn(value)`, failing as a `Halt` that names the step and its attempt."""
    try:
        return fn(value)
    except Exception as error:
        raise Halt(path, describe_value_type(value), error, _attempt()) from error


def _kept(found: object) -> Kept | None:
    return found if isinstance(found, Kept) else None


class _FlowRun:
    """One flow run: submits tasks, keeps their futures, resolves values."""

    def __init__(self) -> None:
        self.submitted: list[PrefectFuture[object]] = []
        #: Where effects run when the flow's task runner is not this process's (None:
        #: on the flow's task runner, with every other step), and the futures it made.
        self.here: TaskRunner[PrefectFuture[object]] | None = None
        self.made_here: set[int] = set()
        #: Per flow (`Graph`) being run, innermost last: its latest effect, which the
        #: next effect waits for. (Tasks are submitted from the flow's thread only.)
        self.effects: list[PrefectFuture[object] | None] = [None]
        #: How a large value held in the flow is sent to the cluster once (None: not
        #: on Dask), and what each item given to a worker's task was given as, by the
        #: item's id (the item is kept with it, so that its id is not reused).
        self.send: Callable[[object], object] | None = None
        self.given: dict[int, tuple[object, object]] = {}

    def place_effects(self, here: TaskRunner[PrefectFuture[object]] | None) -> None:
        """Run effects on `here` (None: on the flow's task runner); off this process,
        large values held here are sent to a Dask cluster once."""
        self.here = here
        self.send = _sent_once() if here is not None else None

    def submit(self, prefect_task: Task[[object], object], value: object, effect: bool) -> object:
        """Submit a task on `value`; an effect after the current flow's previous one."""
        before = self.effects[-1] if effect else None
        waits = [before] if before is not None else None
        if effect and self.here is not None:
            future = self.here.submit(prefect_task, {"value": value}, wait_for=waits)
            self.made_here.add(id(future))
        else:
            if self.made_here or self.send is not None:  # values held here, to a worker
                value = self._for_workers(value)
            future = prefect_task.submit(value, return_state=False, wait_for=waits)
        self.submitted.append(future)
        if effect:
            self.effects[-1] = future
        return future

    def resolve(self, value: object) -> object:
        """The concrete value behind futures (nested in tuples and lists), or `Halt`."""
        from prefect.futures import PrefectFuture  # noqa: PLC0415 (prefect is imported on use)

        def concrete(item: object) -> object:
            if not isinstance(item, PrefectFuture):
                return item
            item.wait()
            if item.state.is_completed():
                return item.result()
            raise self.first_failure()

        return _rebuilt(value, concrete, _opens)

    def _for_workers(self, value: object) -> object:
        """`value` with the futures of effects run in this process resolved, and on
        Dask each large value held here sent to the cluster (once per value)."""
        from prefect.futures import PrefectFuture  # noqa: PLC0415 (prefect is imported on use)

        def opens(item: object) -> bool:
            return id(item) not in self.made_here and _opens(item)

        def given(item: object) -> object:
            here = id(item) in self.made_here
            if self.send is None:
                return self.resolve(item) if here else item
            if not here and isinstance(item, PrefectFuture):
                return item  # a worker's: Dask hands its value over
            if id(item) not in self.given:
                concrete = self.resolve(item) if here else item
                sent = self.send(concrete) if _large(concrete) else concrete
                self.given[id(item)] = (item, sent)
            return self.given[id(item)][1]

        return _rebuilt(value, given, opens)

    def failure_before(self, stop: int) -> Halt | None:
        """The failure of the earliest of the first `stop` submitted tasks that failed,
        waiting for them; None if none of them failed."""
        for future in self.submitted[:stop]:
            future.wait()
            if future.state.is_failed():
                error = future.state.result(raise_on_failure=False)
                if isinstance(error, Halt):
                    return error
        return None

    def first_failure(self) -> Halt:
        """The failure of the earliest submitted task that failed, as a sequential run
        would report it (tasks downstream of it fail only as its consequence)."""
        found = self.failure_before(len(self.submitted))
        if found is not None:
            return found
        unfinished = [
            f.state.message or f.state.name for f in self.submitted if not f.state.is_completed()
        ]
        detail = unfinished[0] if unfinished else "the flow failed with no failed task"
        return Halt("<prefect>", "unknown", BackendError(f"a task did not complete: {detail}"))


#: A compiled node: given its input (a value, or futures) and the run, its output.
_Compiled = Callable[[object, _FlowRun], object]
#: A flow's binding (or block): fills its value(s), or futures of them, in the list.
_Bound = Callable[[list[object], _FlowRun], None]


def _targets(block: Block) -> list[int]:
    """The values a block's bindings make, nested blocks' included."""
    found: list[int] = []
    for item in block.body:
        found += _targets(item) if isinstance(item, Block) else [item.target]
    return found


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
    return cast("Task[[object], object]", make(_task_body(leaf.fn, path, step)))


def _opens(value: object) -> bool:
    return isinstance(value, tuple | list)


def _rebuilt(
    value: object, leaf: Callable[[object], object], opens: Callable[[object], bool]
) -> object:
    """`value` with `leaf` applied to each item that `opens` does not open (tuples and
    lists it opens are rebuilt around their items, in order), in a loop: the output of a
    fanout of hundreds of branches nests hundreds of pairs deep."""
    if not opens(value):
        return leaf(value)
    assert isinstance(value, tuple | list)  # what `opens` opens
    stack: list[tuple[Iterator[object], list[object], bool]] = [
        (iter(value), [], isinstance(value, tuple))
    ]
    while True:
        items, done, is_tuple = stack[-1]
        for item in items:
            if opens(item):
                assert isinstance(item, tuple | list)
                stack.append((iter(item), [], isinstance(item, tuple)))
                break
            done.append(leaf(item))
        else:
            stack.pop()
            made = tuple(done) if is_tuple else done
            if not stack:
                return made
            stack[-1][1].append(made)


class _Compiler:
    """Compiles a program once into functions that submit its tasks in a flow run."""

    def compile(self, step: AnyStep, scope: Scope, retry: Retry | None = None) -> _Compiled:
        node = step.node
        if isinstance(node, Leaf):
            prefect_task = _make_task(step, node, scope.path_for(step.name), retry)
            effect = step.meta.effect
            return lambda value, run: run.submit(prefect_task, value, effect)
        if isinstance(node, Identity):
            return lambda value, run: value
        inner = scope.enter(step)
        match node:
            case Seq():
                parts = tuple(self.compile(child, inner) for child in node.steps)

                def run_seq(value: object, run: _FlowRun) -> object:
                    for part in parts:
                        value = part(value, run)
                    return value

                return run_seq
            case Fanout():
                # `a & b & c ...` in one loop, not one level of calls per `&` (a fanout
                # of hundreds of branches would overflow them); outputs nested as before.
                shape = FanoutShape.of(step)
                branches = [self.compile(branch, inner) for branch in shape.branches]

                return lambda value, run: shape.nest(branch(value, run) for branch in branches)
            case Both():
                return self._both(node, inner)
            case MapEach():
                return self._map(node, inner)
            case Branch():
                predicate = self.compile(node.predicate, inner)
                if_true = self.compile(node.if_true, inner)
                if_false = self.compile(node.if_false, inner)

                def run_branch(value: object, run: _FlowRun) -> object:
                    chosen = run.resolve(predicate(value, run))
                    return if_true(value, run) if chosen else if_false(value, run)

                return run_branch
            case Retry():
                if isinstance(node.inner.node, Leaf):
                    return self.compile(node.inner, inner, retry=node)
                return self._retry_loop(node, inner)
            case OnFailure():
                return self._on_failure(node, inner)
            case Graph():
                return self._graph(node, inner)
            case _:
                refuse_node("prefect", node, inner.where)

    def _graph(self, node: Graph, scope: Scope) -> _Compiled:
        """A flow: each step submitted as soon as it is bound, with the futures of the
        values it reads (so independent steps run concurrently); glue and conditions wait
        for the values they read. Every value is settled before the flow's output is
        given back: a failed step whose value nothing reads (an effect) still fails it."""
        body = self._block(node.body, scope)
        output, size = node.output, node.size

        def run_graph(value: object, run: _FlowRun) -> object:
            values: list[object] = [None] * size
            values[0] = value
            run.effects.append(None)  # this flow's effects: in their written order
            try:
                body(values, run)
            finally:
                run.effects.pop()
            for made in values[1:]:
                run.resolve(made)
            return values[output]

        return run_graph

    def _block(self, block: Block, scope: Scope) -> _Bound:
        inner = Scope(scope.path_for(block.name)) if block.name else scope
        parts = tuple(
            self._bind(item, inner) if isinstance(item, Bind) else self._block(item, inner)
            for item in block.body
        )
        made = tuple(_targets(block))

        def run_block(values: list[object], run: _FlowRun) -> None:
            for part in parts:
                part(values, run)

        if block.handler is None:
            return run_block
        handler, subject = self.compile(block.handler, inner), block.subject

        def run_guarded(values: list[object], run: _FlowRun) -> None:
            start = len(run.submitted)
            try:
                run_block(values, run)
                for index in made:  # settle the block's steps: their failures are its own
                    run.resolve(values[index])
            except Halt as halt:
                _check_own_failure(run, start)
                del run.submitted[start:]  # the failed tasks are settled: the handler's are new
                with contextlib.suppress(Halt):  # the original failure is the one reported
                    run.resolve(handler((run.resolve(values[subject]), halt.to_failure()), run))
                del run.submitted[start:]
                raise halt from None

        return run_guarded

    def _bind(self, bind: Bind, scope: Scope) -> _Bound:
        step = None if bind.step is None else self.compile(bind.step, scope)
        glue, where = bind.fn, scope.at(bind.name)
        args, target, when, some = bind.args, bind.target, bind.when, bind.some
        single = len(args) == 1

        def run_bind(values: list[object], run: _FlowRun) -> None:
            if when is not None and not run.resolve(values[when]):
                values[target] = None
                return
            given = [values[index] for index in args]
            if some and any(run.resolve(value) is None for value in given):
                values[target] = None
            elif step is not None:
                values[target] = step(given[0] if single else tuple(given), run)
            else:
                assert glue is not None  # a binding holds a step or a function
                resolved = [run.resolve(value) for value in given]
                try:
                    values[target] = glue(*resolved)
                except Exception as error:
                    shown = ", ".join(describe_value_type(value) for value in resolved)
                    raise Halt(where, f"({shown})", error) from None

        return run_bind

    def _on_failure(self, node: OnFailure, scope: Scope) -> _Compiled:
        body, handler = self.compile(node.inner, scope), self.compile(node.handler, scope)

        def run_on_failure(value: object, run: _FlowRun) -> object:
            start = len(run.submitted)
            try:
                output = body(value, run)
                run.resolve(output)
                return output
            except Halt as halt:
                _check_own_failure(run, start)
                del run.submitted[start:]  # the failed tasks are settled: the handler's are new
                with contextlib.suppress(Halt):  # the original failure is the one reported
                    run.resolve(handler((run.resolve(value), halt.to_failure()), run))
                del run.submitted[start:]
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
            return [each(item, run) for item in items_of(run.resolve(value), where)]

        return run_map

    def _retry_loop(self, node: Retry, scope: Scope) -> _Compiled:
        body = self.compile(node.inner, scope)

        def run_retry(value: object, run: _FlowRun) -> object:
            attempt, tries, start = 1, 0, len(run.submitted)
            while True:
                try:
                    output = body(value, run)
                    run.resolve(output)
                    return output
                except Halt as halt:
                    _check_own_failure(run, start)
                    tries += halt.attempts  # how often the failing step ran in all
                    halt.attempts = tries
                    if attempt >= node.attempts or not isinstance(halt.cause, node.on):
                        raise
                    del run.submitted[start:]  # this attempt's tasks are settled: start clean
                time.sleep(node.backoff.delay(attempt))
                attempt += 1

        return run_retry


def _check_own_failure(run: _FlowRun, start: int) -> None:
    """Re-raise the failure of a task submitted before `start` (before a retried, handled
    or guarded part began), if one failed: a sequential run stops there, so it is the
    run's failure, and the part neither retries it, nor hands it to its handler, nor
    forgets it (a failure resolving the part's input, or a concurrent branch's, is not
    the part's own)."""
    earlier = run.failure_before(start)
    if earlier is not None:
        raise earlier from None


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
    """Drops tracebacks from Prefect's console output (lolpop reports the failure), and
    the INFO lines of the task runs of glue steps (`hidden`: their names)."""

    def __init__(self, hidden: frozenset[str] = frozenset()) -> None:
        super().__init__()
        self.hidden = hidden

    def filter(self, record: logging.LogRecord) -> bool:
        if record.levelno < logging.WARNING and getattr(record, "task_name", None) in self.hidden:
            return False
        record.exc_info = None
        record.exc_text = None
        return True


@contextmanager
def _quiet_prefect(hidden: frozenset[str] = frozenset()) -> Iterator[None]:
    """Console output without tracebacks, nor glue's INFO lines (`hidden`: the glue
    steps' task names); Prefect's API log handlers (its UI) keep them.

    The console handler sits on the root logger, so it sees a record after the run
    loggers' own API handlers have sent it whole.
    """
    from prefect.logging.configuration import ensure_logging_setup  # noqa: PLC0415
    from prefect.logging.handlers import PrefectConsoleHandler  # noqa: PLC0415

    ensure_logging_setup()
    quiet = _NoTracebacks(hidden)
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


def _glue_paths(program: AnyStep) -> frozenset[str]:
    """The paths (task names) of the program's glue leaves."""
    return frozenset(visit.path for visit in leaves(program) if visit.step.meta.internal)


def _validate(program: AnyStep) -> None:
    """Refuse, before anything runs, a node this backend cannot run."""
    known = (Leaf, Seq, Fanout, Both, MapEach, Branch, Retry, Identity, OnFailure, Graph)
    for current in steps(program):
        if not isinstance(current.node, known):
            raise UnsupportedNodeError("prefect", type(current.node).__name__, current.label)


#: How many times a flow is started when Prefect's temporary server fails to start (a
#: fresh PREFECT_HOME under load can time out, or find its database locked, once).
_SERVER_ATTEMPTS = 2
_SERVER_PAUSE = 2.0


def _server_not_started(error: BaseException) -> bool:
    """Whether `error` is Prefect failing to start or reach its temporary local server
    (no step has run: the flow can be started again)."""
    text = str(error)
    return (
        "ephemeral Prefect API server" in text
        or "database is locked" in text
        or ("Timed out" in text and "Prefect API" in text)
    )


def _with_server_retry(start: Callable[[], _T], began: Callable[[], bool]) -> _T:
    """`start()`, started again when Prefect's temporary server failed to start and
    nothing `began`; a second such failure is one `BackendError`."""
    for attempt in range(1, _SERVER_ATTEMPTS + 1):
        try:
            return start()
        except Exception as error:
            if not _server_not_started(error) or began():
                raise
            if attempt == _SERVER_ATTEMPTS:
                raise _server_error(error) from None
            time.sleep(_SERVER_PAUSE)
    raise AssertionError("unreachable: the last attempt returns or raises")


def server_problem(*, dask: bool = False) -> str | None:
    """Why the Prefect server a run would report to cannot be used; None when it can, or
    when none is configured (Prefect then starts a temporary one). A server that
    PREFECT_API_URL (or the active Prefect profile) names and that takes no connection
    is said at once: Prefect's client retries it for minutes, and the run then failed
    with Prefect's own error. `dask`: the run is on Dask, which needs that server."""
    from prefect.settings import PREFECT_API_URL  # noqa: PLC0415 (prefect is imported on use)

    from lolpop._reach import unreachable  # noqa: PLC0415
    from lolpop.secret import mask_url  # noqa: PLC0415

    url = str(PREFECT_API_URL.value() or "")
    why = unreachable(url) if url else None
    if why is None:
        return None
    instead = (
        "or run with `--backend prefect` and PREFECT_API_URL unset (threads in this "
        "process, on a temporary server), or with `--backend local`"
        if dask
        else "unset it to run on a temporary local server, or run with `--backend local`"
    )
    return (
        f"the Prefect server at {mask_url(url)} (PREFECT_API_URL) takes no connection "
        f"({why}); nothing ran. Start it (`prefect server start`), fix PREFECT_API_URL, "
        f"{instead}."
    )


def _server_error(error: BaseException) -> BackendError:
    """One paragraph for a user when the temporary server would not start, twice."""
    return BackendError(
        f"Prefect's temporary local server did not start (twice; nothing ran): {error}. "
        "Run again (a first start in a new PREFECT_HOME can be slow), raise "
        "PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS (e.g. 90), or start a server with "
        "`prefect server start` and set PREFECT_API_URL to it."
    )


@contextmanager
def _effects_here(
    task_runner: TaskRunnerLike | None,
) -> Iterator[TaskRunner[PrefectFuture[object]] | None]:
    """A one-thread task runner in this process for a flow's effects, when its own task
    runner is not Prefect's thread pool (None when it is: effects run on it too)."""
    from prefect.task_runners import ThreadPoolTaskRunner  # noqa: PLC0415 (prefect on use)

    if task_runner is None or isinstance(task_runner, ThreadPoolTaskRunner):
        yield None
        return
    here: ThreadPoolTaskRunner[object]
    with ThreadPoolTaskRunner(max_workers=1) as here:
        yield cast("TaskRunner[PrefectFuture[object]]", here)


#: A value held in the flow larger than this, pickled, is sent to a Dask cluster once
#: rather than in each task graph that reads it (Dask warns from 10 MB).
LARGE_VALUE = 2**20


def _large(value: object) -> bool:
    """Whether `value` pickles to more than `LARGE_VALUE` bytes (its arrays' buffers
    counted, not copied; a value that does not pickle is left to Dask's message)."""
    buffers: list[pickle.PickleBuffer] = []
    try:
        size = len(pickle.dumps(value, protocol=5, buffer_callback=buffers.append))
    except Exception:  # any pickling failure: Dask reports it on submit
        return False
    return size + sum(memoryview(buffer).nbytes for buffer in buffers) > LARGE_VALUE


class _Scatters(Protocol):
    def scatter(self, data: list[object], *, hash: bool) -> list[object]: ...


def _sent_once() -> Callable[[object], object] | None:
    """How the running flow sends a value to its Dask cluster once, as a future its
    tasks read (None when its task runner is not Dask's)."""
    from prefect.context import FlowRunContext  # noqa: PLC0415 (prefect on use)

    context = FlowRunContext.get()
    try:
        from prefect_dask.task_runners import DaskTaskRunner  # noqa: PLC0415 (an extra)
    except ImportError:
        return None
    if context is None or not isinstance(context.task_runner, DaskTaskRunner):
        return None
    # `Client.scatter` is untyped in distributed: the call lolpop makes, typed.
    client = cast("_Scatters", context.task_runner.client)

    def send(value: object) -> object:
        # In a list, so that a tuple or dict value is sent whole, not item by item.
        (future,) = client.scatter([value], hash=False)
        return future

    return send


@frozen
class Prefect:
    """Run a program as a Prefect flow; each leaf step becomes a task.

    - `task_runner`: any Prefect task runner (default: Prefect's thread pool); pass
      `prefect_dask.DaskTaskRunner(address=...)` to run the tasks on a Dask cluster.
    - `flow_name`: the flow's name (default: the program's name, or `lolpop`).
    - `heartbeat`: keep Prefect's flow heartbeat (off by default: it costs ~1 s a run).
    - `cache_dir`, `resume`, `workflow`: as on `Local`: keep every step's output (and the run's log)
      in `cache_dir`, and resume an earlier run from it: the same cache and the same
      keys as `Local`, so a run started on one backend resumes on the other. (Tasks run
      by Dask workers in other processes keep nothing.)
    """

    task_runner: TaskRunnerLike | None = None
    flow_name: str | None = None
    heartbeat: bool = False
    cache_dir: str | os.PathLike[str] | None = None
    resume: str | None = None
    workflow: str = ""

    def __attrs_post_init__(self) -> None:
        if self.resume is not None and self.cache_dir is None:
            raise DefinitionError(
                "Prefect(resume=...) needs a cache_dir: a run is resumed from the outputs "
                "kept there."
            )

    def resuming(self, run_id: str) -> Prefect:
        """This backend, resuming the run `run_id` ("last": the latest unfinished one)."""
        return attrs.evolve(self, resume=run_id)

    def run(self, program: Step[_A, _B], value: _A, /) -> Result[_B, RunFailure]:
        """Validate and run `program` on `value` as a flow; a failing step gives `Failure`."""
        from prefect import flow  # noqa: PLC0415 (prefect is imported on use)
        from prefect.settings import (  # noqa: PLC0415
            PREFECT_FLOWS_HEARTBEAT_FREQUENCY,
            temporary_settings,
        )

        _validate(program)
        compiled = cached(program, "prefect", lambda: _Compiler().compile(program, Scope()))
        glue = cached(program, "prefect-glue", lambda: _glue_paths(program))
        flow_run = _FlowRun()
        kept = None
        if self.cache_dir is not None:
            kept = start_kept_run(
                self.cache_dir, self.resume, program, uuid.uuid4().hex, self.workflow
            )
        # The flow's value and failure are kept here, not read back from its state: with
        # results unpersisted, a state fetched from the API carries no data.
        outcome: list[object] = []
        halted: list[Halt] = []

        def run_flow() -> object:
            from prefect.runtime import flow_run as current  # noqa: PLC0415

            flow_run_id = str(current.id)
            if kept is not None:
                _KEPT_RUNS[flow_run_id] = kept
            try:
                with _effects_here(self.task_runner) as here:
                    flow_run.place_effects(here)
                    outcome.append(flow_run.resolve(compiled(value, flow_run)))
            except Halt as halt:
                halted.append(halt)
                raise
            finally:
                _KEPT_RUNS.pop(flow_run_id, None)
            # The value is read from `outcome`: handed to Prefect, it would be walked for
            # futures level by level (a wide fanout's output nests hundreds deep).
            return None

        token = uuid.uuid4().hex
        _FLOW_BODIES[token] = run_flow

        def lolpop_program() -> object:
            return _flow_body(token)()

        make = flow(
            name=self.flow_name or program.name or "lolpop",
            task_runner=cast("TaskRunner[PrefectFuture[object]] | None", self.task_runner),
            validate_parameters=False,
            persist_result=False,
        )
        lolpop_flow = make(lolpop_program)
        updates = {} if self.heartbeat else {PREFECT_FLOWS_HEARTBEAT_FREQUENCY: None}

        def start() -> State[object]:
            with temporary_settings(updates=updates), _quiet_prefect(glue):
                return lolpop_flow(return_state=True)

        try:
            state = _with_server_retry(start, lambda: bool(outcome or halted))
            if state.is_completed() and outcome:
                if kept is not None:
                    kept.log.end("succeeded")
                return Success(cast("_B", outcome[0]))
            halt = halted[0] if halted else flow_run.first_failure()
        except BaseException:
            if kept is not None:
                kept.log.end("failed")
            raise
        finally:
            _FLOW_BODIES.pop(token, None)
        if kept is not None:
            kept.log.end("failed")
        return Failure(halt.to_failure())
