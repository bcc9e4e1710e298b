"""`grid_search` and `random_search`: trials fitted on train, scored on valid, best kept.

Design notes:

- The points of a search are fixed when the tuner is built: every combination of the
  space's values (`grid_search`, in scikit-learn's `ParameterGrid` order), or `n_trials`
  of them drawn without repetition with the seed (`random_search`, `ParameterSampler`).
  Each point is checked then like a trainer's parameters, and the metric is checked
  against the estimator's task, so a bad config fails before any data is read.
- Each trial fits on `splits.train`, predicts `splits.valid`, and records the metrics of
  its scorer (`lolpop.components.metrics.Scorer`: every metric of the task by default)
  and the chosen one; its score is the chosen metric's value. The best trial is the
  first (lowest number) of those with the best score by the metric's direction; an
  undefined (NaN) score never wins unless every score is NaN, when trial 0 is kept.
- The scorer's `average` and `pos_label` shape the scores. A tuner is `Rescorable`: in
  a workflow the train pipeline makes it score by the workflow's metrics component
  (`scored_by`), so its trials are the same kind of number as the test metrics, set
  once under `metrics:`; a tuner has no scoring settings of its own.
- Each trial is a step of its own (`tune/trial`, one per point under `map_each`), so
  the backend runs them at once as its workers allow: `Local` on its worker threads
  (scikit-learn's fitting loops release the GIL), the Prefect backend as tasks of its
  task runner, spread over a Dask cluster's workers with `task_runner: dask`. `n_jobs:
  1` tries the points one after another in one step `tune` instead. Each trial's
  estimator is made fresh with its own seeded `random_state`, and the trials are
  listed in the order of the points, so the result is the same on every backend and
  for every `n_jobs`.
- `search_tuner` is the Python constructor under both: it searches over any
  `(params, trainer)` candidates, e.g. trainers of different estimators. It gives a
  `SearchTuner`, a `HyperparameterTuner` that keeps its definition (candidates, metric,
  scorer) so that it can be rebuilt to score by another scorer.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Callable, Mapping, Sequence
from typing import TYPE_CHECKING, Any, Self, TypeAlias, TypeVar, overload

from attrs import Factory, evolve, frozen

from lolpop.components import _facts
from lolpop.components._kinds import make_kind, setting
from lolpop.components.metrics import Scorer, check_metric, is_better, scorer_for
from lolpop.components.records import (
    TASKS,
    Classification,
    ClassificationMetric,
    HyperparameterTuner,
    ModelTrainer,
    Params,
    Regression,
    RegressionMetric,
    Splits,
    TaskKind,
    Trial,
    TuningResult,
)
from lolpop.components.sklearn_trainer import (
    ModelSpec,
    ParamValue,
    TaskChoice,
    config_spec,
    make_spec,
    spec_trainer,
)
from lolpop.config.registry import ComponentKind
from lolpop.core.combinators import map_each
from lolpop.core.decorator import make_step
from lolpop.core.flow import Flow
from lolpop.core.step import Step
from lolpop.errors import DefinitionError, SettingError

if TYPE_CHECKING:
    from sklearn.base import ClassifierMixin, RegressorMixin

_K = TypeVar("_K", bound=TaskKind)


@frozen
class GridSearchSettings:
    """`type: grid_search`: every combination of the space's values."""

    #: An import path, `module:Class` (as for `sklearn_model`).
    estimator: str
    #: The metric that picks the best trial (e.g. `f1`, `log_loss`, `rmse`).
    metric: str
    #: Each parameter's candidate values.
    space: Mapping[str, tuple[ParamValue, ...]] = Factory(dict)
    #: Parameters every trial shares.
    params: Mapping[str, ParamValue] = Factory(dict)
    #: `auto`: a classifier or a regressor as scikit-learn tells (`is_classifier`).
    task: TaskChoice = "auto"
    #: Given to every `random_state` parameter of each trial's estimator (None: leave them).
    seed: int | None = 0
    #: Module prefixes besides `lolpop` and `sklearn` that `estimator` may name.
    allow: tuple[str, ...] = ()
    #: 1: the trials one after another, in one step; otherwise (-1, the default) each
    #: trial is a step of its own, run at once as the backend's workers allow.
    n_jobs: int = -1


