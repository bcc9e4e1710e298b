"""The catalogue: every built-in tag is registered, decodes from YAML, and builds the
component type it promises; importing it stays light."""

from __future__ import annotations

import importlib
import json
import subprocess
import sys

import pytest

from lolpop.components import records as r
from lolpop.components.catalogue import MODULES
from lolpop.config import load_text
from lolpop.config.registry import BUILTINS, Registry

LOGISTIC = "sklearn.linear_model:LogisticRegression"

#: tag -> (component type, the smallest settings that build it, as a YAML flow mapping body)
EXPECTED: dict[str, tuple[type, str]] = {
    "csv": (r.DataConnector, "path: data/train.csv"),
    "parquet": (r.DataConnector, "path: data/train.parquet"),
    "sklearn_dataset": (r.DataConnector, "name: iris"),
    "sql": (r.DataConnector, "url: 'sqlite:///x.db', table: t"),
    "json": (r.DataConnector, "path: data/train.json"),
    "jsonl": (r.DataConnector, "path: data/train.jsonl"),
    "duckdb": (r.DataConnector, "query: 'SELECT * FROM read_csv(''data/train.csv'')'"),
    "vega_dataset": (r.DataConnector, "name: seattle-weather"),
    "function": (
        r.DataTransformer,
        "function: 'tests.components.transform_fns:add_ratio', allow: [tests]",
    ),
    "splitter": (r.DataSplitter, "target: y"),
    "column_encoder": (r.FeatureEncoder, ""),
    "sklearn_model": (r.ModelTrainer, f"estimator: '{LOGISTIC}'"),
    "grid_search": (
        r.HyperparameterTuner,
        f"estimator: '{LOGISTIC}', metric: f1, space: {{C: [0.1, 1.0]}}",
    ),
    "random_search": (
        r.HyperparameterTuner,
        f"estimator: '{LOGISTIC}', metric: f1, space: {{C: [0.1, 1.0]}}",
    ),
    "classification_metrics": (r.MetricsEvaluator, ""),
    "regression_metrics": (r.MetricsEvaluator, ""),
    "forecast_metrics": (r.MetricsEvaluator, ""),
    "baseline_checker": (r.ModelChecker, "metric: accuracy"),
    "pandas_profiler": (r.DataProfiler, ""),
    "rules_checker": (r.DataChecker, ""),
    "drift": (r.DataComparer, ""),
    "bias_checker": (r.BiasChecker, "column: group"),
    "permutation_explainer": (r.ModelExplainer, ""),
    "matplotlib_visualizer": (r.ModelVisualizer, ""),
    "mlflow": (r.MetadataTracker, ""),
    "memory": (r.MetadataTracker, ""),
    "mlflow_registry": (r.ModelRepository, "model_name: m"),
    "local_store": (r.ResourceVersionControl, ""),
    "local_registry": (r.ModelRepository, ""),
    "log_notifier": (r.Notifier, ""),
    "webhook": (r.Notifier, "url: 'http://127.0.0.1:9/hook'"),
}


def test_every_builtin_tag_is_registered() -> None:
    assert set(EXPECTED) <= set(BUILTINS.kinds)
    assert set(MODULES) <= set(EXPECTED)  # and each is tried here


@pytest.mark.parametrize("tag", sorted(EXPECTED))
def test_a_builtin_decodes_from_yaml_and_builds_its_component_type(tag: str) -> None:
    component_type, settings = EXPECTED[tag]
    extra = f", {settings}" if settings else ""
    text = f"runner: r\ncomponents:\n  it: {{type: {tag}{extra}}}\n"
    config = load_text(text).unwrap()
    kind = BUILTINS.get(tag)
    assert kind is not None
    assert kind.description, f"{tag} has no description"
    built = kind.build(config.components["it"].settings)
    assert isinstance(built, component_type)


def _printed_by(code: str) -> str:
    """What a fresh Python process running `code` prints."""
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    return out.stdout.strip()


