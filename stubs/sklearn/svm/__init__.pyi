from collections.abc import Callable, Mapping
from typing import Literal, Self

import numpy as np
import numpy.typing as npt
import pandas as pd
from sklearn.base import BaseEstimator, ClassifierMixin, RegressorMixin

_X = pd.DataFrame | npt.NDArray[np.float32] | npt.NDArray[np.float64]
_Y = pd.Series | npt.NDArray[np.generic]
_Kernel = Literal["linear", "poly", "rbf", "sigmoid", "precomputed"] | Callable[..., object]
_ClassWeight = Mapping[object, float] | Literal["balanced"] | None

class LinearSVC(ClassifierMixin, BaseEstimator):
    def __init__(
        self,
        penalty: Literal["l1", "l2"] = "l2",
        loss: Literal["hinge", "squared_hinge"] = "squared_hinge",
        *,
        dual: bool | Literal["auto"] = "auto",
        tol: float = 0.0001,
        C: float = 1.0,
        multi_class: Literal["crammer_singer", "ovr"] = "ovr",
        fit_intercept: bool = True,
        intercept_scaling: float = 1,
        class_weight: _ClassWeight = None,
        verbose: int = 0,
        random_state: int | None = None,
        max_iter: int = 1000,
    ) -> None: ...
    def fit(self, X: _X, y: _Y) -> Self: ...
    def predict(self, X: _X) -> npt.NDArray[np.generic]: ...
    def decision_function(self, X: _X) -> npt.NDArray[np.float64]: ...

class LinearSVR(RegressorMixin, BaseEstimator):
    def __init__(
        self,
        *,
        epsilon: float = 0.0,
        tol: float = 0.0001,
        C: float = 1.0,
        loss: Literal["epsilon_insensitive", "squared_epsilon_insensitive"] = "epsilon_insensitive",
        fit_intercept: bool = True,
        intercept_scaling: float = 1.0,
        dual: bool | Literal["auto"] = "auto",
        verbose: int = 0,
        random_state: int | None = None,
        max_iter: int = 1000,
    ) -> None: ...
    def fit(self, X: _X, y: _Y) -> Self: ...
    def predict(self, X: _X) -> npt.NDArray[np.float64]: ...

class NuSVC(ClassifierMixin, BaseEstimator):
    def __init__(
        self,
        *,
        nu: float = 0.5,
        kernel: _Kernel = "rbf",
        degree: int = 3,
        gamma: float | Literal["auto", "scale"] = "scale",
        coef0: float = 0.0,
        shrinking: bool = True,
        probability: bool = ...,
        tol: float = 0.001,
        cache_size: float = 200,
        class_weight: _ClassWeight = None,
        verbose: int = False,
        max_iter: int = -1,
        decision_function_shape: Literal["ovo", "ovr"] = "ovr",
        break_ties: bool = False,
        random_state: int | None = None,
    ) -> None: ...
    def fit(self, X: _X, y: _Y) -> Self: ...
    def predict(self, X: _X) -> npt.NDArray[np.generic]: ...
    def predict_proba(self, X: _X) -> npt.NDArray[np.float64]: ...
    def decision_function(self, X: _X) -> npt.NDArray[np.float64]: ...

class NuSVR(RegressorMixin, BaseEstimator):
    def __init__(
        self,
        *,
        nu: float = 0.5,
        C: float = 1.0,
        kernel: _Kernel = "rbf",
        degree: int = 3,
        gamma: float | Literal["auto", "scale"] = "scale",
        coef0: float = 0.0,
        shrinking: bool = True,
        tol: float = 0.001,
        cache_size: float = 200,
        verbose: int = False,
        max_iter: int = -1,
    ) -> None: ...
    def fit(self, X: _X, y: _Y) -> Self: ...
    def predict(self, X: _X) -> npt.NDArray[np.float64]: ...

class SVC(ClassifierMixin, BaseEstimator):
    def __init__(
        self,
        *,
        C: float = 1.0,
        kernel: _Kernel = "rbf",
        degree: int = 3,
        gamma: float | Literal["auto", "scale"] = "scale",
        coef0: float = 0.0,
        shrinking: bool = True,
        probability: bool = ...,
        tol: float = 0.001,
        cache_size: float = 200,
        class_weight: _ClassWeight = None,
        verbose: int = False,
        max_iter: int = -1,
        decision_function_shape: Literal["ovo", "ovr"] = "ovr",
        break_ties: bool = False,
        random_state: int | None = None,
    ) -> None: ...
    def fit(self, X: _X, y: _Y) -> Self: ...
    def predict(self, X: _X) -> npt.NDArray[np.generic]: ...
    def predict_proba(self, X: _X) -> npt.NDArray[np.float64]: ...
    def decision_function(self, X: _X) -> npt.NDArray[np.float64]: ...

class SVR(RegressorMixin, BaseEstimator):
    def __init__(
        self,
        *,
        kernel: _Kernel = "rbf",
        degree: int = 3,
        gamma: float | Literal["auto", "scale"] = "scale",
        coef0: float = 0.0,
        tol: float = 0.001,
        C: float = 1.0,
        epsilon: float = 0.1,
        shrinking: bool = True,
        cache_size: float = 200,
        verbose: int = False,
        max_iter: int = -1,
    ) -> None: ...
    def fit(self, X: _X, y: _Y) -> Self: ...
    def predict(self, X: _X) -> npt.NDArray[np.float64]: ...
