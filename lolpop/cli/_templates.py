"""The files `lolpop init` and `lolpop create` write, as text with `{{placeholders}}`.

Kept as Python strings (not package data), so the wheel needs no data-file settings.
`{{package}}` is the project's package, `{{name}}` the new module's name, `{{Class}}` its
CamelCase form, `{{NAME}}` its upper-case form and `{{tag}}` the tag a config names it by
(`<package>_<name>`: a project's tags cannot shadow lolpop's own, nor another project's).
Plain replacement, not `str.format`: the templates are full of braces.
"""

from __future__ import annotations

README = """\
# {{package}}

    pip install -e '.[dev]' && lolpop run workflow.yaml
    pytest && mypy

A lolpop project: a classification workflow on `data/customers.csv` (who churns?), as a
config (`workflow.yaml`, with `dev` and `prod` profiles) and as its typed Python twin
(`src/{{package}}/workflow.py`), with a component of its own (`src/{{package}}/features.py`)
that drops the columns a model must not see.

- `lolpop run workflow.yaml --profile prod`: the prod profile (a larger grid; MLflow at
  `$MLFLOW_TRACKING_URI`). `lolpop check workflow.yaml` checks the config, runs nothing.
- `python -m {{package}}.workflow --dry-run`: the twin's plan; nothing is read or written.
- `tests/`: unit tests; `property_tests/`: lolpop's laws for each component, drawn with
  hypothesis (`pytest -m lolpop_law` runs only those).
- `lolpop create component|pipeline|runner NAME`: a new typed module with its tests,
  registered in `pyproject.toml` where lolpop looks for it (run `pip install -e .` again).
"""

GITIGNORE = """\
__pycache__/
.lolpop/
mlflow.db
mlruns/
.mypy_cache/
.hypothesis/
"""

PYPROJECT = """\
[build-system]
requires = ["hatchling"]
build-backend = "hatchling.build"

[project]
name = "{{package}}"
version = "0.1.0"
requires-python = ">=3.11"
dependencies = ["lolpop"]

[project.optional-dependencies]
dev = ["pytest", "mypy", "pandas-stubs"]

# lolpop finds the project's component kinds and runner kinds through these entry points
# once the project is installed: a config then names them by tag (`type: {{package}}_features`).
# `lolpop create` adds a line here for each component and runner it writes.
[project.entry-points."lolpop.components"]
{{package}}_features = "{{package}}.features:FEATURES"

[project.entry-points."lolpop.runners"]

[tool.hatch.build.targets.wheel]
packages = ["src/{{package}}"]

[tool.pytest.ini_options]
testpaths = ["tests", "property_tests"]
# The tests import the package from src/ even before `pip install -e .`.
pythonpath = ["src"]
addopts = "-ra --strict-markers"

# How `lolpop create` knows it is inside a lolpop project, and which package to write to.
[tool.lolpop]
package = "{{package}}"
"""

MYPY_INI = """\
[mypy]
strict = True
warn_unreachable = True
mypy_path = src
files = src, tests, property_tests
"""

WORKFLOW_YAML = """\
# Who churns? A classifier trained on data/customers.csv, deployed when it beats the champion.
#
#   lolpop run workflow.yaml                    # dev: a small grid, MLflow in ./mlflow.db
#   lolpop run workflow.yaml --profile prod     # a larger grid, MLflow at $MLFLOW_TRACKING_URI
#   lolpop run workflow.yaml --backend dry-run  # the plan; nothing is read or written
#
# Its typed twin is src/{{package}}/workflow.py; keep the two in step.
runner: classification
settings:
  model_name: {{package}}
  target: churned
  index: customer_id
  approval:
    metric: f1
    min_improvement: 0.01
components:
  data:
    type: csv
    path: data/customers.csv
  transformer:
    # The project's own component (src/{{package}}/features.py), found through its entry point.
    type: {{package}}_features
    columns: [email]
  trainer:
    type: sklearn_model
    estimator: sklearn.linear_model:LogisticRegression
    params: {max_iter: 1000}
  tuner:
    type: grid_search
    estimator: sklearn.linear_model:LogisticRegression
    metric: f1
    params: {max_iter: 1000}
    space:
      C: [0.1, 1.0]
profiles:
  dev: {}
  prod:
    settings:
      tracking_uri: ${env:MLFLOW_TRACKING_URI,sqlite:///mlflow.db}
    components:
      tuner:
        space:
          C: [0.01, 0.1, 1.0, 10.0]
          class_weight: [null, balanced]
"""

