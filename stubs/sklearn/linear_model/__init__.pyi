from collections.abc import Callable, Mapping, Sequence
from typing import Literal, Self

import numpy as np
import numpy.typing as npt
import pandas as pd
from sklearn.base import BaseEstimator, ClassifierMixin, RegressorMixin

_X = pd.DataFrame | npt.NDArray[np.float32] | npt.NDArray[np.float64]
_Y = pd.Series | npt.NDArray[np.generic]
#: (samples, targets): the multi-task models take only a 2-D target.
_Targets = pd.DataFrame | npt.NDArray[np.generic]
_ClassWeight = Mapping[object, float] | Literal["balanced"] | None

class ARDRegression(RegressorMixin, BaseEstimator):
    def __init__(
        self,
        *,
        max_iter: int = 300,
        tol: float = 0.001,
        alpha_1: float = 1e-06,
        alpha_2: float = 1e-06,
        lambda_1: float = 1e-06,
        lambda_2: float = 1e-06,
        compute_score: bool = False,
        threshold_lambda: float = 10000.0,
        fit_intercept: bool = True,
        copy_X: bool = True,
        verbose: int = False,
    ) -> None: ...
    def fit(self, X: _X, y: _Y) -> Self: ...
    def predict(self, X: _X) -> npt.NDArray[np.float64]: ...

class BayesianRidge(RegressorMixin, BaseEstimator):
    def __init__(
        self,
        *,
        max_iter: int = 300,
        tol: float = 0.001,
        alpha_1: float = 1e-06,
        alpha_2: float = 1e-06,
        lambda_1: float = 1e-06,
        lambda_2: float = 1e-06,
        alpha_init: float | None = None,
        lambda_init: float | None = None,
        compute_score: bool = False,
        fit_intercept: bool = True,
        copy_X: bool = True,
        verbose: int = False,
    ) -> None: ...
    def fit(self, X: _X, y: _Y) -> Self: ...
    def predict(self, X: _X) -> npt.NDArray[np.float64]: ...

class ElasticNet(RegressorMixin, BaseEstimator):
    def __init__(
        self,
        alpha: float = 1.0,
        *,
        l1_ratio: float = 0.5,
        fit_intercept: bool = True,
        precompute: bool | npt.ArrayLike = False,
        max_iter: int | None = 1000,
        copy_X: bool = True,
        tol: float = 0.0001,
        warm_start: bool = False,
        positive: bool = False,
        random_state: int | None = None,
        selection: Literal["cyclic", "random"] = "cyclic",
    ) -> None: ...
    def fit(self, X: _X, y: _Y) -> Self: ...
    def predict(self, X: _X) -> npt.NDArray[np.float64]: ...

class ElasticNetCV(RegressorMixin, BaseEstimator):
    def __init__(
        self,
        *,
        l1_ratio: float | npt.ArrayLike = 0.5,
        eps: float = 0.001,
        alphas: int | npt.ArrayLike = 100,
        fit_intercept: bool = True,
        precompute: bool | Literal["auto"] | npt.ArrayLike = "auto",
        max_iter: int = 1000,
        tol: float = 0.0001,
        cv: object = None,
        copy_X: bool = True,
        verbose: int = 0,
        n_jobs: int | None = None,
        positive: bool = False,
        random_state: int | None = None,
        selection: Literal["cyclic", "random"] = "cyclic",
    ) -> None: ...
    def fit(self, X: _X, y: _Y) -> Self: ...
    def predict(self, X: _X) -> npt.NDArray[np.float64]: ...

class GammaRegressor(RegressorMixin, BaseEstimator):
    def __init__(
        self,
        *,
        alpha: float = 1.0,
        fit_intercept: bool = True,
        solver: Literal["lbfgs", "newton-cholesky"] = "lbfgs",
        max_iter: int = 100,
        tol: float = 0.0001,
        warm_start: bool = False,
        verbose: int = 0,
    ) -> None: ...
    def fit(self, X: _X, y: _Y) -> Self: ...
    def predict(self, X: _X) -> npt.NDArray[np.float64]: ...

