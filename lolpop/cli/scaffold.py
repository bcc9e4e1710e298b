"""`lolpop init` and `lolpop create`: a new project, and new modules inside one.

Design notes:

- A project is found the way git finds a repository: the nearest `pyproject.toml` in
  the working folder or above it, which must hold a `[tool.lolpop]` table naming the
  package (`lolpop init` writes it). `lolpop create` writes into that package, its
  `tests/` and `property_tests/`, and nowhere else.
- Nothing is overwritten: a name that exists (a folder for `init`, any of the three files
  for `create`) is refused before anything is written, so a refusal leaves no half-made
  project behind.
- A component or runner is registered by adding one line to its entry-point table in
  `pyproject.toml`, as text: the user's own formatting and comments are kept (the
  standard library reads TOML but does not write it).
- The templates (`lolpop.cli._templates`) make a project that passes its own tests and
  `mypy --strict` as written (a test of lolpop checks it).
"""

from __future__ import annotations

import importlib.util
import keyword
import re
import sys
from pathlib import Path
from typing import Literal

import typer
from attrs import frozen

from lolpop.cli import _echo, _example

_NAME = re.compile(r"[a-z_][a-z0-9_]*")
_GROUPS = {"component": "lolpop.components", "runner": "lolpop.runners"}
Kind = Literal["component", "pipeline", "runner"]


class _Refused(Exception):
    """A user mistake the command reports in one line and exits 2 on."""


@frozen
class Project:
    """A lolpop project: its folder and its package's name."""

    root: Path
    package: str

    @property
    def source(self) -> Path:
        """The package's folder."""
        return self.root / "src" / self.package


def check_name(name: str, what: str) -> str:
    """`name` if it can be a Python module's name; `_Refused` otherwise."""
    if _NAME.fullmatch(name) is None or keyword.iskeyword(name):
        raise _Refused(
            f"{name!r} cannot name a {what}: use lower-case letters, digits and underscores, "
            "starting with a letter (e.g. `churn_model`)."
        )
    return name


def check_unused(name: str) -> str:
    """`name` if no module of Python's or an installed package has it; `_Refused`
    otherwise (a project's package of that name would hide it, or be hidden by it)."""
    if name in sys.stdlib_module_names:
        whose = "in Python's standard library"
    else:
        try:
            found = importlib.util.find_spec(name)
        except (ImportError, ValueError):
            found = None
        if found is None:
            return name
        whose = f"installed at {found.origin}" if found.origin else "installed"
    raise _Refused(
        f"{name!r} is already the name of a module {whose}: a project's package of that "
        f"name would hide it, or be hidden by it. Choose another name (e.g. `{name}_model`)."
    )


def _fill(template: str, **values: str) -> str:
    for key, value in values.items():
        template = template.replace("{{" + key + "}}", value)
    return template


def _names(package: str, name: str) -> dict[str, str]:
    """The placeholders of a module named `name` in `package`."""
    camel = "".join(part.capitalize() for part in name.split("_") if part)
    return {
        "package": package,
        "name": name,
        "Class": camel or "Module",
        "NAME": name.upper(),
        "tag": f"{package}_{name}",
    }


def customers_csv(rows: int = 200, seed: int = 0) -> str:
    """A small, deterministic churn table: short-tenure customers on dear plans leave."""
    import math  # noqa: PLC0415 (only `init` needs them)
    import random  # noqa: PLC0415

    rng = random.Random(seed)
    lines = ["customer_id,tenure_months,monthly_charges,plan,email,churned"]
    for number in range(rows):
        tenure = rng.randint(0, 72)
        plan = rng.choice(("basic", "standard", "premium"))
        charges = round(
            {"basic": 25.0, "standard": 60.0, "premium": 95.0}[plan] + rng.gauss(0, 8), 2
        )
        # Churn odds fall with tenure and rise with the bill: a signal a linear model finds.
        risk = 1 / (1 + math.exp(-(1.5 - 0.12 * tenure + 0.06 * (charges - 60))))
        churned = int(rng.random() < risk)
        customer = 1001 + number
        lines.append(
            f"{customer},{tenure},{charges},{plan},customer{customer}@example.org,{churned}"
        )
    return "\n".join(lines) + "\n"


