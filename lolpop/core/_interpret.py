"""The reference interpreter: a program compiled once into nested Python functions.

Compiling walks the tree once (assigning every leaf its path, see `paths`) and returns
one function per node. Running is then only the calls themselves: a chain is a loop
over its children's functions, with one `try` around the loop rather than one per
step, so a step costs a loop iteration plus its own call (its runtime type check
included). `benchmarks/step_overhead.py` measures it.

Two flavours, both cached on the program:

- plain (calling a step directly, `Local(ledger=None, max_workers=1)`): nothing but the
  calls;
- instrumented (the Local backend's default): each leaf reports its start and end to
  the current run (`RunContext`: run id, ledger, progress display, thread slots; when
  only an in-memory ledger listens, a tuple appended to the run's `calls`), and
  fanouts hand one branch to a free worker thread when their branches are worth a
  thread (`_concurrent_pair`: measured, so a fanout of quick steps stays in one
  thread), and a `map_each` of pure steps shares its items out the same way
  (`_concurrent_map`). What varies per run lives in a context variable, not in the compiled
  functions, so compiling happens once.

A flow (`Graph`) keeps its values in a list, and lets each go after the last binding
that reads it (`_last_reads`), so a large intermediate value is not held to its end.

A failure unwinds as `Halt` (carrying the leaf's path, the input's type, the cause and
the attempts) up to the top, where the caller turns it into a `RunFailure` value.
"""

from __future__ import annotations

import contextlib
import contextvars
import math
import threading
import time
from collections.abc import Callable, Iterable, Mapping
from collections.abc import Set as AbstractSet
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Protocol, TypeVar, cast

from attrs import define, frozen

from lolpop.core._hints import describe_value_type
from lolpop.core.failure import Halt
from lolpop.core.paths import Scope, leaves
from lolpop.core.step import (
    AnyStep,
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
    fans_out,
    refuse_node,
)
from lolpop.errors import StepFailure, StepTimeoutError

Compiled = Callable[[object], object]
#: A flow's binding (or block): fills its value(s) in the flow's list of values.
Bound = Callable[[list[object]], None]
#: Two branches run on their two inputs.
_Pair = Callable[[object, object], tuple[object, object]]
_T = TypeVar("_T")


class Observer(Protocol):
    """Told when each leaf starts and ends (progress displays, run records).

    Called on the step's own thread, once per call: keep it cheap and thread-safe.
    """

    def step_started(self, path: str) -> None:
        """A leaf call starts."""
        ...

    def step_finished(  # noqa: PLR0917 (one call's facts, in order)
        self,
        path: str,
        started: float,
        duration: float,
        attempt: int,
        error: Exception | None,
        kept: object = None,
    ) -> None:
        """A leaf call ended (`started`: epoch seconds); `error` is None on success;
        `kept`: what the run's keeper kept of it (None without one)."""
        ...


class Keeper(Protocol):
    """Keeps steps' outputs by key, and gives back kept ones (a step cache, a resume)."""

    def lookup(self, step: AnyStep, path: str, value: object) -> tuple[object, object]:
        """(what to record of the call, its kept output or `NOT_KEPT`)."""
        ...

    def keep(self, step: AnyStep, lookup: object, output: object) -> object:
        """Keep a call's output; what to record of the call."""
        ...


#: What `Keeper.lookup` gives for a call whose output is not kept.
NOT_KEPT = object()


