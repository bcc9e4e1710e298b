"""`permutation_explainer`: global permutation importance, and exact per-row contributions.

Design notes:

- `importance` is scikit-learn's permutation importance: the mean drop of the model's
  score (its own `score`, or `scoring`) when one column is shuffled, over `n_repeats`
  shuffles, on at most `max_rows` rows drawn with `seed`. It works for any fitted model,
  and is sorted most important first (ties keep the order the model was fitted on).
  A scikit-learn `Pipeline` (how lolpop registers a model: the fitted encoder, then the
  estimator) is scored whole, so importance is of the raw input columns it lists.
- `explain` splits each row's prediction into one contribution per feature plus a
  `base`, so that `contributions.sum(axis=1)` (the features and `base`) equals the
  number the model computes for that row, to float rounding. Which number:

  - linear models (anything with `coef_` and `intercept_`): the linear predictor
    `x . coef + intercept`, that is `predict` of a linear regressor, `decision_function`
    of a linear classifier (the positive class `classes_[1]` when there are two classes,
    the predicted class's row of `coef_` when there are more), and the link-space
    prediction of a generalised linear model (Poisson, Gamma, Tweedie). Contribution
    `coef_j * x_j`, base `intercept`: the reference is a zero input, not an average row.
    The fitted model does not keep its training mean, and a mean over the explained frame
    would make one row's explanation depend on which rows came with it. With the zero
    reference a contribution's size depends on where a feature's zero lies: standardise
    features before fitting to read contributions as "pushes from the average".
  - decision trees, random forests and extra trees: Saabas path contributions. Along the
    path from the root to the row's leaf, each split moves the node value (the class
    proportion for classifiers, the mean for regressors) and that move is credited to the
    split's feature; the base is the root's value (the training average). Forests
    average over their trees. Classifiers explain the probability of the positive class
    `classes_[1]` (two classes) or of the predicted class (more), regressors `predict`.
  - gradient boosting: the same paths over every stage, scaled by the learning rate;
    the base is the initial estimate plus the stages' root values. It explains the raw
    score: `predict` of a regressor, `decision_function` (log-odds) of a classifier,
    whose probability is a nonlinear function of it and cannot be split additively.

  Any other model is refused with a `DefinitionError` naming its class: no other method
  here is exact, and an approximate split presented as exact would mislead. Every row is
  explained on its own, so explaining part of a frame gives that part of the explanation.
- A `Pipeline` is explained as its final step, by the rules above, on what its earlier
  steps (transformers, such as lolpop's fitted column encoder) make of the model's raw
  columns: the output has one column per encoded feature (`x`, `colour_red`, ...) plus
  `base`, and sums to the final step's number. A one-hot feature's contribution is then
  that of being (or not being) in its category; an encoded feature's contributions are
  not added back into their raw column, since a split over encoded features is the one
  the model actually computes. A pipeline whose final step is none of the models above
  is refused like that model.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Protocol, TypeAlias, cast, runtime_checkable

from attrs import evolve, frozen

from lolpop._lazy import np, pd
from lolpop.components._errors import DataError
from lolpop.components._kinds import make_kind
from lolpop.components.records import (
    Classification,
    Estimator,
    FittedModel,
    Importance,
    Labelled,
    ModelExplainer,
    TaskKind,
)
from lolpop.config.registry import ComponentKind
from lolpop.core.decorator import make_step
from lolpop.errors import DefinitionError

if TYPE_CHECKING:
    import numpy.typing as npt
    from sklearn.ensemble import GradientBoostingClassifier, GradientBoostingRegressor
    from sklearn.pipeline import Pipeline
    from sklearn.tree import BaseDecisionTree, DecisionTreeRegressor

_Floats: TypeAlias = "npt.NDArray[np.float64]"
_Positions: TypeAlias = "npt.NDArray[np.intp]"

#: The column of `explain`'s output that holds what the features do not explain.
BASE = "base"


@frozen
class ExplainerSettings:
    """`permutation_explainer`: how permutation importance samples and scores."""

    #: Shuffles per column; the importance is their mean.
    n_repeats: int = 5
    #: Seeds the shuffles and the rows drawn (the same seed, the same importance).
    seed: int = 0
    #: A scikit-learn scorer name (`roc_auc`, `r2`, ...); None: the model's `score`.
    scoring: str | None = None
    #: Rows drawn (with `seed`) for importance; None: every row.
    max_rows: int | None = 2000


@runtime_checkable
class _Linear(Protocol):
    """A fitted linear model: what `explain` reads of it."""

    @property
    def coef_(self) -> object: ...
    @property
    def intercept_(self) -> object: ...


def permutation_explainer(settings: ExplainerSettings) -> ModelExplainer:
    """Permutation importance on labelled data, and exact contributions per row."""
    _check_settings(settings)

    def importance(inputs: tuple[FittedModel[TaskKind], Labelled]) -> Importance:
        """Permutation importance of each feature, most important first."""
        model, data = inputs
        return permutation_importance_of(model, data, settings)

    def explain(inputs: tuple[FittedModel[TaskKind], pd.DataFrame]) -> pd.DataFrame:
        """Each row's prediction split into feature contributions and a base."""
        model, frame = inputs
        return contributions(model, frame)

    task = None if settings.scoring is None else scorer_task(settings.scoring)
    return ModelExplainer(
        importance=make_step(importance, name="importance"),
        explain=make_step(explain, name="explain"),
        scoring=None if settings.scoring is None or task is None else (settings.scoring, task),
    )


