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


def main() -> None:
    """Entry point of the `lolpop` console command."""
    app()
