from typing import Self

import numpy as np
import numpy.typing as npt
import pandas as pd
from sklearn.base import BaseEstimator, ClassifierMixin, RegressorMixin

class LogisticRegression(ClassifierMixin, BaseEstimator):
    #: (1, features) for two classes, (classes, features) for more.
    coef_: npt.NDArray[np.float64]
    intercept_: npt.NDArray[np.float64]
    classes_: npt.NDArray[np.generic]
    n_features_in_: int
    def __init__(
        self,
        *,
        C: float = 1.0,
        max_iter: int = 100,
        random_state: int | None = None,
        tol: float = 1e-4,
    ) -> None: ...
    def fit(self, X: pd.DataFrame, y: pd.Series) -> Self: ...
    def predict(self, X: pd.DataFrame) -> npt.NDArray[np.generic]: ...
    def predict_proba(self, X: pd.DataFrame) -> npt.NDArray[np.float64]: ...
    def decision_function(self, X: pd.DataFrame) -> npt.NDArray[np.float64]: ...

class LinearRegression(RegressorMixin, BaseEstimator):
    coef_: npt.NDArray[np.float64]
    intercept_: float | npt.NDArray[np.float64]
    n_features_in_: int
    def __init__(self, *, fit_intercept: bool = True, positive: bool = False) -> None: ...
    def fit(self, X: pd.DataFrame, y: pd.Series) -> Self: ...
    def predict(self, X: pd.DataFrame) -> npt.NDArray[np.float64]: ...

class Ridge(RegressorMixin, BaseEstimator):
    coef_: npt.NDArray[np.float64]
    intercept_: float | npt.NDArray[np.float64]
    n_features_in_: int
    def __init__(
        self,
        alpha: float = 1.0,
        *,
        fit_intercept: bool = True,
        random_state: int | None = None,
    ) -> None: ...
    def fit(self, X: pd.DataFrame, y: pd.Series) -> Self: ...
    def predict(self, X: pd.DataFrame) -> npt.NDArray[np.float64]: ...
