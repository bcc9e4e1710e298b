"""`lolpop plan`: the dry run's plan as text (100 columns), JSON, Mermaid or DOT, read-only."""

from __future__ import annotations

import json
import os
import shutil
import stat
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from typer.testing import CliRunner

from lolpop.backends.cache import RunLog, program_id
from lolpop.backends.records import StepRecord, StepStatus
from lolpop.cli import app
from lolpop.config import load
from lolpop.runners.build import build_workflow

runner = CliRunner()
ROOT = Path(__file__).resolve().parents[2]
CHURN = ""  # the churn example's config, copied (`_elsewhere`)


@pytest.fixture(autouse=True)
def _elsewhere(
    tmp_path: Path, tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Run from an empty folder, so that a test can see nothing else was written there,
    on a copy of the churn example (its relative paths are read against its folder, so a
    developer's runs of the example in the repository would be the plan's earlier runs)."""
    copy = tmp_path_factory.mktemp("churn")
    shutil.copytree(ROOT / "examples" / "churn" / "data", copy / "data")
    shutil.copy(ROOT / "examples" / "churn" / "workflow.yaml", copy / "workflow.yaml")
    monkeypatch.setattr(sys.modules[__name__], "CHURN", str(copy / "workflow.yaml"))
    monkeypatch.chdir(tmp_path)


def _plan(*args: str) -> tuple[int, str, str]:
    result = runner.invoke(app, ["plan", *args])
    return result.exit_code, result.stdout, result.stderr


def test_text_fits_100_columns_and_lists_effects_one_per_line(tmp_path: Path) -> None:
    code, out, err = _plan(CHURN)
    assert code == 0, err
    lines = out.splitlines()
    assert lines
    assert all(len(line) <= 100 for line in lines), max(lines, key=len)
    assert "expected times: no earlier runs" in out
    # Type names are short: RunRef, not lolpop.components.records.RunRef.
    assert "lolpop.components.records" not in out
    assert "RunRef" in out
    effects = [line for line in lines if "process/start_run:" in line]
    assert len(effects) == 1
    assert "Start a run" in effects[0]
    assert list(tmp_path.iterdir()) == []  # a dry run writes nothing


def test_json_has_every_step_with_types_effects_and_edges() -> None:
    code, out, err = _plan(CHURN, "--format", "json")
    assert code == 0, err
    plan = json.loads(out)
    assert plan["expected_from"] == {
        "runs": 0,
        "folder": str(Path(CHURN).parent / ".lolpop" / "cache" / "runs"),
    }
    paths = [s["path"] for s in plan["steps"]]
    assert "classification-build_all/process/read" in paths
    read = plan["steps"][paths.index("classification-build_all/process/read")]
    assert read["input_type"] == "NoneType"
    assert read["effect"] is False
    assert {"description", "tries", "expected_seconds", "output_type"} <= set(read)
    assert any(s["effect"] for s in plan["steps"])
    assert plan["edges"]
    assert set(plan["edges"][0]) == {"source", "target", "label"}


def test_mermaid_and_dot_are_graphs_with_effects_styled() -> None:
    code, out, err = _plan(CHURN, "--format", "mermaid")
    assert code == 0, err
    assert out.startswith("flowchart TD")
    assert ":::effect" in out
    assert "classDef effect" in out
    assert "-->" in out
    code, out, err = _plan(CHURN, "--format", "dot")
    assert code == 0, err
    assert out.startswith("digraph")
    assert "shape=parallelogram" in out
    assert "->" in out
    assert out.rstrip().endswith("}")


@pytest.mark.parametrize(
    ("name", "starts"), [("plan.json", "{"), ("plan.mmd", "flowchart"), ("plan.dot", "digraph")]
)
def test_output_writes_the_format_its_suffix_names(tmp_path: Path, name: str, starts: str) -> None:
    code, out, err = _plan(CHURN, "--output", name)
    assert code == 0, err
    assert (tmp_path / name).read_text(encoding="utf-8").startswith(starts)
    assert name in out
    assert [p.name for p in tmp_path.iterdir()] == [name]


def test_svg_without_graphviz_says_how_to_install_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PATH", str(tmp_path / "empty"))
    code, _, err = _plan(CHURN, "--output", "plan.svg")
    assert code == 2
    message = err.strip()
    assert "\n" not in message
    assert "apt install graphviz" in message
    assert "brew install graphviz" in message
    assert "--format dot" in message
    assert list(tmp_path.iterdir()) == []


def test_svg_is_drawn_by_dot(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A stand-in `dot` on PATH records its arguments and input, as Graphviz would draw."""
    tools = tmp_path / "tools"
    tools.mkdir()
    fake = tools / "dot"
    fake.write_text(
        f'#!/bin/sh\necho "$@" > "{tmp_path}/args"\ncat > "{tmp_path}/input"\ntouch "$3"\n',
        encoding="utf-8",
    )
    fake.chmod(fake.stat().st_mode | stat.S_IEXEC)
    monkeypatch.setenv("PATH", str(tools) + os.pathsep + os.environ["PATH"])
    code, _, err = _plan(CHURN, "--output", "plan.svg")
    assert code == 0, err
    assert (tmp_path / "args").read_text(encoding="utf-8").split() == ["-Tsvg", "-o", "plan.svg"]
    assert (tmp_path / "input").read_text(encoding="utf-8").startswith("digraph")
    assert (tmp_path / "plan.svg").exists()


def test_expected_times_are_medians_of_earlier_runs(tmp_path: Path) -> None:
    raw = yaml.safe_load(Path(CHURN).read_text(encoding="utf-8"))
    raw["settings"]["work_dir"] = str(tmp_path / "work")
    config = tmp_path / "churn.yaml"
    config.write_text(yaml.safe_dump(raw), encoding="utf-8")
    program = build_workflow(load(str(config)).unwrap(), source=str(config)).unwrap()
    folder = tmp_path / "work" / "cache" / "runs"
    read = "classification-build_all/process/read"
    for number, seconds in enumerate((1.0, 3.0, 2.5)):
        log = RunLog(folder, f"run{number}")
        log.begin(program_id(program))
        log.add(StepRecord(f"run{number}", read, 0.0, seconds, StepStatus.SUCCEEDED))
        # A step taken from the cache says nothing of how long the step takes.
        log.add(StepRecord(f"run{number}", read, 0.0, 0.01, StepStatus.SUCCEEDED, reused="cache"))
    other = RunLog(folder, "other")
    other.begin("another program")
    other.add(StepRecord("other", read, 0.0, 100.0, StepStatus.SUCCEEDED))
    code, out, err = _plan(str(config))
    assert code == 0, err
    assert f"expected times: median of 3 earlier runs in {folder}" in out
    row = next(line for line in out.splitlines() if " process/read " in line)
    assert "2.5 s" in row
    code, out, err = _plan(str(config), "--format", "json")
    steps = {s["path"]: s for s in json.loads(out)["steps"]}
    assert steps[read]["expected_seconds"] == 2.5


def test_bad_config_and_bad_arguments_exit_2(tmp_path: Path) -> None:
    code, _, err = _plan(str(tmp_path / "missing.yaml"))
    assert code == 2
    assert "missing.yaml" in err
    code, _, err = _plan(CHURN, "--format", "json", "--output", "plan.png")
    assert code == 2
    assert "--format dot" in err
    code, _, _ = _plan(CHURN, "--format", "html")
    assert code == 2
    assert list(tmp_path.iterdir()) == []


def test_console_command_exits_2_on_a_bad_config(tmp_path: Path) -> None:
    (tmp_path / "bad.yaml").write_text("runner: classification\nsettings: {nope: 1}\n")
    lolpop = Path(sys.executable).parent / "lolpop"
    done = subprocess.run(
        [str(lolpop), "plan", "bad.yaml"], capture_output=True, text=True, timeout=60, check=False
    )
    assert done.returncode == 2, done.stderr
    assert "nope" in done.stderr
    assert "Traceback" not in done.stderr


def test_output_never_writes_over_the_config_or_what_it_reads() -> None:
    # Each was replaced by the plan, exit 0 ("wrote the plan ... (text)").
    config = Path(CHURN)
    before = {path: path.read_bytes() for path in (config, config.parent / "data/customers.csv")}
    for target in before:
        code, _, err = _plan(CHURN, "--output", str(target))
        assert code == 2, err
    assert {path: path.read_bytes() for path in before} == before
    inside = config.parent / ".lolpop" / "cache" / "plan.txt"
    code, _, err = _plan(CHURN, "--output", str(inside))
    assert code == 2, err
    assert "would write over lolpop's step cache" in err
    assert not inside.exists()


def test_output_of_a_suffix_no_format_has_is_refused(tmp_path: Path) -> None:
    # `plan.pdf` was written as text, exit 0.
    code, _, err = _plan(CHURN, "--output", "plan.pdf")
    assert code == 2
    assert "cannot write a plan as .pdf" in err
    assert list(tmp_path.iterdir()) == []
    code, _, err = _plan(CHURN, "--output", "plan.txt")
    assert code == 0, err
