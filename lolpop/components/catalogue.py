"""Every built-in component implementation, by tag (what `BUILTINS` holds).

Importing this module imports every implementation module, which is light: each
imports scikit-learn, SciPy, MLflow, matplotlib, SQLAlchemy or DuckDB only inside the steps
that use them (a test holds it to that).
"""

from __future__ import annotations

from lolpop.components import (
    bias,
    data_checker,
    drift,
    duckdb_connector,
    encoder,
    explainer,
    file_connector,
    forecast,
    function_transformer,
    json_connector,
    local_repository,
    memory_tracker,
    metrics,
    mlflow_repository,
    mlflow_tracker,
    model_checker,
    notifier,
    profiler,
    sklearn_datasets,
    sklearn_trainer,
    splitter,
    sql_connector,
    tuner,
    vega_datasets,
    version_store,
    visualizer,
    webhook_notifier,
)
from lolpop.config.registry import ComponentKind

KINDS: tuple[ComponentKind, ...] = (
    *file_connector.KINDS,
    *json_connector.KINDS,
    *duckdb_connector.KINDS,
    *sklearn_datasets.KINDS,
    *vega_datasets.KINDS,
    *sql_connector.KINDS,
    *function_transformer.KINDS,
    *splitter.KINDS,
    *encoder.KINDS,
    *sklearn_trainer.KINDS,
    *tuner.KINDS,
    *metrics.KINDS,
    *forecast.KINDS,
    *model_checker.KINDS,
    *profiler.KINDS,
    *data_checker.KINDS,
    *drift.KINDS,
    *bias.KINDS,
    *explainer.KINDS,
    *visualizer.KINDS,
    *mlflow_tracker.KINDS,
    *memory_tracker.KINDS,
    *mlflow_repository.KINDS,
    *version_store.KINDS,
    *local_repository.KINDS,
    *notifier.KINDS,
    *webhook_notifier.KINDS,
)