WORKFLOW_PY = '''\
"""The workflow of `workflow.yaml` (its base config), typed: a program mypy checks.

    python -m {{package}}.workflow            # train, deploy if better: `lolpop run workflow.yaml`
    python -m {{package}}.workflow --dry-run  # the plan; nothing is read or written

Run it from the project's folder: the data path is relative to it.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from attrs import evolve
from lolpop import Step, run
from lolpop.backends import DryRun
from lolpop.components.file_connector import CsvSettings, csv_connector
from lolpop.components.records import Classification
from lolpop.components.sklearn_trainer import sklearn_trainer
from lolpop.components.tuner import grid_search_of
from lolpop.pipelines.deploy import classification_rule
from lolpop.runners.supervised import (
    Stage,
    SupervisedSettings,
    WorkflowReport,
    classification_runner,
    with_defaults,
)
from returns.pipeline import is_successful
from sklearn.linear_model import LogisticRegression

from {{package}}.features import FeaturesSettings, make_features

SETTINGS = SupervisedSettings(model_name="{{package}}", target="churned", index="customer_id")
#: A new version replaces the champion when its f1 is better by 0.01 (mypy refuses a
#: regression metric for a classifier).
APPROVAL = classification_rule("f1", min_improvement=0.01)
DATA = Path("data") / "customers.csv"


def make_program(stage: Stage = "build_all") -> Step[None, WorkflowReport[Classification]]:
    """The classification runner's program for `stage`, on the components of workflow.yaml
    (and the runner's defaults for the slots it leaves out). The `predict` and `evaluate`
    stages need components this workflow has not yet: new data, labels."""
    base = with_defaults(
        Classification,
        SETTINGS,
        data=csv_connector(CsvSettings(str(DATA))),
        trainer=sklearn_trainer(LogisticRegression, {"max_iter": 1000}),
    )
    components = evolve(
        base,
        transformer=make_features(FeaturesSettings(columns=("email",))),
        tuner=grid_search_of(
            LogisticRegression, metric="f1", params={"max_iter": 1000}, space={"C": (0.1, 1.0)}
        ),
    )
    return classification_runner(components, SETTINGS, stage, approval=APPROVAL)


def main(argv: list[str] | None = None) -> int:
    """Run the program (or print its plan); 0 on success, 1 when a step fails."""
    parser = argparse.ArgumentParser(description="The {{package}} workflow, typed.")
    parser.add_argument("--dry-run", action="store_true", help="print the plan; run nothing")
    args = parser.parse_args(argv)
    program = make_program()
    result = run(program, None, backend=DryRun()) if args.dry_run else run(program, None)
    # is_successful, then unwrap() or failure(), keeps the types for mypy (a match on
    # Success(done) would make done Any).
    if not is_successful(result):
        print(f"{{package}}: {result.failure().message}", file=sys.stderr)
        return 1
    print(result.unwrap().to_text())
    return 0


if __name__ == "__main__":
    sys.exit(main())
'''