class HuberRegressor(RegressorMixin, BaseEstimator):
    def __init__(
        self,
        *,
        epsilon: float = 1.35,
        max_iter: int = 100,
        alpha: float = 0.0001,
        warm_start: bool = False,
        fit_intercept: bool = True,
        tol: float = 1e-05,
    ) -> None: ...
    def fit(self, X: _X, y: _Y) -> Self: ...
    def predict(self, X: _X) -> npt.NDArray[np.float64]: ...

class Lars(RegressorMixin, BaseEstimator):
    def __init__(
        self,
        *,
        fit_intercept: bool = True,
        verbose: int = False,
        precompute: bool | Literal["auto"] | npt.NDArray[np.float64] = "auto",
        n_nonzero_coefs: int = 500,
        eps: float = ...,
        copy_X: bool = True,
        fit_path: bool = True,
        jitter: float | None = None,
        random_state: int | None = None,
    ) -> None: ...
    def fit(self, X: _X, y: _Y) -> Self: ...
    def predict(self, X: _X) -> npt.NDArray[np.float64]: ...

class LarsCV(RegressorMixin, BaseEstimator):
    def __init__(
        self,
        *,
        fit_intercept: bool = True,
        verbose: int = False,
        max_iter: int = 500,
        precompute: bool | Literal["auto"] | npt.NDArray[np.float64] = "auto",
        cv: object = None,
        max_n_alphas: int = 1000,
        n_jobs: int | None = None,
        eps: float = ...,
        copy_X: bool = True,
    ) -> None: ...
    def fit(self, X: _X, y: _Y) -> Self: ...
    def predict(self, X: _X) -> npt.NDArray[np.float64]: ...

class Lasso(RegressorMixin, BaseEstimator):
    def __init__(
        self,
        alpha: float = 1.0,
        *,
        fit_intercept: bool = True,
        precompute: bool | npt.ArrayLike = False,
        copy_X: bool = True,
        max_iter: int | None = 1000,
        tol: float = 0.0001,
        warm_start: bool = False,
        positive: bool = False,
        random_state: int | None = None,
        selection: Literal["cyclic", "random"] = "cyclic",
    ) -> None: ...
    def fit(self, X: _X, y: _Y) -> Self: ...
    def predict(self, X: _X) -> npt.NDArray[np.float64]: ...

class LassoCV(RegressorMixin, BaseEstimator):
    def __init__(
        self,
        *,
        eps: float = 0.001,
        alphas: int | npt.ArrayLike = 100,
        fit_intercept: bool = True,
        precompute: bool | Literal["auto"] | npt.ArrayLike = "auto",
        max_iter: int = 1000,
        tol: float = 0.0001,
        copy_X: bool = True,
        cv: object = None,
        verbose: int = False,
        n_jobs: int | None = None,
        positive: bool = False,
        random_state: int | None = None,
        selection: Literal["cyclic", "random"] = "cyclic",
    ) -> None: ...
    def fit(self, X: _X, y: _Y) -> Self: ...
    def predict(self, X: _X) -> npt.NDArray[np.float64]: ...

class LassoLars(RegressorMixin, BaseEstimator):
    def __init__(
        self,
        alpha: float = 1.0,
        *,
        fit_intercept: bool = True,
        verbose: int = False,
        precompute: bool | Literal["auto"] | npt.NDArray[np.float64] = "auto",
        max_iter: int = 500,
        eps: float = ...,
        copy_X: bool = True,
        fit_path: bool = True,
        positive: bool = False,
        jitter: float | None = None,
        random_state: int | None = None,
    ) -> None: ...
    def fit(self, X: _X, y: _Y) -> Self: ...
    def predict(self, X: _X) -> npt.NDArray[np.float64]: ...

