"""A metadata tracker on MLflow (`type: mlflow`).

Design notes:

- Every call names its run: steps use an `MlflowClient` with explicit run ids, never
  MLflow's fluent `mlflow.start_run` (a process-wide "active run" that steps running in
  threads or Prefect tasks would share and trample).
- Nested runs carry the tag `mlflow.parentRunId`, which MLflow's UI nests on; every run
  carries `mlflow.runName`. The rules for names, values and statuses (and the refusal
  to log to an ended run, which MLflow itself accepts) are those of
  `lolpop.components._mlflow`, shared with the in-memory tracker. Each step reads the
  run first (~8 ms on sqlite) to check that it is running.
- Params are strings (`str(value)`); a param logged again with the same value is
  skipped, with another value refused (MLflow would refuse it with a less helpful
  message). Metrics go in one `log_batch` with step 0 (their history is kept by time);
  NaN is kept.
- A dataset version is recorded as the run tag `lolpop.dataset.<name>` =
  `<name>:<number>:<digest>` (lineage reads these tags), and also as an MLflow dataset
  input, so the UI lists it; the input's digest is cut to MLflow's 36 characters, the
  tag keeps the whole digest.
- A model is saved with `mlflow.sklearn.save_model` into a temporary folder and
  uploaded as the run's `model` folder with lolpop's metadata in `model/lolpop.json`
  (task, features, target, classes, params), so that `runs:/<run id>/model` loads with
  `mlflow.pyfunc.load_model` and a repository can rebuild the `FittedModel`. Its pip
  requirements are given (the installed versions of scikit-learn, NumPy, SciPy, pandas
  and the serializer, `_mlflow.model_requirements`), which spares MLflow a 6-9 s
  inference in a subprocess, and MLflow's scan of every installed distribution to check
  them is skipped (`_mlflow.unchecked_requirements`); skops is imported without the
  test frameworks its import pulls in (`_skops.import_skops`). One model per run (the
  run gets the tag `lolpop.model`); log more in nested runs.
- Serialization is `skops` by default (MLflow's default): loading runs no code, but skops
  loads only the types it trusts, and MLflow checks at save time that the model will
  load. Linear models, pipelines and encoders pass; tree models hold two types skops does
  not trust by default, scikit-learn's own tree structure and numpy's dtype, and a model
  bundled with lolpop's encoder calls two of lolpop's functions
  (`lolpop.components._trust.SKLEARN_TRUSTED_TYPES`): lolpop trusts those, so trees,
  forests and bundles work out of the box. Any other type skops refuses is named in the
  error, to be listed in `trusted_types` after review (recorded in the model's MLmodel
  file, so loading trusts them too).
  `cloudpickle` saves and loads any estimator but runs code when loaded: load only
  models you logged (the MLflow registry loads one only once its files match the digest
  lolpop recorded when it logged it).
- Integrity: after saving, the model folder gets a manifest (`lolpop-manifest.json`,
  every file's path and SHA-256); the manifest's SHA-256 is the model's digest, set as
  the run tag `lolpop.model_sha256` with the format as `lolpop.model_format`, and
  returned in the `ModelArtifact`. The MLflow registry copies both to the model
  version and checks the downloaded files against them before loading anything. Every
  file `log_artifact` uploads (reports, figures) has its SHA-256 recorded as the run
  tag `lolpop.sha256.<artifact path>`, computed from the file that was uploaded.
- Experiments are created on first use with an artifact location beside the sqlite
  database (`<db dir>/mlartifacts/<experiment>`) or under `artifact_root`, never in the
  current folder's `mlruns`.
"""

from __future__ import annotations

import json
import os
import re
import tempfile
import time
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Literal, TypeVar

from attrs import field, frozen

