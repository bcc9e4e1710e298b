"""Configs: decoding, every error at once with path and line, profiles, env, safety."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest
from attrs import frozen
from typer.testing import CliRunner

from lolpop.cli import app
from lolpop.config import (
    ComponentConfig,
    ComponentKind,
    ConfigError,
    LocalBackendConfig,
    PrefectBackendConfig,
    Registry,
    WorkflowConfig,
    load,
    load_text,
    make_converter,
    mask_secrets,
)
from lolpop.runners.supervised.settings import SupervisedSettings


@frozen
class TrainerSettings:
    estimator: str
    max_depth: int = 3
    learning_rate: float = 0.1
    api_key: str | None = None


TRAINER = ComponentKind("sklearn_trainer", TrainerSettings, lambda settings: settings)
REGISTRY = Registry([TRAINER])

FIVE_MISTAKES = b"""\
runner: classification
settings:
  model_name: iris
  trackng_uri: sqlite:///x.db
backend:
  type: prefct
components:
  trainer:
    type: sklearn_trainer
    estimator: sklearn.tree:DecisionTreeClassifier
    max_depth: deep
    learning_rate: true
  encoder:
    type: sklearn_encodr
"""


def _problems(raw: bytes, profile: str | None = None) -> list[str]:
    result = load_text(raw, profile, source="workflow.yaml", registry=REGISTRY)
    error = result.failure()
    assert isinstance(error, ConfigError)
    return [str(problem) for problem in error.problems]


def test_a_valid_config_decodes_into_records() -> None:
    raw = b"runner: r\nbackend: {type: prefect, flow_name: f}\ncomponents:\n  t: {type: sklearn_trainer, estimator: e, max_depth: 5}\n"
    config = load_text(raw, registry=REGISTRY).unwrap()
    assert config == WorkflowConfig(
        runner="r",
        backend=PrefectBackendConfig(flow_name="f"),
        components={"t": ComponentConfig("sklearn_trainer", TrainerSettings("e", max_depth=5))},
    )


def test_five_mistakes_are_reported_at_once_with_paths_and_lines() -> None:
    assert _problems(FIVE_MISTAKES) == [
        "unknown key 'trackng_uri'; did you mean 'tracking_uri'? @ $.settings.trackng_uri (workflow.yaml:4)",
        "unknown backend type 'prefct'; did you mean 'prefect'? (known: dry-run, local, prefect) @ $.backend (workflow.yaml:5)",
        "expected int, got str 'deep' @ $.components.trainer.max_depth (workflow.yaml:11)",
        "expected float, got bool True @ $.components.trainer.learning_rate (workflow.yaml:12)",
        "unknown component type 'sklearn_encodr'; did you mean 'sklearn_trainer'? (known: sklearn_trainer) @ $.components.encoder (workflow.yaml:13)",
    ]


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        (b"runner: 5\n", "expected str, got int 5 @ $.runner (workflow.yaml:1)"),
        (b"settings: {}\n", "required key missing @ $.runner"),
        (
            b"runner: r\nbackend: local\n",
            "expected a mapping with a `type:` key, got str 'local' @ $.backend (workflow.yaml:2)",
        ),
        (
            b"runner: r\nbackend: {type: local, max_workers: '4'}\n",
            "expected int, got str '4' @ $.backend.max_workers (workflow.yaml:2)",
        ),
        (
            b"runner: r\ncomponents:\n  t: {estimator: e}\n",
            "missing `type:`, the component's kind (one of: sklearn_trainer) @ $.components.t (workflow.yaml:3)",
        ),
        (b"runner: r\nrunner: s\n", "duplicate key 'runner' @ $.runner (workflow.yaml:2)"),
        (b"- a\n- b\n", "a workflow config is a mapping (runner:, components:, ...) @ $"),
        (
            b"runner: [1, 2\n",
            "not valid YAML: expected ',' or ']', but got '<stream end>' @ $ (workflow.yaml:2)",
        ),
        (b"\xff\xfe", "the file is not UTF-8 text (byte 0: b'\\xff') @ $"),
    ],
)
def test_single_mistakes(raw: bytes, expected: str) -> None:
    assert _problems(raw) == [expected]


def test_yaml_object_tags_are_refused() -> None:
    (problem,) = _problems(b"runner: !!python/object/apply:os.system ['echo hi']\n")
    assert "could not determine a constructor for the tag" in problem
    assert "(workflow.yaml:1)" in problem


def test_profiles_overlay_the_base_and_may_change_a_kind() -> None:
    raw = b"""\