def test_importing_the_catalogue_stays_light() -> None:
    code = (
        "import sys; from lolpop.config.registry import catalogue_kinds; "
        "catalogue_kinds('lolpop.components.catalogue'); "
        "heavy = [m for m in ('sklearn', 'scipy', 'mlflow', 'matplotlib', 'sqlalchemy', "
        "'prefect') if m in sys.modules]; print(','.join(heavy))"
    )
    assert _printed_by(code) == ""


@pytest.mark.parametrize("catalogue", ["lolpop.components.catalogue", "lolpop.runners.catalogue"])
def test_the_catalogue_names_each_tags_own_module(catalogue: str) -> None:
    # The registry imports a tag's module alone: the table must say where each kind is.
    modules = importlib.import_module(catalogue).MODULES
    defined = {
        kind.tag: module
        for module in set(modules.values())
        for kind in importlib.import_module(module).KINDS
    }
    assert dict(modules) == defined


def test_a_classification_check_imports_only_the_kinds_it_names() -> None:
    # Before: the whole catalogue and all three runners (~30 ms of a ~0.5 s check).
    code = (
        "import sys\n"
        "from lolpop.config.registry import BUILTINS, RUNNERS\n"
        "assert BUILTINS.get('csv') is not None and RUNNERS.get('classification')\n"
        "print(sorted(m for m in ('lolpop.components.webhook_notifier', "
        "'lolpop.components.json_connector', 'lolpop.runners.forecasting.kind') "
        "if m in sys.modules))\n"
    )
    assert _printed_by(code) == "[]"


def test_an_unknown_tag_still_meets_every_kind() -> None:
    registry = Registry(catalogue="lolpop.components.catalogue")
    assert registry.get("no_such_kind") is None
    assert set(EXPECTED) <= set(registry.kinds)
    assert registry.get("csv") is BUILTINS.get("csv")


def test_every_kind_is_listed_in_the_catalogues_order_whatever_was_looked_up_first() -> None:
    first = Registry(catalogue="lolpop.components.catalogue")
    looked_up = Registry(catalogue="lolpop.components.catalogue")
    for tag in ("webhook", "csv", "sklearn_model"):
        assert looked_up.get(tag) is not None
    assert list(looked_up.kinds) == list(first.kinds)


_BUILD_EACH_WHILE_CHECKING = """
import json, sys
from lolpop._lazy import declaring
from lolpop.config import load_text
from lolpop.config.registry import BUILTINS

failed = {}
pandas = False
with declaring():
    for tag, settings in json.loads(sys.argv[1]).items():
        pandas = pandas or "pandas" in sys.modules  # before the last, random_search
        extra = f", {settings}" if settings else ""
        config = load_text(f"runner: r\\ncomponents:\\n  it: {{type: {tag}{extra}}}\\n").unwrap()
        try:
            BUILTINS.get(tag).build(config.components["it"].settings)
        except Exception as error:
            failed[tag] = repr(error)
print(json.dumps({"failed": failed, "pandas": pandas}))
"""


def test_every_builtin_builds_while_checking_without_importing_pandas() -> None:
    # A check builds each component with pandas' classes stood in for (lolpop._lazy): a
    # kind that read a class attribute of pandas' at build would fail only then.
    # (`function` is left out: its function's module, the user's, imports pandas. And
    # `random_search` comes last: its first draw of a space is scikit-learn's, which
    # imports pandas, then kept.)
    order = sorted(EXPECTED, key=lambda tag: tag == "random_search")
    settings = {tag: EXPECTED[tag][1] for tag in order if tag != "function"}
    done = json.loads(_printed_by_with(_BUILD_EACH_WHILE_CHECKING, json.dumps(settings)))
    assert done == {"failed": {}, "pandas": False}


def _printed_by_with(code: str, argument: str) -> str:
    out = subprocess.run(
        [sys.executable, "-c", code, argument], capture_output=True, text=True, check=True
    )
    return out.stdout.strip().splitlines()[-1]