class LassoLarsCV(RegressorMixin, BaseEstimator):
    def __init__(
        self,
        *,
        fit_intercept: bool = True,
        verbose: int = False,
        max_iter: int = 500,
        precompute: bool | Literal["auto"] | npt.NDArray[np.float64] = "auto",
        cv: object = None,
        max_n_alphas: int = 1000,
        n_jobs: int | None = None,
        eps: float = ...,
        copy_X: bool = True,
        positive: bool = False,
    ) -> None: ...
    def fit(self, X: _X, y: _Y) -> Self: ...
    def predict(self, X: _X) -> npt.NDArray[np.float64]: ...

class LassoLarsIC(RegressorMixin, BaseEstimator):
    def __init__(
        self,
        criterion: Literal["aic", "bic"] = "aic",
        *,
        fit_intercept: bool = True,
        verbose: int = False,
        precompute: bool | Literal["auto"] | npt.NDArray[np.float64] = "auto",
        max_iter: int = 500,
        eps: float = ...,
        copy_X: bool = True,
        positive: bool = False,
        noise_variance: float | None = None,
    ) -> None: ...
    def fit(self, X: _X, y: _Y) -> Self: ...
    def predict(self, X: _X) -> npt.NDArray[np.float64]: ...

class LinearRegression(RegressorMixin, BaseEstimator):
    coef_: npt.NDArray[np.float64]
    intercept_: float | npt.NDArray[np.float64]
    n_features_in_: int
    def __init__(
        self,
        *,
        fit_intercept: bool = True,
        copy_X: bool = True,
        tol: float = 1e-06,
        n_jobs: int | None = None,
        positive: bool = False,
    ) -> None: ...
    def fit(self, X: pd.DataFrame, y: pd.Series) -> Self: ...
    def predict(self, X: pd.DataFrame) -> npt.NDArray[np.float64]: ...

class LogisticRegression(ClassifierMixin, BaseEstimator):
    #: (1, features) for two classes, (classes, features) for more.
    coef_: npt.NDArray[np.float64]
    intercept_: npt.NDArray[np.float64]
    classes_: npt.NDArray[np.generic]
    n_features_in_: int
    def __init__(
        self,
        penalty: Literal["elasticnet", "l1", "l2"] | None = ...,
        *,
        C: float = 1.0,
        l1_ratio: float | None = 0.0,
        dual: bool = False,
        tol: float = 0.0001,
        fit_intercept: bool = True,
        intercept_scaling: float = 1,
        class_weight: _ClassWeight = None,
        random_state: int | None = None,
        solver: Literal[
            "lbfgs", "liblinear", "newton-cg", "newton-cholesky", "sag", "saga"
        ] = "lbfgs",
        max_iter: int = 100,
        verbose: int = 0,
        warm_start: bool = False,
        n_jobs: int | None = None,
    ) -> None: ...
    def fit(self, X: pd.DataFrame, y: pd.Series) -> Self: ...
    def predict(self, X: pd.DataFrame) -> npt.NDArray[np.generic]: ...
    def predict_proba(self, X: pd.DataFrame) -> npt.NDArray[np.float64]: ...
    def decision_function(self, X: pd.DataFrame) -> npt.NDArray[np.float64]: ...

class LogisticRegressionCV(ClassifierMixin, BaseEstimator):
    def __init__(
        self,
        *,
        Cs: int | npt.ArrayLike = 10,
        l1_ratios: npt.ArrayLike | None = ...,
        fit_intercept: bool = True,
        cv: object = None,
        dual: bool = False,
        penalty: Literal["elasticnet", "l1", "l2"] = ...,
        scoring: str | Callable[..., object] | None = ...,
        solver: Literal[
            "lbfgs", "liblinear", "newton-cg", "newton-cholesky", "sag", "saga"
        ] = "lbfgs",
        tol: float = 0.0001,
        max_iter: int = 100,
        class_weight: _ClassWeight = None,
        n_jobs: int | None = None,
        verbose: int = 0,
        refit: bool = True,
        intercept_scaling: float = 1.0,
        random_state: int | None = None,
        use_legacy_attributes: bool = ...,
    ) -> None: ...
    def fit(self, X: _X, y: _Y) -> Self: ...
    def predict(self, X: _X) -> npt.NDArray[np.generic]: ...
    def predict_proba(self, X: _X) -> npt.NDArray[np.float64]: ...
    def decision_function(self, X: _X) -> npt.NDArray[np.float64]: ...