runner: classification
settings: {model_name: m, target: y}
backend: {type: prefect, flow_name: f}
profiles:
  dev:
    settings: {model_name: m-dev}
    backend: {type: local, max_workers: 2}
"""
    base = load_text(raw, registry=REGISTRY).unwrap()
    dev = load_text(raw, profile="dev", registry=REGISTRY).unwrap()
    # The runner's own settings record: the supervised runners' has the target.
    assert base.settings == SupervisedSettings(model_name="m", target="y")
    assert dev.settings == SupervisedSettings(model_name="m-dev", target="y")
    assert dev.backend == LocalBackendConfig(max_workers=2)
    assert _problems(raw, profile="prod") == [
        "no profile 'prod' in this config (profiles: dev) @ $.profiles (workflow.yaml:4)"
    ]


def test_a_problem_a_profile_makes_is_at_the_profiles_line() -> None:
    # It was said at the line of the base setting the profile overrides (line 3 here),
    # where the value is fine.
    raw = b"""\
runner: classification
components:
  trainer: {type: sklearn_trainer, estimator: e, max_depth: 3}
profiles:
  deep:
    components:
      trainer:
        max_depth: deep
"""
    assert _problems(raw, profile="deep") == [
        "expected int, got str 'deep' @ $.components.trainer.max_depth (workflow.yaml:8)"
    ]


def test_a_profile_removes_a_component_by_null() -> None:
    # `tuner: null` (a fast dev profile without the search) was refused as "expected a
    # mapping with a `type:` key": a profile could add or change a component, never drop it.
    raw = b"""\
runner: classification
components:
  trainer: {type: sklearn_trainer, estimator: e}
  tuner: {type: sklearn_trainer, estimator: t}
profiles:
  fast:
    components:
      tuner: null
"""
    assert set(load_text(raw, registry=REGISTRY).unwrap().components) == {"trainer", "tuner"}
    fast = load_text(raw, profile="fast", registry=REGISTRY).unwrap()
    assert set(fast.components) == {"trainer"}
    assert _problems(raw.replace(b"profiles:", b"  other: null\nprofiles:")) == [
        "expected a mapping with a `type:` key, got NoneType None @ $.components.other "
        "(workflow.yaml:5)"
    ]


def test_profile_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LOLPOP_PROFILE", "dev")
    raw = b"runner: r\nprofiles:\n  dev: {runner: r-dev}\n"
    assert load_text(raw, registry=REGISTRY).unwrap().runner == "r-dev"


def test_environment_interpolation(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DEPTH", "9")
    monkeypatch.setenv("HOST", "db.example")
    monkeypatch.delenv("MISSING", raising=False)
    raw = b"""\
runner: r
settings: {tracking_uri: "postgresql://${env:HOST}/mlflow", work_dir: "${env:MISSING,/tmp/data}"}
components:
  t: {type: sklearn_trainer, estimator: e, max_depth: "${env:DEPTH}", learning_rate: "${env:RATE,0.5}"}
