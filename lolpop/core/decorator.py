"""`@step`: a typed one-argument function becomes a `Step`.

The annotations are required: they are what mypy checks statically and what the
wiring check compares when steps are composed. The function is also wrapped with a
check, so a value of the wrong type is refused when the step is called, with the same
numeric tower as mypy (an `int` is accepted where a `float` is declared): `isinstance`
when both types are plain classes, beartype for every other hint. Either way a
mismatch raises beartype's `BeartypeCallHintParamViolation` (or `...ReturnViolation`).
"""

from __future__ import annotations

import functools
import inspect
import types
from collections.abc import Callable
from typing import TypeVar, overload

from lolpop.core._hints import (
    check_conf,
    describe_value_type,
    instances_of,
    plain_class,
    type_hints,
)
from lolpop.core.step import Leaf, Step, StepMeta, check_name
from lolpop.errors import DefinitionError

_A = TypeVar("_A")
_B = TypeVar("_B")

_POSITIONAL = (inspect.Parameter.POSITIONAL_ONLY, inspect.Parameter.POSITIONAL_OR_KEYWORD)


def _describe_callable(fn: Callable[..., object]) -> str:
    name = getattr(fn, "__qualname__", None) or type(fn).__qualname__
    module = getattr(fn, "__module__", None)
    return f"{module}.{name}" if module else name


def _with_annotations(fn: Callable[..., object], hints: dict[str, object]) -> Callable[..., object]:
    """A copy of a plain function (or method) whose annotations are resolved objects.

    beartype would otherwise resolve string annotations again by itself, and fails on
    some that `type_hints` resolves (functions renamed or made in loops); the user's own
    function is left untouched.
    """
    if isinstance(fn, types.MethodType):
        return types.MethodType(_with_annotations(fn.__func__, hints), fn.__self__)
    if not isinstance(fn, types.FunctionType):
        return fn
    copy = types.FunctionType(
        fn.__code__, fn.__globals__, fn.__name__, fn.__defaults__, fn.__closure__
    )
    copy.__kwdefaults__ = fn.__kwdefaults__
    copy.__qualname__ = fn.__qualname__
    copy.__module__ = fn.__module__
    copy.__doc__ = fn.__doc__
    copy.__annotations__ = dict(hints)
    return copy


def _signature_types(
    fn: Callable[..., object],
) -> tuple[str, object, object, dict[str, object]]:
    """`fn`'s one required parameter's name and type, its return type, and all its hints."""
    where = _describe_callable(fn)
    called = getattr(fn, "__call__", None)  # noqa: B004 (an object's own `__call__`, if async)
    if any(inspect.iscoroutinefunction(f) or inspect.isasyncgenfunction(f) for f in (fn, called)):
        raise DefinitionError(
            f"{where} is async: its call gives a coroutine that no backend awaits, so the "
            "step's value would be the coroutine, not its result. A step is a plain function: "
            "run the coroutine inside one (`asyncio.run(...)`), or make the call synchronous."
        )
    try:
        signature = inspect.signature(fn)
    except (TypeError, ValueError) as error:
        raise DefinitionError(f"cannot read the signature of {where}: {error}.") from error
    required = [
        p
        for p in signature.parameters.values()
        if p.default is inspect.Parameter.empty
        and p.kind not in (inspect.Parameter.VAR_POSITIONAL, inspect.Parameter.VAR_KEYWORD)
    ]
    if len(required) != 1 or required[0].kind not in _POSITIONAL:
        raise DefinitionError(
            f"a step takes exactly one required positional argument; {where} takes "
            f"({', '.join(signature.parameters) or 'none'}). Bundle several inputs in a "
            "tuple or an attrs record."
        )
    parameter = required[0].name
    try:
        hints = type_hints(fn)
    except Exception as error:
        raise DefinitionError(
            f"cannot resolve the type annotations of {where}: {error}. Define or import "
            "every type that its annotations name where the function is defined."
        ) from error
    missing = [
        label
        for label, key in ((f"argument {parameter!r}", parameter), ("return type", "return"))
        if key not in hints
    ]
    if missing:
        raise DefinitionError(
            f"{where} cannot be a step: its {' and '.join(missing)} "
            f"{'is' if len(missing) == 1 else 'are'} not annotated. A step's types are "
            "what mypy and the wiring check compare: annotate them, e.g. "
            "`def clean(frame: pd.DataFrame) -> pd.DataFrame`."
        )
    return parameter, hints[parameter], hints["return"], hints


