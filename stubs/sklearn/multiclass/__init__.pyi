from typing import Self

import numpy as np
import numpy.typing as npt
import pandas as pd
from sklearn.base import BaseEstimator, ClassifierMixin

_X = pd.DataFrame | npt.NDArray[np.float32] | npt.NDArray[np.float64]
_Y = pd.Series | npt.NDArray[np.generic]

class OneVsOneClassifier(ClassifierMixin, BaseEstimator):
    def __init__(
        self,
        estimator: BaseEstimator,
        *,
        n_jobs: int | None = None,
    ) -> None: ...
    def fit(self, X: _X, y: _Y) -> Self: ...
    def predict(self, X: _X) -> npt.NDArray[np.generic]: ...
    def decision_function(self, X: _X) -> npt.NDArray[np.float64]: ...

class OneVsRestClassifier(ClassifierMixin, BaseEstimator):
    def __init__(
        self,
        estimator: BaseEstimator,
        *,
        n_jobs: int | None = None,
        verbose: bool | int = 0,
    ) -> None: ...
    def fit(self, X: _X, y: _Y) -> Self: ...
    def predict(self, X: _X) -> npt.NDArray[np.generic]: ...
    def predict_proba(self, X: _X) -> npt.NDArray[np.float64]: ...
    def decision_function(self, X: _X) -> npt.NDArray[np.float64]: ...

class OutputCodeClassifier(ClassifierMixin, BaseEstimator):
    def __init__(
        self,
        estimator: BaseEstimator,
        *,
        code_size: float = 1.5,
        random_state: int | None = None,
        n_jobs: int | None = None,
    ) -> None: ...
    def fit(self, X: _X, y: _Y) -> Self: ...
    def predict(self, X: _X) -> npt.NDArray[np.generic]: ...
