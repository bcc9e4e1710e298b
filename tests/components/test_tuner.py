"""Grid and random search: every trial scored on valid, the best by the metric's direction."""

from __future__ import annotations

import math
from functools import cache

import numpy as np
import pytest
from sklearn.linear_model import LogisticRegression, Ridge
from sklearn.metrics import f1_score, log_loss, mean_squared_error
from sklearn.model_selection import ParameterGrid
from sklearn.tree import DecisionTreeClassifier

from lolpop import run
from lolpop.backends import Local
from lolpop.backends.records import MemoryLedger
from lolpop.components.metrics import METRICS
from lolpop.components.records import (
    HyperparameterTuner,
    TaskKind,
    TuningResult,
)
from lolpop.components.sklearn_trainer import sklearn_trainer
from lolpop.components.tuner import (
    KINDS,
    GridSearchSettings,
    RandomSearchSettings,
    best_trial,
    grid_search,
    random_search,
    search_tuner,
)
from lolpop.config.converter import make_converter
from lolpop.config.records import ComponentConfig
from lolpop.config.registry import Registry
from lolpop.errors import DefinitionError, SettingError
from tests.components.splits import cancer, diabetes

TREE = "sklearn.tree:DecisionTreeClassifier"
SPACE = {"max_depth": (1, 2, 4, None), "min_samples_leaf": (1, 20)}


@cache
def _tree_search(metric: str, n_jobs: int = -1) -> TuningResult[TaskKind]:
    settings = GridSearchSettings(TREE, metric, SPACE, n_jobs=n_jobs)
    return grid_search(settings).tune(cancer())


def _summary(result: TuningResult[TaskKind]) -> list[tuple[int, dict[str, object], float]]:
    return [(t.number, dict(t.params), t.score) for t in result.trials]


def test_grid_search_scores_every_point_as_a_hand_written_loop_does() -> None:
    splits = cancer()
    result = _tree_search("f1")
    points = list(ParameterGrid({k: list(v) for k, v in SPACE.items()}))
    assert [dict(t.params) for t in result.trials] == points
    assert [t.number for t in result.trials] == list(range(8))
    expected = []
    for point in points:
        tree = DecisionTreeClassifier(random_state=0).set_params(**point)
        tree.fit(splits.train.features, splits.train.target)
        expected.append(f1_score(splits.valid.target, tree.predict(splits.valid.features)))
    assert [t.score for t in result.trials] == pytest.approx(expected)
    best = int(np.argmax(expected))  # the first of the best
    assert result.best.number == best
    assert result.best.score == max(expected)
    assert result.metric == "f1"
    trial = result.trials[0]
    assert set(trial.metrics) == set(METRICS["classification"])
    assert trial.metrics["f1"] == trial.score
    assert trial.model.params == {**trial.params, "random_state": 0}


def test_a_lower_is_better_metric_picks_the_minimum() -> None:
    result = _tree_search("log_loss")
    scores = [t.score for t in result.trials]
    assert result.best.score == min(scores)
    assert result.best.number == scores.index(min(scores))
    splits = cancer()
    tree = DecisionTreeClassifier(random_state=0).set_params(**result.best.params)
    tree.fit(splits.train.features, splits.train.target)
    expected = log_loss(splits.valid.target, tree.predict_proba(splits.valid.features))
    assert result.best.score == pytest.approx(expected)
    # Picking the maximum would pick another trial here.
    assert max(scores) > min(scores)


def test_regression_search_by_mse() -> None:
    splits = diabetes()
    alphas = (0.001, 0.1, 1.0, 10.0)
    result = grid_search(
        GridSearchSettings("sklearn.linear_model:Ridge", "mse", {"alpha": alphas})
    ).tune(splits)
    expected = []
    for alpha in alphas:
        ridge = Ridge(alpha=alpha, random_state=0).fit(splits.train.features, splits.train.target)
        expected.append(
            mean_squared_error(splits.valid.target, ridge.predict(splits.valid.features))
        )
    assert [t.score for t in result.trials] == pytest.approx(expected)
    assert result.best.number == int(np.argmin(expected))
    assert set(result.best.metrics) == set(METRICS["regression"])


def test_the_result_does_not_depend_on_n_jobs() -> None:
    one, two = _tree_search("log_loss", 1), _tree_search("log_loss", 2)
    assert _summary(one) == _summary(two)
    assert [dict(t.metrics) for t in one.trials] == [dict(t.metrics) for t in two.trials]
    assert one.best.number == two.best.number
    test = cancer().test.features
    for a, b in zip(one.trials, two.trials, strict=True):
        np.testing.assert_array_equal(
            np.asarray(a.model.estimator.predict(test)), np.asarray(b.model.estimator.predict(test))
        )