from lolpop._process import gone, this_process
from lolpop.components._errors import DataError
from lolpop.components._kinds import make_kind
from lolpop.components._mlflow import (
    MODEL_DIGEST_TAG,
    MODEL_FOLDER,
    MODEL_FORMAT_TAG,
    MODEL_MANIFEST_FILE,
    MODEL_METADATA_FILE,
    MODEL_TAG,
    PARENT_TAG,
    RUN_NAME_TAG,
    RUNNING,
    ClientHolder,
    TrackingError,
    artifact_digest_tags,
    check_folder,
    check_key,
    check_status,
    dataset_tag,
    ended_run_error,
    folder_files,
    is_missing,
    metric_value,
    mlflow_errors,
    model_metadata,
    model_requirements,
    param_value,
    tag_value,
    unchecked_requirements,
    unknown_run_error,
    write_manifest,
)
from lolpop.components._skops import import_skops
from lolpop.components._trust import SKLEARN_TRUSTED_TYPES
from lolpop.components.records import (
    FAILED_STEP_TAG,
    Artifact,
    FittedModel,
    MetadataTracker,
    Metrics,
    ModelArtifact,
    Params,
    RunRef,
    RunSpec,
    TaskKind,
    Version,
)
from lolpop.config.records import OUTPUT_PATH
from lolpop.config.registry import ComponentKind
from lolpop.core.decorator import make_step

#: The process (`host:pid`) that runs the run, so that one left RUNNING by a killed
#: process can be told from one still going (`lolpop.runners.hygiene`).
PROCESS_TAG = "lolpop.process"
#: "true" on a run `lolpop runs` (or the next `lolpop run`) marked KILLED because its
#: process was gone; "reopened" once a resumed run took it over.
SWEPT_TAG = "lolpop.swept"

if TYPE_CHECKING:
    from mlflow.entities import Run

_T = TypeVar("_T")

#: MLflow's largest batches (`mlflow.utils.validation`).
_PARAMS_PER_BATCH = 100
_METRICS_PER_BATCH = 1000


@frozen
class MlflowSettings:
    """`type: mlflow`: runs in an MLflow tracking store."""

    #: None: `MLFLOW_TRACKING_URI`, else `sqlite:///mlflow.db` in the current folder.
    tracking_uri: str | None = field(default=None, metadata=OUTPUT_PATH)
    #: The MLflow experiment runs are recorded in (created when missing).
    experiment: str = "lolpop"
    #: None: `MLFLOW_REGISTRY_URI`, else the tracking URI.
    registry_uri: str | None = field(default=None, metadata=OUTPUT_PATH)
    #: Where new experiments keep artifacts (None: beside a sqlite database).
    artifact_root: str | None = field(default=None, metadata=OUTPUT_PATH)
    #: How models are serialized (see the module notes).
    serialization: Literal["skops", "cloudpickle"] = "skops"
    #: Types skops may load beyond those it trusts by default, e.g.
    #: `sklearn.tree._tree.Tree` for tree models (only types you have reviewed).
    trusted_types: tuple[str, ...] = ()


def _chunks(items: Sequence[_T], size: int) -> list[Sequence[_T]]:
    return [items[i : i + size] for i in range(0, len(items), size)]


def _save_refusal(message: str) -> str:
    """Why MLflow could not save a model, and what to change when skops refused a type."""
    found = re.search(r"Untrusted types found in the file: \[([^\]]*)\]", message)
    if found is None:
        return f"MLflow could not save the model: {message}"
    return (
        f"skops does not trust these types of the model by default: {found.group(1)}. If "
        "you trust the models you log, list them in the tracker's `trusted_types` setting "
        "(they are recorded with the model, so loading it trusts them too), or set "
        "`serialization: cloudpickle` (which runs code when a model is loaded)."
    )


