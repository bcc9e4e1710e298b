from collections.abc import Sequence
from typing import Literal

import numpy as np
import numpy.typing as npt
import pandas as pd

def accuracy_score(
    y_true: pd.Series | npt.NDArray[np.generic], y_pred: pd.Series | npt.NDArray[np.generic]
) -> float: ...

# --- curves and matrices (the model visualizer) ---
def confusion_matrix(
    y_true: pd.Series | npt.NDArray[np.generic],
    y_pred: pd.Series | npt.NDArray[np.generic],
    *,
    labels: npt.ArrayLike | None = None,
    normalize: Literal["true", "pred", "all"] | None = None,
) -> npt.NDArray[np.int64]: ...
def roc_curve(
    y_true: pd.Series | npt.NDArray[np.generic],
    y_score: npt.NDArray[np.floating],
    *,
    pos_label: object = None,
    drop_intermediate: bool = True,
) -> tuple[npt.NDArray[np.float64], npt.NDArray[np.float64], npt.NDArray[np.float64]]: ...
def precision_recall_curve(
    y_true: pd.Series | npt.NDArray[np.generic],
    y_score: npt.NDArray[np.floating],
    *,
    pos_label: object = None,
    drop_intermediate: bool = False,
) -> tuple[npt.NDArray[np.float64], npt.NDArray[np.float64], npt.NDArray[np.float64]]: ...
def auc(x: npt.NDArray[np.floating], y: npt.NDArray[np.floating]) -> float: ...
def get_scorer_names() -> list[str]: ...
def get_scorer(scoring: str) -> object: ...
def average_precision_score(
    y_true: pd.Series | npt.NDArray[np.generic],
    y_score: npt.NDArray[np.floating],
    *,
    average: Literal["micro", "macro", "weighted", "samples"] | None = "macro",
    pos_label: object = 1,
) -> float: ...

# --- scores (lolpop.components.metrics) ---

_Vector = pd.Series | npt.NDArray[np.generic]
_Scores = pd.Series | pd.DataFrame | npt.NDArray[np.generic]
_Average = Literal["binary", "macro", "micro", "weighted", "samples"] | None

def f1_score(
    y_true: _Vector,
    y_pred: _Vector,
    *,
    labels: Sequence[object] | None = None,
    pos_label: object = 1,
    average: _Average = "binary",
    sample_weight: _Vector | None = None,
    zero_division: float | Literal["warn"] = "warn",
) -> float: ...
def precision_score(
    y_true: _Vector,
    y_pred: _Vector,
    *,
    labels: Sequence[object] | None = None,
    pos_label: object = 1,
    average: _Average = "binary",
    sample_weight: _Vector | None = None,
    zero_division: float | Literal["warn"] = "warn",
) -> float: ...
def recall_score(
    y_true: _Vector,
    y_pred: _Vector,
    *,
    labels: Sequence[object] | None = None,
    pos_label: object = 1,
    average: _Average = "binary",
    sample_weight: _Vector | None = None,
    zero_division: float | Literal["warn"] = "warn",
) -> float: ...
def roc_auc_score(
    y_true: _Vector,
    y_score: _Scores,
    *,
    average: _Average = "macro",
    multi_class: Literal["raise", "ovr", "ovo"] = "raise",
    labels: Sequence[object] | None = None,
) -> float: ...
def log_loss(
    y_true: _Vector,
    y_pred: _Scores,
    *,
    labels: Sequence[object] | None = None,
) -> float: ...
def mean_squared_error(y_true: _Vector, y_pred: _Vector) -> float: ...
def root_mean_squared_error(y_true: _Vector, y_pred: _Vector) -> float: ...
def mean_absolute_error(y_true: _Vector, y_pred: _Vector) -> float: ...
def mean_absolute_percentage_error(y_true: _Vector, y_pred: _Vector) -> float: ...
def mean_squared_log_error(y_true: _Vector, y_pred: _Vector) -> float: ...
def r2_score(y_true: _Vector, y_pred: _Vector) -> float: ...
