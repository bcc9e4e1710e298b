"""What `lolpop check` verifies without running a workflow: the files it reads exist and
can be read, the columns the settings name (and the bias checker's, and a
`rules_checker`'s rules', but for a `required_columns` rule that only warns) are in their
headers, and its outputs can be written (`lolpop check --offline` skips all of it).

Only files are looked at, never a database or a URL, and only a file's header: the
first line of a CSV or a JSON-lines file, a Parquet file's schema. Paths are resolved as
a run resolves them (against the working folder), and each problem names the resolved
path and the config path of the setting, e.g. `the data file /home/me/customers.csv
does not exist @ $.components.data.path`. A header is not read for a JSON file (a
whole document), a connector that selects `columns:` (it checks them itself), or a
workflow with a `transformer` (it may make the columns).
"""

from __future__ import annotations

import csv
import itertools
import json
import os
from collections.abc import Iterator, Mapping
from pathlib import Path

from lolpop.config.records import WorkflowConfig
from lolpop.errors import ConfigProblem

#: The connector slots that are read, and what each is for (in messages).
_READ = {
    "data": "the data",
    "new_data": "the new data",
    "labels": "the labels",
}
#: How many of a header's columns a message shows.
_SHOWN = 12
#: The connector slots that are written.
_WRITTEN = ("predictions",)


def _text(value: object) -> str | None:
    return value if isinstance(value, str) and value else None


def _named(workflow: WorkflowConfig, slot: str) -> list[tuple[str, str, str]]:
    """The columns the config names that the file in `slot` must have: by what names
    them (`index`, `known[0]`, `bias_checker's`), the column and the config path."""
    settings = workflow.settings
    wanted: list[tuple[str, str, str]] = []

    def want(name: str, value: object, path: str | None = None) -> None:
        text = _text(value)
        if text is not None:
            wanted.append((name, text, path or f"$.settings.{name}"))

    if slot in ("data", "labels"):
        for name in ("target", "time", "series"):
            want(name, getattr(settings, name, None))
    if slot in ("data", "new_data", "labels"):
        want("index", getattr(settings, "index", None))
    known: object = getattr(settings, "known", ())
    if slot == "new_data" and known:
        for name in ("time", "series"):
            want(name, getattr(settings, name, None))
    if slot in ("data", "new_data") and isinstance(known, tuple):
        # A forecast's known columns: in the history, and in the future it forecasts.
        for place, column in enumerate(known):
            want(f"known[{place}]", column)
    bias = workflow.components.get("bias")
    if slot == "data" and bias is not None:
        want("bias_checker's", getattr(bias.settings, "column", None), "$.components.bias.column")
    drift = workflow.components.get("drift")
    if slot in ("data", "new_data") and drift is not None:
        # The columns compared: in the training data and in the new data it meets.
        for place, column in enumerate(getattr(drift.settings, "columns", ())):
            want("drift comparer's", column, f"$.components.drift.columns[{place}]")
    checker = workflow.components.get("checker")
    if slot == "data" and checker is not None and checker.type == "rules_checker":
        for place, rule in enumerate(getattr(checker.settings, "rules", ())):
            kind = getattr(rule, "kind", "")
            if kind == "required_columns" and getattr(rule, "severity", "") == "WARN":
                continue  # a missing column is the warning that rule asks for
            for field in ("columns", "exclude"):
                for at, column in enumerate(getattr(rule, field, ())):
                    path = f"$.components.checker.rules[{place}].{field}[{at}]"
                    want(f"checker's {kind} rule's", column, path)
    return wanted


