"""Runtime type hints: whether one fits where another is expected, and how to name them.

The wiring check runs when a program is built, so it also guards workflows that were
built from YAML, where mypy never ran. It follows mypy's rules where they differ from
plain `issubclass`:

- `Any`, `object` and unsolved type variables fit anything and accept anything (a
  generic step such as `identity()` is checked where it is used, not where it is made);
- the numeric tower of PEP 484: an `int` fits where a `float` is expected, and an `int`
  or a `float` where a `complex` is. Steps are checked at call time with the same rule
  (`BeartypeConf(is_pep484_tower=True)`), so the two checks agree.

Hints that are plain classes (`int`, `pd.DataFrame`, an attrs record: most steps' types)
are compared and checked here with `issubclass`/`isinstance`; beartype, whose import is
a tenth of a second and a garbage-collection sweep, is imported for the others only.
"""

from __future__ import annotations

import sys
import types
import typing
from collections.abc import Callable, Mapping
from functools import lru_cache
from typing import TYPE_CHECKING

from lolpop._lazy import realizing, stand_ins_met

if TYPE_CHECKING:
    from beartype import BeartypeConf


def type_hints(fn: Callable[..., object]) -> dict[str, object]:
    """`fn`'s resolved annotations, looking in the defining frames for local names.

    With `from __future__ import annotations` every annotation is a string; a type
    defined inside a function (a test, a notebook cell's helper) is found only among the
    locals of the frame that is defining the step, so those are tried too.
    """
    try:
        return typing.get_type_hints(fn)
    except NameError:
        frame = sys._getframe(1)
        while frame is not None:
            if not frame.f_globals.get("__name__", "").startswith("lolpop.core"):
                try:
                    return typing.get_type_hints(fn, localns=dict(frame.f_locals))
                except NameError:
                    pass
            frame = frame.f_back  # type: ignore[assignment]  # None ends the loop
        raise


#: A plain class's own instances, and for `float` and `complex` what PEP 484's numeric
#: tower lets pass for them.
_TOWER: dict[type, tuple[type, ...]] = {float: (float, int), complex: (complex, float, int)}


@lru_cache(maxsize=1)
def check_conf() -> BeartypeConf:
    """The beartype configuration of every checked step: the numeric tower, as mypy has it."""
    from beartype import BeartypeConf  # noqa: PLC0415 (heavy: imported for generic hints only)

    return BeartypeConf(is_pep484_tower=True)


def plain_class(hint: object) -> type | None:
    """`hint` when it is a class checked by `isinstance` alone (not generic, not a
    protocol), else None.

    >>> plain_class(int), plain_class(list[int]), plain_class(typing.Any)
    (<class 'int'>, None, None)
    """
    if hint is typing.Any or not isinstance(hint, type) or typing.get_args(hint):
        return None  # (`Any` is a class since Python 3.11)
    if getattr(hint, "_is_protocol", False) or typing.is_typeddict(hint):
        return None  # structural: beartype's to check (`isinstance` refuses both)
    return hint


def instances_of(cls: type) -> tuple[type, ...]:
    """The classes whose instances pass for `cls` at a call (the numeric tower's rule).

    >>> instances_of(float), instances_of(str)
    ((<class 'float'>, <class 'int'>), (<class 'str'>,))
    """
    return _TOWER.get(cls, (cls,))


def is_open(hint: object) -> bool:
    """Whether a hint accepts and fits anything: `Any`, `object` or a type variable."""
    return hint is typing.Any or hint is object or isinstance(hint, typing.TypeVar)


def _widen(hint: object) -> object:
    """The hint with `float` and `complex` widened as PEP 484's numeric tower says."""
    if hint is float:
        return float | int
    if hint is complex:
        return complex | float | int
    origin = typing.get_origin(hint)
    args = typing.get_args(hint)
    if origin is None or not args or origin is typing.Annotated:
        return hint
    if any(isinstance(arg, list) for arg in args):  # Callable[[...], ...]: leave as is
        return hint
    widened = tuple(_widen(arg) for arg in args)
    if origin is typing.Union or origin is types.UnionType:
        return typing.Union[widened]  # noqa: UP007 (the runtime form of a union of hints)
    try:
        return origin[widened]
    except TypeError:
        return hint


#: Origins whose arguments `_alike` may not compare one by one.
_NOT_PAIRWISE = (typing.Union, types.UnionType, typing.Annotated, typing.Literal)


