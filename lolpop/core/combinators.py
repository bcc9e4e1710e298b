"""The combinators: typed functions from steps to steps.

Each takes at most two steps of work (plus a predicate for `branch`) and is fully
generic, so plain mypy checks a composition with no plugin. Each also checks, when
the program is built, that the runtime types fit (`WiringError` otherwise): the net
for programs built from configs, where mypy never ran.
"""

from __future__ import annotations

import typing
from collections.abc import Callable, Sequence
from typing import Protocol, TypeVar, overload

from lolpop.core._hints import describe, fits, is_open, meet
from lolpop.core.failure import RunFailure
from lolpop.core.step import (
    AnyStep,
    Backoff,
    Both,
    Branch,
    Fanout,
    Identity,
    MapEach,
    OnFailure,
    Retry,
    Seq,
    Step,
    StepMeta,
)
from lolpop.errors import DefinitionError, WiringError

_A = TypeVar("_A")
_B = TypeVar("_B")
_C = TypeVar("_C")
_D = TypeVar("_D")
_T_contra = TypeVar("_T_contra", contravariant=True)
_U = TypeVar("_U")

_PLAIN = StepMeta()


def _producer(step: AnyStep) -> AnyStep:
    """The step whose output is the composition's output (for error messages)."""
    while not step.name and isinstance(step.node, Seq):
        step = step.node.steps[-1]
    return step


def _consumer(step: AnyStep) -> AnyStep:
    """The step that first receives the composition's input (for error messages)."""
    while not step.name and isinstance(step.node, Seq):
        step = step.node.steps[0]
    return step


def _check_fit(combinator: str, left: AnyStep, right: AnyStep) -> None:
    if fits(left.out_type, right.in_type):
        return
    producer, consumer = _producer(left), _consumer(right)
    provided, expected = describe(left.out_type), describe(right.in_type)
    raise WiringError(
        f"cannot connect {producer.label!r} to {consumer.label!r} with {combinator}: "
        f"{producer.label!r} outputs {provided}, but {consumer.label!r} expects {expected}. "
        f"Put a step from {provided} to {expected} between them, or change one of their types.",
        combinator=combinator,
        left=producer.label,
        right=consumer.label,
        provided=provided,
        expected=expected,
    )


def _splice(step: AnyStep) -> AnyStep | Seq:
    """What a step contributes to a longer chain: an anonymous chain its children (its
    `Seq`, spliced in when the chain is flattened), any other step itself."""
    if not step.name and isinstance(step.node, Seq) and step.meta == _PLAIN:
        return step.node
    return step


def then(first: Step[_A, _B], second: Step[_B, _C]) -> Step[_A, _C]:
    """Run `first`, then `second` on its output; also written `first >> second`.

    >>> from lolpop import step
    >>> @step
    ... def inc(x: int) -> int:
    ...     return x + 1
    >>> then(inc, inc)(1)
    3
    """
    _check_fit(">>", first, second)
    if isinstance(first.node, Identity) and not first.name:
        return second  # type: ignore[return-value]  # identity: Step[A, A], so B is A
    if isinstance(second.node, Identity) and not second.name:
        return first  # type: ignore[return-value]  # identity: Step[B, B], so C is B
    # Not `first.node.steps + ...`: copying the children on every `>>` made building a
    # chain of N steps cost O(N^2). The Seq is flattened once, when first walked.
    return Step(Seq.joined(_splice(first), _splice(second)), "", first.in_type, second.out_type)


def _shared_input(combinator: str, *steps: AnyStep) -> object:
    """The input type that every one of `steps` accepts, or a `WiringError`."""
    shared: object = steps[0].in_type
    for index, other in enumerate(steps[1:], start=1):
        narrower = meet(shared, other.in_type)
        if narrower is None:
            first, second = _consumer(steps[index - 1]), _consumer(other)
            raise WiringError(
                f"cannot give one input to both {first.label!r} and {second.label!r} with "
                f"{combinator}: {first.label!r} expects {describe(shared)} and "
                f"{second.label!r} expects {describe(other.in_type)}, and neither fits the "
                "other.",
                combinator=combinator,
                left=first.label,
                right=second.label,
                provided=describe(shared),
                expected=describe(other.in_type),
            )
        shared = narrower
    return shared


def fanout(left: Step[_A, _B], right: Step[_A, _C]) -> Step[_A, tuple[_B, _C]]:
    """Run both steps on the same input; output the pair. Also written `left & right`.

    >>> from lolpop import step
    >>> @step
    ... def inc(x: int) -> int:
    ...     return x + 1
    >>> @step
    ... def neg(x: int) -> int:
    ...     return -x
    >>> (inc & neg)(5)
    (6, -5)
    """
    in_type = _shared_input("&", left, right)
    return Step(Fanout(left, right), "", in_type, tuple[left.out_type, right.out_type])  # type: ignore[name-defined]  # a runtime hint built from runtime hints


def both(left: Step[_A, _B], right: Step[_C, _D]) -> Step[tuple[_A, _C], tuple[_B, _D]]:
    """Run `left` on the first of a pair and `right` on the second.

    >>> from lolpop import step
    >>> @step
    ... def inc(x: int) -> int:
    ...     return x + 1
    >>> @step
    ... def shout(s: str) -> str:
    ...     return s.upper()
    >>> both(inc, shout)((1, "a"))
    (2, 'A')
    """
    return Step(
        Both(left, right),
        "",
        tuple[left.in_type, right.in_type],  # type: ignore[name-defined]  # runtime hint
        tuple[left.out_type, right.out_type],  # type: ignore[name-defined]  # runtime hint
    )


