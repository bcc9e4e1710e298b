"""`lolpop test CONFIG`: a config's components against their laws on its own data, its
hooks on a small run in a scratch folder, a table, and the exit code."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import attrs
import pandas as pd
import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from lolpop.cli import app
from lolpop.components.file_connector import CsvSettings
from lolpop.components.function_transformer import make_transformer
from lolpop.components.visualizer import VisualizerSettings
from lolpop.config import load
from lolpop.config.records import WorkflowConfig
from lolpop.config.registry import BUILTINS, ComponentKind, Registry
from lolpop.testing.cli_test import ROWS_PER_CLASS, Row, is_users, isolated, subsets, table
from lolpop.testing.laws import run_laws
from lolpop.testing.profiles import scaled
from tests.testing.custom_components import (
    RowSplitterSettings,
    count_missing,
    jitter,
    row_splitter,
)

ROOT = Path(__file__).parents[2]
CHURN = ROOT / "examples" / "churn"
CUSTOM = "tests.testing.custom_components"


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A project folder holding a copy of the churn example, as the working folder."""
    shutil.copytree(CHURN / "data", tmp_path / "data")
    shutil.copy(CHURN / "workflow.yaml", tmp_path / "workflow.yaml")
    monkeypatch.chdir(tmp_path)
    return tmp_path


def files(folder: Path) -> list[str]:
    return sorted(str(path.relative_to(folder)) for path in folder.rglob("*"))


def churn_with(project: Path, **changes: object) -> str:
    """A copy of the churn config with top-level keys changed (components merged)."""
    data = yaml.safe_load((project / "workflow.yaml").read_text())
    for key, value in changes.items():
        if key == "components" and isinstance(value, dict):
            data["components"].update(value)
        else:
            data[key] = value
    path = project / "changed.yaml"
    path.write_text(yaml.safe_dump(data))
    return path.name


