"""What `lolpop test CONFIG` does: a config's components against their laws, then its
hooks on a small run; a table of every result.

1. The config is decoded and its workflow built (nothing run): every slot's component,
   the config's own and the runner's defaults. A mistake here is a usage error (exit 2).
2. Each component with a kit (`lolpop.testing.laws.kit_for`) has its laws run
   (`run_laws`). A component of the user's (its `type:` or a function or class its
   settings name comes from a module outside lolpop and scikit-learn, which the config
   allow-lists) gets the hypothesis profile's count of examples a law (`--examples N`
   to choose it); a built-in gets a few (`QUICK_EXAMPLES`), lolpop's own tests having
   checked it already, unless `--all`. A component with no kit is listed as skipped.
3. Examples come from the config's own data where the kit can make them from frames
   (`Kit.from_frames`, with the runner's `settings.target`): the `data` connector is
   read once, `SAMPLE_ROWS` rows are sampled (seeded), and each example is a subset of
   those rows drawn by hypothesis, which shrinks a failure to a few rows of the user's
   data. Every class of a categorical target keeps at least `ROWS_PER_CLASS` rows in a
   subset (a stratified split of fewer refuses, rightly, and that is no broken law).
   Components after the workflow's transformer see its output, as in a run; the
   transformer itself sees the rows as read. Without data (no `data` connector, a read
   that fails, no target), each kit draws its own examples.
4. With a `tests:` section, the workflow's default stage runs once on the sample (or,
   when the config has a `dev` profile, as that profile says), hooks attached, in a
   scratch folder: the work folder, MLflow and every output path the config names are
   moved there (files that exist are copied first, so reading them still works), so
   the run leaves nothing in the project and registers no model where a real run
   would. A component that writes elsewhere (a SQL connector's database) writes as in
   any run. Each hook's result is read from the run's records: passed, failed (the
   first failing hook stops the run), or not reached (a branch not taken).

`--only NAME` (repeatable) narrows 2 to the components named and skips 4: quick
feedback while working on one component.

Hypothesis runs under lolpop's profile (`HYPOTHESIS_PROFILE`, default `ci`:
derandomised, so two runs of `lolpop test` agree), with no example database (nothing is
written into the project) and no reproduction blob in messages.
"""

from __future__ import annotations

import contextlib
import os
import re
import shutil
import tempfile
import time
from collections.abc import Callable, Iterator, Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Literal

import attrs
from attrs import frozen

from lolpop.config.records import WorkflowConfig, is_output_path
from lolpop.config.registry import BUILTINS, CLASS_PREFIXES, KIND_PREFIXES, Registry

if TYPE_CHECKING:
    import pandas as pd
    from hypothesis import strategies as st

    from lolpop.core.step import Step
    from lolpop.runners.build import WorkflowParts
    from lolpop.runners.kinds import Report

#: Exit codes: everything holds; a law or a hook failed; the command was misused.
PASSED, FAILED, USAGE = 0, 1, 2
#: Examples a law of a built-in component draws (without `--all`).
QUICK_EXAMPLES = 10
#: Rows sampled from the config's data.
SAMPLE_ROWS = 200
#: Rows of each class of a categorical target in every subset drawn.
ROWS_PER_CLASS = 10
#: Rows in every subset drawn when the target is not categorical.
MIN_ROWS = 30
#: A target with at most this many values is categorical (for subsets).
MAX_CLASSES = 20

_REFERENCE = re.compile(r"([A-Za-z_][A-Za-z0-9_.]*):[A-Za-z_][A-Za-z0-9_.]*")

#: `attrs.evolve` for a record of a class known at run time only (a component's settings,
#: which the attrs mypy plugin cannot check a call on).
_evolve: Callable[..., object] = attrs.evolve

Outcome = Literal["passed", "FAILED", "skipped", "not reached"]