def scorer_task(name: str) -> str | None:
    """The task a scikit-learn scorer scores (`classification`, `regression`), read from
    where its metric is defined; None when it is neither (a clustering score)."""
    from sklearn.metrics import get_scorer  # noqa: PLC0415 (heavy: imported on use)

    module = getattr(getattr(get_scorer(name), "_score_func", None), "__module__", "")
    if module.endswith(("._classification", "._ranking")):
        return "classification"
    return "regression" if module.endswith("._regression") else None


def _check_settings(settings: ExplainerSettings) -> None:
    if settings.n_repeats < 1:
        raise DefinitionError(
            f"permutation_explainer: n_repeats must be at least 1, not {settings.n_repeats}."
        )
    if settings.max_rows is not None and settings.max_rows < 1:
        raise DefinitionError(
            "permutation_explainer: max_rows must be at least 1 (or null for every row), "
            f"not {settings.max_rows}."
        )
    if settings.scoring is not None:
        from sklearn.metrics import get_scorer_names  # noqa: PLC0415 (heavy: imported on use)

        if settings.scoring not in get_scorer_names():
            raise DefinitionError(
                f"permutation_explainer: scoring {settings.scoring!r} is not a scikit-learn "
                "scorer name; use one of sklearn.metrics.get_scorer_names() (e.g. 'accuracy', "
                "'roc_auc', 'r2', 'neg_mean_squared_error'), or null for the model's score."
            )


def model_features(model: FittedModel[TaskKind], frame: pd.DataFrame) -> pd.DataFrame:
    """The model's feature columns of `frame`, in the order it was fitted on."""
    missing = [name for name in model.features if name not in frame.columns]
    if missing:
        raise DataError(
            f"the frame has no column {', '.join(map(repr, missing))}, which the model was "
            f"fitted on (it uses {', '.join(map(repr, model.features))}); the frame has "
            f"{', '.join(map(repr, map(str, frame.columns))) or 'no columns'}."
        )
    return frame[list(model.features)]


def permutation_importance_of(
    model: FittedModel[TaskKind], data: Labelled, settings: ExplainerSettings
) -> Importance:
    """The mean score drop when each feature is shuffled, most important first."""
    from sklearn.inspection import permutation_importance  # noqa: PLC0415 (heavy: imported on use)

    features = model_features(model, data.features)
    target = data.target
    if len(features) == 0:
        raise DataError("permutation importance needs labelled rows; the frame has none.")
    if settings.max_rows is not None and len(features) > settings.max_rows:
        drawn = np.random.default_rng(settings.seed).choice(
            len(features), size=settings.max_rows, replace=False
        )
        rows = np.sort(drawn)
        features, target = features.iloc[rows], target.iloc[rows]
    result = permutation_importance(
        model.estimator,
        features,
        target,
        scoring=settings.scoring,
        n_repeats=settings.n_repeats,
        random_state=settings.seed,
    )
    means = result.importances_mean
    # A stable sort on the negated means: ties keep the fitted order.
    order = np.argsort(-means, kind="stable")
    method = "permutation" if settings.scoring is None else f"permutation ({settings.scoring})"
    return Importance(method=method, values={model.features[i]: float(means[i]) for i in order})


