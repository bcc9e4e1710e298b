from typing import Literal, Self

import numpy as np
import numpy.typing as npt
import pandas as pd
from sklearn.base import BaseEstimator, ClassifierMixin, RegressorMixin

class DummyClassifier(ClassifierMixin, BaseEstimator):
    def __init__(
        self,
        *,
        strategy: Literal["most_frequent", "prior", "stratified", "uniform", "constant"] = "prior",
        random_state: int | None = None,
        constant: int | str | npt.ArrayLike | None = None,
    ) -> None: ...
    def fit(self, X: pd.DataFrame, y: pd.Series) -> Self: ...
    def predict(self, X: pd.DataFrame) -> npt.NDArray[np.generic]: ...
    def predict_proba(self, X: pd.DataFrame) -> npt.NDArray[np.float64]: ...

class DummyRegressor(RegressorMixin, BaseEstimator):
    def __init__(
        self,
        *,
        strategy: Literal["mean", "median", "quantile", "constant"] = "mean",
        constant: float | None = None,
        quantile: float | None = None,
    ) -> None: ...
    def fit(self, X: pd.DataFrame, y: pd.Series) -> Self: ...
    def predict(self, X: pd.DataFrame) -> npt.NDArray[np.float64]: ...
