"""A data checker of configured rules (`type: rules_checker`).

Design notes:

- A rule is one flat record (`Rule`) whose `kind` says which of its fields apply, rather
  than a union of one record per kind: the strict config converter then decodes rules
  without guessing between look-alike records, and a config reads as a list of small
  mappings (`{kind: range, columns: [age], min: 0, max: 120}`). What a tagged union
  would check by its types is checked when the checker is built: a field a kind needs
  and lacks, or a field it does not use that is set anyway, is a `DefinitionError` naming
  the rule by its place in the list (`rules[2]`), the way the config path names it.
- Each rule gives one `CheckResult` per column it lists (`row_count` one for the frame),
  `OK` or the rule's severity, with a message naming the column, how many values offend
  and at most five examples (distinct values, or row labels for missing cells).
- A rule on a column the frame lacks is an `ERROR` result naming the column, whatever
  the rule's severity: the check could not be made, which is not a warning. Likewise a
  `range` rule on a column that is not numeric. A `required_columns` rule reports a
  missing column at its own severity, since that is its purpose.
- Missing values are the business of `not_null` alone: `range`, `allowed_values` and
  `unique` look at the values present.
- `unique` is per column (each listed column on its own), not a key of several columns.
- `dtype` takes an exact pandas dtype (`float64`, `Int64`, `str`, `category`...) or a
  family: `numeric` (not bool), `integer`, `float`, `bool`, `string` (a string dtype, or
  object cells that are all strings), `datetime`, `category`.
- Feature quality: `constant` (one value in every row where the column is present),
  `all_missing` (no value at all) and `id_like` (text or categories with a distinct value
  in more than `max_distinct_fraction` of the rows where present: an id, a date kept as
  text, free text, which one-hot encoding turns into a column per row; and a column of
  dates kept as text however few distinct ones, since a date after training is a
  category the model never saw). None of them
  teaches a model anything. They check the listed `columns`, or with none every column
  of the frame but those under `exclude` (the supervised runners' default checker warns
  on every column but the target and the id); then the rule gives one result per
  offending column, or one `OK` result for the frame. `id_like` needs at least
  `ID_LIKE_MIN_ROWS` present values to judge: in fewer rows every value may well be
  distinct.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from typing import Literal, TypeAlias

import attrs
from attrs import frozen

from lolpop._lazy import pd
from lolpop.components._kinds import make_kind
from lolpop.components.profiler import is_numeric
from lolpop.components.records import CheckReport, CheckResult, DataChecker, Status
from lolpop.config.registry import ComponentKind
from lolpop.core.decorator import make_step
from lolpop.errors import DefinitionError

#: A value a config can hold in a list of allowed values.
Scalar: TypeAlias = str | int | float | bool

RuleKind: TypeAlias = Literal[
    "required_columns",
    "dtype",
    "not_null",
    "range",
    "allowed_values",
    "unique",
    "row_count",
    "constant",
    "all_missing",
    "id_like",
    "class_rows",
]

#: At most this many offending examples in a message.
EXAMPLES = 5

#: An `id_like` rule judges a column from this many present values up (see the notes).
ID_LIKE_MIN_ROWS = 20


@frozen
class Rule:
    """One rule; `kind` says which of the other fields it reads.

    - `required_columns`: `columns` must all be in the frame.
    - `dtype`: each of `columns` has `dtype` (exact, or a family; see the module notes).
    - `not_null`: each of `columns` has at most `max_missing_fraction` missing (0 to 1).
    - `range`: the values of each of `columns` lie within `min` and/or `max` (inclusive).
    - `allowed_values`: the values of each of `columns` are among `values`.
    - `unique`: no value repeats within each of `columns`.
    - `row_count`: the frame has at least `min` and/or at most `max` rows.
    - `constant`: each column holds more than one value (among those present).
    - `all_missing`: each column holds a value in some row.
    - `id_like`: no text or categorical column has a distinct value in more than
      `max_distinct_fraction` of its present rows, or holds dates kept as text.
    - `class_rows`: each class (value) of each of `columns` (a classification target)
      is present in at least `min` rows.

    The last three check `columns`, or with none every column but `exclude`.
    """

    #: Which rule it is; it says which of the other fields apply.
    kind: RuleKind
    #: The columns the rule checks (`required_columns`: those that must be there).
    columns: tuple[str, ...] = ()
    #: `dtype`: the pandas dtype, or a family (`numeric`, `integer`, `string`...).
    dtype: str | None = None
    #: `range`: the smallest value allowed; `row_count`: the fewest rows; `class_rows`:
    #: the fewest rows of each class.
    min: float | None = None
    #: `range`: the largest value allowed; `row_count`: the most rows.
    max: float | None = None
    #: `allowed_values`: the values a column may hold.
    values: tuple[Scalar, ...] = ()
    #: `not_null`: the share of missing values allowed in each column (0 to 1).
    max_missing_fraction: float = 0.0
    #: `id_like`: the share of distinct values (among present ones) above which a text
    #: or categorical column is an id rather than a category.
    max_distinct_fraction: float = 0.9
    #: `constant`, `all_missing`, `id_like` with no `columns`: the columns left out.
    exclude: tuple[str, ...] = ()
    #: What a broken rule reports: a warning, or an error (a runner stops on one by default).
    severity: Literal["WARN", "ERROR"] = "ERROR"


@frozen
class CheckerSettings:
    """`type: rules_checker`: the rules a frame must keep."""

    #: The rules, each a mapping with its `kind` (its fields are below).
    rules: tuple[Rule, ...] = ()


# --- validating rules ------------------------------------------------------------------

#: For each kind: the fields it needs (a tuple of alternatives is one of them), and every
#: field it reads.
_NEEDS: Mapping[str, tuple[tuple[str, ...], ...]] = {
    "required_columns": (("columns",),),
    "dtype": (("columns",), ("dtype",)),
    "not_null": (("columns",),),
    "range": (("columns",), ("min", "max")),
    "allowed_values": (("columns",), ("values",)),
    "unique": (("columns",),),
    "row_count": (("min", "max"),),
    "constant": (),
    "all_missing": (),
    "id_like": (),
    "class_rows": (("columns",), ("min",)),
}
_READS: Mapping[str, frozenset[str]] = {
    "required_columns": frozenset({"columns"}),
    "dtype": frozenset({"columns", "dtype"}),
    "not_null": frozenset({"columns", "max_missing_fraction"}),
    "range": frozenset({"columns", "min", "max"}),
    "allowed_values": frozenset({"columns", "values"}),
    "unique": frozenset({"columns"}),
    "row_count": frozenset({"min", "max"}),
    "constant": frozenset({"columns", "exclude"}),
    "all_missing": frozenset({"columns", "exclude"}),
    "id_like": frozenset({"columns", "exclude", "max_distinct_fraction"}),
    "class_rows": frozenset({"columns", "min"}),
}
_ALWAYS = frozenset({"kind", "severity"})


def _is_string(series: pd.Series) -> bool:
    if series.dtype == object:
        return all(isinstance(value, str) for value in series.dropna())
    return pd.api.types.is_string_dtype(series.dtype) and not isinstance(
        series.dtype, pd.CategoricalDtype
    )


#: dtype families a `dtype` rule may name instead of an exact dtype.
DTYPE_FAMILIES: Mapping[str, Callable[[pd.Series], bool]] = {
    "numeric": is_numeric,
    "integer": lambda s: pd.api.types.is_integer_dtype(s.dtype),
    "float": lambda s: pd.api.types.is_float_dtype(s.dtype),
    "bool": lambda s: pd.api.types.is_bool_dtype(s.dtype),
    "string": _is_string,
    "datetime": lambda s: pd.api.types.is_datetime64_any_dtype(s.dtype),
    "category": lambda s: isinstance(s.dtype, pd.CategoricalDtype),
}


def _rule_problems(rule: Rule) -> list[str]:
    """What is wrong with one rule (nothing when it can be checked)."""
    problems = []
    set_fields = {
        field.name
        for field in attrs.fields(Rule)
        if getattr(rule, field.name) != field.default and field.name not in _ALWAYS
    }
    for alternatives in _NEEDS[rule.kind]:
        if not set_fields & set(alternatives):
            wanted = " or ".join(f"`{name}`" for name in alternatives)
            problems.append(f"needs {wanted}")
    unused = sorted(set_fields - _READS[rule.kind])
    if unused:
        names = ", ".join(f"`{name}`" for name in unused)
        problems.append(f"does not use {names} (set only for other kinds of rule)")
    if rule.min is not None and rule.max is not None and rule.min > rule.max:
        problems.append(f"has `min` {rule.min:g} above `max` {rule.max:g}")
    if not 0.0 <= rule.max_missing_fraction <= 1.0:
        problems.append(
            f"has `max_missing_fraction` {rule.max_missing_fraction:g}, not a fraction "
            "between 0 and 1"
        )
    if not 0.0 < rule.max_distinct_fraction <= 1.0:
        problems.append(
            f"has `max_distinct_fraction` {rule.max_distinct_fraction:g}, not a fraction "
            "above 0 and at most 1"
        )
    if rule.dtype is not None and rule.dtype not in DTYPE_FAMILIES:
        try:
            pd.api.types.pandas_dtype(rule.dtype)
        except TypeError:
            families = ", ".join(DTYPE_FAMILIES)
            problems.append(
                f"names dtype {rule.dtype!r}, which is neither a pandas dtype nor one of "
                f"the families {families}"
            )
    return problems


def check_rules(rules: Sequence[Rule]) -> None:
    """Raise `DefinitionError` listing every rule that cannot be checked, by its place."""
    problems = [
        f"rules[{index}] ({rule.kind}) {problem}"
        for index, rule in enumerate(rules)
        for problem in _rule_problems(rule)
    ]
    if problems:
        raise DefinitionError("rules_checker: " + "; ".join(problems) + ".")


# --- checking --------------------------------------------------------------------------


def _show(value: object) -> str:
    # numpy scalars print as `np.int64(3)`; their Python value reads better.
    item = getattr(value, "item", None)
    return repr(item() if callable(item) else value)


def _examples(values: Sequence[object], what: str = "") -> str:
    """At most `EXAMPLES` of `values`, and how many more there are."""
    shown = ", ".join(_show(v) for v in values[:EXAMPLES])
    more = f" and {len(values) - EXAMPLES} more" if len(values) > EXAMPLES else ""
    return f"{what}{shown}{more}"


def _columns_note(frame: pd.DataFrame) -> str:
    names = [str(name) for name in frame.columns]
    shown = ", ".join(names[:10]) + (f" and {len(names) - 10} more" if len(names) > 10 else "")
    return f"the frame has {shown}" if names else "the frame has no columns"


def _interval(rule: Rule) -> str:
    low = "(-inf" if rule.min is None else f"[{rule.min:g}"
    high = "inf)" if rule.max is None else f"{rule.max:g}]"
    return f"{low}, {high}"


def _failed(rule: Rule, message: str, column: str | None) -> CheckResult:
    return CheckResult(rule.kind, Status[rule.severity], message, column)


def _passed(rule: Rule, message: str, column: str | None) -> CheckResult:
    return CheckResult(rule.kind, Status.OK, message, column)


def _check_dtype(rule: Rule, name: str, series: pd.Series) -> CheckResult:
    expected = rule.dtype or ""
    family = DTYPE_FAMILIES.get(expected)
    matches = (
        family(series)
        if family is not None
        else series.dtype == pd.api.types.pandas_dtype(expected)
    )
    found = f"column {name!r} has dtype {series.dtype}"
    if matches:
        return _passed(rule, f"{found}, as expected ({expected})", name)
    return _failed(rule, f"{found}, expected {expected}", name)


def _check_not_null(rule: Rule, name: str, series: pd.Series) -> CheckResult:
    missing = series.isna()
    count = int(missing.sum())
    fraction = count / len(series) if len(series) else 0.0
    found = f"column {name!r}: {count} of {len(series)} values missing ({fraction:.1%})"
    allowed = f"at most {rule.max_missing_fraction:.1%} allowed"
    if fraction <= rule.max_missing_fraction:
        return _passed(rule, f"{found}; {allowed}", name)
    rows = _examples(series.index[missing.to_numpy()].tolist(), "rows ")
    return _failed(rule, f"{found}; {allowed}; e.g. {rows}", name)


def _check_range(rule: Rule, name: str, series: pd.Series) -> CheckResult:
    if not is_numeric(series):
        return CheckResult(
            rule.kind,
            Status.ERROR,
            f"column {name!r} has dtype {series.dtype}, not numbers: a range rule cannot "
            "be checked on it",
            name,
        )
    values = series.dropna()
    outside = pd.Series(False, index=values.index)
    if rule.min is not None:
        outside |= values < rule.min
    if rule.max is not None:
        outside |= values > rule.max
    count = int(outside.sum())
    interval = _interval(rule)
    found = f"column {name!r}: {count} of {len(values)} values outside {interval}"
    if count == 0:
        return _passed(rule, f"column {name!r}: all {len(values)} values within {interval}", name)
    offending = pd.unique(values[outside.to_numpy()].to_numpy())
    return _failed(rule, f"{found}: {_examples(offending.tolist())}", name)


def _check_allowed(rule: Rule, name: str, series: pd.Series) -> CheckResult:
    values = series.dropna()
    outside = ~values.isin(list(rule.values))
    count = int(outside.sum())
    allowed = _examples(rule.values)
    if count == 0:
        return _passed(rule, f"column {name!r}: all {len(values)} values among {allowed}", name)
    offending = pd.unique(values[outside.to_numpy()].to_numpy())
    return _failed(
        rule,
        f"column {name!r}: {count} of {len(values)} values not among {allowed}: "
        f"{_examples(offending.tolist())}",
        name,
    )


def _check_unique(rule: Rule, name: str, series: pd.Series) -> CheckResult:
    values = series.dropna()
    repeated = values.duplicated(keep="first")
    count = int(repeated.sum())
    if count == 0:
        return _passed(rule, f"column {name!r}: all {len(values)} values distinct", name)
    offending = pd.unique(values[repeated.to_numpy()].to_numpy())
    return _failed(
        rule,
        f"column {name!r}: {count} of {len(values)} values repeat an earlier one: "
        f"{_examples(offending.tolist())}",
        name,
    )


def _distinct(values: pd.Series) -> int:
    """How many distinct values `values` holds (unhashable cells compared as text)."""
    try:
        return int(values.nunique(dropna=True))
    except TypeError:
        return int(values.astype(str).nunique(dropna=True))


def _check_constant(rule: Rule, name: str, series: pd.Series) -> CheckResult:
    values = series.dropna()
    if len(values) == 0 or _distinct(values) > 1:
        return _passed(rule, f"column {name!r} holds more than one value (or none)", name)
    missing = len(series) - len(values)
    where = f"all {len(values)} rows where it is present" if missing else f"all {len(series)} rows"
    return _failed(
        rule,
        f"column {name!r} holds one value ({_show(values.iloc[0])}) in {where}: as a "
        "feature it tells no two rows apart; drop it (the splitter's `drop:`)",
        name,
    )


def _check_all_missing(rule: Rule, name: str, series: pd.Series) -> CheckResult:
    if len(series) == 0 or series.notna().any():
        return _passed(rule, f"column {name!r} holds values", name)
    return _failed(
        rule,
        f"column {name!r} is missing in all {len(series)} rows: as a feature it carries "
        "nothing; drop it (the splitter's `drop:`), or check how the data is read",
        name,
    )


def _is_text(series: pd.Series) -> bool:
    dtype = series.dtype
    return not pd.api.types.is_bool_dtype(dtype) and (
        pd.api.types.is_object_dtype(dtype)
        or pd.api.types.is_string_dtype(dtype)
        or isinstance(dtype, pd.CategoricalDtype)
    )


#: A date (and maybe a time) written as text: `2021-03-05`, `03/05/2021`, `5.3.21 10:30`.
_DATE_TEXT = re.compile(
    r"\s*(?:\d{4}[-/.]\d{1,2}[-/.]\d{1,2}|\d{1,2}[-/.]\d{1,2}[-/.]\d{2,4})"
    r"(?:[ T]\d{1,2}:\d{2}\S*)?\s*"
)
#: How many of a column's distinct values are looked at to tell dates kept as text.
_DATE_SAMPLE = 200


def _dates_as_text(values: pd.Series) -> list[str] | None:
    """A few of `values` if nearly all (90%) of its distinct values are dates written as
    text, else None."""
    sample = [str(value) for value in pd.unique(values.to_numpy())[:_DATE_SAMPLE]]
    dated = [value for value in sample if _DATE_TEXT.fullmatch(value)]
    return dated if sample and len(dated) >= 0.9 * len(sample) else None


def _check_id_like(rule: Rule, name: str, series: pd.Series) -> CheckResult:
    values = series.dropna()
    if not _is_text(series):
        return _passed(rule, f"column {name!r} is not text or categories", name)
    if len(values) < ID_LIKE_MIN_ROWS:
        return _passed(rule, f"column {name!r} has {len(values)} values, too few to judge", name)
    distinct = _distinct(values)
    share = distinct / len(values)
    found = f"column {name!r} holds {distinct} distinct values in {len(values)} rows ({share:.0%})"
    dates = _dates_as_text(values)
    if dates is not None:
        return _failed(
            rule,
            f"column {name!r} holds dates kept as text ({distinct} distinct, "
            f"{_examples(dates[:EXAMPLES], 'e.g. ')}): as a feature each date is a one-hot "
            "category, and a date after training (every new row's) is one the model never "
            "saw. Drop it (the splitter's `drop:`), make it the time split's column, or "
            "parse it (the connector's `parse_dates`) and make features of it with a "
            "transformer",
            name,
        )
    if share <= rule.max_distinct_fraction:
        return _passed(rule, found, name)
    examples = _examples(pd.unique(values.to_numpy()).tolist(), "e.g. ")
    return _failed(
        rule,
        f"{found}, {examples}: an id, a date kept as text or free text rather than a "
        "category; as a feature it is one-hot encoded into a column per value. Drop it "
        "(the splitter's `drop:`), make it `settings.index`, or parse it (dates: the "
        "connector's `parse_dates`)",
        name,
    )


def _check_class_rows(rule: Rule, name: str, series: pd.Series) -> CheckResult:
    counts = series.dropna().astype(str).value_counts(sort=False)
    least = float(rule.min or 0)
    rare = counts[counts < least].sort_values(kind="stable")
    total, classes = int(counts.sum()), len(counts)
    if rare.empty:
        fewest = f" (the fewest: {int(counts.min())})" if classes else ""
        return _passed(
            rule,
            f"column {name!r}: every class of {classes} has at least {least:g} rows{fewest}",
            name,
        )
    shown = ", ".join(f"{label!r} ({int(count)})" for label, count in rare.iloc[:EXAMPLES].items())
    more = f" and {len(rare) - EXAMPLES} more" if len(rare) > EXAMPLES else ""
    verb = "has" if len(rare) == 1 else "have"
    return _failed(
        rule,
        f"column {name!r}: {len(rare)} of its {classes} classes {verb} fewer than {least:g} "
        f"rows (of {total} with a value): {shown}{more}: too few to learn a class from, or "
        "to score it; a part of the split may get none of a class, and roc_auc and pr_auc "
        "on such a part are undefined (NaN). Merge such a class into another, drop its "
        "rows, or gather more",
        name,
    )


_COLUMN_CHECKS: Mapping[str, Callable[[Rule, str, pd.Series], CheckResult]] = {
    "dtype": _check_dtype,
    "not_null": _check_not_null,
    "range": _check_range,
    "allowed_values": _check_allowed,
    "unique": _check_unique,
    "constant": _check_constant,
    "all_missing": _check_all_missing,
    "id_like": _check_id_like,
    "class_rows": _check_class_rows,
}

#: Kinds that, given no `columns`, check every column of the frame but `exclude`.
_EVERY_COLUMN = frozenset({"constant", "all_missing", "id_like"})


def _check_row_count(rule: Rule, frame: pd.DataFrame) -> CheckResult:
    rows = len(frame)
    low = rule.min is None or rows >= rule.min
    high = rule.max is None or rows <= rule.max
    message = f"the frame has {rows} rows; expected a count within {_interval(rule)}"
    return _passed(rule, message, None) if low and high else _failed(rule, message, None)


def _check_required(rule: Rule, frame: pd.DataFrame) -> tuple[CheckResult, ...]:
    return tuple(
        _passed(rule, f"column {name!r} is present", name)
        if name in frame.columns
        else _failed(rule, f"required column {name!r} is missing; {_columns_note(frame)}", name)
        for name in rule.columns
    )


def _check_every_column(
    rule: Rule, frame: pd.DataFrame, check: Callable[[Rule, str, pd.Series], CheckResult]
) -> tuple[CheckResult, ...]:
    """A rule on every column but `exclude`: a result per offending column, or one `OK`."""
    checked = [
        (str(label), column) for label, column in frame.items() if str(label) not in rule.exclude
    ]
    failed = tuple(
        result
        for result in (check(rule, name, column) for name, column in checked)
        if result.status is not Status.OK
    )
    if failed:
        return failed
    what = rule.kind.replace("_", " ")
    return (_passed(rule, f"no column of the {len(checked)} checked is {what}", None),)


def check_rule(rule: Rule, frame: pd.DataFrame) -> tuple[CheckResult, ...]:
    """One rule's results on a frame: one per listed column (one for `row_count`)."""
    if rule.kind == "row_count":
        return (_check_row_count(rule, frame),)
    if rule.kind == "required_columns":
        return _check_required(rule, frame)
    check = _COLUMN_CHECKS[rule.kind]
    if rule.kind in _EVERY_COLUMN and not rule.columns:
        return _check_every_column(rule, frame, check)
    results = []
    for name in rule.columns:
        if name not in frame.columns:
            message = f"column {name!r} is not in the frame; {_columns_note(frame)}"
            results.append(CheckResult(rule.kind, Status.ERROR, message, name))
            continue
        # Two columns may share a name: each is checked.
        results.extend(
            check(rule, name, column) for label, column in frame.items() if label == name
        )
    return tuple(results)


def rules_checker(settings: CheckerSettings) -> DataChecker:
    """Checks a frame against configured rules (columns, dtypes, missing, ranges...)."""
    check_rules(settings.rules)

    def check(frame: pd.DataFrame) -> CheckReport:
        return CheckReport(tuple(r for rule in settings.rules for r in check_rule(rule, frame)))

    return DataChecker(check=make_step(check, name="check"))


KINDS: tuple[ComponentKind, ...] = (
    make_kind(
        "rules_checker",
        CheckerSettings,
        rules_checker,
        "Checks a frame against configured rules (columns, dtypes, missing, ranges...).",
    ),
)
