from collections.abc import Iterator, Mapping, Sequence
from typing import TypeVar

import pandas as pd

_Frame = TypeVar("_Frame", pd.DataFrame, pd.Series)

def train_test_split(
    x: _Frame,
    y: pd.Series,
    /,
    *,
    test_size: float | int | None = None,
    train_size: float | int | None = None,
    random_state: int | None = None,
    shuffle: bool = True,
    stratify: pd.Series | None = None,
) -> tuple[_Frame, _Frame, pd.Series, pd.Series]: ...

class ParameterGrid:
    def __init__(self, param_grid: Mapping[str, Sequence[object]]) -> None: ...
    def __iter__(self) -> Iterator[dict[str, object]]: ...
    def __len__(self) -> int: ...

class ParameterSampler:
    def __init__(
        self,
        param_distributions: Mapping[str, Sequence[object]],
        n_iter: int,
        *,
        random_state: int | None = None,
    ) -> None: ...
    def __iter__(self) -> Iterator[dict[str, object]]: ...
    def __len__(self) -> int: ...
