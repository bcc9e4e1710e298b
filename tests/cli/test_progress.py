"""`lolpop run`'s display: the plan's count of component steps before the run (glue not
counted), one line per finished step when stderr is not a terminal, `--quiet` and
`--verbose`."""

from __future__ import annotations

import os
import subprocess
import typing
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from lolpop import step
from lolpop.backends import Local
from lolpop.backends.run import run
from lolpop.cli.progress import Display
from lolpop.core.step import Leaf, Step, StepMeta
from tests.cli._regression import lolpop_script

#: A workflow reading nothing but `data.csv`, tracking in memory: quick to run.
CONFIG = """\
runner: regression
settings: {model_name: m, target: y, index: id}
components:
  data: {type: csv, path: data.csv}
  trainer: {type: sklearn_model, estimator: "sklearn.linear_model:Ridge"}
  tracker: {type: memory}
  repository: {type: local_registry}
"""


@step
def inc(x: int) -> int:
    return x + 1


@step
def double(x: int) -> int:
    return x * 2


def _glued() -> Step[int, int]:
    glue: Step[int, int] = Step(
        Leaf(lambda x: x), "pass_on", typing.Any, typing.Any, StepMeta(internal=True)
    )
    return (inc >> glue >> double).named("main")


def test_the_total_is_the_plans_component_steps_before_the_run() -> None:
    lines: list[str] = []
    display = Display("normal", live=False, say=lines.append)
    program = _glued()
    display.planned(program, 1)
    assert run(program, 1, backend=Local(observer=display, ledger=None)).unwrap() == 4
    display.close()
    # `N/?` and glue steps counted were the failure: two component steps, known up front.
    assert [line.split(" (")[0] for line in lines[:-1]] == ["[1/2] inc", "[2/2] double"]
    assert lines[-1].startswith("ran 2 of the plan's 2 steps in ")


def test_verbose_lines_give_types_and_quiet_says_nothing() -> None:
    program = (inc >> double).named("main")
    verbose: list[str] = []
    quiet: list[str] = []
    for level, lines in (("verbose", verbose), ("quiet", quiet)):
        display = Display(level, live=False, say=lines.append)  # type: ignore[arg-type]  # a Level
        display.planned(program, 1)
        run(program, 1, backend=Local(observer=display))
        display.close()
    assert verbose[0].startswith("[1/2] inc (")
    assert verbose[0].endswith("int -> int")
    assert quiet == []


def test_lolpop_run_prints_one_line_per_step_off_a_terminal(tmp_path: Path) -> None:
    lolpop = lolpop_script()

    def lolpop_run(flag: str) -> subprocess.CompletedProcess[str]:
        folder = tmp_path / (flag.strip("-") or "normal")
        folder.mkdir()
        (folder / "run.yaml").write_text(CONFIG)
        (folder / "data.csv").write_text(
            "id,x,y\n" + "".join(f"{i},{i * 0.5},{i * 1.5 + i % 3}\n" for i in range(30))
        )
        env = {**os.environ, "MLFLOW_TRACKING_URI": f"sqlite:///{folder / 'mlflow.db'}"}
        env.pop("LOLPOP_PROFILE", None)
        args = [lolpop, "run", "run.yaml", "--fresh", *([flag] if flag else [])]
        return subprocess.run(
            args, cwd=folder, env=env, capture_output=True, text=True, timeout=120, check=False
        )

    with ThreadPoolExecutor(max_workers=2) as pool:
        normal, quiet = pool.map(lolpop_run, ["", "--quiet"])
    assert normal.returncode == 0, normal.stderr
    steps = [line for line in normal.stderr.splitlines() if line.startswith("[")]
    total = steps[0].split("/")[1].split("]")[0]
    assert total.isdigit()
    assert steps[0].startswith(f"[1/{total}] ")
    assert all(line.endswith(("ms)", " s)", "min)")) for line in steps)
    assert f"of the plan's {total} steps" in normal.stderr
    assert "INFO" not in normal.stderr  # MLflow's lines only with --verbose
    assert "stage " in normal.stdout  # the summary, on stdout
    assert quiet.returncode == 0, quiet.stderr
    assert not [line for line in quiet.stderr.splitlines() if line.startswith("[")]
    assert "stage " in quiet.stdout
