"""The real gateway process exports Prometheus metrics: requests by route template and status,
a latency histogram, and the channel send-failure counter other parts feed."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.e2e.processes import VENV_BIN, ManagedProcess, free_port, http_ok
from tests.integration.test_gateway_input import StandInRasa
from tests.metrics_text import scrape, value


@pytest.fixture(scope="module")
def gateway(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    rasa = StandInRasa()
    port = free_port()
    env = {
        "ISEE_GATEWAY_PORT": str(port),
        "ISEE_RASA_URL": rasa.url,
        "ISEE_ACTION_PORT": str(free_port()),
        "ISEE_PORTAL_URL": f"http://127.0.0.1:{free_port()}",
    }
    work: Path = tmp_path_factory.mktemp("gateway-metrics")
    process = ManagedProcess("gateway", [str(VENV_BIN / "isee"), "serve", "gateway"], work, env)
    try:
        process.wait_until(http_ok(f"http://127.0.0.1:{port}/health"), 60)
        yield f"http://127.0.0.1:{port}"
    finally:
        process.stop()
        rasa.close()


def chat(url: str, message: str) -> int:
    response = httpx.post(
        f"{url}/api/v1/chat", json={"sender": "metrics-user", "message": message}, timeout=30
    )
    return response.status_code


def test_requests_are_counted_by_route_template_and_status(gateway: str) -> None:
    before = scrape(gateway)
    assert [chat(gateway, "xin chào"), chat(gateway, "cho hỏi"), chat(gateway, "a\x00b")] == [
        200,
        200,
        422,
    ]
    assert httpx.get(f"{gateway}/khong-co-trang-nay-123", timeout=10).status_code == 404
    after = scrape(gateway)

    def moved(name: str, **labels: str) -> float:
        return value(after, name, **labels) - value(before, name, **labels)

    chat_200 = {"method": "POST", "route": "/api/v1/chat", "status": "200"}
    assert moved("isee_gateway_requests_total", **chat_200) == 2
    assert moved("isee_gateway_requests_total", **{**chat_200, "status": "422"}) == 1
    # A path no route serves is one series, whatever was asked: no label per stray URL.
    unmatched = {"method": "GET", "route": "unmatched", "status": "404"}
    assert moved("isee_gateway_requests_total", **unmatched) == 1
    assert not any("khong-co-trang" in str(labels) for _, labels in after)
    latency = {"method": "POST", "route": "/api/v1/chat"}
    assert moved("isee_gateway_request_seconds_count", **latency) == 3
    assert moved("isee_gateway_request_seconds_bucket", **latency, le="+Inf") == 3
    assert moved("isee_gateway_request_seconds_sum", **latency) > 0


def test_the_page_describes_every_gateway_metric(gateway: str) -> None:
    text = httpx.get(f"{gateway}/metrics", timeout=10).text
    for name in (
        "isee_gateway_requests_total",
        "isee_gateway_request_seconds",
        "isee_channel_send_failures_total",
    ):
        assert f"# HELP {name} " in text
    scrape(gateway)  # the page reads as Prometheus' text format