def test_each_trial_is_a_step_of_its_own_and_runs_on_the_workers_alike() -> None:
    """One `tune/trial` step per point, which backends may run at once (Local: its
    worker threads; Prefect: its task runner, e.g. a Dask cluster); the same result."""
    ledger = MemoryLedger()
    tuner = grid_search(GridSearchSettings(TREE, "log_loss", SPACE))
    on_workers = run(tuner.tune, cancer(), backend=Local(max_workers=2, ledger=ledger))
    assert _summary(on_workers.unwrap()) == _summary(_tree_search("log_loss", 1))
    assert [record.path for record in ledger.records()] == ["tune/trial"] * 8
    one_step = GridSearchSettings(TREE, "log_loss", SPACE, n_jobs=1)
    ledger = MemoryLedger()
    run(grid_search(one_step).tune, cancer(), backend=Local(ledger=ledger)).unwrap()
    assert [record.path for record in ledger.records()] == ["tune"]


def test_ties_go_to_the_lowest_trial_number() -> None:
    # Depth 50 and no limit grow the same tree on this data: equal scores.
    result = grid_search(GridSearchSettings(TREE, "accuracy", {"max_depth": (50, None)})).tune(
        cancer()
    )
    assert result.trials[0].score == result.trials[1].score
    assert result.best.number == 0
    trials = result.trials
    renumbered = (trials[1], trials[0])
    assert best_trial("accuracy", renumbered) is trials[1]


def test_nan_scores_never_win() -> None:
    result = _tree_search("f1")
    first, second = result.trials[:2]
    undefined = type(first)(0, first.params, math.nan, first.model)
    assert best_trial("f1", (undefined, second)) is second
    assert best_trial("mse", (undefined, undefined)) is undefined


def test_random_search_draws_distinct_points_with_the_seed() -> None:
    settings = RandomSearchSettings(TREE, "accuracy", SPACE, n_trials=3, seed=5)
    first = random_search(settings).tune(cancer())
    again = random_search(settings).tune(cancer())
    assert len(first.trials) == 3
    assert _summary(first) == _summary(again)
    points = [dict(t.params) for t in first.trials]
    grid = list(ParameterGrid({k: list(v) for k, v in SPACE.items()}))
    assert all(point in grid for point in points)
    assert len({tuple(sorted(p.items(), key=str)) for p in points}) == 3
    assert first.best.score == max(t.score for t in first.trials)
    whole = random_search(
        RandomSearchSettings(TREE, "accuracy", {"max_depth": (1, 2)}, n_trials=10)
    ).tune(cancer())
    assert len(whole.trials) == 2
    assert {t.params["max_depth"] for t in whole.trials} == {1, 2}


def test_search_tuner_compares_any_candidate_trainers() -> None:
    splits = cancer()
    tuner = search_tuner(
        [
            ({"model": "stump"}, sklearn_trainer(DecisionTreeClassifier, {"max_depth": 1})),
            ({"model": "tree"}, sklearn_trainer(DecisionTreeClassifier, {"max_depth": 4})),
        ],
        "accuracy",
        n_jobs=1,
    )
    result = tuner.tune(splits)
    assert [t.params for t in result.trials] == [{"model": "stump"}, {"model": "tree"}]
    assert result.best.score == max(t.score for t in result.trials)


def test_bad_searches_are_refused_when_built() -> None:
    with pytest.raises(DefinitionError, match="did you mean 'accuracy'"):
        grid_search(GridSearchSettings(TREE, "acuracy", SPACE))
    with pytest.raises(DefinitionError, match="'rmse' is a regression metric"):
        grid_search(GridSearchSettings(TREE, "rmse", SPACE))
    with pytest.raises(DefinitionError, match="has no parameter 'depth'"):
        grid_search(GridSearchSettings(TREE, "f1", {"depth": (1, 2)}))
    with pytest.raises(DefinitionError, match="'max_depth' parameter"):
        grid_search(GridSearchSettings(TREE, "f1", {"max_depth": (1, "deep")}))
    with pytest.raises(DefinitionError, match="both searched"):
        grid_search(GridSearchSettings(TREE, "f1", SPACE, params={"max_depth": 3}))
    with pytest.raises(DefinitionError, match="no values for 'max_depth'"):
        grid_search(GridSearchSettings(TREE, "f1", {"max_depth": ()}))
    with pytest.raises(DefinitionError, match="n_trials"):
        random_search(RandomSearchSettings(TREE, "f1", SPACE, n_trials=0))
    with pytest.raises(DefinitionError, match="n_jobs"):
        search_tuner([({}, sklearn_trainer(LogisticRegression))], "f1", n_jobs=0)