@frozen
class Row:
    """One line of the table: a law of a component, or a hook."""

    component: str
    #: "yours", "built-in", or "hook".
    origin: str
    law: str
    outcome: Outcome
    #: Why it failed (with the shrunk counterexample), or why it was skipped.
    detail: str = ""


def lolpop_test(
    config: str,
    *,
    profile: str | None,
    examples: int | None,
    everything: bool,
    say: Callable[[str], None],
    progress: Callable[[str, bool], None],
    only: tuple[str, ...] = (),
) -> int:
    """Check the config's components and hooks; the exit code (`PASSED` or `FAILED`).
    `say(line)` prints the table, `progress(text, end_of_line)` what is being checked.
    `only`: check these components alone (by name), and run no hook.

    Raises `ConfigError` for a config that does not load or build, or an `only` name
    that is none of its components (a usage error)."""
    from returns.result import Failure  # noqa: PLC0415

    from lolpop.config import load  # noqa: PLC0415
    from lolpop.errors import ConfigError, ConfigProblem  # noqa: PLC0415
    from lolpop.runners.build import build_parts  # noqa: PLC0415

    loaded = load(config, profile)
    if isinstance(loaded, Failure):
        raise loaded.failure()
    workflow = loaded.unwrap()
    built = build_parts(workflow, source=config)
    if isinstance(built, Failure):
        raise built.failure()
    parts = built.unwrap()
    names = [slot.name for slot in parts.runner.slots if slot.name in parts.components]
    unknown = [name for name in only if name not in names]
    if unknown:
        problem = (
            f"--only names {', '.join(map(repr, unknown))}, which this workflow has no "
            f"component of (its components: {', '.join(names)})"
        )
        raise ConfigError((ConfigProblem(problem, "$.components"),), source=config)
    sample = _read_sample(parts, progress)
    with _hypothesis_for_the_command():
        rows = _law_rows(
            workflow,
            parts,
            sample,
            [name for name in names if name in only] if only else names,
            examples=examples,
            everything=everything,
            progress=progress,
        )
    if workflow.tests and only:
        progress(f"hooks: {len(workflow.tests)} not run (--only checks components alone)", True)
    elif workflow.tests:
        rows += _hook_rows(config, profile, workflow, sample, progress)
    for line in table(rows):
        say(line)
    failed = sum(row.outcome == "FAILED" for row in rows)
    checked = sum(row.outcome in ("passed", "FAILED") for row in rows)
    say(f"{checked - failed} of {checked} checks passed" + (f", {failed} failed" if failed else ""))
    return FAILED if failed else PASSED


# --- the components and their laws --------------------------------------------------------


def is_users(name: str, workflow: WorkflowConfig, registry: Registry = BUILTINS) -> bool:
    """Whether the component in slot `name` is the user's: its kind (a reference, or a
    tag an installed package registers, such as a project's own), or a function or
    class its settings name, comes from outside lolpop and scikit-learn."""
    given = workflow.components.get(name)
    if given is None:
        return False  # the runner's default
    ours = (*KIND_PREFIXES, *CLASS_PREFIXES)

    def theirs(module: str) -> bool:
        return not any(module == prefix or module.startswith(prefix + ".") for prefix in ours)

    kind = registry.get(given.type) if _REFERENCE.fullmatch(given.type) is None else None
    if kind is not None and any(
        theirs(getattr(part, "__module__", "") or "") for part in (kind.build, kind.settings)
    ):
        return True
    for text in (given.type, *_strings(given.settings)):
        found = _REFERENCE.fullmatch(text)
        if found is not None and theirs(found.group(1)):
            return True
    return False


def _strings(value: object) -> Iterator[str]:
    """Every string a settings record holds, nested records and containers included."""
    if isinstance(value, str):
        yield value
    elif attrs.has(cls := type(value)):
        for field in attrs.fields(cls):
            yield from _strings(getattr(value, field.name))
    elif isinstance(value, Mapping):
        for key, item in value.items():
            yield from _strings(key)
            yield from _strings(item)
    elif isinstance(value, list | tuple | set | frozenset):
        for item in value:
            yield from _strings(item)


