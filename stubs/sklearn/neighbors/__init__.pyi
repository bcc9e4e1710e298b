from collections.abc import Callable, Mapping
from typing import Literal, Self

import numpy as np
import numpy.typing as npt
import pandas as pd
from sklearn.base import BaseEstimator, ClassifierMixin, RegressorMixin

_X = pd.DataFrame | npt.NDArray[np.float32] | npt.NDArray[np.float64]
_Y = pd.Series | npt.NDArray[np.generic]

class KNeighborsClassifier(ClassifierMixin, BaseEstimator):
    def __init__(
        self,
        n_neighbors: int | None = 5,
        *,
        weights: Literal["distance", "uniform"] | Callable[..., object] | None = "uniform",
        algorithm: Literal["auto", "ball_tree", "brute", "kd_tree"] = "auto",
        leaf_size: int = 30,
        p: float | None = 2,
        metric: str | Callable[..., object] = "minkowski",
        metric_params: Mapping[str, object] | None = None,
        n_jobs: int | None = None,
    ) -> None: ...
    def fit(self, X: _X, y: _Y) -> Self: ...
    def predict(self, X: _X) -> npt.NDArray[np.generic]: ...
    def predict_proba(self, X: _X) -> npt.NDArray[np.float64]: ...

class KNeighborsRegressor(RegressorMixin, BaseEstimator):
    def __init__(
        self,
        n_neighbors: int | None = 5,
        *,
        weights: Literal["distance", "uniform"] | Callable[..., object] | None = "uniform",
        algorithm: Literal["auto", "ball_tree", "brute", "kd_tree"] = "auto",
        leaf_size: int = 30,
        p: float | None = 2,
        metric: str | Callable[..., object] = "minkowski",
        metric_params: Mapping[str, object] | None = None,
        n_jobs: int | None = None,
    ) -> None: ...
    def fit(self, X: _X, y: _Y) -> Self: ...
    def predict(self, X: _X) -> npt.NDArray[np.float64]: ...

class NearestCentroid(ClassifierMixin, BaseEstimator):
    def __init__(
        self,
        metric: Literal["euclidean", "manhattan"] = "euclidean",
        *,
        shrink_threshold: float | None = None,
        priors: npt.ArrayLike | Literal["empirical", "uniform"] = "uniform",
    ) -> None: ...
    def fit(self, X: _X, y: _Y) -> Self: ...
    def predict(self, X: _X) -> npt.NDArray[np.generic]: ...
    def predict_proba(self, X: _X) -> npt.NDArray[np.float64]: ...
    def decision_function(self, X: _X) -> npt.NDArray[np.float64]: ...

class RadiusNeighborsClassifier(ClassifierMixin, BaseEstimator):
    def __init__(
        self,
        radius: float | None = 1.0,
        *,
        weights: Literal["distance", "uniform"] | Callable[..., object] | None = "uniform",
        algorithm: Literal["auto", "ball_tree", "brute", "kd_tree"] = "auto",
        leaf_size: int = 30,
        p: float | None = 2,
        metric: str | Callable[..., object] = "minkowski",
        outlier_label: int | str | npt.ArrayLike | None = None,
        metric_params: Mapping[str, object] | None = None,
        n_jobs: int | None = None,
    ) -> None: ...
    def fit(self, X: _X, y: _Y) -> Self: ...
    def predict(self, X: _X) -> npt.NDArray[np.generic]: ...
    def predict_proba(self, X: _X) -> npt.NDArray[np.float64]: ...

class RadiusNeighborsRegressor(RegressorMixin, BaseEstimator):
    def __init__(
        self,
        radius: float | None = 1.0,
        *,
        weights: Literal["distance", "uniform"] | Callable[..., object] | None = "uniform",
        algorithm: Literal["auto", "ball_tree", "brute", "kd_tree"] = "auto",
        leaf_size: int = 30,
        p: float | None = 2,
        metric: str | Callable[..., object] = "minkowski",
        metric_params: Mapping[str, object] | None = None,
        n_jobs: int | None = None,
    ) -> None: ...
    def fit(self, X: _X, y: _Y) -> Self: ...
    def predict(self, X: _X) -> npt.NDArray[np.float64]: ...