def test_settings_decode_from_config_data() -> None:
    converter = make_converter(Registry(KINDS))
    config = converter.structure(
        {
            "type": "random_search",
            "estimator": TREE,
            "metric": "f1",
            "space": {"max_depth": [2, None], "criterion": ["gini", "entropy"]},
            "n_trials": 3,
            "n_jobs": 1,
        },
        ComponentConfig,
    )
    assert config.settings == RandomSearchSettings(
        TREE,
        "f1",
        {"max_depth": (2, None), "criterion": ("gini", "entropy")},
        n_trials=3,
        n_jobs=1,
    )
    assert isinstance(KINDS[1].build(config.settings), HyperparameterTuner)
    grid = converter.structure(
        {"type": "grid_search", "estimator": TREE, "metric": "f1"}, ComponentConfig
    )
    assert grid.settings == GridSearchSettings(TREE, "f1")
    tuner = KINDS[0].build(grid.settings)
    assert isinstance(tuner, HyperparameterTuner)
    assert len(tuner.tune(cancer()).trials) == 1


_LOGISTIC = "sklearn.linear_model:LogisticRegression"


@pytest.mark.parametrize("params", [{"max_iter": -5}, {"max_iters": 5}])
def test_a_mistake_in_the_shared_params_is_about_params_not_the_space(
    params: dict[str, int],
) -> None:
    # `params: {max_iter: -5}` was reported at `$.components.tuner.space`, where the
    # user had written nothing wrong.
    space = {"C": (0.1, 1.0)}
    with pytest.raises(SettingError) as refused:
        grid_search(GridSearchSettings(_LOGISTIC, "f1", space, params=params))
    assert refused.value.field == "params"
    with pytest.raises(SettingError) as refused:
        random_search(RandomSearchSettings(_LOGISTIC, "f1", space, params=params, n_trials=2))
    assert refused.value.field == "params"


def test_a_mistake_in_the_space_is_about_the_space() -> None:
    space = {"C": (0.1, -1.0)}
    with pytest.raises(SettingError) as refused:
        grid_search(GridSearchSettings(_LOGISTIC, "f1", space, params={"max_iter": 5}))
    assert refused.value.field == "space"


def test_a_bad_search_setting_is_reported_at_that_setting() -> None:
    grids = [
        (GridSearchSettings(_LOGISTIC, "f1", {"C": ()}), "space"),
        (GridSearchSettings(_LOGISTIC, "f1", {"C": (1.0,)}, params={"C": 2.0}), "space"),
        (GridSearchSettings(_LOGISTIC, "f1", {"C": (1.0,)}, n_jobs=0), "n_jobs"),
    ]
    for settings, field in grids:
        with pytest.raises(SettingError) as refused:
            grid_search(settings)
        assert refused.value.field == field, settings
    with pytest.raises(SettingError) as refused:
        random_search(RandomSearchSettings(_LOGISTIC, "f1", {"C": (1.0,)}, n_trials=0))
    assert refused.value.field == "n_trials"


def test_random_search_of_draws_n_trials_of_the_space_with_the_seed() -> None:
    from sklearn.tree import DecisionTreeClassifier  # noqa: PLC0415

    from lolpop.components.tuner import SearchTuner, random_search_of  # noqa: PLC0415

    space = {"max_depth": (1, 2, 3, 4, 5, 6), "min_samples_leaf": (1, 2, 4)}
    tuner = random_search_of(DecisionTreeClassifier, metric="f1", space=space, n_trials=4, seed=3)
    again = random_search_of(DecisionTreeClassifier, metric="f1", space=space, n_trials=4, seed=3)
    assert isinstance(tuner, SearchTuner)
    assert isinstance(again, SearchTuner)
    points = [dict(point) for point, _ in tuner.candidates]
    assert len(points) == 4
    assert points == [dict(point) for point, _ in again.candidates]
    assert all(point["max_depth"] in space["max_depth"] for point in points)
    assert tuner.task.name == "classification"


def test_a_python_search_refuses_a_parameter_both_searched_and_fixed() -> None:
    from sklearn.linear_model import LogisticRegression  # noqa: PLC0415

    from lolpop.components.tuner import grid_search_of, random_search_of  # noqa: PLC0415
    from lolpop.errors import DefinitionError  # noqa: PLC0415

    space, fixed = {"C": (0.1, 1.0)}, {"C": 2.0}
    with pytest.raises(DefinitionError, match="both searched"):
        grid_search_of(LogisticRegression, metric="f1", space=space, params=fixed)
    with pytest.raises(DefinitionError, match="both searched"):
        random_search_of(LogisticRegression, metric="f1", space=space, params=fixed, n_trials=2)
