"""Laws as data: what every component of a type must do, checked with hypothesis.

A `Law` is a record: a name, a sentence saying what it asks, and `holds(component,
example)`, which raises `LawBroken` (an `AssertionError`) when the component breaks it on
that example. A `Kit` gathers the laws of one component type: how to `exercise` a
component on an example (what the every-step laws look at), the default `examples` to
draw, and the type's own laws. Kits are declared per type (`declare`); an implementation
or a user extends them (`check_laws(..., laws=(my_law,))`).

Every kit carries the laws every step has (`STEP_LAWS`): the same example gives the same
output twice (deterministic, under the component's fixed seed), the example is the same
after the call (never mutated), and the output survives pickling (what crosses to a
worker process, or into a cache).

A bare step may refuse some examples by design (raise on a frame it cannot take): its
refusal is an outcome those laws compare like an output. But a step that raised on every
example of a law's run gave the law no output to check (a crash is deterministic, mutates
nothing and pickles), so the law fails, showing the error, as hypothesis fails a test
that rejected every example it drew (`Unsatisfiable`). One example drawn and refused is
every example: a law that checked nothing has not held.

Values are compared by `lolpop.backends._codec.digest`: frames by their values, dtypes,
labels and index, fitted models by their bytes, records field by field.

`check_laws(component, strategy=...)` makes one pytest test per law, named after the
law and the component and marked `lolpop_law`, in the calling module (as `returns`'
`check_all_laws` does); `run_laws` runs the same laws at once and answers a
`LawResult` per law (what `lolpop test` prints). Either takes a component, a builder
(a function of no arguments that makes one: a fresh component for every example), or a
bare `Step`.

>>> from lolpop import step
>>> from hypothesis import strategies as st
>>> @step
... def double(x: int) -> int:
...     return 2 * x
>>> [(r.law, r.passed) for r in run_laws(double, st.integers(), max_examples=5)]
[('deterministic', True), ('never mutates its input', True), ('output survives pickling', True)]
"""

from __future__ import annotations

import copy
import inspect
import pickle
import re
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from contextvars import ContextVar
from typing import Generic, Never, NoReturn, TypeVar, cast

import attrs
import pandas as pd
from attrs import frozen
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from lolpop.core.step import Step
from lolpop.errors import LolpopError, StepFailure

_C = TypeVar("_C")
_X = TypeVar("_X")
_C_contra = TypeVar("_C_contra", contravariant=True)
_X_contra = TypeVar("_X_contra", contravariant=True)

#: The pytest marker on every test `check_laws` makes.
MARKER = "lolpop_law"


class LawBroken(AssertionError):
    """A component broke a law on an example (hypothesis shrinks the example)."""


class NoKit(LolpopError):
    """`check_laws` was given something it has no laws for, or no examples to draw."""


def broken(message: str) -> NoReturn:
    """Raise `LawBroken` with `message` (a law's way to say what went wrong)."""
    raise LawBroken(message)


@frozen
class Law(Generic[_C_contra, _X_contra]):
    """One property every component of a type must have.

    A law of a wider type is a law of a narrower one (`Law[object, object]` checks any
    component), so the functions that take laws take `Law[Never, Never]`: any law. Each
    law says in its description what it expects."""

    name: str
    description: str
    holds: Callable[[_C_contra, _X_contra], None]


@frozen
class Kit(Generic[_C, _X]):
    """The laws of one component type, and how to exercise a component on an example."""

    #: The component type's name in test names and tables (`splitter`).
    name: str
    #: What the component is checked for: `isinstance(component, subject)`.
    subject: type
    #: Run the component on an example; the every-step laws look at what this returns.
    exercise: Callable[[_C, _X], object]
    #: The type's own laws (the every-step laws are added to them).
    laws: tuple[Law[_C, _X], ...] = ()
    #: The examples to draw when `check_laws` is given no strategy (None: it must be).
    examples: Callable[[_C], st.SearchStrategy[_X]] | None = None
    #: Examples made from frames of a workflow's own data: `from_frames(component,
    #: frames, target)`, where each frame drawn holds the features and the target
    #: column `target` (what `lolpop test` draws from a sample of the config's data).
    #: None: the type takes no data frames (its laws use `examples`).
    from_frames: (
        Callable[[_C, st.SearchStrategy[pd.DataFrame], str], st.SearchStrategy[_X]] | None
    ) = None


