"""Configs as typed Python: the export builds the same records, and mypy checks it."""

from __future__ import annotations

import gc
import os
import subprocess
import sys
from pathlib import Path

import pytest
from attrs import frozen

from lolpop.config import ComponentKind, Registry, WorkflowConfig, load_text
from lolpop.config.export import mypy_problems, render_python
from lolpop.config.loading import prepare
from lolpop.errors import MissingToolError


@frozen
class ForestSettings:
    estimator: str
    max_depth: int = 3
    features: tuple[str, ...] = ()


REGISTRY = Registry([ComponentKind("forest", ForestSettings, lambda settings: settings)])

VALID = b"""\
runner: classification
settings: {model_name: iris, target: species}
backend: {type: local, max_workers: 2}
components:
  trainer: {type: forest, estimator: sklearn.ensemble:RandomForestClassifier, features: [a, b]}
allow_imports: [my_pkg]
"""


def _python(raw: bytes) -> str:
    data, _ = prepare(raw).unwrap()
    return render_python(data, REGISTRY, "workflow.yaml")


def test_the_exported_module_builds_the_same_records() -> None:
    source = _python(VALID)
    assert "from tests.config.test_export import ForestSettings" in source
    namespace: dict[str, object] = {}
    exec(compile(source, "exported.py", "exec"), namespace)
    exported = namespace["config"]
    assert isinstance(exported, WorkflowConfig)
    assert exported == load_text(VALID, registry=REGISTRY).unwrap()


def test_mypy_passes_a_valid_config_and_names_the_field_of_a_wrong_one() -> None:
    assert mypy_problems(_python(VALID)) == []
    wrong = VALID.replace(b"estimator: sklearn", b"max_depth: deep, estimator: sklearn")
    runtime = load_text(wrong, source="workflow.yaml", registry=REGISTRY).failure()
    assert [str(p) for p in runtime.problems] == [
        "expected int, got str 'deep' @ $.components.trainer.max_depth (workflow.yaml:5)"
    ]
    assert mypy_problems(_python(wrong)) == [
        'Argument "max_depth" to "ForestSettings" has incompatible type "str"; '
        'expected "int"  [arg-type]'
    ]
    # mypy's cache is kept with lolpop's other caches (the session's, set by conftest).
    assert (Path(os.environ["LOLPOP_CACHE_DIR"]) / "mypy" / "CACHEDIR.TAG").is_file()


