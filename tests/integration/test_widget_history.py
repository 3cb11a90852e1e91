"""The widget's history API and sender namespace, on the real gateway process against a stand-in
Rasa on loopback and a real inbox database."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.e2e.processes import VENV_BIN, ManagedProcess, free_port, http_ok
from tests.integration.standin_rasa import StandInRasa

LINK = "https://dichvucong.example.vn/thu-tuc/1.000894"


class EchoRasa(StandInRasa):
    """Answers each message with a text that repeats it, a source link and a button; records
    which sender ids reached it (``senders``)."""

    def reply(self, body: dict[str, Any]) -> list[dict[str, Any]]:
        return [
            {
                "text": f"Dạ, anh/chị hỏi: {body['message']}",
                "buttons": [{"title": "Lệ phí", "payload": "/ask_fee"}],
                "custom": {"link": LINK},
            }
        ]


@dataclass
class Gateway:
    url: str
    rasa: EchoRasa
    process: ManagedProcess


@pytest.fixture(scope="module")
def gateway(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Gateway]:
    rasa = EchoRasa()
    work: Path = tmp_path_factory.mktemp("widget-history")
    port = free_port()
    env = {
        "ISEE_GATEWAY_PORT": str(port),
        "ISEE_RASA_URL": rasa.url,
        "ISEE_INBOX_DB_URL": f"sqlite:///{work / 'inbox.db'}",
        "ISEE_HISTORY_MAX_TURNS": "3",
    }
    process = ManagedProcess("gateway", [str(VENV_BIN / "isee"), "serve", "gateway"], work, env)
    try:
        process.wait_until(http_ok(f"http://127.0.0.1:{port}/health"), 60)
        yield Gateway(f"http://127.0.0.1:{port}", rasa, process)
    finally:
        process.stop()
        rasa.close()


def chat(gateway: Gateway, sender: str, message: str, shown: str | None = None) -> httpx.Response:
    body = {"sender": sender, "message": message, "shown": shown}
    return httpx.post(f"{gateway.url}/api/v1/chat", json=body, timeout=30)


def history(gateway: Gateway, sender: str) -> httpx.Response:
    return httpx.get(f"{gateway.url}/api/v1/history", params={"sender": sender}, timeout=10)


def test_history_returns_the_exchanges_of_exactly_that_sender_in_order(gateway: Gateway) -> None:
    sender = "web:3f1c2a7e-5b7d-4c1e-9a55-0c6f7d1e2b11"
    assert chat(gateway, sender, "đăng ký kết hôn cần gì").status_code == 200
    answered = chat(gateway, sender, "/ask_fee", shown="Lệ phí")
    assert answered.status_code == 200 and answered.json()["sender"] == sender
    chat(gateway, "web:someone-else-entirely", "câu hỏi của người khác")

    body = history(gateway, sender).json()
    assert body["sender"] == sender
    assert [turn["user"] for turn in body["turns"]] == ["đăng ký kết hôn cần gì", "Lệ phí"]
    last = body["turns"][-1]["replies"][0]
    assert last == {
        "text": "Dạ, anh/chị hỏi: /ask_fee",
        "buttons": [{"title": "Lệ phí", "payload": "/ask_fee"}],
        "link": LINK,
    }
    assert history(gateway, "web:3f1c2a7e").json()["turns"] == []


def test_history_keeps_only_the_latest_turns(gateway: Gateway) -> None:
    sender = "web:limit-check-0001"
    for n in range(5):
        assert chat(gateway, sender, f"câu hỏi {n}").status_code == 200
    turns = history(gateway, sender).json()["turns"]
    assert [turn["user"] for turn in turns] == ["câu hỏi 2", "câu hỏi 3", "câu hỏi 4"]


def test_widget_senders_live_under_web_and_cannot_name_another_channel(gateway: Gateway) -> None:
    plain = chat(gateway, "old-browser-id", "xin chào")
    assert plain.status_code == 200 and plain.json()["sender"] == "web:old-browser-id"
    assert gateway.rasa.senders[-1] == "web:old-browser-id"
    assert [t["user"] for t in history(gateway, "old-browser-id").json()["turns"]] == ["xin chào"]

    reached = len(gateway.rasa.senders)
    for forged in ("zalo:1234567890", "fb:998877", "sender:x"):
        refused = chat(gateway, forged, "xin chào")
        assert refused.status_code == 422, refused.text
        assert refused.json()["error"]["code"] == "foreign_sender"
        read = history(gateway, forged)
        assert read.status_code == 422 and read.json()["error"]["code"] == "foreign_sender"
    assert len(gateway.rasa.senders) == reached


def test_history_rejects_a_malformed_sender(gateway: Gateway) -> None:
    for bad in ("", "web:<script>", "x" * 80):
        response = history(gateway, bad)
        assert response.status_code == 422
        assert response.json()["error"]["code"] == "invalid_request"


def test_conversation_ids_never_reach_the_log_in_clear(gateway: Gateway) -> None:
    secret = "9b2e4f60-1c3d-4e5f-8a7b-6c5d4e3f2a1b"
    assert chat(gateway, f"web:{secret}", "xin chào").status_code == 200
    assert history(gateway, f"web:{secret}").status_code == 200
    log = gateway.process.tail(200_000)
    assert "/api/v1/history?sender=web#" in log  # uvicorn's access line, pseudonymised
    assert secret not in log
