"""The public surface: stable names, explicit `__all__`, light imports."""

from __future__ import annotations

import subprocess
import sys

import lolpop

STABLE_NAMES = {
    "Step", "step", "then", "fanout", "both", "map_each", "branch", "retry", "identity",
    "run", "RunFailure",
}  # fmt: skip


def test_stable_names_are_exported() -> None:
    assert set(lolpop.__all__) >= STABLE_NAMES
    for name in lolpop.__all__:
        assert hasattr(lolpop, name), name


def test_all_lists_exactly_the_public_names() -> None:
    public = {
        name
        for name, value in vars(lolpop).items()
        if not name.startswith("_") and getattr(value, "__module__", "").startswith("lolpop")
    }
    assert public == set(lolpop.__all__) - {"__version__"}


def test_backends_export_local() -> None:
    from lolpop.backends import Local  # noqa: PLC0415

    assert Local().run(lolpop.identity(int), 3).unwrap() == 3


def test_import_lolpop_leaves_heavy_libraries_unloaded() -> None:
    code = (
        "import sys, lolpop, lolpop.backends, lolpop.cli, lolpop.config\n"
        "heavy = ['mlflow', 'prefect', 'sklearn', 'pandas', 'numpy', 'scipy']\n"
        "print(','.join(m for m in heavy if m in sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == ""
