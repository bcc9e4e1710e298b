"""A bias checker: per-group rates of a sensitive column (`type: bias_checker`).

Design notes:

- Input is (frame holding the sensitive column, truth, predictions), aligned by index
  label, not by position: a frame shuffled against its predictions is still read right.
  The three must hold the same labels, each once; otherwise it is a `DataError` saying
  how many labels do not match, since guessing an alignment would be silent bias of its
  own.
- A group is a value of the sensitive column, named by `str(value)`, in order of name.
  Rows whose sensitive value is missing belong to no group.
- Per group: its size; the selection rate (the share predicted `positive`); and the true
  positive rate (the share predicted `positive` among the truly `positive`), None when
  the group has no truly positive row.
- Demographic parity difference: the largest selection rate minus the smallest (0 for
  one group). Equal opportunity difference: the same over the groups that have a true
  positive rate, None when fewer than two do.
- `positive` is compared by value (`isin`), so `1` also matches `1.0` and `True`, as in
  Python.
"""

from __future__ import annotations

from attrs import frozen

from lolpop._lazy import pd
from lolpop.components._errors import DataError, show_values
from lolpop.components._kinds import make_kind
from lolpop.components.records import (
    BiasChecker,
    BiasReport,
    Classification,
    GroupMetrics,
    Predictions,
    TaskKind,
)
from lolpop.config.registry import ComponentKind
from lolpop.core.decorator import make_step


@frozen
class BiasSettings:
    """`type: bias_checker`: the sensitive column, and the label that counts as positive."""

    #: The sensitive column: its groups are compared (it need not be a feature).
    column: str
    #: The label that counts as the positive outcome (compared by value: `1` matches `1.0`).
    positive: str | int | float | bool = 1


def _check_alignment(frame: pd.DataFrame, other: pd.Series, what: str) -> None:
    """`other` holds exactly the frame's index labels (order aside), each once."""
    if other.index.has_duplicates:
        raise DataError(
            f"bias_checker: the {what} has repeated index labels, so its rows cannot be "
            "matched to the frame's by label."
        )
    if len(other.index) == len(frame.index) and other.index.equals(frame.index):
        return
    extra = other.index.difference(frame.index)
    lacking = frame.index.difference(other.index)
    if len(extra) or len(lacking):
        raise DataError(
            f"bias_checker: the {what} and the frame must hold the same rows (by index "
            f"label); the {what} has {len(extra)} the frame lacks, and lacks {len(lacking)} "
            "of the frame's."
        )


def _gap(rates: list[float]) -> float:
    return max(rates) - min(rates)


def bias_report(
    frame: pd.DataFrame,
    truth: pd.Series,
    predictions: Predictions[TaskKind],
    settings: BiasSettings,
) -> BiasReport:
    """Per-group rates and the gaps between groups (see the module notes)."""
    name = settings.column
    if name not in frame.columns:
        shown = ", ".join(str(c) for c in frame.columns[:10])
        raise DataError(
            f"bias_checker: the sensitive column {name!r} is not in the frame "
            f"(it has {shown or 'no columns'})."
        )
    if frame.index.has_duplicates:
        raise DataError(
            "bias_checker: the frame has repeated index labels, so its rows cannot be "
            "matched to the truth and the predictions by label."
        )
    matches = [column for label, column in frame.items() if label == name]
    if len(matches) > 1:
        raise DataError(f"bias_checker: the frame has {len(matches)} columns named {name!r}.")
    sensitive = matches[0]
    _check_alignment(frame, truth, "truth")
    _check_alignment(frame, predictions.values, "predictions")

    present = sensitive.notna().to_numpy()
    if not present.any():
        raise DataError(
            f"bias_checker: the sensitive column {name!r} has no values (all "
            f"{len(sensitive)} rows missing), so there are no groups to compare."
        )
    groups = sensitive.astype(object).map(str).to_numpy()
    selected = predictions.values.reindex(frame.index).isin([settings.positive]).to_numpy()
    positive = truth.reindex(frame.index).isin([settings.positive]).to_numpy()
    if not positive.any() and not selected.any() and _not_a_label(settings.positive, truth):
        labels = sorted({str(v) for v in (*truth.dropna(), *predictions.values.dropna())})
        raise DataError(
            f"bias_checker: the positive label {settings.positive!r} is in neither the truth "
            f"nor the predictions (their labels: {show_values(labels)}), so "
            "every group would select none of it and look unbiased. Set `positive:` to the "
            "label of the favourable outcome."
        )

    metrics = []
    for group in sorted(set(groups[present])):
        members = present & (groups == group)
        truly = members & positive
        tpr = float(selected[truly].mean()) if truly.any() else None
        metrics.append(
            GroupMetrics(
                group=group,
                size=int(members.sum()),
                selection_rate=float(selected[members].mean()),
                true_positive_rate=tpr,
            )
        )
    rates = [m.selection_rate for m in metrics]
    tprs = [m.true_positive_rate for m in metrics if m.true_positive_rate is not None]
    return BiasReport(
        column=name,
        groups=tuple(metrics),
        demographic_parity_difference=_gap(rates),
        equal_opportunity_difference=_gap(tprs) if len(tprs) >= 2 else None,
    )


def _not_a_label(positive: object, truth: pd.Series) -> bool:
    """Whether `positive`, which no row holds, cannot be one of the truth's labels: it is
    a number among text labels (or text among numbers), or the truth has two labels or
    more and it is neither (rows that all hold one other label are data, not a mistake)."""
    numbers = pd.api.types.is_numeric_dtype(truth.dtype) or pd.api.types.is_bool_dtype(truth.dtype)
    if numbers != isinstance(positive, int | float):  # bool is an int
        return True
    return truth.nunique(dropna=True) >= 2


def bias_checker(settings: BiasSettings) -> BiasChecker[Classification]:
    """Compares selection and true positive rates across the groups of a sensitive column
    of a classifier's predictions (a regressor's never equal its `positive` label: its
    rates would all be 0, which reads as no bias)."""

    def check(data: tuple[pd.DataFrame, pd.Series, Predictions[Classification]]) -> BiasReport:
        frame, truth, predictions = data
        return bias_report(frame, truth, predictions, settings)

    return BiasChecker(check=make_step(check, name="check"), task=Classification)


KINDS: tuple[ComponentKind, ...] = (
    make_kind(
        "bias_checker",
        BiasSettings,
        bias_checker,
        "Compares selection and true positive rates across the groups of a sensitive column.",
    ),
)
