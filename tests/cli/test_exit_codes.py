"""Exit codes through the real console entry point (a subprocess of the installed `lolpop`):
0 success; 1 the workflow ran and a step failed (the output names the step); 2 a user
mistake (bad argument, missing file, missing store, bad config), a short message on stderr
and no traceback; `lolpop --debug` adds the traceback.

A new command gets a row in `CASES` (at least its user mistake): `test_every_command_has_a_case`
names a command of `lolpop --help` that has none. Each row is one subprocess (~1 s), all
started at once by a module fixture, so keep to cheap cases and the tiny configs below.
"""

from __future__ import annotations

import os
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from attrs import frozen

from lolpop.cli import app
from tests.cli._regression import lolpop_script

#: A workflow that reads nothing but `good.csv` and tracks in memory: quick to run.
GOOD = """\
runner: regression
settings: {model_name: m, target: y, index: id}
components:
  data: {type: csv, path: good.csv}
  trainer: {type: sklearn_model, estimator: "sklearn.linear_model:Ridge"}
  tracker: {type: memory}
  repository: {type: local_registry}
"""
#: The same workflow on data whose target is text: its train/fit step fails at run time.
FAILS = GOOD.replace("good.csv", "text_target.csv")
BAD = "runner: regression\nsettings: {model_name: m, target: y, nope: 1}\n"


@frozen
class Case:
    """One command line, the exit code it must end with, and a text its output holds."""

    args: tuple[str, ...]
    code: int
    says: str
    #: Whether stderr must hold a traceback (`--debug`), or must not.
    traceback: bool = False


#: The command (as `lolpop --help` names it, `group sub` for a group's) -> its cases.
CASES: dict[str, tuple[Case, ...]] = {
    "": (
        Case(("--version",), 0, "lolpop "),
        Case(("no-such-command",), 2, "No such command 'no-such-command'"),
        Case(("--debug", "no-such-command"), 2, "No such command", traceback=True),
    ),
    "version": (
        Case(("version",), 0, "lolpop "),
        Case(("version", "extra"), 2, "unexpected extra argument"),
    ),
    "check": (Case(("check", "missing.yaml"), 2, "missing.yaml"),),
    "run": (
        Case(("run", "good.yaml", "--backend", "nowhere"), 2, "unknown backend 'nowhere'"),
        Case(("--debug", "run", "good.yaml", "-b", "nowhere"), 2, "nowhere", traceback=True),
        Case(("run", "fails.yaml", "--fresh"), 1, "step 'regression-build_all/train/fit' failed"),
        # A file named as the work folder ended in "unexpected error: NotADirectoryError".
        Case(("run", "good.yaml", "--work-dir", "good.csv"), 2, "good.csv is not a folder"),
    ),
    "test": (Case(("test", "missing.yaml"), 2, "missing.yaml"),),
    "lineage": (Case(("lineage", "churn"), 2, "no MLflow store at"),),
    "approve": (Case(("approve", "churn", "--reason", "ok"), 2, "is not MODEL:VERSION"),),
    "components": (Case(("components", "NoSuchKind"), 2, "no component type"),),
    "plan": (Case(("plan", "good.yaml", "--format", "png"), 2, "'png'"),),
    "init": (Case(("init", "1-bad"), 2, "cannot name a project"),),
    "config export": (Case(("config", "export", "bad.yaml"), 2, "nope"),),
    "runs ledger": (
        Case(("runs",), 0, "no runs kept"),
        # A work folder that is not there said "no runs kept in nowhere/cache yet", exit 0.
        Case(("runs", "--work-dir", "nowhere"), 2, "nowhere is not a folder"),
    ),
    "runs show": (Case(("runs", "show", "0123abcd"), 2, "no MLflow store at"),),
    "runs list": (Case(("runs", "list", "--model", "m"), 2, "no MLflow store at"),),
    "create component": (Case(("create", "component", "Foo"), 2, "not inside a lolpop project"),),
    "create pipeline": (Case(("create", "pipeline", "foo"), 2, "not inside a lolpop project"),),
    "create runner": (Case(("create", "runner", "foo"), 2, "not inside a lolpop project"),),
    "deployment build": (Case(("deployment", "build", "missing.yaml"), 2, "missing.yaml"),),
    "deployment list": (Case(("deployment", "list"), 2, "No Prefect server is configured"),),
    "deployment run": (Case(("deployment", "run"), 2, "Missing argument 'NAME'"),),
    "deployment stop": (Case(("deployment", "stop"), 2, "Missing argument 'NAME'"),),
}

_ALL = [(command, case) for command, cases in CASES.items() for case in cases]


def _folder(folder: Path) -> None:
    """Write the tiny configs and their data in `folder`."""
    (folder / "good.yaml").write_text(GOOD)
    (folder / "fails.yaml").write_text(FAILS)
    (folder / "bad.yaml").write_text(BAD)
    rows = range(30)
    (folder / "good.csv").write_text(
        "id,x,y\n" + "".join(f"{i},{i * 0.5},{i * 1.5 + i % 3}\n" for i in rows)
    )
    (folder / "text_target.csv").write_text(
        "id,x,y\n" + "".join(f"{i},{i * 0.5},{'high' if i % 2 else 'low'}\n" for i in rows)
    )