TEST_WORKFLOW = '''\
"""The workflow, as YAML and as Python, builds: every component, for every stage."""

from __future__ import annotations

from pathlib import Path

import pytest
from lolpop import run
from lolpop.backends import DryRun
from lolpop.config import Registry, load
from lolpop.runners.build import build_workflow
from returns.result import Success

from {{package}}.features import FEATURES
from {{package}}.workflow import make_program

WORKFLOW = Path(__file__).parent.parent / "workflow.yaml"
#: lolpop's component kinds and the project's: what an installed project finds through
#: its entry points, given here so the tests pass before `pip install -e .`.
REGISTRY = Registry([FEATURES], catalogue="lolpop.components.catalogue")


@pytest.mark.parametrize("profile", ["dev", "prod"])
def test_the_config_builds_in_each_profile(profile: str) -> None:
    config = load(WORKFLOW, profile, registry=REGISTRY).unwrap()
    built = build_workflow(config, components=REGISTRY, source=str(WORKFLOW))
    assert built.swap().value_or(None) is None  # else: every problem, each with its path


def test_the_typed_twin_plans_its_run() -> None:
    assert isinstance(run(make_program(), None, backend=DryRun()), Success)
'''

COMPONENT = '''\
"""`{{tag}}`: a data transformer that drops the columns its settings name.

A start for a component of your own: change `transform` (and the settings it reads).
A component is a frozen record of steps (here lolpop's `DataTransformer`, a frame in,
a frame out), built by a function from typed settings; `{{NAME}}` registers the builder
under its tag, through the entry point in pyproject.toml, so a config can write

    transformer: {type: {{tag}}, columns: [email]}
"""

from __future__ import annotations

import pandas as pd
from attrs import frozen
from lolpop import DefinitionError, make_step
from lolpop.components.records import DataTransformer
from lolpop.config import ComponentKind


@frozen
class {{Class}}Settings:
    """What a config sets under the component (besides `type:`)."""

    #: The columns to drop; each must be in the frame.
    columns: tuple[str, ...] = ()


def make_{{name}}(settings: {{Class}}Settings) -> DataTransformer:
    """A transformer that drops `settings.columns` (a new frame; the input is kept)."""

    def transform(frame: pd.DataFrame) -> pd.DataFrame:
        return frame.drop(columns=list(settings.columns))

    return DataTransformer(
        transform=make_step(transform, name="{{name}}", description="Drops the named columns.")
    )


def _build(settings: object) -> DataTransformer:
    # lolpop decodes the config into `{{Class}}Settings` before it calls this; the check
    # turns any other caller's mistake into a named error (and tells mypy the type).
    if not isinstance(settings, {{Class}}Settings):
        raise DefinitionError(f"{{tag}} is built from {{Class}}Settings, not {settings!r}.")
    return make_{{name}}(settings)


{{NAME}} = ComponentKind("{{tag}}", {{Class}}Settings, _build, "Drops the named columns.")
'''

COMPONENT_TEST = '''\
"""Unit tests of `{{tag}}` on small frames written by hand."""

from __future__ import annotations

import pandas as pd

from {{package}}.{{name}} import {{Class}}Settings, make_{{name}}


def test_it_drops_the_named_columns_and_keeps_the_rest() -> None:
    frame = pd.DataFrame({"age": [30, 41], "email": ["a@x.org", "b@y.org"]}, index=[7, 9])
    component = make_{{name}}({{Class}}Settings(columns=("email",)))
    out = component.transform(frame)
    assert list(out.columns) == ["age"]
    assert list(out.index) == [7, 9]
    assert list(frame.columns) == ["age", "email"]  # the input is left as it was
'''

COMPONENT_LAWS = '''\
"""lolpop's laws for `{{tag}}`: one pytest test per law, each on frames hypothesis draws.

Every transformer is deterministic, never mutates its input and gives a picklable
frame; this one also keeps every row and its index (a law it opts into).
"""

from __future__ import annotations

from lolpop.testing.laws import check_laws
from lolpop.testing.laws.data import keeps_index_law
from lolpop.testing.strategies import Column, Schema, frames_of

from {{package}}.{{name}} import {{Class}}Settings, make_{{name}}

FRAMES = frames_of(
    Schema(
        (Column("age", "integer", min=0, max=120), Column("email", "text")),
        max_rows=20,
    )
)

TRANSFORMER = make_{{name}}({{Class}}Settings(columns=("email",)))

check_laws(TRANSFORMER, FRAMES, laws=(keeps_index_law(),))
'''

