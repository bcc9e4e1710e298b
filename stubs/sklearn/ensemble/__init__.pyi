from collections.abc import Callable, Mapping, Sequence
from typing import Literal, Self

import numpy as np
import numpy.typing as npt
import pandas as pd
from sklearn.base import BaseEstimator, ClassifierMixin, RegressorMixin
from sklearn.tree import (
    DecisionTreeClassifier,
    DecisionTreeRegressor,
    ExtraTreeClassifier,
    ExtraTreeRegressor,
)

_X = pd.DataFrame | npt.NDArray[np.float32] | npt.NDArray[np.float64]
_Y = pd.Series | npt.NDArray[np.generic]
_MaxFeatures = int | float | Literal["sqrt", "log2"] | None
_ClassWeight = Mapping[object, float] | Literal["balanced"] | None
#: One mapping per output for a multi-output target.
_ForestClassWeight = (
    Mapping[object, float]
    | Sequence[Mapping[object, float]]
    | Literal["balanced", "balanced_subsample"]
    | None
)
#: Groups of feature indices that may interact, or a rule for them.
_InteractionConstraints = Sequence[Sequence[int]] | Literal["pairwise", "no_interactions"] | None

class AdaBoostClassifier(ClassifierMixin, BaseEstimator):
    def __init__(
        self,
        estimator: object = None,
        *,
        n_estimators: int = 50,
        learning_rate: float = 1.0,
        random_state: int | None = None,
    ) -> None: ...
    def fit(self, X: _X, y: _Y) -> Self: ...
    def predict(self, X: _X) -> npt.NDArray[np.generic]: ...
    def predict_proba(self, X: _X) -> npt.NDArray[np.float64]: ...
    def decision_function(self, X: _X) -> npt.NDArray[np.float64]: ...

class AdaBoostRegressor(RegressorMixin, BaseEstimator):
    def __init__(
        self,
        estimator: object = None,
        *,
        n_estimators: int = 50,
        learning_rate: float = 1.0,
        loss: Literal["exponential", "linear", "square"] = "linear",
        random_state: int | None = None,
    ) -> None: ...
    def fit(self, X: _X, y: _Y) -> Self: ...
    def predict(self, X: _X) -> npt.NDArray[np.float64]: ...

class BaggingClassifier(ClassifierMixin, BaseEstimator):
    def __init__(
        self,
        estimator: object = None,
        n_estimators: int = 10,
        *,
        max_samples: int | float | None = None,
        max_features: int | float = 1.0,
        bootstrap: bool = True,
        bootstrap_features: bool = False,
        oob_score: bool = False,
        warm_start: bool = False,
        n_jobs: int | None = None,
        random_state: int | None = None,
        verbose: int = 0,
    ) -> None: ...
    def fit(self, X: _X, y: _Y) -> Self: ...
    def predict(self, X: _X) -> npt.NDArray[np.generic]: ...
    def predict_proba(self, X: _X) -> npt.NDArray[np.float64]: ...
    def decision_function(self, X: _X) -> npt.NDArray[np.float64]: ...

class BaggingRegressor(RegressorMixin, BaseEstimator):
    def __init__(
        self,
        estimator: object = None,
        n_estimators: int = 10,
        *,
        max_samples: int | float | None = None,
        max_features: int | float = 1.0,
        bootstrap: bool = True,
        bootstrap_features: bool = False,
        oob_score: bool = False,
        warm_start: bool = False,
        n_jobs: int | None = None,
        random_state: int | None = None,
        verbose: int = 0,
    ) -> None: ...
    def fit(self, X: _X, y: _Y) -> Self: ...
    def predict(self, X: _X) -> npt.NDArray[np.float64]: ...

class ExtraTreesClassifier(ClassifierMixin, BaseEstimator):
    estimators_: list[ExtraTreeClassifier]
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
        min_weight_fraction_leaf: float = 0.0,
        max_features: _MaxFeatures = "sqrt",
        max_leaf_nodes: int | None = None,
        min_impurity_decrease: float = 0.0,
        bootstrap: bool = False,
        oob_score: bool | Callable[..., object] = False,
        n_jobs: int | None = None,
        random_state: int | None = None,
        verbose: int = 0,
        warm_start: bool = False,
        class_weight: _ForestClassWeight = None,
        ccp_alpha: float = 0.0,
        max_samples: int | float | None = None,
        monotonic_cst: npt.ArrayLike | None = None,
    ) -> None: ...
    def fit(self, X: _X, y: _Y) -> Self: ...
    def predict(self, X: _X) -> npt.NDArray[np.generic]: ...
    def predict_proba(self, X: _X) -> npt.NDArray[np.float64]: ...

