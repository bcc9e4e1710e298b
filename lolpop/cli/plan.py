"""`lolpop plan`: what a run of a workflow config would do, without doing any of it.

The plan is the dry run's (`lolpop.backends.DryRun`), rendered by
`lolpop.backends.plan_render`. Expected durations are the medians of the earlier runs of
the same program in the run logs (`<work_dir>/cache/runs`, which `lolpop run` writes):
steps taken from the cache or resumed are left out, as their durations say nothing of
the step's. Nothing is read but the config and those logs, and nothing is written but
`--output`.
"""

from __future__ import annotations

import shutil
import subprocess
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING

import typer

from lolpop.cli import _PROFILE, _STAGE, _at_config, _built, _echo, _example

if TYPE_CHECKING:
    from returns.result import Result

    from lolpop.backends.plan_render import Timings
    from lolpop.backends.records import MemoryLedger
    from lolpop.config.records import WorkflowConfig
    from lolpop.core.failure import RunFailure
    from lolpop.core.step import AnyStep, Step
    from lolpop.runners.kinds import Report

#: How long Graphviz may take to draw a plan.
DOT_TIMEOUT = 60.0


class PlanFormat(StrEnum):
    """What `lolpop plan` writes."""

    TEXT = "text"
    JSON = "json"
    MERMAID = "mermaid"
    DOT = "dot"


_BY_SUFFIX = {
    ".json": PlanFormat.JSON,
    ".mmd": PlanFormat.MERMAID,
    ".mermaid": PlanFormat.MERMAID,
    ".dot": PlanFormat.DOT,
    ".gv": PlanFormat.DOT,
}
_DRAWN = (".svg", ".png")
#: The suffixes of a plan written as text (and none: `plan`).
_TEXT = ("", ".txt", ".text", ".md")


def earlier_runs(cache_dir: Path, program: AnyStep) -> tuple[MemoryLedger, Timings]:
    """The records of the earlier runs of `program` whose steps ran (not reused), and
    how many runs they come from."""
    from lolpop.backends.cache import RunLog, program_id, runs  # noqa: PLC0415
    from lolpop.backends.plan_render import Timings  # noqa: PLC0415
    from lolpop.backends.records import MemoryLedger, StepStatus  # noqa: PLC0415

    folder = cache_dir / "runs"
    shape = program_id(program)
    ledger = MemoryLedger()
    count = 0
    for info in runs(folder):
        if info.program != shape:
            continue
        ran = [
            record
            for record in RunLog(folder, info.run_id).records()
            if record.status is StepStatus.SUCCEEDED and not record.reused
        ]
        count += 1 if ran else 0
        for record in ran:
            ledger.add(record)
    return ledger, Timings(count, str(folder))


def dry_run_text(
    program: Step[None, Report], cache_dir: str | None, resume: str | None, source: str = ""
) -> Result[str, RunFailure]:
    """The plan of a dry run of `program` (of the config at `source`, resuming `resume`
    from `cache_dir`) as `lolpop plan` shows it: 100 columns, with the times of earlier
    runs kept in `cache_dir`."""
    from lolpop.backends import DryRun  # noqa: PLC0415
    from lolpop.backends import plan_render as render  # noqa: PLC0415
    from lolpop.backends.records import MemoryLedger  # noqa: PLC0415
    from lolpop.backends.run import run  # noqa: PLC0415

    ledger, timings = (
        earlier_runs(Path(cache_dir), program)
        if cache_dir is not None
        else (MemoryLedger(), render.Timings(0, ""))
    )
    dry = DryRun(ledger=ledger, cache_dir=cache_dir, workflow=source)
    planned = run(program, None, backend=dry, resume=resume)
    return planned.map(lambda plan: render.to_text(plan, timings))


def _refuse_overwriting(target: Path, workflow: WorkflowConfig, source: str) -> None:
    """Exit 2 when the plan's file would write over the config or what it reads or keeps."""
    from lolpop.config.paths import overwritten  # noqa: PLC0415

    over = overwritten(target, workflow, source)
    if over is not None:
        _echo(f"lolpop plan: the plan's file {target} would write over {over}.", err=True)
        raise typer.Exit(code=2)


def _chosen_format(format_: PlanFormat | None, output: Path | None) -> PlanFormat:
    """The format asked for, else the one `output`'s suffix names, else text; exit 2 when
    an image is asked for in a format it is not drawn from, or when `output`'s suffix is
    of no format (`plan.pdf` would have been written as text)."""
    suffix = output.suffix.lower() if output is not None else ""
    if output is not None and suffix not in (*_BY_SUFFIX, *_DRAWN, *_TEXT):
        shown = ", ".join((*_TEXT[1:], *_BY_SUFFIX, *_DRAWN))
        _echo(
            f"lolpop plan: cannot write a plan as {suffix}: name --output with one of "
            f"{shown} (or no suffix, for text).",
            err=True,
        )
        raise typer.Exit(code=2)
    if suffix in _DRAWN:
        if format_ not in (None, PlanFormat.DOT):
            _echo(
                f"lolpop plan: {output} is drawn from the DOT graph, not from {format_}: "
                "leave out --format, or use --format dot.",
                err=True,
            )
            raise typer.Exit(code=2)
        return PlanFormat.DOT
    return format_ or _BY_SUFFIX.get(suffix, PlanFormat.TEXT)