class Slots:
    """Worker threads for concurrent branches, never waited for: with no free worker,
    the branch runs in the calling thread (so nested fanouts cannot deadlock)."""

    def __init__(self, workers: int) -> None:
        self._workers = workers
        self._pool: ThreadPoolExecutor | None = None  # made when first used: most runs never do
        self._free = threading.Semaphore(workers)
        self._lock = threading.Lock()

    def try_submit(self, fn: Compiled, value: object) -> Future[object] | None:
        """Run `fn(value)` on a free worker, or return None when none is free."""
        if not self._free.acquire(blocking=False):
            return None
        with self._lock:
            if self._pool is None:
                self._pool = ThreadPoolExecutor(self._workers, thread_name_prefix="lolpop")
            pool = self._pool
        context = contextvars.copy_context()
        future = pool.submit(context.run, fn, value)
        future.add_done_callback(lambda _: self._free.release())
        return future

    def close(self) -> None:
        """Let the workers go once they are done."""
        with self._lock:
            pool = self._pool
        if pool is not None:
            pool.shutdown(wait=True)


class CallLog(Protocol):
    """Where leaf calls are logged when nothing else watches a run (a list): one tuple per
    call, (path, start in epoch seconds, duration, attempt, error or None, None)."""

    def append(self, call: tuple[str, float, float, int, Exception | None, None], /) -> None:
        """Log one call."""
        ...


@frozen
class RunContext:
    """What one run shares with its compiled functions."""

    observer: Observer | None
    slots: Slots | None
    keeper: Keeper | None = None
    #: With no observer and no keeper: where each leaf call is logged, the cheapest
    #: record (a tuple appended to a list, no method called).
    calls: CallLog | None = None


_RUN: contextvars.ContextVar[RunContext | None] = contextvars.ContextVar("lolpop_run", default=None)
_ATTEMPT: contextvars.ContextVar[int] = contextvars.ContextVar("lolpop_attempt", default=1)


def _identity(value: object) -> object:
    return value


def _guarded(fn: Compiled, path: str | None) -> Compiled:
    """`fn` itself if it is compiled (it raises `Halt`), else a leaf wrapped to do so."""
    if path is None:
        return fn

    def leaf(value: object) -> object:
        try:
            return fn(value)
        except Exception as error:
            raise Halt(path, describe_value_type(value), error) from None

    return leaf


class _Unknown:
    """A value a dry run cannot know (the output of a step it would run)."""

    __slots__ = ()

    def __repr__(self) -> str:
        return "UNKNOWN"


#: What a dry run's keeper gives for a step it would run: the interpreter passes it on
#: without calling glue, choosing a branch or iterating (no step function sees it but
#: through the keeper, which gives `UNKNOWN` again).
UNKNOWN = _Unknown()


def unknown_in(value: object) -> bool:
    """Whether `value` is, or holds in its tuples and lists, `UNKNOWN`."""
    if value is UNKNOWN:
        return True
    if isinstance(value, tuple | list):
        return any(unknown_in(item) for item in value)
    return False


def check_pair(value: object, where: str) -> tuple[object, object]:
    """The input of `both`, or a `Halt` at `where` when it is not a pair."""
    if value is UNKNOWN:
        return (UNKNOWN, UNKNOWN)
    if not isinstance(value, tuple) or len(value) != 2:
        error = TypeError(f"both(...) takes a pair, got {describe_value_type(value)}")
        raise Halt(where, describe_value_type(value), error)
    return (value[0], value[1])


#: What `map_each` refuses, though it iterates, and why: mypy takes a `str` for a
#: `Sequence[str]`, and mapping its parts would be a silently wrong result.
_NOT_ITEMS: tuple[tuple[type | tuple[type, ...], str], ...] = (
    (str, "each character"),
    ((bytes, bytearray), "each byte"),
    (Mapping, "each key, not its values"),
    (AbstractSet, "its items in an arbitrary order"),
)


def items_of(value: object, where: str) -> list[object]:
    """The items `map_each` runs its step on, or a `Halt` at `where` for a value that
    is not a list of items (text, a mapping, a set, a non-iterable)."""
    for kinds, parts in _NOT_ITEMS:
        if isinstance(value, kinds):
            kind = describe_value_type(value)
            error = TypeError(
                f"map_each(...) takes a list (or tuple) of items, got a value of type "
                f"{kind}: it would run the step on {parts}. Pass the items as a list, "
                "e.g. [value]."
            )
            raise Halt(where, kind, error)
    try:
        return list(cast("Iterable[object]", value))  # any iterable; others fail here
    except TypeError as error:
        raise Halt(where, describe_value_type(value), error) from None


