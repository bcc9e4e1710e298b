"""The combinators' laws and the backends' agreement, as laws of one step.

lolpop's own property tests check the algebra on generated programs
(`property_tests/test_laws.py`); these are the same laws stated of any one step, so a
user checks that their step composes as lolpop promises:

    check_laws(my_step, my_inputs, laws=ALGEBRA_LAWS)

- identity is a unit: `identity() >> s` and `s >> identity()` run as `s` does;
- fanout then first is the left step: `(s & identity()) >> first` runs as `s`;
- `map_each(s)` on `[x]` is `[s(x)]`;
- `branch(p, s, s)` is `s`, whatever `p` says;
- `backends_agree(*backends)` (a factory: backends cost a start-up): every backend gives
  the result the default one gives.

"Runs as" compares whole outcomes: the same output (by `fingerprint`), or a failure of
the same exception type and message (its path differs with the composition).

>>> from lolpop import step
>>> from hypothesis import strategies as st
>>> from lolpop.testing.laws import run_laws
>>> @step
... def halve(x: int) -> float:
...     return x / 2
>>> all(r.passed for r in run_laws(halve, st.integers(), laws=ALGEBRA_LAWS, max_examples=5))
True
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TypeVar

from returns.result import Failure, Success

from lolpop.backends.base import Backend
from lolpop.core.combinators import branch, fanout, identity, map_each
from lolpop.core.decorator import make_step
from lolpop.core.step import Step
from lolpop.testing.laws import Law, broken, fingerprint, show

_A = TypeVar("_A")

#: What a run came to: ("ok", the output's fingerprint) or ("failed", type, message).
Outcome = tuple[str, str, str]


def outcome(program: Step[_A, object], value: _A, backend: Backend | None = None) -> Outcome:
    """How running `program` on `value` ends, comparable across compositions."""
    from lolpop.backends.run import run  # noqa: PLC0415 (the runner imports the backends)

    match run(program, value, backend=backend):
        case Success(output):
            return ("ok", fingerprint(output), "")
        case Failure(failure):
            return ("failed", failure.error_type, str(failure.cause))
    raise AssertionError("a run's result is a Success or a Failure")  # pragma: no cover


def _same(law: str, expected: Outcome, got: Outcome, value: object) -> None:
    if expected != got:
        broken(f"{law}: on {show(value)} the step alone gave {expected}, the composition {got}")


def _first(pair: tuple[object, object]) -> object:
    return pair[0]


def _always(_: object) -> bool:
    return True


def _never(_: object) -> bool:
    return False


def _identity_unit(step: Step[object, object], value: object) -> None:
    alone = outcome(step, value)
    _same("identity >> step", alone, outcome(identity(object) >> step, value), value)
    _same("step >> identity", alone, outcome(step >> identity(object), value), value)


def _fanout_first(step: Step[object, object], value: object) -> None:
    first = make_step(_first, name="first")
    program = fanout(step, identity(object)) >> first
    _same("(step & identity) >> first", outcome(step, value), outcome(program, value), value)


def _map_each_single(step: Step[object, object], value: object) -> None:
    alone = outcome(step, value)
    mapped = outcome(map_each(step), [value])
    if alone[0] == "ok":
        expected = outcome(identity(list), [_output(step, value)])
        _same("map_each(step) on [x]", expected, mapped, value)
    elif mapped[0] != "failed" or mapped[1:] != alone[1:]:
        broken(f"map_each(step) on [{show(value)}] gave {mapped}; the step alone {alone}")


def _output(step: Step[object, object], value: object) -> object:
    from lolpop.backends.run import run  # noqa: PLC0415

    return run(step, value).unwrap()


def _branch_equal_arms(step: Step[object, object], value: object) -> None:
    alone = outcome(step, value)
    for name, predicate in (("always", _always), ("never", _never)):
        choose = make_step(predicate, name=name)
        _same(
            f"branch({name}, step, step)", alone, outcome(branch(choose, step, step), value), value
        )


ALGEBRA_LAWS: tuple[Law[Step[object, object], object], ...] = (
    Law("identity is a unit", "identity >> s and s >> identity run as s.", _identity_unit),
    Law("fanout then first", "(s & identity) >> first runs as s.", _fanout_first),
    Law("map_each of one", "map_each(s) on [x] gives [s(x)], or s's failure.", _map_each_single),
    Law("branch of equal arms", "branch(p, s, s) runs as s, whatever p says.", _branch_equal_arms),
)


def backends_agree(backends: Sequence[Backend]) -> Law[Step[object, object], object]:
    """The law that every backend in `backends` gives what the default backend gives."""

    def holds(step: Step[object, object], value: object) -> None:
        expected = outcome(step, value)
        for backend in backends:
            got = outcome(step, value, backend)
            if got != expected:
                broken(
                    f"{type(backend).__name__} gave {got} on {show(value)}; "
                    f"the default backend gave {expected}"
                )

    names = ", ".join(type(backend).__name__ for backend in backends)
    return Law("backends agree", f"{names} give what the default backend gives.", holds)
