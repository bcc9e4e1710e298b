"""A model repository on MLflow's model registry (`type: mlflow_registry`).

Design notes:

- Aliases, not stages: MLflow has deprecated stages. `promote` moves the champion alias
  (`champion_alias`, default `champion`) to a version; `set_alias` sets any other.
  `get_alias` reads the registered model's aliases and answers None when the model or
  the alias does not exist (MLflow answers both with an error).
- Promotion is a compare-and-set: `promote(Promotion(version, expected))` moves the
  champion alias only if it still points at `expected` (the champion the version was
  compared with; None: it must still not exist), and otherwise refuses with a
  `StaleChampionTrackingError` naming both versions. MLflow has no conditional alias
  update, so on a sqlite registry the alias is read and set under the exclusive lock
  beside the database (`<database>.lock`, the one its first opening takes): two
  processes promoting at once are serialized, and the second sees the first's champion.
  On a registry server the check and the set are serialized within this process only:
  another process can still move the alias between them.
- Approval is a set of version tags: `lolpop.approved` (`true` / `false`),
  `lolpop.approval_reason`, `lolpop.approved_by`. `promote` reads them from the
  registry (not from the `ModelVersion` it is given, which may be stale) and refuses a
  version that was explicitly rejected. A version nobody has decided on is promoted
  unless `require_approval` is set: approval is a gate a pipeline opts into by having
  an approval step, and a pipeline without one can still promote; with
  `require_approval: true` only an approved version can be.
- `register` creates the registered model on first use and a version whose source is
  the tracker's model URI (`runs:/<run id>/model`), tagged `lolpop.run_id`,
  `lolpop.task` and, for each dataset version the model was trained on
  (`ModelArtifact.datasets`), `lolpop.training_data.<name>` = `name:number:sha256` (the
  predict pipeline measures drift against that version), and waits (up to
  `ready_timeout` seconds) until the registry says the version is READY. A model
  recorded by the in-memory tracker (`memory:/...`) is refused: the registry cannot
  read it.
- Integrity by digest: `register` copies the model's digest and serialization format
  (`lolpop.model_sha256`, `lolpop.model_format`, recorded when the tracker logged it)
  into the version's tags, and refuses a model without them. `load` reads them from
  the registry (a version without them is refused: lolpop loads only models whose
  digest it recorded), downloads the version's files, and before deserialising
  anything checks them against the manifest the digest names: a file lolpop did not
  write (such as a `model.pkl` beside a skops model), a missing file or a changed one
  is refused, naming it. It then reads `MLmodel` with `yaml.safe_load` and refuses a
  sklearn flavor whose format or model file is not the recorded one, or that would
  load code (`code`). Only then does it call `mlflow.sklearn.load_model`; skops'
  trusted types come from that verified `MLmodel`, which lolpop wrote. skops is
  imported first without the test frameworks its import pulls in
  (`_skops.import_skops`: pytest, dask), which the checks above do not depend on.
- `load` downloads the version's files through this repository's own client URIs
  (MLflow's `models:/` resolution would use the process-wide registry URI instead) and
  rebuilds the `FittedModel` from `model/lolpop.json` and `mlflow.sklearn.load_model`.
"""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
import threading
import time
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from typing import TYPE_CHECKING

import yaml
from attrs import field, frozen

from lolpop.components._kinds import make_kind
from lolpop.components._mlflow import (
    MODEL_DIGEST_TAG,
    MODEL_FORMAT_TAG,
    MODEL_MANIFEST_FILE,
    MODEL_METADATA_FILE,
    ClientHolder,
    TrackingError,
    UnknownVersionError,
    check_alias,
    database_lock,
    fitted_model,
    folder_files,
    is_missing,
    mlflow_errors,
    resolve_registry_uri,
    sqlite_path,
    training_data_tags,
)
from lolpop.components._skops import import_skops
from lolpop.components.records import (
    Approval,
    FittedModel,
    ModelArtifact,
    ModelRepository,
    ModelVersion,
    Promotion,
    StaleComparisonError,
    TaskKind,
)
from lolpop.config.records import OUTPUT_PATH
from lolpop.config.registry import ComponentKind
from lolpop.core.decorator import make_step
from lolpop.errors import DefinitionError

