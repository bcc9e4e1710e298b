from typing import Self

import numpy as np
import numpy.typing as npt
import pandas as pd
from sklearn.base import BaseEstimator, ClassifierMixin

_X = pd.DataFrame | npt.NDArray[np.float32] | npt.NDArray[np.float64]
_Y = pd.Series | npt.NDArray[np.generic]

class BernoulliNB(ClassifierMixin, BaseEstimator):
    def __init__(
        self,
        *,
        alpha: float | npt.ArrayLike = 1.0,
        force_alpha: bool = True,
        binarize: float | None = 0.0,
        fit_prior: bool = True,
        class_prior: npt.ArrayLike | None = None,
    ) -> None: ...
    def fit(self, X: _X, y: _Y) -> Self: ...
    def predict(self, X: _X) -> npt.NDArray[np.generic]: ...
    def predict_proba(self, X: _X) -> npt.NDArray[np.float64]: ...

class CategoricalNB(ClassifierMixin, BaseEstimator):
    def __init__(
        self,
        *,
        alpha: float = 1.0,
        force_alpha: bool = True,
        fit_prior: bool = True,
        class_prior: npt.ArrayLike | None = None,
        min_categories: int | npt.ArrayLike | None = None,
    ) -> None: ...
    def fit(self, X: _X, y: _Y) -> Self: ...
    def predict(self, X: _X) -> npt.NDArray[np.generic]: ...
    def predict_proba(self, X: _X) -> npt.NDArray[np.float64]: ...

class ComplementNB(ClassifierMixin, BaseEstimator):
    def __init__(
        self,
        *,
        alpha: float | npt.ArrayLike = 1.0,
        force_alpha: bool = True,
        fit_prior: bool = True,
        class_prior: npt.ArrayLike | None = None,
        norm: bool = False,
    ) -> None: ...
    def fit(self, X: _X, y: _Y) -> Self: ...
    def predict(self, X: _X) -> npt.NDArray[np.generic]: ...
    def predict_proba(self, X: _X) -> npt.NDArray[np.float64]: ...

class GaussianNB(ClassifierMixin, BaseEstimator):
    def __init__(
        self,
        *,
        priors: npt.ArrayLike | None = None,
        var_smoothing: float = 1e-09,
    ) -> None: ...
    def fit(self, X: _X, y: _Y) -> Self: ...
    def predict(self, X: _X) -> npt.NDArray[np.generic]: ...
    def predict_proba(self, X: _X) -> npt.NDArray[np.float64]: ...

class MultinomialNB(ClassifierMixin, BaseEstimator):
    def __init__(
        self,
        *,
        alpha: float | npt.ArrayLike = 1.0,
        force_alpha: bool = True,
        fit_prior: bool = True,
        class_prior: npt.ArrayLike | None = None,
    ) -> None: ...
    def fit(self, X: _X, y: _Y) -> Self: ...
    def predict(self, X: _X) -> npt.NDArray[np.generic]: ...
    def predict_proba(self, X: _X) -> npt.NDArray[np.float64]: ...