def map_each(inner: Step[_A, _B]) -> Step[Sequence[_A], list[_B]]:
    """Run a step on every item of a sequence; output the list of results.

    Text, a mapping and a set are refused when the step runs, though they iterate: mypy
    takes a `str` for a `Sequence[str]`, and a step run on each character (or key, or in
    a set's arbitrary order) would be a silently wrong result.

    >>> from lolpop import step
    >>> @step
    ... def inc(x: int) -> int:
    ...     return x + 1
    >>> map_each(inc)([1, 2, 3])
    [2, 3, 4]
    """
    return Step(
        MapEach(inner),
        "",
        Sequence[inner.in_type],  # type: ignore[name-defined]  # runtime hint
        list[inner.out_type],  # type: ignore[name-defined]  # runtime hint
    )


class _Arm(Protocol[_T_contra, _U]):
    """A step seen by mypy as invariant in its output (so that arms are not joined).

    `Step` is covariant in its output, so mypy would solve two arms of types `int` and
    `str` to a `Step[..., object]` and accept them. Matching the arms against this
    protocol, whose `_exact_output` uses the output type in both directions, makes mypy
    ask for one output type and report arms that differ.
    """

    def __call__(self, value: _T_contra, /) -> _U: ...

    def _exact_output(self) -> Callable[[_U], None]: ...


def branch(
    predicate: Step[_A, bool], if_true: _Arm[_A, _B], if_false: _Arm[_A, _B]
) -> Step[_A, _B]:
    """Run `if_true` or `if_false` on the input, as `predicate` says.

    >>> from lolpop import step
    >>> @step
    ... def is_big(x: int) -> bool:
    ...     return x > 10
    >>> @step
    ... def halve(x: int) -> int:
    ...     return x // 2
    >>> @step
    ... def keep(x: int) -> int:
    ...     return x
    >>> branch(is_big, halve, keep)(40), branch(is_big, halve, keep)(4)
    (20, 4)
    """
    true_arm = typing.cast("AnyStep", if_true)
    false_arm = typing.cast("AnyStep", if_false)
    if not fits(predicate.out_type, bool):
        raise WiringError(
            f"the predicate {predicate.label!r} of a branch must output bool, "
            f"not {describe(predicate.out_type)}.",
            combinator="branch",
            left=predicate.label,
            right="branch",
            provided=describe(predicate.out_type),
            expected="bool",
        )
    out_type = _arms_output(true_arm, false_arm)
    in_type = _shared_input("branch", predicate, true_arm, false_arm)
    return Step(Branch(predicate, true_arm, false_arm), "", in_type, out_type)


def _arms_output(if_true: AnyStep, if_false: AnyStep) -> object:
    first, second = if_true.out_type, if_false.out_type
    if is_open(first):
        return second
    if is_open(second) or (fits(first, second) and fits(second, first)):
        return first
    raise WiringError(
        f"the arms of a branch must output the same type: {if_true.label!r} outputs "
        f"{describe(first)}, {if_false.label!r} outputs {describe(second)}.",
        combinator="branch",
        left=if_true.label,
        right=if_false.label,
        provided=describe(first),
        expected=describe(second),
    )


def retry(
    inner: Step[_A, _B],
    attempts: int = 3,
    backoff: Backoff | None = None,
    on: tuple[type[Exception], ...] = (Exception,),
) -> Step[_A, _B]:
    """Run a step again when it raises one of `on`, up to `attempts` times in all.

    Waits `backoff.delay(n)` seconds after the n-th failed attempt (default: 0.1 s,
    doubling, at most 10 s). The failure reports how many attempts were made.
    """
    if attempts < 1:
        raise DefinitionError(f"retry needs at least 1 attempt, got {attempts}.")
    classes: tuple[object, ...] = on  # checked at runtime too: configs reach here unchecked
    if not classes or not all(isinstance(c, type) and issubclass(c, Exception) for c in classes):
        raise DefinitionError(f"retry(on=...) takes exception classes, got {on!r}.")
    node = Retry(inner, attempts, backoff if backoff is not None else Backoff(), on)
    return Step(node, "", inner.in_type, inner.out_type, inner.meta)


def on_failure(inner: Step[_A, _B], handler: Step[tuple[_A, RunFailure], object]) -> Step[_A, _B]:
    """Run `inner`; if it fails, run `handler` on (its input, the failure), then fail the
    same way: for clean-up, such as ending a tracked run as failed.

    The handler's output is dropped; if the handler fails too, the original failure is
    the one reported.
    """
    given = tuple[inner.in_type, RunFailure]  # type: ignore[name-defined]  # a runtime hint
    if not fits(given, handler.in_type):
        provided, expected = describe(given), describe(handler.in_type)
        raise WiringError(
            f"cannot use {handler.label!r} as the failure handler of {inner.label!r}: it "
            f"expects {expected}, but gets {provided} (the input and the failure).",
            combinator="on_failure",
            left=inner.label,
            right=handler.label,
            provided=provided,
            expected=expected,
        )
    return Step(OnFailure(inner, handler), "", inner.in_type, inner.out_type, inner.meta)


@overload
def identity() -> Step[_A, _A]: ...
@overload
def identity(of: type[_A]) -> Step[_A, _A]: ...
def identity(of: type[_A] | None = None) -> Step[_A, _A]:
    """The step that outputs its input: the unit of `>>`.

    Pass the type (`identity(int)`) where mypy cannot infer it from the context.

    >>> identity(int)(7)
    7
    """
    hint: object = typing.Any if of is None else of
    return Step(Identity(), "", hint, hint)
