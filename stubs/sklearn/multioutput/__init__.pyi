from typing import Literal, Self

import numpy as np
import numpy.typing as npt
import pandas as pd
from sklearn.base import BaseEstimator, ClassifierMixin, RegressorMixin

_X = pd.DataFrame | npt.NDArray[np.float32] | npt.NDArray[np.float64]
_Y = pd.Series | npt.NDArray[np.generic]

class ClassifierChain(ClassifierMixin, BaseEstimator):
    def __init__(
        self,
        estimator: BaseEstimator,
        *,
        order: object = None,
        cv: object = None,
        chain_method: Literal[
            "predict", "predict_proba", "predict_log_proba", "decision_function"
        ] = "predict",
        random_state: int | None = None,
        verbose: bool | int = False,
    ) -> None: ...
    def fit(self, X: _X, y: _Y) -> Self: ...
    def predict(self, X: _X) -> npt.NDArray[np.generic]: ...
    def predict_proba(self, X: _X) -> npt.NDArray[np.float64]: ...
    def decision_function(self, X: _X) -> npt.NDArray[np.float64]: ...

class MultiOutputClassifier(ClassifierMixin, BaseEstimator):
    def __init__(
        self,
        estimator: BaseEstimator,
        *,
        n_jobs: int | None = None,
    ) -> None: ...
    def fit(self, X: _X, y: _Y) -> Self: ...
    def predict(self, X: _X) -> npt.NDArray[np.generic]: ...
    def predict_proba(self, X: _X) -> npt.NDArray[np.float64]: ...

class MultiOutputRegressor(RegressorMixin, BaseEstimator):
    def __init__(
        self,
        estimator: BaseEstimator,
        *,
        n_jobs: int | None = None,
    ) -> None: ...
    def fit(self, X: _X, y: _Y) -> Self: ...
    def predict(self, X: _X) -> npt.NDArray[np.generic]: ...

class RegressorChain(RegressorMixin, BaseEstimator):
    def __init__(
        self,
        estimator: BaseEstimator,
        *,
        order: object = None,
        cv: object = None,
        random_state: int | None = None,
        verbose: bool | int = False,
    ) -> None: ...
    def fit(self, X: _X, y: _Y) -> Self: ...
    def predict(self, X: _X) -> npt.NDArray[np.generic]: ...