def _with_timeout(fn: Compiled, seconds: float, path: str) -> Compiled:
    """`fn` run in a helper thread, given up on after `seconds` (Python cannot kill a
    thread: a step that overruns is abandoned, and its result dropped)."""

    def timed(value: object) -> object:
        outcome: list[tuple[bool, object]] = []

        def target() -> None:
            try:
                outcome.append((True, fn(value)))
            except BaseException as error:
                outcome.append((False, error))

        context = contextvars.copy_context()
        thread = threading.Thread(target=context.run, args=(target,), daemon=True)
        thread.start()
        thread.join(seconds)
        if not outcome:
            raise StepTimeoutError(path, seconds)
        succeeded, payload = outcome[0]
        if succeeded:
            return payload
        raise payload  # type: ignore[misc]  # an exception caught in the helper thread

    return timed


def _observed(fn: Compiled, path: str, step: AnyStep) -> Compiled:
    """`fn` reporting its start and end to the current run's observer, its output kept
    by (and, when kept before, taken from) the run's keeper."""

    def observed(value: object) -> object:
        run = _RUN.get()
        if run is None:
            return fn(value)
        calls = run.calls
        if calls is not None:  # the default run's case, kept cheap
            started, clock = time.time(), time.perf_counter()
            try:
                result = fn(value)
            except Exception as error:
                duration = time.perf_counter() - clock
                calls.append((path, started, duration, _ATTEMPT.get(), error, None))
                raise
            calls.append((path, started, time.perf_counter() - clock, _ATTEMPT.get(), None, None))
            return result
        observer, keeper = run.observer, run.keeper
        if observer is None and keeper is None:
            return fn(value)
        if observer is not None:
            observer.step_started(path)
        started, clock = time.time(), time.perf_counter()
        looked: object = None
        if keeper is not None:
            looked, found = keeper.lookup(step, path, value)
            if found is not NOT_KEPT:
                if observer is not None:
                    duration = time.perf_counter() - clock
                    observer.step_finished(path, started, duration, _ATTEMPT.get(), None, looked)
                return found
        try:
            result = fn(value)
        except Exception as error:
            if observer is not None:
                duration = time.perf_counter() - clock
                observer.step_finished(path, started, duration, _ATTEMPT.get(), error, looked)
            raise
        kept = keeper.keep(step, looked, result) if keeper is not None else None
        if observer is not None:
            duration = time.perf_counter() - clock
            observer.step_finished(path, started, duration, _ATTEMPT.get(), None, kept)
        return result

    return observed


