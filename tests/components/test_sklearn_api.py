"""scikit-learn's estimators as data (`lolpop.components._sklearn_api`): a first check
of a config answers from the table lolpop ships, without importing scikit-learn, and
never answers what scikit-learn's own check would not."""

from __future__ import annotations

import json
import math
import os
import subprocess
import sys
import warnings
from collections.abc import Iterator, Mapping
from pathlib import Path

import pytest

from lolpop.backends._codec import digest
from lolpop.components import _sklearn_api
from lolpop.components._sklearn_api import Listed
from lolpop.components.sklearn_trainer import (
    ParamValue,
    TaskChoice,
    TrainerSettings,
    config_spec,
    sklearn_model,
)
from lolpop.errors import SettingError

ROOT = Path(__file__).resolve().parents[2]
EXAMPLES = sorted(str(p) for p in (ROOT / "examples").glob("*/workflow.yaml"))


def test_a_first_check_of_every_example_imports_neither_scikit_learn_nor_scipy(
    tmp_path: Path,
) -> None:
    # The first check of an estimator and its parameters (nothing kept) took 1.08-1.12 s,
    # ~0.6 s of it importing scikit-learn and SciPy (issue 16: <= 0.5 s).
    if _sklearn_api._table() is None:
        pytest.skip("the table is not for the installed scikit-learn: checks import it")
    script = (
        "import sys\n"
        "from lolpop.cli import main\n"
        f"for path in {EXAMPLES!r}:\n"
        "    sys.argv = ['lolpop', 'check', path]\n"
        "    try:\n"
        "        main()\n"
        "    except SystemExit as leaving:\n"
        "        assert leaving.code in (0, None), (path, leaving.code)\n"
        "heavy = {'sklearn', 'scipy'}\n"
        "print('imported:', sorted(heavy & {m.split('.')[0] for m in sys.modules}))\n"
    )
    shown = subprocess.run(
        [sys.executable, "-c", script],
        capture_output=True,
        text=True,
        check=True,
        timeout=120,
        cwd=tmp_path,
        env={**os.environ, "LOLPOP_CACHE_DIR": ""},
    ).stdout.splitlines()[-1]
    assert len(EXAMPLES) >= 5
    assert shown == "imported: []"