class ExtraTreesRegressor(RegressorMixin, BaseEstimator):
    estimators_: list[ExtraTreeRegressor]
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
        min_weight_fraction_leaf: float = 0.0,
        max_features: _MaxFeatures = 1.0,
        max_leaf_nodes: int | None = None,
        min_impurity_decrease: float = 0.0,
        bootstrap: bool = False,
        oob_score: bool | Callable[..., object] = False,
        n_jobs: int | None = None,
        random_state: int | None = None,
        verbose: int = 0,
        warm_start: bool = False,
        ccp_alpha: float = 0.0,
        max_samples: int | float | None = None,
        monotonic_cst: npt.ArrayLike | None = None,
    ) -> None: ...
    def fit(self, X: _X, y: _Y) -> Self: ...
    def predict(self, X: _X) -> npt.NDArray[np.float64]: ...

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
        criterion: Literal["friedman_mse", "squared_error"] = ...,
        min_samples_split: int | float = 2,
        min_samples_leaf: int | float = 1,
        min_weight_fraction_leaf: float = 0.0,
        max_depth: int | None = 3,
        min_impurity_decrease: float = 0.0,
        init: object = None,
        random_state: int | None = None,
        max_features: _MaxFeatures = None,
        verbose: int = 0,
        max_leaf_nodes: int | None = None,
        warm_start: bool = False,
        validation_fraction: float = 0.1,
        n_iter_no_change: int | None = None,
        tol: float = 0.0001,
        ccp_alpha: float = 0.0,
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
        criterion: Literal["friedman_mse", "squared_error"] = ...,
        min_samples_split: int | float = 2,
        min_samples_leaf: int | float = 1,
        min_weight_fraction_leaf: float = 0.0,
        max_depth: int | None = 3,
        min_impurity_decrease: float = 0.0,
        init: object = None,
        random_state: int | None = None,
        max_features: _MaxFeatures = None,
        alpha: float = 0.9,
        verbose: int = 0,
        max_leaf_nodes: int | None = None,
        warm_start: bool = False,
        validation_fraction: float = 0.1,
        n_iter_no_change: int | None = None,
        tol: float = 0.0001,
        ccp_alpha: float = 0.0,
    ) -> None: ...
    def fit(self, X: _X, y: _Y) -> Self: ...
    def predict(self, X: _X) -> npt.NDArray[np.float64]: ...

class HistGradientBoostingClassifier(ClassifierMixin, BaseEstimator):
    def __init__(
        self,
        loss: Literal["log_loss"] = "log_loss",
        *,
        learning_rate: float = 0.1,
        max_iter: int = 100,
        max_leaf_nodes: int | None = 31,
        max_depth: int | None = None,
        min_samples_leaf: int = 20,
        l2_regularization: float = 0.0,
        max_features: float = 1.0,
        max_bins: int = 255,
        categorical_features: npt.ArrayLike | Literal["from_dtype"] | None = "from_dtype",
        monotonic_cst: npt.ArrayLike | Mapping[str, int] | None = None,
        interaction_cst: _InteractionConstraints = None,
        warm_start: bool = False,
        early_stopping: bool | Literal["auto"] = "auto",
        scoring: str | Callable[..., object] | None = "loss",
        validation_fraction: int | float | None = 0.1,
        n_iter_no_change: int = 10,
        tol: float = 1e-07,
        verbose: int = 0,
        random_state: int | None = None,
        class_weight: _ClassWeight = None,
    ) -> None: ...
    def fit(self, X: _X, y: _Y) -> Self: ...
    def predict(self, X: _X) -> npt.NDArray[np.generic]: ...
    def predict_proba(self, X: _X) -> npt.NDArray[np.float64]: ...
    def decision_function(self, X: _X) -> npt.NDArray[np.float64]: ...

