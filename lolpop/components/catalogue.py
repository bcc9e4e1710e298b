"""Every built-in component implementation, by tag (what `BUILTINS` holds).

`MODULES` names, for each tag, the module whose `KINDS` defines it: the registry imports
a kind's module when a config first names its tag, so `lolpop check` imports the modules
of the kinds a workflow uses (and those its runner's defaults use), not all of them.
Listing every kind (`lolpop.config.registry.catalogue_kinds`) imports every module,
which is light: each imports scikit-learn, SciPy, MLflow, matplotlib, SQLAlchemy or
DuckDB only inside the steps that use them (a test holds it to that). A test holds
`MODULES` to the modules' own `KINDS`.
"""

from __future__ import annotations

from collections.abc import Mapping

_PACKAGE = "lolpop.components"

MODULES: Mapping[str, str] = {
    tag: f"{_PACKAGE}.{module}"
    for module, tags in (
        ("file_connector", ("csv", "parquet")),
        ("json_connector", ("json", "jsonl")),
        ("duckdb_connector", ("duckdb",)),
        ("sklearn_datasets", ("sklearn_dataset",)),
        ("vega_datasets", ("vega_dataset",)),
        ("sql_connector", ("sql",)),
        ("function_transformer", ("function",)),
        ("splitter", ("splitter",)),
        ("encoder", ("column_encoder",)),
        ("sklearn_trainer", ("sklearn_model",)),
        ("tuner", ("grid_search", "random_search")),
        ("metrics", ("classification_metrics", "regression_metrics")),
        ("forecast", ("forecast_metrics",)),
        ("model_checker", ("baseline_checker",)),
        ("profiler", ("pandas_profiler",)),
        ("data_checker", ("rules_checker",)),
        ("drift", ("drift",)),
        ("bias", ("bias_checker",)),
        ("explainer", ("permutation_explainer",)),
        ("visualizer", ("matplotlib_visualizer",)),
        ("mlflow_tracker", ("mlflow",)),
        ("memory_tracker", ("memory",)),
        ("mlflow_repository", ("mlflow_registry",)),
        ("version_store", ("local_store",)),
        ("local_repository", ("local_registry",)),
        ("notifier", ("log_notifier",)),
        ("webhook_notifier", ("webhook",)),
    )
    for tag in tags
}
