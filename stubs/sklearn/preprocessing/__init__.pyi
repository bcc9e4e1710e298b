from collections.abc import Callable, Sequence
from typing import Literal, Self

import numpy as np
import numpy.typing as npt
import pandas as pd

_X = pd.DataFrame | npt.NDArray[np.generic]

class OneHotEncoder:
    categories_: list[npt.NDArray[np.generic]]
    def __init__(
        self,
        *,
        handle_unknown: Literal["error", "ignore", "infrequent_if_exist", "warn"] = "error",
        sparse_output: bool = True,
        max_categories: int | None = None,
        min_frequency: int | float | None = None,
    ) -> None: ...
    def fit(self, X: _X, y: object = None) -> Self: ...
    def transform(self, X: _X) -> pd.DataFrame: ...
    def get_feature_names_out(self, input_features: Sequence[str] | None = None) -> npt.NDArray[np.object_]: ...

class StandardScaler:
    mean_: npt.NDArray[np.float64]
    scale_: npt.NDArray[np.float64]
    def __init__(self, *, with_mean: bool = True, with_std: bool = True) -> None: ...
    def fit(self, X: _X, y: object = None) -> Self: ...
    def transform(self, X: _X) -> pd.DataFrame: ...

class FunctionTransformer:
    def __init__(
        self,
        func: Callable[[pd.DataFrame], pd.DataFrame] | None = None,
        *,
        feature_names_out: Literal["one-to-one"] | None = None,
    ) -> None: ...
    def fit(self, X: _X, y: object = None) -> Self: ...
    def transform(self, X: _X) -> pd.DataFrame: ...

def label_binarize(
    y: pd.Series | npt.NDArray[np.generic], *, classes: Sequence[object]
) -> npt.NDArray[np.int64]: ...