@frozen
class _Sample:
    """The config's rows as each component sees them in a run (each with the target)."""

    #: As read: what the transformer sees.
    read: pd.DataFrame
    #: After the transformer: what the splitter, the checks and the profiler see.
    seen: pd.DataFrame
    #: Without the id column (`settings.index`): what the encoder sees.
    features: pd.DataFrame
    #: Encoded by the workflow's encoder, fitted on them: what the model's steps see
    #: (None when there is no encoder, or it fails).
    encoded: pd.DataFrame | None
    target: str

    def for_component(self, component: object) -> pd.DataFrame | None:
        """The rows `component` sees in a run."""
        from lolpop.components import records  # noqa: PLC0415

        if isinstance(component, records.DataTransformer):
            return self.read
        if isinstance(component, records.FeatureEncoder):
            return self.features
        model_steps = (
            records.ModelTrainer,
            records.HyperparameterTuner,
            records.ModelChecker,
            records.ModelExplainer,
            records.ModelVisualizer,
        )
        return self.encoded if isinstance(component, model_steps) else self.seen


def _read_sample(parts: WorkflowParts, progress: Callable[[str, bool], None]) -> _Sample | None:
    """`SAMPLE_ROWS` rows of the config's data (seeded) in each component's view, or None
    (saying why)."""
    from lolpop.components.records import DataConnector  # noqa: PLC0415
    from lolpop.testing.laws import call  # noqa: PLC0415

    connector = parts.components.get("data")
    target = getattr(parts.settings, "target", None)
    if not isinstance(connector, DataConnector) or not isinstance(target, str):
        progress("no data connector and target: each kit draws its own examples", True)
        return None
    try:
        frame = call(connector.read, None)
    except Exception as error:  # any reason the read fails: say it and go on without
        progress(f"cannot read the data ({error}): each kit draws its own examples", True)
        return None
    if len(frame) > SAMPLE_ROWS:
        frame = frame.sample(n=SAMPLE_ROWS, random_state=0).sort_index()
    seen = _transformed(parts, frame, progress)
    if target not in seen.columns:
        progress(f"the data has no target column {target!r}: kits draw their own", True)
        return None
    index = getattr(parts.settings, "index", None)
    features = seen.drop(columns=[index]) if index in seen.columns else seen
    progress(f"examples from {len(frame)} rows of {connector.location or 'the data'}", True)
    return _Sample(frame, seen, features, _encoded(parts, features, target, progress), target)


def _transformed(
    parts: WorkflowParts, frame: pd.DataFrame, progress: Callable[[str, bool], None]
) -> pd.DataFrame:
    """`frame` through the workflow's transformer, if it has one (and it works)."""
    from lolpop.components.records import DataTransformer  # noqa: PLC0415
    from lolpop.testing.laws import call  # noqa: PLC0415

    for component in parts.components.values():
        if isinstance(component, DataTransformer):
            try:
                # A copy: a transformer that changes its input must not change the rows
                # its own laws draw from (they would hold its mark already).
                return call(component.transform, frame.copy())
            except Exception as error:  # its laws will say; the others get the rows as read
                progress(f"the transformer fails on the data ({error})", True)
    return frame


def _encoded(
    parts: WorkflowParts, features: pd.DataFrame, target: str, progress: Callable[[str, bool], None]
) -> pd.DataFrame | None:
    """`features` encoded by the workflow's encoder fitted on them, the target beside."""
    from lolpop.components.records import FeatureEncoder, Labelled  # noqa: PLC0415
    from lolpop.testing.laws import call  # noqa: PLC0415

    for component in parts.components.values():
        if isinstance(component, FeatureEncoder):
            inputs = features.drop(columns=[target])
            try:
                fitted = call(component.fit, Labelled(inputs, features[target]))
                encoded = call(component.transform, (fitted, inputs))
            except Exception as error:  # its laws will say; the model's steps draw their own
                progress(f"the encoder fails on the data ({error})", True)
                return None
            return encoded.assign(**{target: features[target].to_numpy()})
    return None