def _draw(dot_text: str, output: Path) -> None:
    """Draw the DOT graph into `output` (SVG or PNG) with Graphviz's `dot`, or exit."""
    dot = shutil.which("dot")
    if dot is None:
        _echo(
            f"lolpop plan: drawing {output} needs Graphviz's `dot`, which is not on PATH: "
            "install Graphviz (`apt install graphviz` or `brew install graphviz`), or write "
            "the graph as text with `--format dot`.",
            err=True,
        )
        raise typer.Exit(code=2)
    kind = output.suffix.lower().lstrip(".")
    try:
        done = subprocess.run(
            [dot, f"-T{kind}", "-o", str(output)],
            input=dot_text,
            capture_output=True,
            text=True,
            timeout=DOT_TIMEOUT,
            check=False,
        )
    except subprocess.TimeoutExpired:
        _echo(f"lolpop plan: Graphviz took over {DOT_TIMEOUT:g} s to draw {output}.", err=True)
        raise typer.Exit(code=1) from None
    except OSError as error:
        _echo(f"lolpop plan: cannot run {dot}: {error.strerror or error}", err=True)
        raise typer.Exit(code=1) from None
    if done.returncode != 0:
        said = " ".join(done.stderr.split()) or f"exit code {done.returncode}"
        _echo(f"lolpop plan: Graphviz could not draw {output}: {said}", err=True)
        raise typer.Exit(code=1)


_FORMAT = typer.Option(
    None,
    "--format",
    "-f",
    help="text, json, mermaid or dot (default: the one --output's suffix names, else text).",
    show_default=False,
)
_OUTPUT = typer.Option(
    None,
    "--output",
    "-o",
    help="Write the plan to this file (.svg and .png are drawn by Graphviz's `dot`).",
    show_default=False,
)


def plan_command(
    config: str = typer.Argument(
        ..., metavar="CONFIG", help="The workflow config (YAML or TOML) to plan."
    ),
    *,
    profile: str | None = _PROFILE,
    stage: str | None = _STAGE,
    format_: PlanFormat | None = _FORMAT,
    output: Path | None = _OUTPUT,
) -> None:
    """Show what a run would do, step by step, without doing any of it: each step's
    types, whether it is an effect, and how long it took in earlier runs."""
    from returns.result import Failure, Success  # noqa: PLC0415

    from lolpop.backends import DryRun  # noqa: PLC0415
    from lolpop.backends import plan_render as render  # noqa: PLC0415
    from lolpop.backends.run import run  # noqa: PLC0415

    chosen = _chosen_format(format_, output)
    target = output.resolve() if output is not None else None
    with _at_config(config) as (source, _):  # the config's paths are relative to its folder
        workflow, program = _built("plan", source, profile, stage)
        if target is not None:
            _refuse_overwriting(target, workflow, source)
        cache_dir = (Path(workflow.settings.work_dir) / "cache").absolute()
        ledger, timings = earlier_runs(cache_dir, program)
        planned = run(program, None, backend=DryRun(ledger=ledger, cache_dir=cache_dir))
    match planned:
        case Success(plan):
            pass
        case Failure(failure):
            _echo(f"lolpop plan: {failure.message}", err=True)
            raise typer.Exit(code=1)
    text = {
        PlanFormat.TEXT: lambda: render.to_text(plan, timings),
        PlanFormat.JSON: lambda: render.to_json(plan, timings),
        PlanFormat.MERMAID: lambda: render.to_mermaid(plan),
        PlanFormat.DOT: lambda: render.to_dot(plan),
    }[chosen]()
    if output is None:
        _echo(text)
        return
    if output.suffix.lower() in _DRAWN:
        _draw(text, output)
    else:
        try:
            output.write_text(text + "\n", encoding="utf-8")
        except OSError as error:
            _echo(f"lolpop plan: cannot write {output}: {error.strerror or error}", err=True)
            raise typer.Exit(code=2) from None
    _echo(f"wrote the plan of {config} to {output} ({chosen})")


def register(app: typer.Typer) -> None:
    """Add `lolpop plan` to the `lolpop` command."""
    examples = _example(
        "lolpop plan examples/churn/workflow.yaml",
        "lolpop plan examples/churn/workflow.yaml --stage predict --format json",
        "lolpop plan examples/churn/workflow.yaml --output plan.svg",
    )
    app.command("plan", epilog=examples)(plan_command)
