"""Checks of scikit-learn references that passed, kept between processes.

Checking `estimator: sklearn.linear_model:LogisticRegression` with its `params` means
importing scikit-learn, and SciPy with it: ~0.6 s of a `lolpop check` that otherwise
takes ~0.5 s (issue 16). So a check that passed is kept as a fact: the reference, the
question asked of it (its parameters, seed and task) and the answer (what the check
learned: the parameter names, the task), with the size and modification time of every
file the answer came from (scikit-learn's modules that were read, and lolpop's checking
code). A later build asking the same question in the same environment uses the answer
instead of importing, as long as none of those files changed; an upgrade or a reinstall
rewrites them, and the next build checks again.

- Only passed checks are kept: a refused parameter is refused again, by scikit-learn.
- Only scikit-learn's own references are kept (a user's estimator module may be edited
  in ways a file's stamp does not show: a base class elsewhere), by the callers.
- What a fact holds is data (names, a task), never code or values that reach an
  estimator unchecked; the class itself is imported when a run makes the estimator.
- The environment is part of the key (the interpreter's prefix, version and import
  path, lolpop's version), so two virtual environments never share an answer.
- The facts live in `$LOLPOP_CACHE_DIR` (default `$XDG_CACHE_HOME/lolpop`, else
  `~/.cache/lolpop`); `LOLPOP_CACHE_DIR=` (empty) turns them off. A fact that cannot be
  read or written is no fact: the check runs as if it had never been kept.
"""

from __future__ import annotations

import hashlib
import json
import os
import sys
from collections.abc import Iterable, Mapping
from pathlib import Path

import lolpop

#: Bumped when the layout of a fact file changes (older files are then not read).
_LAYOUT = 1


def cache_dir() -> Path | None:
    """Where lolpop keeps what it may reuse between processes; None when turned off."""
    chosen = os.environ.get("LOLPOP_CACHE_DIR")
    if chosen is not None:
        return Path(chosen).expanduser() if chosen else None
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return Path(base) / "lolpop"


def _environment() -> list[object]:
    return [sys.prefix, sys.version, list(sys.path), lolpop.__version__]


def _file_of(reference: str) -> Path | None:
    root = cache_dir()
    if root is None:
        return None
    key = json.dumps([_environment(), reference], sort_keys=True)
    return root / "facts" / f"{hashlib.sha256(key.encode()).hexdigest()[:40]}.json"


def _question_key(question: Mapping[str, object]) -> str:
    return json.dumps(question, sort_keys=True)


def _stamp(path: str) -> list[int] | None:
    try:
        status = os.stat(path)
    except OSError:
        return None
    return [status.st_mtime_ns, status.st_size]


def _read(path: Path, reference: str) -> dict[str, object] | None:
    """The fact file at `path` when it is whole, for `reference` in this environment and
    none of its files changed since; else None."""
    try:
        kept: object = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    if not isinstance(kept, dict) or kept.get("layout") != _LAYOUT:
        return None
    files, answers = kept.get("files"), kept.get("answers")
    if (
        kept.get("reference") != reference
        or kept.get("environment") != _environment()
        or not isinstance(files, dict)
        or not isinstance(answers, dict)
    ):
        return None
    if any(_stamp(str(name)) != stamp for name, stamp in files.items()):
        return None
    return kept


def recall(reference: str, question: Mapping[str, object]) -> object | None:
    """The answer kept for `question` about `reference`, if its files are unchanged."""
    path = _file_of(reference)
    kept = _read(path, reference) if path is not None else None
    if kept is None:
        return None
    answers = kept["answers"]
    assert isinstance(answers, dict)  # checked by `_read`
    answer: object = answers.get(_question_key(question))
    return answer


def _files_of(modules: Iterable[str]) -> dict[str, list[int]]:
    files: dict[str, list[int]] = {}
    for name in modules:
        module = sys.modules.get(name)
        source = getattr(module, "__file__", None)
        stamp = _stamp(source) if isinstance(source, str) else None
        if stamp is None:
            raise LookupError(name)
        files[str(source)] = stamp
    return files


def remember(
    reference: str, question: Mapping[str, object], answer: object, modules: Iterable[str]
) -> None:
    """Keep `answer` to `question` about `reference`, learned by reading `modules` (their
    files' stamps are kept with it). Nothing is kept when a module has no file, or the
    fact cannot be written."""
    path = _file_of(reference)
    if path is None:
        return
    try:
        files = _files_of([*modules, __name__])
    except LookupError:
        return
    kept = _read(path, reference)
    answers: dict[str, object] = {}
    if kept is not None:
        kept_files, kept_answers = kept["files"], kept["answers"]
        assert isinstance(kept_files, dict)  # checked by `_read`
        assert isinstance(kept_answers, dict)
        answers.update(kept_answers)
        files = {**kept_files, **files}
    answers[_question_key(question)] = answer
    body = {
        "layout": _LAYOUT,
        "reference": reference,
        "environment": _environment(),
        "files": files,
        "answers": answers,
    }
    try:
        path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        # Written aside and renamed: a reader sees the old file or the new one, whole.
        aside = path.with_name(f"{path.stem}.{os.getpid()}.tmp")
        aside.write_text(json.dumps(body, sort_keys=True), encoding="utf-8")
        os.replace(aside, path)
    except OSError:
        return
