"""Secrets never appear in any output: a marker secret, given in every way a config can
give one, is searched for in everything lolpop prints and every file and database it
writes, through `check`, `config export`, a dry run, a real run and a failing one."""

from __future__ import annotations

import threading
import urllib.parse
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import ClassVar

import pytest
from typer.testing import CliRunner

from lolpop.cli import app

runner = CliRunner()

#: In the URL's path, its query, a header (through the environment) and a typo'd setting.
IN_PATH = "Pq7-M4rker-InPath-8d2f0c"
IN_QUERY = "Qz9xM4rkerInQuery31c"
IN_HEADER = "Hd5M4rkerInHeader77ab"
IN_TYPO = "Ty3M4rkerInTypo90ef"
SECRETS = (IN_PATH, IN_QUERY, IN_HEADER, IN_TYPO)


class _Hook(BaseHTTPRequestHandler):
    received: ClassVar[list[tuple[str, str]]] = []

    def do_POST(self) -> None:
        self.rfile.read(int(self.headers.get("Content-Length", 0)))
        _Hook.received.append((self.path, self.headers.get("Authorization", "")))
        self.send_response(self.server.status)  # type: ignore[attr-defined]  # set below
        self.end_headers()

    def log_message(self, format: str, *args: object) -> None:
        """Quiet."""


@pytest.fixture
def hook() -> Iterator[ThreadingHTTPServer]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Hook)
    server.status = 200  # type: ignore[attr-defined]  # read by the handler
    _Hook.received = []
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield server
    finally:
        server.shutdown()
        server.server_close()


def _config(port: int) -> str:
    return (
        "runner: classification\n"
        "settings: {model_name: iris, target: target}\n"
        "components:\n"
        "  data: {type: sklearn_dataset, name: iris}\n"
        "  trainer: {type: sklearn_model, estimator: 'sklearn.linear_model:LogisticRegression', "
        "params: {max_iter: 500}}\n"
        "  checker:\n"
        "    type: rules_checker\n"
        "    rules: [{kind: row_count, min: 1000, severity: WARN}]\n"
        "  notifier:\n"
        "    type: webhook\n"
        f"    url: 'http://127.0.0.1:{port}/hook/{IN_PATH}?channel=ops&token={IN_QUERY}'\n"
        "    headers: {Authorization: 'Bearer ${env:HOOK_TOKEN}'}\n"
        "    retries: 0\n"
    )


def _leaks(text: str | bytes) -> list[str]:
    data = text.encode() if isinstance(text, str) else text
    found = []
    for secret in SECRETS:
        forms = {secret, urllib.parse.quote(secret)}
        if any(form.encode() in data for form in forms):
            found.append(secret)
    return found


def _files_leaking(folder: Path) -> dict[str, list[str]]:
    leaking = {}
    for path in folder.rglob("*"):
        if path.is_file() and (found := _leaks(path.read_bytes())):
            leaking[str(path.relative_to(folder))] = found
    return leaking


def test_no_secret_in_any_output_file_or_database(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, hook: ThreadingHTTPServer
) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("HOOK_TOKEN", IN_HEADER)
    port = hook.server_address[1]
    (tmp_path / "workflow.yaml").write_text(_config(port))
    (tmp_path / "typo.yaml").write_text(
        _config(port).replace("    retries: 0\n", f"    retries: {IN_TYPO}\n")
    )
    outputs: dict[str, str] = {}
    for name, args, code in [
        ("check", ["check", "workflow.yaml"], 0),
        ("export", ["config", "export", "workflow.yaml"], 0),
        ("dry-run", ["run", "workflow.yaml", "--backend", "dry-run"], 0),
        ("check a typo", ["check", "typo.yaml"], 2),
        ("run", ["run", "workflow.yaml", "--stage", "train"], 0),
    ]:
        result = runner.invoke(app, args)
        assert result.exit_code == code, (name, result.output)
        outputs[name] = result.output
    # The webhook got the secrets it needs: that is where they go.
    assert _Hook.received
    path, authorization = _Hook.received[0]
    assert IN_PATH in path
    assert IN_QUERY in path
    assert authorization == f"Bearer {IN_HEADER}"
    # A webhook that fails (and is told to fail the run): the error names the hook, masked.
    hook.status = 500  # type: ignore[attr-defined]  # read by the handler
    (tmp_path / "strict.yaml").write_text(
        _config(port).replace("    retries: 0\n", "    retries: 0\n    fail_on_error: true\n")
    )
    failed = runner.invoke(app, ["run", "strict.yaml", "--stage", "process"])
    assert failed.exit_code == 1, failed.output
    assert "HTTP 500" in failed.output
    outputs["failed run"] = failed.output

    assert {name: _leaks(text) for name, text in outputs.items()} == {name: [] for name in outputs}
    assert "url: '***'" in outputs["check"]
    assert "Authorization: '***'" in outputs["check"]
    assert "url=Secret('***')" in outputs["export"]
    assert "str of 19 characters (not shown" in outputs["check a typo"]
    written = {p.relative_to(tmp_path).parts[0] for p in tmp_path.rglob("*") if p.is_file()}
    assert {"mlflow.db", ".lolpop"} <= written  # the run wrote its records
    leaking = _files_leaking(tmp_path)
    leaking.pop("workflow.yaml", None)
    leaking.pop("typo.yaml", None)
    leaking.pop("strict.yaml", None)
    assert leaking == {}
