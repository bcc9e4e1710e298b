from collections.abc import Callable
from typing import Literal, Self

import numpy as np
import numpy.typing as npt
import pandas as pd
from sklearn.base import BaseEstimator, ClassifierMixin

_X = pd.DataFrame | npt.NDArray[np.float32] | npt.NDArray[np.float64]
_Y = pd.Series | npt.NDArray[np.generic]

class LabelPropagation(ClassifierMixin, BaseEstimator):
    def __init__(
        self,
        kernel: Literal["knn", "rbf"] | Callable[..., object] = "rbf",
        *,
        gamma: float = 20,
        n_neighbors: int = 7,
        max_iter: int = 1000,
        tol: float = 0.001,
        n_jobs: int | None = None,
    ) -> None: ...
    def fit(self, X: _X, y: _Y) -> Self: ...
    def predict(self, X: _X) -> npt.NDArray[np.generic]: ...
    def predict_proba(self, X: _X) -> npt.NDArray[np.float64]: ...

class LabelSpreading(ClassifierMixin, BaseEstimator):
    def __init__(
        self,
        kernel: Literal["knn", "rbf"] | Callable[..., object] = "rbf",
        *,
        gamma: float = 20,
        n_neighbors: int = 7,
        alpha: float = 0.2,
        max_iter: int = 30,
        tol: float = 0.001,
        n_jobs: int | None = None,
    ) -> None: ...
    def fit(self, X: _X, y: _Y) -> Self: ...
    def predict(self, X: _X) -> npt.NDArray[np.generic]: ...
    def predict_proba(self, X: _X) -> npt.NDArray[np.float64]: ...

class SelfTrainingClassifier(ClassifierMixin, BaseEstimator):
    def __init__(
        self,
        estimator: BaseEstimator | None = None,
        threshold: float = 0.75,
        criterion: Literal["threshold", "k_best"] = "threshold",
        k_best: int = 10,
        max_iter: int = 10,
        verbose: bool | int = False,
    ) -> None: ...
    def fit(self, X: _X, y: _Y) -> Self: ...
    def predict(self, X: _X) -> npt.NDArray[np.generic]: ...
    def predict_proba(self, X: _X) -> npt.NDArray[np.float64]: ...
    def decision_function(self, X: _X) -> npt.NDArray[np.float64]: ...