def _alike(provided: object, expected: object) -> bool:
    """Whether two hints are the same but where one of them says `Any` (`FittedModel[Any]`
    and `FittedModel[Classification]`): each fits the other, as beartype finds, without
    importing it."""
    if provided == expected or provided is typing.Any or expected is typing.Any:
        return True
    origin = typing.get_origin(provided)
    if origin is None or origin in _NOT_PAIRWISE or origin != typing.get_origin(expected):
        return False
    given, wanted = typing.get_args(provided), typing.get_args(expected)
    return len(given) == len(wanted) and all(
        not isinstance(one, list) and not isinstance(other, list) and _alike(one, other)
        for one, other in zip(given, wanted, strict=True)
    )


@lru_cache(maxsize=4096)
def _fits_cached(provided: object, expected: object) -> bool:
    narrow, wide = plain_class(provided), plain_class(expected)
    if narrow is not None and wide is not None:
        return issubclass(narrow, instances_of(wide))
    if _alike(provided, expected):
        return True
    from beartype.door import is_subhint  # noqa: PLC0415 (heavy: imported for generic hints only)

    try:
        return is_subhint(provided, expected) or is_subhint(provided, _widen(expected))
    except Exception:  # beartype refuses some exotic hints: fall back to equality
        return provided == expected


def substitute(hint: object, table: Mapping[object, object] | None = None) -> object:
    """`hint` with its type variables replaced: by what `table` gives them, or (no
    table) every one by `Any`, as `fits` reads a generic step's types (checked where
    they are used, as a bare type variable is). A class in `table` is replaced too (a
    check's stand-in for a pandas class, `lolpop._lazy`).

    >>> T = typing.TypeVar("T")
    >>> substitute(dict[str, T], {T: int}), substitute(list[T])
    (dict[str, int], list[typing.Any])
    """
    if table is None and isinstance(hint, typing.TypeVar):
        return typing.Any
    if table is not None and isinstance(hint, (typing.TypeVar, type)) and hint in table:
        return table[hint]
    arguments = typing.get_args(hint)
    if not arguments or isinstance(hint, type):
        return hint
    replaced = tuple(
        [substitute(item, table) for item in argument]
        if isinstance(argument, list)
        else substitute(argument, table)
        for argument in arguments
    )
    if replaced == arguments:
        return hint
    origin = typing.get_origin(hint)
    if origin is typing.Union or origin is types.UnionType:
        return typing.Union[replaced]  # noqa: UP007 (the runtime form of a union of hints)
    copy_with = getattr(hint, "copy_with", None)
    if callable(copy_with):  # typing's own aliases (`Step[A, B]`, `Mapping[K, V]`)
        return copy_with(replaced)
    try:
        return origin[replaced] if origin is not None else hint
    except TypeError:
        return hint


def fits(provided: object, expected: object) -> bool:
    """Whether a value of hint `provided` may be passed where `expected` is declared.

    >>> fits(bool, int), fits(int, float), fits(str, int), fits(list[int], typing.Sequence[int])
    (True, True, False, True)
    """
    if is_open(provided) or is_open(expected):
        return True
    provided, expected = substitute(provided), substitute(expected)
    if stand_ins_met():  # a check's stand-ins for pandas' classes, and pandas' own
        table = realizing()
        provided, expected = substitute(provided, table), substitute(expected, table)
    try:
        return _fits_cached(provided, expected)
    except TypeError:  # an unhashable hint
        return _fits_cached.__wrapped__(provided, expected)


def meet(first: object, second: object) -> object | None:
    """The narrower of two input hints, or None when neither fits the other."""
    if is_open(first):
        return second
    if is_open(second) or fits(first, second):
        return first
    if fits(second, first):
        return second
    return None


def describe(hint: object) -> str:
    """A short, readable name for a hint: `int`, `DataFrame`, `list[int]`, `Any`."""
    if hint is typing.Any:
        return "Any"
    if isinstance(hint, type) and not typing.get_args(hint):
        return hint.__qualname__
    if isinstance(hint, typing.TypeVar):
        return hint.__name__
    try:
        text = repr(hint)
    except RecursionError:  # the output of a fanout of hundreds of branches, `((a, b), c)`
        origin = typing.get_origin(hint)
        return f"{getattr(origin, '__qualname__', 'hint')}[…] (nested too deep to show)"
    return text.replace("typing.", "").replace("collections.abc.", "")


def describe_value_type(value: object) -> str:
    """The name of a value's type, qualified by its module unless it is a builtin."""
    cls = type(value)
    if cls.__module__ == "builtins":
        return cls.__qualname__
    return f"{cls.__module__}.{cls.__qualname__}"
