"""Run records: what each step did in a run, kept in a ledger.

Every interpreted leaf call leaves one `StepRecord` (path, start, duration, status,
attempt). A ledger keeps them: `MemoryLedger` for a process, `JsonLinesLedger` in a
file that survives the process (one JSON object per line, appended with a single
write each, so a killed run leaves every finished record readable and at most one
torn last line, which readers skip). Dry runs read a ledger to predict durations; the
run ledger that lets a killed run resume will extend these records with cache keys and
output locations.
"""

from __future__ import annotations

import json
import os
import threading
from collections.abc import Iterable, Sequence
from enum import StrEnum
from pathlib import Path
from typing import Protocol

from attrs import asdict, frozen


class StepStatus(StrEnum):
    """How one call of a step ended."""

    SUCCEEDED = "succeeded"
    FAILED = "failed"


@frozen
class StepRecord:
    """One call of one leaf step in one run."""

    run_id: str
    path: str
    #: Wall-clock start, seconds since the epoch.
    started: float
    #: Seconds the call took.
    duration: float
    status: StepStatus
    #: Which attempt this call was (1 unless the step is retried).
    attempt: int = 1
    #: The error's type and message when the call failed.
    error: str = ""
    #: The call's cache key ("" when it has none: no cache, or an input with no digest).
    key: str = ""
    #: The SHA-256 of its kept output ("" when it was not kept).
    output: str = ""
    #: "" when the step ran; "cache" or "resume" when its kept output was reused.
    reused: str = ""


class Ledger(Protocol):
    """Where a backend writes its step records, and where plans read them back."""

    def add(self, record: StepRecord) -> None:
        """Keep one record (thread-safe)."""
        ...

    def records(self) -> Sequence[StepRecord]:
        """Every record kept so far, oldest first."""
        ...


@frozen
class Kept:
    """What a step cache knows of one call: its key, its kept output's SHA-256, and how
    its output was reused ("" when the step ran)."""

    key: str = ""
    output: str = ""
    reused: str = ""


#: One leaf call as an interpreter sees it: path, start, duration, attempt, error, and
#: what the cache kept of it (None: no cache).
RawCall = tuple[str, float, float, int, Exception | None, Kept | None]


def make_record(run_id: str, call: RawCall) -> StepRecord:
    """The `StepRecord` of one raw call."""
    path, started, duration, attempt, error, kept = call
    status = StepStatus.SUCCEEDED if error is None else StepStatus.FAILED
    message = "" if error is None else f"{type(error).__qualname__}: {error}"
    kept = kept or Kept()
    return StepRecord(
        run_id,
        path,
        started,
        duration,
        status,
        attempt,
        message,
        kept.key,
        kept.output,
        kept.reused,
    )


class MemoryLedger:
    """A ledger in this process's memory.

    It takes a run's calls in one batch and makes records of them only when they are
    read, so that recording costs a run a tuple per step.
    """

    write_through = False

    def __init__(self) -> None:
        self._records: list[StepRecord] = []
        self._pending: list[tuple[str, list[RawCall]]] = []
        self._lock = threading.Lock()

    def add(self, record: StepRecord) -> None:
        """Keep one record."""
        with self._lock:
            self._materialize()
            self._records.append(record)

    def add_calls(self, run_id: str, calls: list[RawCall]) -> None:
        """Keep a run's calls, to be made records when read."""
        with self._lock:
            self._pending.append((run_id, calls))

    def records(self) -> Sequence[StepRecord]:
        """Every record kept so far, oldest first."""
        with self._lock:
            self._materialize()
            return tuple(self._records)

    def _materialize(self) -> None:
        for run_id, calls in self._pending:
            self._records.extend(make_record(run_id, call) for call in calls)
        self._pending.clear()


class JsonLinesLedger:
    """A ledger in a JSON-lines file, appended to and never rewritten.

    It writes through: each record is on disk as soon as its step ends.
    """

    write_through = True

    def __init__(self, path: str | os.PathLike[str]) -> None:
        self.path = Path(path)
        self._lock = threading.Lock()

    def add(self, record: StepRecord) -> None:
        """Append one record as one line, in a single write."""
        line = (json.dumps(asdict(record), sort_keys=True) + "\n").encode()
        with self._lock:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            fd = os.open(self.path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
            try:
                os.write(fd, line)
            finally:
                os.close(fd)

    def records(self) -> Sequence[StepRecord]:
        """Every complete record in the file, oldest first (a torn last line is skipped)."""
        if not self.path.exists():
            return ()
        found = []
        for line in self.path.read_text(encoding="utf-8", errors="replace").splitlines():
            try:
                raw = json.loads(line)
                raw["status"] = StepStatus(raw["status"])
                found.append(StepRecord(**raw))
            except (ValueError, TypeError, KeyError):
                continue
        return tuple(found)


def expected_durations(records: Iterable[StepRecord]) -> dict[str, float]:
    """The median duration of each path's successful calls."""
    by_path: dict[str, list[float]] = {}
    for record in records:
        if record.status is StepStatus.SUCCEEDED:
            by_path.setdefault(record.path, []).append(record.duration)
    import statistics  # noqa: PLC0415 (planning only)

    return {path: statistics.median(durations) for path, durations in by_path.items()}
