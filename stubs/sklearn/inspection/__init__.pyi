import numpy as np
import numpy.typing as npt
import pandas as pd
from sklearn.utils import Bunch

class _PermutationImportance(Bunch):
    """The Bunch `permutation_importance` returns (attribute access to its keys)."""

    importances_mean: npt.NDArray[np.float64]
    importances_std: npt.NDArray[np.float64]
    #: (features, repeats)
    importances: npt.NDArray[np.float64]

def permutation_importance(
    estimator: object,
    X: pd.DataFrame,
    y: pd.Series,
    *,
    scoring: str | None = None,
    n_repeats: int = 5,
    n_jobs: int | None = None,
    random_state: int | None = None,
    max_samples: int | float = 1.0,
) -> _PermutationImportance: ...