@define
class _Compiler:
    instrumented: bool
    default_timeout: float | None

    def compile(self, step: AnyStep, scope: Scope) -> tuple[Compiled, str | None]:
        """The node's function, and the leaf's path when it is a bare (unguarded) leaf."""
        node = step.node
        if isinstance(node, Leaf):
            path = scope.path_for(step.name)
            fn: Compiled = node.fn
            timeout = step.meta.timeout if step.meta.timeout is not None else self.default_timeout
            if timeout is not None:
                fn = _with_timeout(fn, timeout, path)
            if self.instrumented:
                fn = _observed(fn, path, step)
            return fn, path
        if isinstance(node, Identity):
            return _identity, None
        inner = scope.enter(step)
        match node:
            case Seq():
                return self._seq(node, inner), None
            case Fanout(left, right) if not fans_out(left) and not fans_out(right):
                pair = self._pair(left, right, inner)
                return (lambda value: pair(value, value)), None
            case Fanout():
                return self._fanout(FanoutShape.of(step), inner), None
            case Both():
                return self._both(node, inner), None
            case MapEach():
                return self._map(node, inner), None
            case Branch():
                predicate = self.guarded(node.predicate, inner)
                if_true = self.guarded(node.if_true, inner)
                if_false = self.guarded(node.if_false, inner)
                return _branch(predicate, if_true, if_false), None
            case Retry():
                return self._retry(node, inner), None
            case OnFailure():
                return self._on_failure(node, inner), None
            case Graph():
                return self._graph(node, inner), None
            case _:
                refuse_node("local", node, inner.where)

    def guarded(self, step: AnyStep, scope: Scope) -> Compiled:
        return _guarded(*self.compile(step, scope))

    def _seq(self, node: Seq, scope: Scope) -> Compiled:
        parts = [self.compile(child, scope) for child in node.steps]
        functions = tuple(fn for fn, _ in parts)
        paths = tuple(path or scope.where for _, path in parts)

        def run_seq(value: object) -> object:
            index = 0
            try:
                for index, fn in enumerate(functions):  # noqa: B007 (index names the failed step)
                    value = fn(value)
            except Halt:
                raise
            except Exception as error:
                raise Halt(paths[index], describe_value_type(value), error) from None
            return value

        return run_seq

    def _pair(self, left: AnyStep, right: AnyStep, scope: Scope) -> _Pair:
        """Both branches, concurrently when instrumented (and the run has free threads)."""
        run_left, run_right = self.guarded(left, scope), self.guarded(right, scope)
        if self.instrumented:
            return _concurrent_pair(run_left, run_right)
        return lambda first, second: (run_left(first), run_right(second))

    def _fanout(self, shape: FanoutShape, scope: Scope) -> Compiled:
        """`a & b & c ...`: every branch on the value, the outputs nested in pairs as
        the steps were, `((a, b), c)`; compiled and run in one loop, not one level of
        Python calls per `&` (a fanout of a few hundred branches would overflow them)."""
        runs = [self.guarded(branch, scope) for branch in shape.branches]
        run_all = _concurrent_all(runs) if self.instrumented else _one_after_another(runs)

        return lambda value: shape.nest(run_all(value))

    def _both(self, node: Both, scope: Scope) -> Compiled:
        pair = self._pair(node.left, node.right, scope)
        where = scope.at("both")
        return lambda value: pair(*check_pair(value, where))

    def _map(self, node: MapEach, scope: Scope) -> Compiled:
        inner = self.guarded(node.inner, scope)
        where = scope.at("map_each")
        # Pure items may run at once; effects keep their written order.
        concurrent = self.instrumented and not any(
            visit.step.meta.effect for visit in leaves(node.inner)
        )

        def run_map(items: object) -> object:
            if items is UNKNOWN:
                return UNKNOWN
            listed = items_of(items, where)
            if concurrent:
                return _concurrent_map(inner, listed)
            return [inner(item) for item in listed]

        return run_map

    def _graph(self, node: Graph, scope: Scope) -> Compiled:
        body = self._block(node.body, scope, _last_reads(node.body, node.output))
        output, size = node.output, node.size

        def run_graph(value: object) -> object:
            values: list[object] = [None] * size
            values[0] = value
            body(values)
            return values[output]

        return run_graph

    def _block(self, block: Block, scope: Scope, frees: _Frees) -> Bound:
        inner = Scope(scope.path_for(block.name)) if block.name else scope
        parts = tuple(
            _freeing(self._bind(item, inner), frees.get(id(item), ()))
            if isinstance(item, Bind)
            else self._block(item, inner, frees)
            for item in block.body
        )

        def run_block(values: list[object]) -> None:
            for part in parts:
                part(values)

        if block.handler is None:
            return run_block
        handler, subject = self.guarded(block.handler, inner), block.subject

        def run_guarded(values: list[object]) -> None:
            try:
                run_block(values)
            except Halt as halt:
                with contextlib.suppress(Halt):  # the original failure is the one reported
                    handler((values[subject], halt.to_failure()))
                raise

        return _freeing(run_guarded, frees.get(id(block), ()))

    def _bind(self, bind: Bind, scope: Scope) -> Bound:
        if bind.step is not None:
            return bound(bind, self.guarded(bind.step, scope), None, "")
        assert bind.fn is not None  # a binding holds a step or a function
        return bound(bind, None, bind.fn, scope.at(bind.name))

    def _on_failure(self, node: OnFailure, scope: Scope) -> Compiled:
        return _handled(self.guarded(node.inner, scope), self.guarded(node.handler, scope))

    def _retry(self, node: Retry, scope: Scope) -> Compiled:
        inner = self.guarded(node.inner, scope)
        attempts, backoff, retry_on = node.attempts, node.backoff, node.on

        def run_retry(value: object) -> object:
            attempt, tries = 1, 0
            while True:
                token = _ATTEMPT.set(attempt)
                try:
                    return inner(value)
                except Halt as halt:
                    # attempts: how often the failing step ran in all (inner retries too)
                    tries += halt.attempts
                    halt.attempts = tries
                    if attempt >= attempts or not isinstance(halt.cause, retry_on):
                        raise
                finally:
                    _ATTEMPT.reset(token)
                time.sleep(backoff.delay(attempt))
                attempt += 1

        return run_retry