PIPELINE = '''\
"""The `{{name}}` pipeline: transform a frame, then summarise it.

A pipeline is a function from a record of components to one `Step`, built with the
combinators only (`>>` here), so every component step stays a node of the program: a
dry run lists it, the Prefect backend makes it a task, mypy checks each arrow.
"""

from __future__ import annotations

import pandas as pd
from attrs import frozen
from lolpop import Step, step
from lolpop.components.records import DataTransformer


@frozen
class {{Class}}Components:
    """What the pipeline works with."""

    transformer: DataTransformer


@frozen
class {{Class}}Summary:
    """What the pipeline gives: the size of the transformed frame."""

    rows: int
    columns: int
    #: Cells with no value.
    missing: int


@step
def summarise(frame: pd.DataFrame) -> {{Class}}Summary:
    """Count the rows, columns and missing cells of a frame."""
    return {{Class}}Summary(len(frame), len(frame.columns), int(frame.isna().sum().sum()))


def {{name}}_pipeline(components: {{Class}}Components) -> Step[pd.DataFrame, {{Class}}Summary]:
    """Transform the frame with the component, then summarise it."""
    return (components.transformer.transform >> summarise).named("{{name}}")
'''

PIPELINE_TEST = '''\
"""Unit tests of the `{{name}}` pipeline."""

from __future__ import annotations

import pandas as pd
from lolpop import run
from lolpop.components.function_transformer import make_transformer
from returns.result import Success

from {{package}}.{{name}} import {{Class}}Components, {{Class}}Summary, {{name}}_pipeline


def drop_b(frame: pd.DataFrame) -> pd.DataFrame:
    """The transformer under the pipeline, for the test: drop column `b`."""
    return frame.drop(columns=["b"])


def test_it_summarises_the_transformed_frame() -> None:
    pipeline = {{name}}_pipeline({{Class}}Components(make_transformer(drop_b)))
    frame = pd.DataFrame({"a": [1.0, None, 3.0], "b": [4, 5, 6]})
    assert run(pipeline, frame) == Success({{Class}}Summary(rows=3, columns=1, missing=1))
'''

PIPELINE_LAWS = '''\
"""lolpop's laws for the `{{name}}` pipeline: every step's laws, on frames hypothesis draws
(the same frame gives the same summary twice, the frame is never changed, the summary
survives pickling)."""

from __future__ import annotations

import pandas as pd
from lolpop.components.function_transformer import make_transformer
from lolpop.testing.laws import check_laws
from lolpop.testing.strategies import Column, Schema, frames_of

from {{package}}.{{name}} import {{Class}}Components, {{name}}_pipeline


def unchanged(frame: pd.DataFrame) -> pd.DataFrame:
    """A transformer that keeps the frame as it is: the laws then check the pipeline's own steps."""
    return frame


FRAMES = frames_of(
    Schema(
        (
            Column("a", "number", nullable=True),
            Column("b", "category", categories=("x", "y")),
        ),
        max_rows=20,
    )
)

check_laws({{name}}_pipeline({{Class}}Components(make_transformer(unchanged))), FRAMES)
'''