def csv_header(file: Path, delimiter: str, encoding: str) -> list[str]:
    """The column names a run's `pd.read_csv` gives `file`, read with the `csv` module
    (a check need not import pandas): blank lines before the header skipped, a UTF-8
    byte-order mark dropped, a blank name `Unnamed: <position>`, and a repeated name
    numbered as pandas numbers it (`id`, `id.1`, `id.2`, past the names the header has)."""
    utf8 = encoding.replace("-", "").replace("_", "").lower() in ("utf8", "utf8sig")
    with file.open(encoding=encoding, newline="") as text:
        lines = iter(text)
        first = next(lines, "")
        lines = itertools.chain([first.removeprefix("\ufeff") if utf8 else first], lines)
        row = next((row for row in csv.reader(lines, delimiter=delimiter) if row), None)
    if row is None:
        raise ValueError("No columns to parse from file")
    named = [name if name else f"Unnamed: {place}" for place, name in enumerate(row)]
    taken: dict[str, int] = {}
    for place, base in enumerate(named):
        name, count = base, taken.get(base, 0)
        while count:  # the next `base.N` that no column has, or is to have, as pandas picks
            taken[base] = count + 1
            name = f"{base}.{count}"
            count = count + 1 if name in named else taken.get(name, 0)
        named[place] = name
        taken[name] = count + 1
    return named


def _header(kind: str, file: Path, settings: object) -> list[str] | None:
    """The column names of `file` read as `kind` (None: not a kind read by header)."""
    if kind == "csv":
        return csv_header(
            file, getattr(settings, "delimiter", ","), getattr(settings, "encoding", "utf-8")
        )
    if kind == "parquet":
        import pyarrow.parquet as pq  # type: ignore[import-untyped]  # noqa: PLC0415 (pyarrow ships no types; heavy: imported on use)

        schema: object = pq.read_schema(file)
        names: object = getattr(schema, "names", [])
        return [str(name) for name in names] if isinstance(names, list) else None
    if kind == "jsonl":
        with file.open(encoding=getattr(settings, "encoding", "utf-8")) as lines:
            first = next((line for line in lines if line.strip()), "")
        record = json.loads(first) if first else {}
        return [str(key) for key in record] if isinstance(record, dict) else None
    return None


def _read_problems(
    workflow: WorkflowConfig, slot: str, what: str, headers: dict[str, list[str]]
) -> Iterator[ConfigProblem]:
    """The problems of the file in `slot`; its header, when read, kept in `headers`."""
    component = workflow.components.get(slot)
    if component is not None and component.type == "vega_dataset":
        yield from _packaged_problems(workflow, slot, headers)
        return
    path = _text(getattr(component.settings, "path", None)) if component else None
    if component is None or path is None or "://" in path:
        return
    file = Path(path).resolve()
    where = f"$.components.{slot}.path"
    if not file.is_file():
        missing = "is a folder, not a file" if file.is_dir() else "does not exist"
        yield ConfigProblem(f"{what} file {file} {missing}", where)
        return
    if not os.access(file, os.R_OK):
        yield ConfigProblem(f"{what} file {file} cannot be read (no permission)", where)
        return
    if getattr(component.settings, "columns", ()) or "transformer" in workflow.components:
        return  # the connector selects its columns (and refuses a missing one), or a
        # transformer may make the columns the settings name
    try:
        header = _header(component.type, file, component.settings)
    except (OSError, ValueError, UnicodeDecodeError) as error:
        yield ConfigProblem(
            f"{what} file {file} cannot be read as {component.type}: {error}", where
        )
        return
    if header is None:
        return
    headers[slot] = header
    yield from _missing_columns(workflow, slot, header, f"in the header of {what} file {file}")


def _packaged_problems(
    workflow: WorkflowConfig, slot: str, headers: dict[str, list[str]]
) -> Iterator[ConfigProblem]:
    """The columns a workflow names that the packaged dataset in `slot` (a
    `vega_dataset`) lacks; its columns kept in `headers`."""
    from lolpop.components.vega_datasets import columns_of  # noqa: PLC0415 (one kind's)

    component = workflow.components[slot]
    name = str(getattr(component.settings, "name", ""))
    header = columns_of(name)
    if header is None or "transformer" in workflow.components:
        return  # the run says what is missing; a transformer may make the columns
    headers[slot] = header
    yield from _missing_columns(
        workflow, slot, header, f"a column of the vega_datasets dataset {name!r}"
    )


def _missing_columns(
    workflow: WorkflowConfig, slot: str, header: list[str], where: str
) -> Iterator[ConfigProblem]:
    """A problem for each column a workflow names for the data in `slot` (`_named`)
    that is not in its `header`; `where` says what was read ("in the header of ...")."""
    for setting, column, at in _named(workflow, slot):
        if column not in header:
            shown = ", ".join(header[:_SHOWN]) + (", ..." if len(header) > _SHOWN else "")
            yield ConfigProblem(
                f"the {setting} column {column!r} is not {where} (its columns: {shown})", at
            )


