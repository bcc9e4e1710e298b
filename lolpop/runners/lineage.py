"""Lineage: from a registered model version back to its run, its winning experiment and
the dataset versions it was trained on, and forward to the predictions made with it.

Everything is read from MLflow through the tags the runners write:

- a model version's `run_id` is its training run;
- the training run's `lolpop.dataset.<name>` tags name the dataset versions
  (`name:number:sha256`), and `lolpop.winning_experiment` the nested run of the
  winning trial;
- a prediction run's `lolpop.model_version` tag (`name:version`) names the model it
  used, and its `lolpop.predictions` tag the predictions' version.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from attrs import frozen

from lolpop.components._mlflow import DATASET_TAG_PREFIX, resolve_tracking_uri
from lolpop.components.mlflow_repository import APPROVED_TAG, REASON_TAG
from lolpop.errors import LolpopError
from lolpop.pipelines.predict import MODEL_VERSION_TAG, PREDICTIONS_TAG
from lolpop.pipelines.train import WINNING_EXPERIMENT_TAG

if TYPE_CHECKING:
    from mlflow import MlflowClient


class LineageError(LolpopError):
    """A model or version that the registry does not have."""


@frozen
class Lineage:
    """The chain of one model version."""

    model: str
    version: int
    aliases: tuple[str, ...]
    approval: str
    run_id: str
    run_name: str
    metrics: tuple[tuple[str, float], ...]
    datasets: tuple[str, ...]
    experiment_id: str | None
    experiment_params: tuple[tuple[str, str], ...]
    predictions: tuple[tuple[str, str], ...]

    def to_text(self) -> str:
        """The chain, a line per link."""
        lines = [
            f"model {self.model} version {self.version}"
            + (f" (aliases: {', '.join(self.aliases)})" if self.aliases else ""),
            f"  approval: {self.approval}",
            f"  trained in run {self.run_id} ({self.run_name})",
        ]
        if self.metrics:
            shown = ", ".join(f"{k} {v:.4f}" for k, v in self.metrics)
            lines.append(f"    test metrics: {shown}")
        for dataset in self.datasets:
            lines.append(f"    on dataset version {dataset}")
        if self.experiment_id:
            params = ", ".join(f"{k}={v}" for k, v in self.experiment_params)
            lines.append(f"    winning experiment: run {self.experiment_id} ({params})")
        for run_id, predictions in self.predictions:
            lines.append(f"  predictions {predictions} (run {run_id})")
        return "\n".join(lines)


def _known_models(client: MlflowClient, reference: str) -> str:
    """What to say after a model not found: the registry's models, and that a config's
    file is not a model's name."""
    names = sorted(model.name for model in client.search_registered_models(max_results=9))
    shown = ", ".join(names[:8]) + (", ..." if len(names) > 8 else "")
    known = f"; its models: {shown}" if names else "; it has no models yet"
    if Path(reference).suffix in {".yaml", ".yml", ".toml"} or Path(reference).is_file():
        known += "; lineage takes a model's name (a config's `settings.model_name`), not a config"
    return known


def lineage(reference: str, tracking_uri: str | None = None) -> Lineage:
    """The lineage of `MODEL[:VERSION]` (the champion, else the latest, without a version)."""
    from mlflow import MlflowClient  # noqa: PLC0415 (heavy: imported on use)
    from mlflow.exceptions import MlflowException  # noqa: PLC0415

    name, _, wanted = reference.partition(":")
    uri = resolve_tracking_uri(tracking_uri)
    client = MlflowClient(tracking_uri=uri, registry_uri=uri)
    try:
        if wanted or reference.endswith(":"):
            if not wanted.isdigit():
                raise LineageError(f"{reference!r}: a version is a number, e.g. {name}:3.")
            version = client.get_model_version(name, wanted)
        else:
            try:
                version = client.get_model_version_by_alias(name, "champion")
            except MlflowException:
                found = client.search_model_versions(f"name = '{name}'")
                if not found:
                    raise
                version = max(found, key=lambda v: int(v.version))
        run = client.get_run(version.run_id) if version.run_id else None
    except MlflowException as error:
        raise LineageError(
            f"the registry at {uri} has no model {reference!r} ({error.message.splitlines()[0]})"
            f"{_known_models(client, reference)}."
        ) from None
    tags = run.data.tags if run is not None else {}
    datasets = tuple(
        value for key, value in sorted(tags.items()) if key.startswith(DATASET_TAG_PREFIX)
    )
    metrics = tuple(
        sorted(
            (k, v) for k, v in (run.data.metrics if run else {}).items() if k.startswith("test_")
        )
    )
    winner = tags.get(WINNING_EXPERIMENT_TAG)
    params: tuple[tuple[str, str], ...] = ()
    if winner:
        params = tuple(sorted(client.get_run(winner).data.params.items()))
    experiment_ids = [run.info.experiment_id] if run is not None else []
    predicted = client.search_runs(
        experiment_ids,
        f"tags.`{MODEL_VERSION_TAG}` = '{name}:{version.version}' "
        f"and tags.`{PREDICTIONS_TAG}` != ''",
    )
    predictions = tuple((r.info.run_id, r.data.tags.get(PREDICTIONS_TAG, "?")) for r in predicted)
    approval = version.tags.get(REASON_TAG) or "no decision recorded"
    if APPROVED_TAG in version.tags:
        verdict = "approved" if version.tags[APPROVED_TAG] == "true" else "rejected"
        approval = f"{verdict}: {approval}"
    return Lineage(
        model=name,
        version=int(version.version),
        aliases=tuple(version.aliases or ()),
        approval=approval,
        run_id=version.run_id or "?",
        run_name=tags.get("mlflow.runName", ""),
        metrics=metrics,
        datasets=datasets,
        experiment_id=winner,
        experiment_params=params,
        predictions=predictions,
    )