@frozen
class RandomSearchSettings:
    """`type: random_search`: `n_trials` combinations of the space's values, drawn with the seed."""

    #: An import path, `module:Class` (as for `sklearn_model`).
    estimator: str
    #: The metric that picks the best trial (e.g. `f1`, `log_loss`, `rmse`).
    metric: str
    #: Each parameter's candidate values.
    space: Mapping[str, tuple[ParamValue, ...]] = Factory(dict)
    #: Parameters every trial shares.
    params: Mapping[str, ParamValue] = Factory(dict)
    #: `auto`: a classifier or a regressor as scikit-learn tells (`is_classifier`).
    task: TaskChoice = "auto"
    #: Draws the points and seeds every trial's estimator.
    seed: int | None = 0
    #: Module prefixes besides `lolpop` and `sklearn` that `estimator` may name.
    allow: tuple[str, ...] = ()
    #: 1: the trials one after another, in one step; otherwise (-1, the default) each
    #: trial is a step of its own, run at once as the backend's workers allow.
    n_jobs: int = -1
    #: At most this many trials (fewer when the space has fewer combinations).
    n_trials: int = 10


#: A point of a search and the trainer that fits it.
Candidate: TypeAlias = tuple[Params, ModelTrainer[_K]]


def _trial(
    number: int, candidate: Candidate[_K], splits: Splits, metric: str, scorer: Scorer[_K]
) -> Trial[_K]:
    params, trainer = candidate
    model = trainer.fit(splits.train)
    predictions = trainer.predict((model, splits.valid.features))
    metrics = scorer.compute(splits.valid.target, predictions)
    if metric not in metrics:
        metrics |= scorer.compute(splits.valid.target, predictions, (metric,))
    return Trial(number, dict(params), metrics[metric], model, metrics)


def best_trial(metric: str, trials: Sequence[Trial[_K]]) -> Trial[_K]:
    """The first trial with the best score by `metric`'s direction."""
    best = trials[0]
    for trial in trials[1:]:
        if is_better(metric, trial.score, best.score):
            best = trial
    return best


def _check_jobs(n_jobs: int) -> None:
    if n_jobs == 0 or n_jobs < -1:
        raise DefinitionError(
            f"n_jobs is {n_jobs}; use 1 (one trial after another) or -1 (as many at once as "
            "the backend's workers allow)."
        )


@frozen
class SearchTuner(HyperparameterTuner[_K]):
    """A search (`search_tuner`) that keeps its definition, so that it can score by
    another scorer (`scored_by`: a workflow's metrics component's)."""

    candidates: tuple[Candidate[_K], ...]
    metric: str
    scorer: Scorer[_K]
    n_jobs: int = -1

    def scored_by(self, scorer: Scorer[TaskKind]) -> Self:
        """The same search, its trials scored by `scorer` (of the tuner's task); this one
        when it already does, so that its step stays the one the component holds."""
        chosen = scorer_for(self.task, scorer)
        if chosen == self.scorer:
            return self
        rebuilt = search_tuner(self.candidates, self.metric, n_jobs=self.n_jobs, scorer=chosen)
        return evolve(self, tune=rebuilt.tune, scorer=chosen)


#: Parameters a trainer and a tuner's candidates may set apart: the seed each was given.
_SEEDS = ("random_state",)


def check_trainer_searched(
    trainer: ModelTrainer[_K], tuner: HyperparameterTuner[_K] | None
) -> None:
    """Refuse a search whose candidates are not the trainer's estimator, or lack a
    parameter the trainer gives it: with a tuner, its best candidate is the workflow's
    model and the trainer is never fitted, so what the trainer says would be dropped
    silently. A parameter the tuner gives too, at any value (a profile's bigger
    forest), is the tuner's to say."""
    fits = trainer.fits
    if fits is None or not isinstance(tuner, SearchTuner):
        return
    searched = [t.fits for _, t in tuner.candidates if t.fits is not None]
    others = sorted({f.estimator for f in searched} - {fits.estimator})
    if others:
        raise DefinitionError(
            f"the tuner searches {', '.join(others)}, and the trainer fits {fits.estimator}: "
            "with a tuner, its best candidate is the workflow's model and the trainer is "
            "never fitted. Search the trainer's estimator, or leave the tuner out."
        )
    names = {name for f in searched for name in f.params}
    varied = {name for name in names if len({repr(f.params.get(name)) for f in searched}) > 1}
    lost = {
        name: value
        for name, value in fits.params.items()
        if name not in varied and name not in _SEEDS and any(name not in f.params for f in searched)
    }
    if lost:
        shown = ", ".join(f"{name}={value!r}" for name, value in sorted(lost.items()))
        raise DefinitionError(
            f"the trainer's {shown} {'is' if len(lost) == 1 else 'are'} not given to the "
            "tuner's candidates: with a tuner, each candidate is made from the tuner's "
            "`params` and `space` alone, its best is the workflow's model and the trainer is "
            "never fitted. Give the same to the tuner's `params`."
        )


