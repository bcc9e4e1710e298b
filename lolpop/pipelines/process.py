"""The process pipeline: read, transform, version, profile, check, compare with the last
version of the same dataset.

    spec --> read --> transform --> required columns --> start the run --> (last version)
         --> version --> log dataset
        --> profile --> write and log the report --> check --> notify (WARN, ERROR)
        --> stop (ERROR, unless told not to) --> drift against the last version --> data

The pipeline is a `Flow`: each value (the frame, its version, the profile, the check)
is made by one component step from the values it reads, so a dry run lists every
effect (versioning, tracking, writing the report, notifying) and performs none, and a
step cannot read a value before the step that makes it. Two decisions are steps of
their own: the required columns (before the run starts) and the stop on ERROR. The
version is saved before the checks run: data that fails a check is still kept, under
its version, for a person to look at. A stop on ERROR ends the run as FAILED before it
fails the pipeline.
"""

from __future__ import annotations

import functools
from pathlib import Path

from attrs import frozen

from lolpop._lazy import pd
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
from lolpop.core.flow import Flow
from lolpop.core.step import Step
from lolpop.pipelines._runs import failed_run


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


def _last(versions: tuple[Version, ...]) -> Version | None:
    return versions[-1] if versions else None


def _problems(check: CheckReport) -> bool:
    return check.status is not Status.OK


def _message(dataset: str, check: CheckReport) -> Message:
    problems = check.problems()
    lines = "; ".join(f"{r.rule}: {r.message}" for r in problems[:5])
    more = f" (and {len(problems) - 5} more)" if len(problems) > 5 else ""
    level = Level.ERROR if check.status is Status.ERROR else Level.WARNING
    return Message(level, f"{len(problems)} check(s) not OK: {lines}{more}", f"data {dataset}")


def _changed(previous: Version | None, version: Version) -> Version | None:
    """The earlier version to compare with: the last one, when the data changed since."""
    return previous if previous is not None and previous.digest != version.digest else None


def _artifacts(run: RunRef, paths: tuple[str, ...]) -> list[tuple[RunRef, Artifact]]:
    return [(run, Artifact(path, "data_profile")) for path in paths]


def process_pipeline(
    components: ProcessComponents, settings: ProcessSettings
) -> Step[RunSpec, ProcessedData]:
    """read -> transform -> version -> profile -> check -> compare with the last version."""
    c, name = components, settings.dataset

    def required_columns(frame: pd.DataFrame) -> pd.DataFrame:
        """Refuse data that lacks a column the workflow needs (nothing is kept)."""
        missing = [column for column in settings.required if column not in frame.columns]
        if missing:
            where = f" {c.connector.location!r}" if c.connector.location else ""
            raise DataError(
                f"the data{where} has no column {', '.join(map(repr, missing))}, which the "
                f"workflow needs (its columns: {', '.join(map(str, frame.columns))}). Nothing "
                "was versioned or recorded."
            )
        return frame

    def stop_on_error(check: CheckReport, version: Version) -> CheckReport:
        """Stop the workflow when a check says ERROR (the data is kept under its version)."""
        errors = [r for r in check.problems() if r.status is Status.ERROR]
        if errors:
            shown = "; ".join(f"{r.rule}: {r.message}" for r in errors[:5])
            raise DataError(
                f"the data {name!r} (version {version.number}) failed {len(errors)} check(s) "
                f"at ERROR: {shown}. It is kept as that version; set `stop_on_error: false` "
                "to go on anyway."
            )
        return check

    def processed(  # noqa: PLR0917 (a flow's values, in order)
        run: RunRef,
        frame: pd.DataFrame,
        version: Version,
        previous: Version | None,
        profile: Profile,
        check: CheckReport,
        drift: DriftReport | None,
        reports: tuple[str, ...],
    ) -> ProcessedData:
        return ProcessedData(run, name, frame, version, previous, profile, check, drift, reports)

    # The report's folder is the dataset's; each run's copy is kept by the tracker.
    write_report = report_writer(str(Path(settings.reports) / name), title=f"Data {name}")
    f = Flow(RunSpec, "process")
    frame = f.call(c.connector.read, f.const(None))
    if c.transformer is not None:
        frame = f.call(c.transformer.transform, frame)
    if settings.required:
        frame = f.decide("required_columns", required_columns, frame)
    # The run starts once the data is read and has what it needs: bad input leaves no run.
    run = f.call(c.tracker.start_run, f.input)
    with f.guard(failed_run(c.tracker), run):
        previous = f.apply(_last, f.call(c.store.versions, f.const(name)))
        version = f.call(c.store.save_frame, f.const(name), frame)
        f.call(c.tracker.log_dataset, run, version)
        profile = f.call(c.profiler.profile, frame)
        reports = f.call(write_report, profile)
        f.call(map_each(c.tracker.log_artifact), f.apply(_artifacts, run, reports))
        check = f.call(c.checker.check, frame)
        notice = f.apply(functools.partial(_message, name), check)
        f.call_if(f.apply(_problems, check), c.notifier.notify, notice)
        if settings.stop_on_error:
            check = f.decide("stop_on_error", stop_on_error, check, version)
        reference = f.call_some(c.store.load_frame, f.apply(_changed, previous, version))
        drift = f.call_some(c.comparer.compare, reference, frame)
    return f.build(
        f.apply(processed, run, frame, version, previous, profile, check, drift, reports)
    )
