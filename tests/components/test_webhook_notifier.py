"""The webhook notifier, against a local HTTP server that records what it is sent."""

from __future__ import annotations

import json
import logging
import socket
import threading
import time
from collections.abc import Iterator, Mapping
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from attrs import define, field

from lolpop import StepFailure
from lolpop.components.notifier import FAILURES_LOGGER, MinLevel
from lolpop.components.records import Level, Message, Notifier
from lolpop.components.webhook_notifier import (
    KINDS,
    WebhookError,
    WebhookSettings,
    webhook_notifier,
)
from lolpop.config.converter import make_converter
from lolpop.config.records import ComponentConfig
from lolpop.config.registry import Registry
from lolpop.errors import DefinitionError
from lolpop.secret import Secret, mask_url

INFO = Message(Level.INFO, "training started")
WARNING = Message(Level.WARNING, "3 columns drifted", subject="drift")
ERROR = Message(Level.ERROR, "the data check failed", subject="nightly")


@define
class Received:
    path: str
    headers: dict[str, str]
    body: object


@define
class Hook:
    """The test server: what it received, and the statuses it answers with, in turn."""

    url: str
    received: list[Received] = field(factory=list)
    statuses: list[int] = field(factory=list)
    delay: float = 0.0


@pytest.fixture
def hook() -> Iterator[Hook]:
    state = Hook(url="")

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            length = int(self.headers.get("Content-Length", "0"))
            body = json.loads(self.rfile.read(length))
            state.received.append(Received(self.path, dict(self.headers.items()), body))
            time.sleep(state.delay)
            status = state.statuses.pop(0) if state.statuses else 200
            try:
                self.send_response(status)
                self.send_header("Content-Length", "2")
                self.end_headers()
                self.wfile.write(b"ok")
            except (BrokenPipeError, ConnectionResetError):
                pass  # the client gave up waiting (the timeout test)

        def log_message(self, format: str, *args: object) -> None:
            pass  # keep the test output quiet

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, args=(0.02,), daemon=True)
    thread.start()
    state.url = f"http://127.0.0.1:{server.server_address[1]}/hook"
    try:
        yield state
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)


def notifier(
    url: str,
    *,
    retries: int = 2,
    timeout: float = 5.0,
    min_level: MinLevel = "INFO",
    headers: Mapping[str, str] | None = None,
    fail_on_error: bool = False,
) -> Notifier:
    """A webhook notifier that retries at once (no backoff)."""
    settings = WebhookSettings(
        url=Secret(url),
        retries=retries,
        timeout=timeout,
        min_level=min_level,
        headers={name: Secret(value) for name, value in (headers or {}).items()},
        backoff=0.0,
        fail_on_error=fail_on_error,
    )
    return webhook_notifier(settings)


def cause(raised: pytest.ExceptionInfo[StepFailure]) -> BaseException:
    return raised.value.failure.cause


def test_a_message_is_posted_as_json_with_the_headers(hook: Hook) -> None:
    sent = notifier(hook.url, headers={"X-Token": "abc"}).notify(WARNING)
    assert sent is WARNING
    assert len(hook.received) == 1
    request = hook.received[0]
    assert request.path == "/hook"
    assert request.body == {"level": "WARNING", "subject": "drift", "text": "3 columns drifted"}
    assert request.headers["Content-Type"] == "application/json"
    assert request.headers["X-Token"] == "abc"


def test_a_500_is_retried_then_refused_naming_the_masked_url_and_status(hook: Hook) -> None:
    hook.statuses = [500, 500, 500]
    url = hook.url + "?channel=ops&token=s3cret"
    with pytest.raises(StepFailure) as raised:
        notifier(url, retries=2, fail_on_error=True).notify(ERROR)
    error = cause(raised)
    assert isinstance(error, WebhookError)
    assert (error.status, error.attempts) == (500, 3)
    assert len(hook.received) == 3  # the first attempt and two retries
    assert "s3cret" not in str(error)
    assert "token=***" in str(error)
    assert hook.url in str(error)
    assert "HTTP 500" in str(error)
    assert error.url == hook.url + "?channel=ops&token=***"


def test_by_default_a_failure_is_logged_as_a_warning_and_the_message_passed_on(
    hook: Hook, caplog: pytest.LogCaptureFixture
) -> None:
    hook.statuses = [500, 500]
    url = hook.url + "?token=s3cret"
    with caplog.at_level(logging.WARNING, logger=FAILURES_LOGGER):
        assert notifier(url, retries=1).notify(ERROR) is ERROR
    assert len(hook.received) == 2
    [record] = caplog.records
    assert (record.name, record.levelno) == (FAILURES_LOGGER, logging.WARNING)
    said = record.getMessage()
    assert "HTTP 500" in said
    assert "after 2 attempts" in said
    assert "token=***" in said
    assert "s3cret" not in said
    assert "fail_on_error: true" in said
    # It said "The run goes on" while the data check's ERROR was stopping the run.
    assert "Only the message is dropped; the workflow decides as it would have" in said


