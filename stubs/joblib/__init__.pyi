# Stubs for the parts of joblib that lolpop uses (joblib ships no types).
from collections.abc import Callable, Iterable
from typing import Literal, ParamSpec, TypeVar

_P = ParamSpec("_P")
_T = TypeVar("_T")

#: A call that `delayed` prepared: the function, its arguments and keywords.
_Delayed = tuple[Callable[..., _T], tuple[object, ...], dict[str, object]]

class Parallel:
    def __init__(
        self,
        n_jobs: int | None = None,
        *,
        backend: Literal["loky", "threading", "multiprocessing"] | None = None,
        prefer: Literal["processes", "threads"] | None = None,
    ) -> None: ...
    def __call__(self, iterable: Iterable[_Delayed[_T]]) -> list[_T]: ...

def delayed(function: Callable[_P, _T]) -> Callable[_P, _Delayed[_T]]: ...
def cpu_count() -> int: ...
