"""The step cache and the run log: a finished step is kept, so a run can resume.

Keys. A step's key is the SHA-256 of its identity and of its input: its path, its
function's qualified name and code, the values its function closes over (the settings
it was built from; `lolpop.backends._codec.digest`), and its input's digest. The same
step on the same input has the same key in any process.

What is kept. With a cache, every step's output is written to it (content-addressed
blobs, atomic writes) and its key and the blob's SHA-256 go into the run's log. Two
uses:

- *cache hits* across runs: a step whose identity is fully known (every value it closes
  over has a digest) and whose policy allows it (`StepMeta.cache`, not an effect) is
  not run again when its key was kept (and is younger than its `cache_expiry`);
- *resume*: a run started with `resume=` the id of an earlier run reuses every step that
  earlier run finished, effects included (a tracked run is not started twice, a model
  version is not registered twice), and runs only the steps it did not finish and what
  depends on them. Reuse goes by key, so a step whose input changed runs again.

Trust. A blob is loaded only if its SHA-256 is the one the key file or the run log
recorded, and decoded by `_codec` (no pickle but the store's restricted frame pickle).

The run log is a JSON-lines file per run (`<runs>/<run id>.jsonl`): a first line naming
the run (its process, host, program and start), one line per finished step (the
`StepRecord`, with its key and output), and a last line with how the run ended. A run
killed with SIGKILL leaves every finished step's line (each is one write) and no last
line: `unfinished_runs` lists such runs, and whether their process is gone.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import threading
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from pathlib import Path

import attrs
from attrs import frozen

from lolpop._process import HOST, gone
from lolpop.backends import _codec
from lolpop.backends.records import Kept, RawCall, StepRecord, StepStatus, make_record
from lolpop.core._interpret import NOT_KEPT, UNKNOWN, unknown_in
from lolpop.core.step import AnyStep, Leaf
from lolpop.errors import DefinitionError

_MISS = object()


def _atomic_write(path: Path, data: bytes) -> None:
    """`data` at `path` whole or not at all (a temporary file beside it, then a rename)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_name(f".{path.name}.{os.getpid()}-{threading.get_ident():x}.tmp")
    with open(temporary, "wb") as file:
        file.write(data)
        file.flush()
        os.fsync(file.fileno())
    os.replace(temporary, path)


@frozen
class Identity:
    """Who a step is, for its key: a digest, and whether everything it closes over had one
    (a step that closes over something else, a database client say, is resumable but
    not cached across runs)."""

    digest: str
    complete: bool


def identity(step: AnyStep, path: str) -> Identity:
    """The identity of a leaf step at `path`."""
    node = step.node
    assert isinstance(node, Leaf)  # only leaves are cached
    fn = node.fn
    hasher = hashlib.sha256(f"{path}\0{step.name}\0".encode())
    inner = getattr(fn, "__wrapped__", fn)  # a checked step wraps its function
    try:
        hasher.update(_codec.digest(inner).encode())
        complete = True
    except _codec.Unencodable:
        name = f"{getattr(inner, '__module__', '')}:{getattr(inner, '__qualname__', '')}"
        code = getattr(inner, "__code__", None)
        hasher.update(name.encode() + (code.co_code if code is not None else b""))
        complete = False
    return Identity(hasher.hexdigest(), complete)


def key_of(who: Identity, value: object, stamp: Callable[[], str] | None = None) -> str | None:
    """The key of a step on `value`, and on the state of what it reads from outside
    (`stamp`, `StepMeta.stamp`); None when the value has no digest, or what the step
    reads cannot be stamped now (a missing file: the step runs, and says so)."""
    try:
        outside = "" if stamp is None else f"\0{stamp()}"
        return hashlib.sha256(f"{who.digest}\0{_codec.digest(value)}{outside}".encode()).hexdigest()
    except (_codec.Unencodable, OSError):
        return None


