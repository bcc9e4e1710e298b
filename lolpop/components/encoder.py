"""`column_encoder`: numeric columns imputed and scaled, categorical ones one-hot encoded.

Design notes:

- The encoder is a scikit-learn `ColumnTransformer`, built when `fit` sees the training
  features: which columns are numeric and which categorical is read from their dtypes
  then (bool, object, category and string columns are categorical; other numeric dtypes
  numeric), unless the settings list them. Columns that no list takes are dropped, so a
  frame may carry extra columns (ids, the target) through `transform`.
- Fitted on train only: imputation values, scaling means and the categories come from
  the frame `fit` is given, and `transform` only applies them. A category `fit` never saw
  gets all-zero one-hot columns (or the "infrequent" column when `max_categories` makes
  one); a missing value gets the imputed one. That is silent, so `unseen_categories`
  counts, per categorical column of new data, the rows holding a category the fitted
  encoder never saw (from the encoder itself, or the bundled model that holds it): the
  predict pipeline logs the counts as metrics and warns.
- Categorical values are encoded as text (`str(value)`), so a column mixing `1` and `"1"`
  or numbers and strings is one vocabulary rather than an error, and missing values
  (None, NaN, pd.NA) are all one "missing" that the imputer fills.
- Bad values are refused with a `DataError` naming the column and the rows, before
  scikit-learn sees them: an infinite value in a numeric column (or one too large to
  scale, above 1e154: its square overflows), text in a column that
  was numeric when the encoder was fitted (`as_float`, so the bundled model refuses it
  the same way in a fresh process), and, when the encoder picks the kinds itself, a text
  column whose values are numbers in nearly every row (at least 90%): a numeric column
  with a few typos, which as a categorical one would train and fail (or mislead) later.
  Listing such a column under `categorical:` says its text is meant.
- Output: a frame with the input's index and named columns (`x`, `colour_red`; prefixed
  with the transformer's name, `numeric__x`, only if two names would collide), whose
  column axis is named `lolpop.encoded` (`records.ENCODED_COLUMNS`): a model fitted on
  it predicts on encoded frames only, and a bundle of encoder and model on raw ones only
  (`FittedModel.takes`), since with numeric features only both have the same names.
- The fitted `ColumnTransformer` holds only scikit-learn objects and this module's
  functions, so it pickles (the versioning components store it).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Literal, Protocol, runtime_checkable

from attrs import frozen

from lolpop._lazy import np, pd
from lolpop.components._errors import (
    DataError,
    count_rows,
    in_rows,
    not_numbers,
    numbers_and_text,
    show_values,
    typos_among_numbers,
)
from lolpop.components._kinds import make_kind
from lolpop.components.records import (
    ENCODED_COLUMNS,
    FeatureEncoder,
    FittedEncoder,
    Labelled,
)
from lolpop.config.registry import ComponentKind
from lolpop.core.decorator import make_step
from lolpop.errors import DefinitionError

if TYPE_CHECKING:
    from sklearn.compose import ColumnTransformer


@frozen
class EncoderSettings:
    """`type: column_encoder`: which columns are which, and how each kind is encoded."""

    #: Numeric columns; None: every numeric column that no other list takes.
    numeric: tuple[str, ...] | None = None
    #: Categorical columns; None: every bool, object, category and string column left.
    categorical: tuple[str, ...] | None = None
    #: Columns copied to the output unchanged.
    passthrough: tuple[str, ...] = ()
    #: Columns left out of the output.
    drop: tuple[str, ...] = ()
    #: How a missing numeric value is filled (`constant`: with 0).
    impute_numeric: Literal["mean", "median", "most_frequent", "constant"] = "median"
    #: Standardize numeric columns (to the training mean and standard deviation).
    scale: bool = True
    #: `constant` fills a missing category with the category "missing".
    impute_categorical: Literal["most_frequent", "constant"] = "most_frequent"
    #: At most this many one-hot columns per categorical column, the rarest categories
    #: (and unseen ones) sharing an "infrequent" column; None: one column per category.
    max_categories: int | None = None


@runtime_checkable
class _Transformer(Protocol):
    def transform(self, X: pd.DataFrame, /) -> pd.DataFrame: ...


#: The largest number the encoder scales: the square root of the largest float64 (a
#: standard deviation squares its values; 1e308, a common placeholder, overflows).
_LARGEST = 1e154


def as_float(frame: pd.DataFrame) -> pd.DataFrame:
    """Numeric columns as float64, missing values as NaN (nullable dtypes hold pd.NA).

    Text in a numeric column, infinite values and numbers too large to scale are refused
    with a `DataError` naming the column and the rows (scikit-learn would refuse them
    unnamed, or not at all).
    """
    try:
        values = frame.astype("float64")
    except (TypeError, ValueError) as error:
        for name in frame.columns:
            text = not_numbers(frame[name])
            if text.any():
                count = int(text.sum())
                raise DataError(
                    f"the column {str(name)!r} was numeric when the encoder was fitted, but "
                    f"holds text in {count_rows(count)} of {len(frame)} here "
                    f"({show_values(frame[name][text].tolist())}; index "
                    f"{show_values(frame.index[text.to_numpy()].tolist())}). Fix or drop "
                    "those rows; leave a value out (empty) to have it imputed.",
                    column=str(name),
                    rows=count,
                ) from error
        raise DataError(f"the numeric columns cannot be read as numbers: {error}") from error
    for name in values.columns:
        numbers = values[name].to_numpy()
        infinite = np.isinf(numbers)
        if infinite.any():
            count = int(infinite.sum())
            raise DataError(
                f"the numeric column {str(name)!r} is infinite in "
                f"{in_rows(infinite, values.index)}; the "
                "encoder imputes missing values but cannot scale an infinite one. Replace "
                "them (with an empty value to have them imputed) or drop those rows.",
                column=str(name),
                rows=count,
            )
        huge = np.abs(numbers) > _LARGEST
        if huge.any():
            raise DataError(
                f"the numeric column {str(name)!r} holds a number too large to scale in "
                f"{in_rows(huge, values.index)}: {show_values(numbers[huge].tolist())} (its "
                "square overflows: scaled, it would be missing in every row). It is likely a "
                "placeholder for a missing value: replace it with an empty value to have "
                "it imputed, or drop those rows.",
                column=str(name),
                rows=int(huge.sum()),
            )
    return values


def as_text(frame: pd.DataFrame) -> pd.DataFrame:
    """Categorical columns as text objects, every kind of missing value as NaN."""
    values = frame.astype(object)
    present = values.notna()
    # A string column's values are text already (`str`, pandas' default for text); the
    # others are made text by `str()`, the round trip that costs most of this function.
    others = [i for i, dtype in enumerate(frame.dtypes) if not isinstance(dtype, pd.StringDtype)]
    if others:
        values.iloc[:, others] = values.iloc[:, others].astype(str).astype(object)
    return values.where(present, np.nan)


def _some(names: Sequence[str], limit: int = 8) -> str:
    """`names` for a message: the first `limit` of them, and how many there are in all."""
    shown = ", ".join(names[:limit])
    return shown if len(names) <= limit else f"{shown}, ... ({len(names)} in all)"


def _is_categorical(column: pd.Series) -> bool:
    dtype = column.dtype
    return (
        pd.api.types.is_bool_dtype(dtype)
        or pd.api.types.is_object_dtype(dtype)
        or pd.api.types.is_string_dtype(dtype)
        or isinstance(dtype, pd.CategoricalDtype)
    )


def _is_numeric(column: pd.Series) -> bool:
    dtype = column.dtype
    return pd.api.types.is_numeric_dtype(dtype) and not pd.api.types.is_bool_dtype(dtype)


def _check_settings(settings: EncoderSettings) -> None:
    lists = {
        "numeric": settings.numeric or (),
        "categorical": settings.categorical or (),
        "passthrough": settings.passthrough,
        "drop": settings.drop,
    }
    owner: dict[str, str] = {}
    for label, columns in lists.items():
        for column in columns:
            if column in owner:
                where = (
                    f"twice in {label!r}"
                    if owner[column] == label
                    else f"in both {owner[column]!r} and {label!r}"
                )
                raise DefinitionError(
                    f"the column {column!r} is listed {where}; list each column in one of "
                    "numeric, categorical, passthrough and drop."
                )
            owner[column] = label
    if settings.max_categories is not None and settings.max_categories < 2:
        raise DefinitionError(
            f"max_categories is {settings.max_categories}; it must be at least 2 (or null)."
        )


def _column_names(frame: pd.DataFrame) -> tuple[str, ...]:
    names: list[object] = list(frame.columns)
    odd = [c for c in names if not isinstance(c, str)]
    if odd:
        raise DataError(
            f"the encoder needs text column names; these are not: {', '.join(map(repr, odd))}."
        )
    if frame.columns.has_duplicates:
        twice = sorted({str(c) for c in frame.columns[frame.columns.duplicated()]})
        raise DataError(
            f"the features have more than one column named {', '.join(map(repr, twice))}; "
            "give each column its own name.",
            column=twice[0],
        )
    return tuple(str(c) for c in frame.columns)


def _check_not_text_among_numbers(frame: pd.DataFrame, columns: Sequence[str]) -> None:
    """Refuse a text column (of those the encoder would take as categorical by their
    dtype) that holds numbers in nearly every row: a numeric column with a few typos.

    Taken as categorical, it would train (every number a category) and fail later, or
    quietly predict badly; listing it under `categorical:` says the text is meant.
    """
    for name in columns:
        column = frame[name]
        if isinstance(column.dtype, pd.CategoricalDtype) or pd.api.types.is_bool_dtype(
            column.dtype
        ):
            continue
        text = typos_among_numbers(column)
        if not text.any():
            continue
        raise DataError(
            f"the column {name!r} holds {numbers_and_text(column, text)}: it looks numeric "
            "with a few mistaken values. Fix or drop those rows (leave a value empty to have it "
            "imputed), or list the column under `categorical:` if its values are categories.",
            column=name,
            rows=int(text.sum()),
        )


def _is_dates(column: pd.Series) -> bool:
    dtype = column.dtype  # datetimes, with or without a zone, and periods
    return pd.api.types.is_datetime64_any_dtype(dtype) or isinstance(dtype, pd.PeriodDtype)


def _choose(
    settings: EncoderSettings, frame: pd.DataFrame
) -> tuple[list[str], list[str], list[str]]:
    """The numeric, categorical and passthrough columns of `frame`, in its order."""
    names = _column_names(frame)
    listed = [
        *(settings.numeric or ()),
        *(settings.categorical or ()),
        *settings.passthrough,
        *settings.drop,
    ]
    absent = [c for c in listed if c not in names]
    if absent:
        raise DataError(
            f"the encoder's settings name columns that the training features lack: "
            f"{', '.join(map(repr, absent))} (columns: {_some(names)})."
        )
    free = [c for c in names if c not in listed]
    numeric = set(settings.numeric or ())
    categorical = set(settings.categorical or ())
    if settings.numeric is None:
        numeric = {c for c in free if _is_numeric(frame[c])}
    if settings.categorical is None:
        categorical = {c for c in free if _is_categorical(frame[c])}
        _check_not_text_among_numbers(frame, [c for c in names if c in categorical])
    if settings.numeric is None and settings.categorical is None:
        unknown = [c for c in free if c not in numeric | categorical]
        dates = [c for c in unknown if _is_dates(frame[c])]
        if dates:
            kinds = ", ".join(f"{c!r} ({frame[c].dtype})" for c in dates)
            raise DataError(
                f"the encoder does not encode dates: {kinds}. A date is no feature by "
                "itself (every later date is one the model never saw): list it under "
                "`drop:` (the encoder's or the splitter's), make it the time split's "
                "column, or make features of it (month, day of week...) with a transformer.",
                column=dates[0],
            )
        if unknown:
            kinds = ", ".join(f"{c!r} ({frame[c].dtype})" for c in unknown)
            raise DataError(
                f"the encoder cannot tell whether these columns are numeric or categorical: "
                f"{kinds}; list them under numeric, categorical, passthrough or drop.",
                column=unknown[0],
            )
    for column in sorted(numeric):
        if not _is_numeric(frame[column]) and not pd.api.types.is_bool_dtype(frame[column]):
            raise DataError(
                f"the column {column!r} is listed as numeric but holds {frame[column].dtype} "
                "values; list it as categorical, or convert it first."
            )
    passthrough = set(settings.passthrough)
    return (
        [c for c in names if c in numeric],
        [c for c in names if c in categorical],
        [c for c in names if c in passthrough],
    )


def _column_transformer(
    settings: EncoderSettings,
    numeric: Sequence[str],
    categorical: Sequence[str],
    passthrough: Sequence[str],
    verbose: bool,
) -> object:
    from sklearn.compose import ColumnTransformer  # noqa: PLC0415 (heavy: imported on use)
    from sklearn.impute import SimpleImputer  # noqa: PLC0415 (heavy: imported on use)
    from sklearn.pipeline import Pipeline  # noqa: PLC0415 (heavy: imported on use)
    from sklearn.preprocessing import (  # noqa: PLC0415 (heavy: imported on use)
        FunctionTransformer,
        OneHotEncoder,
        StandardScaler,
    )

    numeric_steps: list[tuple[str, object]] = [
        ("float", FunctionTransformer(as_float, feature_names_out="one-to-one")),
        (
            "impute",
            SimpleImputer(
                strategy=settings.impute_numeric, fill_value=0.0, keep_empty_features=True
            ),
        ),
    ]
    if settings.scale:
        numeric_steps.append(("scale", StandardScaler()))
    onehot = OneHotEncoder(
        handle_unknown="ignore" if settings.max_categories is None else "infrequent_if_exist",
        sparse_output=False,
        max_categories=settings.max_categories,
    )
    categorical_steps: list[tuple[str, object]] = [
        ("text", FunctionTransformer(as_text, feature_names_out="one-to-one")),
        (
            "impute",
            SimpleImputer(
                strategy=settings.impute_categorical,
                fill_value="missing",
                keep_empty_features=True,
            ),
        ),
        ("onehot", onehot),
    ]
    parts: list[tuple[str, object, Sequence[str]]] = []
    if numeric:
        parts.append(("numeric", Pipeline(numeric_steps), list(numeric)))
    if categorical:
        parts.append(("categorical", Pipeline(categorical_steps), list(categorical)))
    if passthrough:
        parts.append(("passthrough", "passthrough", list(passthrough)))
    transformer = ColumnTransformer(parts, remainder="drop", verbose_feature_names_out=verbose)
    return transformer.set_output(transform="pandas")


def _selected(frame: pd.DataFrame, columns: tuple[str, ...]) -> pd.DataFrame:
    """`frame`'s `columns`, in that order: the frame itself when it is exactly those
    (selecting them would copy every column)."""
    if tuple(frame.columns) == columns:
        return frame
    return frame[list(columns)]


def _parts(transformer: object) -> list[slice]:
    """The output columns of each part of a fitted `ColumnTransformer` (its documented
    `output_indices_`), empty parts left out; none for another transformer."""
    indices: object = getattr(transformer, "output_indices_", None)
    if not isinstance(indices, dict):
        return []
    return [part for part in indices.values() if isinstance(part, slice) and part.stop > part.start]


def _side_by_side(out: pd.DataFrame, parts: Sequence[slice]) -> np.ndarray | None:
    """`out`'s values, one row after another (C order), copied part by part; None unless
    the parts cover its columns in order and it holds one NumPy dtype."""
    dtype = out.dtypes.iloc[0]
    columns = len(out.columns)
    tiles = [(part.start, part.stop) for part in parts]
    if not isinstance(dtype, np.dtype) or [0, *(stop for _, stop in tiles)] != [
        *(start for start, _ in tiles),
        columns,
    ]:
        return None
    values = np.empty((len(out), columns), dtype=dtype)
    for part in parts:
        # A part is one block of `out`: its values are a view, copied once into place.
        values[:, part] = out.iloc[:, part].to_numpy()
    return values


def _as_frame(
    out: object, columns: tuple[str, ...], index: pd.Index, parts: Sequence[slice] = ()
) -> pd.DataFrame:
    """The transformer's output as the encoder's frame: its columns named `columns`, at
    `index` (`parts`: the output columns of each of its parts). The transformer gives a
    frame (pandas output); an array (a transformer pickled without pandas output) is
    wrapped without a copy."""
    if isinstance(out, pd.DataFrame):
        if len(out.columns) and (out.dtypes == out.dtypes.iloc[0]).all():
            # One dtype (no passthrough column): made one 2-D block, by one copy. The
            # transformer's output is its parts side by side, a block each, and every
            # estimator that reads it would copy them into one array (fit, predict,
            # predict_proba each); one block they read without a copy. Of two or more
            # parts it is copied into rows (C order), the order LogisticRegression
            # and other linear models read (they would copy a frame's column order,
            # the whole training split at fit); one part is handed back as it is.
            values = _side_by_side(out, parts) if len(parts) > 1 else None
            if values is None:
                values = out.to_numpy()
            return pd.DataFrame(values, columns=_named(columns), index=index, copy=False)
        if out.index is not index:
            out = out.set_axis(index, axis=0)
        return out.set_axis(_named(columns), axis=1)
    return pd.DataFrame(np.asarray(out), columns=_named(columns), index=index, copy=False)


def _named(columns: tuple[str, ...]) -> pd.Index:
    """The encoder's output columns, their axis saying an encoder made them (a model
    fitted on them predicts on such frames only, `FittedModel.takes`)."""
    return pd.Index(list(columns), name=ENCODED_COLUMNS)


def _fit_transform(
    settings: EncoderSettings, frame: pd.DataFrame
) -> tuple[FittedEncoder, pd.DataFrame]:
    """The encoder fitted on `frame`, and `frame` encoded by it, from one pass (a
    `ColumnTransformer`'s `fit` computes its output and drops it)."""
    numeric, categorical, passthrough = _choose(settings, frame)
    inputs = tuple(c for c in frame.columns if c in {*numeric, *categorical, *passthrough})
    if not inputs:
        raise DataError(
            "the encoder has no columns to encode: the training features have "
            f"{len(frame.columns)} columns and the settings leave none of them."
        )
    if len(frame) == 0:
        raise DataError("the encoder cannot be fitted on training features with no rows.")
    selected = _selected(frame, inputs)
    try:
        transformer, out = _fitted(settings, (numeric, categorical, passthrough), selected, False)
    except ValueError as error:
        # Short names (`colour_red`) may collide (a column named `colour_red` too): then
        # every name gets its transformer's prefix (`categorical__colour_red`).
        if "not unique" not in str(error):
            raise
        transformer, out = _fitted(settings, (numeric, categorical, passthrough), selected, True)
    outputs = tuple(str(name) for name in transformer.get_feature_names_out())
    fitted = FittedEncoder(transformer=transformer, inputs=inputs, outputs=outputs)
    return fitted, _as_frame(out, outputs, frame.index, _parts(transformer))


@runtime_checkable
class _FitTransformer(Protocol):
    def fit_transform(self, X: pd.DataFrame, /) -> object: ...


def _fitted(
    settings: EncoderSettings,
    kinds: tuple[Sequence[str], Sequence[str], Sequence[str]],
    frame: pd.DataFrame,
    verbose: bool,
) -> tuple[ColumnTransformer, object]:
    """A column transformer for the `kinds` (numeric, categorical, passthrough columns)
    fitted on `frame`, and its output for `frame`."""
    from sklearn.compose import ColumnTransformer  # noqa: PLC0415 (heavy: imported on use)

    transformer = _column_transformer(settings, *kinds, verbose)
    assert isinstance(transformer, ColumnTransformer)
    assert isinstance(transformer, _FitTransformer)  # scikit-learn's; the stub lacks it
    return transformer, transformer.fit_transform(frame)


def _transform(encoder: FittedEncoder, frame: pd.DataFrame) -> pd.DataFrame:
    missing = [c for c in encoder.inputs if c not in frame.columns]
    if missing:
        raise DataError(
            f"the frame to encode lacks the column{'s' if len(missing) > 1 else ''} "
            f"{', '.join(map(repr, missing))}, which the encoder was fitted on "
            f"(fitted columns: {_some(encoder.inputs)})."
        )
    transformer = encoder.transformer
    if not isinstance(transformer, _Transformer):
        raise DataError(
            f"the fitted encoder holds a {type(transformer).__name__}, which has no "
            "transform method; fit it with this encoder's fit step."
        )
    out = transformer.transform(_selected(frame, encoder.inputs))
    return _as_frame(out, encoder.outputs, frame.index, _parts(transformer))


@frozen
class UnseenCategories:
    """The rows of one categorical column holding a category the encoder never saw."""

    column: str
    #: Rows holding such a category (missing values are not counted: they are imputed).
    rows: int
    #: Of how many rows.
    of: int
    #: Some of the unseen categories (as text), the most frequent first.
    values: tuple[str, ...] = ()

    def to_text(self) -> str:
        """`column 'city': 5 rows of 40 hold categories never seen in training ('x')`."""
        return (
            f"column {self.column!r}: {count_rows(self.rows)} of {self.of} hold categories "
            f"never seen in training ({show_values(self.values)})"
        )


def _column_transformer_in(model: object) -> ColumnTransformer | None:
    """The column encoder's transformer in `model`: itself, or a pipeline's step."""
    from sklearn.compose import ColumnTransformer  # noqa: PLC0415 (heavy: imported on use)
    from sklearn.pipeline import Pipeline  # noqa: PLC0415 (heavy: imported on use)

    if isinstance(model, ColumnTransformer):
        return model
    if isinstance(model, Pipeline):
        for _, part in model.steps:
            if isinstance(part, ColumnTransformer):
                return part
    return None


def _categorical_part(transformer: ColumnTransformer) -> tuple[list[str], list[object]]:
    """The categorical columns of a fitted column encoder, and each one's categories."""
    from sklearn.pipeline import Pipeline  # noqa: PLC0415 (heavy: imported on use)
    from sklearn.preprocessing import OneHotEncoder  # noqa: PLC0415 (heavy: imported on use)

    part = transformer.named_transformers_.get("categorical")
    onehot = part.named_steps.get("onehot") if isinstance(part, Pipeline) else None
    # `transformers_` (name, fitted, columns): scikit-learn's, read as it is documented.
    fitted: object = getattr(transformer, "transformers_", ())
    columns: list[str] = []
    if isinstance(fitted, list):
        for entry in fitted:
            if isinstance(entry, tuple) and len(entry) == 3 and entry[0] == "categorical":
                columns = [str(name) for name in entry[2]]
    if not isinstance(onehot, OneHotEncoder) or len(columns) != len(onehot.categories_):
        return [], []
    return columns, list(onehot.categories_)


def unseen_categories(model: object, frame: pd.DataFrame) -> tuple[UnseenCategories, ...]:
    """Per categorical column of the column encoder in `model` (a fitted encoder's
    transformer, or a bundled model whose first step is one), the rows of `frame` that
    hold a category the encoder never saw when it was fitted; none for a model that holds
    no column encoder (another trainer's), or columns `frame` lacks.

    >>> encoder = column_encoder().fit(
    ...     Labelled(pd.DataFrame({"city": ["a", "b", "a"]}), pd.Series([1, 2, 3]))
    ... )
    >>> unseen_categories(encoder.transformer, pd.DataFrame({"city": ["a", "c", None]}))
    (UnseenCategories(column='city', rows=1, of=3, values=('c',)),)
    """
    transformer = _column_transformer_in(model)
    if transformer is None:
        return ()
    columns, categories = _categorical_part(transformer)
    found = []
    for name, known in zip(columns, categories, strict=True):
        if name not in frame.columns:
            continue
        values = as_text(frame[[name]])[name]
        unseen = values.notna() & ~values.isin(list(np.asarray(known, dtype=object)))
        counts = values[unseen].value_counts()
        shown = tuple(str(value) for value in counts.index[:5])
        found.append(UnseenCategories(name, int(unseen.sum()), len(frame), shown))
    return tuple(found)


def column_encoder(settings: EncoderSettings = EncoderSettings()) -> FeatureEncoder:
    """Impute and scale numeric columns, impute and one-hot encode categorical ones."""
    _check_settings(settings)

    def fit(data: Labelled) -> FittedEncoder:
        return _fit_transform(settings, data.features)[0]

    def fit_transform(data: Labelled) -> tuple[FittedEncoder, pd.DataFrame]:
        return _fit_transform(settings, data.features)

    def transform(pair: tuple[FittedEncoder, pd.DataFrame]) -> pd.DataFrame:
        encoder, frame = pair
        return _transform(encoder, frame)

    return FeatureEncoder.fused(
        make_step(
            fit, name="fit_encoder", description="fit the column encoder on training features"
        ),
        make_step(transform, name="encode", description="encode a frame with a fitted encoder"),
        make_step(
            fit_transform,
            name="fit_encoder",
            description="fit the column encoder on training features and encode them",
        ),
    )


KINDS: tuple[ComponentKind, ...] = (make_kind("column_encoder", EncoderSettings, column_encoder),)