def subsets(frame: pd.DataFrame, target: str) -> st.SearchStrategy[pd.DataFrame]:
    """Subsets of `frame`'s rows, in its order: each class of a categorical target keeps
    at least `ROWS_PER_CLASS` rows (or all it has), any other target `MIN_ROWS`; shrinks
    to the smallest subset, from the first seed."""
    import numpy as np  # noqa: PLC0415
    from hypothesis import strategies as st  # noqa: PLC0415

    column = frame[target] if target in frame.columns else None
    categorical = column is not None and column.nunique(dropna=False) <= MAX_CLASSES
    groups = (
        [
            np.asarray(rows)
            for rows in frame.groupby(target, dropna=False, sort=True).indices.values()
        ]
        if categorical
        else [np.arange(len(frame))]
    )
    least = ROWS_PER_CLASS if categorical else MIN_ROWS

    @st.composite
    def subset(draw: st.DrawFn) -> pd.DataFrame:
        share = draw(st.integers(0, 1000))
        rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1)))
        chosen = [
            rng.choice(rows, max(min(len(rows), least), round(len(rows) * share / 1000)), False)
            for rows in groups
        ]
        return frame.iloc[np.sort(np.concatenate(chosen))]

    return subset()


def _law_rows(
    workflow: WorkflowConfig,
    parts: WorkflowParts,
    sample: _Sample | None,
    names: list[str],
    *,
    examples: int | None,
    everything: bool,
    progress: Callable[[str, bool], None],
) -> list[Row]:
    from hypothesis import settings  # noqa: PLC0415

    from lolpop.testing.laws import NoKit, kit_for, run_laws  # noqa: PLC0415

    full = examples if examples is not None else settings().max_examples
    quick = min(full, QUICK_EXAMPLES)
    rows: list[Row] = []
    for number, name in enumerate(names, start=1):
        component = parts.components[name]
        origin = "yours" if is_users(name, workflow) else "built-in"
        head = f"[{number}/{len(names)}] {name} ({origin})"
        try:
            kit = kit_for(component)
        except NoKit:
            progress(f"{head}: no laws for a {type(component).__name__}", True)
            rows.append(
                Row(name, origin, "-", "skipped", f"no laws for a {type(component).__name__}")
            )
            continue
        count = full if origin == "yours" or everything else quick
        strategy = None
        seen = sample.for_component(component) if sample is not None else None
        if sample is not None and seen is not None and kit.from_frames is not None:
            strategy = kit.from_frames(component, subsets(seen, sample.target), sample.target)
        drawn = "the data" if strategy is not None else "its kit's examples"
        progress(f"{head}: {kit.name} laws, {count} examples each from {drawn} ...", False)
        started = time.perf_counter()
        try:
            results = run_laws(component, strategy, name=name, max_examples=count)
        except NoKit as error:
            progress(" skipped", True)
            rows.append(Row(name, origin, "-", "skipped", str(error)))
            continue
        broken = sum(not result.passed for result in results)
        took = time.perf_counter() - started
        verdict = f"{len(results) - broken} of {len(results)} hold" + (
            f", {broken} broken" if broken else ""
        )
        progress(f" {verdict} ({took:.1f} s)", True)
        rows += [
            Row(name, origin, r.law, "passed" if r.passed else "FAILED", r.message) for r in results
        ]
    return rows