class MultiTaskElasticNet(RegressorMixin, BaseEstimator):
    def __init__(
        self,
        alpha: float = 1.0,
        *,
        l1_ratio: float = 0.5,
        fit_intercept: bool = True,
        copy_X: bool = True,
        max_iter: int | None = 1000,
        tol: float = 0.0001,
        warm_start: bool = False,
        random_state: int | None = None,
        selection: Literal["cyclic", "random"] = "cyclic",
    ) -> None: ...
    def fit(self, X: _X, y: _Targets) -> Self: ...
    def predict(self, X: _X) -> npt.NDArray[np.float64]: ...

class MultiTaskElasticNetCV(RegressorMixin, BaseEstimator):
    def __init__(
        self,
        *,
        l1_ratio: float | npt.ArrayLike = 0.5,
        eps: float = 0.001,
        alphas: int | npt.ArrayLike = 100,
        fit_intercept: bool = True,
        max_iter: int = 1000,
        tol: float = 0.0001,
        cv: object = None,
        copy_X: bool = True,
        verbose: int = 0,
        n_jobs: int | None = None,
        random_state: int | None = None,
        selection: Literal["cyclic", "random"] = "cyclic",
    ) -> None: ...
    def fit(self, X: _X, y: _Targets) -> Self: ...
    def predict(self, X: _X) -> npt.NDArray[np.float64]: ...

class MultiTaskLasso(RegressorMixin, BaseEstimator):
    def __init__(
        self,
        alpha: float = 1.0,
        *,
        fit_intercept: bool = True,
        copy_X: bool = True,
        max_iter: int | None = 1000,
        tol: float = 0.0001,
        warm_start: bool = False,
        random_state: int | None = None,
        selection: Literal["cyclic", "random"] = "cyclic",
    ) -> None: ...
    def fit(self, X: _X, y: _Targets) -> Self: ...
    def predict(self, X: _X) -> npt.NDArray[np.float64]: ...

class MultiTaskLassoCV(RegressorMixin, BaseEstimator):
    def __init__(
        self,
        *,
        eps: float = 0.001,
        alphas: int | npt.ArrayLike = 100,
        fit_intercept: bool = True,
        max_iter: int = 1000,
        tol: float = 0.0001,
        copy_X: bool = True,
        cv: object = None,
        verbose: int = False,
        n_jobs: int | None = None,
        random_state: int | None = None,
        selection: Literal["cyclic", "random"] = "cyclic",
    ) -> None: ...
    def fit(self, X: _X, y: _Targets) -> Self: ...
    def predict(self, X: _X) -> npt.NDArray[np.float64]: ...

class OrthogonalMatchingPursuit(RegressorMixin, BaseEstimator):
    def __init__(
        self,
        *,
        n_nonzero_coefs: int | None = None,
        tol: float | None = None,
        fit_intercept: bool = True,
        precompute: bool | Literal["auto"] = "auto",
    ) -> None: ...
    def fit(self, X: _X, y: _Y) -> Self: ...
    def predict(self, X: _X) -> npt.NDArray[np.float64]: ...

class OrthogonalMatchingPursuitCV(RegressorMixin, BaseEstimator):
    def __init__(
        self,
        *,
        copy: bool = True,
        fit_intercept: bool = True,
        max_iter: int | None = None,
        cv: object = None,
        n_jobs: int | None = None,
        verbose: int = False,
    ) -> None: ...
    def fit(self, X: _X, y: _Y) -> Self: ...
    def predict(self, X: _X) -> npt.NDArray[np.float64]: ...