#: Per binding or handled block (by `id`), the values it is the last to read.
_Frees = dict[int, tuple[int, ...]]


def _last_reads(body: Block, output: int) -> _Frees:
    """Which values each binding is the last to read, in the order a flow runs them (a
    handled block reads its subject when it ends: its handler may need it); never the
    output. A flow lets each go once read for the last time (`_freeing`), so that a
    large intermediate value (an encoded split) is not held to the flow's end."""
    last: dict[int, int] = {}
    # Depth first, in order, without recursion; a 1-tuple is a handled block's end.
    stack: list[Bind | Block | tuple[Block]] = [body]
    while stack:
        item = stack.pop()
        if isinstance(item, tuple):
            last[item[0].subject] = id(item[0])
        elif isinstance(item, Bind):
            for value in (*item.args, *(() if item.when is None else (item.when,))):
                last[value] = id(item)
        else:
            if item.handler is not None:
                stack.append((item,))
            stack.extend(reversed(item.body))
    last.pop(output, None)
    frees: dict[int, list[int]] = {}
    for value, owner in last.items():
        frees.setdefault(owner, []).append(value)
    return {owner: tuple(values) for owner, values in frees.items()}


def _freeing(part: Bound, frees: tuple[int, ...]) -> Bound:
    """`part`, then the values it was the last to read let go."""
    if not frees:
        return part

    def run_then_free(values: list[object]) -> None:
        part(values)
        for index in frees:
            values[index] = None

    return run_then_free


def bound(
    bind: Bind, step: Compiled | None, glue: Callable[..., object] | None, where: str
) -> Bound:
    """A binding of a flow as a function filling its value in `values`: the step on the
    argument (or the tuple of the arguments), or the glue on them, skipped (None) when
    its condition is false or, for `some`, when an argument is None."""
    args, target, when, some = bind.args, bind.target, bind.when, bind.some
    single = len(args) == 1

    def run_bind(values: list[object]) -> None:
        if when is not None and not values[when]:
            values[target] = None
            return
        given = [values[index] for index in args]
        if some and any(value is None for value in given):
            values[target] = None
        elif (when is not None and values[when] is UNKNOWN) or (step is None and unknown_in(given)):
            values[target] = UNKNOWN
        elif step is not None:
            values[target] = step(given[0] if single else tuple(given))
        else:
            assert glue is not None  # see the caller
            try:
                values[target] = glue(*given)
            except Exception as error:
                shown = ", ".join(describe_value_type(value) for value in given)
                raise Halt(where, f"({shown})", error) from None

    return run_bind