RUNNER = '''\
"""The `{{tag}}` runner: read the data, transform it, report its shape.

A runner kind is three things: a record of components (its fields are the slots a
config fills by name under `components:`), a settings record (a subclass of lolpop's
`Settings`, which a config's `settings:` is decoded into) and the function that builds
a stage's program from them. `{{NAME}}` registers them under the tag, through the
entry point in pyproject.toml, so a config can write `runner: {{tag}}`.
"""

from __future__ import annotations

import pandas as pd
from attrs import frozen
from lolpop import DefinitionError, LolpopError, Step, make_step
from lolpop.components.records import DataConnector, DataTransformer
from lolpop.config import Settings
from lolpop.runners.kinds import RunnerKind

#: The stages a user can run alone; the first is the default.
STAGES = ("describe",)


@frozen
class {{Class}}Components:
    """The runner's slots."""

    data: DataConnector
    transformer: DataTransformer


@frozen
class {{Class}}Settings(Settings):
    """The runner's settings, besides every workflow's (`model_name`, `work_dir`...)."""

    #: Fewer rows than this fails the run.
    min_rows: int = 1


@frozen
class {{Class}}Report:
    """What a run of the runner gives."""

    rows: int
    columns: tuple[str, ...]

    def to_text(self) -> str:
        """One line for a person."""
        return f"{self.rows} rows; columns: {', '.join(self.columns)}"


def describe(settings: {{Class}}Settings) -> Step[pd.DataFrame, {{Class}}Report]:
    """The step that reports a frame's shape (failing a frame under `settings.min_rows`)."""

    def report(frame: pd.DataFrame) -> {{Class}}Report:
        if len(frame) < settings.min_rows:
            raise LolpopError(f"{len(frame)} rows, fewer than min_rows={settings.min_rows}")
        return {{Class}}Report(len(frame), tuple(str(column) for column in frame.columns))

    return make_step(report, name="describe", description="Reports the frame's shape.")


def {{name}}_runner(
    components: {{Class}}Components, settings: {{Class}}Settings, stage: str = STAGES[0]
) -> Step[None, {{Class}}Report]:
    """The program of `stage`: read, transform, describe."""
    if stage not in STAGES:
        raise DefinitionError(f"{stage!r} is not a stage of {{tag}} ({STAGES})")
    read, transform = components.data.read, components.transformer.transform
    return (read >> transform >> describe(settings)).named("{{name}}")


{{NAME}} = RunnerKind(
    "{{tag}}",
    {{Class}}Components,
    {{Class}}Settings,
    {{name}}_runner,
    STAGES,
    description="Reads the data, transforms it and reports its shape.",
)
'''

RUNNER_TEST = '''\
"""Unit tests of the `{{tag}}` runner, on a CSV written in the test's folder."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
from lolpop import run
from lolpop.components.file_connector import CsvSettings, csv_connector
from lolpop.components.function_transformer import make_transformer
from returns.result import Success

from {{package}}.{{name}} import (
    {{Class}}Components,
    {{Class}}Report,
    {{Class}}Settings,
    {{name}}_runner,
)


def drop_b(frame: pd.DataFrame) -> pd.DataFrame:
    """The transformer under the runner, for the test: drop column `b`."""
    return frame.drop(columns=["b"])


def components(tmp_path: Path) -> {{Class}}Components:
    path = tmp_path / "data.csv"
    pd.DataFrame({"a": [1, 2, 3], "b": [4, 5, 6]}).to_csv(path, index=False)
    return {{Class}}Components(csv_connector(CsvSettings(str(path))), make_transformer(drop_b))


def test_it_reports_the_transformed_frame(tmp_path: Path) -> None:
    program = {{name}}_runner(components(tmp_path), {{Class}}Settings())
    assert run(program, None) == Success({{Class}}Report(rows=3, columns=("a",)))


def test_too_few_rows_fail_the_run_naming_the_step(tmp_path: Path) -> None:
    program = {{name}}_runner(components(tmp_path), {{Class}}Settings(min_rows=10))
    failure = run(program, None).failure()
    assert "describe" in failure.path
'''

RUNNER_LAWS = '''\
"""lolpop's laws for the `{{tag}}` runner's own step, on frames hypothesis draws."""

from __future__ import annotations

from lolpop.testing.laws import check_laws
from lolpop.testing.strategies import Column, Schema, frames_of

from {{package}}.{{name}} import {{Class}}Settings, describe

FRAMES = frames_of(Schema((Column("a", "integer"), Column("b", "text")), max_rows=20))

check_laws(describe({{Class}}Settings()), FRAMES)
'''
