from collections.abc import Sequence
from typing import Literal, Self

import numpy as np
import numpy.typing as npt
import pandas as pd

class ColumnTransformer:
    named_transformers_: dict[str, object]
    feature_names_in_: npt.NDArray[np.object_]
    def __init__(
        self,
        transformers: Sequence[tuple[str, object, Sequence[str]]],
        *,
        remainder: Literal["drop", "passthrough"] | object = "drop",
        verbose_feature_names_out: bool = True,
    ) -> None: ...
    def fit(self, X: pd.DataFrame, y: pd.Series | None = None) -> Self: ...
    def transform(self, X: pd.DataFrame) -> pd.DataFrame: ...
    def set_output(self, *, transform: Literal["default", "pandas", "polars"] | None = None) -> Self: ...
    def get_feature_names_out(
        self, input_features: Sequence[str] | None = None
    ) -> npt.NDArray[np.object_]: ...