def search_tuner(
    candidates: Sequence[Candidate[_K]],
    metric: str,
    *,
    n_jobs: int = -1,
    scorer: Scorer[_K] | None = None,
) -> SearchTuner[_K]:
    """Fit every candidate trainer on train, score it on valid by `metric`, keep the best.

    Every candidate is of one task, and `metric` is one of that task's. `scorer`: how
    trials are scored (default: every metric of the task, lolpop's default settings; a
    workflow's train pipeline gives its metrics component's)."""
    _check_jobs(n_jobs)
    if not candidates:
        raise DefinitionError("a search needs at least one candidate.")
    points = tuple(candidates)
    kind = points[0][1].task
    others = sorted({trainer.task.name for _, trainer in points} - {kind.name})
    if others:
        raise DefinitionError(
            f"a search compares trainers of one task; these are {kind.name} and "
            f"{', '.join(others)}."
        )
    with setting("metric"):
        check_metric(metric, kind.name)
    chosen = scorer_for(kind, scorer) if scorer is not None else Scorer(kind)

    return SearchTuner(
        _search_step(points, metric, chosen, n_jobs),
        task=kind,
        candidates=points,
        metric=metric,
        scorer=chosen,
        n_jobs=n_jobs,
    )


def _search_step(
    points: tuple[Candidate[_K], ...], metric: str, scorer: Scorer[_K], n_jobs: int
) -> Step[Splits, TuningResult[_K]]:
    """The search as a step named `tune`: with `n_jobs` 1, one step trying the points in
    turn; otherwise one `trial` step per point (under `map_each`), which the backend runs
    at once as its workers allow."""
    description = f"search {len(points)} trials by {metric}"

    def trial(numbered: tuple[int, Splits]) -> Trial[_K]:
        """Fit one point of the search on train and score it on valid."""
        number, splits = numbered
        return _trial(number, points[number], splits, metric, scorer)

    def best(trials: list[Trial[_K]]) -> TuningResult[_K]:
        """The trials, and the best of them by the metric."""
        return TuningResult(metric, tuple(trials), best_trial(metric, trials))

    if n_jobs == 1 or len(points) == 1:

        def tune(splits: Splits) -> TuningResult[_K]:
            return best([trial((number, splits)) for number in range(len(points))])

        return make_step(tune, name="tune", description=description)

    def numbered(splits: Splits) -> list[tuple[int, Splits]]:
        return [(number, splits) for number in range(len(points))]

    f = Flow(Splits, "tune")
    trials = f.call(map_each(make_step(trial, name="trial")), f.apply(numbered, f.input))
    return f.build(f.apply(best, trials)).described(description)


def _space(settings: GridSearchSettings | RandomSearchSettings) -> dict[str, list[ParamValue]]:
    """The search space as scikit-learn takes it, after checking it (a refusal names the
    setting it is about)."""
    with setting("n_jobs"):
        _check_jobs(settings.n_jobs)
    overlap = sorted(set(settings.space) & set(settings.params))
    empty = [key for key, values in settings.space.items() if not values]
    with setting("space"):
        if overlap:
            raise DefinitionError(
                f"{', '.join(map(repr, overlap))} is both searched (`space`) and fixed "
                "(`params`); keep each parameter in one of them."
            )
        if empty:
            raise DefinitionError(
                f"the search space gives no values for {', '.join(map(repr, empty))}."
            )
    return {key: list(values) for key, values in settings.space.items()}