class HistGradientBoostingRegressor(RegressorMixin, BaseEstimator):
    def __init__(
        self,
        loss: Literal[
            "absolute_error", "gamma", "poisson", "quantile", "squared_error"
        ] = "squared_error",
        *,
        quantile: float | None = None,
        learning_rate: float = 0.1,
        max_iter: int = 100,
        max_leaf_nodes: int | None = 31,
        max_depth: int | None = None,
        min_samples_leaf: int = 20,
        l2_regularization: float = 0.0,
        max_features: float = 1.0,
        max_bins: int = 255,
        categorical_features: npt.ArrayLike | Literal["from_dtype"] | None = "from_dtype",
        monotonic_cst: npt.ArrayLike | Mapping[str, int] | None = None,
        interaction_cst: _InteractionConstraints = None,
        warm_start: bool = False,
        early_stopping: bool | Literal["auto"] = "auto",
        scoring: str | Callable[..., object] | None = "loss",
        validation_fraction: int | float | None = 0.1,
        n_iter_no_change: int = 10,
        tol: float = 1e-07,
        verbose: int = 0,
        random_state: int | None = None,
    ) -> None: ...
    def fit(self, X: _X, y: _Y) -> Self: ...
    def predict(self, X: _X) -> npt.NDArray[np.float64]: ...

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
        min_weight_fraction_leaf: float = 0.0,
        max_features: _MaxFeatures = "sqrt",
        max_leaf_nodes: int | None = None,
        min_impurity_decrease: float = 0.0,
        bootstrap: bool = True,
        oob_score: bool | Callable[..., object] = False,
        n_jobs: int | None = None,
        random_state: int | None = None,
        verbose: int = 0,
        warm_start: bool = False,
        class_weight: _ForestClassWeight = None,
        ccp_alpha: float = 0.0,
        max_samples: int | float | None = None,
        monotonic_cst: npt.ArrayLike | None = None,
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
        min_weight_fraction_leaf: float = 0.0,
        max_features: _MaxFeatures = 1.0,
        max_leaf_nodes: int | None = None,
        min_impurity_decrease: float = 0.0,
        bootstrap: bool = True,
        oob_score: bool | Callable[..., object] = False,
        n_jobs: int | None = None,
        random_state: int | None = None,
        verbose: int = 0,
        warm_start: bool = False,
        ccp_alpha: float = 0.0,
        max_samples: int | float | None = None,
        monotonic_cst: npt.ArrayLike | None = None,
    ) -> None: ...
    def fit(self, X: _X, y: _Y) -> Self: ...
    def predict(self, X: _X) -> npt.NDArray[np.float64]: ...

class StackingClassifier(ClassifierMixin, BaseEstimator):
    def __init__(
        self,
        estimators: Sequence[tuple[str, object]],
        final_estimator: object = None,
        *,
        cv: object = None,
        stack_method: Literal["auto", "decision_function", "predict", "predict_proba"] = "auto",
        n_jobs: int | None = None,
        passthrough: bool = False,
        verbose: int = 0,
    ) -> None: ...
    def fit(self, X: _X, y: _Y) -> Self: ...
    def predict(self, X: _X) -> npt.NDArray[np.generic]: ...
    def predict_proba(self, X: _X) -> npt.NDArray[np.float64]: ...
    def decision_function(self, X: _X) -> npt.NDArray[np.float64]: ...

class StackingRegressor(RegressorMixin, BaseEstimator):
    def __init__(
        self,
        estimators: Sequence[tuple[str, object]],
        final_estimator: object = None,
        *,
        cv: object = None,
        n_jobs: int | None = None,
        passthrough: bool = False,
        verbose: int = 0,
    ) -> None: ...
    def fit(self, X: _X, y: _Y) -> Self: ...
    def predict(self, X: _X) -> npt.NDArray[np.float64]: ...

class VotingClassifier(ClassifierMixin, BaseEstimator):
    def __init__(
        self,
        estimators: Sequence[tuple[str, object]],
        *,
        voting: Literal["hard", "soft"] = "hard",
        weights: npt.ArrayLike | None = None,
        n_jobs: int | None = None,
        flatten_transform: bool = True,
        verbose: int = False,
    ) -> None: ...
    def fit(self, X: _X, y: _Y) -> Self: ...
    def predict(self, X: _X) -> npt.NDArray[np.generic]: ...
    def predict_proba(self, X: _X) -> npt.NDArray[np.float64]: ...

class VotingRegressor(RegressorMixin, BaseEstimator):
    def __init__(
        self,
        estimators: Sequence[tuple[str, object]],
        *,
        weights: npt.ArrayLike | None = None,
        n_jobs: int | None = None,
        verbose: int = False,
    ) -> None: ...
    def fit(self, X: _X, y: _Y) -> Self: ...
    def predict(self, X: _X) -> npt.NDArray[np.float64]: ...