if TYPE_CHECKING:
    from mlflow import MlflowClient
    from mlflow.entities.model_registry import ModelVersion as MlflowModelVersion

APPROVED_TAG = "lolpop.approved"
REASON_TAG = "lolpop.approval_reason"
APPROVED_BY_TAG = "lolpop.approved_by"
RUN_ID_TAG = "lolpop.run_id"
TASK_TAG = "lolpop.task"

_POLL_SECONDS = 0.2
#: The model file MLflow's sklearn flavor writes for each serialization format.
_MODEL_FILES = {"skops": "model.skops", "cloudpickle": "model.pkl"}
#: File names that hold pickles: never needed beside a skops model.
_PICKLE_SUFFIXES = (".pkl", ".pickle", ".cloudpickle", ".joblib")
#: Serializes alias compare-and-sets on registry servers, within this process (see notes).
_SERVER_ALIASES = threading.Lock()


class StaleChampionTrackingError(StaleComparisonError, TrackingError):
    """`promote` refused in MLflow's registry: the champion alias moved since the
    candidate was compared with the champion it pointed at."""


@frozen
class MlflowRegistrySettings:
    """`type: mlflow_registry`: versions of one registered model in MLflow's registry."""

    #: The registered model's name in MLflow's registry.
    model_name: str
    #: None: `MLFLOW_TRACKING_URI`, else `sqlite:///mlflow.db` in the current folder.
    tracking_uri: str | None = field(default=None, metadata=OUTPUT_PATH)
    #: None: `MLFLOW_REGISTRY_URI`, else the tracking URI.
    registry_uri: str | None = field(default=None, metadata=OUTPUT_PATH)
    #: The alias `promote` moves (and `get_alias` reads).
    champion_alias: str = "champion"
    #: Promote only versions approved with `approve` (otherwise only rejected ones are refused).
    require_approval: bool = False
    #: Seconds `register` waits for the registry to make a version READY.
    ready_timeout: float = 300.0


def _version(found: MlflowModelVersion) -> ModelVersion:
    """lolpop's record of an MLflow model version."""
    return ModelVersion(
        name=found.name,
        version=int(found.version),
        source=found.source or "",
        run_id=found.run_id or None,
        aliases=tuple(found.aliases or ()),
        tags=dict(found.tags or {}),
    )


def check_model_name(name: str) -> None:
    """Refuse a registered model name that is empty, holds '/' or ':', or reads as
    another path (`DefinitionError`)."""
    if not name.strip() or "/" in name or ":" in name or os.path.normpath(name) != name:
        raise DefinitionError(
            f"the registered model name {name!r} (model_name) must be non-empty, without "
            "'/' or ':', and must not read as another path."
        )


def _check_settings(settings: MlflowRegistrySettings) -> None:
    check_model_name(settings.model_name)
    try:
        check_alias(settings.champion_alias)
    except TrackingError as error:
        raise DefinitionError(f"champion_alias: {error}") from error
    if settings.ready_timeout <= 0:
        raise DefinitionError(
            f"ready_timeout must be a positive number of seconds; got {settings.ready_timeout}."
        )


def _refused(what: str, problem: str) -> TrackingError:
    return TrackingError(
        f"refusing to load {what}: {problem}. lolpop loads a model only when its files are "
        "the ones lolpop wrote when it logged it (their digest is recorded in the "
        "registry); log and register the model again from a trusted copy."
    )


def _manifest_files(data: bytes, what: str) -> dict[str, str]:
    """The files and digests a (verified) manifest lists."""
    try:
        manifest = json.loads(data)
    except ValueError as error:
        raise _refused(what, f"its {MODEL_MANIFEST_FILE} is not JSON ({error})") from error
    files = manifest.get("files") if isinstance(manifest, dict) else None
    if not isinstance(files, dict) or not all(
        isinstance(k, str) and isinstance(v, str) for k, v in files.items()
    ):
        raise _refused(what, f"its {MODEL_MANIFEST_FILE} lists no files")
    return {str(k): str(v) for k, v in files.items()}


