"""The `lolpop` command: version and help, fast."""

from __future__ import annotations

import subprocess
import sys

from typer.testing import CliRunner

import lolpop
from lolpop.cli import app

runner = CliRunner()


def test_version_option_and_command() -> None:
    for args in (["--version"], ["version"]):
        result = runner.invoke(app, args)
        assert result.exit_code == 0
        assert result.output == f"lolpop {lolpop.__version__}\n"


def test_help_lists_the_commands() -> None:
    result = runner.invoke(app, ["--help"])
    assert result.exit_code == 0
    assert "version" in result.output


def test_console_command_runs_without_heavy_imports() -> None:
    code = (
        "import sys\n"
        "sys.argv = ['lolpop', '--help']\n"
        "from lolpop.cli import main\n"
        "try:\n"
        "    main()\n"
        "except SystemExit:\n"
        "    pass\n"
        "heavy = ['mlflow', 'prefect', 'sklearn', 'pandas']\n"
        "print('HEAVY:' + ','.join(m for m in heavy if m in sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip().endswith("HEAVY:")
