from collections.abc import Callable
from typing import Literal, Self

import numpy as np
import numpy.typing as npt
import pandas as pd
from sklearn.base import BaseEstimator, ClassifierMixin, RegressorMixin

_X = pd.DataFrame | npt.NDArray[np.float32] | npt.NDArray[np.float64]
_Y = pd.Series | npt.NDArray[np.generic]

class GaussianProcessClassifier(ClassifierMixin, BaseEstimator):
    def __init__(
        self,
        kernel: object = None,
        *,
        optimizer: Literal["fmin_l_bfgs_b"] | Callable[..., object] | None = "fmin_l_bfgs_b",
        n_restarts_optimizer: int = 0,
        max_iter_predict: int = 100,
        warm_start: bool = False,
        copy_X_train: bool = True,
        random_state: int | None = None,
        multi_class: Literal["one_vs_one", "one_vs_rest"] = "one_vs_rest",
        n_jobs: int | None = None,
    ) -> None: ...
    def fit(self, X: _X, y: _Y) -> Self: ...
    def predict(self, X: _X) -> npt.NDArray[np.generic]: ...
    def predict_proba(self, X: _X) -> npt.NDArray[np.float64]: ...

class GaussianProcessRegressor(RegressorMixin, BaseEstimator):
    def __init__(
        self,
        kernel: object = None,
        *,
        alpha: float | npt.NDArray[np.float64] = 1e-10,
        optimizer: Literal["fmin_l_bfgs_b"] | Callable[..., object] | None = "fmin_l_bfgs_b",
        n_restarts_optimizer: int = 0,
        normalize_y: bool = False,
        copy_X_train: bool = True,
        n_targets: int | None = None,
        random_state: int | None = None,
    ) -> None: ...
    def fit(self, X: _X, y: _Y) -> Self: ...
    def predict(self, X: _X) -> npt.NDArray[np.float64]: ...