def check_model_files(folder: str, digest: str, form: str, what: str) -> None:
    """Refuse the model files in `folder` unless they are those the manifest of `digest`
    lists: no file more, none less, none changed. Reads bytes only, loads nothing."""
    manifest = os.path.join(folder, MODEL_MANIFEST_FILE)
    try:
        with open(manifest, "rb") as file:
            data = file.read()
    except OSError as error:
        raise _refused(
            what, f"its manifest {MODEL_MANIFEST_FILE} cannot be read ({error})"
        ) from error
    actual = hashlib.sha256(data).hexdigest()
    if actual != digest:
        raise _refused(
            what,
            f"its file {MODEL_MANIFEST_FILE} was changed (its SHA-256 is {actual[:12]}...; "
            f"the registry records {digest[:12]}...)",
        )
    expected = _manifest_files(data, what)
    found = folder_files(folder, skip=MODEL_MANIFEST_FILE)
    extra = sorted(set(found) - set(expected), key=lambda n: (not n.endswith(_PICKLE_SUFFIXES), n))
    if extra:
        name = extra[0]
        kind = (
            f" (a pickle, beside a {form} model that never needs one)"
            if form == "skops" and name.endswith(_PICKLE_SUFFIXES)
            else ""
        )
        raise _refused(what, f"it holds the file {name!r}, which lolpop did not write{kind}")
    missing = sorted(set(expected) - set(found))
    if missing:
        raise _refused(what, f"its file {missing[0]!r} is missing")
    changed = [name for name in expected if found[name] != expected[name]]
    if changed:
        name = changed[0]
        raise _refused(
            what,
            f"its file {name!r} was changed (its SHA-256 is {found[name][:12]}...; lolpop "
            f"recorded {expected[name][:12]}...)",
        )


def check_sklearn_flavor(folder: str, form: str, what: str) -> None:
    """Refuse a (verified) model folder whose MLmodel would load it otherwise than lolpop
    saved it: another format or model file, or code to import."""
    path = os.path.join(folder, "MLmodel")
    try:
        with open(path, encoding="utf-8") as file:
            conf: object = yaml.safe_load(file)
    except (OSError, yaml.YAMLError) as error:
        raise _refused(what, f"its MLmodel cannot be read ({error})") from error
    flavors = conf.get("flavors") if isinstance(conf, dict) else None
    flavor = flavors.get("sklearn") if isinstance(flavors, dict) else None
    if not isinstance(flavor, Mapping):
        raise _refused(what, "its MLmodel has no sklearn flavor")
    found = flavor.get("serialization_format")
    if found != form:
        raise _refused(
            what,
            f"its MLmodel says the model is serialized with {found!r}, but lolpop recorded "
            f"{form!r} when it logged it",
        )
    model_file = flavor.get("pickled_model")
    if model_file != _MODEL_FILES.get(form):
        raise _refused(
            what,
            f"its MLmodel names the model file {model_file!r}; a {form} model is in "
            f"{_MODEL_FILES.get(form)!r}",
        )
    if flavor.get("code") is not None:
        raise _refused(what, f"its MLmodel names code to import with it ({flavor.get('code')!r})")


