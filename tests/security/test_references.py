"""A config runs only what its allow-list names: references that cannot escape.

Each attack first names the harm its payload does (a marker file made, a folder deleted,
the process killed or exited), then shows `check`, `run`, `run --backend dry-run` and
`config export` refusing it with exit 2 and a message naming the field, the harm undone.
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
from pathlib import Path

import pandas as pd
import pytest
from typer.testing import CliRunner

from lolpop.cli import app
from lolpop.components.function_transformer import (
    FunctionTransformerSettings,
    function_transformer,
)
from lolpop.components.records import Labelled
from lolpop.components.sklearn_trainer import TrainerSettings, sklearn_model
from lolpop.config.registry import resolve_class, resolve_function, resolve_kind
from lolpop.errors import DefinitionError

runner = CliRunner()

COMMANDS = (
    ("check",),
    ("run",),
    ("run", "--backend", "dry-run"),
    ("config", "export"),
)
PAYLOADS = "tests.security.reference_payloads"


def _config(components: str, allow: str = "") -> str:
    return (
        "runner: classification\n"
        "settings: {model_name: iris, target: target}\n"
        f"{allow}"
        "components:\n"
        "  data: {type: sklearn_dataset, name: iris}\n"
        "  trainer: {type: sklearn_model, estimator: 'sklearn.linear_model:LogisticRegression'}\n"
        f"{components}"
    )


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """An empty project folder as the working folder, with empty marker, temporary and
    scikit-learn data folders that the payloads would touch."""
    work = tmp_path / "project"
    work.mkdir()
    for folder in ("markers", "tmp", "sklearn_data"):
        (tmp_path / folder).mkdir()
    (tmp_path / "sklearn_data" / "precious.csv").write_text("a,b\n1,2\n")
    monkeypatch.chdir(work)
    monkeypatch.setenv("LOLPOP_TEST_MARKERS", str(tmp_path / "markers"))
    monkeypatch.setenv("SCIKIT_LEARN_DATA", str(tmp_path / "sklearn_data"))
    monkeypatch.setenv("MLFLOW_TRACKING_URI", f"sqlite:///{tmp_path / 'mlflow.db'}")
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path / "tmp"))
    return work


def _harm(project: Path) -> list[str]:
    """What the payloads left: markers, temporary files, a deleted data folder."""
    root = project.parent
    harm = [f"marker {p.name}" for p in (root / "markers").iterdir()]
    harm += [f"temporary file {p.name}" for p in (root / "tmp").iterdir()]
    if not (root / "sklearn_data" / "precious.csv").exists():
        harm.append("scikit-learn's data folder deleted")
    return harm


@pytest.mark.parametrize(
    ("components", "path", "said"),
    [
        pytest.param(
            "  tuner: {type: grid_search, estimator: 'lolpop.components.notifier:sys.exit', "
            "metric: f1, space: {C: [1.0]}}\n",
            "$.components.tuner.estimator",
            "reaches the module 'sys' through an attribute",
            id="sys.exit through a lolpop module",
        ),
        pytest.param(
            "  tuner: {type: grid_search, "
            "estimator: 'lolpop.components.mlflow_tracker:tempfile.mkstemp', "
            "metric: f1, space: {C: [1.0]}}\n",
            "$.components.tuner.estimator",
            "reaches the module 'tempfile' through an attribute",
            id="tempfile.mkstemp through a lolpop module",
        ),
        pytest.param(
            "  tuner: {type: grid_search, estimator: 'sklearn.datasets:clear_data_home', "
            "metric: f1, space: {C: [1.0]}}\n",
            "$.components.tuner.estimator",
            "is the function clear_data_home, not a scikit-learn estimator class",
            id="a function of an allowed package as an estimator",
        ),
        pytest.param(
            "  transformer: {type: function, function: 'lolpop.components._files:os.abort'}\n",
            "$.components.transformer.function",
            "reaches the module 'os' through an attribute",
            id="os.abort as a frame function",
        ),
        pytest.param(
            "  transformer: {type: function, function: 'os:abort', allow: [os, posix]}\n",
            "$.components.transformer.function",
            "is a built-in function, not a function defined with `def`",
            id="an allowed built-in as a frame function",
        ),
        pytest.param(
            "  transformer: {type: function, "
            f"function: '{PAYLOADS}:imported_os.system', allow: [tests]}}\n",
            "$.components.transformer.function",
            "reaches the module 'os' through an attribute",
            id="os.system through an allowed module's import",
        ),
        pytest.param(
            "  notifier: {type: 'lolpop.components.notifier:sys.exit'}\n",
            "$.components.notifier",
            "reaches the module 'sys' through an attribute",
            id="sys.exit as a component type",
        ),
        pytest.param(
            "  notifier: {type: 'lolpop.config.registry:ComponentKind'}\n",
            "$.components.notifier",
            "is the class ComponentKind, not a lolpop ComponentKind",
            id="a class as a component type",
        ),
        pytest.param(
            "  notifier: {type: 'lolpop.components.notifier:__builtins__'}\n",
            "$.components.notifier",
            "names a special attribute",
            id="a special attribute",
        ),
    ],
)
@pytest.mark.parametrize("command", COMMANDS, ids=" ".join)
def test_a_reference_outside_the_allow_list_is_refused(
    project: Path, components: str, path: str, said: str, command: tuple[str, ...]
) -> None:
    (project / "workflow.yaml").write_text(_config(components))
    result = runner.invoke(app, [*command, "workflow.yaml"])
    assert result.exit_code == 2, result.output
    assert path in result.output
    assert said in result.output
    assert "Traceback" not in result.output
    assert _harm(project) == []
    assert not (project / ".lolpop").exists()


def test_os_abort_named_in_a_config_does_not_kill_check(project: Path) -> None:
    # Before: `lolpop check` died of SIGABRT while probing the "estimator".
    (project / "workflow.yaml").write_text(
        _config("").replace(
            "sklearn.linear_model:LogisticRegression", "lolpop.components._files:os.abort"
        )
    )
    done = subprocess.run(
        [sys.executable, "-c", "from lolpop.cli import main; main()", "check", "workflow.yaml"],
        capture_output=True,
        text=True,
        timeout=120,
        env={**os.environ, "PYTHONPATH": str(Path(__file__).parents[2])},
        check=False,
    )
    assert done.returncode == 2, done.stderr
    assert "$.components.trainer.estimator" in done.stderr
    assert "reaches the module 'os' through an attribute" in done.stderr


def test_check_never_calls_allowed_references(project: Path) -> None:
    """Code the config may run (its allow-list names it) is resolved and inspected by
    `check`, dry runs and export, never called; a real run calls it."""
    allowed = _config(
        "  tuner: {type: grid_search, "
        f"estimator: '{PAYLOADS}:MarkingClassifier', allow: [tests.security], "
        "metric: f1, space: {C: [0.5, 1.0]}}\n"
        f"  transformer: {{type: function, function: '{PAYLOADS}:touch_frame', "
        "allow: [tests.security]}\n",
    ).replace(
        "estimator: 'sklearn.linear_model:LogisticRegression'",
        f"estimator: '{PAYLOADS}:MarkingClassifier', allow: [tests.security]",
    )
    (project / "workflow.yaml").write_text(allowed)
    for command in (("check",), ("run", "--backend", "dry-run"), ("config", "export")):
        result = runner.invoke(app, [*command, "workflow.yaml"])
        assert result.exit_code == 0, result.output
    assert _harm(project) == []
    # Running is what the allow-list allows: the estimator is made when it is fitted.
    trainer = sklearn_model(
        TrainerSettings(f"{PAYLOADS}:MarkingClassifier", allow=("tests.security",))
    )
    transformer = function_transformer(
        FunctionTransformerSettings(f"{PAYLOADS}:touch_frame", allow=("tests.security",))
    )
    assert _harm(project) == []
    frame = pd.DataFrame({"x": [0.0, 1.0, 2.0, 3.0]})
    trainer.fit(Labelled(transformer.transform(frame), pd.Series([0, 0, 1, 1])))
    assert sorted(_harm(project)) == ["marker MarkingClassifier", "marker touch_frame"]


@pytest.mark.parametrize(
    ("reference", "message"),
    [
        ("sklearn.ensemble:RandomForestClassifier", None),
        ("lolpop.components.notifier:logging.Logger", "reaches the module 'logging'"),
        ("sklearn.base:BaseEstimator.__subclasses__", "names a special attribute"),
        ("sklearn.base:clone", "not a scikit-learn estimator class"),
        ("sklearn:nothing_here", "does not resolve"),
        ("os.path:join", "names a module outside the allowed ones"),
        ("sklearn.ensemble:RandomForestClassifier; import os", "is not a `module:attribute`"),
        ("lolpop.components.tuner:make_spec", "not a scikit-learn estimator class"),
    ],
)
def test_estimator_references(reference: str, message: str | None) -> None:
    from sklearn.base import BaseEstimator  # noqa: PLC0415

    what = "scikit-learn estimator class"
    if message is None:
        assert resolve_class(reference, BaseEstimator, what=what).__name__ == (
            "RandomForestClassifier"
        )
        return
    with pytest.raises(DefinitionError, match=message):
        resolve_class(reference, BaseEstimator, what=what)


def test_a_name_imported_into_an_allowed_module_is_not_defined_there() -> None:
    # `tests.security.reference_payloads` imports LogisticRegression from scikit-learn: the
    # allow-list names the module, so only what it defines may be named through it.
    with pytest.raises(DefinitionError, match=r"defined in 'sklearn\.base'"):
        resolve_kind(f"{PAYLOADS}:BaseEstimator", ("tests.security",))
    with pytest.raises(DefinitionError, match="is the class ComponentKind"):
        resolve_kind("lolpop.config.registry:ComponentKind")
    with pytest.raises(DefinitionError, match=r"defined in 'sklearn\.base'"):
        resolve_function(f"{PAYLOADS}:BaseEstimator", ("tests.security",))
    assert resolve_function(f"{PAYLOADS}:touch_frame", ("tests.security",)).__name__ == (
        "touch_frame"
    )