_KITS: list[Kit[object, object]] = []


def declare(kit: Kit[_C, _X]) -> Kit[_C, _X]:
    """Register the laws of a component type (a later kit for a subclass comes first)."""
    _KITS.insert(0, cast("Kit[object, object]", kit))
    return kit


def kits() -> tuple[Kit[object, object], ...]:
    """Every declared kit, the most specific first."""
    _load_builtin_kits()
    return tuple(_KITS)


# --- comparing values -------------------------------------------------------------------


def fingerprint(value: object) -> str:
    """A digest of `value` that equal values share (frames, records, fitted models)."""
    from lolpop.backends._codec import Unencodable, digest  # noqa: PLC0415

    try:
        return digest(value, remembered=False)  # a fitted object changed in place is seen
    except Unencodable:
        return "pickle:" + pickle.dumps(value).hex()


def show(value: object, limit: int = 600) -> str:
    """`value` for a law's message: its repr, cut to `limit` characters."""
    return _cut(repr(value), limit)


def _cut(text: str, limit: int = 600) -> str:
    return text if len(text) <= limit else text[:limit] + " ..."


def call(fn: Callable[[_X], _C], value: _X) -> _C:
    """`fn(value)`, a step's failure re-raised as its cause (the step's own error)."""
    try:
        return fn(value)
    except StepFailure as failure:
        raise failure.failure.cause from None


# --- the laws every step has -------------------------------------------------------------


def _deterministic(kit: Kit[_C, _X]) -> Law[_C, _X]:
    def holds(component: _C, example: _X) -> None:
        first = kit.exercise(component, copy.deepcopy(example))
        second = kit.exercise(component, copy.deepcopy(example))
        if fingerprint(first) != fingerprint(second):
            broken(
                "the same example gave two different outputs:\n"
                f"  first:  {show(first)}\n  second: {show(second)}"
            )

    return Law("deterministic", "The same input gives the same output, every time.", holds)


def _never_mutates(kit: Kit[_C, _X]) -> Law[_C, _X]:
    def holds(component: _C, example: _X) -> None:
        before = fingerprint(example)
        kept = copy.deepcopy(example)
        kit.exercise(component, example)
        if fingerprint(example) != before:
            broken(
                "the call changed its input in place:\n"
                f"  before: {show(kept)}\n  after:  {show(example)}"
            )

    return Law("never mutates its input", "The input is the same after the call.", holds)


def _picklable(kit: Kit[_C, _X]) -> Law[_C, _X]:
    def holds(component: _C, example: _X) -> None:
        output = kit.exercise(component, example)
        try:
            back = pickle.loads(pickle.dumps(output))  # its own bytes, just made
        except Exception as error:  # any reason pickling fails is the finding
            broken(f"the output does not pickle ({error!r}): {show(output)}")
        if fingerprint(back) != fingerprint(output):
            broken(f"the output pickles to another value: {show(output)} -> {show(back)}")

    return Law(
        "output survives pickling",
        "The output pickles and reads back equal (it may cross to a worker process).",
        holds,
    )


#: The laws every kit has, made from its `exercise`.
STEP_LAWS: tuple[Callable[[Kit[_C, _X]], Law[_C, _X]], ...] = (
    _deterministic,
    _never_mutates,
    _picklable,
)


def laws_of(kit: Kit[_C, _X]) -> tuple[Law[_C, _X], ...]:
    """The every-step laws, then the kit's own."""
    return (*(make(kit) for make in STEP_LAWS), *kit.laws)


# --- finding the kit --------------------------------------------------------------------


def _step_kit(target: Step[_X, object]) -> Kit[Step[_X, object], _X]:
    def exercise(component: Step[_X, object], example: _X) -> object:
        # A step may refuse some inputs by design: a refusal is an outcome the laws
        # compare (the same one twice), not a broken law. Each call is noted, for the
        # run to tell a step that refuses some examples from one that refuses them all.
        try:
            output = call(component, example)
        except Exception as error:  # the step's own refusal
            _note(f"{type(error).__qualname__}: {error}")
            return ("raised", type(error).__qualname__, str(error))
        _note(None)
        return ("returned", output)

    def examples(component: Step[_X, object]) -> st.SearchStrategy[_X]:
        given_type = component.in_type
        try:
            return cast("st.SearchStrategy[_X]", st.from_type(cast("type", given_type)))
        except Exception as error:  # hypothesis' own refusal, re-worded
            raise NoKit(
                f"no strategy for the input type {given_type!r} of {component.label}: pass "
                "`strategy=` (a hypothesis strategy of its inputs)."
            ) from error

    return Kit(target.label or "step", Step, exercise, (), examples)