# --- contributions -----------------------------------------------------------------


def contributions(model: FittedModel[TaskKind], frame: pd.DataFrame) -> pd.DataFrame:
    """Per-row contributions of each feature, and `base`; each row sums to the prediction.

    The explained number is the model's linear predictor (linear models), its
    probability of the positive or predicted class (tree classifiers and forests), its
    prediction (tree regressors) or its raw score (gradient boosting): see the module
    notes. A `Pipeline` is explained as its final step on the features its earlier steps
    make, one column per encoded feature. The result keeps `frame`'s index.
    """
    features = model_features(model, frame)
    model, features = _final_step(model, features)
    if BASE in model.features:
        raise DefinitionError(
            f"explain names its base column {BASE!r}, and the model has a feature of that "
            "name too; rename the feature before fitting to explain this model."
        )
    columns = [*model.features, BASE]
    if len(features) == 0:
        return pd.DataFrame(np.zeros((0, len(columns))), index=frame.index.copy(), columns=columns)
    estimator = model.estimator
    parts = _tree_contributions(model, estimator, features)
    if parts is None:
        if not isinstance(estimator, _Linear):
            raise DefinitionError(
                "per-row contributions need a linear model (with coef_ and intercept_) or a "
                "tree model (a decision tree, random forest, extra trees or gradient "
                f"boosting); the model is a {type(estimator).__name__}. Importance works "
                "for any model."
            )
        parts = _linear_contributions(model, estimator, features)
    values, base = parts
    table = np.column_stack([values, base])
    return pd.DataFrame(table, index=frame.index.copy(), columns=columns)


def _final_step(
    model: FittedModel[TaskKind], features: pd.DataFrame
) -> tuple[FittedModel[TaskKind], pd.DataFrame]:
    """What explain splits: the model on `features`, or a `Pipeline`'s final step on the
    features its earlier steps make (the model then lists the encoded feature names)."""
    from sklearn.pipeline import Pipeline  # noqa: PLC0415 (heavy: imported on use)

    pipeline = model.estimator
    if not isinstance(pipeline, Pipeline):
        return model, features
    final = pipeline.steps[-1][1]
    if len(pipeline.steps) == 1:
        encoded = features
    else:
        head = pipeline[:-1]
        if len(features) == 0:
            # Transformers refuse empty frames; the names are known without one.
            names = [str(name) for name in head.get_feature_names_out()]
            encoded = pd.DataFrame(np.zeros((0, len(names))), index=features.index, columns=names)
        else:
            encoded = _as_frame(head, head.transform(features), features.index)
    # The final step is used as the model was: a predictor with the pipeline's task and
    # classes; whether explain can split it is checked as for any model.
    inner = evolve(
        model,
        estimator=cast("Estimator", final),
        features=tuple(str(name) for name in encoded.columns),
    )
    return inner, encoded


def _as_frame(head: Pipeline, out: object, index: pd.Index) -> pd.DataFrame:
    """The transformers' output as a frame with the input's index and the output names."""
    if isinstance(out, pd.DataFrame):
        frame = out
    else:
        toarray = getattr(out, "toarray", None)  # a sparse matrix
        matrix = np.asarray(toarray() if callable(toarray) else out)
        names = [str(name) for name in head.get_feature_names_out()]
        frame = pd.DataFrame(matrix, columns=names)
    if len(frame) != len(index):
        raise DataError(
            f"the pipeline's transformers made {len(frame)} rows of {len(index)}; explain "
            "needs one encoded row per input row."
        )
    return frame.set_axis(index, axis=0)


