"""A data comparer: per-column drift of a current frame from a reference (`type: drift`).

Design notes:

- A column numeric in both frames (not bool) is compared with the two-sample
  Kolmogorov-Smirnov test (`scipy.stats.ks_2samp`) and drifted when its p-value is below
  `p_value`. Any other column is categorical: by default a chi-squared test of
  homogeneity on the table of category counts (two rows, one column per category seen in
  either frame; Pearson's statistic without Yates' correction, so one formula at every
  table size), drifted when p < `p_value`; with `categorical_test: psi` the Population
  Stability Index instead, drifted when it exceeds `psi_threshold` (its `p_value` is
  None: PSI is a distance, not a test).
- Missing values are left out of every test: missingness is the data checker's concern.
- A column in only one frame is drifted, with test `"missing"`, statistic NaN (no test
  ran, and no number would mean anything) and p-value None. A column with no values in
  one frame (all missing) is reported the same way with test `"empty"`, drifted unless
  both frames lack values; a column with one category only in both frames has nothing to
  test and is reported as not drifted (statistic 0, p-value 1).
- `psi` bins numbers at the reference's deciles (the two outer bins open-ended, so
  current values beyond the reference's range are counted), and counts categories as
  they are. An empty bin's share is raised to a small epsilon (1e-4) so that the
  logarithm stays finite; identical distributions give 0.
- Columns are reported in the reference's order, then the current frame's new ones;
  `columns:` restricts (and orders) them, and names a column in neither frame as a
  mistake (`DataError`).
"""

from __future__ import annotations

import math
from typing import Literal

from attrs import frozen

from lolpop._lazy import np, pd
from lolpop.components._errors import DataError
from lolpop.components._kinds import make_kind
from lolpop.components.profiler import is_numeric
from lolpop.components.records import ColumnDrift, DataComparer, DriftReport
from lolpop.config.registry import ComponentKind
from lolpop.core.decorator import make_step
from lolpop.errors import DefinitionError

#: The share given to an empty bin in `psi`, so that its logarithm is finite.
PSI_EPSILON = 1e-4
#: Bins of a numeric column in `psi` (deciles of the reference).
PSI_BINS = 10


@frozen
class DriftSettings:
    """`type: drift`: the tests' thresholds, and which columns to compare."""

    #: A test's p-value below this flags the column.
    p_value: float = 0.05
    #: A PSI above this flags the column (`categorical_test: psi`).
    psi_threshold: float = 0.2
    #: The test of non-numeric columns: chi-squared, or the population stability index.
    categorical_test: Literal["chi2", "psi"] = "chi2"
    #: The columns to compare (all, when empty).
    columns: tuple[str, ...] = ()


def _shares(counts: pd.Series) -> np.ndarray:
    total = counts.sum()
    shares = counts.to_numpy(dtype=np.float64) / total if total else np.zeros(len(counts))
    return np.clip(shares, PSI_EPSILON, None)


def _category_counts(reference: pd.Series, current: pd.Series) -> tuple[pd.Series, pd.Series]:
    """Counts of every category seen in either series, aligned (zeros where unseen)."""
    ref = reference.value_counts(dropna=True)
    cur = current.value_counts(dropna=True)
    ref, cur = ref[ref > 0], cur[cur > 0]  # a categorical's unused categories
    categories = ref.index.append(cur.index.difference(ref.index, sort=False))
    return (
        ref.reindex(categories, fill_value=0).astype(np.int64),
        cur.reindex(categories, fill_value=0).astype(np.int64),
    )


def _bin_counts(reference: pd.Series, current: pd.Series) -> tuple[pd.Series, pd.Series]:
    """Counts in bins cut at the reference's deciles, the outer bins open-ended."""
    ref = reference.to_numpy(dtype=np.float64)
    cur = current.to_numpy(dtype=np.float64)
    quantiles = np.quantile(ref, np.linspace(0, 1, PSI_BINS + 1)[1:-1])
    cuts = np.unique(quantiles)
    # side="right": a value equal to a cut joins the bin above it, for both frames alike.
    ref_bins = np.searchsorted(cuts, ref, side="right")
    cur_bins = np.searchsorted(cuts, cur, side="right")
    size = len(cuts) + 1
    return (
        pd.Series(np.bincount(ref_bins, minlength=size)),
        pd.Series(np.bincount(cur_bins, minlength=size)),
    )


