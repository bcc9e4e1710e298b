"""What every runner's program does the same way between its pipelines: ending a run,
handing processed data to training, tagging the training run with its deployment, and
refusing a stage whose needs are not given (`StageNeedsError`, each at its path)."""

from __future__ import annotations

from lolpop.components.records import RunRef, RunStatus
from lolpop.errors import ConfigProblem
from lolpop.pipelines.deploy import Deployment
from lolpop.pipelines.evaluate import LiveMetrics
from lolpop.pipelines.predict import MODEL_VERSION_TAG
from lolpop.pipelines.process import ProcessedData
from lolpop.pipelines.train import TrainingData
from lolpop.runners.build import StageNeedsError


def finished(run: RunRef) -> tuple[RunRef, RunStatus]:
    """`run`, to be ended as FINISHED."""
    return run, "FINISHED"


def training_data(processed: ProcessedData) -> TrainingData:
    """The processed data as the train pipeline's input, with its version."""
    return TrainingData(processed.run, processed.frame, (processed.version,))


def deployed_tags(deployment: Deployment) -> dict[str, str]:
    """The training run's tags of what its deployment did (lineage)."""
    version = deployment.version
    tags = {
        MODEL_VERSION_TAG: f"{version.name}:{version.version}",
        "lolpop.promoted": str(deployment.promoted).lower(),
    }
    if deployment.approval is not None:
        tags["lolpop.approval"] = deployment.approval.reason[:500]
    return tags


def live_run(live: LiveMetrics) -> RunRef:
    """The run the evaluate pipeline recorded its live metrics in."""
    return live.run


def stage_needs(
    stage: str,
    doing: str,
    needs: tuple[tuple[object | None, str, str], ...],
    *,
    configured: bool,
) -> StageNeedsError:
    """The refusal of a stage whose needs (a value, its config path, what it is) are not
    all given, each missing one at its path. `configured`: a part only this stage uses
    is given, so the workflow means to run it."""
    missing = tuple(
        ConfigProblem(f"{doing} needs {what}", path) for value, path, what in needs if value is None
    )
    return StageNeedsError(stage, missing, configured=configured)