@contextlib.contextmanager
def _hypothesis_for_the_command() -> Iterator[None]:
    """lolpop's hypothesis profile, without an example database or reproduction blobs
    (the previous profile loaded again after)."""
    from hypothesis import configuration, settings  # noqa: PLC0415

    from lolpop.testing import profiles  # noqa: PLC0415

    previous = settings.get_current_profile_name()
    chosen = profiles.load()
    settings.register_profile(
        "lolpop-test-command",
        parent=settings.get_profile(chosen),
        database=None,
        print_blob=False,
    )
    settings.load_profile("lolpop-test-command")
    # Hypothesis keeps a cache in `.hypothesis` of the working folder: keep it out of the
    # project (the user's own HYPOTHESIS_STORAGE_DIRECTORY, if set, is left alone).
    home = vars(configuration).get("__hypothesis_home_directory")
    with tempfile.TemporaryDirectory(prefix="lolpop-hypothesis-") as scratch:
        if not os.environ.get("HYPOTHESIS_STORAGE_DIRECTORY"):
            configuration.set_hypothesis_home_dir(scratch)
        try:
            yield
        finally:
            configuration.set_hypothesis_home_dir(home)
            settings.load_profile(previous)


# --- the hooks, on a small run ----------------------------------------------------------


def _has_profile(config: str, name: str) -> bool:
    """Whether the config file defines the profile `name`."""
    from lolpop.config._yaml import read_yaml  # noqa: PLC0415
    from lolpop.config.loading import read_file, read_toml  # noqa: PLC0415

    raw = read_file(config)
    read = read_toml(raw) if Path(config).suffix == ".toml" else read_yaml(raw)
    data = read.map(lambda found: found[0]).value_or(None)
    profiles = data.get("profiles") if isinstance(data, Mapping) else None
    return isinstance(profiles, Mapping) and name in profiles


def isolated(config: WorkflowConfig, scratch: Path) -> WorkflowConfig:
    """`config` writing into `scratch` only: its work folder, its MLflow, every output
    path of its components (a file that exists copied there first, to be read)."""
    uri = f"sqlite:///{scratch / 'mlflow.db'}"
    moved: list[Path] = []

    def move(settings: object) -> object:
        cls = type(settings)
        if not attrs.has(cls):
            return settings
        changes: dict[str, object] = {}
        for field in attrs.fields(cls):
            value = getattr(settings, field.name)
            if field.name in ("tracking_uri", "registry_uri") and (
                value is None or isinstance(value, str)
            ):
                changes[field.name] = uri
            elif is_output_path(field.metadata) and isinstance(value, str) and "://" not in value:
                place = scratch / "paths" / str(len(moved)) / (Path(value).name or "folder")
                moved.append(place)
                place.parent.mkdir(parents=True, exist_ok=True)
                if Path(value).is_file():
                    shutil.copyfile(value, place)
                changes[field.name] = str(place)
        return _evolve(settings, **changes)

    settings = attrs.evolve(config.settings, work_dir=str(scratch / "work"), tracking_uri=uri)
    components = {
        name: attrs.evolve(given, settings=move(given.settings))
        for name, given in config.components.items()
    }
    return attrs.evolve(config, settings=settings, components=components, allow_outside=True)


@frozen
class _Rows:
    """A read step's function that gives the sample (a copy: steps never share values)."""

    frame: pd.DataFrame = attrs.field(eq=False)

    def __call__(self, _: None) -> pd.DataFrame:
        return self.frame.copy()


def _on_sample(
    parts: WorkflowParts, config: WorkflowConfig, sample: pd.DataFrame
) -> Step[None, Report]:
    """The program of `parts` with its `data` connector reading `sample`, and the hooks of
    `config` attached (which `parts` was built from: its hooks were checked then)."""
    from lolpop.components.records import DataConnector  # noqa: PLC0415
    from lolpop.core.step import Leaf  # noqa: PLC0415
    from lolpop.testing.hooks import attach_config_hooks, resolve_hooks  # noqa: PLC0415

    connector = parts.components.get("data")
    if not isinstance(connector, DataConnector):
        return parts.program
    read = attrs.evolve(connector.read, node=Leaf(_Rows(sample)))
    components = {**parts.components, "data": attrs.evolve(connector, read=read)}
    program = parts.runner.build(parts.runner.make(components), parts.settings, parts.stage)

    def ignore(message: str, path: str) -> None:
        """Found already, when `parts` was built."""

    hooks = resolve_hooks(config.tests, config.allow_imports, ignore)
    return attach_config_hooks(program, config.tests, hooks, tuple, ignore)


