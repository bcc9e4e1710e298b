"""A model repository in a local folder, on the content-addressed store (`type: local_registry`).

Layout under the registry's root:

    store/                              a `LocalStore`: each model version is an object
                                        version of the model's name there
    models/<name>/versions/<n>.json     a version's registration: run id, artifact URI,
                                        the model's SHA-256, tags (among them the
                                        training data's versions)
    models/<name>/aliases/<alias>.json  which version an alias points at
    .lock                               the lock `promote` compares and sets under

Design notes:

- Registering saves the artifact's `FittedModel` in the store, so a version number is a
  store version number, and its source is `lolpop-store://<name>/<number>`. Registering
  a model identical to the latest version returns that version (the store deduplicates),
  with the run id it was first registered with.
- Every small JSON file is written atomically (temporary file, fsync, `os.replace`), so a
  reader sees the old file or the new one. An alias is one file, so moving one alias
  never loses a concurrent move of another. Tags of one version are read, changed and
  written back: two processes approving the same version at once keep the last decision.
- Approval is kept as tags: `approved` (`true`/`false`), `approval_reason`,
  `approved_by`. `promote` moves the champion alias and refuses a version explicitly
  marked not approved (read from the registry, not from the `ModelVersion` passed in,
  which may be stale); a version never reviewed can be promoted.
- Promotion is a compare-and-set: `promote(Promotion(version, expected))` moves the
  champion alias only if it still points at `expected` (None: it must still not exist),
  reading and writing the alias file under an exclusive file lock in the root (`.lock`,
  `lolpop.components._locks`), and otherwise refuses with a
  `StaleChampionRegistryError` naming both versions. `set_alias` stays unconditional.
- A registration's tags start with the dataset versions the model was trained on
  (`ModelArtifact.datasets`): `lolpop.training_data.<name>` = `name:number:sha256`, as
  the MLflow registry records them; the predict pipeline measures drift against them.
- The `ModelVersion`s handed out carry the version's aliases and tags as the registry has
  them when the step runs.
- Integrity by digest: a registration records the SHA-256 of the model's stored blob
  (`sha256`, the store version's digest). `load` compares the store's record of the
  version with it before anything is read, so a version whose record was pointed at
  another blob (another model's, valid in itself) is refused, naming the registration
  and the record; the store then checks the blob's bytes against that digest, that it
  is a skops file, and loads it trusting only lolpop's types (and `trusted_types`): a
  model is never unpickled. A registration without a digest (written before lolpop
  recorded them) is refused: register the model again.
"""

from __future__ import annotations

import json
import os
from collections.abc import Mapping, Sequence
from pathlib import Path

from attrs import field, frozen

from lolpop.components._kinds import make_kind
from lolpop.components._locks import exclusive_lock
from lolpop.components._mlflow import training_data_tags
from lolpop.components.records import (
    Approval,
    FittedModel,
    ModelArtifact,
    ModelRepository,
    ModelVersion,
    Promotion,
    StaleComparisonError,
    TaskKind,
    Version,
)
from lolpop.components.version_store import (
    LocalStore,
    check_resource_name,
    describe_version,
    write_atomically,
)
from lolpop.config.records import OUTPUT_PATH
from lolpop.config.registry import ComponentKind
from lolpop.core.decorator import make_step
from lolpop.errors import LolpopError

SOURCE_SCHEME = "lolpop-store"
#: The registration's field holding the SHA-256 of the model's stored blob.
DIGEST_KEY = "sha256"


class RegistryError(LolpopError):
    """A model version that is not registered, or one that may not be promoted."""


class StaleChampionRegistryError(StaleComparisonError, RegistryError):
    """`promote` refused in a local registry: the champion alias moved since the
    candidate was compared with the champion it pointed at."""


@frozen
class LocalRegistrySettings:
    """`type: local_registry`: model versions, aliases and approvals in a local folder."""

    #: The registry's folder (created when missing).
    root: str = field(default=".lolpop/registry", metadata=OUTPUT_PATH)
    #: The name models are registered under (and whose aliases `get_alias` reads).
    model_name: str = "model"
    #: The alias `promote` moves.
    champion_alias: str = "champion"
    #: Types skops may load beyond its defaults and lolpop's own (only types you reviewed).
    trusted_types: tuple[str, ...] = ()


def _read_json(path: Path) -> dict[str, object] | None:
    try:
        data = json.loads(path.read_bytes())
    except FileNotFoundError:
        return None
    except (OSError, ValueError) as error:
        raise RegistryError(f"cannot read the registry file {str(path)!r}: {error}") from error
    if not isinstance(data, dict):
        raise RegistryError(f"the registry file {str(path)!r} does not hold a JSON object.")
    return data