# Deprecated in scikit-learn 1.8, removed in 1.10: SGDClassifier(loss="hinge", penalty=None,
# learning_rate="pa1", eta0=1.0) instead.
class PassiveAggressiveClassifier(ClassifierMixin, BaseEstimator):
    def __init__(
        self,
        *,
        C: float = 1.0,
        fit_intercept: bool = True,
        max_iter: int = 1000,
        tol: float | None = 0.001,
        early_stopping: bool = False,
        validation_fraction: float = 0.1,
        n_iter_no_change: int = 5,
        shuffle: bool = True,
        verbose: int = 0,
        loss: Literal["hinge", "squared_hinge"] = "hinge",
        n_jobs: int | None = None,
        random_state: int | None = None,
        warm_start: bool = False,
        class_weight: _ClassWeight = None,
        average: int | bool = False,
    ) -> None: ...
    def fit(self, X: _X, y: _Y) -> Self: ...
    def predict(self, X: _X) -> npt.NDArray[np.generic]: ...
    def decision_function(self, X: _X) -> npt.NDArray[np.float64]: ...

# Deprecated in scikit-learn 1.8, removed in 1.10: SGDRegressor(loss="epsilon_insensitive",
# penalty=None, learning_rate="pa1", eta0=1.0) instead.
class PassiveAggressiveRegressor(RegressorMixin, BaseEstimator):
    def __init__(
        self,
        *,
        C: float = 1.0,
        fit_intercept: bool = True,
        max_iter: int = 1000,
        tol: float | None = 0.001,
        early_stopping: bool = False,
        validation_fraction: float = 0.1,
        n_iter_no_change: int = 5,
        shuffle: bool = True,
        verbose: int = 0,
        loss: Literal["epsilon_insensitive", "squared_epsilon_insensitive"] = "epsilon_insensitive",
        epsilon: float = 0.1,
        random_state: int | None = None,
        warm_start: bool = False,
        average: int | bool = False,
    ) -> None: ...
    def fit(self, X: _X, y: _Y) -> Self: ...
    def predict(self, X: _X) -> npt.NDArray[np.float64]: ...

class Perceptron(ClassifierMixin, BaseEstimator):
    def __init__(
        self,
        *,
        penalty: Literal["elasticnet", "l1", "l2"] | None = None,
        alpha: float = 0.0001,
        l1_ratio: float = 0.15,
        fit_intercept: bool = True,
        max_iter: int = 1000,
        tol: float | None = 0.001,
        shuffle: bool = True,
        verbose: int = 0,
        eta0: float = 1.0,
        n_jobs: int | None = None,
        random_state: int | None = 0,
        early_stopping: bool = False,
        validation_fraction: float = 0.1,
        n_iter_no_change: int = 5,
        class_weight: _ClassWeight = None,
        warm_start: bool = False,
    ) -> None: ...
    def fit(self, X: _X, y: _Y) -> Self: ...
    def predict(self, X: _X) -> npt.NDArray[np.generic]: ...
    def decision_function(self, X: _X) -> npt.NDArray[np.float64]: ...

class PoissonRegressor(RegressorMixin, BaseEstimator):
    def __init__(
        self,
        *,
        alpha: float = 1.0,
        fit_intercept: bool = True,
        solver: Literal["lbfgs", "newton-cholesky"] = "lbfgs",
        max_iter: int = 100,
        tol: float = 0.0001,
        warm_start: bool = False,
        verbose: int = 0,
    ) -> None: ...
    def fit(self, X: _X, y: _Y) -> Self: ...
    def predict(self, X: _X) -> npt.NDArray[np.float64]: ...

class QuantileRegressor(RegressorMixin, BaseEstimator):
    def __init__(
        self,
        *,
        quantile: float = 0.5,
        alpha: float = 1.0,
        fit_intercept: bool = True,
        solver: Literal[
            "highs", "highs-ds", "highs-ipm", "interior-point", "revised simplex"
        ] = "highs",
        solver_options: Mapping[str, object] | None = None,
    ) -> None: ...
    def fit(self, X: _X, y: _Y) -> Self: ...
    def predict(self, X: _X) -> npt.NDArray[np.float64]: ...

