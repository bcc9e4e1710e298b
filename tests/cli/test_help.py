"""Every command's help: an example to copy, and no placeholder a person cannot read."""

from __future__ import annotations

import pytest
import typer
from typer.testing import CliRunner

from lolpop.cli import app


def _commands() -> list[list[str]]:
    """Every command's words (`["config", "export"]`), from the app itself."""
    root: object = typer.main.get_command(app)
    found: list[list[str]] = []
    top: dict[str, object] = getattr(root, "commands", {})
    for name, command in top.items():
        below: dict[str, object] = getattr(command, "commands", {})
        found.extend([[name, sub] for sub in below] or [[name]])
    return found


@pytest.mark.parametrize("words", _commands(), ids=" ".join)
def test_every_command_has_an_example_and_plain_placeholders(words: list[str]) -> None:
    result = CliRunner().invoke(app, [*words, "--help"])
    assert result.exit_code == 0, result.output
    assert "Examples:" in result.output
    assert f"lolpop {' '.join(words)}" in result.output
    assert "<bool>" not in result.output
    assert "{config}" not in result.output
    assert "{model}" not in result.output


def test_the_top_help_lists_the_commands_without_placeholders() -> None:
    result = CliRunner().invoke(app, ["--help"])
    assert result.exit_code == 0
    assert "<bool>" not in result.output
    assert "run" in result.output
