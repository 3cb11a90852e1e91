"""The real gateway process against a stand-in Rasa on loopback: bad input, oversized bodies,
odd answers from Rasa and a slow Rasa never cost the caller a JSON answer."""

from __future__ import annotations

import asyncio
import json
import socket
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest

from bot.gateway.rasa_client import RasaClient
from bot.settings import Settings
from tests.e2e.processes import VENV_BIN, ManagedProcess, free_port, http_ok
from tests.integration.standin_rasa import StandInRasa as BaseStandIn

PORTAL_LINK = "https://dichvucong.example.vn"
BUDGET_S = 1.0
MAX_BODY_BYTES = Settings().max_body_bytes


class StandInRasa(BaseStandIn):
    """The test chooses how Rasa answers: ``ok`` (one greeting), ``empty`` (``[]``, as when an
    action crashed), ``broken`` (a button without a title) or ``slow`` (answers after the
    gateway's budget); ``received`` holds every message text."""

    def __init__(self) -> None:
        self.mode = "ok"
        self.received: list[str] = []
        super().__init__()

    def reply(self, body: dict[str, Any]) -> list[dict[str, Any]]:
        message = str(body["message"])
        self.received.append(message)
        if self.mode == "slow":
            time.sleep(BUDGET_S * 3)
        return self.answer(message)

    def answer(self, message: str) -> list[dict[str, object]]:
        """Rasa's bot messages for ``message`` (subclasses answer per message)."""
        if self.mode == "empty":
            return []
        if self.mode == "broken":
            return [{"text": "Dạ", "buttons": [{"payload": "/greet"}]}]
        return [{"recipient_id": "u", "text": "Dạ, em chào anh/chị."}]


@dataclass
class Gateway:
    url: str
    port: int
    rasa: StandInRasa
    process: ManagedProcess


@pytest.fixture(scope="module")
def gateway(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Gateway]:
    rasa = StandInRasa()
    port = free_port()
    env = {
        "ISEE_GATEWAY_PORT": str(port),
        "ISEE_RASA_URL": rasa.url,
        "ISEE_ACTION_PORT": str(free_port()),
        "ISEE_PORTAL_URL": f"http://127.0.0.1:{free_port()}",
        "ISEE_PORTAL_LINK": PORTAL_LINK,
        "ISEE_ACTION_BUDGET_S": str(BUDGET_S),
        # one sender sends every case here in a few seconds (limits: test_rate_limits.py)
        "ISEE_RATE_LIMIT_USER_BURST": "1000",
    }
    work: Path = tmp_path_factory.mktemp("gateway")
    process = ManagedProcess("gateway", [str(VENV_BIN / "isee"), "serve", "gateway"], work, env)
    try:
        process.wait_until(http_ok(f"http://127.0.0.1:{port}/health"), 60)
        yield Gateway(f"http://127.0.0.1:{port}", port, rasa, process)
    finally:
        process.stop()
        rasa.close()


def chat(gateway: Gateway, message: str, mode: str = "ok") -> httpx.Response:
    gateway.rasa.mode = mode
    return httpx.post(
        f"{gateway.url}/api/v1/chat", json={"sender": "it-user", "message": message}, timeout=30
    )


def error_of(response: httpx.Response, status: int) -> dict[str, str]:
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == "application/json"
    error = response.json()["error"]
    assert error["message"].startswith("Dạ")
    return error


def raw_exchange(port: int, head: bytes, body_parts: list[bytes]) -> tuple[int, dict[str, object]]:
    """Send ``head`` and ``body_parts`` on one socket without ending the body, then read the
    answer: a server that waited for the whole body would never answer (the read times out)."""
    with socket.create_connection(("127.0.0.1", port), timeout=30) as sock:
        sock.sendall(head)
        for part in body_parts:
            sock.sendall(part)
        data = b""
        while b"\r\n\r\n" not in data or len(data.split(b"\r\n\r\n", 1)[1]) < _length(data):
            chunk = sock.recv(65536)
            if not chunk:
                break
            data += chunk
    head_text, body = data.split(b"\r\n\r\n", 1)
    status = int(head_text.split(b" ", 2)[1])
    return status, json.loads(body)


def _length(data: bytes) -> int:
    for line in data.split(b"\r\n\r\n", 1)[0].split(b"\r\n")[1:]:
        name, _, value = line.partition(b":")
        if name.strip().lower() == b"content-length":
            return int(value)
    return 0


def test_a_plain_message_reaches_rasa_and_comes_back(gateway: Gateway) -> None:
    response = chat(gateway, "xin\tchào\n")
    assert response.status_code == 200, response.text
    assert response.json()["replies"][0]["text"] == "Dạ, em chào anh/chị."
    assert gateway.rasa.received[-1] == "xin chào"


def test_lone_surrogate_is_refused_with_json_422(gateway: Gateway) -> None:
    before = len(gateway.rasa.received)
    response = httpx.post(
        f"{gateway.url}/api/v1/chat",
        content=b'{"sender": "it-user", "message": "hi \\ud800"}',
        headers={"Content-Type": "application/json"},
        timeout=30,
    )
    assert error_of(response, 422)["code"] == "invalid_characters"
    assert len(gateway.rasa.received) == before