def test_a_passing_failure_is_retried_until_it_succeeds(hook: Hook) -> None:
    hook.statuses = [503, 500]
    assert notifier(hook.url, retries=2).notify(INFO) is INFO
    assert len(hook.received) == 3
    assert all(r.body == hook.received[0].body for r in hook.received)


def test_a_client_error_is_not_retried(hook: Hook) -> None:
    hook.statuses = [404]
    with pytest.raises(StepFailure) as raised:
        notifier(hook.url, retries=2, fail_on_error=True).notify(INFO)
    error = cause(raised)
    assert isinstance(error, WebhookError)
    assert (error.status, error.attempts) == (404, 1)
    assert len(hook.received) == 1


def test_messages_below_the_minimum_level_are_not_sent_but_returned(hook: Hook) -> None:
    send = notifier(hook.url, min_level="WARNING")
    assert send.notify(INFO) is INFO
    assert hook.received == []
    assert send.notify(ERROR) is ERROR
    assert [r.body for r in hook.received] == [
        {"level": "ERROR", "subject": "nightly", "text": "the data check failed"}
    ]


def test_an_unreachable_or_slow_hook_fails_with_no_status(hook: Hook) -> None:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    # Nothing listens on `port` now: the connection is refused, on every attempt.
    with pytest.raises(StepFailure) as raised:
        notifier(
            f"http://user:pa55word@127.0.0.1:{port}/hook", retries=1, fail_on_error=True
        ).notify(INFO)
    error = cause(raised)
    assert isinstance(error, WebhookError)
    assert (error.status, error.attempts) == (None, 2)
    assert "pa55word" not in str(error)
    assert f"***@127.0.0.1:{port}/hook" in str(error)
    # A hook slower than the timeout.
    hook.delay = 0.5
    with pytest.raises(StepFailure) as raised:
        notifier(hook.url, retries=0, timeout=0.1, fail_on_error=True).notify(INFO)
    error = cause(raised)
    assert isinstance(error, WebhookError)
    assert error.status is None
    assert "timed out" in str(error)


def test_a_failing_webhook_is_named_by_its_host_and_first_path_segment(hook: Hook) -> None:
    # The whole URL was shown, and a webhook's URL is its credential: a token shorter
    # than a token-like path segment (16 characters) was printed in full, and written
    # to a deployment's log.
    hook.statuses = [404]
    url = hook.url + "/T000/B000/TOKENXYZ123"
    with pytest.raises(StepFailure) as raised:
        notifier(url, retries=0, fail_on_error=True).notify(INFO)
    error = cause(raised)
    assert isinstance(error, WebhookError)
    assert "TOKENXYZ123" not in str(error)
    assert "B000" not in str(error)
    assert f"the webhook {hook.url}/*** did not take" in str(error)
    assert error.url == hook.url + "/***"


def test_mask_url_hides_secrets_and_keeps_the_rest() -> None:
    assert mask_url("https://example.com/hook") == "https://example.com/hook"
    assert mask_url("https://bot:hunter2@example.com/h?a=1&api_key=k&sig=z") == (
        "https://***@example.com/h?a=1&api_key=***&sig=***"
    )
    assert (
        mask_url("https://discord.com/api/webhooks/123456789012345678/aB3dE6gH9jK2mN5pQ8sT1vW4yZ7")
        == "https://discord.com/api/webhooks/***/***"
    )
    assert mask_url("https://hooks.example.com/lolpop-notifications-channel") == (
        "https://hooks.example.com/lolpop-notifications-channel"
    )


def test_settings_decode_through_the_converter_and_bad_urls_are_refused(hook: Hook) -> None:
    converter = make_converter(Registry(KINDS))
    config = converter.structure(
        {
            "type": "webhook",
            "url": hook.url,
            "headers": {"Authorization": "Bearer t"},
            "retries": 0,
            "min_level": "ERROR",
        },
        ComponentConfig,
    )
    assert config.settings == WebhookSettings(
        url=Secret(hook.url),
        headers={"Authorization": Secret("Bearer t")},
        retries=0,
        min_level="ERROR",
    )
    component = KINDS[0].build(config.settings)
    assert isinstance(component, Notifier)
    assert component.notify.meta.effect
    component.notify(WARNING)
    component.notify(ERROR)
    assert [r.body for r in hook.received] == [
        {"level": "ERROR", "subject": "nightly", "text": "the data check failed"}
    ]
    assert hook.received[0].headers["Authorization"] == "Bearer t"
    for url in ("ftp://example.com/x", "file:///etc/passwd", "example.com/hook", "http:///x"):
        with pytest.raises(DefinitionError, match="http"):
            webhook_notifier(WebhookSettings(url=Secret(url)))
    with pytest.raises(DefinitionError, match="retries"):
        webhook_notifier(WebhookSettings(url=Secret(hook.url), retries=-1))
    with pytest.raises(DefinitionError, match="timeout"):
        webhook_notifier(WebhookSettings(url=Secret(hook.url), timeout=0))
