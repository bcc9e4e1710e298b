from typing import Literal, Self

import numpy as np
import numpy.typing as npt
import pandas as pd
from sklearn.base import BaseEstimator, ClassifierMixin

_X = pd.DataFrame | npt.NDArray[np.float32] | npt.NDArray[np.float64]
_Y = pd.Series | npt.NDArray[np.generic]

class LinearDiscriminantAnalysis(ClassifierMixin, BaseEstimator):
    def __init__(
        self,
        solver: Literal["eigen", "lsqr", "svd"] = "svd",
        shrinkage: float | Literal["auto"] | None = None,
        priors: npt.ArrayLike | None = None,
        n_components: int | None = None,
        store_covariance: bool = False,
        tol: float = 0.0001,
        covariance_estimator: object = None,
    ) -> None: ...
    def fit(self, X: _X, y: _Y) -> Self: ...
    def predict(self, X: _X) -> npt.NDArray[np.generic]: ...
    def predict_proba(self, X: _X) -> npt.NDArray[np.float64]: ...
    def decision_function(self, X: _X) -> npt.NDArray[np.float64]: ...

class QuadraticDiscriminantAnalysis(ClassifierMixin, BaseEstimator):
    def __init__(
        self,
        *,
        solver: Literal["eigen", "svd"] = "svd",
        shrinkage: float | Literal["auto"] | None = None,
        priors: npt.ArrayLike | None = None,
        reg_param: float = 0.0,
        store_covariance: bool = False,
        tol: float = 0.0001,
        covariance_estimator: object = None,
    ) -> None: ...
    def fit(self, X: _X, y: _Y) -> Self: ...
    def predict(self, X: _X) -> npt.NDArray[np.generic]: ...
    def predict_proba(self, X: _X) -> npt.NDArray[np.float64]: ...
    def decision_function(self, X: _X) -> npt.NDArray[np.float64]: ...
