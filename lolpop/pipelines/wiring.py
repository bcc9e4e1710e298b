"""Carrying a pipeline's state between component steps: `lift`, `through`, `when`.

A pipeline threads a state record (the frame read, its version, the reports made so
far) past component steps that each take only one part of it. `through(step, get,
put)` runs a component step on the part `get` picks and `put`s its output back:

    state --+-- identity ---------------+--> put(state, output) --> state
            +-- get --> component step -+

Only the component step is checked against its declared types at run time; `get` and
`put` are typed for mypy (their `Callable` signatures), and are marked unchecked at run
time (`Any`), so a pipeline pays the runtime check once per component step, not three
times.

>>> from attrs import evolve, frozen
>>> from lolpop import step
>>> @frozen
... class State:
...     text: str
...     length: int = 0
>>> @step
... def measure(text: str) -> int:
...     return len(text)
>>> program = through(measure, lambda s: s.text, lambda s, n: evolve(s, length=n))
>>> program(State("four"))
State(text='four', length=4)
"""

from __future__ import annotations

import typing
from collections.abc import Callable
from typing import Generic, TypeVar

from lolpop.core.combinators import branch, identity
from lolpop.core.step import Leaf, Step, StepMeta, check_name
from lolpop.errors import DefinitionError

_A = TypeVar("_A")
_B = TypeVar("_B")
_S = TypeVar("_S")
_T = TypeVar("_T")


def need(value: _T | None, what: str) -> _T:
    """`value`, which an earlier step of the pipeline set (a pipeline that reads it sooner
    is a bug in the pipeline: the error names what was missing)."""
    if value is None:  # pragma: no cover (every pipeline sets a value before reading it)
        raise DefinitionError(f"a pipeline reached a step before {what}.")
    return value


def lift(
    fn: Callable[[_A], _B], name: str, description: str = "", *, internal: bool = True
) -> Step[_A, _B]:
    """A pure glue step from a function mypy has checked (no runtime type check); plans
    hide it unless `internal=False` (a step worth seeing, such as a decision)."""
    meta = StepMeta(description=description, internal=internal)
    return Step(Leaf(fn), check_name(name), typing.Any, typing.Any, meta)


def through(
    step: Step[_A, _B],
    get: Callable[[_S], _A],
    put: Callable[[_S, _B], _S],
    *,
    name: str | None = None,
) -> Step[_S, _S]:
    """Run `step` on the part of the state `get` picks; `put` its output back."""
    label = name or step.label
    part: Step[_S, _B] = lift(get, f"{label}:in") >> step
    keep: Step[_S, _S] = identity()
    return (keep & part) >> lift(lambda pair: put(pair[0], pair[1]), f"{label}:out")


def when(predicate: Callable[[_S], bool], step: Step[_S, _S], name: str) -> Step[_S, _S]:
    """`step` where `predicate` holds; the state unchanged where it does not."""
    return branch(lift(predicate, name), step, identity())


class Carrier(Generic[_S]):
    """`through` and `when` for one state record type, so mypy knows the state's type
    inside the small functions that pick from it and put back into it.

    >>> from attrs import evolve, frozen
    >>> from lolpop import step
    >>> @frozen
    ... class State:
    ...     text: str
    ...     length: int = 0
    >>> @step
    ... def measure(text: str) -> int:
    ...     return len(text)
    >>> on = Carrier(State)
    >>> on.through(measure, lambda s: s.text, lambda s, n: evolve(s, length=n))(State("ab"))
    State(text='ab', length=2)
    """

    def __init__(self, state: type[_S]) -> None:
        self.state = state

    def through(
        self,
        step: Step[_A, _B],
        get: Callable[[_S], _A],
        put: Callable[[_S, _B], _S],
        *,
        name: str | None = None,
    ) -> Step[_S, _S]:
        """`through(step, get, put)` on this state type."""
        return through(step, get, put, name=name)

    def effect(
        self, step: Step[_A, object], get: Callable[[_S], _A], *, name: str | None = None
    ) -> Step[_S, _S]:
        """Run `step` (an effect) on a part of the state; the state goes on unchanged."""
        return through(step, get, _keep, name=name)

    def when(self, predicate: Callable[[_S], bool], step: Step[_S, _S], name: str) -> Step[_S, _S]:
        """`when(predicate, step, name)` on this state type."""
        return when(predicate, step, name)


def _keep(state: _S, _: object) -> _S:
    return state