def kit_for(component: object) -> Kit[object, object]:
    """The kit of `component`'s type (a bare step's own, when it is a `Step`)."""
    if isinstance(component, Step):
        return cast("Kit[object, object]", _step_kit(component))
    for kit in kits():
        if isinstance(component, kit.subject):
            return kit
    raise NoKit(
        f"lolpop has no laws for a {type(component).__qualname__}: check a component of one "
        f"of lolpop's types ({', '.join(sorted({k.name for k in kits()}))}), a Step, or "
        "declare a Kit for your type (`lolpop.testing.laws.declare`)."
    )


# --- a step that raises on every example -----------------------------------------------

#: The calls of a bare step on the example being checked: None for a call that returned,
#: "KeyError: 'label'" for one that raised (the step kit's `exercise` notes each).
_CALLS: ContextVar[list[str | None] | None] = ContextVar("lolpop_step_calls", default=None)


def _note(outcome: str | None) -> None:
    calls = _CALLS.get()
    if calls is not None:  # None: the step was called outside a law's run
        calls.append(outcome)


def _noting_calls(holds: Callable[[], None]) -> list[str | None]:
    """Run `holds()`; what the step's calls in it did (empty when it called no step)."""
    calls: list[str | None] = []
    token = _CALLS.set(calls)
    try:
        holds()
    finally:
        _CALLS.reset(token)
    return calls


def _check_returned_on_some(examples: Sequence[Sequence[str | None]]) -> None:
    """Break the law whose run never saw the step return, on any example it called it on:
    refusing some examples is a step's right, refusing them all left the law unchecked."""
    ran = [calls for calls in examples if calls]
    if not ran or any(None in calls for calls in ran):
        return
    # The error of each example's first call, the most common first.
    errors = Counter(error for calls in ran for error in calls[:1] if error is not None)
    error, count = errors.most_common(1)[0]
    others = len(errors) - 1
    rest = f" (on {count}; {others} other error{'s' * (others > 1)} on the rest)" if others else ""
    broken(
        f"the step raised on every example drawn ({len(ran)} of {len(ran)}): "
        f"{_cut(error)}{rest}\n"
        "  no output was checked: a step may refuse some examples, not every one "
        "(fix the step, or draw examples it takes)"
    )


# --- running laws -----------------------------------------------------------------------


@frozen
class LawResult:
    """How one law fared on one component."""

    component: str
    law: str
    passed: bool
    #: Why it failed, with hypothesis' shrunk counterexample ("" when it passed).
    message: str = ""


@frozen
class LawCase:
    """One law of one component, ready to run (`run` raises when it is broken)."""

    component: str
    law: Law[Never, Never]
    run: Callable[[], None]

    @property
    def test_name(self) -> str:
        """`test_law__splitter__deterministic`: the pytest name of this case."""
        return f"test_law__{_slug(self.component)}__{_slug(self.law.name)}"


def _slug(text: str) -> str:
    return re.sub(r"[^0-9a-zA-Z]+", "_", text).strip("_").lower() or "x"


def _maker(target: object) -> tuple[object, Callable[[], object]]:
    """A component to find the kit by, and how to get one per example."""
    if isinstance(target, Step) or attrs.has(type(target)):
        return target, lambda: target
    if callable(target):
        made = target()
        return made, cast("Callable[[], object]", target)
    return target, lambda: target


