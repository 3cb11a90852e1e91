"""The first Vietnamese conversation, through gateway → Rasa → action server, for real."""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest

from tests.e2e.processes import VENV_BIN, ManagedProcess, free_port, http_ok
from tests.e2e.stack import Stack

pytestmark = pytest.mark.e2e


def chat(stack: Stack, sender: str, message: str) -> httpx.Response:
    return httpx.post(
        f"{stack.gateway_url}/api/v1/chat", json={"sender": sender, "message": message}, timeout=30
    )


def texts(response: httpx.Response) -> str:
    assert response.status_code == 200, response.text
    return " ".join(r["text"] for r in response.json()["replies"])


def test_greeting_and_goodbye_in_vietnamese(stack: Stack) -> None:
    greeting = texts(chat(stack, "e2e-greet", "xin chào"))
    assert "chào" in greeting.lower()
    assert "Lạng Sơn" in greeting
    goodbye = texts(chat(stack, "e2e-greet", "tạm biệt"))
    assert "chào" in goodbye.lower()
    assert goodbye != greeting


def test_bot_challenge_says_it_is_a_virtual_assistant(stack: Stack) -> None:
    assert "trợ lý ảo" in texts(chat(stack, "e2e-who", "bạn là ai"))


def test_out_of_scope_is_answered_by_the_action_server(stack: Stack) -> None:
    response = chat(stack, "e2e-oos", "tỷ giá đô la mỹ hôm nay mua vào bao nhiêu")
    reply = response.json()["replies"][0]
    assert "ngoài phạm vi" in reply["text"]
    assert {b["payload"] for b in reply["buttons"]} == {"/check_dossier", "/talk_to_human"}


def test_widget_page_is_served(stack: Stack) -> None:
    page = httpx.get(f"{stack.gateway_url}/", timeout=10)
    assert page.status_code == 200
    assert "Trợ lý ảo Dịch vụ công" in page.text


@pytest.mark.parametrize(
    ("message", "code"),
    [("", "empty_message"), ("   \n\t ", "empty_message"), ("a" * 1001, "message_too_long")],
)
def test_bad_messages_get_a_clear_error(stack: Stack, message: str, code: str) -> None:
    response = chat(stack, "e2e-bad", message)
    assert response.status_code == 422
    error = response.json()["error"]
    assert error["code"] == code
    assert error["message"].startswith("Dạ")


def test_bad_sender_is_rejected(stack: Stack) -> None:
    response = httpx.post(
        f"{stack.gateway_url}/api/v1/chat", json={"sender": "", "message": "xin chào"}, timeout=10
    )
    assert response.status_code == 422
    assert response.json()["error"]["code"] == "invalid_request"


def test_gateway_answers_503_while_rasa_is_not_up(tmp_path: Path) -> None:
    port, dead = free_port(), free_port()
    env = {"ISEE_GATEWAY_PORT": str(port), "ISEE_RASA_URL": f"http://127.0.0.1:{dead}"}
    gateway = ManagedProcess(
        "gateway-alone", [str(VENV_BIN / "isee"), "serve", "gateway"], tmp_path, env
    )
    try:
        gateway.wait_until(http_ok(f"http://127.0.0.1:{port}/"), 60)
        assert httpx.get(f"http://127.0.0.1:{port}/health", timeout=10).status_code == 200
        ready = httpx.get(f"http://127.0.0.1:{port}/ready", timeout=10)
        assert ready.status_code == 503
        assert ready.json()["checks"]["rasa"]["status"] == "down"
        response = httpx.post(
            f"http://127.0.0.1:{port}/api/v1/chat",
            json={"sender": "e2e-503", "message": "xin chào"},
            timeout=10,
        )
        assert response.status_code == 503
        error = response.json()["error"]
        assert error["code"] == "assistant_unavailable"
        assert "thử lại" in error["message"]
    finally:
        gateway.stop()
