"""A metadata tracker in memory, for tests and dry runs (`type: memory`).

Design notes:

- It keeps the MLflow tracker's contract wherever that applies (the rules live in
  `lolpop.components._mlflow`): the same key rules, value limits and cuts, the same
  refusals (an unknown or ended run, a param logged again with another value, a bool
  metric, a second model in one run, class labels that cannot be recorded), and the
  same tags MLflow sets (`mlflow.runName`, `mlflow.parentRunId`, `lolpop.dataset.<name>`,
  `lolpop.model`, and each artifact file's `lolpop.sha256.<artifact path>`). A pipeline
  tested against it behaves the same against MLflow. What it does not copy is storage
  detail: it keeps ±inf metrics as they are (MLflow's sqlite store clamps them to
  ±1.8e308), and it records artifacts by path without copying them (their digests are
  those of the files when they were logged). A model is kept as the object it is, so
  its `ModelArtifact` has no digest or serialization, and it sets no model digest tags:
  there are no files to check (the MLflow registry refuses its models).
- A `MemoryStore` is the mutable part, shared by every step of one tracker and
  guarded by a lock (steps may run in threads). It holds frozen `MemoryRun` snapshots
  and replaces a run's snapshot on each change, so what a test reads never changes
  under it. Checking that a run is running and changing it happen under one lock hold.
- Run ids are random (uuid4 hex, like MLflow's); a run started without a name is named
  `run-<n>` (MLflow makes up a name too).
"""

from __future__ import annotations

import os
import posixpath
import threading
import uuid
from collections.abc import Callable, Mapping

from attrs import Factory, evolve, frozen