def test_mypy_keeps_no_cache_when_lolpop_keeps_none(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """`LOLPOP_CACHE_DIR=` (empty) turns lolpop's caches off: mypy's too, which then
    lives in the check's temporary folder, not in `$XDG_CACHE_HOME`."""
    seen: list[list[str]] = []

    def run(args: list[str], **_: object) -> subprocess.CompletedProcess[str]:
        seen.append(args)
        return subprocess.CompletedProcess(args, 0, "", "")

    monkeypatch.setenv("LOLPOP_CACHE_DIR", "")
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    monkeypatch.setattr(subprocess, "run", run)
    assert mypy_problems(_python(VALID)) == []
    (args,) = seen
    assert args[:3] == [sys.executable, "-m", "mypy"]
    cache = Path(args[args.index("--cache-dir") + 1])
    assert cache.parent == Path(args[3]).parent  # the temporary folder of the module
    assert not (tmp_path / "xdg").exists()


def test_mypy_runs_apart_and_leaves_nothing_in_the_process(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """mypy's work (each module it read, with its types: for a workflow, millions of
    objects) stays in its own process. Run in lolpop's, it was kept after the check, and
    each later collection of the garbage swept it again (~2 s each in the test suite)."""
    monkeypatch.setenv("LOLPOP_CACHE_DIR", "")  # no cache: mypy reads typeshed's stubs
    gc.collect()
    before = len(gc.get_objects())
    assert mypy_problems("x: int = 1\n") == []
    gc.collect()
    assert len(gc.get_objects()) - before < 10_000  # in process: ~180,000


def test_mypy_reads_no_mypy_config_of_the_folder_it_runs_in(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """The check's verdict was the folder's: mypy looks for a config from where it runs
    up to the repository's root (and in the user's home), so a project's plugin or
    setting changed it, and each project's options made the kept cache stale for the
    next (~30 s again). The check is `--strict` and nothing else, from anywhere."""
    (tmp_path / "mypy.ini").write_text("[mypy]\nplugins = no_such_plugin_module\n")
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("LOLPOP_CACHE_DIR", "")  # no cache: mypy reads typeshed's stubs
    assert mypy_problems("x: int = 1\n") == []
    assert mypy_problems("def f(x): return x\n") == [
        "Function is missing a type annotation  [no-untyped-def]"
    ]


def test_check_mypy_without_mypy_says_what_to_install(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setitem(sys.modules, "mypy", None)  # as if not installed
    with pytest.raises(MissingToolError, match=r"needs mypy.*pip install 'lolpop\[dev\]'"):
        mypy_problems(_python(VALID))


def test_a_wrong_trainer_setting_fails_both_checks_on_the_real_catalogue() -> None:
    raw = b"""\
runner: classification
settings: {model_name: m, target: y}
components:
  data: {type: csv, path: d.csv}
  trainer: {type: sklearn_model, estimator: 'sklearn.linear_model:LogisticRegression', seed: zero}
"""
    runtime = load_text(raw, source="workflow.yaml").failure()
    assert [str(p) for p in runtime.problems] == [
        "expected int, got str 'zero' @ $.components.trainer.seed (workflow.yaml:5)"
    ]
    data, _ = prepare(raw).unwrap()
    problems = mypy_problems(render_python(data, source="workflow.yaml"))
    assert len(problems) == 1
    assert problems[0].startswith(
        'Argument "seed" to "TrainerSettings" has incompatible type "str"'
    )


def test_export_says_which_secrets_it_wrote_masked(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The module was printed with `Secret('***')` and `http://***@...` in place of the
    # secrets, exit 0 and not a word: run as it is, it would post to no webhook.
    from typer.testing import CliRunner  # noqa: PLC0415

    from lolpop.cli import app  # noqa: PLC0415

    monkeypatch.setenv("HOOK_TOKEN", "s3cr3t-token")
    config = tmp_path / "workflow.yaml"
    config.write_text(
        "runner: classification\n"
        "settings: {model_name: m, target: y, tracking_uri: 'http://ana:pw123@mlflow:5000'}\n"
        "components:\n"
        "  data: {type: csv, path: data.csv}\n"
        "  trainer: {type: sklearn_model, estimator: 'sklearn.linear_model:LogisticRegression'}\n"
        "  notifier: {type: webhook, url: 'https://hooks.example.com/${env:HOOK_TOKEN}'}\n"
    )
    result = CliRunner().invoke(app, ["config", "export", str(config)])
    assert result.exit_code == 0, result.output
    assert "s3cr3t-token" not in result.output
    assert "pw123" not in result.output
    assert "2 secrets are written masked" in result.stderr
    assert "fill each in" in result.stderr


def test_lolpop_check_mypy_without_mypy_is_exit_2_naming_the_extra(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from typer.testing import CliRunner  # noqa: PLC0415

    from lolpop.cli import app  # noqa: PLC0415

    monkeypatch.setitem(sys.modules, "mypy", None)  # as if not installed
    config = Path(__file__).parents[2] / "examples" / "breast_cancer" / "workflow.yaml"
    result = CliRunner().invoke(app, ["check", "--offline", "--mypy", str(config)])
    assert result.exit_code == 2
    assert "needs mypy" in result.output
    assert "pip install 'lolpop[dev]'" in result.output
    assert "Traceback" not in result.output


def test_lolpop_check_mypy_says_when_mypy_starts_without_its_cache(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """The first `check --mypy` took ~30 s (a minute on a slow machine) without a word."""
    from typer.testing import CliRunner  # noqa: PLC0415

    from lolpop.cli import app  # noqa: PLC0415
    from lolpop.config import export  # noqa: PLC0415

    monkeypatch.setenv("LOLPOP_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.setattr(export, "mypy_problems", lambda source: [])
    config = Path(__file__).parents[2] / "examples" / "breast_cancer" / "workflow.yaml"
    first = CliRunner().invoke(app, ["check", "--offline", "--mypy", str(config)])
    assert first.exit_code == 0, first.output
    assert "mypy reads the types of lolpop, pandas and scikit-learn a first time" in first.output
    (tmp_path / "cache" / "mypy").mkdir(parents=True)  # as mypy leaves it
    again = CliRunner().invoke(app, ["check", "--offline", "--mypy", str(config)])
    assert again.exit_code == 0, again.output
    assert "a first time" not in again.output