class StepCache:
    """Step outputs by key, in a folder: `objects/<sha256>` blobs, `keys/<key>` records."""

    def __init__(self, root: str | os.PathLike[str]) -> None:
        self.root = Path(root)

    def __repr__(self) -> str:
        return f"StepCache({str(self.root)!r})"

    def _blob(self, sha: str) -> Path:
        return self.root / "objects" / sha[:2] / sha

    def _key(self, key: str) -> Path:
        return self.root / "keys" / key[:2] / f"{key}.json"

    def put(self, value: object, key: str | None = None) -> str | None:
        """Keep `value` (under `key`, for later runs, when given); its blob's SHA-256
        (None: it cannot be kept)."""
        try:
            data = _codec.encode(value)
        except _codec.Unencodable:
            return None
        sha = hashlib.sha256(data).hexdigest()
        blob = self._blob(sha)
        if not blob.exists():
            _atomic_write(blob, data)
        if key is not None:
            record = {"sha256": sha, "created": time.time()}
            _atomic_write(self._key(key), json.dumps(record).encode())
        return sha

    def get(self, key: str, max_age: float | None = None) -> tuple[object, str]:
        """The value kept under `key` and its SHA-256, or `MISS` (also when older than
        `max_age` seconds, damaged, or not what its record says)."""
        try:
            record = json.loads(self._key(key).read_bytes())
            sha, created = str(record["sha256"]), float(record["created"])
        except (OSError, ValueError, KeyError, TypeError):
            return _MISS, ""
        if max_age is not None and time.time() - created > max_age:
            return _MISS, ""
        return self.load(sha), sha

    def load(self, sha: str) -> object:
        """The value of the blob `sha`, its digest checked first (`MISS` if it is missing
        or not the blob its digest names)."""
        try:
            data = self._blob(sha).read_bytes()
        except OSError:
            return _MISS
        if hashlib.sha256(data).hexdigest() != sha:
            return _MISS
        try:
            return _codec.decode(data)
        except Exception:  # a blob that decodes to nothing lolpop wrote is a miss
            return _MISS


class Keeping:
    """A run's keeper: a step's output comes from the run being resumed (by key), then
    from the cache (by key, for steps whose policy allows it), else the step runs and
    its output is kept."""

    def __init__(self, cache: StepCache, finished: Mapping[str, str] | None = None) -> None:
        self.cache = cache
        self.finished = dict(finished or {})
        self._identities: dict[tuple[int, str], Identity] = {}
        self._lock = threading.Lock()

    def _identity(self, step: AnyStep, path: str) -> Identity:
        with self._lock:
            found = self._identities.get((id(step), path))
        if found is None:
            found = identity(step, path)
            with self._lock:
                self._identities[(id(step), path)] = found
        return found

    def _reusable(self, step: AnyStep, who: Identity) -> bool:
        return who.complete and not step.meta.effect and step.meta.cache == "key"

    def lookup(self, step: AnyStep, path: str, value: object) -> tuple[object, object]:
        """(what to record of the call, its kept output or `NOT_KEPT`)."""
        who = self._identity(step, path)
        key = key_of(who, value, step.meta.stamp)
        if key is None:
            return Kept(), NOT_KEPT
        sha = self.finished.get(key)
        if sha is not None:
            found = self.cache.load(sha)
            if found is not _MISS:
                return Kept(key, sha, "resume"), found
        reusable = self._reusable(step, who)
        if reusable:
            found, sha = self.cache.get(key, step.meta.cache_expiry)
            if found is not _MISS:
                return Kept(key, sha, "cache"), found
        return _Looked(key, reusable=reusable), NOT_KEPT

    def keep(self, step: AnyStep, lookup: object, output: object) -> object:
        """Keep a call's output (under its key when later runs may reuse it); what to
        record of the call."""
        if not isinstance(lookup, _Looked):
            return lookup
        sha = self.cache.put(output, lookup.key if lookup.reusable else None)
        return Kept(lookup.key, sha or "")


@frozen
class _Looked(Kept):
    """What a lookup found out: what to record, and whether later runs may reuse it."""

    reusable: bool = False


#: What `StepCache.get` and `load` give for a value they do not have.
MISS = _MISS


# --- the run log ----------------------------------------------------------------------


