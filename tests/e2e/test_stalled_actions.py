"""A stalled action server costs the citizen a fallback reply, not a long wait, and every
process says whether it is up (liveness) and can serve (readiness)."""

from __future__ import annotations

import os
import signal
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.e2e.processes import VENV_BIN, ManagedProcess, free_port, http_ok
from tests.e2e.stack import Stack

pytestmark = pytest.mark.e2e
PORTAL_LINK = "https://dichvucong.example.vn"


@pytest.fixture
def short_budget_gateway(stack: Stack, tmp_path: Path) -> Iterator[str]:
    """A second gateway in front of the same Rasa, with a 2-second reply budget."""
    port = free_port()
    env = {
        **stack.env,
        "ISEE_GATEWAY_PORT": str(port),
        "ISEE_ACTION_BUDGET_S": "2",
        "ISEE_PORTAL_LINK": PORTAL_LINK,
    }
    gateway = ManagedProcess(
        "gateway-short-budget", [str(VENV_BIN / "isee"), "serve", "gateway"], tmp_path, env
    )
    try:
        gateway.wait_until(http_ok(f"http://127.0.0.1:{port}/health"), 60)
        yield f"http://127.0.0.1:{port}"
    finally:
        gateway.stop()


def test_every_process_answers_liveness_and_readiness(stack: Stack) -> None:
    action_url = f"http://127.0.0.1:{stack.env['ISEE_ACTION_PORT']}"
    for base in (stack.gateway_url, action_url, stack.portal_url):
        assert httpx.get(f"{base}/health", timeout=10).status_code == 200, base
        assert httpx.get(f"{base}/ready", timeout=10).status_code == 200, base
    ready = httpx.get(f"{stack.gateway_url}/ready", timeout=10).json()
    assert ready["status"] == "ready"
    assert {name: c["status"] for name, c in ready["checks"].items()} == {
        "rasa": "up",
        "action_server": "up",
        "portal": "up",
    }


def test_stalled_action_server_gets_a_fallback_and_readiness_says_so(
    stack: Stack, short_budget_gateway: str
) -> None:
    actions = stack.process("actions")
    os.killpg(actions.proc.pid, signal.SIGSTOP)
    try:
        response = httpx.post(
            f"{short_budget_gateway}/api/v1/chat",
            json={
                "sender": "e2e-stalled",
                "message": "đi khai sinh cho cháu cần mang theo giấy tờ nào",
            },
            timeout=60,
        )
        ready = httpx.get(f"{short_budget_gateway}/ready", timeout=30)
    finally:
        os.killpg(actions.proc.pid, signal.SIGCONT)
    assert response.status_code == 200, response.text
    [reply] = response.json()["replies"]
    assert reply["text"].startswith("Dạ")
    assert PORTAL_LINK in reply["text"]
    assert reply["link"] == PORTAL_LINK
    assert [b["payload"] for b in reply["buttons"]] == ["/talk_to_human"]
    assert ready.status_code == 503
    checks = ready.json()["checks"]
    assert checks["action_server"]["status"] == "down"
    assert checks["rasa"]["status"] == "up"
    assert checks["portal"]["status"] == "up"
