"""The `lolpop` command.

Startup stays fast: this module imports typer and lolpop's light core only; commands
that need pandas, scikit-learn, MLflow or Prefect import them inside the command.
"""

from __future__ import annotations

import typer

from lolpop import __version__

app = typer.Typer(
    name="lolpop",
    help="lolpop: typed, functional pipelines for machine-learning workflows.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)


def _print_version(value: bool) -> None:
    if value:
        typer.echo(f"lolpop {__version__}")
        raise typer.Exit


@app.callback()
def _root(
    version: bool = typer.Option(
        False, "--version", callback=_print_version, is_eager=True, help="Print the version."
    ),
) -> None:
    """lolpop: typed, functional pipelines for machine-learning workflows."""


@app.command()
def version() -> None:
    """Print the version of lolpop."""
    typer.echo(f"lolpop {__version__}")


@app.command()
def check(
    config: str = typer.Argument(..., help="The workflow config (YAML) to check."),
    profile: str | None = typer.Option(
        None, "--profile", "-p", help="The profile to overlay (default: LOLPOP_PROFILE)."
    ),
) -> None:
    """Check a workflow config: every problem at once, with its path and line."""
    import yaml  # noqa: PLC0415 (light, but only this command needs it)

    from lolpop.config import load, make_converter, mask_secrets  # noqa: PLC0415

    result = load(config, profile)
    problems = result.swap().value_or(None)
    if problems is not None:
        typer.echo(f"lolpop check: {problems}", err=True)
        raise typer.Exit(code=2)
    workflow = result.unwrap()
    shown = mask_secrets(make_converter(allow_imports=workflow.allow_imports).unstructure(workflow))
    typer.echo(f"{config}: OK" + (f" (profile {profile})" if profile else ""))
    typer.echo(yaml.safe_dump(shown, sort_keys=False).rstrip())


def main() -> None:
    """Entry point of the `lolpop` console command."""
    app()
