"""Output paths stay in the project folder, and webhooks stay off private networks, unless
the config says otherwise (`allow_outside: true`, `allow_private: true`)."""

from __future__ import annotations

import socket
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from typer.testing import CliRunner

from lolpop import StepFailure
from lolpop.cli import app
from lolpop.components.records import Level, Message
from lolpop.components.webhook_notifier import (
    PrivateAddressError,
    WebhookSettings,
    webhook_notifier,
)
from lolpop.secret import Secret

runner = CliRunner()
COMMANDS = (("check",), ("run",), ("run", "--backend", "dry-run"), ("config", "export"))


def _config(extra: str, top: str = "") -> str:
    return (
        "runner: classification\n"
        "settings: {model_name: iris, target: target}\n"
        f"{top}"
        "components:\n"
        "  data: {type: sklearn_dataset, name: iris}\n"
        "  trainer: {type: sklearn_model, estimator: 'sklearn.linear_model:LogisticRegression'}\n"
        f"{extra}"
    )


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    work = tmp_path / "project"
    work.mkdir()
    (tmp_path / "elsewhere").mkdir()
    (work / "escape").symlink_to(tmp_path / "elsewhere")
    monkeypatch.chdir(work)
    return work


@pytest.mark.parametrize(
    ("extra", "top", "path"),
    [
        pytest.param(
            "  predictions: {type: csv, path: ../predictions.csv}\n",
            "",
            "$.components.predictions.path",
            id="a prediction file above the project",
        ),
        pytest.param(
            "  visualizer: {type: matplotlib_visualizer, folder: /tmp/lolpop-figures}\n",
            "",
            "$.components.visualizer.folder",
            id="an absolute figure folder",
        ),
        pytest.param(
            "  store: {type: local_store, root: escape/store}\n",
            "",
            "$.components.store.root",
            id="a store through a symlink that leads out",
        ),
        pytest.param(
            "  tracker: {type: mlflow, artifact_root: 'file:///tmp/artifacts'}\n",
            "",
            "$.components.tracker.artifact_root",
            id="an artifact root URI outside",
        ),
        pytest.param(
            "",
            "settings: {model_name: iris, target: target, work_dir: ../../x}\n",
            "$.settings.work_dir",
            id="the work folder above the project",
        ),
        # MLflow's sqlite store and its artifacts went where these said (check passed).
        pytest.param(
            "",
            "settings: {model_name: iris, target: target, "
            "tracking_uri: 'sqlite:///../elsewhere/mlflow.db'}\n",
            "$.settings.tracking_uri",
            id="a tracking database above the project",
        ),
        # MLflow reads `file:/path` (one slash) and schemes in capitals as it reads
        # `file:///path`: the check took them for a relative path and for no path.
        pytest.param(
            "",
            "settings: {model_name: iris, target: target, "
            "tracking_uri: 'file:/tmp/lolpop-file-store'}\n",
            "$.settings.tracking_uri",
            id="a tracking file store written file:/path",
        ),
        pytest.param(
            "  tracker: {type: mlflow, artifact_root: 'FILE:///tmp/artifacts'}\n",
            "",
            "$.components.tracker.artifact_root",
            id="an artifact root URI in capitals",
        ),
        pytest.param(
            "",
            "settings: {model_name: iris, target: target, "
            "tracking_uri: 'SQLite:///../elsewhere/mlflow.db'}\n",
            "$.settings.tracking_uri",
            id="a tracking database URI in capitals",
        ),
        pytest.param(
            "  tracker: {type: mlflow, tracking_uri: 'sqlite:////tmp/lolpop-elsewhere.db'}\n",
            "",
            "$.components.tracker.tracking_uri",
            id="an absolute tracking database",
        ),
        pytest.param(
            "  repository: {type: mlflow_registry, model_name: iris, "
            "registry_uri: 'sqlite:///escape/registry.db'}\n",
            "",
            "$.components.repository.registry_uri",
            id="a registry database through a symlink that leads out",
        ),
    ],
)
@pytest.mark.parametrize("command", COMMANDS, ids=" ".join)
def test_an_output_path_outside_the_project_is_refused(
    project: Path, extra: str, top: str, path: str, command: tuple[str, ...]
) -> None:
    text = _config(extra)
    if top:
        text = text.replace("settings: {model_name: iris, target: target}\n", top)
    (project / "workflow.yaml").write_text(text)
    result = runner.invoke(app, [*command, "workflow.yaml"])
    assert result.exit_code == 2, result.output
    assert path in result.output
    assert "leads outside the project folder" in result.output
    assert "allow_outside: true" in result.output
    assert list((project.parent / "elsewhere").iterdir()) == []
    assert not (project / ".lolpop").exists()