@pytest.mark.parametrize("message", ["a\x00b", "xin chào\x1b[31m", "\x7f", "a\rb", "\x85"])
def test_nul_and_control_characters_are_refused(gateway: Gateway, message: str) -> None:
    assert error_of(chat(gateway, message), 422)["code"] == "invalid_characters"


def test_undecodable_bytes_get_the_json_error_body(gateway: Gateway) -> None:
    response = httpx.post(
        f"{gateway.url}/api/v1/chat",
        content=b'{"sender": "it-user", "message": "\xff\xfe"}',
        headers={"Content-Type": "application/json"},
        timeout=30,
    )
    assert error_of(response, 400)["code"] == "invalid_request"


def test_length_counts_the_text_as_received(gateway: Gateway) -> None:
    error = error_of(chat(gateway, "a" + " " * 1000 + "b"), 422)
    assert error["code"] == "message_too_long"
    assert "1002" in error["message"]


def test_a_declared_2mb_body_is_refused_before_it_is_sent(gateway: Gateway) -> None:
    head = (
        b"POST /api/v1/chat HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
        b"Content-Length: 2097152\r\n\r\n"
    )
    status, body = raw_exchange(gateway.port, head, [])
    assert status == 413
    assert body["error"]["code"] == "request_too_large"  # type: ignore[index]


def test_a_chunked_body_is_refused_as_soon_as_it_passes_the_limit(gateway: Gateway) -> None:
    head = (
        b"POST /api/v1/chat HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
        b"Transfer-Encoding: chunked\r\n\r\n"
    )
    chunk = b" " * 16_384
    count = MAX_BODY_BYTES // len(chunk) + 1
    parts = [b"%x\r\n%s\r\n" % (len(chunk), chunk)] * count  # no final 0-chunk: never ends
    status, body = raw_exchange(gateway.port, head, parts)
    assert status == 413
    assert body["error"]["message"].startswith("Dạ")  # type: ignore[index]


def test_a_body_under_the_limit_is_parsed(gateway: Gateway) -> None:
    padded = "x" * 900
    response = chat(gateway, padded)
    assert response.status_code == 200, response.text
    assert gateway.rasa.received[-1] == padded


def test_an_empty_answer_becomes_a_polite_error_reply(gateway: Gateway) -> None:
    response = chat(gateway, "đi khai sinh cho cháu cần mang gì", mode="empty")
    assert response.status_code == 200, response.text
    [reply] = response.json()["replies"]
    assert reply["text"].startswith("Dạ, em xin lỗi")
    assert reply["link"] == PORTAL_LINK
    assert {"title": "Gặp cán bộ hỗ trợ", "payload": "/talk_to_human"} in reply["buttons"]


def test_a_reply_over_budget_becomes_a_fallback_with_portal_and_human(gateway: Gateway) -> None:
    response = chat(gateway, "đi khai sinh cho cháu cần mang gì", mode="slow")
    assert response.status_code == 200, response.text
    [reply] = response.json()["replies"]
    assert reply["text"].startswith("Dạ")
    assert PORTAL_LINK in reply["text"]
    assert reply["link"] == PORTAL_LINK
    assert [b["payload"] for b in reply["buttons"]] == ["/talk_to_human"]


def test_an_unexpected_error_is_json_500_with_a_logged_request_id(gateway: Gateway) -> None:
    response = chat(gateway, "xin chào", mode="broken")
    error = error_of(response, 500)
    assert error["code"] == "internal_error"
    request_id = error["request_id"]
    assert request_id in error["message"]
    assert response.headers["X-Request-ID"] == request_id
    logged = [line for line in gateway.process.tail(50_000).splitlines() if request_id in line]
    assert any("unexpected_error" in line and "KeyError" in line for line in logged), logged


def test_unknown_paths_and_methods_get_the_json_error_body(gateway: Gateway) -> None:
    assert error_of(httpx.get(f"{gateway.url}/nope", timeout=10), 404)["code"] == "not_found"
    wrong = httpx.get(f"{gateway.url}/api/v1/chat", timeout=10)
    assert error_of(wrong, 405)["code"] == "method_not_allowed"


def test_liveness_and_readiness_report_each_dependency(gateway: Gateway) -> None:
    assert httpx.get(f"{gateway.url}/health", timeout=10).json() == {"status": "ok"}
    ready = httpx.get(f"{gateway.url}/ready", timeout=30)
    assert ready.status_code == 503
    body = ready.json()
    assert body["status"] == "not_ready"
    checks = body["checks"]
    assert checks["rasa"]["status"] == "up"
    assert checks["action_server"] == {"status": "down", "required": True, "detail": "ConnectError"}
    assert checks["portal"]["status"] == "down"
    assert checks["portal"]["required"] is False


def test_the_rasa_client_sends_text_utf8_cannot_encode(gateway: Gateway) -> None:
    async def send() -> list[dict[str, object]]:
        client = RasaClient([gateway.rasa.url], budget_s=10, connect_timeout_s=2)
        try:
            return await client.send("it-user", "hi \ud800")
        finally:
            await client.aclose()

    gateway.rasa.mode = "ok"
    assert asyncio.run(send())[0]["text"] == "Dạ, em chào anh/chị."
    assert gateway.rasa.received[-1] == "hi \ud800"
