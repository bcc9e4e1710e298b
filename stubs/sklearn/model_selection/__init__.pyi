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