class RANSACRegressor(RegressorMixin, BaseEstimator):
    def __init__(
        self,
        estimator: object = None,
        *,
        min_samples: int | float | None = None,
        residual_threshold: float | None = None,
        is_data_valid: Callable[..., object] | None = None,
        is_model_valid: Callable[..., object] | None = None,
        max_trials: int | float = 100,
        max_skips: int | float = ...,
        stop_n_inliers: int | float = ...,
        stop_score: float = ...,
        stop_probability: float = 0.99,
        loss: Literal["absolute_error", "squared_error"] | Callable[..., object] = "absolute_error",
        random_state: int | None = None,
    ) -> None: ...
    def fit(self, X: _X, y: _Y) -> Self: ...
    def predict(self, X: _X) -> npt.NDArray[np.float64]: ...

class Ridge(RegressorMixin, BaseEstimator):
    coef_: npt.NDArray[np.float64]
    intercept_: float | npt.NDArray[np.float64]
    n_features_in_: int
    def __init__(
        self,
        alpha: float | npt.NDArray[np.float64] = 1.0,
        *,
        fit_intercept: bool = True,
        copy_X: bool = True,
        max_iter: int | None = None,
        tol: float = 0.0001,
        solver: Literal[
            "auto", "cholesky", "lbfgs", "lsqr", "sag", "saga", "sparse_cg", "svd"
        ] = "auto",
        positive: bool = False,
        random_state: int | None = None,
    ) -> None: ...
    def fit(self, X: pd.DataFrame, y: pd.Series) -> Self: ...
    def predict(self, X: pd.DataFrame) -> npt.NDArray[np.float64]: ...

class RidgeCV(RegressorMixin, BaseEstimator):
    def __init__(
        self,
        alphas: float | Sequence[float] | npt.NDArray[np.float64] = (0.1, 1.0, 10.0),
        *,
        fit_intercept: bool = True,
        scoring: str | Callable[..., object] | None = None,
        cv: object = None,
        gcv_mode: Literal["auto", "eigen", "svd"] | None = None,
        store_cv_results: bool = False,
        alpha_per_target: bool = False,
    ) -> None: ...
    def fit(self, X: _X, y: _Y) -> Self: ...
    def predict(self, X: _X) -> npt.NDArray[np.float64]: ...

class RidgeClassifier(ClassifierMixin, BaseEstimator):
    def __init__(
        self,
        alpha: float | npt.NDArray[np.float64] = 1.0,
        *,
        fit_intercept: bool = True,
        copy_X: bool = True,
        max_iter: int | None = None,
        tol: float = 0.0001,
        class_weight: _ClassWeight = None,
        solver: Literal[
            "auto", "cholesky", "lbfgs", "lsqr", "sag", "saga", "sparse_cg", "svd"
        ] = "auto",
        positive: bool = False,
        random_state: int | None = None,
    ) -> None: ...
    def fit(self, X: _X, y: _Y) -> Self: ...
    def predict(self, X: _X) -> npt.NDArray[np.generic]: ...
    def decision_function(self, X: _X) -> npt.NDArray[np.float64]: ...

class RidgeClassifierCV(ClassifierMixin, BaseEstimator):
    def __init__(
        self,
        alphas: float | Sequence[float] | npt.NDArray[np.float64] = (0.1, 1.0, 10.0),
        *,
        fit_intercept: bool = True,
        scoring: str | Callable[..., object] | None = None,
        cv: object = None,
        class_weight: _ClassWeight = None,
        store_cv_results: bool = False,
    ) -> None: ...
    def fit(self, X: _X, y: _Y) -> Self: ...
    def predict(self, X: _X) -> npt.NDArray[np.generic]: ...
    def decision_function(self, X: _X) -> npt.NDArray[np.float64]: ...

