"""What lolpop trusts when it loads what it wrote: types and callables, as plain data.

Design notes:

- The lists are code, never data: a loader takes them from here (plus what a user's
  settings add), never from the file or record it is loading, so a file cannot widen
  what it may construct. (MLflow reads a model's skops list from its MLmodel file;
  lolpop's MLflow registry lets it only once that file's digest is the one recorded.)
- skops (models and stored objects) trusts builtins, NumPy arrays and scikit-learn's
  estimators by default. `SKLEARN_TRUSTED_TYPES` adds what lolpop's models hold beyond
  that: scikit-learn's tree structure and NumPy's dtype (data, no code, in every tree
  model) and the two functions of lolpop's column encoder that a bundled model calls.
  `STORE_TRUSTED_TYPES` adds lolpop's own records that the store keeps (a registered
  `FittedModel` with its task class, a `FittedEncoder`).
- `FRAME_PICKLE_GLOBALS` is every global a pickled frame may name (measured with a
  recording unpickler over frames of every dtype pandas 3, NumPy 2 and pyarrow build):
  classes and reconstructors that build values from data. It holds nothing that
  imports, evaluates or unpickles, or reads a file other than the time zone database
  (a `ZoneInfo`, by name): no `pandas.read_pickle`, `numpy.load`, `builtins.eval`,
  `copyreg._reconstructor`. `builtins.getattr` is resolved by the
  store to a getattr that allows only `ZoneInfo._unpickle` (how a time zone pickles),
  and `pyarrow.lib._restore_array` to one that validates the array it rebuilds.
  Time zones of pytz and dateutil are not in it: a frame that needs them is refused
  when it is saved (pandas 3 makes `zoneinfo` zones).
- The store and the MLflow tracker both import this module, so it imports nothing.
"""

from __future__ import annotations

#: Types of scikit-learn models that skops does not trust by default but lolpop does.
SKLEARN_TRUSTED_TYPES: tuple[str, ...] = (
    "sklearn.tree._tree.Tree",
    # The trees of a HistGradientBoosting model: arrays of nodes and thresholds, no code.
    "sklearn.ensemble._hist_gradient_boosting.predictor.TreePredictor",
    "numpy.dtype",
    "lolpop.components.encoder.as_float",
    "lolpop.components.encoder.as_text",
)

#: What lolpop's store loads with skops beyond skops' defaults: models and lolpop's records.
STORE_TRUSTED_TYPES: tuple[str, ...] = (
    *SKLEARN_TRUSTED_TYPES,
    "lolpop.components.records.FittedModel",
    "lolpop.components.records.FittedEncoder",
    # A model's task, which it holds as a class (`FittedModel.task`): no instance, no code.
    "lolpop.components.records.Classification",
    "lolpop.components.records.Regression",
    "lolpop.components.records.Forecasting",
)

_OFFSETS = (
    "BusinessDay",
    "BusinessHour",
    "BusinessMonthBegin",
    "BusinessMonthEnd",
    "BQuarterBegin",
    "BQuarterEnd",
    "BYearBegin",
    "BYearEnd",
    "BHalfYearBegin",
    "BHalfYearEnd",
    "CustomBusinessDay",
    "CustomBusinessHour",
    "CustomBusinessMonthBegin",
    "CustomBusinessMonthEnd",
    "DateOffset",
    "Day",
    "Easter",
    "FY5253",
    "FY5253Quarter",
    "HalfYearBegin",
    "HalfYearEnd",
    "Hour",
    "LastWeekOfMonth",
    "Micro",
    "Milli",
    "Minute",
    "MonthBegin",
    "MonthEnd",
    "Nano",
    "QuarterBegin",
    "QuarterEnd",
    "Second",
    "SemiMonthBegin",
    "SemiMonthEnd",
    "Tick",
    "Week",
    "WeekOfMonth",
    "YearBegin",
    "YearEnd",
)