def _write_json(path: Path, record: Mapping[str, object]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    write_atomically(path, json.dumps(record, indent=2, sort_keys=True).encode("utf-8"))


class LocalRegistry:
    """Registered model versions, their aliases and tags, under one folder."""

    def __init__(
        self,
        root: str | Path,
        model_name: str,
        champion_alias: str,
        trusted_types: Sequence[str] = (),
    ) -> None:
        self.root = Path(root)
        self.model_name = check_resource_name(model_name, "model name")
        self.champion_alias = check_resource_name(champion_alias, "alias")
        self.store = LocalStore(self.root / "store", trusted_types)

    def _model(self, name: str) -> Path:
        return self.root / "models" / check_resource_name(name, "model name")

    def _registration(self, name: str, number: int) -> Path:
        return self._model(name) / "versions" / f"{number}.json"

    def _alias(self, name: str, alias: str) -> Path:
        return self._model(name) / "aliases" / f"{check_resource_name(alias, 'alias')}.json"

    # -- reading --

    def _stored(self, name: str, number: int) -> Version:
        for version in self.store.versions(name):
            if version.number == number:
                return version
        raise RegistryError(
            f"model {name!r} has no version {number} in the registry at {str(self.root)!r}."
        )

    def _aliases_of(self, name: str, number: int) -> tuple[str, ...]:
        folder = self._model(name) / "aliases"
        try:
            entries = sorted(entry.name for entry in os.scandir(folder))
        except FileNotFoundError:
            return ()
        found = []
        for entry in entries:
            if entry.startswith(".") or not entry.endswith(".json"):
                continue
            record = _read_json(folder / entry)
            if record is not None and record.get("version") == number:
                found.append(entry.removesuffix(".json"))
        return tuple(found)

    def model_version(self, name: str, number: int) -> ModelVersion:
        """Version `number` of model `name`, with its aliases and tags as they are now."""
        self._stored(name, number)
        record = _read_json(self._registration(name, number)) or {}
        run_id = record.get("run_id")
        tags = record.get("tags", {})
        return ModelVersion(
            name=name,
            version=number,
            source=f"{SOURCE_SCHEME}://{name}/{number}",
            run_id=run_id if isinstance(run_id, str) else None,
            aliases=self._aliases_of(name, number),
            tags={str(k): str(v) for k, v in tags.items()} if isinstance(tags, dict) else {},
        )

    def _aliased(self, name: str, alias: str) -> int | None:
        """The version number `alias` of model `name` points at, or None."""
        record = _read_json(self._alias(name, alias))
        if record is None:
            return None
        number = record.get("version")
        if not isinstance(number, int):
            raise RegistryError(
                f"the alias {alias!r} of model {name!r} in the registry at "
                f"{str(self.root)!r} holds no version number."
            )
        return number

    def get_alias(self, alias: str) -> ModelVersion | None:
        """The version of the model that `alias` points at, or None."""
        number = self._aliased(self.model_name, alias)
        return None if number is None else self.model_version(self.model_name, number)

    def _check_digest(self, stored: Version) -> None:
        """Refuse a version whose store record no longer names the registered blob."""
        path = self._registration(stored.name, stored.number)
        record = _read_json(path)
        recorded = None if record is None else record.get(DIGEST_KEY)
        if not isinstance(recorded, str):
            where = "has no registration" if record is None else "records no model digest"
            raise RegistryError(
                f"refusing to load model {stored.name!r} version {stored.number}: it {where} "
                f"({str(path)!r}), and lolpop loads only models whose SHA-256 it recorded "
                "when it registered them. Register the model again with this lolpop."
            )
        if recorded != stored.digest:
            record_path = self.store.record_path(stored.name, stored.number)
            raise RegistryError(
                f"refusing to load model {stored.name!r} version {stored.number}: it was "
                f"registered with SHA-256 {recorded[:12]}... ({str(path)!r}), but the store's "
                f"record {str(record_path)!r} now names {describe_version(stored)}: the "
                "record was pointed at another model's file. Restore the record, or "
                "register the model again."
            )

    def load(self, version: ModelVersion) -> FittedModel[TaskKind]:
        """The fitted model of a registered version, its digest checked before loading."""
        stored = self._stored(version.name, version.version)
        self._check_digest(stored)
        model = self.store.load_object(stored)
        if not isinstance(model, FittedModel):
            raise RegistryError(
                f"model {version.name!r} version {version.version} holds a "
                f"{type(model).__name__}, not a FittedModel."
            )
        return model

    # -- writing --

    def register(self, artifact: ModelArtifact) -> ModelVersion:
        """Save the artifact's model as the next version.

        Every registration is a new version, as in MLflow's registry (a model version
        belongs to the run that trained it); an unchanged model shares its stored blob.
        Registering the same artifact again (a resumed run replaying the step) answers
        the version it made the first time.
        """
        again = self._registered(artifact)
        if again is not None:
            return again
        trained_on = training_data_tags(artifact.datasets)
        stored = self.store.save_object(self.model_name, artifact.model, reuse_latest=False)
        path = self._registration(self.model_name, stored.number)
        registration = {
            "run_id": artifact.run.run_id,
            "artifact": artifact.uri,
            DIGEST_KEY: stored.digest,
            "tags": trained_on,
        }
        _write_json(path, registration)
        return self.model_version(self.model_name, stored.number)

    def _registered(self, artifact: ModelArtifact) -> ModelVersion | None:
        """The version already registered from `artifact` (its run and URI), if any."""
        for stored in reversed(self.store.versions(self.model_name)):
            record = _read_json(self._registration(self.model_name, stored.number)) or {}
            if (
                record.get("run_id") == artifact.run.run_id
                and record.get("artifact") == artifact.uri
            ):
                return self.model_version(self.model_name, stored.number)
        return None

    def set_alias(self, version: ModelVersion, alias: str) -> ModelVersion:
        """Point `alias` at `version` (moving it from any other version)."""
        self._stored(version.name, version.version)
        _write_json(self._alias(version.name, alias), {"version": version.version})
        return self.model_version(version.name, version.version)

    def approve(self, version: ModelVersion, approval: Approval) -> ModelVersion:
        """Record the decision on `version` as its tags."""
        self._stored(version.name, version.version)
        path = self._registration(version.name, version.version)
        record = _read_json(path) or {"run_id": version.run_id, "tags": {}}
        tags = record.get("tags")
        tags = dict(tags) if isinstance(tags, dict) else {}
        tags.update(
            approved="true" if approval.approved else "false",
            approval_reason=approval.reason,
            approved_by=approval.by,
        )
        _write_json(path, {**record, "tags": tags})
        return self.model_version(version.name, version.version)

    def promote(self, version: ModelVersion, expected: ModelVersion | None) -> ModelVersion:
        """Move the champion alias to `version` if it still points at `expected` (None: if
        there is no champion), unless `version` was marked not approved."""
        if expected is not None and expected.name != version.name:
            raise RegistryError(
                f"cannot promote model {version.name!r} version {version.version} over the "
                f"champion of another model ({expected.name!r} version {expected.version}) "
                f"in the registry at {str(self.root)!r}: the expected champion must be a "
                "version of the same model."
            )
        current = self.model_version(version.name, version.version)
        if current.tags.get("approved") == "false":
            reason = current.tags.get("approval_reason", "")
            by = current.tags.get("approved_by", "someone")
            raise RegistryError(
                f"refusing to promote model {version.name!r} version {version.version} to "
                f"{self.champion_alias!r}: {by} marked it not approved"
                f"{f' ({reason})' if reason else ''}. Approve it first, or promote another "
                "version."
            )
        alias = self.champion_alias
        wanted = None if expected is None else expected.version
        self.root.mkdir(parents=True, exist_ok=True)
        with exclusive_lock(self.root / ".lock"):
            found = self._aliased(version.name, alias)
            if found not in {wanted, version.version}:  # already there: a replayed step
                where = f"the registry at {str(self.root)!r}"
                raise StaleChampionRegistryError(
                    version.name, alias, version.version, wanted, found, where
                )
            _write_json(self._alias(version.name, alias), {"version": version.version})
        return self.model_version(version.name, version.version)


def _repository_steps(registry: LocalRegistry) -> ModelRepository:
    def register(artifact: ModelArtifact) -> ModelVersion:
        """Register an artifact's model as the next version."""
        return registry.register(artifact)

    def set_alias(aliased: tuple[ModelVersion, str]) -> ModelVersion:
        """Point an alias at a model version."""
        return registry.set_alias(aliased[0], aliased[1])

    def get_alias(alias: str) -> ModelVersion | None:
        """The model version an alias points at, or None."""
        return registry.get_alias(alias)

    def approve(decided: tuple[ModelVersion, Approval]) -> ModelVersion:
        """Record an approval (or a rejection) of a model version."""
        return registry.approve(decided[0], decided[1])

    def promote(promotion: Promotion) -> ModelVersion:
        """Move the champion alias to a model version not marked rejected, if it still
        points at the champion the version was compared with."""
        return registry.promote(promotion.version, promotion.expected)

    def load(version: ModelVersion) -> FittedModel[TaskKind]:
        """The fitted model of a registered version."""
        return registry.load(version)

    return ModelRepository(
        register=make_step(register, effect=True),
        set_alias=make_step(set_alias, effect=True),
        get_alias=make_step(get_alias),
        approve=make_step(approve, effect=True),
        promote=make_step(promote, effect=True),
        load=make_step(load),
    )


def local_registry(settings: LocalRegistrySettings) -> ModelRepository:
    """Model versions, aliases and approvals in a local folder, on the local store."""
    registry = LocalRegistry(
        settings.root, settings.model_name, settings.champion_alias, settings.trusted_types
    )
    return _repository_steps(registry)


KINDS: tuple[ComponentKind, ...] = (
    make_kind(
        "local_registry",
        LocalRegistrySettings,
        local_registry,
        "Registers models in a local content-addressed store; aliases, approvals, promotion.",
    ),
)
