from typing import Literal, Self

import numpy as np
import numpy.typing as npt
import pandas as pd

class SimpleImputer:
    statistics_: npt.NDArray[np.generic]
    def __init__(
        self,
        *,
        missing_values: object = ...,
        strategy: Literal["mean", "median", "most_frequent", "constant"] = "mean",
        fill_value: str | float | None = None,
        keep_empty_features: bool = False,
    ) -> None: ...
    def fit(self, X: pd.DataFrame | npt.NDArray[np.generic], y: object = None) -> Self: ...
    def transform(self, X: pd.DataFrame | npt.NDArray[np.generic]) -> pd.DataFrame: ...