class SGDClassifier(ClassifierMixin, BaseEstimator):
    def __init__(
        self,
        loss: Literal[
            "epsilon_insensitive",
            "hinge",
            "huber",
            "log_loss",
            "modified_huber",
            "perceptron",
            "squared_epsilon_insensitive",
            "squared_error",
            "squared_hinge",
        ] = "hinge",
        *,
        penalty: Literal["elasticnet", "l1", "l2"] | None = "l2",
        alpha: float = 0.0001,
        l1_ratio: float | None = 0.15,
        fit_intercept: bool = True,
        max_iter: int = 1000,
        tol: float | None = 0.001,
        shuffle: bool = True,
        verbose: int = 0,
        epsilon: float = 0.1,
        n_jobs: int | None = None,
        random_state: int | None = None,
        learning_rate: Literal[
            "adaptive", "constant", "invscaling", "optimal", "pa1", "pa2"
        ] = "optimal",
        eta0: float = 0.01,
        power_t: float = 0.5,
        early_stopping: bool = False,
        validation_fraction: float = 0.1,
        n_iter_no_change: int = 5,
        class_weight: _ClassWeight = None,
        warm_start: bool = False,
        average: int | bool = False,
    ) -> None: ...
    def fit(self, X: _X, y: _Y) -> Self: ...
    def predict(self, X: _X) -> npt.NDArray[np.generic]: ...
    def predict_proba(self, X: _X) -> npt.NDArray[np.float64]: ...
    def decision_function(self, X: _X) -> npt.NDArray[np.float64]: ...

class SGDRegressor(RegressorMixin, BaseEstimator):
    def __init__(
        self,
        loss: Literal[
            "epsilon_insensitive", "huber", "squared_epsilon_insensitive", "squared_error"
        ] = "squared_error",
        *,
        penalty: Literal["elasticnet", "l1", "l2"] | None = "l2",
        alpha: float = 0.0001,
        l1_ratio: float | None = 0.15,
        fit_intercept: bool = True,
        max_iter: int = 1000,
        tol: float | None = 0.001,
        shuffle: bool = True,
        verbose: int = 0,
        epsilon: float = 0.1,
        random_state: int | None = None,
        learning_rate: Literal[
            "adaptive", "constant", "invscaling", "optimal", "pa1", "pa2"
        ] = "invscaling",
        eta0: float = 0.01,
        power_t: float = 0.25,
        early_stopping: bool = False,
        validation_fraction: float = 0.1,
        n_iter_no_change: int = 5,
        warm_start: bool = False,
        average: int | bool = False,
    ) -> None: ...
    def fit(self, X: _X, y: _Y) -> Self: ...
    def predict(self, X: _X) -> npt.NDArray[np.float64]: ...

class TheilSenRegressor(RegressorMixin, BaseEstimator):
    def __init__(
        self,
        *,
        fit_intercept: bool = True,
        max_subpopulation: float = 10000.0,
        n_subsamples: int | None = None,
        max_iter: int = 300,
        tol: float = 0.001,
        random_state: int | None = None,
        n_jobs: int | None = None,
        verbose: int = False,
    ) -> None: ...
    def fit(self, X: _X, y: _Y) -> Self: ...
    def predict(self, X: _X) -> npt.NDArray[np.float64]: ...

class TweedieRegressor(RegressorMixin, BaseEstimator):
    def __init__(
        self,
        *,
        power: float = 0.0,
        alpha: float = 1.0,
        fit_intercept: bool = True,
        link: Literal["auto", "identity", "log"] = "auto",
        solver: Literal["lbfgs", "newton-cholesky"] = "lbfgs",
        max_iter: int = 100,
        tol: float = 0.0001,
        warm_start: bool = False,
        verbose: int = 0,
    ) -> None: ...
    def fit(self, X: _X, y: _Y) -> Self: ...
    def predict(self, X: _X) -> npt.NDArray[np.float64]: ...