def _branch(predicate: Compiled, if_true: Compiled, if_false: Compiled) -> Compiled:
    def run_branch(value: object) -> object:
        chosen = predicate(value)
        if chosen is UNKNOWN:
            return UNKNOWN
        return if_true(value) if chosen else if_false(value)

    return run_branch


def _handled(body: Compiled, handler: Compiled) -> Compiled:
    """`body`; when it fails, `handler` on (input, failure) first, then the same failure."""

    def run_on_failure(value: object) -> object:
        try:
            return body(value)
        except Halt as halt:
            with contextlib.suppress(Halt):  # the original failure is the one reported
                handler((value, halt.to_failure()))
            raise

    return run_on_failure


#: Seconds the shorter of two branches must have taken, the last time their pair ran,
#: for the pair to run them on two threads again. Running two branches at once saves at
#: most the shorter one's time, and handing a branch to a worker thread costs tens of
#: microseconds (a queue, a wake-up, a context copy): more than a cheap branch itself.
WORTH_A_THREAD = 0.001


def _concurrent_pair(left: Compiled, right: Compiled) -> _Pair:
    """Run two branches, the left one on a free worker thread when the run has one and
    the branches are worth a thread.

    Whether they are is measured: each pair keeps how long its shorter branch took when
    it last ran (on one thread or two), and runs both in the calling thread while that
    is under `WORTH_A_THREAD`. A pair not run yet goes concurrent, so slow branches run
    at once from the first run on; a pair of cheap ones (a fanout of quick leaves) pays
    one hand-off, in its first run, and none after. A branch that becomes slow is
    measured at its next run and goes concurrent from the run after.

    Failures are reported as a sequential run would: the left branch's first.
    """
    # The shorter branch's seconds at the pair's last run (inf: not run yet), or the left
    # one's when that alone was under the threshold (the decision is the same, for one
    # clock read less). Shared by the runs of the compiled program; a race between two
    # runs only loses a measurement.
    shorter = [math.inf]
    clock = time.perf_counter

    def timed_left(value: object) -> tuple[object, float]:
        start = clock()
        return left(value), clock() - start

    def run_pair(left_in: object, right_in: object) -> tuple[object, object]:
        run = _RUN.get()
        slots = run.slots if run is not None else None
        if slots is None:
            return (left(left_in), right(right_in))
        future = slots.try_submit(timed_left, left_in) if shorter[0] >= WORTH_A_THREAD else None
        if future is None:  # in turn, in this thread
            start = clock()
            left_out = left(left_in)
            left_seconds = clock() - start
            if left_seconds < WORTH_A_THREAD:  # then so is the shorter: no need to time right
                shorter[0] = left_seconds
                return (left_out, right(right_in))
            start = clock()
            right_out = right(right_in)
            shorter[0] = min(left_seconds, clock() - start)
            return (left_out, right_out)
        start = clock()
        try:
            right_out = right(right_in)
        except Halt:
            future.result()  # the left branch's failure comes first, as in a sequential run
            raise
        right_seconds = clock() - start
        left_out, left_seconds = cast("tuple[object, float]", future.result())
        shorter[0] = min(left_seconds, right_seconds)
        return (left_out, right_out)

    return run_pair


def _one_after_another(branches: list[Compiled]) -> Callable[[object], list[object]]:
    return lambda value: [branch(value) for branch in branches]