def law_cases(
    component_or_builder: object,
    strategy: st.SearchStrategy[object] | None = None,
    *,
    laws: Iterable[Law[Never, Never]] = (),
    name: str | None = None,
    max_examples: int | None = None,
) -> tuple[LawCase, ...]:
    """One `LawCase` per law of the component's kit (and `laws`, a user's own)."""
    sample, make = _maker(component_or_builder)
    kit = kit_for(sample)
    if strategy is None:
        if kit.examples is None:
            raise NoKit(f"a {kit.name} has no default examples: pass `strategy=`.")
        strategy = kit.examples(sample)
    label = name or kit.name
    drawn = strategy
    options = {"suppress_health_check": [HealthCheck.too_slow, HealthCheck.data_too_large]}
    if max_examples is not None:
        options["max_examples"] = max_examples  # type: ignore[assignment]  # settings' kwargs vary by key

    def case(law: Law[Never, Never]) -> Callable[[], None]:
        examples: list[list[str | None]] = []  # what a bare step did, example by example

        @settings(**options)  # type: ignore[arg-type]  # see options above
        @given(example=drawn)
        def law_holds(example: object) -> None:
            # The law's fit to the component is checked here, when it runs (see `Law`).
            holds = cast("Callable[[object, object], None]", law.holds)
            examples.append(_noting_calls(lambda: holds(make(), example)))

        def run() -> None:
            examples.clear()
            cast("Callable[[], None]", law_holds)()
            _check_returned_on_some(examples)

        return run

    every: list[Law[Never, Never]] = [*laws_of(kit), *laws]
    return tuple(LawCase(label, law, case(law)) for law in every)


def run_laws(
    component_or_builder: object,
    strategy: st.SearchStrategy[object] | None = None,
    *,
    laws: Iterable[Law[Never, Never]] = (),
    name: str | None = None,
    max_examples: int | None = None,
) -> list[LawResult]:
    """Run every law of the component now; a `LawResult` per law."""
    results = []
    for case in law_cases(
        component_or_builder, strategy, laws=laws, name=name, max_examples=max_examples
    ):
        try:
            case.run()
        except Exception as error:  # a broken law, or the component's crash
            results.append(LawResult(case.component, case.law.name, False, _explained(error)))
        else:
            results.append(LawResult(case.component, case.law.name, True))
    return results


def _explained(error: BaseException) -> str:
    """The error's message and hypothesis' notes (the falsifying example)."""
    what = str(error) if isinstance(error, AssertionError) else f"{type(error).__name__}: {error}"
    notes = [note for note in getattr(error, "__notes__", ()) if note.strip()]
    return "\n".join([what, *notes])


def check_laws(
    component_or_builder: object,
    strategy: st.SearchStrategy[object] | None = None,
    *,
    laws: Iterable[Law[Never, Never]] = (),
    name: str | None = None,
    share: float | None = None,
) -> tuple[LawCase, ...]:
    """Make one pytest test per law of the component in the calling module.

    Call it at a test module's top level: each law becomes a test function named
    `test_law__<component>__<law>`, marked `lolpop_law`, that draws examples from
    `strategy` (the kit's own when None) under the active hypothesis profile; `share`
    draws that share of the profile's examples (a slow component), never a fixed count.
    """
    import pytest  # noqa: PLC0415 (only a test module calls this)

    from lolpop.testing.profiles import scaled  # noqa: PLC0415

    examples = None if share is None else scaled(share)
    cases = law_cases(component_or_builder, strategy, laws=laws, name=name, max_examples=examples)
    caller = inspect.currentframe()
    module = caller.f_back.f_globals if caller is not None and caller.f_back is not None else {}
    for case in cases:
        test = _as_test(case)
        marked = pytest.mark.lolpop_law(component=case.component, law=case.law.name)(test)
        module[case.test_name] = marked
    return cases


def _as_test(case: LawCase) -> Callable[[], None]:
    def test() -> None:
        case.run()

    test.__name__ = case.test_name
    test.__qualname__ = case.test_name
    test.__doc__ = f"{case.component}: {case.law.description}"
    return test


def _load_builtin_kits() -> None:
    """Import the modules that declare lolpop's kits (once)."""
    import lolpop.testing.laws.components  # noqa: F401, PLC0415


__all__: Sequence[str] = (
    "MARKER",
    "STEP_LAWS",
    "Kit",
    "Law",
    "LawBroken",
    "LawCase",
    "LawResult",
    "NoKit",
    "broken",
    "call",
    "check_laws",
    "declare",
    "fingerprint",
    "kit_for",
    "kits",
    "law_cases",
    "laws_of",
    "run_laws",
    "show",
)
