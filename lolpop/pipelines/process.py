"""The process pipeline: read, transform, version, profile, check, compare with the last
version of the same dataset.

    spec --> read --> transform --> required columns --> start the run --> (last version)
         --> version --> log dataset
        --> profile --> write and log the report --> check --> notify (WARN, ERROR)
        --> stop (ERROR, unless told not to) --> drift against the last version --> data

Each arrow joins component steps, so a dry run lists every effect (versioning,
tracking, writing the report, notifying) and performs none. The version is saved before
the checks run: data that fails a check is still kept, under its version, for a person
to look at. A stop on ERROR ends the run as FAILED before it fails the pipeline.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd
from attrs import evolve, frozen

from lolpop.components._errors import DataError
from lolpop.components.profiler import report_writer
from lolpop.components.records import (
    Artifact,
    CheckReport,
    DataChecker,
    DataComparer,
    DataConnector,
    DataProfiler,
    DataTransformer,
    DriftReport,
    Level,
    Message,
    MetadataTracker,
    Notifier,
    Profile,
    ResourceVersionControl,
    RunRef,
    RunSpec,
    Status,
    Version,
)
from lolpop.core.combinators import map_each
from lolpop.core.decorator import make_step
from lolpop.core.step import Step
from lolpop.pipelines._runs import ending_failed
from lolpop.pipelines.wiring import Carrier, lift, need


@frozen
class ProcessComponents:
    """What the process pipeline works with."""

    connector: DataConnector
    profiler: DataProfiler
    checker: DataChecker
    comparer: DataComparer
    store: ResourceVersionControl
    tracker: MetadataTracker
    notifier: Notifier
    transformer: DataTransformer | None = None


@frozen
class ProcessSettings:
    """How the process pipeline treats one dataset."""

    #: The dataset's name: its versions are numbered under it.
    dataset: str
    #: Where profile reports are written (a folder per run inside it).
    reports: str = "reports"
    #: Stop the workflow when a check says ERROR.
    stop_on_error: bool = True
    #: Columns the data must have (e.g. the target), checked before anything is kept.
    required: tuple[str, ...] = ()


@frozen
class ProcessedData:
    """A dataset read, versioned, profiled, checked and compared."""

    run: RunRef
    dataset: str
    frame: pd.DataFrame
    version: Version
    #: The dataset's latest version before this one (None the first time).
    previous: Version | None
    profile: Profile
    check: CheckReport
    #: Drift against `previous` (None the first time, or when the data did not change).
    drift: DriftReport | None
    reports: tuple[str, ...] = ()


@frozen
class _State:
    spec: RunSpec
    ref: RunRef | None = None
    frame: pd.DataFrame | None = None
    previous: Version | None = None
    version: Version | None = None
    profile: Profile | None = None
    reports: tuple[str, ...] = ()
    check: CheckReport | None = None
    drift: DriftReport | None = None

    @property
    def run(self) -> RunRef:
        return need(self.ref, "starting its run")


def _start(spec: RunSpec) -> _State:
    return _State(spec)


def _frame(state: _State) -> pd.DataFrame:
    return need(state.frame, "reading its data")


def _version(state: _State) -> Version:
    return need(state.version, "versioning its data")


def _profile(state: _State) -> Profile:
    return need(state.profile, "profiling its data")


def _worst(state: _State) -> Status:
    return state.check.status if state.check is not None else Status.OK


def _message(dataset: str, state: _State) -> Message:
    report = state.check
    problems = report.problems() if report is not None else ()
    lines = "; ".join(f"{r.rule}: {r.message}" for r in problems[:5])
    more = f" (and {len(problems) - 5} more)" if len(problems) > 5 else ""
    level = Level.ERROR if _worst(state) is Status.ERROR else Level.WARNING
    return Message(level, f"{len(problems)} check(s) not OK: {lines}{more}", f"data {dataset}")


def process_pipeline(
    components: ProcessComponents, settings: ProcessSettings
) -> Step[RunSpec, ProcessedData]:
    """read -> transform -> version -> profile -> check -> compare with the last version."""
    c, name = components, settings.dataset

    def has_required(state: _State) -> _State:
        frame = _frame(state)
        missing = [column for column in settings.required if column not in frame.columns]
        if missing:
            where = f" {c.connector.location!r}" if c.connector.location else ""
            raise DataError(
                f"the data{where} has no column {', '.join(map(repr, missing))}, which the "
                f"workflow needs (its columns: {', '.join(map(str, frame.columns))}). Nothing "
                "was versioned or recorded."
            )
        return state

    def last_version(versions: tuple[Version, ...]) -> Version | None:
        return versions[-1] if versions else None

    def stop(state: _State) -> _State:
        report = state.check
        problems = report.problems() if report is not None else ()
        errors = [r for r in problems if r.status is Status.ERROR]
        shown = "; ".join(f"{r.rule}: {r.message}" for r in errors[:5])
        raise DataError(
            f"the data {name!r} (version {_version(state).number}) failed "
            f"{len(errors)} check(s) at ERROR: {shown}. It is kept as that version; set "
            f"`stop_on_error: false` to go on anyway."
        )

    def is_error(state: _State) -> bool:
        return settings.stop_on_error and _worst(state) is Status.ERROR

    def has_changed(state: _State) -> bool:
        previous = state.previous
        return previous is not None and previous.digest != _version(state).digest

    def finish(state: _State) -> ProcessedData:
        return ProcessedData(
            state.run,
            name,
            _frame(state),
            _version(state),
            state.previous,
            _profile(state),
            need(state.check, "checking its data"),
            state.drift,
            state.reports,
        )

    def artifacts(state: _State) -> list[tuple[RunRef, Artifact]]:
        return [(state.run, Artifact(path, "data_profile")) for path in state.reports]

    def previous(state: _State) -> Version:
        return need(state.previous, f"an earlier version of {name!r} to compare with")

    on = Carrier(_State)
    steps = on.through(c.connector.read, lambda s: None, lambda s, f: evolve(s, frame=f))
    if c.transformer is not None:
        steps = steps >> on.through(
            c.transformer.transform, _frame, lambda s, f: evolve(s, frame=f)
        )
    if settings.required:
        steps = steps >> make_step(has_required, name="required_columns")
    # The run starts once the data is read and has what it needs: bad input leaves no run.
    steps = steps >> on.through(
        c.tracker.start_run, lambda s: s.spec, lambda s, r: evolve(s, ref=r)
    )
    # The report's folder is the dataset's; each run's copy is kept by the tracker.
    write_report = report_writer(str(Path(settings.reports) / name), title=f"Data {name}")
    compare = ((lift(previous, "previous") >> c.store.load_frame) & lift(_frame, "current")) >> (
        c.comparer.compare
    )
    rest = (
        on.through(
            c.store.versions, lambda s: name, lambda s, v: evolve(s, previous=last_version(v))
        )
        >> on.through(
            c.store.save_frame, lambda s: (name, _frame(s)), lambda s, v: evolve(s, version=v)
        )
        >> on.effect(c.tracker.log_dataset, lambda s: (s.run, _version(s)))
        >> on.through(c.profiler.profile, _frame, lambda s, p: evolve(s, profile=p))
        >> on.through(write_report, _profile, lambda s, paths: evolve(s, reports=paths))
        >> on.effect(map_each(c.tracker.log_artifact), artifacts)
        >> on.through(c.checker.check, _frame, lambda s, r: evolve(s, check=r))
        >> on.when(
            lambda s: _worst(s) is not Status.OK,
            on.effect(c.notifier.notify, lambda s: _message(name, s)),
            "has_problems",
        )
        >> on.when(is_error, lift(stop, "stop_on_error"), "is_error")
        >> on.when(
            has_changed,
            on.through(compare, lambda s: s, lambda s, d: evolve(s, drift=d), name="drift"),
            "has_changed",
        )
    )
    steps = steps >> ending_failed(rest, c.tracker, lambda s: s.run)
    entry, exit_ = make_step(_start, name="start"), make_step(finish, name="processed")
    return (entry >> steps >> exit_).named("process")