_PANDAS = (
    "DataFrame",
    "Index",
    "RangeIndex",
    "MultiIndex",
    "DatetimeIndex",
    "TimedeltaIndex",
    "PeriodIndex",
    "IntervalIndex",
    "CategoricalIndex",
    "Categorical",
    "CategoricalDtype",
    "DatetimeTZDtype",
    "PeriodDtype",
    "IntervalDtype",
    "SparseDtype",
    "StringDtype",
    "ArrowDtype",
    "BooleanDtype",
    "Float32Dtype",
    "Float64Dtype",
    "Int8Dtype",
    "Int16Dtype",
    "Int32Dtype",
    "Int64Dtype",
    "UInt8Dtype",
    "UInt16Dtype",
    "UInt32Dtype",
    "UInt64Dtype",
    "NA",
    "NaT",
    "Period",
    "Interval",
    "Timestamp",
    "Timedelta",
    "DateOffset",
)

_PANDAS_ARRAYS = (
    "ArrowExtensionArray",
    "ArrowStringArray",
    "BooleanArray",
    "DatetimeArray",
    "FloatingArray",
    "IntegerArray",
    "IntervalArray",
    "NumpyExtensionArray",
    "PeriodArray",
    "SparseArray",
    "StringArray",
    "TimedeltaArray",
)

_PYARROW = (
    "_restore_array",
    "py_buffer",
    "type_for_alias",
    "timestamp",
    "duration",
    "time32",
    "time64",
    "date32",
    "date64",
    "decimal128",
    "decimal256",
    "field",
    "list_",
    "large_list",
    "dictionary",
    "struct",
    "map_",
)

#: The (module, name) pairs a pickled frame may name, and nothing else.
FRAME_PICKLE_GLOBALS: frozenset[tuple[str, str]] = frozenset(
    {
        ("builtins", "slice"),
        ("builtins", "complex"),
        ("builtins", "range"),
        ("builtins", "getattr"),  # resolved to a getattr that allows ZoneInfo._unpickle only
        ("datetime", "date"),
        ("datetime", "datetime"),
        ("datetime", "time"),
        ("datetime", "timedelta"),
        ("datetime", "timezone"),
        ("zoneinfo", "ZoneInfo"),
        ("decimal", "Decimal"),
        ("fractions", "Fraction"),
        ("uuid", "UUID"),
        ("numpy", "dtype"),
        ("numpy", "ndarray"),
        ("numpy._core.multiarray", "_reconstruct"),
        ("numpy._core.multiarray", "scalar"),
        ("numpy._core.numeric", "_frombuffer"),
        ("pandas._libs.arrays", "__pyx_unpickle_NDArrayBacked"),
        ("pandas._libs.internals", "_unpickle_block"),
        ("pandas._libs.interval", "__pyx_unpickle_IntervalMixin"),
        ("pandas._libs.sparse", "IntIndex"),
        ("pandas._libs.sparse", "BlockIndex"),
        ("pandas._libs.tslibs.nattype", "_nat_unpickle"),
        ("pandas._libs.tslibs.timestamps", "_unpickle_timestamp"),
        ("pandas._libs.tslibs.timedeltas", "_timedelta_unpickle"),
        ("pandas.core.indexes.base", "_new_Index"),
        ("pandas.core.indexes.datetimes", "_new_DatetimeIndex"),
        ("pandas.core.indexes.timedeltas", "_new_TimedeltaIndex"),
        ("pandas.core.indexes.period", "_new_PeriodIndex"),
        ("pandas.core.indexes.interval", "_new_IntervalIndex"),
        ("pandas.core.internals.managers", "BlockManager"),
        *(("pandas", name) for name in _PANDAS),
        *(("pandas.arrays", name) for name in _PANDAS_ARRAYS),
        *(("pandas._libs.tslibs.offsets", name) for name in _OFFSETS),
        *(("pyarrow.lib", name) for name in _PYARROW),
    }
)