class RunLog:
    """One run's log: a JSON-lines file written through (see the module notes)."""

    write_through = True

    def __init__(self, folder: str | os.PathLike[str], run_id: str) -> None:
        self.folder = Path(folder)
        self.run_id = run_id
        self.path = self.folder / f"{run_id}.jsonl"
        self._lock = threading.Lock()

    def _append(self, record: Mapping[str, object]) -> None:
        line = (json.dumps(record, sort_keys=True) + "\n").encode()
        with self._lock:
            self.folder.mkdir(parents=True, exist_ok=True)
            fd = os.open(self.path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
            try:
                os.write(fd, line)
            finally:
                os.close(fd)

    def begin(self, program: str, resumes: str = "", workflow: str = "") -> None:
        """The first line: who runs what (resuming which run; of which config), since when."""
        self._append(
            {
                "run": self.run_id,
                "program": program,
                "workflow": workflow,
                "resumes": resumes,
                "pid": os.getpid(),
                "host": HOST,
                "started": time.time(),
            }
        )

    def end(self, status: str) -> None:
        """The last line: how the run ended."""
        self._append({"end": status, "at": time.time()})

    def add(self, record: StepRecord) -> None:
        """One finished step (thread-safe, one write)."""
        self._append({"step": {**attrs.asdict(record), "status": str(record.status)}})

    def records(self) -> Sequence[StepRecord]:
        """Every finished step of the run, oldest first (a torn last line is skipped)."""
        return tuple(record for record in _lines(self.path) if isinstance(record, StepRecord))

    def finished(self) -> Mapping[str, str]:
        """Every key the run finished, with its output's SHA-256 (what a resume reuses)."""
        return {
            record.key: record.output
            for record in self.records()
            if record.status is StepStatus.SUCCEEDED and record.key and record.output
        }


def _lines(path: Path) -> Iterator[object]:
    try:
        text = path.read_text(encoding="utf-8", errors="replace")
    except OSError:
        return
    for line in text.splitlines():
        try:
            raw = json.loads(line)
        except ValueError:
            continue
        if not isinstance(raw, dict):
            continue
        step = raw.get("step")
        if isinstance(step, dict):
            try:
                step["status"] = StepStatus(step["status"])
                yield StepRecord(**step)
            except (ValueError, TypeError, KeyError):
                continue
        else:
            yield raw


@frozen
class RunInfo:
    """What the run logs say of one run."""

    run_id: str
    program: str
    pid: int
    host: str
    started: float
    #: How it ended (None: no last line yet).
    ended: str | None
    steps: int
    #: The run it resumed ("" if none).
    resumes: str = ""
    #: The config it ran ("" if none was named, e.g. a run from Python).
    workflow: str = ""

    @property
    def gone(self) -> bool:
        """Whether it did not end and its process is no longer there (on this host)."""
        return self.ended is None and gone(f"{self.host}:{self.pid}")


def runs(folder: str | os.PathLike[str]) -> tuple[RunInfo, ...]:
    """Every run logged in `folder`, oldest first."""
    found = []
    for path in sorted(Path(folder).glob("*.jsonl")):
        head: dict[str, object] = {}
        ended: str | None = None
        steps = 0
        for item in _lines(path):
            if isinstance(item, StepRecord):
                steps += 1
            elif isinstance(item, dict) and "run" in item and not head:
                head = item
            elif isinstance(item, dict) and "end" in item:
                ended = str(item["end"])
        if not head:
            continue
        found.append(
            RunInfo(
                str(head["run"]),
                str(head.get("program", "")),
                int(str(head.get("pid", 0))),
                str(head.get("host", "")),
                float(str(head.get("started", 0.0))),
                ended,
                steps,
                str(head.get("resumes", "")),
                str(head.get("workflow", "")),
            )
        )
    return tuple(sorted(found, key=lambda info: info.started))


def program_id(program: AnyStep) -> str:
    """A short digest of a program's shape (its leaves' paths), naming it in run logs so
    that `resume="last"` picks a run of the same program."""
    from lolpop.core.paths import leaves  # noqa: PLC0415 (paths imports the step model)

    shape = "\n".join(visit.path for visit in leaves(program))
    return hashlib.sha256(shape.encode()).hexdigest()[:16]


class ResumeError(DefinitionError):
    """The run to resume is not in the run logs (or is of another program)."""


def run_to_resume(folder: Path, wanted: str, program: str, workflow: str = "") -> str:
    """The id of the run `wanted` names: an id (or a unique prefix of one) of a run that
    did not succeed, or "last", the latest run of `program` that did not succeed (and, if
    `workflow` names a config, of that config: another config of the same shape may keep
    its runs in the same folder)."""
    logged = [info for info in runs(folder) if info.program == program]
    # A run resumed by a later one is done with: that later one is what resumes now.
    resumed_by = {info.resumes: info.run_id for info in logged if info.resumes}
    if wanted == "last":
        unfinished = [
            info
            for info in logged
            if info.ended != "succeeded"
            and info.run_id not in resumed_by
            and (not workflow or info.workflow in ("", workflow))
        ]
        if not unfinished:
            of = f"this workflow ({workflow})" if workflow else "this program"
            raise ResumeError(
                f"there is no failed or unfinished run of {of} to resume in {folder}."
            )
        return unfinished[-1].run_id
    matches = [info for info in logged if info.run_id.startswith(wanted)]
    if len(matches) == 1:
        later = resumed_by.get(matches[0].run_id)
        if later is not None:
            raise ResumeError(
                f"run {matches[0].run_id} was resumed already, by run {later}: resume that "
                "one if it did not succeed."
            )
        if matches[0].ended == "succeeded":
            # Replaying it would repeat its report, its decisions among them, as if they
            # were made now (a champion it promoted may have been replaced since).
            raise ResumeError(
                f"run {matches[0].run_id} succeeded: there is nothing to resume. Run the "
                "workflow again without `--resume` for a new run."
            )
        return matches[0].run_id
    others = [info for info in runs(folder) if info.run_id.startswith(wanted)]
    if others and not matches:
        raise ResumeError(f"run {wanted!r} in {folder} ran another program; it cannot be resumed.")
    if len(matches) > 1:
        raise ResumeError(f"{wanted!r} names {len(matches)} runs in {folder}; give more of the id.")
    raise ResumeError(f"there is no run {wanted!r} in {folder} (`lolpop runs` lists them).")


@frozen
class KeptRun:
    """A run whose step outputs are kept: its keeper and its log."""

    keeper: Keeping
    log: RunLog
    #: The id of the run it resumes ("" for a fresh run).
    resumes: str

    def record(self, call: RawCall) -> None:
        """Log one finished call (for backends that have no recorder of their own)."""
        self.log.add(make_record(self.log.run_id, call))


def start_kept_run(
    cache_dir: str | os.PathLike[str],
    resume: str | None,
    program: AnyStep,
    run_id: str,
    workflow: str = "",
) -> KeptRun:
    """Begin the log of run `run_id` of `program` (built from the config `workflow`, if
    named) in `cache_dir`, resuming the run that `resume` names: raises `ResumeError`
    when there is none."""
    folder = Path(cache_dir)
    shape = program_id(program)
    finished: dict[str, str] = {}
    resumes = ""
    if resume is not None:
        resumes = run_to_resume(folder / "runs", resume, shape, workflow)
        finished = dict(RunLog(folder / "runs", resumes).finished())
    log = RunLog(folder / "runs", run_id)
    log.begin(shape, resumes=resumes, workflow=workflow)
    return KeptRun(Keeping(StepCache(folder), finished), log, resumes)


# --- what a dry run predicts ----------------------------------------------------------


class _DryKeeper:
    """A keeper that runs nothing: a kept output is given back (so that the steps after
    it get their real input and their keys), glue runs on known values, and any other
    step gives `UNKNOWN`. It notes each call's key and whether it was kept."""

    def __init__(self, keeping: Keeping) -> None:
        self.keeping = keeping
        self.calls: dict[str, list[tuple[str, bool]]] = {}
        self._lock = threading.Lock()

    def _note(self, path: str, key: str, hit: bool) -> None:
        with self._lock:
            self.calls.setdefault(path, []).append((key, hit))

    def lookup(self, step: AnyStep, path: str, value: object) -> tuple[object, object]:
        if unknown_in(value):
            self._note(path, "", False)
            return Kept(), UNKNOWN
        kept, found = self.keeping.lookup(step, path, value)
        key = kept.key if isinstance(kept, Kept) else ""
        if found is not NOT_KEPT:
            self._note(path, key, True)
            return kept, found
        if step.meta.internal and not step.meta.effect:
            return Kept(), NOT_KEPT  # glue on known values: run it
        self._note(path, key, False)
        return Kept(), UNKNOWN

    def keep(self, step: AnyStep, lookup: object, output: object) -> object:
        return lookup


@frozen
class Prediction:
    """What a run with a step cache would do at one step: its key (the first call's; ""
    when its input is not known before running) and whether every call would reuse a
    kept output."""

    key: str
    hit: bool


def predict(
    program: AnyStep,
    value: object,
    cache_dir: str | os.PathLike[str],
    resume: str | None,
    workflow: str = "",
) -> dict[str, Prediction]:
    """Which steps of `program` on `value` a run with `cache_dir` (resuming `resume`)
    would take from the cache, with the keys `Local` and `Prefect` compute: found by
    walking the program on kept outputs only, nothing run but glue."""
    from lolpop.core._interpret import (  # noqa: PLC0415 (the interpreter, for the walk)
        RunContext,
        compile_program,
        run_compiled,
    )
    from lolpop.core.failure import Halt  # noqa: PLC0415

    folder = Path(cache_dir)
    finished: dict[str, str] = {}
    if resume is not None:
        earlier = run_to_resume(folder / "runs", resume, program_id(program), workflow)
        finished = dict(RunLog(folder / "runs", earlier).finished())
    keeper = _DryKeeper(Keeping(StepCache(folder), finished))
    compiled = compile_program(program, instrumented=True)
    with contextlib.suppress(Halt):  # glue that cannot run on what is known ends the walk
        run_compiled(compiled, value, RunContext(None, None, keeper))
    return {
        path: Prediction(calls[0][0], all(hit for _, hit in calls))
        for path, calls in keeper.calls.items()
    }
