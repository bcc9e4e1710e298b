from typing import Literal, Self

import numpy as np
import numpy.typing as npt
import pandas as pd
from sklearn.base import BaseEstimator, ClassifierMixin, RegressorMixin
from sklearn.tree import DecisionTreeClassifier, DecisionTreeRegressor

_X = pd.DataFrame | npt.NDArray[np.float32] | npt.NDArray[np.float64]
_Y = pd.Series | npt.NDArray[np.generic]
_MaxFeatures = int | float | Literal["sqrt", "log2"] | None

class RandomForestClassifier(ClassifierMixin, BaseEstimator):
    estimators_: list[DecisionTreeClassifier]
    classes_: npt.NDArray[np.generic]
    n_features_in_: int
    feature_importances_: npt.NDArray[np.float64]
    def __init__(
        self,
        n_estimators: int = 100,
        *,
        criterion: Literal["gini", "entropy", "log_loss"] = "gini",
        max_depth: int | None = None,
        min_samples_split: int | float = 2,
        min_samples_leaf: int | float = 1,
        max_features: _MaxFeatures = "sqrt",
        max_leaf_nodes: int | None = None,
        bootstrap: bool = True,
        n_jobs: int | None = None,
        random_state: int | None = None,
        max_samples: int | float | None = None,
    ) -> None: ...
    def fit(self, X: _X, y: _Y) -> Self: ...
    def predict(self, X: _X) -> npt.NDArray[np.generic]: ...
    def predict_proba(self, X: _X) -> npt.NDArray[np.float64]: ...

class RandomForestRegressor(RegressorMixin, BaseEstimator):
    estimators_: list[DecisionTreeRegressor]
    n_features_in_: int
    feature_importances_: npt.NDArray[np.float64]
    def __init__(
        self,
        n_estimators: int = 100,
        *,
        criterion: Literal["squared_error", "absolute_error", "friedman_mse", "poisson"] = (
            "squared_error"
        ),
        max_depth: int | None = None,
        min_samples_split: int | float = 2,
        min_samples_leaf: int | float = 1,
        max_features: _MaxFeatures = 1.0,
        max_leaf_nodes: int | None = None,
        bootstrap: bool = True,
        n_jobs: int | None = None,
        random_state: int | None = None,
        max_samples: int | float | None = None,
    ) -> None: ...
    def fit(self, X: _X, y: _Y) -> Self: ...
    def predict(self, X: _X) -> npt.NDArray[np.float64]: ...

class ExtraTreesClassifier(RandomForestClassifier): ...
class ExtraTreesRegressor(RandomForestRegressor): ...

class GradientBoostingClassifier(ClassifierMixin, BaseEstimator):
    #: (stages, 1) for two classes, (stages, classes) for more: DecisionTreeRegressor each.
    estimators_: npt.NDArray[np.object_]
    classes_: npt.NDArray[np.generic]
    learning_rate: float
    n_features_in_: int
    feature_importances_: npt.NDArray[np.float64]
    def __init__(
        self,
        *,
        loss: Literal["log_loss", "exponential"] = "log_loss",
        learning_rate: float = 0.1,
        n_estimators: int = 100,
        subsample: float = 1.0,
        max_depth: int | None = 3,
        min_samples_leaf: int | float = 1,
        max_features: _MaxFeatures = None,
        random_state: int | None = None,
    ) -> None: ...
    def fit(self, X: _X, y: _Y) -> Self: ...
    def predict(self, X: _X) -> npt.NDArray[np.generic]: ...
    def predict_proba(self, X: _X) -> npt.NDArray[np.float64]: ...
    def decision_function(self, X: _X) -> npt.NDArray[np.float64]: ...

class GradientBoostingRegressor(RegressorMixin, BaseEstimator):
    #: (stages, 1): DecisionTreeRegressor each.
    estimators_: npt.NDArray[np.object_]
    learning_rate: float
    n_features_in_: int
    feature_importances_: npt.NDArray[np.float64]
    def __init__(
        self,
        *,
        loss: Literal["squared_error", "absolute_error", "huber", "quantile"] = "squared_error",
        learning_rate: float = 0.1,
        n_estimators: int = 100,
        subsample: float = 1.0,
        max_depth: int | None = 3,
        min_samples_leaf: int | float = 1,
        max_features: _MaxFeatures = None,
        random_state: int | None = None,
    ) -> None: ...
    def fit(self, X: _X, y: _Y) -> Self: ...
    def predict(self, X: _X) -> npt.NDArray[np.float64]: ...