def _concurrent_all(branches: list[Compiled]) -> Callable[[object], list[object]]:
    """Run every branch on one value: those worth a thread (as `_concurrent_pair`
    measures them: each branch's seconds when it last ran, unknown at first) on free
    worker threads, the others and the last one in the calling thread, in order.

    Every branch started is waited for, and the failure reported is the one of the
    lowest branch, as in a run one after another.
    """
    took = [math.inf] * len(branches)
    clock = time.perf_counter

    def timed(index: int) -> Compiled:
        branch = branches[index]

        def run_timed(value: object) -> object:
            start = clock()
            output = branch(value)
            took[index] = clock() - start
            return output

        return run_timed

    timed_branches = [timed(index) for index in range(len(branches))]
    in_turn = _one_after_another(branches)

    def run_all(value: object) -> list[object]:
        run = _RUN.get()
        slots = run.slots if run is not None else None
        if slots is None:
            return in_turn(value)
        last = len(branches) - 1
        started: list[Future[object] | None] = [
            slots.try_submit(timed_branches[index], value)
            if index < last and took[index] >= WORTH_A_THREAD
            else None
            for index in range(len(branches))
        ]
        outputs: list[object] = [None] * len(branches)
        failures: dict[int, Halt] = {}
        for index, future in enumerate(started):
            if future is not None:
                continue
            try:
                outputs[index] = timed_branches[index](value)
            except Halt as halt:
                failures[index] = halt
                break  # the branches after it are not run, as one after another
        for index, future in enumerate(started):
            if future is not None:
                try:
                    outputs[index] = future.result()
                except Halt as halt:
                    failures[index] = halt
        if failures:
            raise failures[min(failures)]
        return outputs

    return run_all


def _concurrent_map(inner: Compiled, items: list[object]) -> list[object]:
    """`inner` on every item, the items shared out between the calling thread and the
    run's free workers once the first item, run in the calling thread, took at least
    `WORTH_A_THREAD` (a map of quick steps stays in one thread).

    Each thread takes the next item not yet taken, so the outputs keep the items' order
    whatever the threads. After a failure no item is taken any more, and the failure
    reported is the one of the lowest item, as in a run one after another.
    """
    run = _RUN.get()
    slots = run.slots if run is not None else None
    if slots is None or len(items) < 2:
        return [inner(item) for item in items]
    start = time.perf_counter()
    outputs: list[object] = [inner(items[0])]
    if time.perf_counter() - start < WORTH_A_THREAD:
        return outputs + [inner(item) for item in items[1:]]
    outputs.extend([None] * (len(items) - 1))
    failures: dict[int, Exception] = {}
    lock = threading.Lock()
    taken = iter(range(1, len(items)))

    def take() -> int | None:
        with lock:
            return None if failures else next(taken, None)

    def work(_: object = None) -> None:
        while (index := take()) is not None:
            try:
                outputs[index] = inner(items[index])
            except Exception as error:  # kept: the lowest item's is re-raised
                with lock:
                    failures[index] = error

    helpers = [slots.try_submit(work, None) for _ in range(len(items) - 2)]
    work()
    for helper in helpers:
        if helper is not None:
            helper.result()
    if failures:
        raise failures[min(failures)]
    return outputs


def cached(program: AnyStep, key: object, make: Callable[[], _T]) -> _T:
    """`make()`, computed once per program and key and kept on the (immutable) program."""
    cache = program._compiled
    if cache is None:
        cache = {}
        object.__setattr__(program, "_compiled", cache)
    if key not in cache:
        cache[key] = make()
    return cast("_T", cache[key])


def compile_program(
    program: AnyStep, *, instrumented: bool = False, default_timeout: float | None = None
) -> Compiled:
    """One function running the whole program; it raises `Halt` when a step fails.

    Compiled once per program and flavour.
    """
    key = ("compiled", instrumented, default_timeout)
    cache = program._compiled
    if cache is not None and key in cache:  # the common case, kept cheap
        return cast("Compiled", cache[key])
    compiler = _Compiler(instrumented, default_timeout)
    return cached(program, key, lambda: compiler.guarded(program, Scope()))


def run_compiled(compiled: Compiled, value: object, context: RunContext) -> object:
    """Call a compiled (instrumented) program within a run's context."""
    token = _RUN.set(context)
    try:
        return compiled(value)
    finally:
        _RUN.reset(token)


def call_step(program: AnyStep, value: object) -> object:
    """Run a program in this process; raise `StepFailure` if a step fails."""
    try:
        return compile_program(program)(value)
    except Halt as halt:
        raise StepFailure(halt.to_failure()) from halt.cause
