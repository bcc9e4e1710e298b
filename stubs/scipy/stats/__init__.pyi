from typing import Literal

import numpy as np
from numpy.typing import ArrayLike, NDArray

class KstestResult:
    # numpy.float64 at run time, a subclass of float.
    statistic: float
    pvalue: float

class Chi2ContingencyResult:
    statistic: float
    pvalue: float
    dof: int
    expected_freq: NDArray[np.float64]

def ks_2samp(
    data1: ArrayLike,
    data2: ArrayLike,
    alternative: Literal["two-sided", "less", "greater"] = "two-sided",
    method: Literal["auto", "exact", "asymp"] = "auto",
) -> KstestResult: ...
def chi2_contingency(
    observed: ArrayLike,
    correction: bool = True,
    lambda_: float | str | None = None,
) -> Chi2ContingencyResult: ...