def psi(reference: pd.Series, current: pd.Series) -> float:
    """The Population Stability Index of `current` against `reference` (0: the same).

    Numbers are binned at the reference's deciles, other values counted by category;
    missing values are left out, and a side with no values left is a `DataError`.

    >>> same = pd.Series(["a", "a", "b", "c"])
    >>> psi(same, same)
    0.0
    >>> round(psi(pd.Series(["a", "b"] * 50), pd.Series(["a"] * 90 + ["b"] * 10)), 3)
    0.879
    """
    ref, cur = reference.dropna(), current.dropna()
    if len(ref) == 0 or len(cur) == 0:
        raise DataError(
            "psi compares two distributions, and "
            f"{'the reference' if len(ref) == 0 else 'the current series'} has no values "
            "(all missing or empty)."
        )
    numeric = is_numeric(ref) and is_numeric(cur)
    ref_counts, cur_counts = _bin_counts(ref, cur) if numeric else _category_counts(ref, cur)
    expected, actual = _shares(ref_counts), _shares(cur_counts)
    return float(np.sum((actual - expected) * np.log(actual / expected)))


def _ks(
    name: str, reference: pd.Series, current: pd.Series, settings: DriftSettings
) -> ColumnDrift:
    from scipy.stats import ks_2samp  # noqa: PLC0415 (heavy: imported on use)

    result = ks_2samp(reference.to_numpy(dtype=np.float64), current.to_numpy(dtype=np.float64))
    p_value = float(result.pvalue)
    return ColumnDrift(name, "ks", float(result.statistic), p_value, p_value < settings.p_value)


def _chi2(
    name: str, reference: pd.Series, current: pd.Series, settings: DriftSettings
) -> ColumnDrift:
    from scipy.stats import chi2_contingency  # noqa: PLC0415 (heavy: imported on use)

    ref_counts, cur_counts = _category_counts(reference, current)
    if len(ref_counts) < 2:
        return ColumnDrift(name, "chi2", 0.0, 1.0, False)
    table = np.vstack([ref_counts.to_numpy(), cur_counts.to_numpy()])
    result = chi2_contingency(table, correction=False)
    p_value = float(result.pvalue)
    return ColumnDrift(name, "chi2", float(result.statistic), p_value, p_value < settings.p_value)


def column_drift(
    name: str, reference: pd.Series, current: pd.Series, settings: DriftSettings
) -> ColumnDrift:
    """One column's drift (see the module notes for which test, and when)."""
    ref, cur = reference.dropna(), current.dropna()
    if len(ref) == 0 or len(cur) == 0:
        return ColumnDrift(name, "empty", math.nan, None, len(ref) != len(cur))
    if is_numeric(ref) and is_numeric(cur):
        return _ks(name, ref, cur, settings)
    if settings.categorical_test == "psi":
        value = psi(ref, cur)
        return ColumnDrift(name, "psi", value, None, value > settings.psi_threshold)
    return _chi2(name, ref, cur, settings)


def _column(frame: pd.DataFrame, name: object, which: str) -> pd.Series:
    matches = [column for label, column in frame.items() if label == name]
    if len(matches) > 1:
        raise DataError(
            f"the {which} frame has {len(matches)} columns named {name!r}; drift is "
            "measured column by column, so each name must be used once."
        )
    return matches[0]


def compare_frames(
    reference: pd.DataFrame, current: pd.DataFrame, settings: DriftSettings
) -> DriftReport:
    """Per-column drift of `current` from `reference`."""
    names: list[object] = list(settings.columns) or [
        *reference.columns,
        *(c for c in current.columns if c not in reference.columns),
    ]
    drifts = []
    for name in names:
        in_ref, in_cur = name in reference.columns, name in current.columns
        if not in_ref and not in_cur:
            raise DataError(
                f"drift: the column {name!r} listed in `columns:` is in neither the "
                "reference frame nor the current one."
            )
        if not (in_ref and in_cur):
            drifts.append(ColumnDrift(str(name), "missing", math.nan, None, True))
            continue
        drifts.append(
            column_drift(
                str(name),
                _column(reference, name, "reference"),
                _column(current, name, "current"),
                settings,
            )
        )
    return DriftReport(tuple(drifts))


def _check_settings(settings: DriftSettings) -> None:
    if not 0.0 < settings.p_value < 1.0:
        raise DefinitionError(
            f"drift: `p_value` is a significance level between 0 and 1 (exclusive); got "
            f"{settings.p_value:g}."
        )
    if settings.psi_threshold <= 0.0:
        raise DefinitionError(
            f"drift: `psi_threshold` must be above 0 (0.1 to 0.25 is usual); got "
            f"{settings.psi_threshold:g}."
        )


def drift_comparer(settings: DriftSettings) -> DataComparer:
    """Tests each column of a current frame for drift from a reference frame."""
    _check_settings(settings)

    def compare(frames: tuple[pd.DataFrame, pd.DataFrame]) -> DriftReport:
        reference, current = frames
        return compare_frames(reference, current, settings)

    return DataComparer(compare=make_step(compare, name="compare"))


KINDS: tuple[ComponentKind, ...] = (
    make_kind(
        "drift",
        DriftSettings,
        drift_comparer,
        "Tests each column of a current frame for drift from a reference frame (KS, chi2, PSI).",
    ),
)
