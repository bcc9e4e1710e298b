from typing import Self

import numpy as np
import numpy.typing as npt
import pandas as pd
from sklearn.base import BaseEstimator, ClassifierMixin

class LogisticRegression(ClassifierMixin, BaseEstimator):
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