def _violation(
    fn: Callable[..., object], where: str | None, value: object, hint: type
) -> Exception:
    """beartype's own exception, worded as beartype words it, for a value that is not an
    instance of `hint`: of parameter `where`, or (None) of the return."""
    from beartype.roar import (  # noqa: PLC0415 (heavy: imported when a check fails)
        BeartypeCallHintParamViolation,
        BeartypeCallHintReturnViolation,
    )

    shown = repr(value)
    shown = shown if len(shown) <= 80 else shown[:77] + "..."
    what = "return " + shown if where is None else f"parameter {where}={shown}"
    message = (
        f"Function {_describe_callable(fn)}() {what} violates type hint {hint!r}, as "
        f"{describe_value_type(value)} {shown} not instance of {hint.__qualname__}."
    )
    if where is None:
        return BeartypeCallHintReturnViolation(message, (value,))
    return BeartypeCallHintParamViolation(message, (value,))


def _checked_by_beartype(annotated: Callable[..., object]) -> Callable[..., object]:
    """`annotated` checked by beartype at each call, its checker made at the first one:
    a step is often made and never called (`lolpop check`, a dry run), and importing
    beartype and making a checker costs ~40 ms and ~1 ms a step."""
    made: list[Callable[..., object]] = []

    @functools.wraps(annotated)
    def checked(value: object) -> object:
        if not made:  # two threads may both make it: either checker is the same
            from beartype import beartype  # noqa: PLC0415 (heavy: for generic hints only)

            made.append(beartype(conf=check_conf())(annotated))
        return made[0](value)

    return checked


def _checked(
    fn: Callable[..., object], hints: dict[str, object], parameter: str
) -> Callable[..., object]:
    """`fn` with its argument and result checked against its hints at each call."""
    annotated = _with_annotations(fn, hints)
    wanted, made = plain_class(hints[parameter]), plain_class(hints["return"])
    if wanted is None or made is None:
        return _checked_by_beartype(annotated)
    takes, gives = instances_of(wanted), instances_of(made)

    @functools.wraps(annotated)
    def checked(value: object) -> object:
        if not isinstance(value, takes):
            raise _violation(fn, parameter, value, wanted)
        result = fn(value)
        if not isinstance(result, gives):
            raise _violation(fn, None, result, made)
        return result

    return checked


def make_step(
    fn: Callable[[_A], _B],
    *,
    name: str | None = None,
    effect: bool = False,
    description: str | None = None,
    check: bool = True,
) -> Step[_A, _B]:
    """A leaf step from a typed function (what `@step` does), with its settings.

    `check=False` skips the runtime type check of each call (the wiring check at
    composition still runs): for steps so cheap that ~0.3 µs a call matters.
    """
    parameter, in_type, out_type, hints = _signature_types(fn)
    label = check_name(name) if name is not None else getattr(fn, "__name__", "step")
    if label == "<lambda>":
        label = "lambda"
    called = _checked(fn, hints, parameter) if check else fn
    doc = description if description is not None else inspect.getdoc(fn) or ""
    meta = StepMeta(effect=effect, description=doc.split("\n\n")[0].strip())
    return Step(Leaf(called), label, in_type, out_type, meta)


@overload
def step(fn: Callable[[_A], _B], /) -> Step[_A, _B]: ...
@overload
def step(
    *,
    name: str | None = None,
    effect: bool = False,
    description: str | None = None,
    check: bool = True,
) -> Callable[[Callable[[_A], _B]], Step[_A, _B]]: ...
def step(
    fn: Callable[[_A], _B] | None = None,
    /,
    *,
    name: str | None = None,
    effect: bool = False,
    description: str | None = None,
    check: bool = True,
) -> Step[_A, _B] | Callable[[Callable[[_A], _B]], Step[_A, _B]]:
    """Make a typed one-argument function a `Step`; use bare or with settings.

    >>> @step
    ... def parse(text: str) -> int:
    ...     return int(text)
    >>> parse
    <Step parse: str -> int>
    >>> @step(name="save", effect=True)
    ... def write(x: int) -> int:
    ...     return x
    >>> write.name, write.meta.effect
    ('save', True)
    """
    if fn is not None:
        return make_step(fn)

    def decorate(function: Callable[[_A], _B]) -> Step[_A, _B]:
        return make_step(function, name=name, effect=effect, description=description, check=check)

    return decorate