class _MlflowTracker:
    """The steps of an MLflow tracker, sharing one client holder."""

    def __init__(self, settings: MlflowSettings) -> None:
        self._settings = settings
        self._holder = ClientHolder(settings.tracking_uri, settings.registry_uri)

    def _where(self) -> str:
        return f"the MLflow tracking store {self._holder.tracking_uri}"

    def _read(self, ref: RunRef) -> Run:
        client = self._holder.client()
        try:
            with mlflow_errors(f"read run {ref.run_id}"):
                return client.get_run(ref.run_id)
        except TrackingError as error:
            if is_missing(error):
                raise unknown_run_error(ref.run_id, self._where()) from error
            raise

    def _running(self, ref: RunRef) -> Run:
        """The run `ref` names, which must exist and be running.

        A run whose process died is taken over by this process (a resumed lolpop run
        logs on into the runs its killed run started): one still RUNNING gets this
        process's tag, and one that `lolpop runs` marked KILLED for it is reopened; so is
        one a failed step ended FAILED (`FAILED_STEP_TAG`), once its cause is fixed."""
        run = self._read(ref)
        tags = run.data.tags
        # Which tag let it be reopened: KILLED by a sweep, or FAILED by a failed step.
        reopen = {"KILLED": SWEPT_TAG, "FAILED": FAILED_STEP_TAG}.get(run.info.status)
        ended = reopen is not None and tags.get(reopen) == "true"
        if (run.info.status != RUNNING and not ended) or run.info.lifecycle_stage != "active":
            raise ended_run_error(ref.run_id, run.info.run_name, run.info.status)
        owner = tags.get(PROCESS_TAG, "")
        if ended or (owner != this_process() and gone(owner)):
            client = self._holder.client()
            with mlflow_errors(f"take over run {ref.run_id}"):
                if reopen is not None and ended:
                    client.update_run(ref.run_id, status=RUNNING)
                    client.set_tag(ref.run_id, reopen, "reopened")
                client.set_tag(ref.run_id, PROCESS_TAG, this_process())
            run = self._read(ref)
        return run

    def start_run(self, spec: RunSpec) -> RunRef:
        """Start a run (nested in `spec.parent` if given) with the spec's tags."""
        tags = {check_key("tag", key): tag_value(value) for key, value in spec.tags.items()}
        client = self._holder.client()
        experiment_id = self._holder.experiment_id(
            self._settings.experiment, self._settings.artifact_root
        )
        if spec.parent is not None:
            try:
                with mlflow_errors(f"read the parent run {spec.parent.run_id}"):
                    client.get_run(spec.parent.run_id)
            except TrackingError as error:
                if is_missing(error):
                    raise unknown_run_error(spec.parent.run_id, self._where()) from error
                raise
            tags[PARENT_TAG] = spec.parent.run_id
        if spec.name:
            tags[RUN_NAME_TAG] = spec.name
        tags[PROCESS_TAG] = this_process()
        with mlflow_errors(f"start a run in the experiment {self._settings.experiment!r}"):
            run = client.create_run(experiment_id, tags=tags, run_name=spec.name or None)
        return RunRef(run.info.run_id, self._settings.experiment, run.info.run_name or "")

    def log_params(self, request: tuple[RunRef, Params]) -> RunRef:
        """Record params as strings; a param logged again must keep its value."""
        from mlflow.entities import Param  # noqa: PLC0415 (heavy: imported on use)

        ref, params = request
        values = {check_key("param", k): param_value(v) for k, v in params.items()}
        logged = self._running(ref).data.params
        changed = {k: (logged[k], v) for k, v in values.items() if k in logged and logged[k] != v}
        if changed:
            listed = ", ".join(f"{k!r}: {old!r} -> {new!r}" for k, (old, new) in changed.items())
            raise TrackingError(
                f"params of run {ref.name!r} ({ref.run_id}) cannot change once logged: "
                f"{listed}. Log the new values in a new run."
            )
        new = [Param(k, v) for k, v in values.items() if k not in logged]
        client = self._holder.client()
        for chunk in _chunks(new, _PARAMS_PER_BATCH):
            with mlflow_errors(f"log params to run {ref.run_id}"):
                client.log_batch(ref.run_id, params=chunk)
        return ref

    def log_metrics(self, request: tuple[RunRef, Metrics]) -> RunRef:
        """Record metric values in batches (NaN is kept)."""
        from mlflow.entities import Metric  # noqa: PLC0415 (heavy: imported on use)

        ref, metrics = request
        now = int(time.time() * 1000)
        values = [
            Metric(check_key("metric", k), metric_value(k, v), now, 0) for k, v in metrics.items()
        ]
        self._running(ref)
        client = self._holder.client()
        for chunk in _chunks(values, _METRICS_PER_BATCH):
            with mlflow_errors(f"log metrics to run {ref.run_id}"):
                client.log_batch(ref.run_id, metrics=chunk)
        return ref

    def _set_run_tags(
        self, ref: RunRef, tags: Mapping[str, str], verbatim: Mapping[str, str] | None = None
    ) -> None:
        """Set `tags` (secrets masked, cut to MLflow's limit) and `verbatim` (digests: as is)."""
        from mlflow.entities import RunTag  # noqa: PLC0415 (heavy: imported on use)

        values = [RunTag(check_key("tag", k), tag_value(v)) for k, v in tags.items()]
        values += [RunTag(check_key("tag", k), v) for k, v in (verbatim or {}).items()]
        client = self._holder.client()
        for chunk in _chunks(values, _PARAMS_PER_BATCH):
            with mlflow_errors(f"set tags of run {ref.run_id}"):
                client.log_batch(ref.run_id, tags=chunk)

    def set_tags(self, request: tuple[RunRef, Mapping[str, str]]) -> RunRef:
        """Set tags; a tag set again takes the later value."""
        ref, tags = request
        for key in tags:
            check_key("tag", key)
        self._running(ref)
        self._set_run_tags(ref, tags)
        return ref

    def log_artifact(self, request: tuple[RunRef, Artifact]) -> RunRef:
        """Upload a file (or a folder) into the artifact's folder of the run, recording
        each file's SHA-256 as the tag `lolpop.sha256.<artifact path>`."""
        ref, artifact = request
        folder = check_folder(artifact.folder)
        if not os.path.exists(artifact.path):
            raise DataError(f"cannot log the artifact {artifact.path!r}: there is no such file.")
        self._running(ref)
        digests = artifact_digest_tags(artifact.path, folder)
        with mlflow_errors(f"upload {artifact.path!r} to run {ref.run_id}"):
            self._holder.client().log_artifact(ref.run_id, artifact.path, folder or None)
        self._set_run_tags(ref, {}, verbatim=digests)
        return ref

    def log_dataset(self, request: tuple[RunRef, Version]) -> RunRef:
        """Record a dataset version as the tag `lolpop.dataset.<name>` and a dataset input."""
        from mlflow.entities import Dataset, DatasetInput, InputTag  # noqa: PLC0415 (heavy)

        ref, version = request
        key = dataset_tag(version.name)
        self._running(ref)
        self._set_run_tags(ref, {key: f"{version.name}:{version.number}:{version.digest}"})
        source = {"name": version.name, "number": version.number, "digest": version.digest}
        dataset = Dataset(
            name=version.name,
            digest=version.digest[:36],
            source_type="lolpop",
            source=json.dumps(source),
            profile=json.dumps({"kind": version.kind, "size": version.size}),
        )
        tags = [
            InputTag("lolpop.version", str(version.number)),
            InputTag("lolpop.kind", version.kind),
        ]
        inputs = [DatasetInput(dataset, tags)]
        with mlflow_errors(f"record the dataset {version.name!r} in run {ref.run_id}"):
            client = self._holder.client()
            try:
                client.log_inputs(ref.run_id, datasets=inputs)
            except Exception as error:
                # Two runs recording the same new dataset at once: MLflow looks for it,
                # then inserts it, and the second insert breaks the table's unique key.
                # It exists now, so recording it again only links this run to it.
                if "UNIQUE constraint failed: datasets." not in str(error):
                    raise
                client.log_inputs(ref.run_id, datasets=inputs)
        return ref

    def log_model(self, request: tuple[RunRef, FittedModel[TaskKind]]) -> ModelArtifact:
        """Save the model in MLflow's format as the run's `model` folder (one per run)."""
        import mlflow.sklearn  # noqa: PLC0415 (heavy: imported on use)
        from mlflow.exceptions import MlflowException  # noqa: PLC0415

        ref, model = request
        metadata = model_metadata(model)
        run = self._running(ref)
        tags = run.data.tags
        skops = self._settings.serialization == "skops"
        with tempfile.TemporaryDirectory(prefix="lolpop-model-") as tmp:
            path = os.path.join(tmp, MODEL_FOLDER)
            if skops:
                import_skops()
            try:
                with unchecked_requirements():
                    mlflow.sklearn.save_model(
                        model.estimator,
                        path,
                        serialization_format=self._settings.serialization,
                        pip_requirements=model_requirements(self._settings.serialization),
                        skops_trusted_types=(
                            [*SKLEARN_TRUSTED_TYPES, *self._settings.trusted_types]
                            if skops
                            else None
                        ),
                    )
            except MlflowException as error:
                raise TrackingError(_save_refusal(error.message)) from error
            with open(os.path.join(path, MODEL_METADATA_FILE), "w", encoding="utf-8") as file:
                json.dump(metadata, file, indent=2, sort_keys=True)
            digest = write_manifest(path)
            if MODEL_TAG in tags:
                return self._replayed(ref, model, path)
            with mlflow_errors(f"upload the model to run {ref.run_id}"):
                self._holder.client().log_artifacts(ref.run_id, path, MODEL_FOLDER)
        uri = f"runs:/{ref.run_id}/{MODEL_FOLDER}"
        serialization = self._settings.serialization
        integrity = {MODEL_DIGEST_TAG: digest, MODEL_FORMAT_TAG: serialization}
        self._set_run_tags(ref, {MODEL_TAG: uri}, verbatim=integrity)
        return ModelArtifact(uri, ref, model, digest=digest, serialization=serialization)

    def _replayed(self, ref: RunRef, model: FittedModel[TaskKind], path: str) -> ModelArtifact:
        """The model the run already holds, when `model` (saved at `path`) is that model
        again: the same metadata file (task, features, target, classes, params and the
        estimator's class), which is a resumed run replaying `log_model` (its model comes
        from the step cache; a skops file is not the same bytes twice, so the estimator
        file is not compared). Any other model is refused: a run records one."""
        run = self._read(ref)
        tags = run.data.tags
        recorded = tags.get(MODEL_DIGEST_TAG)
        form = tags.get(MODEL_FORMAT_TAG)
        mine = folder_files(path, skip=MODEL_MANIFEST_FILE)
        theirs: dict[str, str] = {}
        with tempfile.TemporaryDirectory(prefix="lolpop-model-") as tmp:
            with mlflow_errors(f"read the model of run {ref.run_id}"):
                local = self._holder.client().download_artifacts(
                    ref.run_id, f"{MODEL_FOLDER}/{MODEL_MANIFEST_FILE}", tmp
                )
            with open(local, encoding="utf-8") as file:
                listed = json.load(file).get("files", {})
            if isinstance(listed, dict):
                theirs = {str(k): str(v) for k, v in listed.items()}
        same = theirs.get(MODEL_METADATA_FILE) == mine[MODEL_METADATA_FILE]
        if not same or recorded is None or form != self._settings.serialization:
            raise TrackingError(
                f"run {ref.name!r} ({ref.run_id}) already has a model "
                f"({tags[MODEL_TAG]}); a run records one model: log another in a nested run."
            )
        return ModelArtifact(tags[MODEL_TAG], ref, model, digest=recorded, serialization=form)

    def end_run(self, request: tuple[RunRef, str]) -> RunRef:
        """End a running run with FINISHED, FAILED or KILLED."""
        ref, status = request
        check_status(status)
        if self._read(ref).info.status == status:
            return ref  # ended so already (a resumed run ends it again): nothing to do
        self._running(ref)
        with mlflow_errors(f"end run {ref.run_id}"):
            self._holder.client().set_terminated(ref.run_id, status)
        return ref


def mlflow_tracker(settings: MlflowSettings) -> MetadataTracker:
    """A tracker that records runs in MLflow, through a client with explicit run ids."""
    tracker = _MlflowTracker(settings)
    return MetadataTracker(
        start_run=make_step(tracker.start_run, effect=True),
        log_params=make_step(tracker.log_params, effect=True),
        log_metrics=make_step(tracker.log_metrics, effect=True),
        set_tags=make_step(tracker.set_tags, effect=True),
        log_artifact=make_step(tracker.log_artifact, effect=True),
        log_dataset=make_step(tracker.log_dataset, effect=True),
        log_model=make_step(tracker.log_model, effect=True),
        end_run=make_step(tracker.end_run, effect=True),
    )


KINDS: tuple[ComponentKind, ...] = (
    make_kind(
        "mlflow",
        MlflowSettings,
        mlflow_tracker,
        "Records runs, params, metrics, tags, artifacts, dataset versions and models in MLflow.",
    ),
)