def test_allow_outside_lets_a_config_write_elsewhere(project: Path) -> None:
    text = _config(
        "  predictions: {type: csv, path: ../predictions.csv}\n"
        "  store: {type: local_store, root: escape/store}\n",
        top="allow_outside: true\n",
    )
    (project / "workflow.yaml").write_text(text)
    result = runner.invoke(app, ["check", "workflow.yaml"])
    assert result.exit_code == 0, result.output


def test_the_environment_s_own_mlflow_store_passes_wherever_it_is(
    project: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A prod profile's `tracking_uri: ${env:MLFLOW_TRACKING_URI}` is the user's choice
    (MLflow writes there with no config at all), not the config's."""
    monkeypatch.setenv("MLFLOW_TRACKING_URI", f"sqlite:///{project.parent / 'shared.db'}")
    top = (
        "settings: {model_name: iris, target: target, tracking_uri: '${env:MLFLOW_TRACKING_URI}'}\n"
    )
    text = _config("").replace("settings: {model_name: iris, target: target}\n", top)
    (project / "workflow.yaml").write_text(text)
    result = runner.invoke(app, ["check", "workflow.yaml"])
    assert result.exit_code == 0, result.output


def test_paths_inside_the_project_pass(project: Path) -> None:
    text = _config(
        "  predictions: {type: csv, path: out/../out/predictions.csv}\n"
        "  tracker: {type: mlflow, tracking_uri: 'sqlite:///runs/mlflow.db'}\n"
        f"  visualizer: {{type: matplotlib_visualizer, folder: {project / 'figures'}}}\n"
    )
    (project / "workflow.yaml").write_text(text)
    result = runner.invoke(app, ["check", "workflow.yaml"])
    assert result.exit_code == 0, result.output


@pytest.mark.parametrize(
    "url",
    [
        "http://10.0.0.5/hook",
        "http://192.168.1.20:8080/hook",
        "http://169.254.169.254/latest/meta-data/",
        "http://[fd00::1]/hook",
        "http://[::ffff:10.1.2.3]/hook",
        "http://100.64.0.1/hook",
        "http://0.0.0.0/hook",
    ],
)
@pytest.mark.parametrize("command", COMMANDS, ids=" ".join)
def test_a_webhook_on_a_private_network_needs_an_allow(
    project: Path, url: str, command: tuple[str, ...]
) -> None:
    notifier = f"  notifier: {{type: webhook, url: '{url}'}}\n"
    (project / "workflow.yaml").write_text(_config(notifier))
    result = runner.invoke(app, [*command, "workflow.yaml"])
    assert result.exit_code == 2, result.output
    assert "$.components.notifier.url" in result.output
    assert "allow_private: true" in result.output
    allowed = f"  notifier: {{type: webhook, url: '{url}', allow_private: true}}\n"
    (project / "workflow.yaml").write_text(_config(allowed))
    assert runner.invoke(app, ["check", "workflow.yaml"]).exit_code == 0


def test_loopback_and_public_hosts_pass_the_check(project: Path) -> None:
    for url in ("http://127.0.0.1:9/hook", "http://localhost/hook", "https://hooks.example.com/x"):
        (project / "workflow.yaml").write_text(
            _config(f"  notifier: {{type: webhook, url: '{url}'}}\n")
        )
        result = runner.invoke(app, ["check", "workflow.yaml"])
        assert result.exit_code == 0, (url, result.output)


def test_a_host_name_that_resolves_to_a_private_address_is_refused_before_posting(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    def private(host: str, *_: object, **__: object) -> list[tuple[object, ...]]:
        return [(socket.AF_INET, socket.SOCK_STREAM, 6, "", ("10.9.8.7", 0))]

    notifier = webhook_notifier(WebhookSettings(url=Secret("http://hooks.internal/x"), retries=0))
    monkeypatch.setattr(socket, "getaddrinfo", private)
    with pytest.raises(StepFailure) as raised:
        notifier.notify(Message(Level.ERROR, "the data check failed"))
    assert isinstance(raised.value.failure.cause, PrivateAddressError)
    assert "10.9.8.7" in str(raised.value.failure.cause)


class _Redirect(BaseHTTPRequestHandler):
    def do_POST(self) -> None:
        self.send_response(302)
        self.send_header("Location", "http://169.254.169.254/latest/meta-data/")
        self.end_headers()

    def log_message(self, format: str, *args: object) -> None:
        """Quiet."""


@pytest.fixture
def redirecting() -> Iterator[str]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Redirect)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/hook"
    finally:
        server.shutdown()
        server.server_close()


def test_a_redirect_to_a_private_address_is_refused(redirecting: str) -> None:
    notifier = webhook_notifier(WebhookSettings(url=Secret(redirecting), retries=0))
    with pytest.raises(StepFailure) as raised:
        notifier.notify(Message(Level.ERROR, "the data check failed"))
    assert isinstance(raised.value.failure.cause, PrivateAddressError)
    assert "169.254.169.254" in str(raised.value.failure.cause)
