from collections.abc import Callable, Mapping
from typing import Self

import numpy as np
import numpy.typing as npt
import pandas as pd
from sklearn.base import BaseEstimator, RegressorMixin

_X = pd.DataFrame | npt.NDArray[np.float32] | npt.NDArray[np.float64]
_Y = pd.Series | npt.NDArray[np.generic]

class KernelRidge(RegressorMixin, BaseEstimator):
    def __init__(
        self,
        alpha: float | npt.NDArray[np.float64] = 1,
        *,
        kernel: str | Callable[..., object] = "linear",
        gamma: float | None = None,
        degree: float = 3,
        coef0: float = 1,
        kernel_params: Mapping[str, object] | None = None,
    ) -> None: ...
    def fit(self, X: _X, y: _Y) -> Self: ...
    def predict(self, X: _X) -> npt.NDArray[np.float64]: ...