from lolpop.components._errors import DataError
from lolpop.components._kinds import make_kind
from lolpop.components._mlflow import (
    MODEL_FOLDER,
    MODEL_TAG,
    PARENT_TAG,
    RUN_NAME_TAG,
    RUNNING,
    TrackingError,
    artifact_digest_tags,
    check_folder,
    check_key,
    check_status,
    dataset_tag,
    ended_run_error,
    metric_value,
    model_metadata,
    param_value,
    tag_value,
    unknown_run_error,
)
from lolpop.components.records import (
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
from lolpop.config.registry import ComponentKind
from lolpop.core.decorator import make_step


@frozen
class MemorySettings:
    """`type: memory`: runs kept in this process's memory (for tests)."""

    #: The experiment name runs are recorded under.
    experiment: str = "lolpop"


@frozen
class MemoryRun:
    """One run as the memory tracker keeps it: a snapshot, replaced on every change."""

    run_id: str
    experiment: str
    name: str
    parent: str | None = None
    status: str = RUNNING
    params: Mapping[str, str] = Factory(dict)
    #: The latest value of each metric.
    metrics: Mapping[str, float] = Factory(dict)
    #: Every value of each metric, oldest first.
    metric_history: Mapping[str, tuple[float, ...]] = Factory(dict)
    tags: Mapping[str, str] = Factory(dict)
    #: Artifact paths in the run (`folder/file name`) and the local files they came from.
    artifacts: Mapping[str, str] = Factory(dict)
    datasets: Mapping[str, Version] = Factory(dict)
    model: ModelArtifact | None = None


class MemoryStore:
    """The runs of a memory tracker, in the order they were started (thread-safe)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._runs: dict[str, MemoryRun] = {}

    def runs(self) -> tuple[MemoryRun, ...]:
        """Every run, oldest first."""
        with self._lock:
            return tuple(self._runs.values())

    def run(self, run_id: str) -> MemoryRun:
        """The run with id `run_id` (`TrackingError` if there is none)."""
        with self._lock:
            found = self._runs.get(run_id)
        if found is None:
            raise unknown_run_error(run_id, "this memory tracker")
        return found

    def named(self, name: str) -> tuple[MemoryRun, ...]:
        """The runs named `name`, oldest first."""
        return tuple(run for run in self.runs() if run.name == name)

    def start(self, spec: RunSpec, experiment: str) -> MemoryRun:
        """A new running run for `spec` (its parent must be a run of this store)."""
        tags = {check_key("tag", key): tag_value(value) for key, value in spec.tags.items()}
        with self._lock:
            if spec.parent is not None and spec.parent.run_id not in self._runs:
                raise unknown_run_error(spec.parent.run_id, "this memory tracker (the parent)")
            name = spec.name or f"run-{len(self._runs) + 1}"
            tags[RUN_NAME_TAG] = name
            if spec.parent is not None:
                tags[PARENT_TAG] = spec.parent.run_id
            run = MemoryRun(
                run_id=uuid.uuid4().hex,
                experiment=experiment,
                name=name,
                parent=spec.parent.run_id if spec.parent else None,
                tags=tags,
            )
            self._runs[run.run_id] = run
        return run

    def update(self, run_id: str, change: Callable[[MemoryRun], MemoryRun]) -> MemoryRun:
        """Replace running run `run_id` with `change(run)`; an ended run is refused."""
        with self._lock:
            run = self._runs.get(run_id)
            if run is None:
                raise unknown_run_error(run_id, "this memory tracker")
            if run.status != RUNNING:
                raise ended_run_error(run_id, run.name, run.status)
            changed = change(run)
            self._runs[run_id] = changed
        return changed


def _merge_params(run: MemoryRun, params: Mapping[str, str]) -> MemoryRun:
    changed = {
        key: (run.params[key], value)
        for key, value in params.items()
        if key in run.params and run.params[key] != value
    }
    if changed:
        listed = ", ".join(f"{k!r}: {old!r} -> {new!r}" for k, (old, new) in changed.items())
        raise TrackingError(
            f"params of run {run.name!r} ({run.run_id}) cannot change once logged: {listed}. "
            "Log the new values in a new run."
        )
    return evolve(run, params={**run.params, **params})


def _add_metrics(run: MemoryRun, metrics: Mapping[str, float]) -> MemoryRun:
    history = dict(run.metric_history)
    for key, value in metrics.items():
        history[key] = (*history.get(key, ()), value)
    return evolve(run, metrics={**run.metrics, **metrics}, metric_history=history)


def _add_model(run: MemoryRun, artifact: ModelArtifact) -> MemoryRun:
    if run.model is not None:
        raise TrackingError(
            f"run {run.name!r} ({run.run_id}) already has a model ({run.model.uri}); a run "
            "records one model: log another in a nested run."
        )
    return evolve(run, model=artifact, tags={**run.tags, MODEL_TAG: artifact.uri})


def memory_tracker(store: MemoryStore | None = None, experiment: str = "lolpop") -> MetadataTracker:
    """A tracker that keeps runs in `store` (a new one if not given), like MLflow would."""
    runs = store if store is not None else MemoryStore()

    def start_run(spec: RunSpec) -> RunRef:
        """Start a run (nested in `spec.parent` if given) with the spec's tags."""
        run = runs.start(spec, experiment)
        return RunRef(run.run_id, experiment, run.name)

    def log_params(request: tuple[RunRef, Params]) -> RunRef:
        """Record params as strings; a param logged again must keep its value."""
        ref, params = request
        values = {check_key("param", k): param_value(v) for k, v in params.items()}
        runs.update(ref.run_id, lambda run: _merge_params(run, values))
        return ref

    def log_metrics(request: tuple[RunRef, Metrics]) -> RunRef:
        """Record metric values (NaN is kept; each key keeps its history)."""
        ref, metrics = request
        values = {check_key("metric", k): metric_value(k, v) for k, v in metrics.items()}
        runs.update(ref.run_id, lambda run: _add_metrics(run, values))
        return ref

    def set_tags(request: tuple[RunRef, Mapping[str, str]]) -> RunRef:
        """Set tags; a tag set again takes the later value."""
        ref, tags = request
        values = {check_key("tag", k): tag_value(v) for k, v in tags.items()}
        runs.update(ref.run_id, lambda run: evolve(run, tags={**run.tags, **values}))
        return ref

    def log_artifact(request: tuple[RunRef, Artifact]) -> RunRef:
        """Record a file (or folder) under the artifact's folder, by path, with each file's
        SHA-256 as the tag `lolpop.sha256.<artifact path>`."""
        ref, artifact = request
        folder = check_folder(artifact.folder)
        if not os.path.exists(artifact.path):
            raise DataError(f"cannot log the artifact {artifact.path!r}: there is no such file.")
        name = posixpath.join(folder, os.path.basename(os.path.normpath(artifact.path)))
        source = os.path.abspath(artifact.path)
        digests = artifact_digest_tags(artifact.path, folder)
        runs.update(
            ref.run_id,
            lambda run: evolve(
                run, artifacts={**run.artifacts, name: source}, tags={**run.tags, **digests}
            ),
        )
        return ref

    def log_dataset(request: tuple[RunRef, Version]) -> RunRef:
        """Record a dataset version as the tag `lolpop.dataset.<name>`."""
        ref, version = request
        key = dataset_tag(version.name)
        value = f"{version.name}:{version.number}:{version.digest}"
        runs.update(
            ref.run_id,
            lambda run: evolve(
                run,
                tags={**run.tags, key: value},
                datasets={**run.datasets, version.name: version},
            ),
        )
        return ref

    def log_model(request: tuple[RunRef, FittedModel[TaskKind]]) -> ModelArtifact:
        """Record a model (one per run), addressed as `memory:/<run id>/model`."""
        ref, model = request
        model_metadata(model)  # the MLflow tracker refuses what it cannot record: so here
        artifact = ModelArtifact(f"memory:/{ref.run_id}/{MODEL_FOLDER}", ref, model)
        runs.update(ref.run_id, lambda run: _add_model(run, artifact))
        return artifact

    def end_run(request: tuple[RunRef, str]) -> RunRef:
        """End a running run with FINISHED, FAILED or KILLED."""
        ref, status = request
        check_status(status)
        runs.update(ref.run_id, lambda run: evolve(run, status=status))
        return ref

    return MetadataTracker(
        start_run=make_step(start_run, effect=True),
        log_params=make_step(log_params, effect=True),
        log_metrics=make_step(log_metrics, effect=True),
        set_tags=make_step(set_tags, effect=True),
        log_artifact=make_step(log_artifact, effect=True),
        log_dataset=make_step(log_dataset, effect=True),
        log_model=make_step(log_model, effect=True),
        end_run=make_step(end_run, effect=True),
    )


def _from_settings(settings: MemorySettings) -> MetadataTracker:
    return memory_tracker(experiment=settings.experiment)


KINDS: tuple[ComponentKind, ...] = (
    make_kind(
        "memory",
        MemorySettings,
        _from_settings,
        "Keeps runs, params, metrics, tags, artifacts and models in memory (for tests).",
    ),
)