def _hook_rows(
    config: str,
    profile: str | None,
    workflow: WorkflowConfig,
    sample: _Sample | None,
    progress: Callable[[str, bool], None],
) -> list[Row]:
    """Run the workflow once, hooks attached, in a scratch folder; a row per hook."""
    from returns.result import Failure  # noqa: PLC0415

    from lolpop.backends import Local  # noqa: PLC0415
    from lolpop.backends.records import StepStatus  # noqa: PLC0415
    from lolpop.backends.run import run  # noqa: PLC0415
    from lolpop.config import load  # noqa: PLC0415
    from lolpop.runners.build import build_parts  # noqa: PLC0415
    from lolpop.testing.hooks import hook_checks  # noqa: PLC0415

    dev = profile is None and _has_profile(config, "dev")
    with_dev = load(config, "dev") if dev else None
    if isinstance(with_dev, Failure):
        return [
            Row("(small run)", "hook", "loads the dev profile", "FAILED", str(with_dev.failure()))
        ]
    chosen = with_dev.unwrap() if with_dev is not None else workflow
    with tempfile.TemporaryDirectory(prefix="lolpop-test-") as folder:
        built = build_parts(isolated(chosen, Path(folder)), source=config)
        if isinstance(built, Failure):
            return [Row("(small run)", "hook", "builds", "FAILED", str(built.failure()))]
        parts = built.unwrap()
        if sample is not None and not dev:
            program = _on_sample(parts, chosen, sample.read)
            how = f"on {len(sample.read)} rows of the data"
        else:
            program = parts.program
            how = "with the dev profile" if dev else "on the config's data"
        progress(f"hooks: running the {parts.stage} stage {how}, in a scratch folder ...", False)
        started = time.perf_counter()
        local = Local(progress=False)
        result = run(program, None, backend=local)
        ran = {record.path: record for record in (local.ledger.records() if local.ledger else ())}
        progress(f" done ({time.perf_counter() - started:.1f} s)", True)
    rows = []
    failure = result.failure() if isinstance(result, Failure) else None
    hooks = hook_checks(program)
    for path, check in hooks.items():
        record = ran.get(path)
        label = f"{check.at} of {check.step}"
        if record is None:
            rows.append(Row(check.hook, "hook", label, "not reached", "the run did not come to it"))
        elif record.status == StepStatus.SUCCEEDED:
            rows.append(Row(check.hook, "hook", label, "passed"))
        else:
            detail = (
                failure.message if failure is not None and failure.path == path else record.error
            )
            rows.append(Row(check.hook, "hook", label, "FAILED", detail))
    if failure is not None and failure.path not in hooks:
        rows.append(Row("(small run)", "hook", "runs", "FAILED", failure.message))
    return rows


# --- the table ------------------------------------------------------------------------------


def table(rows: list[Row]) -> list[str]:
    """The rows as aligned lines; each failure's detail (the counterexample) below it."""
    header = ("component", "origin", "law", "result")
    cells = [header, *((r.component, r.origin, r.law, r.outcome) for r in rows)]
    widths = [max(len(cell[i]) for cell in cells) for i in range(len(header))]

    def line(cell: tuple[str, ...]) -> str:
        return "  ".join(
            text.ljust(width) for text, width in zip(cell, widths, strict=True)
        ).rstrip()

    lines = [line(header), line(tuple("-" * width for width in widths))]
    for row, cell in zip(rows, cells[1:], strict=True):
        lines.append(line(cell))
        if row.outcome == "FAILED" and row.detail:
            lines += ["    " + text for text in row.detail.splitlines()]
    return lines