class _MlflowRepository:
    """The steps of an MLflow registry repository, sharing one client holder."""

    def __init__(self, settings: MlflowRegistrySettings) -> None:
        _check_settings(settings)
        self._settings = settings
        self._holder = ClientHolder(settings.tracking_uri, settings.registry_uri)

    def _fetch(self, model: str, version: int) -> ModelVersion:
        return _version(_registered(self._holder.client(), model, version))

    def _wait_until_ready(self, model: str, version: str) -> None:
        client = self._holder.client()
        deadline = time.monotonic() + self._settings.ready_timeout
        while True:
            with mlflow_errors(f"read version {version} of the model {model!r}"):
                status = client.get_model_version(model, version).status
            if status == "READY":
                return
            if status == "FAILED_REGISTRATION":
                raise TrackingError(
                    f"the registry failed to register version {version} of {model!r}."
                )
            if time.monotonic() > deadline:
                raise TrackingError(
                    f"version {version} of {model!r} was not READY after "
                    f"{self._settings.ready_timeout:g} s (status {status}); raise ready_timeout."
                )
            time.sleep(_POLL_SECONDS)

    def _integrity(self, artifact: ModelArtifact) -> dict[str, str]:
        """The digest and format tags of the artifact's model, as its run records them."""
        with mlflow_errors(f"read run {artifact.run.run_id}"):
            tags = self._holder.client().get_run(artifact.run.run_id).data.tags
        recorded = {key: tags.get(key) for key in (MODEL_DIGEST_TAG, MODEL_FORMAT_TAG)}
        given = {MODEL_DIGEST_TAG: artifact.digest, MODEL_FORMAT_TAG: artifact.serialization}
        for key, value in given.items():
            if value is not None and recorded[key] is not None and value != recorded[key]:
                raise TrackingError(
                    f"cannot register {artifact.uri}: the artifact says {key} is {value!r}, "
                    f"but its run {artifact.run.run_id} records {recorded[key]!r}. Register "
                    "the ModelArtifact that the tracker's log_model returned for that run."
                )
        chosen = {key: given[key] or recorded[key] for key in given}
        missing = [key for key, value in chosen.items() if not value]
        if missing:
            raise TrackingError(
                f"cannot register {artifact.uri}: its run {artifact.run.run_id} records no "
                f"{' or '.join(missing)}, and lolpop registers only models whose digest it "
                "recorded when it logged them (so that loading can check the files). Log the "
                "model with lolpop's mlflow tracker and register what it returns."
            )
        return {key: str(value) for key, value in chosen.items()}

    def register(self, artifact: ModelArtifact) -> ModelVersion:
        """Register the tracked model as a new version, tagged with its run, its task and
        the dataset versions it was trained on."""
        name = self._settings.model_name
        if artifact.uri.startswith("memory:"):
            raise TrackingError(
                f"the model {artifact.uri} was recorded by the in-memory tracker: the MLflow "
                "registry can only register models logged by the mlflow tracker."
            )
        from mlflow.exceptions import MlflowException  # noqa: PLC0415 (heavy: imported on use)

        integrity = self._integrity(artifact)
        trained_on = training_data_tags(artifact.datasets)
        client = self._holder.client()
        again = self._registered(name, artifact)
        if again is not None:  # a resumed run replaying the step: the version it made
            return again
        with mlflow_errors(f"create the registered model {name!r}"):
            try:
                client.get_registered_model(name)
            except MlflowException as error:
                if not is_missing(error):
                    raise
                try:
                    client.create_registered_model(name)
                except MlflowException as race:
                    # Another thread or process registered it first: use theirs.
                    if race.error_code != "RESOURCE_ALREADY_EXISTS":
                        raise
        tags = {
            RUN_ID_TAG: artifact.run.run_id,
            TASK_TAG: artifact.model.task.name,
            **integrity,
            **trained_on,
        }
        with mlflow_errors(f"register {artifact.uri} as a version of {name!r}"):
            created = client.create_model_version(
                name, source=artifact.uri, run_id=artifact.run.run_id, tags=tags
            )
        self._wait_until_ready(name, created.version)
        return self._fetch(name, int(created.version))

    def _registered(self, name: str, artifact: ModelArtifact) -> ModelVersion | None:
        """The version of `name` already registered from `artifact` (its run and URI)."""
        run_id = artifact.run.run_id
        if not run_id.isalnum():  # MLflow's run ids are hex; no other text enters a filter
            return None
        with mlflow_errors(f"look up the versions of {name!r} from run {run_id}"):
            found = self._holder.client().search_model_versions(f"run_id = '{run_id}'")
        same = sorted(int(v.version) for v in found if v.name == name and v.source == artifact.uri)
        if not same:
            return None
        self._wait_until_ready(name, str(same[0]))
        return self._fetch(name, same[0])

    def set_alias(self, request: tuple[ModelVersion, str]) -> ModelVersion:
        """Point `alias` at this version (moving it from any other)."""
        version, alias = request
        check_alias(alias)
        with mlflow_errors(f"set the alias {alias!r} of {version.name!r}"):
            self._holder.client().set_registered_model_alias(
                version.name, alias, str(version.version)
            )
        return self._fetch(version.name, version.version)

    def _aliased(self, name: str, alias: str) -> int | None:
        """The version number `alias` of model `name` points at (None: no alias or model)."""
        try:
            with mlflow_errors(f"read the registered model {name!r}"):
                aliases = self._holder.client().get_registered_model(name).aliases
        except TrackingError as error:
            if is_missing(error):
                return None
            raise
        version = aliases.get(alias)
        return None if version is None else int(version)

    def get_alias(self, alias: str) -> ModelVersion | None:
        """The version `alias` points at (None if the alias or the model does not exist)."""
        name = self._settings.model_name
        check_alias(alias)
        version = self._aliased(name, alias)
        return None if version is None else self._fetch(name, version)

    def approve(self, request: tuple[ModelVersion, Approval]) -> ModelVersion:
        """Record a decision on this version as its approval tags."""
        version, approval = request
        self._fetch(version.name, version.version)
        tags = {
            APPROVED_TAG: "true" if approval.approved else "false",
            REASON_TAG: approval.reason,
            APPROVED_BY_TAG: approval.by,
        }
        client = self._holder.client()
        with mlflow_errors(f"tag version {version.version} of {version.name!r}"):
            for key, value in tags.items():
                client.set_model_version_tag(version.name, str(version.version), key, value)
        return self._fetch(version.name, version.version)

    def _registry_uri(self) -> str:
        return resolve_registry_uri(self._settings.registry_uri, self._holder.tracking_uri)

    @contextmanager
    def _alias_lock(self) -> Iterator[None]:
        """Hold the lock an alias is compared and set under (module notes)."""
        # The client is opened first: its first opening takes the database's lock too.
        self._holder.client()
        database = sqlite_path(self._registry_uri())
        if database is None:
            with _SERVER_ALIASES:
                yield
        else:
            with database_lock(database):
                yield

    def promote(self, promotion: Promotion) -> ModelVersion:
        """Move the champion alias to the version if it still points at the expected one
        (a stale comparison and a rejected version are refused)."""
        version, expected = promotion.version, promotion.expected
        alias = self._settings.champion_alias
        if expected is not None and expected.name != version.name:
            raise TrackingError(
                f"cannot promote version {version.version} of {version.name!r} over the "
                f"champion of another model ({expected.name!r} v{expected.version}): the "
                "expected champion must be a version of the same registered model."
            )
        current = self._fetch(version.name, version.version)
        decision = current.tags.get(APPROVED_TAG)
        if decision == "false" or (self._settings.require_approval and decision != "true"):
            why = current.tags.get(REASON_TAG, "")
            state = "was rejected" if decision == "false" else "has not been approved"
            raise TrackingError(
                f"version {version.version} of {version.name!r} {state}"
                f"{f' ({why})' if why else ''}: it cannot be promoted to "
                f"{alias!r}. Approve it first, or promote another version."
            )
        wanted = None if expected is None else expected.version
        with self._alias_lock():
            found = self._aliased(version.name, alias)
            if found == version.version:  # already there: a replayed step
                return self._fetch(version.name, version.version)
            if found != wanted:
                where = f"MLflow's registry {self._registry_uri()}"
                raise StaleChampionTrackingError(
                    version.name, alias, version.version, wanted, found, where
                )
            with mlflow_errors(f"set the alias {alias!r} of {version.name!r}"):
                self._holder.client().set_registered_model_alias(
                    version.name, alias, str(version.version)
                )
        return self._fetch(version.name, version.version)

    def load(self, version: ModelVersion) -> FittedModel[TaskKind]:
        """The registered model as a `FittedModel` (estimator and lolpop's metadata)."""
        import mlflow.artifacts  # noqa: PLC0415 (heavy: imported on use)
        import mlflow.sklearn  # noqa: PLC0415

        client = self._holder.client()
        tracking = self._holder.tracking_uri
        registry = resolve_registry_uri(self._settings.registry_uri, tracking)
        current = self._fetch(version.name, version.version)
        what = f"version {version.version} of the model {version.name!r}"
        digest, form = current.tags.get(MODEL_DIGEST_TAG), current.tags.get(MODEL_FORMAT_TAG)
        if not digest or not form:
            raise TrackingError(
                f"refusing to load {what}: the registry records no digest of its files "
                f"({MODEL_DIGEST_TAG}, {MODEL_FORMAT_TAG}), and lolpop loads only models "
                "whose digest it recorded. Re-register the model with lolpop: log it with "
                "lolpop's mlflow tracker and register what that returns."
            )
        if form not in _MODEL_FILES:
            raise TrackingError(
                f"refusing to load {what}: the registry records the format {form!r}, which "
                f"lolpop never writes (it logs {' or '.join(_MODEL_FILES)} models)."
            )
        with tempfile.TemporaryDirectory(prefix="lolpop-model-") as tmp:
            with mlflow_errors(f"download {what}"):
                uri = client.get_model_version_download_uri(version.name, str(version.version))
                local = mlflow.artifacts.download_artifacts(
                    artifact_uri=uri, dst_path=tmp, tracking_uri=tracking, registry_uri=registry
                )
            # Bytes first: nothing is parsed or deserialised before the digest matches.
            check_model_files(local, digest, form, f"{what} ({uri})")
            check_sklearn_flavor(local, form, f"{what} ({uri})")
            where = f"{uri} ({MODEL_METADATA_FILE})"
            try:
                with open(os.path.join(local, MODEL_METADATA_FILE), encoding="utf-8") as file:
                    metadata = json.load(file)
            except (OSError, ValueError) as error:
                raise TrackingError(
                    f"cannot read lolpop's model metadata at {where}: {error}. Was the model "
                    "logged by a lolpop tracker?"
                ) from error
            if form == "skops":
                import_skops()
            with mlflow_errors(f"load the model at {uri}"):
                estimator = mlflow.sklearn.load_model(local)
        if not isinstance(metadata, dict):
            raise TrackingError(f"{where} does not hold a JSON object.")
        return fitted_model(estimator, metadata, where)


