"""The reference interpreter: a program compiled once into nested Python functions.

Compiling walks the tree once (assigning every leaf its path, see `paths`) and returns
one function per node. Running is then only the calls themselves: a chain is a loop
over its children's functions, with one `try` around the loop rather than one per
step, so a step costs a loop iteration plus its own call (its runtime type check
included). This is where the Local backend's ~sub-microsecond overhead per step
comes from; `benchmarks/step_overhead.py` measures it.

A failure unwinds as `Halt` (carrying the leaf's path, the input's type, the cause and
the attempts) up to the top, where the caller turns it into a `RunFailure` value.
"""

from __future__ import annotations

import time
from collections.abc import Callable

from lolpop.core._hints import describe_value_type
from lolpop.core.failure import Halt
from lolpop.core.paths import Scope
from lolpop.core.step import (
    AnyStep,
    Both,
    Branch,
    Fanout,
    Identity,
    Leaf,
    MapEach,
    Retry,
    Seq,
)
from lolpop.errors import StepFailure, UnsupportedNodeError

Compiled = Callable[[object], object]


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


def _compile(step: AnyStep, scope: Scope) -> tuple[Compiled, str | None]:
    """The node's function, and the leaf's path when it is a bare (unguarded) leaf."""
    node = step.node
    if isinstance(node, Leaf):
        return node.fn, scope.path_for(step.name)
    if isinstance(node, Identity):
        return _identity, None
    inner = scope.enter(step)
    if isinstance(node, Seq):
        return _compile_seq(node, inner), None
    if isinstance(node, Fanout):
        left, right = _compile_guarded(node.left, inner), _compile_guarded(node.right, inner)
        return (lambda value: (left(value), right(value))), None
    if isinstance(node, Both):
        return _compile_both(node, inner), None
    if isinstance(node, MapEach):
        return _compile_map(node, inner), None
    if isinstance(node, Branch):
        predicate = _compile_guarded(node.predicate, inner)
        if_true = _compile_guarded(node.if_true, inner)
        if_false = _compile_guarded(node.if_false, inner)
        return (lambda value: if_true(value) if predicate(value) else if_false(value)), None
    if isinstance(node, Retry):
        return _compile_retry(node, inner), None
    raise UnsupportedNodeError("local", type(node).__name__, inner.where)


def _compile_guarded(step: AnyStep, scope: Scope) -> Compiled:
    return _guarded(*_compile(step, scope))


def _compile_seq(node: Seq, scope: Scope) -> Compiled:
    parts = [_compile(child, scope) for child in node.steps]
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


def _compile_both(node: Both, scope: Scope) -> Compiled:
    left, right = _compile_guarded(node.left, scope), _compile_guarded(node.right, scope)
    where = f"{scope.prefix}/both" if scope.prefix else "both"

    def run_both(pair: object) -> object:
        if not isinstance(pair, tuple) or len(pair) != 2:
            error = TypeError(f"both(...) takes a pair, got {describe_value_type(pair)}")
            raise Halt(where, describe_value_type(pair), error)
        return (left(pair[0]), right(pair[1]))

    return run_both


def _compile_map(node: MapEach, scope: Scope) -> Compiled:
    inner = _compile_guarded(node.inner, scope)
    where = f"{scope.prefix}/map_each" if scope.prefix else "map_each"

    def run_map(items: object) -> object:
        try:
            iterator = iter(items)  # type: ignore[call-overload]  # any iterable is fine; others fail below
        except TypeError as error:
            raise Halt(where, describe_value_type(items), error) from None
        return [inner(item) for item in iterator]

    return run_map


def _compile_retry(node: Retry, scope: Scope) -> Compiled:
    inner = _compile_guarded(node.inner, scope)
    attempts, backoff, retry_on = node.attempts, node.backoff, node.on

    def run_retry(value: object) -> object:
        attempt = 1
        while True:
            try:
                return inner(value)
            except Halt as halt:
                halt.attempts = attempt
                if attempt >= attempts or not isinstance(halt.cause, retry_on):
                    raise
            time.sleep(backoff.delay(attempt))
            attempt += 1

    return run_retry


def compile_program(program: AnyStep) -> Compiled:
    """One function running the whole program; it raises `Halt` when a step fails.

    Compiled once per program and kept on it: programs are immutable.
    """
    compiled = program._compiled
    if compiled is None:
        compiled = _compile_guarded(program, Scope())
        object.__setattr__(program, "_compiled", compiled)
    return compiled


def call_step(program: AnyStep, value: object) -> object:
    """Run a program in this process; raise `StepFailure` if a step fails."""
    try:
        return compile_program(program)(value)
    except Halt as halt:
        raise StepFailure(halt.to_failure()) from halt.cause
