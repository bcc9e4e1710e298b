"""`lolpop init` and `lolpop create`: the project they write passes its own tests and
`mypy --strict`, and every mistake is refused in one line, exit 2, with nothing written."""

from __future__ import annotations

import os
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest
from typer.testing import CliRunner

from lolpop.cli import app

#: The console command and mypy of the interpreter running the tests.
BIN = Path(sys.executable).parent


def _lolpop(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(BIN / "lolpop"), *args], cwd=cwd, capture_output=True, text=True, check=False
    )


def _mypy_cache(tmp_path_factory: pytest.TempPathFactory) -> Path:
    # Kept between runs (beside CI's own mypy cache, or pytest's temporary folders): a warm
    # cache makes mypy re-read only the project, not lolpop, pandas-stubs and hypothesis.
    # Never CI's cache itself: the project's mypy options differ from the repository's,
    # so each would make the other's entries stale (CI's next `mypy` step took 37 s
    # instead of 1.5 s after this test wrote into its cache).
    kept = os.environ.get("MYPY_CACHE_DIR")
    if kept:
        return Path(f"{kept.rstrip('/')}-scaffold")
    return tmp_path_factory.getbasetemp().parent / "lolpop-scaffold-mypy-cache"


def test_a_new_project_and_its_created_modules_pass_their_tests_and_mypy_strict(
    tmp_path: Path, tmp_path_factory: pytest.TempPathFactory
) -> None:
    made = _lolpop("init", "demo", cwd=tmp_path)
    assert made.returncode == 0, made.stderr
    project = tmp_path / "demo"
    for kind, name in (("component", "drop_pii"), ("pipeline", "summarise"), ("runner", "tally")):
        created = _lolpop("create", kind, name, cwd=project / "src")  # from below the root too
        assert created.returncode == 0, created.stderr
        assert f"wrote src/demo/{name}.py" in created.stdout
    # Registered where lolpop reads entry points (installing is left to the user).
    entry_points = tomllib.loads((project / "pyproject.toml").read_text())["project"][
        "entry-points"
    ]
    assert entry_points["lolpop.components"] == {
        "demo_features": "demo.features:FEATURES",
        "demo_drop_pii": "demo.drop_pii:DROP_PII",
    }
    assert entry_points["lolpop.runners"] == {"demo_tally": "demo.tally:TALLY"}

    # The README's second command, as a user types it (`pytest && mypy`), without installing.
    readme = (project / "README.md").read_text().splitlines()
    assert readme[2].strip() == "pip install -e '.[dev]' && lolpop run workflow.yaml"
    assert readme[3].strip() == "pytest && mypy"
    env = {**os.environ, "HYPOTHESIS_PROFILE": "ci", "PYTHONDONTWRITEBYTECODE": "1"}
    tests = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:randomly", "-p", "no:cacheprovider"],
        cwd=project,
        capture_output=True,
        text=True,
        env=env,
        check=False,
    )
    assert tests.returncode == 0, tests.stdout[-3000:]
    assert "failed" not in tests.stdout
    cache = _mypy_cache(tmp_path_factory)
    typed = subprocess.run(
        [str(BIN / "mypy"), "--strict", "--cache-dir", str(cache)],
        cwd=project,
        capture_output=True,
        text=True,
        check=False,
    )
    assert typed.returncode == 0, typed.stdout[-3000:]
    assert "Success: no issues found in 15 source files" in typed.stdout


def _invoke(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(app, list(args))
    return result.exit_code, result.stderr


def test_init_refuses_a_name_that_is_no_module_name(tmp_path: Path) -> None:
    for name in ("my-project", "2fast", "class", "Demo"):
        code, err = _invoke("init", name, "--dir", str(tmp_path))
        assert code == 2
        assert err.count("\n") == 1
        assert f"{name!r} cannot name a project" in err
    assert list(tmp_path.iterdir()) == []


def test_init_refuses_a_name_that_would_hide_a_module(tmp_path: Path) -> None:
    # `lolpop init json` made a package `json` that hides Python's own: its workflow then
    # failed to load its component ("the installed packages lack it") once installed.
    for name, whose in (("json", "Python's standard library"), ("pandas", "installed")):
        code, err = _invoke("init", name, "--dir", str(tmp_path))
        assert code == 2, err
        assert err.count("\n") == 1
        assert f"{name!r} is already the name of a module" in err
        assert whose in err
    assert list(tmp_path.iterdir()) == []


def test_init_refuses_a_folder_that_exists_and_writes_nothing(tmp_path: Path) -> None:
    (tmp_path / "demo").mkdir()
    code, err = _invoke("init", "demo", "--dir", str(tmp_path))
    assert (code, err.count("\n")) == (2, 1)
    assert "exists; lolpop never overwrites" in err
    assert list((tmp_path / "demo").iterdir()) == []
    code, err = _invoke("init", "demo", "--dir", str(tmp_path / "nowhere"))
    assert code == 2
    assert "is not a folder" in err


def test_create_refuses_outside_a_project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "pyproject.toml").write_text('[project]\nname = "other"\n')
    monkeypatch.chdir(tmp_path)
    code, err = _invoke("create", "component", "scaler")
    assert (code, err.count("\n")) == (2, 1)
    assert "is not inside a lolpop project" in err
    assert "lolpop init NAME" in err
    assert sorted(p.name for p in tmp_path.iterdir()) == ["pyproject.toml"]


def test_create_refuses_a_module_that_exists_and_changes_nothing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert _invoke("init", "demo", "--dir", str(tmp_path))[0] == 0
    project = tmp_path / "demo"
    monkeypatch.chdir(project)
    before = (project / "pyproject.toml").read_text()
    code, err = _invoke("create", "component", "features")  # what init wrote
    assert (code, err.count("\n")) == (2, 1)
    assert "features.py exists; lolpop never overwrites a file" in err
    assert (project / "pyproject.toml").read_text() == before
    assert not (project / "property_tests" / "test_features_laws.py").read_text().count("{{")
    code, err = _invoke("create", "runner", "bad-name")
    assert code == 2
    assert "cannot name a runner" in err


def test_a_failed_write_leaves_no_half_made_files(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # A write that failed midway (a read-only folder) left the files written before it,
    # and the retry was refused: "... exists; lolpop never overwrites a file".
    from lolpop.cli import scaffold  # noqa: PLC0415

    files = {"src/a.py": "a", "tests/b.py": "b", "property_tests/c.py": "c"}
    real = Path.write_text

    def failing(self: Path, text: str, encoding: str | None = None) -> int:
        if self.name == "c.py":
            raise PermissionError(13, "Permission denied", str(self))
        return real(self, text, encoding=encoding)

    monkeypatch.setattr(Path, "write_text", failing)
    with pytest.raises(scaffold._Refused, match="Permission denied"):
        scaffold.write_files(tmp_path, files)
    assert not (tmp_path / "src" / "a.py").exists()
    assert not (tmp_path / "tests" / "b.py").exists()
    monkeypatch.undo()
    assert len(scaffold.write_files(tmp_path, files)) == 3
