"""A config that mixes tasks is refused by `lolpop check` (exit 2, naming the slot), as
mypy refuses the same mix in Python (tests/typesafety/test_workflows.yml).

Each case starts from an example config that checks, changes one thing the way a user
would, and expects the path of what is wrong. Before the task was a type, every one of
these passed `check` with exit 0, and some ran to a wrong result (a Ridge regressor in
the churn workflow was trained, scored f1 = 0.0 and promoted)."""

from __future__ import annotations

from pathlib import Path

import pytest
from attrs import evolve
from sklearn.linear_model import LogisticRegression, RidgeClassifier
from typer.testing import CliRunner

from examples._common import ROOT
from lolpop.cli import app
from lolpop.components.sklearn_trainer import sklearn_trainer
from lolpop.errors import SettingError
from lolpop.pipelines.deploy import classification_rule
from lolpop.runners.supervised import classification_runner
from tests.runners.test_target_agreement import Shop, shop

runner = CliRunner()


def _example(name: str) -> str:
    return (ROOT / "examples" / name / "workflow.yaml").read_text()


@pytest.mark.parametrize(
    ("example", "change", "path", "said"),
    [
        pytest.param(
            "churn",
            (
                "estimator: sklearn.linear_model:LogisticRegression\n    params: {max_iter: 1000}\n  tuner:",
                "estimator: sklearn.linear_model:Ridge\n  tuner:",
            ),
            "$.components.trainer",
            "this ModelTrainer is for regression, but the runner is a classification runner",
            id="a Ridge regressor as the churn trainer",
        ),
        pytest.param(
            "breast_cancer",
            ("components:\n", "components:\n  metrics: {type: regression_metrics}\n"),
            "$.components.metrics",
            "this MetricsEvaluator is for regression, but the runner is a classification runner",
            id="regression metrics in a classification config",
        ),
        pytest.param(
            "diabetes",
            ("runner: regression", "runner: classification"),
            "$.components.trainer",
            "this ModelTrainer is for regression, but the runner is a classification runner",
            id="runner classification over regression components",
        ),
        pytest.param(
            "breast_cancer",
            ("runner: classification", "runner: regression"),
            "$.components.trainer",
            "this ModelTrainer is for classification, but the runner is a regression runner",
            id="runner regression over classification components",
        ),
        pytest.param(
            "breast_cancer",
            (
                "  baseline:\n    type: baseline_checker\n    metric: f1",
                "  baseline:\n    type: baseline_checker\n    metric: rmse",
            ),
            "$.components.baseline",
            "this ModelChecker is for regression, but the runner is a classification runner",
            id="an rmse baseline in a classification run",
        ),
        pytest.param(
            "diabetes",
            ("components:\n", "components:\n  bias: {type: bias_checker, column: sex}\n"),
            "$.components.bias",
            "this BiasChecker is for classification, but the runner is a regression runner",
            id="a bias checker in a regression run (no prediction is ever the label 1)",
        ),
        pytest.param(
            "diabetes",
            (
                "components:\n",
                "components:\n  splitter: {type: splitter, target: target, stratify: true}\n",
            ),
            "$.components.splitter.stratify",
            "a regression target has no classes to stratify by",
            id="a stratified split of a regression target",
        ),
        pytest.param(
            "churn",
            ("    column: region\n", "    column: customer_id\n"),
            "$.components.bias.column",
            "the bias checker's column is the id column 'customer_id'",
            id="the id column as the bias column (never in the frame the bias is checked on)",
        ),
        pytest.param(
            "churn",
            ("    column: region\n", "    column: churned\n"),
            "$.components.bias.column",
            "the bias checker's column is the target 'churned'",
            id="the target as the bias column",
        ),
        pytest.param(
            "churn",
            (
                "components:\n",
                "components:\n  encoder: {type: column_encoder, categorical: [region, churned]}\n",
            ),
            "$.components.encoder.categorical[1]",
            "the encoder's categorical column is the target 'churned'",
            id="the target among the encoder's columns",
        ),
        pytest.param(
            "breast_cancer",
            ("    n_repeats: 3\n", "    n_repeats: 3\n    scoring: neg_mean_squared_error\n"),
            "$.components.explainer.scoring",
            "'neg_mean_squared_error' is a regression scorer, but the runner is a "
            "classification runner",
            id="a classifier's importance by squared error on class codes",
        ),
        pytest.param(
            "diabetes",
            ("    n_repeats: 3\n", "    n_repeats: 3\n    scoring: accuracy\n"),
            "$.components.explainer.scoring",
            "'accuracy' is a classification scorer, but the runner is a regression runner",
            id="a regressor's importance by accuracy",
        ),
        pytest.param(
            "diabetes",
            ("    metric: rmse\n    space:", "    metric: f1\n    space:"),
            "$.components.tuner.metric",
            "the metric 'f1' is a classification metric",
            id="a regressor tuner scored by f1",
        ),
        pytest.param(
            "breast_cancer",
            ("  approval:\n    metric: f1", "  approval:\n    metric: rmse"),
            "$.settings.approval.metric",
            "the approval rule compares classification models, so its metric is one of",
            id="an rmse approval rule for a classifier",
        ),
    ],
)
def test_a_config_mixing_tasks_is_refused_naming_the_slot(  # noqa: PLR0917 (pytest parameters)
    example: str,
    change: tuple[str, str],
    path: str,
    said: str,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.chdir(ROOT)  # the examples' paths are relative to the repository
    text = _example(example)
    old, new = change
    assert old in text, "the example changed: update the case"
    config = tmp_path / "workflow.yaml"
    config.write_text(text.replace(old, new, 1))
    for command in (["check"], ["run", "--backend", "dry-run"]):
        result = runner.invoke(app, [*command, str(config)])
        assert result.exit_code == 2, result.output
        assert f"@ {path}" in result.output
        assert said in result.output
        assert "Traceback" not in result.output


def test_the_unchanged_examples_still_check(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(ROOT)
    for name in ("churn", "breast_cancer", "diabetes", "wine"):
        config = str(ROOT / "examples" / name / "workflow.yaml")
        result = runner.invoke(app, ["check", config])
        assert result.exit_code == 0, result.output


def test_a_wrong_approval_metric_is_said_with_the_components_problems(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # With a component refused too, the approval rule's metric went unchecked (the rule
    # was made only when the program was built): one mistake shown of two.
    monkeypatch.chdir(ROOT)
    text = _example("breast_cancer").replace(
        "  approval:\n    metric: f1", "  approval:\n    metric: rmse", 1
    )
    text = text.replace(
        "  baseline:\n    type: baseline_checker\n    metric: f1",
        "  baseline:\n    type: baseline_checker\n    metric: rmse",
        1,
    )
    config = tmp_path / "workflow.yaml"
    config.write_text(text)
    result = runner.invoke(app, ["check", str(config)])
    assert result.exit_code == 2, result.output
    assert "2 problems" in result.output
    assert "@ $.settings.approval.metric" in result.output
    assert "@ $.components.baseline" in result.output


def test_a_problem_found_when_building_has_its_line_too(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Problems found while decoding had "(file:line)"; those found while building (a
    # component of the wrong task) had only their path.
    monkeypatch.chdir(ROOT)
    text = _example("breast_cancer")
    old = "  baseline:\n    type: baseline_checker\n    metric: f1"
    config = tmp_path / "workflow.yaml"
    config.write_text(text.replace(old, old.replace("f1", "rmse"), 1))
    line = text[: text.index(old)].count("\n") + 1
    for command in (["check"], ["run", "--backend", "dry-run"]):
        result = runner.invoke(app, [*command, str(config)])
        assert result.exit_code == 2, result.output
        assert f"@ $.components.baseline ({config}:{line})" in result.output, result.output


def test_a_component_that_cannot_be_decoded_hides_no_other_components_problems(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # An unknown `type:` stopped the check before any component was built: a bad
    # parameter elsewhere came only in the next round, once the type was fixed.
    monkeypatch.chdir(ROOT)
    text = _example("breast_cancer")
    text = text.replace(
        "  baseline:\n    type: baseline_checker", "  baseline:\n    type: baseline_chekcer", 1
    )
    text = text.replace("    params: {max_iter: 1000}", "    params: {max_iter: 1000, C: 0}", 1)
    assert "C: 0" in text, "the example changed: update the case"
    config = tmp_path / "workflow.yaml"
    config.write_text(text)
    result = runner.invoke(app, ["check", str(config)])
    assert result.exit_code == 2, result.output
    assert "2 problems" in result.output, result.output
    assert "unknown component type 'baseline_chekcer'" in result.output
    assert "'C' parameter of LogisticRegression" in result.output


@pytest.mark.parametrize(
    ("change", "path", "said"),
    [
        (
            ("  target: target\n", "  target: target\n  index: target\n"),
            "$.settings.index",
            "an id is never the column to predict",
        ),
        (
            ("  model_name: breast_cancer", "  model_name: breast/cancer"),
            "$.settings.model_name",
            "must be non-empty, without '/' or ':'",
        ),
        (
            ("  target: target\n", "  target: ''\n"),
            "$.settings.target",
            "the runner needs `settings.target`",
        ),
    ],
)
def test_a_settings_mistake_is_said_once_at_its_setting(
    change: tuple[str, str], path: str, said: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # A wrong `index:` or `model_name:` was said 11-12 times, once per default component
    # built from the settings, each at that component's path; an empty target passed.
    monkeypatch.chdir(ROOT)
    text = _example("breast_cancer")
    assert change[0] in text, "the example changed: update the case"
    config = tmp_path / "workflow.yaml"
    config.write_text(text.replace(*change, 1))
    result = runner.invoke(app, ["check", str(config)])
    assert result.exit_code == 2, result.output
    assert "1 problem " in result.output, result.output
    assert f"@ {path} (" in result.output, result.output
    assert said in result.output


def _without_probabilities(estimator: str) -> str:
    """The breast cancer example with another estimator for its trainer and tuner (a
    RidgeClassifier searching its `alpha`, as it has no `C`)."""
    text = _example("breast_cancer")
    old = "estimator: sklearn.linear_model:LogisticRegression"
    assert text.count(old) == 2, "the example changed: update the case"
    text = text.replace(old, f"estimator: {estimator}")
    text = text.replace("params: {max_iter: 1000}", "params: {}")
    if estimator.endswith("RidgeClassifier"):
        text = text.replace("C: [0.1, 1.0]", "alpha: [0.1, 1.0]")
    return text


@pytest.mark.parametrize(
    ("changes", "paths"),
    [
        pytest.param(
            [("  approval:\n    metric: f1", "  approval:\n    metric: roc_auc")],
            ["$.settings.approval.metric"],
            id="approved by roc_auc: never deployed",
        ),
        pytest.param(
            [("    metric: f1\n    params:", "    metric: pr_auc\n    params:")],
            ["$.components.tuner.metric"],
            id="trials scored by pr_auc: fails after processing",
        ),
        pytest.param(
            [
                (
                    "    type: baseline_checker\n    metric: f1",
                    "    type: baseline_checker\n    metric: log_loss",
                )
            ],
            ["$.components.baseline.metric"],
            id="a log_loss baseline",
        ),
        pytest.param(
            [
                (
                    "components:\n",
                    "components:\n  metrics: {type: classification_metrics, metrics: [f1, roc_auc]}\n",
                )
            ],
            ["$.components.metrics.metrics"],
            id="roc_auc among the test metrics",
        ),
        pytest.param(
            [
                ("  approval:\n    metric: f1", "  approval:\n    metric: roc_auc"),
                ("    metric: f1\n    params:", "    metric: roc_auc\n    params:"),
            ],
            ["$.settings.approval.metric", "$.components.tuner.metric"],
            id="every one at once",
        ),
    ],
)
@pytest.mark.parametrize(
    "estimator",
    ["sklearn.linear_model:RidgeClassifier", "sklearn.svm:SVC", "sklearn.svm:LinearSVC"],
)
def test_a_probability_metric_for_a_model_without_probabilities_is_refused(
    estimator: str,
    changes: list[tuple[str, str]],
    paths: list[str],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # roc_auc, pr_auc and log_loss need predict_proba. An approval rule by one of them
    # never found it in a RidgeClassifier's metrics: the run ended "done", never deploying;
    # a tuner or baseline scored by one failed after the data was processed.
    monkeypatch.chdir(ROOT)
    text = _without_probabilities(estimator)
    for old, new in changes:
        assert old in text, "the example changed: update the case"
        text = text.replace(old, new, 1)
    config = tmp_path / "workflow.yaml"
    config.write_text(text)
    result = runner.invoke(app, ["check", str(config)])
    assert result.exit_code == 2, result.output
    for path in paths:
        assert f"@ {path}" in result.output
    assert "predict_proba" in result.output
    assert estimator.replace(":", ".") in result.output
    assert "Traceback" not in result.output


@pytest.mark.parametrize(
    ("estimator", "params", "space"),
    [
        ("sklearn.linear_model:LogisticRegression", "{max_iter: 1000}", "C: [0.1, 1.0]"),
        ("sklearn.svm:SVC", "{probability: true}", "C: [0.1, 1.0]"),
        ("sklearn.ensemble:RandomForestClassifier", "{n_estimators: 5}", "max_depth: [2, 3]"),
        ("sklearn.linear_model:SGDClassifier", "{loss: log_loss}", "alpha: [0.001, 0.01]"),
    ],
)
def test_a_probability_metric_for_a_model_with_probabilities_checks(
    estimator: str, params: str, space: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(ROOT)
    text = _without_probabilities(estimator).replace("params: {}", f"params: {params}")
    text = text.replace("C: [0.1, 1.0]", space)
    text = text.replace("  approval:\n    metric: f1", "  approval:\n    metric: roc_auc", 1)
    text = text.replace("    metric: f1\n    params:", "    metric: log_loss\n    params:", 1)
    config = tmp_path / "workflow.yaml"
    config.write_text(text)
    result = runner.invoke(app, ["check", str(config)])
    assert result.exit_code == 0, result.output


def test_a_python_approval_rule_by_roc_auc_for_a_model_without_probabilities_is_refused(
    tmp_path: Path,
) -> None:
    house = Shop(tmp_path)
    settings = house.settings("churned")
    components = evolve(
        house.components(settings, shop()), trainer=sklearn_trainer(RidgeClassifier)
    )
    rule = classification_rule("roc_auc")
    with pytest.raises(SettingError) as raised:
        classification_runner(components, settings, "deploy", approval=rule)
    assert raised.value.field == "$.settings.approval.metric"
    assert "RidgeClassifier has no predict_proba" in str(raised.value)
    classification_runner(components, settings, "train", approval=rule)  # nothing approved
    classification_runner(components, settings, "deploy", approval=classification_rule("f1"))
    manual = classification_rule("roc_auc", manual=True)
    classification_runner(components, settings, "deploy", approval=manual)
    logistic = evolve(components, trainer=sklearn_trainer(LogisticRegression))
    classification_runner(logistic, settings, "deploy", approval=rule)


@pytest.mark.parametrize("size", ["valid_size", "test_size"])
def test_an_empty_part_of_the_split_is_refused_by_check_and_by_the_run(
    size: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """`valid_size: 0` (or `test_size: 0`) passed the check; the run failed after
    processing with scikit-learn's "Found array with 0 sample(s) ... SimpleImputer"."""
    monkeypatch.chdir(tmp_path)
    config = tmp_path / "workflow.yaml"
    config.write_text(
        "runner: regression\nsettings: {model_name: d, target: target}\ncomponents:\n"
        "  data: {type: sklearn_dataset, name: diabetes}\n"
        "  trainer: {type: sklearn_model, estimator: 'sklearn.linear_model:Ridge'}\n"
        f"  splitter: {{type: splitter, target: target, {size}: 0}}\n"
    )
    result = runner.invoke(app, ["check", str(config)])
    assert result.exit_code == 2, result.output
    assert f"@ $.components.splitter.{size}" in result.output
    part = size.removesuffix("_size")
    assert f"the {part} part would be empty" in result.output
