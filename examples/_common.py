"""What the typed Python examples share: the runner's default components, and `main`.

`with_defaults` fills every slot a YAML config may leave out with the component
`lolpop.runners.supervised.default_component` gives it, built here with the typed
builders so mypy sees each one's real type. `run_main` is the command line of an
example: run on the local backend and print the report, or print the plan (`--dry-run`).
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable
from pathlib import Path

from returns.result import Failure, Success

from lolpop import DefinitionError, Step, run
from lolpop.backends import DryRun
from lolpop.components.data_checker import CheckerSettings, Rule, rules_checker
from lolpop.components.drift import DriftSettings, drift_comparer
from lolpop.components.encoder import column_encoder
from lolpop.components.metrics import classification_metrics, regression_metrics
from lolpop.components.mlflow_repository import MlflowRegistrySettings, mlflow_repository
from lolpop.components.mlflow_tracker import MlflowSettings, mlflow_tracker
from lolpop.components.notifier import LogNotifierSettings, log_notifier
from lolpop.components.profiler import ProfilerSettings, pandas_profiler
from lolpop.components.records import DataConnector, FittedModel, ModelTrainer, Task
from lolpop.components.splitter import SplitterSettings, data_splitter
from lolpop.components.version_store import local_store
from lolpop.config.records import Settings
from lolpop.runners.supervised import (
    PREDICTION_COLUMN,
    STAGES,
    SupervisedComponents,
    WorkflowReport,
    describe_report,
)

#: The repository's root: where `python -m examples.<name>.workflow` is run from.
ROOT = Path(__file__).resolve().parent.parent


def with_defaults(
    task: Task, settings: Settings, data: DataConnector, trainer: ModelTrainer[FittedModel]
) -> SupervisedComponents:
    """`data` and `trainer`, and every other required slot as a config leaving it out has it."""
    if settings.target is None:
        raise DefinitionError("the runner needs `settings.target`, the column to predict.")
    return SupervisedComponents(
        data=data,
        trainer=trainer,
        splitter=data_splitter(
            SplitterSettings(
                settings.target,
                stratify=task == "classification",
                drop=(settings.index,) if settings.index else (),
            )
        ),
        encoder=column_encoder(),
        metrics=classification_metrics() if task == "classification" else regression_metrics(),
        profiler=pandas_profiler(ProfilerSettings()),
        checker=rules_checker(CheckerSettings()),
        drift=drift_comparer(DriftSettings()),
        store=local_store(Path(settings.work_dir) / "store"),
        tracker=mlflow_tracker(
            MlflowSettings(tracking_uri=settings.tracking_uri, experiment=settings.model_name)
        ),
        repository=mlflow_repository(
            MlflowRegistrySettings(settings.model_name, tracking_uri=settings.tracking_uri)
        ),
        notifier=log_notifier(LogNotifierSettings()),
        prediction_checker=rules_checker(
            CheckerSettings((Rule("not_null", columns=(PREDICTION_COLUMN,)),))
        ),
    )


def run_main(
    make_program: Callable[[str], Step[None, WorkflowReport]],
    argv: list[str] | None,
    description: str | None,
) -> int:
    """Parse `argv`, then print the plan (`--dry-run`) or run and print the report.

    0 on success; 1 (and `lolpop: <message>` on stderr) when a step fails.
    """
    parser = argparse.ArgumentParser(
        description=(description or "").split("\n")[0],
    )
    parser.add_argument("--dry-run", action="store_true", help="print the plan; run nothing")
    parser.add_argument("--stage", choices=STAGES, default="build_all", help="the runner's stage")
    args = parser.parse_args(argv)
    program = make_program(args.stage)
    if args.dry_run:
        match run(program, None, backend=DryRun()):
            case Success(plan):
                print(plan.to_text())
                return 0
            case Failure(failure):
                print(f"lolpop: {failure.message}", file=sys.stderr)
                return 1
    match run(program, None):
        case Success(report):
            print(describe_report(report))
            return 0
        case Failure(failure):
            print(f"lolpop: {failure.message}", file=sys.stderr)
            return 1
    return 2  # unreachable: a Result is a Success or a Failure
