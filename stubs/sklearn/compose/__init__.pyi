from collections.abc import Callable, Sequence
from typing import Literal, Self

import numpy as np
import numpy.typing as npt
import pandas as pd
from sklearn.base import BaseEstimator, RegressorMixin

_X = pd.DataFrame | npt.NDArray[np.float32] | npt.NDArray[np.float64]
_Y = pd.Series | npt.NDArray[np.generic]

class ColumnTransformer:
    named_transformers_: dict[str, object]
    feature_names_in_: npt.NDArray[np.object_]
    def __init__(
        self,
        transformers: Sequence[tuple[str, object, Sequence[str]]],
        *,
        remainder: Literal["drop", "passthrough"] | object = "drop",
        verbose_feature_names_out: bool = True,
    ) -> None: ...
    def fit(self, X: pd.DataFrame, y: pd.Series | None = None) -> Self: ...
    def transform(self, X: pd.DataFrame) -> pd.DataFrame: ...
    def set_output(self, *, transform: Literal["default", "pandas", "polars"] | None = None) -> Self: ...
    def get_feature_names_out(
        self, input_features: Sequence[str] | None = None
    ) -> npt.NDArray[np.object_]: ...

class TransformedTargetRegressor(RegressorMixin, BaseEstimator):
    def __init__(
        self,
        regressor: object = None,
        *,
        transformer: object = None,
        func: Callable[..., object] | None = None,
        inverse_func: Callable[..., object] | None = None,
        check_inverse: bool = True,
    ) -> None: ...
    def fit(self, X: _X, y: _Y) -> Self: ...
    def predict(self, X: _X) -> npt.NDArray[np.float64]: ...