@pytest.fixture
def nothing_kept(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LOLPOP_CACHE_DIR", "")


@pytest.fixture
def table_for(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """The table read again (not the one this process read first)."""
    _sklearn_api._table.cache_clear()
    yield
    _sklearn_api._table.cache_clear()


def test_the_shipped_table_is_the_installed_scikit_learns() -> None:
    # Written by `python -m lolpop.components._sklearn_api`; under another release the
    # table is not read (the next test: checks import scikit-learn, as they did before
    # the table), and this test is skipped saying to write it again (`-ra` shows why).
    shipped = json.loads(_sklearn_api.TABLE.read_text(encoding="utf-8"))
    if shipped["sklearn"] != _sklearn_api._installed():
        pytest.skip(
            f"the table is scikit-learn {shipped['sklearn']}'s; this is "
            f"{_sklearn_api._installed()}: `python -m lolpop.components._sklearn_api`"
        )
    assert shipped == json.loads(json.dumps(_sklearn_api.describe()))
    listed = _sklearn_api.listed("sklearn.linear_model:LogisticRegression")
    assert listed is not None
    assert listed.task == "classification"
    assert "max_iter" in listed.params


def test_another_release_or_a_damaged_table_answers_nothing(
    table_for: None, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    reference = "sklearn.linear_model:LogisticRegression"
    assert _sklearn_api.listed(reference) is not None
    monkeypatch.setattr(_sklearn_api, "_installed", lambda: "0.1")
    _sklearn_api._table.cache_clear()
    assert _sklearn_api.listed(reference) is None
    monkeypatch.undo()
    for damaged in ("{", "[]", json.dumps({"layout": 99})):
        (tmp_path / "table.json").write_text(damaged, encoding="utf-8")
        monkeypatch.setattr(_sklearn_api, "TABLE", tmp_path / "table.json")
        _sklearn_api._table.cache_clear()
        assert _sklearn_api.listed(reference) is None


def _fresh(
    reference: str, params: Mapping[str, ParamValue], task: TaskChoice, seed: int | None
) -> object:
    """The spec scikit-learn's own check gives (the table and kept checks off)."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(_sklearn_api, "listed", lambda reference: None)
        return config_spec(reference, (), params, task=task, seed=seed)


@pytest.mark.parametrize(
    ("reference", "params", "task", "seed"),
    [
        ("sklearn.linear_model:LogisticRegression", {"max_iter": 1000, "C": 0.1}, "auto", 0),
        ("sklearn.linear_model:Ridge", {"alpha": 1.0}, "regression", 3),
        ("sklearn.ensemble:RandomForestClassifier", {"n_estimators": 5}, "auto", None),
        ("sklearn.ensemble:HistGradientBoostingRegressor", {"max_iter": 50}, "auto", 0),
        ("sklearn.linear_model:RidgeClassifier", {"alpha": 0.5}, "auto", 0),
        ("sklearn.svm:LinearSVC", {}, "classification", 0),
        (
            "sklearn.ensemble:RandomForestClassifier",
            {"max_depth": None, "random_state": 4},
            "auto",
            1,
        ),
    ],
)
def test_an_answer_from_the_table_is_the_spec_a_fresh_check_gives(
    nothing_kept: None,
    reference: str,
    params: Mapping[str, ParamValue],
    task: TaskChoice,
    seed: int | None,
) -> None:
    assert _sklearn_api.listed(reference) is not None
    answered = config_spec(reference, (), params, task=task, seed=seed)
    assert digest(answered) == digest(_fresh(reference, params, task, seed))
    assert type(answered.make()).__name__ == reference.partition(":")[2]


@pytest.mark.parametrize(
    ("settings", "field", "words"),
    [
        # a value scikit-learn refuses, in its own words
        (
            TrainerSettings("sklearn.ensemble:RandomForestClassifier", {"max_depth": "deep"}),
            "params",
            "The 'max_depth' parameter of RandomForestClassifier must be",
        ),
        (
            TrainerSettings("sklearn.linear_model:LogisticRegression", {"C": 0}),
            "params",
            "'C' parameter of LogisticRegression must be a float in the range (0.0, inf]",
        ),
        (
            TrainerSettings("sklearn.linear_model:LogisticRegression", {"C": math.nan}),
            "params",
            "Got nan instead",
        ),
        # a parameter the class does not have
        (
            TrainerSettings("sklearn.linear_model:LogisticRegression", {"max_iters": 3}),
            "params",
            "did you mean 'max_iter'?",
        ),
        # a regressor asked to classify (about `task`: it was reported at `params`)
        (
            TrainerSettings("sklearn.linear_model:Ridge", task="classification"),
            "task",
            "is a regression estimator, but the task is set to classification",
        ),
        # a class the table does not list
        (
            TrainerSettings("sklearn.ensemble:NoSuchForest"),
            "estimator",
            "does not resolve",
        ),
    ],
)
def test_what_the_table_does_not_pass_scikit_learn_refuses(
    nothing_kept: None, settings: TrainerSettings, field: str, words: str
) -> None:
    with pytest.raises(SettingError) as refused:
        sklearn_model(settings)
    assert refused.value.field == field
    assert words in str(refused.value)


def test_a_reference_the_table_does_not_list_is_checked_by_scikit_learn(
    nothing_kept: None,
) -> None:
    private = "sklearn.ensemble._forest:RandomForestClassifier"
    assert _sklearn_api.listed(private) is None
    spec = config_spec(private, (), {"n_estimators": 3}, task="auto", seed=0)
    assert spec.task == "classification"
    assert spec.params == {"n_estimators": 3, "random_state": 0}


def test_the_table_passes_only_what_it_can_decide() -> None:
    listed = Listed(
        params=("a", "b", "free"),
        task="classification",
        probabilities="always",
        constraints={
            "a": [{"kinds": ["int"], "interval": [1, None], "closed": "left"}],
            "b": None,  # a constraint the table could not describe
        },
    )
    assert listed.accepts({"a": 1, "free": [1, 2]})
    assert not listed.accepts({"a": 0})
    assert not listed.accepts({"a": 1.0})
    assert not listed.accepts({"b": 1})
    assert not listed.accepts({"c": 1})
    assert not listed.accepts({"a": [1]})  # not a kind a config gives


def test_the_table_says_which_classifiers_give_probabilities_as_their_instances_do() -> None:
    # roc_auc, pr_auc and log_loss need predict_proba: a runner refuses them for a model
    # without it (tests/runners/test_task_mixing.py), from this column when it can.
    import importlib  # noqa: PLC0415

    table = _sklearn_api._table()
    if table is None:
        pytest.skip("the table is not for the installed scikit-learn")
    said: dict[str, int] = {}
    for reference, entry in table.items():
        assert isinstance(entry, dict)
        proba = entry["proba"]
        said[proba] = said.get(proba, 0) + 1
        if entry["task"] != "classification" or proba == "depends":
            continue
        module, _, name = reference.partition(":")
        cls = getattr(importlib.import_module(module), name)
        try:
            with warnings.catch_warnings(action="ignore", category=FutureWarning):
                made = cls()  # (a deprecated class warns)
        except TypeError:  # a meta-estimator needs its estimator
            continue
        assert hasattr(made, "predict_proba") == (proba == "always"), reference
    assert set(said) == {"always", "never", "depends"}


@pytest.mark.parametrize(
    ("params", "gives"), [({}, False), ({"probability": True}, True), ({"C": 2.0}, False)]
)
def test_a_classifier_whose_parameters_decide_is_asked_with_them(
    params: Mapping[str, ParamValue], gives: bool, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("LOLPOP_CACHE_DIR", str(tmp_path))
    listed = _sklearn_api.listed("sklearn.svm:SVC")
    assert listed is not None
    assert listed.probabilities == "depends"
    first = config_spec("sklearn.svm:SVC", (), params, task="auto", seed=0)
    kept = config_spec("sklearn.svm:SVC", (), params, task="auto", seed=0)
    assert first.probabilities is gives
    assert kept == first


def test_a_kept_check_from_before_probabilities_were_kept_is_not_used(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from lolpop.components import _facts  # noqa: PLC0415

    monkeypatch.setenv("LOLPOP_CACHE_DIR", str(tmp_path))
    question: dict[str, object] = {"params": {}, "task": "auto", "seed": 0}
    old = {"known": ["C", "probability", "random_state"], "task": "classification"}
    _facts.remember("sklearn.svm:SVC", question, old, ("sklearn.svm", "sklearn"))
    assert _facts.recall("sklearn.svm:SVC", question) == old
    spec = config_spec("sklearn.svm:SVC", (), {}, task="auto", seed=0)
    assert spec.probabilities is False