def _candidates(
    spec_of: Callable[[Mapping[str, ParamValue]], ModelSpec],
    params: Mapping[str, ParamValue],
    points: Sequence[Mapping[str, object]],
) -> list[Candidate[TaskKind]]:
    """A checked trainer for each point (the estimator's task decides the trainers')."""
    candidates: list[Candidate[TaskKind]] = []
    for point in points:
        values: dict[str, ParamValue] = {}
        for key, value in point.items():
            assert value is None or isinstance(value, int | float | str | bool)
            values[key] = value
        spec = spec_of({**params, **values})
        kind: type[TaskKind] = TASKS[spec.task]
        candidates.append((values, spec_trainer(spec, kind)))
    return candidates


def _grid(space: Mapping[str, Sequence[ParamValue]]) -> Sequence[Mapping[str, object]]:
    """Every combination of the space's values, in scikit-learn's `ParameterGrid` order
    (parameters by name, the last one changing fastest), without importing it."""
    names = sorted(space)
    return [
        dict(zip(names, values, strict=True))
        for values in itertools.product(*(space[name] for name in names))
    ]


def _from_settings(
    settings: GridSearchSettings | RandomSearchSettings, points: Sequence[Mapping[str, object]]
) -> HyperparameterTuner[TaskKind]:
    def spec_of(params: Mapping[str, ParamValue], within: str = "space") -> ModelSpec:
        return config_spec(
            settings.estimator,
            settings.allow,
            params,
            task=settings.task,
            seed=settings.seed,
            within=within,
        )

    # The shared parameters first, alone: a mistake in them is about `params`, not
    # about every point of the space they join.
    with setting("params"):
        spec_of(settings.params, within="params")
    with setting("space"):
        candidates = _candidates(spec_of, settings.params, points)
    return search_tuner(candidates, settings.metric, n_jobs=settings.n_jobs)


def grid_search(settings: GridSearchSettings) -> HyperparameterTuner[TaskKind]:
    """Try every combination of the space's values; keep the best on the validation split
    (the estimator's task, known when it is built, is the tuner's `task`)."""
    return _from_settings(settings, _grid(_space(settings)))


#: The reference a kept draw of random points is kept under (`_facts`).
_SAMPLER = "sklearn.model_selection:ParameterSampler"


def _kept_points(
    space: Mapping[str, list[ParamValue]], question: Mapping[str, object]
) -> Sequence[Mapping[str, object]] | None:
    """A kept draw for `question`, if one was kept and every value in it is one the
    space lists (a kept draw never brings a value the config did not give)."""
    answer = _facts.recall(_SAMPLER, question)
    if not isinstance(answer, list):
        return None
    points: list[Mapping[str, object]] = []
    for point in answer:
        if not isinstance(point, dict) or not all(
            isinstance(key, str) and key in space and value in space[key]
            for key, value in point.items()
        ):
            return None
        points.append(point)
    return points


def _drawn(
    space: Mapping[str, list[ParamValue]], count: int, seed: int | None
) -> Sequence[Mapping[str, object]]:
    """`count` points of `space` drawn by scikit-learn's `ParameterSampler` with `seed`;
    a draw is kept (`_facts`), so a later build of the same search imports nothing."""
    question: dict[str, object] = {"space": dict(space), "count": count, "seed": seed}
    kept = _kept_points(space, question)
    if kept is not None:
        return kept
    from sklearn.model_selection import ParameterSampler  # noqa: PLC0415 (heavy: on use)

    points = list(ParameterSampler(space, count, random_state=seed))
    if seed is not None:  # without a seed, every draw is another
        modules = (ParameterSampler.__module__, "sklearn", __name__)
        _facts.remember(_SAMPLER, question, [dict(point) for point in points], modules)
    return points


def random_search(settings: RandomSearchSettings) -> HyperparameterTuner[TaskKind]:
    """Try `n_trials` combinations drawn with the seed; keep the best on the validation split."""
    return _from_settings(settings, _random_points(settings, settings.n_trials, settings.seed))


def _random_points(
    settings: GridSearchSettings | RandomSearchSettings, n_trials: int, seed: int | None
) -> Sequence[Mapping[str, object]]:
    """`n_trials` points of the settings' (checked) space, drawn with `seed`."""
    if n_trials < 1:
        raise SettingError("n_trials", f"n_trials is {n_trials}; a search needs at least 1.")
    space = _space(settings)
    # Asking for more points than the space holds would make scikit-learn warn.
    count = min(n_trials, math.prod(len(values) for values in space.values()))
    return _drawn(space, count, seed)


