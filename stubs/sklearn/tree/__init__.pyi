from collections.abc import Mapping, Sequence
from typing import Literal, Protocol, Self

import numpy as np
import numpy.typing as npt
import pandas as pd
from sklearn.base import BaseEstimator, ClassifierMixin, RegressorMixin
from sklearn.tree._tree import Tree

_X = pd.DataFrame | npt.NDArray[np.float32] | npt.NDArray[np.float64]
_Y = pd.Series | npt.NDArray[np.generic]
_MaxFeatures = int | float | Literal["sqrt", "log2"] | None
#: One mapping per output for a multi-output target.
_ClassWeight = (
    Mapping[object, float] | Sequence[Mapping[object, float]] | Literal["balanced"] | None
)

class _DecisionPaths(Protocol):
    """What `decision_path` returns: a scipy CSR (rows x nodes) indicator matrix."""

    indptr: npt.NDArray[np.int32] | npt.NDArray[np.int64]
    indices: npt.NDArray[np.int32] | npt.NDArray[np.int64]
    shape: tuple[int, int]

class BaseDecisionTree(BaseEstimator):
    tree_: Tree
    n_features_in_: int
    feature_names_in_: npt.NDArray[np.object_]
    feature_importances_: npt.NDArray[np.float64]
    def apply(self, X: _X) -> npt.NDArray[np.intp]: ...
    def decision_path(self, X: _X) -> _DecisionPaths: ...
    def get_depth(self) -> int: ...
    def get_n_leaves(self) -> int: ...

class DecisionTreeClassifier(ClassifierMixin, BaseDecisionTree):
    classes_: npt.NDArray[np.generic]
    def __init__(
        self,
        *,
        criterion: Literal["gini", "entropy", "log_loss"] = "gini",
        splitter: Literal["best", "random"] = "best",
        max_depth: int | None = None,
        min_samples_split: int | float = 2,
        min_samples_leaf: int | float = 1,
        min_weight_fraction_leaf: float = 0.0,
        max_features: _MaxFeatures = None,
        random_state: int | None = None,
        max_leaf_nodes: int | None = None,
        min_impurity_decrease: float = 0.0,
        class_weight: _ClassWeight = None,
        ccp_alpha: float = 0.0,
        monotonic_cst: npt.ArrayLike | None = None,
    ) -> None: ...
    def fit(self, X: _X, y: _Y) -> Self: ...
    def predict(self, X: _X) -> npt.NDArray[np.generic]: ...
    def predict_proba(self, X: _X) -> npt.NDArray[np.float64]: ...

class DecisionTreeRegressor(RegressorMixin, BaseDecisionTree):
    def __init__(
        self,
        *,
        criterion: Literal["squared_error", "friedman_mse", "absolute_error", "poisson"] = (
            "squared_error"
        ),
        splitter: Literal["best", "random"] = "best",
        max_depth: int | None = None,
        min_samples_split: int | float = 2,
        min_samples_leaf: int | float = 1,
        min_weight_fraction_leaf: float = 0.0,
        max_features: _MaxFeatures = None,
        random_state: int | None = None,
        max_leaf_nodes: int | None = None,
        min_impurity_decrease: float = 0.0,
        ccp_alpha: float = 0.0,
        monotonic_cst: npt.ArrayLike | None = None,
    ) -> None: ...
    def fit(self, X: _X, y: _Y) -> Self: ...
    def predict(self, X: _X) -> npt.NDArray[np.float64]: ...

class ExtraTreeClassifier(DecisionTreeClassifier):
    def __init__(
        self,
        *,
        criterion: Literal["gini", "entropy", "log_loss"] = "gini",
        splitter: Literal["best", "random"] = "random",
        max_depth: int | None = None,
        min_samples_split: int | float = 2,
        min_samples_leaf: int | float = 1,
        min_weight_fraction_leaf: float = 0.0,
        max_features: _MaxFeatures = "sqrt",
        random_state: int | None = None,
        max_leaf_nodes: int | None = None,
        min_impurity_decrease: float = 0.0,
        class_weight: _ClassWeight = None,
        ccp_alpha: float = 0.0,
        monotonic_cst: npt.ArrayLike | None = None,
    ) -> None: ...

class ExtraTreeRegressor(DecisionTreeRegressor):
    def __init__(
        self,
        *,
        criterion: Literal["squared_error", "friedman_mse", "absolute_error", "poisson"] = (
            "squared_error"
        ),
        splitter: Literal["best", "random"] = "random",
        max_depth: int | None = None,
        min_samples_split: int | float = 2,
        min_samples_leaf: int | float = 1,
        min_weight_fraction_leaf: float = 0.0,
        max_features: _MaxFeatures = 1.0,
        random_state: int | None = None,
        min_impurity_decrease: float = 0.0,
        max_leaf_nodes: int | None = None,
        ccp_alpha: float = 0.0,
        monotonic_cst: npt.ArrayLike | None = None,
    ) -> None: ...
