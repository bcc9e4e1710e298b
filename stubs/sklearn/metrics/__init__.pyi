import numpy as np
import numpy.typing as npt
import pandas as pd

def accuracy_score(
    y_true: pd.Series | npt.NDArray[np.generic], y_pred: pd.Series | npt.NDArray[np.generic]
) -> float: ...
