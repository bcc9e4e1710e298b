"""pandas and NumPy, imported where lolpop first uses them rather than where lolpop is
imported.

`lolpop check` builds every component to compare its steps' declared types, and most of
those name pandas' classes; importing pandas (with NumPy and pyarrow) was most of a
check's time. So every lolpop module reaches them through `pd` and `np` here: the first
attribute read imports the library and answers with its own attribute (kept, so the
next read costs what a module's does).

While a config is checked (`declaring()`), and until something imports pandas,
`pd.DataFrame` and `pd.Series` are answered by stand-ins instead: classes named as
pandas' are, that nothing is an instance of, and that compare with each other as
pandas' classes do. A user's module that imports pandas in the middle of a check brings
pandas' own classes in beside them; the wiring check (`lolpop.core._hints.fits`) then
replaces each stand-in by the class it stands for (`realizing`) before it compares two
hints. Nothing built while declaring runs: the check only compares types.

mypy reads `pd` and `np` as the libraries themselves.
"""

from __future__ import annotations

import contextlib
import importlib
import sys
from collections.abc import Callable, Iterator
from types import ModuleType
from typing import TYPE_CHECKING, Self

__all__ = ["declaring", "np", "pd", "realizing", "stand_ins_met"]

#: The pandas classes that a check may answer with a stand-in.
_STOOD_IN = ("DataFrame", "Series")


class _StandIn:
    """Base of the stand-ins for pandas' classes."""


def _make_stand_in(name: str) -> type[_StandIn]:
    made: type[_StandIn] = type(name, (_StandIn,), {"__module__": "pandas", "__qualname__": name})
    return made


_STAND_INS: dict[str, type[_StandIn]] = {name: _make_stand_in(name) for name in _STOOD_IN}
_state = {"declaring": 0, "handed_out": 0}


@contextlib.contextmanager
def declaring() -> Iterator[None]:
    """Within it, `pd.DataFrame` and `pd.Series` are stand-ins while pandas is not
    imported: for building components only to compare their declared types."""
    _state["declaring"] += 1
    try:
        yield
    finally:
        _state["declaring"] -= 1


class _Lazy:
    """A library imported by the first read of one of its attributes."""

    def __init__(self, name: str, stand_ins: dict[str, type[_StandIn]] | None = None) -> None:
        self.__name = name
        self.__stand_ins = stand_ins or {}

    def __getattr__(self, attribute: str) -> object:
        if attribute.startswith("_Lazy__"):  # an instance not made by `__init__` (a copy)
            raise AttributeError(attribute)
        stand_in = self.__stand_ins.get(attribute)
        if stand_in is not None and _state["declaring"] and self.__name not in sys.modules:
            _state["handed_out"] = 1
            return stand_in
        value = getattr(importlib.import_module(self.__name), attribute)
        setattr(self, attribute, value)
        return value

    def __repr__(self) -> str:
        return f"<{self.__name}, imported when first used>"

    def __reduce__(self) -> tuple[Callable[[str], ModuleType], tuple[str]]:
        """Pickled as the library itself (a step's function sent to another process, by
        value, carries the names it reads): unpickled, it is the library, imported."""
        return importlib.import_module, (self.__name,)

    def __copy__(self) -> Self:
        return self

    def __deepcopy__(self, memo: dict[int, object]) -> Self:
        return self


def stand_ins_met() -> bool:
    """Whether a stand-in was handed out and pandas has been imported since: only then
    may a hint hold a stand-in and pandas' own class side by side."""
    return bool(_state["handed_out"]) and "pandas" in sys.modules


def realizing() -> dict[object, object]:
    """Each stand-in with the pandas class it stands for, once pandas is imported (a
    table for `lolpop.core._hints.substitute`; empty before)."""
    pandas = sys.modules.get("pandas")
    if pandas is None:
        return {}
    return {stand_in: getattr(pandas, name) for name, stand_in in _STAND_INS.items()}


if TYPE_CHECKING:
    import numpy as np
    import pandas as pd
else:
    pd = _Lazy("pandas", _STAND_INS)
    np = _Lazy("numpy")