def project_files(package: str) -> dict[str, str]:
    """Every file of a new project, by path relative to its folder."""
    from lolpop.cli import _templates as t  # noqa: PLC0415 (only these commands need them)

    features = _names(package, "features")
    return {
        "README.md": _fill(t.README, package=package),
        ".gitignore": t.GITIGNORE,
        "pyproject.toml": _fill(t.PYPROJECT, package=package),
        "mypy.ini": t.MYPY_INI,
        "workflow.yaml": _fill(t.WORKFLOW_YAML, package=package),
        "data/customers.csv": customers_csv(),
        f"src/{package}/__init__.py": f'"""{package}: a lolpop project."""\n',
        f"src/{package}/py.typed": "",
        f"src/{package}/workflow.py": _fill(t.WORKFLOW_PY, package=package),
        f"src/{package}/features.py": _fill(t.COMPONENT, **features),
        "tests/test_features.py": _fill(t.COMPONENT_TEST, **features),
        "tests/test_workflow.py": _fill(t.TEST_WORKFLOW, package=package),
        "property_tests/test_features_laws.py": _fill(t.COMPONENT_LAWS, **features),
    }


def module_files(project: Project, kind: Kind, name: str) -> dict[str, str]:
    """The module `lolpop create KIND NAME` writes, with its unit test and law test."""
    from lolpop.cli import _templates as t  # noqa: PLC0415

    module, test, laws = {
        "component": (t.COMPONENT, t.COMPONENT_TEST, t.COMPONENT_LAWS),
        "pipeline": (t.PIPELINE, t.PIPELINE_TEST, t.PIPELINE_LAWS),
        "runner": (t.RUNNER, t.RUNNER_TEST, t.RUNNER_LAWS),
    }[kind]
    values = _names(project.package, name)
    return {
        f"src/{project.package}/{name}.py": _fill(module, **values),
        f"tests/test_{name}.py": _fill(test, **values),
        f"property_tests/test_{name}_laws.py": _fill(laws, **values),
    }


def write_files(root: Path, files: dict[str, str]) -> list[Path]:
    """Write `files` under `root`: refused, before anything is written, if one exists;
    all or none (a write that fails removes the files written before it, so a retry is
    not refused for them)."""
    paths = [root / relative for relative in files]
    existing = [path for path in paths if path.exists()]
    if existing:
        raise _Refused(f"{existing[0]} exists; lolpop never overwrites a file.")
    written: list[Path] = []
    try:
        for path, text in zip(paths, files.values(), strict=True):
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(text, encoding="utf-8")
            written.append(path)
    except OSError as error:
        for path in written:
            path.unlink(missing_ok=True)
        raise _Refused(
            f"cannot write {error.filename or root}: {error.strerror or error}; "
            "nothing was written."
        ) from None
    return paths


def find_project(start: Path) -> Project:
    """The lolpop project holding `start`: the nearest `pyproject.toml` at or above it,
    with a `[tool.lolpop]` table naming the package."""
    import tomllib  # noqa: PLC0415

    for folder in (start, *start.parents):
        pyproject = folder / "pyproject.toml"
        if not pyproject.is_file():
            continue
        try:
            data = tomllib.loads(pyproject.read_text(encoding="utf-8"))
        except (OSError, tomllib.TOMLDecodeError) as error:
            raise _Refused(f"cannot read {pyproject}: {error}") from None
        package = data.get("tool", {}).get("lolpop", {}).get("package")
        if not isinstance(package, str):
            break
        return Project(folder, check_name(package, "package"))
    raise _Refused(
        f"{start} is not inside a lolpop project (no pyproject.toml with a [tool.lolpop] "
        "table); `lolpop init NAME` makes one."
    )