@overload
def grid_search_of(
    estimator: Callable[[], ClassifierMixin],
    *,
    metric: ClassificationMetric,
    space: Mapping[str, Sequence[ParamValue]],
    params: Mapping[str, ParamValue] | None = None,
    seed: int | None = 0,
    n_jobs: int = -1,
) -> HyperparameterTuner[Classification]: ...
@overload
def grid_search_of(
    estimator: Callable[[], RegressorMixin],
    *,
    metric: RegressionMetric,
    space: Mapping[str, Sequence[ParamValue]],
    params: Mapping[str, ParamValue] | None = None,
    seed: int | None = 0,
    n_jobs: int = -1,
) -> HyperparameterTuner[Regression]: ...
def grid_search_of(
    estimator: Callable[[], object],
    *,
    metric: str,
    space: Mapping[str, Sequence[ParamValue]],
    params: Mapping[str, ParamValue] | None = None,
    seed: int | None = 0,
    n_jobs: int = -1,
) -> HyperparameterTuner[Any]:
    """A grid search of a scikit-learn estimator class, in Python: a classifier is scored
    by a classification metric, a regressor by a regression one (mypy refuses a
    regressor scored by `f1`)."""
    points = _grid(_space(_python_search(metric, space, params)))
    return _search_of(estimator, metric, params=params, seed=seed, n_jobs=n_jobs, points=points)


def _python_search(
    metric: str, space: Mapping[str, Sequence[ParamValue]], params: Mapping[str, ParamValue] | None
) -> GridSearchSettings:
    """A Python search's space and fixed parameters as settings, to be checked as a
    config's are (a parameter both searched and fixed is refused)."""
    return GridSearchSettings(
        "", metric, {k: tuple(v) for k, v in space.items()}, dict(params or {})
    )


def _search_of(
    estimator: Callable[[], object],
    metric: str,
    *,
    params: Mapping[str, ParamValue] | None,
    seed: int | None,
    n_jobs: int,
    points: Sequence[Mapping[str, object]],
) -> HyperparameterTuner[Any]:
    """A search of `estimator` over `points` (with the fixed `params`), in Python."""
    fixed = dict(params or {})
    name = f"{getattr(estimator, '__module__', '')}.{getattr(estimator, '__qualname__', '')}"

    def spec_of(params: Mapping[str, ParamValue]) -> ModelSpec:
        return make_spec(estimator, params, task="auto", seed=seed, name=name)

    return search_tuner(_candidates(spec_of, fixed, points), metric, n_jobs=n_jobs)


@overload
def random_search_of(
    estimator: Callable[[], ClassifierMixin],
    *,
    metric: ClassificationMetric,
    space: Mapping[str, Sequence[ParamValue]],
    n_trials: int,
    params: Mapping[str, ParamValue] | None = None,
    seed: int | None = 0,
    n_jobs: int = -1,
) -> HyperparameterTuner[Classification]: ...
@overload
def random_search_of(
    estimator: Callable[[], RegressorMixin],
    *,
    metric: RegressionMetric,
    space: Mapping[str, Sequence[ParamValue]],
    n_trials: int,
    params: Mapping[str, ParamValue] | None = None,
    seed: int | None = 0,
    n_jobs: int = -1,
) -> HyperparameterTuner[Regression]: ...
def random_search_of(
    estimator: Callable[[], object],
    *,
    metric: str,
    space: Mapping[str, Sequence[ParamValue]],
    n_trials: int,
    params: Mapping[str, ParamValue] | None = None,
    seed: int | None = 0,
    n_jobs: int = -1,
) -> HyperparameterTuner[Any]:
    """A random search of a scikit-learn estimator class, in Python: `n_trials` points of
    `space` drawn with `seed` (which seeds every trial's estimator too), typed by task as
    `grid_search_of` is."""
    points = _random_points(_python_search(metric, space, params), n_trials, seed)
    return _search_of(estimator, metric, params=params, seed=seed, n_jobs=n_jobs, points=points)


KINDS: tuple[ComponentKind, ...] = (
    make_kind("grid_search", GridSearchSettings, grid_search),
    make_kind("random_search", RandomSearchSettings, random_search),
)