def _numbers(features: pd.DataFrame, *, allow_missing: bool) -> _Floats:
    """The features as a float matrix; a column that is not numeric is refused by name."""
    for name in features.columns:
        dtype = features[name].dtype
        if not (pd.api.types.is_numeric_dtype(dtype) or pd.api.types.is_bool_dtype(dtype)):
            raise DataError(
                f"explain needs numeric features; column {name!r} holds {dtype} values. "
                "Encode it (a feature encoder) before fitting and explaining."
            )
    matrix = features.to_numpy(dtype=np.float64, na_value=np.nan)
    if not allow_missing:
        holes = [
            name
            for name, hole in zip(features.columns, np.isnan(matrix).any(axis=0), strict=True)
            if hole
        ]
        if holes:
            raise DataError(
                "a linear model cannot be explained on missing values; column(s) "
                f"{', '.join(map(repr, holes))} have some. Impute them before explaining."
            )
    return matrix


def _explained_classes(model: FittedModel[TaskKind], features: pd.DataFrame) -> _Positions:
    """Which class each row explains (its position): the positive one of two, else the
    predicted one."""
    classes = list(getattr(model.estimator, "classes_", model.classes))
    if len(classes) <= 2:
        return np.full(len(features), len(classes) - 1, dtype=np.intp)
    predicted = np.asarray(model.estimator.predict(features))
    positions: _Positions = pd.Index(classes).get_indexer(predicted).astype(np.intp)
    return positions


def _linear_contributions(
    model: FittedModel[TaskKind], estimator: _Linear, features: pd.DataFrame
) -> tuple[_Floats, _Floats]:
    x = _numbers(features, allow_missing=False)
    coef = np.atleast_2d(np.asarray(estimator.coef_, dtype=np.float64))
    if coef.shape[1] != x.shape[1]:
        raise DefinitionError(
            f"the {type(estimator).__name__}'s coef_ has {coef.shape[1]} columns, and the "
            f"model lists {x.shape[1]} features; explain needs one coefficient per feature."
        )
    intercept = np.broadcast_to(
        np.atleast_1d(np.asarray(estimator.intercept_, dtype=np.float64)), (coef.shape[0],)
    )
    if coef.shape[0] == 1:
        rows = np.zeros(len(x), dtype=np.intp)
    elif model.task is Classification:
        rows = _explained_classes(model, features)
    else:
        raise DefinitionError(
            f"the {type(estimator).__name__} predicts {coef.shape[0]} targets; explain "
            "splits the prediction of a single-target model."
        )
    return coef[rows] * x, intercept[rows]


def _tree_contributions(
    model: FittedModel[TaskKind], estimator: object, features: pd.DataFrame
) -> tuple[_Floats, _Floats] | None:
    """Saabas contributions of a tree model, or None when `estimator` is not one."""
    from sklearn.ensemble import (  # noqa: PLC0415 (heavy: imported on use)
        ExtraTreesClassifier,
        ExtraTreesRegressor,
        GradientBoostingClassifier,
        GradientBoostingRegressor,
        RandomForestClassifier,
        RandomForestRegressor,
    )
    from sklearn.tree import (  # noqa: PLC0415 (heavy: imported on use)
        DecisionTreeClassifier,
        DecisionTreeRegressor,
    )

    trees: Sequence[BaseDecisionTree]
    if isinstance(estimator, DecisionTreeClassifier | DecisionTreeRegressor):
        trees = [estimator]
    elif isinstance(
        estimator,
        RandomForestClassifier | RandomForestRegressor | ExtraTreesClassifier | ExtraTreesRegressor,
    ):
        trees = list(estimator.estimators_)
    elif isinstance(estimator, GradientBoostingClassifier | GradientBoostingRegressor):
        return _boosted_contributions(model, estimator, features)
    else:
        return None
    probabilities = model.task is Classification
    if probabilities:
        explained = _explained_classes(model, features)
    else:
        explained = np.zeros(len(features), dtype=np.intp)
    total = np.zeros((len(features), len(model.features)))
    base = np.zeros(len(features))
    for tree in trees:
        values, roots = _path_sums(tree, features, explained, probabilities=probabilities)
        total += values
        base += roots
    return total / len(trees), base / len(trees)


