from collections.abc import Sequence
from typing import Literal, Self

import numpy as np
import numpy.typing as npt
import pandas as pd
from sklearn.base import BaseEstimator, ClassifierMixin, RegressorMixin

_X = pd.DataFrame | npt.NDArray[np.float32] | npt.NDArray[np.float64]
_Y = pd.Series | npt.NDArray[np.generic]

class MLPClassifier(ClassifierMixin, BaseEstimator):
    def __init__(
        self,
        hidden_layer_sizes: int | Sequence[int] = (100,),
        activation: Literal["identity", "logistic", "relu", "tanh"] = "relu",
        *,
        solver: Literal["adam", "lbfgs", "sgd"] = "adam",
        alpha: float = 0.0001,
        batch_size: int | Literal["auto"] = "auto",
        learning_rate: Literal["adaptive", "constant", "invscaling"] = "constant",
        learning_rate_init: float = 0.001,
        power_t: float = 0.5,
        max_iter: int = 200,
        shuffle: bool = True,
        random_state: int | None = None,
        tol: float = 0.0001,
        verbose: int = False,
        warm_start: bool = False,
        momentum: float = 0.9,
        nesterovs_momentum: bool = True,
        early_stopping: bool = False,
        validation_fraction: float = 0.1,
        beta_1: float = 0.9,
        beta_2: float = 0.999,
        epsilon: float = 1e-08,
        n_iter_no_change: int | float = 10,
        max_fun: int = 15000,
    ) -> None: ...
    def fit(self, X: _X, y: _Y) -> Self: ...
    def predict(self, X: _X) -> npt.NDArray[np.generic]: ...
    def predict_proba(self, X: _X) -> npt.NDArray[np.float64]: ...

class MLPRegressor(RegressorMixin, BaseEstimator):
    def __init__(
        self,
        loss: Literal["poisson", "squared_error"] = "squared_error",
        hidden_layer_sizes: int | Sequence[int] = (100,),
        activation: Literal["identity", "logistic", "relu", "tanh"] = "relu",
        *,
        solver: Literal["adam", "lbfgs", "sgd"] = "adam",
        alpha: float = 0.0001,
        batch_size: int | Literal["auto"] = "auto",
        learning_rate: Literal["adaptive", "constant", "invscaling"] = "constant",
        learning_rate_init: float = 0.001,
        power_t: float = 0.5,
        max_iter: int = 200,
        shuffle: bool = True,
        random_state: int | None = None,
        tol: float = 0.0001,
        verbose: int = False,
        warm_start: bool = False,
        momentum: float = 0.9,
        nesterovs_momentum: bool = True,
        early_stopping: bool = False,
        validation_fraction: float = 0.1,
        beta_1: float = 0.9,
        beta_2: float = 0.999,
        epsilon: float = 1e-08,
        n_iter_no_change: int | float = 10,
        max_fun: int = 15000,
    ) -> None: ...
    def fit(self, X: _X, y: _Y) -> Self: ...
    def predict(self, X: _X) -> npt.NDArray[np.float64]: ...