@pytest.fixture(scope="module")
def ran(tmp_path_factory: pytest.TempPathFactory) -> dict[Case, subprocess.CompletedProcess[str]]:
    """Every case run at once, each in its own copy of the folder (none sees another's
    outputs), with no tracking store or Prefect home of the user's."""
    lolpop = lolpop_script()
    root = tmp_path_factory.mktemp("exit_codes")

    def run(index: int, case: Case) -> subprocess.CompletedProcess[str]:
        folder = root / str(index)
        folder.mkdir()
        _folder(folder)
        env = {
            **os.environ,
            "MLFLOW_TRACKING_URI": f"sqlite:///{folder / 'store' / 'mlflow.db'}",
            "PREFECT_HOME": str(folder / "prefect"),
            "COLUMNS": "100",
        }
        for name in ("LOLPOP_PROFILE", "PREFECT_API_URL", "MLFLOW_REGISTRY_URI"):
            env.pop(name, None)
        return subprocess.run(
            [lolpop, *case.args],
            cwd=folder,
            env=env,
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )

    with ThreadPoolExecutor(max_workers=3) as pool:
        done = pool.map(run, range(len(_ALL)), [case for _, case in _ALL])
        return {case: result for (_, case), result in zip(_ALL, done, strict=True)}


@pytest.mark.parametrize(("command", "case"), _ALL, ids=[" ".join(case.args) for _, case in _ALL])
def test_exit_code(
    command: str, case: Case, ran: dict[Case, subprocess.CompletedProcess[str]]
) -> None:
    done = ran[case]
    output = done.stdout + done.stderr
    assert done.returncode == case.code, output
    assert case.says in output
    assert ("Traceback (most recent call last)" in done.stderr) == case.traceback, done.stderr
    if case.code == 2 and not case.traceback:
        # A user mistake: a short message on stderr (a usage error adds click's two lines).
        assert done.stderr.strip(), output
        assert len(done.stderr.strip().splitlines()) <= 8, done.stderr


def _commands() -> set[str]:
    """Every command of `lolpop --help`, a group's as `group sub`."""
    import typer.main  # noqa: PLC0415

    found: set[str] = set()
    root = typer.main.get_group(app)
    for name, command in root.commands.items():
        subcommands = getattr(command, "commands", None)
        if subcommands:
            found |= {f"{name} {sub}" for sub in subcommands}
        else:
            found.add(name)
    return found


def test_every_command_has_a_case() -> None:
    assert sorted(_commands() - set(CASES)) == []


def _raise_a_bug() -> None:
    raise KeyError("a key lolpop forgot")


@pytest.mark.parametrize("debug", [False, True])
def test_an_unexpected_error_is_one_paragraph_unless_debug(
    debug: bool, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    # In process: a bug in a command stands for any error lolpop does not expect.
    from lolpop.cli import main  # noqa: PLC0415

    monkeypatch.setattr("lolpop.cli.app", _raise_a_bug)
    monkeypatch.setattr(sys, "argv", ["lolpop", *(["--debug"] if debug else []), "version"])
    with pytest.raises(SystemExit) as leaving:
        main()
    assert leaving.value.code == 1
    if debug:
        shown = capsys.readouterr().err
        assert shown.startswith("Traceback (most recent call last):")
        assert shown.endswith("KeyError: 'a key lolpop forgot'\n")
        return
    assert capsys.readouterr().err == (
        "lolpop: unexpected error: KeyError: 'a key lolpop forgot'. This may be a bug in "
        "lolpop; `lolpop --debug ...` shows its traceback, for a bug report.\n"
    )


def _raise_with_a_password() -> None:
    raise RuntimeError("unsupported URI 'ftp://admin:HUNTER2PW@127.0.0.1:1/'")


def test_a_debug_traceback_masks_the_passwords_it_holds(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    # The one-paragraph message masked it, and said to run `--debug` for a bug report,
    # whose traceback (Python's own print) showed the password.
    from lolpop.cli import main  # noqa: PLC0415

    monkeypatch.setattr("lolpop.cli.app", _raise_with_a_password)
    monkeypatch.setattr(sys, "argv", ["lolpop", "--debug", "version"])
    with pytest.raises(SystemExit):
        main()
    shown = capsys.readouterr().err
    assert "HUNTER2PW" not in shown
    assert "ftp://***@127.0.0.1:1/" in shown
    assert "Traceback (most recent call last):" in shown


def _raise_permission_denied() -> None:
    raise PermissionError(13, "Permission denied", "/srv/project/.lolpop")


def test_a_folder_lolpop_cannot_write_is_said_as_such_not_as_a_bug(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    # A read-only project folder ended in "unexpected error: PermissionError ... This may
    # be a bug in lolpop", exit 1.
    from lolpop.cli import main  # noqa: PLC0415

    monkeypatch.setattr("lolpop.cli.app", _raise_permission_denied)
    monkeypatch.setattr(sys, "argv", ["lolpop", "run", "workflow.yaml"])
    with pytest.raises(SystemExit) as leaving:
        main()
    assert leaving.value.code == 2
    said = capsys.readouterr().err
    assert said == (
        "lolpop: cannot use /srv/project/.lolpop: Permission denied (check that the folder "
        "exists and that this user may read and write it).\n"
    )
