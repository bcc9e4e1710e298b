"""Checks of scikit-learn references kept between processes (`lolpop.components._facts`):
a later check answers from them without importing scikit-learn, and never answers what a
fresh check would not. They answer what the table of scikit-learn's estimators lolpop
ships does not (another release; `tests/components/test_sklearn_api.py`), so these tests
turn the table off."""

from __future__ import annotations

import importlib
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from sklearn.base import BaseEstimator, ClassifierMixin
from sklearn.model_selection import ParameterSampler

from lolpop.backends._codec import digest
from lolpop.components import _facts, _sklearn_api
from lolpop.components.sklearn_trainer import TrainerSettings, config_spec, sklearn_model
from lolpop.components.tuner import RandomSearchSettings, SearchTuner, random_search
from lolpop.errors import DefinitionError, SettingError

ROOT = Path(__file__).resolve().parents[2]
FOREST = "sklearn.ensemble:RandomForestClassifier"


@pytest.fixture
def cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A cache of this test's own, and no table of scikit-learn's estimators (as under
    another scikit-learn release than the table's), so the checks are kept."""
    folder = tmp_path / "cache"
    monkeypatch.setenv("LOLPOP_CACHE_DIR", str(folder))
    monkeypatch.setattr(_sklearn_api, "listed", _unlisted)
    return folder


def _unlisted(reference: str) -> None:
    return None


def _kept_files(cache: Path) -> list[Path]:
    return sorted((cache / "facts").glob("*.json")) if (cache / "facts").exists() else []


def test_a_second_check_of_an_example_imports_neither_scikit_learn_nor_beartype(
    cache: Path,
) -> None:
    # `lolpop check` spent ~0.6 s of its ~1.2 s importing scikit-learn and SciPy to check
    # an estimator's parameters (issue 16: <= 0.5 s).
    script = (
        "import sys\n"
        "from lolpop.cli import main\n"
        "from lolpop.components import _sklearn_api\n"
        "_sklearn_api.listed = lambda reference: None  # as under another release\n"
        f"sys.argv = ['lolpop', 'check', {str(ROOT / 'examples/churn/workflow.yaml')!r}]\n"
        "try:\n"
        "    main()\n"
        "except SystemExit as leaving:\n"
        "    assert leaving.code in (0, None), leaving.code\n"
        "heavy = {'sklearn', 'scipy', 'beartype'}\n"
        "print('imported:', sorted(heavy & {m.split('.')[0] for m in sys.modules}))\n"
    )
    shown = [
        subprocess.run(
            [sys.executable, "-c", script],
            capture_output=True,
            text=True,
            check=True,
            timeout=120,
            env={**os.environ, "LOLPOP_CACHE_DIR": str(cache)},
        ).stdout.splitlines()[-1]
        for _ in range(2)
    ]
    assert "'sklearn'" in shown[0]
    assert shown[1] == "imported: []"


def test_a_kept_check_gives_the_spec_a_fresh_one_gives(cache: Path) -> None:
    params = {"n_estimators": 5, "max_depth": 3}
    fresh = config_spec(FOREST, (), params, task="auto", seed=7)
    kept = config_spec(FOREST, (), params, task="auto", seed=7)
    assert len(_kept_files(cache)) == 1
    # The same factory (a name of the class), so steps holding either spec are the same
    # step: the same cache key when a killed run resumes with its check kept.
    assert fresh.factory == kept.factory
    assert digest(fresh) == digest(kept)
    assert (kept.params, kept.task, kept.name) == (fresh.params, fresh.task, fresh.name)
    assert kept.params["random_state"] == 7
    assert kept.make().get_params() == fresh.make().get_params()
    assert type(kept.make()) is type(fresh.make())


def test_a_refused_check_is_not_kept_and_is_refused_again(cache: Path) -> None:
    bad = TrainerSettings(FOREST, {"max_depth": "deep"})
    for _ in range(2):
        with pytest.raises(SettingError, match="bad parameters") as refused:
            sklearn_model(bad)
        assert refused.value.field == "params"
    assert _kept_files(cache) == []
    # A kept check of other parameters answers nothing about these.
    sklearn_model(TrainerSettings(FOREST, {"max_depth": 3}))
    with pytest.raises(SettingError, match="max_dept"):
        sklearn_model(TrainerSettings(FOREST, {"max_dept": 3}))


def test_the_task_asked_is_part_of_the_question(cache: Path) -> None:
    sklearn_model(TrainerSettings(FOREST, {}, task="classification"))
    with pytest.raises(SettingError, match="classification estimator, but the task is set"):
        sklearn_model(TrainerSettings(FOREST, {}, task="regression"))


def test_user_estimators_are_not_kept(cache: Path) -> None:
    # A user's module may change where a file's stamp does not show (a base class
    # elsewhere): only scikit-learn's own references are kept.
    config_spec("tests.components.test_kept_checks:_Estimator", ("tests",), {}, task="auto", seed=0)
    assert _kept_files(cache) == []


def test_a_kept_draw_of_random_points_is_the_draw(cache: Path) -> None:
    settings = RandomSearchSettings(
        FOREST, "f1", {"max_depth": (2, 3, 4, 5), "n_estimators": (5, 10)}, n_trials=5, seed=3
    )
    fresh, kept = random_search(settings), random_search(settings)
    assert isinstance(fresh, SearchTuner)
    assert isinstance(kept, SearchTuner)
    drawn = list(
        ParameterSampler({"max_depth": [2, 3, 4, 5], "n_estimators": [5, 10]}, 5, random_state=3)
    )
    assert [dict(c[0]) for c in fresh.candidates] == drawn
    assert [dict(c[0]) for c in kept.candidates] == drawn
    # A kept draw holding a value the space does not list is no draw: drawn again.
    for path in _kept_files(cache):
        body = json.loads(path.read_text(encoding="utf-8"))
        if body["reference"].endswith("ParameterSampler"):
            for question in body["answers"]:
                body["answers"][question][0]["max_depth"] = 99
            path.write_text(json.dumps(body), encoding="utf-8")
    again = random_search(settings)
    assert isinstance(again, SearchTuner)
    assert [dict(c[0]) for c in again.candidates] == drawn


def _module_in(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> tuple[str, Path]:
    source = tmp_path / "kept_module.py"
    source.write_text("VALUE = 1\n", encoding="utf-8")
    monkeypatch.syspath_prepend(str(tmp_path))
    importlib.import_module("kept_module")
    monkeypatch.delitem(sys.modules, "kept_module")
    importlib.import_module("kept_module")
    return "kept_module", source


def test_a_fact_goes_stale_when_a_file_it_came_from_changes(
    cache: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    module, source = _module_in(tmp_path, monkeypatch)
    _facts.remember("sklearn.x:Y", {"q": 1}, {"a": 2}, [module])
    assert _facts.recall("sklearn.x:Y", {"q": 1}) == {"a": 2}
    assert _facts.recall("sklearn.x:Y", {"q": 2}) is None
    stamp = source.stat()
    os.utime(source, ns=(stamp.st_atime_ns, stamp.st_mtime_ns + 1_000_000_000))
    assert _facts.recall("sklearn.x:Y", {"q": 1}) is None


def test_another_environment_shares_no_fact(
    cache: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    module, _ = _module_in(tmp_path, monkeypatch)
    _facts.remember("sklearn.x:Y", {"q": 1}, {"a": 2}, [module])
    monkeypatch.setattr(sys, "prefix", "/another/venv")
    assert _facts.recall("sklearn.x:Y", {"q": 1}) is None


def test_a_damaged_or_unwritable_cache_is_no_cache(
    cache: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    module, _ = _module_in(tmp_path, monkeypatch)
    _facts.remember("sklearn.x:Y", {"q": 1}, {"a": 2}, [module])
    (kept,) = _kept_files(cache)
    for damaged in ("{", "[]", json.dumps({"layout": 1})):
        kept.write_text(damaged, encoding="utf-8")
        assert _facts.recall("sklearn.x:Y", {"q": 1}) is None
    blocked = tmp_path / "a-file"
    blocked.write_text("", encoding="utf-8")
    monkeypatch.setenv("LOLPOP_CACHE_DIR", str(blocked))
    _facts.remember("sklearn.x:Y", {"q": 1}, {"a": 2}, [module])  # no error
    assert _facts.recall("sklearn.x:Y", {"q": 1}) is None


def test_an_empty_cache_dir_turns_facts_off(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("LOLPOP_CACHE_DIR", "")
    assert _facts.cache_dir() is None
    monkeypatch.delenv("LOLPOP_CACHE_DIR")
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    assert _facts.cache_dir() == tmp_path / "lolpop"


def test_a_bad_reference_is_still_about_the_estimator_setting(cache: Path) -> None:
    with pytest.raises(SettingError) as refused:
        sklearn_model(TrainerSettings("sklearn.ensemble:NoSuchForest"))
    assert refused.value.field == "estimator"
    with pytest.raises(DefinitionError, match="outside the allowed"):
        sklearn_model(TrainerSettings("os:system"))


class _Estimator(ClassifierMixin, BaseEstimator):
    """A user's estimator (under `allow: [tests]`)."""

    def __init__(self, depth: int = 1) -> None:
        self.depth = depth

    def fit(self, X: object, y: object, /) -> _Estimator:
        return self

    def predict(self, X: object, /) -> object:
        return X