def _registered(client: MlflowClient, model: str, version: int) -> MlflowModelVersion:
    """MLflow's record of `version` of `model` (`UnknownVersionError` when there is none)."""
    try:
        with mlflow_errors(f"read version {version} of the model {model!r}"):
            return client.get_model_version(model, str(version))
    except TrackingError as error:
        if is_missing(error):
            raise UnknownVersionError(
                f"the model registry has no version {version} of the model {model!r}."
            ) from error
        raise


def unfinished_run(settings: MlflowRegistrySettings, version: int) -> str | None:
    """How the run that registered `version` ended, when it did not finish (`RUNNING`: it
    died or is still going, `KILLED`, `FAILED`); None when it finished, or when the run is
    not in the tracking store. A person promoting by hand is told (`lolpop approve`): the
    run's later steps (its evaluation, its checks) may never have happened."""
    holder = ClientHolder(settings.tracking_uri, settings.registry_uri)
    name = settings.model_name
    client = holder.client()
    run_id = _registered(client, name, version).run_id
    if not run_id:
        return None
    try:
        with mlflow_errors(f"read the run {run_id}"):
            status = str(client.get_run(run_id).info.status)
    except TrackingError as error:
        if is_missing(error):
            return None
        raise
    return None if status == "FINISHED" else status


def mlflow_repository(settings: MlflowRegistrySettings) -> ModelRepository:
    """A repository of `settings.model_name`'s versions in MLflow's model registry."""
    repository = _MlflowRepository(settings)
    return ModelRepository(
        register=make_step(repository.register, effect=True),
        set_alias=make_step(repository.set_alias, effect=True),
        get_alias=make_step(repository.get_alias, effect=True),
        approve=make_step(repository.approve, effect=True),
        promote=make_step(repository.promote, effect=True),
        load=make_step(repository.load, effect=True),
    )


KINDS: tuple[ComponentKind, ...] = (
    make_kind(
        "mlflow_registry",
        MlflowRegistrySettings,
        mlflow_repository,
        "Registers model versions in MLflow's registry; aliases, approval tags, promotion.",
    ),
)