def _boosted_contributions(
    model: FittedModel[TaskKind],
    estimator: GradientBoostingClassifier | GradientBoostingRegressor,
    features: pd.DataFrame,
) -> tuple[_Floats, _Floats]:
    """Path contributions of every stage of a gradient-boosted model, in raw-score units."""
    from sklearn.ensemble import GradientBoostingClassifier  # noqa: PLC0415 (heavy: imported on use)

    stages = estimator.estimators_  # (stages, columns) of regression trees
    rate = float(estimator.learning_rate)
    if isinstance(estimator, GradientBoostingClassifier):
        raw = np.asarray(estimator.decision_function(features), dtype=np.float64)
        if stages.shape[1] == 1:
            explained = np.zeros(len(features), dtype=np.intp)
        else:
            explained = _explained_classes(model, features)
    else:
        raw = np.asarray(estimator.predict(features), dtype=np.float64)
        explained = np.zeros(len(features), dtype=np.intp)
    raw = raw.reshape(len(features), -1)
    total = np.zeros((len(features), len(model.features)))
    base = np.zeros(len(features))
    zero = np.zeros(len(features), dtype=np.intp)
    for column in range(stages.shape[1]):
        rows = np.flatnonzero(explained == column)
        if rows.size == 0:
            continue
        part = features.iloc[rows]
        # The initial estimate is whatever of the raw score the stages do not add.
        initial = raw[rows, column].copy()
        trees: list[DecisionTreeRegressor] = list(stages[:, column])
        for tree in trees:
            values, roots = _path_sums(tree, part, zero[: rows.size], probabilities=False)
            total[rows] += rate * values
            base[rows] += rate * roots
            initial -= rate * np.asarray(tree.predict(_tree_input(tree, part)), dtype=np.float64)
        base[rows] += initial
    return total, base


def _tree_input(
    tree: BaseDecisionTree, features: pd.DataFrame
) -> pd.DataFrame | npt.NDArray[np.float32]:
    """What `tree` was fitted on: the frame (standalone trees) or a float32 matrix (members
    of an ensemble, fitted without feature names)."""
    if hasattr(tree, "feature_names_in_"):
        return features
    return _numbers(features, allow_missing=True).astype(np.float32)


def _path_sums(
    tree: BaseDecisionTree,
    features: pd.DataFrame,
    explained: _Positions,
    *,
    probabilities: bool,
) -> tuple[_Floats, _Floats]:
    """One tree's contributions (rows x features) and root value, of column `explained[row]`.

    Every node but the root is credited to its parent's split feature with the change of
    value from parent to node; summing over a row's decision path telescopes to its
    leaf's value minus the root's.
    """
    structure = tree.tree_
    if structure.value.shape[1] != 1:
        raise DefinitionError(
            f"the {type(tree).__name__} predicts {structure.value.shape[1]} outputs; explain "
            "splits the prediction of a single-output model."
        )
    values = np.asarray(structure.value[:, 0, :], dtype=np.float64)
    if probabilities:
        values = values / values.sum(axis=1, keepdims=True)
    nodes = structure.node_count
    parents = np.full(nodes, -1, dtype=np.intp)
    inner = np.flatnonzero(structure.children_left >= 0)
    parents[structure.children_left[inner]] = inner
    parents[structure.children_right[inner]] = inner
    credited = np.where(parents >= 0, structure.feature[parents], 0)
    moves = np.where((parents >= 0)[:, None], values - values[parents], 0.0)

    rows_count, width = len(features), len(features.columns)
    paths = tree.decision_path(_tree_input(tree, features))
    rows = np.repeat(np.arange(rows_count), np.diff(paths.indptr))
    visited = np.asarray(paths.indices, dtype=np.intp)
    weights = moves[visited, explained[rows]]
    # A weighted bincount adds up each (row, feature)'s moves in one pass.
    sums = np.bincount(
        rows * width + credited[visited], weights=weights, minlength=rows_count * width
    ).astype(np.float64)
    roots: _Floats = values[0, explained]
    return sums.reshape(rows_count, width), roots


KINDS: tuple[ComponentKind, ...] = (
    make_kind(
        "permutation_explainer",
        ExplainerSettings,
        permutation_explainer,
        "Permutation importance, and exact per-row contributions of linear and tree models.",
    ),
)