def _written_problems(workflow: WorkflowConfig, slot: str) -> Iterator[ConfigProblem]:
    component = workflow.components.get(slot)
    path = _text(getattr(component.settings, "path", None)) if component else None
    if path is None or "://" in path:
        return
    target = Path(path).resolve()
    folder = target.parent
    while not folder.exists() and folder != folder.parent:
        folder = folder.parent  # the connector creates the missing folders below it
    if not folder.is_dir() or not os.access(folder, os.W_OK | os.X_OK):
        yield ConfigProblem(
            f"the {slot} file {target} cannot be written: {folder} is not a writable folder",
            f"$.components.{slot}.path",
        )


def _predictions_problems(workflow: WorkflowConfig) -> Iterator[ConfigProblem]:
    """The evaluate stage alone reads the prediction file an earlier predict wrote."""
    component = workflow.components.get("predictions")
    path = _text(getattr(component.settings, "path", None)) if component else None
    if path is None or "://" in path:
        return
    file = Path(path).resolve()
    if not file.is_file():
        yield ConfigProblem(
            f"the prediction file {file} does not exist yet: the evaluate stage joins it with "
            "the labels, and the predict stage writes it (`lolpop run CONFIG --stage "
            "predict`, or a whole run)",
            "$.components.predictions.path",
        )


def _columns_of(
    workflow: WorkflowConfig, slot: str, headers: Mapping[str, list[str]]
) -> tuple[list[str], bool] | None:
    """The columns the file in `slot` gives (and whether its `columns:` select them),
    or None when they cannot be told (its header was not read)."""
    component = workflow.components.get(slot)
    declared = getattr(component.settings, "columns", ()) if component is not None else ()
    if declared:
        return [str(column) for column in declared], True
    return (headers[slot], False) if slot in headers else None


def _feature_problems(
    workflow: WorkflowConfig, headers: Mapping[str, list[str]]
) -> Iterator[ConfigProblem]:
    """The features a supervised model trains on (the data's columns but the target, the
    id and the columns dropped) that the new data it predicts lacks: the run would fail
    at predict, after training and deploying."""
    if workflow.runner not in ("classification", "regression"):
        return
    if "transformer" in workflow.components:
        return  # it may make or drop columns
    trained = _columns_of(workflow, "data", headers)
    new = _columns_of(workflow, "new_data", headers)
    if trained is None or new is None:
        return
    settings = workflow.settings
    never = {getattr(settings, "target", None), getattr(settings, "index", None)}
    for slot, field in (("splitter", "drop"), ("encoder", "drop")):
        never.update(getattr(getattr(workflow.components.get(slot), "settings", None), field, ()))
    time = getattr(getattr(workflow.components.get("splitter"), "settings", None), "column", None)
    missing = [c for c in trained[0] if c not in never and c != time and c not in new[0]]
    if missing:
        named = ", ".join(map(repr, missing[:_SHOWN]))
        yield ConfigProblem(
            f"the new data lacks the feature column{'s' if len(missing) > 1 else ''} {named} "
            "of the data the model trains on: predicting would fail after training and "
            "deploying. Give the new data every feature column (or drop it from training "
            "in the splitter's `drop`)",
            "$.components.new_data." + ("columns" if new[1] else "path"),
        )


def preflight(workflow: WorkflowConfig, stage: str | None = None) -> tuple[ConfigProblem, ...]:
    """Every problem with the files `workflow` reads and writes (nothing is run); with
    `stage` `evaluate`, the prediction file it reads too."""
    headers: dict[str, list[str]] = {}
    found = [
        problem
        for slot, what in _READ.items()
        for problem in _read_problems(workflow, slot, what, headers)
    ]
    found.extend(problem for slot in _WRITTEN for problem in _written_problems(workflow, slot))
    found.extend(_feature_problems(workflow, headers))
    if stage == "evaluate":
        found.extend(_predictions_problems(workflow))
    return tuple(found)