"""
    config = load_text(raw, registry=REGISTRY).unwrap()
    assert config.settings.tracking_uri == "postgresql://db.example/mlflow"
    assert config.settings.work_dir == "/tmp/data"
    assert config.components["t"].settings == TrainerSettings("e", max_depth=9, learning_rate=0.5)
    assert _problems(b"runner: ${env:MISSING}\n") == [
        "the environment variable MISSING is not set (and no default is given) @ $.runner (workflow.yaml:1)"
    ]


def test_an_unset_variable_is_reported_with_every_other_problem(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A config that reads an unset variable still gets every other problem in the same
    round, and none made up from the empty text the unset variable left behind."""
    monkeypatch.delenv("DEPTH", raising=False)
    raw = FIVE_MISTAKES.replace(b"max_depth: deep", b'max_depth: "${env:DEPTH}"')
    problems = _problems(raw)
    assert problems[0].startswith(
        "the environment variable DEPTH is not set (and no default is given) @ "
        "$.components.trainer.max_depth (workflow.yaml:11)"
    )
    assert len(problems) == 5, problems  # the four other mistakes, none at max_depth
    assert sum("max_depth" in problem for problem in problems) == 1


def test_secrets_are_masked() -> None:
    data = {"password": "p", "api_key": "k", "token": None, "keys": ["a"], "nested": {"secret": 1}}
    assert mask_secrets(data) == {
        "password": "***",
        "api_key": "***",
        "token": None,
        "keys": ["a"],
        "nested": {"secret": "***"},
    }


def test_component_references_are_limited_to_allowed_modules(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "my_kinds.py").write_text(
        "from attrs import frozen\n"
        "from lolpop.config import ComponentKind\n"
        "@frozen\n"
        "class S:\n"
        "    size: int = 1\n"
        "KIND = ComponentKind('mine', S, lambda s: s)\n"
    )
    monkeypatch.syspath_prepend(str(tmp_path))
    refused = _problems(b"runner: r\ncomponents:\n  c: {type: 'my_kinds:KIND', size: 2}\n")
    assert len(refused) == 1
    assert "names a module outside the allowed ones (lolpop)" in refused[0]
    assert "my_kinds" not in sys.modules  # refused before anything was imported
    allowed = b"runner: r\nallow_imports: [my_kinds]\ncomponents:\n  c: {type: 'my_kinds:KIND', size: 2}\n"
    config = load_text(allowed, registry=REGISTRY).unwrap()
    assert config.components["c"].type == "my_kinds:KIND"