def add_entry_point(pyproject: Path, group: str, name: str, target: str) -> None:
    """Add `name = "target"` to the entry-point table of `group` (made if missing),
    editing the text so the rest of the file stays as the user wrote it."""
    header = f'[project.entry-points."{group}"]'
    lines = pyproject.read_text(encoding="utf-8").splitlines()
    entry = f'{name} = "{target}"'
    if header not in (line.strip() for line in lines):
        lines += ["", header, entry]
    else:
        at = next(i for i, line in enumerate(lines) if line.strip() == header) + 1
        # After the table's last entry: stop at a blank line, a comment or the next table.
        while (
            at < len(lines) and lines[at].strip() and not lines[at].lstrip().startswith(("[", "#"))
        ):
            at += 1
        lines.insert(at, entry)
    pyproject.write_text("\n".join(lines) + "\n", encoding="utf-8")


def _refuse(command: str, error: _Refused) -> typer.Exit:
    _echo(f"lolpop {command}: {error}", err=True)
    return typer.Exit(code=2)


_PARENT = typer.Option(
    Path(), "--dir", metavar="PARENT", help="Where to make the project's folder."
)


def init_command(
    name: str = typer.Argument(..., metavar="NAME", help="The project's folder and package."),
    parent: Path = _PARENT,
) -> None:
    """Make a new lolpop project: a package with a workflow (YAML and typed Python), a
    component of its own, tests, law tests and a strict mypy.ini."""
    try:
        check_unused(check_name(name, "project"))
        if not parent.is_dir():
            raise _Refused(f"{parent} is not a folder.")
        root = parent / name
        if root.exists():
            raise _Refused(f"{root} exists; lolpop never overwrites a folder.")
        write_files(root, project_files(name))
    except _Refused as error:
        raise _refuse("init", error) from None
    _echo(f"Made the lolpop project {name} in {root}. Next:")
    _echo(f"  cd {root}")
    _echo("  pip install -e '.[dev]' && lolpop run workflow.yaml")
    _echo("  pytest && mypy")


create_app = typer.Typer(
    help="Add a component, pipeline or runner to the lolpop project here.",
    no_args_is_help=True,
)


def _create(kind: Kind, name: str) -> None:
    group = _GROUPS.get(kind)
    try:
        project = find_project(Path.cwd())
        check_name(name, kind)
        written = write_files(project.root, module_files(project, kind, name))
    except _Refused as error:
        raise _refuse(f"create {kind}", error) from None
    for path in written:
        _echo(f"wrote {path.relative_to(project.root)}")
    if group is None:
        _echo("A pipeline is a plain function: nothing to register; a runner composes it.")
        return
    tag = f"{project.package}_{name}"
    add_entry_point(
        project.root / "pyproject.toml", group, tag, f"{project.package}.{name}:{name.upper()}"
    )
    _echo(f'registered {tag} in pyproject.toml ([project.entry-points."{group}"])')
    _echo("Run `pip install -e .` again so that lolpop finds it.")


_NAME_ARGUMENT = typer.Argument(..., metavar="NAME", help="The module's name (snake_case).")


@create_app.command(
    "component",
    epilog=_example("lolpop create component drop_personal_data", "lolpop components"),
)
def create_component(name: str = _NAME_ARGUMENT) -> None:
    """Write a component (a data transformer to start from), its unit test and its law
    test, and register it as `<package>_<NAME>` for configs."""
    _create("component", name)


@create_app.command("pipeline", epilog=_example("lolpop create pipeline summarise"))
def create_pipeline(name: str = _NAME_ARGUMENT) -> None:
    """Write a pipeline (a function from components to a step), its unit test and its
    law test."""
    _create("pipeline", name)


@create_app.command("runner", epilog=_example("lolpop create runner describe_data"))
def create_runner(name: str = _NAME_ARGUMENT) -> None:
    """Write a runner kind (components, settings, program), its unit test and its law
    test, and register it as `<package>_<NAME>` for configs' `runner:`."""
    _create("runner", name)


def register(app: typer.Typer) -> None:
    """Add `lolpop init` and `lolpop create` to the `lolpop` command."""
    examples = _example("lolpop init churn_model", "lolpop init churn_model --dir ~/projects")
    app.command("init", epilog=examples)(init_command)
    app.add_typer(create_app, name="create")