def lolpop_test(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(app, ["test", *args])
    return result.exit_code, result.output


def rows_of(output: str, component: str) -> dict[str, str]:
    """The table's results of one component, by law."""
    found = {}
    for line in output.splitlines():
        cells = line.split("  ")
        cells = [cell.strip() for cell in cells if cell.strip()]
        if len(cells) == 4 and cells[0] == component:
            found[cells[2]] = cells[3]
    return found


# --- the command ---------------------------------------------------------------------------


def test_the_churn_example_passes_and_writes_nothing(project: Path) -> None:
    before = files(project)
    code, output = lolpop_test("workflow.yaml", "--examples", "3")
    assert code == 0, output
    assert "examples from 200 rows of data/customers.csv" in output
    assert (
        "] splitter (built-in): splitter laws, 3 examples each from the data ... 6 of 6 hold"
        in output
    )
    assert rows_of(output, "splitter") == {
        "deterministic": "passed",
        "never mutates its input": "passed",
        "output survives pickling": "passed",
        "parts are disjoint and cover every row": "passed",
        "features and target line up": "passed",
        "target is not a feature": "passed",
    }
    assert set(rows_of(output, "trainer").values()) == {"passed"}
    assert rows_of(output, "tracker") == {"-": "skipped"}
    assert "FAILED" not in output
    assert files(project) == before


def test_a_broken_custom_component_fails_naming_the_law_with_a_shrunk_example(
    project: Path,
) -> None:
    config = churn_with(
        project,
        allow_imports=["tests.testing"],
        components={
            "splitter": {
                "type": f"{CUSTOM}:OVERLAPPING_SPLITTER",
                "target": "churned",
                "drop": ["customer_id"],
            },
        },
    )
    code, output = lolpop_test(config, "--examples", "2")
    assert code == 1, output
    assert rows_of(output, "splitter") == {
        "deterministic": "passed",
        "never mutates its input": "passed",
        "output survives pickling": "passed",
        "parts are disjoint and cover every row": "FAILED",
        "features and target line up": "passed",
        "target is not a feature": "passed",
    }
    assert "] splitter (yours): splitter laws, 2 examples each from the data" in output
    assert "rows are in more than one part (index label and parts)" in output
    assert "in train and valid" in output
    # hypothesis' shrunk counterexample: the fewest rows the subsets allow, of each class
    assert "Failing test case" in output or "Falsifying example" in output
    assert f"[{2 * ROWS_PER_CLASS} rows x 11 columns]" in output
    assert "1 failed" in output


#: Examples a law of a broken component draws: each fails on the first few (the `ci`
#: profile is derandomised), and the built-ins beside it run no more than this.
EXAMPLES = 2

#: The laws of each slot's kit, in the table's order.
LAWS = {
    "transformer": ["deterministic", "never mutates its input", "output survives pickling"],
    "encoder": [
        "deterministic",
        "never mutates its input",
        "output survives pickling",
        "keeps the rows and the index",
        "fit sees the training split only",
        "fitted encoder survives pickling",
        "unseen categories encode alike",
    ],
    "trainer": [
        "deterministic",
        "never mutates its input",
        "output survives pickling",
        "one prediction per row",
        "probabilities are distributions",
    ],
    "metrics": [
        "deterministic",
        "never mutates its input",
        "output survives pickling",
        "agrees with scikit-learn",
        "metrics within bounds",
        "direction as declared",
    ],
    "drift": [
        "deterministic",
        "never mutates its input",
        "output survives pickling",
        "identical data never drifts",
        "a shifted column drifts",
    ],
}


def broken_in(project: Path, slot: str, kind: str, **settings: object) -> tuple[int, str]:
    """`lolpop test --only SLOT` on the churn config with the broken component `kind` in
    `slot` (the others pass: `test_the_churn_example_passes_and_writes_nothing`)."""
    config = churn_with(
        project,
        allow_imports=["tests.testing"],
        components={slot: {"type": f"{CUSTOM}:{kind}", **settings}},
    )
    return lolpop_test(config, "--examples", str(EXAMPLES), "--only", slot)


def failed_only(output: str, slot: str, law: str) -> str:
    """The detail under the one failed row, after checking that the table shows `law`
    alone FAILED for `slot`, every other law of its kit passed, and nothing else failed."""
    assert rows_of(output, slot) == {
        name: "FAILED" if name == law else "passed" for name in LAWS[slot]
    }, output
    assert len(re.findall(r"\sFAILED$", output, re.MULTILINE)) == 1, output
    assert output.rstrip().endswith("checks passed, 1 failed"), output
    lines = output.splitlines()
    start = next(i for i, line in enumerate(lines) if line.startswith(slot) and "FAILED" in line)
    detail = []
    for line in lines[start + 1 :]:
        if not line.startswith("    "):
            break
        detail.append(line)
    message = "\n".join(detail)
    assert "Failing test case" in message or "Falsifying example" in message, message
    return message


def test_a_transformer_that_changes_its_input_fails_never_mutates(project: Path) -> None:
    code, output = broken_in(project, "transformer", "MARKING_TRANSFORMER")
    assert code == 1, output
    assert (
        f"] transformer (yours): transformer laws, {EXAMPLES} examples each from the data" in output
    )
    message = failed_only(output, "transformer", "never mutates its input")
    assert "the call changed its input in place" in message
    assert "churned  seen" in message  # the column it wrote, in the frame after the call
    assert "[20 rows x " in message  # shrunk: ten rows of each class


def test_a_transformer_that_is_not_deterministic_fails_deterministic(project: Path) -> None:
    config = churn_with(
        project,
        allow_imports=["tests.testing"],
        components={
            "transformer": {
                "type": "function",
                "function": f"{CUSTOM}:jitter",
                "allow": ["tests.testing"],
            }
        },
    )
    code, output = lolpop_test(config, "--examples", str(EXAMPLES), "--only", "transformer")
    assert code == 1, output
    message = failed_only(output, "transformer", "deterministic")
    assert "the same example gave two different outputs" in message


def test_a_transformer_that_sets_a_mark_in_its_input_fails_never_mutates(
    project: Path,
) -> None:
    code, output = broken_in(project, "transformer", "MARKING_TRANSFORMER", counting=False)
    assert code == 1, output
    failed_only(output, "transformer", "never mutates its input")


def test_an_encoder_that_learns_from_the_rows_it_transforms_fails_fit_sees_train(
    project: Path,
) -> None:
    code, output = broken_in(project, "encoder", "BATCH_SCALING_ENCODER")
    assert code == 1, output
    assert f"] encoder (yours): encoder laws, {EXAMPLES} examples each from the data" in output
    message = failed_only(output, "encoder", "fit sees the training split only")
    assert "the transform learns from the rows it is given, not only from fit" in message
    assert "[20 rows x 10 columns]" in message


def test_a_trainer_whose_probabilities_do_not_sum_to_one_fails_distributions(
    project: Path,
) -> None:
    code, output = broken_in(
        project,
        "trainer",
        "SHRUNK_TRAINER",
        estimator="sklearn.linear_model:LogisticRegression",
        params={"max_iter": 1000},
    )
    assert code == 1, output
    assert f"] trainer (yours): trainer laws, {EXAMPLES} examples each from the data" in output
    message = failed_only(output, "trainer", "probabilities are distributions")
    assert "rows that do not sum to 1" in message
    assert re.search(r"\s0\.9$", message, re.MULTILINE), message  # a row's sum, shown
    assert "[20 rows x 20 columns]" in message


def test_a_metric_that_points_the_wrong_way_fails_direction(project: Path) -> None:
    code, output = broken_in(project, "metrics", "GUARDED_METRICS")
    assert code == 1, output
    # An evaluator's examples are its kit's own: scored predictions, not frames.
    assert (
        f"] metrics (yours): evaluator laws, {EXAMPLES} examples each from its kit's examples"
        in output
    )
    message = failed_only(output, "metrics", "direction as declared")
    assert "perfect predictions score f1 = 0.0" in message
    assert "greater is declared better" in message
    assert "Predictions(values=" in message


def test_a_comparer_that_flags_identical_data_fails_never_drifts(project: Path) -> None:
    code, output = broken_in(project, "drift", "ALARMED_DRIFT")
    assert code == 1, output
    assert f"] drift (yours): comparer laws, {EXAMPLES} examples each from the data" in output
    message = failed_only(output, "drift", "identical data never drifts")
    assert "a frame compared with a copy of itself drifts" in message
    assert "ColumnDrift(column='tenure_months'" in message
    assert "[20 rows x 11 columns]" in message


@pytest.mark.parametrize(
    ("profiles", "how", "rows"),
    [
        ({"dev": {}}, "with the dev profile", 1500),
        ({}, "on 200 rows of the data", 200),
    ],
)
def test_a_failing_hook_fails_the_command_naming_it(
    project: Path, profiles: dict[str, object], how: str, rows: int
) -> None:
    config = churn_with(
        project,
        profiles=profiles,
        allow_imports=["tests.testing"],
        tests=[
            {"step": "process/read", "check": f"{CUSTOM}:has_rows"},
            {
                "step": "process/required_columns",
                "check": f"{CUSTOM}:at_most_ten_rows",
                "at": "input",
            },
            {"step": "train/split", "check": f"{CUSTOM}:has_rows", "at": "input"},
        ],
    )
    before = files(project)
    code, output = lolpop_test(config, "--examples", "1")
    assert code == 1, output
    assert f"hooks: running the build_all stage {how}, in a scratch folder" in output
    assert rows_of(output, "has_rows") == {
        "output of classification-build_all/process/read": "passed",
        "input of classification-build_all/train/split": "not reached",
    }
    assert rows_of(output, "at_most_ten_rows") == {
        "input of classification-build_all/process/required_columns": "FAILED"
    }
    assert (
        "the hook 'at_most_ten_rows' on the input of "
        "'classification-build_all/process/required_columns' failed: expected at most 10 rows, "
        f"got {rows}"
    ) in output
    assert files(project) == before  # the small run wrote in a scratch folder


@pytest.mark.parametrize(
    ("args", "said"),
    [
        (["workflow.yaml", "--nope"], "No such option"),
        (["workflow.yaml", "--examples", "0"], "--examples"),
        (["missing.yaml"], "cannot read the config"),
    ],
)
def test_a_usage_mistake_exits_2(project: Path, args: list[str], said: str) -> None:
    code, output = lolpop_test(*args)
    assert code == 2
    assert said in output


def test_only_checks_the_named_components_and_runs_no_hook(project: Path) -> None:
    config = churn_with(
        project,
        allow_imports=["tests.testing"],
        tests=[{"step": "process/read", "check": f"{CUSTOM}:has_rows"}],
    )
    code, output = lolpop_test(config, "--examples", "1", "--only", "trainer", "--only", "splitter")
    assert code == 0, output
    assert "/2] splitter (built-in): splitter laws" in output
    assert "/2] trainer (built-in): trainer laws" in output
    assert set(rows_of(output, "splitter").values()) == {"passed"}
    assert set(rows_of(output, "trainer").values()) == {"passed"}
    assert rows_of(output, "encoder") == {}
    assert "hooks: 1 not run (--only checks components alone)" in output
    assert rows_of(output, "has_rows") == {}
    assert output.rstrip().endswith("of 11 checks passed"), output


def test_only_an_unknown_component_exits_2_naming_the_components(project: Path) -> None:
    code, output = lolpop_test("workflow.yaml", "--only", "trainer", "--only", "trainr")
    assert code == 2
    assert "--only names 'trainr', which this workflow has no component of" in output
    assert "(its components: data, " in output
    assert "trainer" in output.split("its components:", 1)[1]


def test_a_config_that_does_not_build_exits_2(project: Path) -> None:
    config = churn_with(project, components={"splitter": {"type": "splitter"}})
    code, output = lolpop_test(config)
    assert code == 2
    assert "required key missing @ $.components.splitter.target" in output


# --- its parts ------------------------------------------------------------------------------


def churn_config() -> WorkflowConfig:
    return load(CHURN / "workflow.yaml").unwrap()


def test_a_component_is_the_users_when_its_kind_or_code_comes_from_their_modules() -> None:
    config = churn_config()
    components = {
        **config.components,
        "splitter": attrs.evolve(config.components["data"], type=f"{CUSTOM}:ROW_SPLITTER"),
    }
    config = attrs.evolve(config, components=components)
    assert is_users("splitter", config)
    assert not is_users("data", config)  # a csv connector
    assert not is_users("trainer", config)  # sklearn.linear_model:LogisticRegression
    assert not is_users("encoder", config)  # the runner's default


@attrs.frozen
class _ShopSettings:
    columns: tuple[str, ...] = ()


def _shop_features(settings: object) -> object:
    return settings


def test_a_kind_from_an_installed_package_is_the_users() -> None:
    # A project's own component, found through its entry point (`lolpop init`'s
    # `myproj_features`), was called built-in: its laws drew a built-in's few examples.
    shop = ComponentKind("shop_features", _ShopSettings, _shop_features)
    csv = BUILTINS.get("csv")
    assert csv is not None
    registry = Registry([shop, csv])
    config = churn_config()
    components = {
        **config.components,
        "transformer": attrs.evolve(config.components["data"], type="shop_features"),
    }
    config = attrs.evolve(config, components=components)
    assert is_users("transformer", config, registry)
    assert not is_users("data", config, registry)  # lolpop's csv connector


def test_an_isolated_config_writes_in_the_scratch_folder_only(
    tmp_path: Path, project: Path
) -> None:
    config = churn_config()
    scratch = tmp_path / "scratch"
    moved = isolated(config, scratch)
    assert moved.settings.work_dir == str(scratch / "work")
    assert moved.settings.tracking_uri == f"sqlite:///{scratch / 'mlflow.db'}"
    assert moved.allow_outside
    csv = {
        name: moved.components[name].settings
        for name in ("data", "new_data", "labels", "predictions")
    }
    assert all(isinstance(given, CsvSettings) for given in csv.values())
    paths = {
        name: Path(given.path) for name, given in csv.items() if isinstance(given, CsvSettings)
    }
    figures = moved.components["visualizer"].settings
    assert isinstance(figures, VisualizerSettings)
    assert all(scratch in place.parents for place in [*paths.values(), Path(figures.folder)])
    assert paths["data"].read_bytes() == (CHURN / "data" / "customers.csv").read_bytes()
    assert not paths["predictions"].exists()  # nothing there yet: nothing copied


FRAME = pd.DataFrame(
    {"x": range(60), "y": [0] * 45 + [1] * 15},
    index=[f"r{i}" for i in range(60)],
)


@settings(max_examples=scaled(0.5))
@given(subsets(FRAME, "y"))
def test_subsets_keep_rows_of_every_class_in_order(frame: pd.DataFrame) -> None:
    assert list(frame.index) == [label for label in FRAME.index if label in set(frame.index)]
    assert frame["y"].value_counts().min() >= ROWS_PER_CLASS
    assert frame.equals(FRAME.loc[frame.index])


def test_the_table_shows_each_failures_detail_under_it() -> None:
    lines = table(
        [
            Row("splitter", "yours", "deterministic", "passed"),
            Row(
                "splitter",
                "yours",
                "parts are disjoint",
                "FAILED",
                "rows overlap\nFalsifying example: ...",
            ),
            Row("tracker", "built-in", "-", "skipped", "no laws"),
        ]
    )
    assert lines == [
        "component  origin    law                 result",
        "---------  --------  ------------------  -------",
        "splitter   yours     deterministic       passed",
        "splitter   yours     parts are disjoint  FAILED",
        "    rows overlap",
        "    Falsifying example: ...",
        "tracker    built-in  -                   skipped",
    ]


def test_an_unseeded_transformer_breaks_determinism_only() -> None:
    frame = pd.DataFrame({"a": [1.0, 2.0, 3.0]})
    results = run_laws(make_transformer(jitter), st.just(frame), max_examples=scaled(0.1))
    assert {r.law: r.passed for r in results} == {
        "deterministic": False,
        "never mutates its input": True,
        "output survives pickling": True,
    }


def test_the_correct_custom_components_keep_their_laws() -> None:
    splitter = row_splitter(RowSplitterSettings("target"))
    assert all(r.passed for r in run_laws(splitter, max_examples=scaled(0.2))), "splitter"
    transformer = make_transformer(count_missing)
    assert all(r.passed for r in run_laws(transformer, max_examples=scaled(0.2))), "transformer"