def test_a_third_party_kind_is_found_through_its_entry_point(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    package = tmp_path / "lolpop_extra"
    package.mkdir()
    (package / "__init__.py").write_text(
        "from attrs import frozen\n"
        "from lolpop.config import ComponentKind\n"
        "@frozen\n"
        "class Settings:\n"
        "    level: str = 'info'\n"
        "NOTIFIER = ComponentKind('extra_notifier', Settings, lambda s: s)\n"
    )
    dist = tmp_path / "lolpop_extra-0.1.dist-info"
    dist.mkdir()
    (dist / "METADATA").write_text("Metadata-Version: 2.1\nName: lolpop-extra\nVersion: 0.1\n")
    (dist / "entry_points.txt").write_text(
        "[lolpop.components]\nextra_notifier = lolpop_extra:NOTIFIER\n"
    )
    monkeypatch.syspath_prepend(str(tmp_path))
    registry = Registry([TRAINER])
    config = load_text(
        b"runner: r\ncomponents:\n  n: {type: extra_notifier, level: warn}\n", registry=registry
    ).unwrap()
    assert config.components["n"].type == "extra_notifier"
    assert registry.get("extra_notifier") is not None


def test_round_trip_through_the_converter() -> None:
    config = WorkflowConfig(
        runner="r",
        backend=LocalBackendConfig(max_workers=3, timeout=1.5),
        components={"t": ComponentConfig("sklearn_trainer", TrainerSettings("e", 4, 0.2, "k"))},
        allow_imports=("my_pkg",),
    )
    converter = make_converter(REGISTRY)
    assert converter.structure(converter.unstructure(config), WorkflowConfig) == config


def test_load_reads_files_and_reports_unreadable_ones(tmp_path: Path) -> None:
    path = tmp_path / "workflow.yaml"
    path.write_text("runner: r\n")
    assert load(path).unwrap().runner == "r"
    missing = load(tmp_path / "nope.yaml").failure()
    assert "cannot read the config: No such file or directory" in str(missing)


#: The least a classification runner needs: a target, data and a trainer.
MINIMAL = (
    "settings: {model_name: m, target: y}\n"
    "components:\n"
    "  data: {type: csv, path: d.csv}\n"
    "  trainer: {type: sklearn_model, estimator: 'sklearn.linear_model:LogisticRegression'}\n"
)


def test_a_config_whose_components_do_not_fit_the_runner_fails_the_check(tmp_path: Path) -> None:
    config = tmp_path / "bad.yaml"
    config.write_text(
        "runner: classification\nsettings: {target: y}\ncomponents:\n"
        "  data: {type: log_notifier}\n  trainr: {type: memory}\n"
    )
    result = CliRunner().invoke(app, ["check", "--offline", str(config)])
    assert result.exit_code == 2
    assert "3 problems" in result.output
    assert (
        "expected a DataConnector, got a Notifier (type: log_notifier) @ $.components.data.type"
        in result.output
    )
    assert "no component slot 'trainr'; did you mean 'trainer'?" in result.output
    assert "required component missing" in result.output


def test_check_says_an_unset_variable_with_the_other_components_problems(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A component reading an unset variable is left out, and the others are built: a
    parameter they refuse is said in the same round."""
    monkeypatch.delenv("DATA_DIR", raising=False)
    config = tmp_path / "bad.yaml"
    config.write_text(
        "runner: classification\nsettings: {model_name: m, target: y}\ncomponents:\n"
        "  data: {type: csv, path: '${env:DATA_DIR}/d.csv'}\n"
        "  trainer: {type: sklearn_model, estimator: 'sklearn.linear_model:LogisticRegression'}\n"
        "  baseline: {type: baseline_checker, metric: f2}\n"
    )
    result = CliRunner().invoke(app, ["check", "--offline", str(config)])
    assert result.exit_code == 2
    assert "the environment variable DATA_DIR is not set" in result.output
    assert "unknown metric 'f2'" in result.output


def test_check_command(tmp_path: Path) -> None:
    good = tmp_path / "good.yaml"
    good.write_text(f"runner: classification\n{MINIMAL}")
    runner = CliRunner()
    result = runner.invoke(app, ["check", "--offline", str(good)])
    assert result.exit_code == 0, result.output
    assert result.output.startswith(f"{good}: OK\nrunner: classification\n")
    bad = tmp_path / "bad.yaml"
    bad.write_text("runner: 5\nbackend: {type: nope}\n")
    result = runner.invoke(app, ["check", "--offline", str(bad)])
    assert result.exit_code == 2
    assert "2 problems in" in result.output
    assert "@ $.runner" in result.output
    assert "@ $.backend" in result.output


def test_check_with_mypy_and_export_commands(tmp_path: Path) -> None:
    config = tmp_path / "workflow.yaml"
    config.write_text(
        "runner: classification\nbackend: {type: local, max_workers: 2}\nprofiles:\n  dev:\n    backend: {type: local, max_workers: two}\n"
        + MINIMAL
    )
    runner = CliRunner()
    exported = runner.invoke(app, ["config", "export", "--python", str(config)])
    assert exported.exit_code == 0
    assert "backend=LocalBackendConfig(\n        max_workers=2,\n    )," in exported.output
    assert runner.invoke(app, ["check", "--offline", "--mypy", str(config)]).exit_code == 0
    failed = runner.invoke(app, ["check", "--mypy", str(config), "--profile", "dev"])
    assert failed.exit_code == 2
    assert "expected int, got str 'two' @ $.backend.max_workers" in failed.output
    assert (
        'Argument "max_workers" to "LocalBackendConfig" has incompatible type "str"'
        in failed.output
    )


def test_toml_configs_decode_like_yaml(tmp_path: Path) -> None:
    yaml_path, toml_path = tmp_path / "w.yaml", tmp_path / "w.toml"
    yaml_path.write_text(
        "runner: r\nbackend: {type: local, max_workers: 2}\n"
        "components:\n  t: {type: sklearn_trainer, estimator: e}\n"
        "profiles:\n  dev: {settings: {model_name: dev}}\n"
    )
    toml_path.write_text(
        'runner = "r"\n[backend]\ntype = "local"\nmax_workers = 2\n'
        '[components.t]\ntype = "sklearn_trainer"\nestimator = "e"\n'
        '[profiles.dev.settings]\nmodel_name = "dev"\n'
    )
    for profile in (None, "dev"):
        from_yaml = load(yaml_path, profile, registry=REGISTRY).unwrap()
        assert load(toml_path, profile, registry=REGISTRY).unwrap() == from_yaml
    toml_path.write_text('runner = 5\n[backend]\ntype = "nope"\n')
    problems = [str(p) for p in load(toml_path, registry=REGISTRY).failure().problems]
    assert problems[0] == "expected str, got int 5 @ $.runner"
    assert problems[1].startswith("unknown backend type 'nope'")
    toml_path.write_text("runner = \n")
    assert "not valid TOML" in str(load(toml_path).failure())


@pytest.mark.parametrize(
    ("written", "value"),
    [("1e-4", 1e-4), ("1e3", 1000.0), ("-2E+5", -2e5), ("1.0e4", 1e4), ("3.5e-2", 0.035)],
)
def test_a_number_written_with_an_exponent_is_a_number(written: str, value: float) -> None:
    # YAML 1.1 (PyYAML) reads `1e-4` as text: it wants a dot and a sign (`1.0e-4`), so
    # `learning_rate: 1e-4` was refused as "Got '1e-4' instead"; YAML 1.2 reads a number.
    raw = f"runner: r\ncomponents:\n  t: {{type: sklearn_trainer, estimator: e, learning_rate: {written}}}\n"
    config = load_text(raw.encode(), registry=REGISTRY).unwrap()
    settings = config.components["t"].settings
    assert isinstance(settings, TrainerSettings)
    assert settings.learning_rate == value
    assert type(settings.learning_rate) is float


def test_text_that_only_looks_like_an_exponent_stays_text() -> None:
    raw = b"runner: r\ncomponents:\n  t: {type: sklearn_trainer, estimator: '1e3', learning_rate: 0.5}\n"
    settings = load_text(raw, registry=REGISTRY).unwrap().components["t"].settings
    assert isinstance(settings, TrainerSettings)
    assert settings.estimator == "1e3"
    for text in ("e3", "1e", "1e3x", "e-4", "1e+"):
        line = f"runner: r\ncomponents:\n  t: {{type: sklearn_trainer, estimator: {text}}}\n"
        settings = load_text(line.encode(), registry=REGISTRY).unwrap().components["t"].settings
        assert isinstance(settings, TrainerSettings)
        assert settings.estimator == text


def test_a_value_outside_a_fixed_set_names_the_set_and_the_closest() -> None:
    # It was "invalid value (CattrsError: dropp not in literal typing.Literal['error',
    # 'drop'])": cattrs' words and Python's spelling of a type.
    raw = b"runner: classification\nsettings: {model_name: m, target: y, missing_target: dropp}\n"
    (shown,) = _problems(raw)
    assert shown.startswith(
        "str 'dropp' is not one of 'error', 'drop'; did you mean 'drop'? "
        "@ $.settings.missing_target"
    ), shown
    assert "CattrsError" not in shown
    assert "typing.Literal" not in shown
    far = b"runner: classification\nsettings: {model_name: m, target: y, missing_target: 3}\n"
    (shown,) = _problems(far)
    assert shown.startswith("int 3 is not one of 'error', 'drop' @"), shown
