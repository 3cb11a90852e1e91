"""Zalo OA and Messenger through the real gateway process, with fake platform APIs and a
stand-in Rasa on loopback: signatures, dedupe, ordering, long answers, retried sends, the Zalo
token refresh and a gateway killed while it works."""

from __future__ import annotations

import asyncio
import datetime as dt
import hashlib
import hmac
import itertools
import json
import os
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs

import httpx
import pytest
import uvicorn
from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse
from fastapi.testclient import TestClient
from sqlalchemy import create_engine, select

from bot.channels.delivery.models import IncomingMessage, OutgoingMessage
from bot.channels.delivery.send_api import ZaloOutput, ZaloTokens
from bot.channels.delivery.store import DeliveryStore
from bot.channels.platform import IncomingEvent, Rendering
from bot.gateway.app import create_app
from bot.inbox.store import InboxStore
from bot.retention import purge
from bot.settings import Settings
from tests.e2e.processes import VENV_BIN, ManagedProcess, free_port, http_ok
from tests.integration.test_gateway_input import StandInRasa

APP_SECRET = "test-app-secret"
VERIFY_TOKEN = "test-verify-token"
PAGE_TOKEN = "test-page-token"
ZALO_APP_ID = "1234567890"
ZALO_SECRET = "test-oa-secret"
DEADLINE_S = 60.0
LONG_SENTENCES = [f"Câu số {n:03d} nói về giấy tờ cần nộp khi làm thủ tục." for n in range(100)]
MANY_BUTTONS = [{"title": f"Thủ tục số {n}", "payload": f'/choose{{"n": {n}}}'} for n in range(15)]
_ids = itertools.count(1)


def unique(prefix: str) -> str:
    return f"{prefix}-{os.getpid()}-{next(_ids)}"


class FakePlatforms:
    """The Graph Send API, the Zalo OA message API and Zalo OAuth on one loopback server. It
    records what it receives, can answer 429 to the next sends, and accepts only the access
    token it issued last (Zalo's error -216 otherwise)."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.messenger: list[dict[str, Any]] = []
        self.messenger_tries: list[dict[str, Any]] = []
        self.zalo: list[dict[str, Any]] = []
        self.refreshes: list[dict[str, list[str]]] = []
        self.busy_sends = 0
        self.access_token = "zalo-access-0"
        self.refresh_token = "zalo-refresh-0"
        app = FastAPI()

        @app.post("/graph/me/messages")
        async def messenger_send(request: Request) -> JSONResponse:
            body = await request.json()
            with self.lock:
                self.messenger_tries.append(body)
                if request.query_params.get("access_token") != PAGE_TOKEN:
                    return JSONResponse({"error": {"code": 190}}, status_code=400)
                if body["recipient"]["id"].startswith("down-") and "message" in body:
                    return JSONResponse({"error": {"code": 2}}, status_code=500)
                if self.busy_sends and "message" in body:
                    self.busy_sends -= 1
                    return JSONResponse({"error": {"code": 4}}, status_code=429)
                self.messenger.append(body)
            return JSONResponse({"recipient_id": body["recipient"]["id"], "message_id": "m"})

        @app.post("/v3.0/oa/message/cs")
        async def zalo_send(request: Request) -> JSONResponse:
            body = await request.json()
            with self.lock:
                if request.headers.get("access_token") != self.access_token:
                    return JSONResponse({"error": -216, "message": "Access token is invalid"})
                self.zalo.append(body)
            return JSONResponse({"error": 0, "message": "Success", "data": {"message_id": "z"}})

        @app.post("/v4/oa/access_token")
        async def zalo_refresh(request: Request) -> JSONResponse:
            form = parse_qs((await request.body()).decode())
            await asyncio.sleep(0.2)  # a slow refresh: concurrent senders pile up behind it
            with self.lock:
                self.refreshes.append(form)
                if request.headers.get("secret_key") != ZALO_SECRET or form.get(
                    "refresh_token"
                ) != [self.refresh_token]:
                    return JSONResponse({"error": -14014, "message": "Invalid refresh token"})
                number = len(self.refreshes)
                self.access_token = f"zalo-access-{number}"
                self.refresh_token = f"zalo-refresh-{number}"
                return JSONResponse(
                    {
                        "access_token": self.access_token,
                        "refresh_token": self.refresh_token,
                        "expires_in": "90000",
                    }
                )

        port = free_port()
        self.url = f"http://127.0.0.1:{port}"
        self.server = uvicorn.Server(
            uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning")
        )
        self.thread = threading.Thread(target=self.server.run, daemon=True)
        self.thread.start()
        wait_for(lambda: self.server.started)

    def texts_to(self, channel: str, user: str) -> list[str]:
        """Texts sent to ``user``, in the order the platform received them."""
        with self.lock:
            if channel == "messenger":
                return [
                    b["message"]["text"]
                    for b in self.messenger
                    if b["recipient"]["id"] == user and "message" in b
                ]
            return [b["message"]["text"] for b in self.zalo if b["recipient"]["user_id"] == user]

    def bodies_to(self, channel: str, user: str) -> list[dict[str, Any]]:
        with self.lock:
            if channel == "messenger":
                return [b for b in self.messenger if b["recipient"]["id"] == user]
            return [b for b in self.zalo if b["recipient"]["user_id"] == user]

    def close(self) -> None:
        self.server.should_exit = True
        self.thread.join(timeout=10)


class ChannelRasa(StandInRasa):
    """Answers ``Dạ, trả lời: <message>``; ``dài`` gets a 5,000+ character answer, ``nút`` two
    buttons, ``nhiều nút`` fifteen, and ``chậm`` waits for ``release`` the first time."""

    def __init__(self) -> None:
        self.release = threading.Event()
        self.slow_calls = 0
        self.counting = threading.Lock()
        self.in_flight = 0
        self.most_in_flight = 0
        super().__init__()

    def answer(self, message: str) -> list[dict[str, object]]:
        if message == "dài":
            return [{"text": " ".join(LONG_SENTENCES)}]
        if message == "nút":
            return [
                {
                    "text": "Dạ, anh/chị muốn hỏi thủ tục nào?",
                    "buttons": [
                        {"title": "Khai sinh", "payload": "/ask_birth"},
                        {"title": "Gặp cán bộ hỗ trợ", "payload": "/talk_to_human"},
                    ],
                }
            ]
        if message == "nhiều nút":
            return [{"text": "Dạ, có nhiều thủ tục gần giống:", "buttons": MANY_BUTTONS}]
        if message.startswith("chậm"):
            self.slow_calls += 1
            if self.slow_calls == 1:
                self.release.wait(DEADLINE_S)
        if message.startswith("tin "):  # the web burst: count requests Rasa handles at once
            with self.counting:
                self.in_flight += 1
                self.most_in_flight = max(self.most_in_flight, self.in_flight)
            time.sleep(0.02)
            with self.counting:
                self.in_flight -= 1
        return [{"recipient_id": "u", "text": f"Dạ, trả lời: {message}"}]


def wait_for(condition: Callable[[], object], deadline_s: float = DEADLINE_S) -> None:
    end = time.monotonic() + deadline_s
    while time.monotonic() < end:
        if condition():
            return
        time.sleep(0.05)
    raise AssertionError("condition not met before the deadline")


@dataclass
class Stack:
    url: str
    db_url: str
    rasa: ChannelRasa
    fake: FakePlatforms
    process: ManagedProcess


def start_gateway(workdir: Path, rasa: ChannelRasa, fake: FakePlatforms, **extra: str) -> Stack:
    port = free_port()
    db_url = f"sqlite:///{workdir / 'inbox.db'}"
    env = {
        "ISEE_GATEWAY_PORT": str(port),
        "ISEE_RASA_URL": rasa.url,
        "ISEE_ACTION_PORT": str(free_port()),
        "ISEE_PORTAL_URL": f"http://127.0.0.1:{free_port()}",
        "ISEE_ACTION_BUDGET_S": str(DEADLINE_S),
        "ISEE_INBOX_DB_URL": db_url,
        "ISEE_MESSENGER_VERIFY_TOKEN": VERIFY_TOKEN,
        "ISEE_MESSENGER_APP_SECRET": APP_SECRET,
        "ISEE_MESSENGER_PAGE_TOKEN": PAGE_TOKEN,
        "ISEE_MESSENGER_API_URL": f"{fake.url}/graph",
        "ISEE_ZALO_APP_ID": ZALO_APP_ID,
        "ISEE_ZALO_OA_SECRET": ZALO_SECRET,
        "ISEE_ZALO_API_URL": fake.url,
        "ISEE_ZALO_OAUTH_URL": fake.url,
        "ISEE_ZALO_ACCESS_TOKEN": "zalo-access-0",
        "ISEE_ZALO_REFRESH_TOKEN": "zalo-refresh-0",
        "ISEE_CHANNEL_SEND_BACKOFF_S": "0.05",
        "ISEE_CHANNEL_RETRY_S": "0.5",
        **extra,
    }
    process = ManagedProcess("gateway", [str(VENV_BIN / "isee"), "serve", "gateway"], workdir, env)
    url = f"http://127.0.0.1:{port}"
    process.wait_until(http_ok(f"{url}/health"), DEADLINE_S)
    return Stack(url, db_url, rasa, fake, process)


@pytest.fixture(scope="module")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    rasa, fake = ChannelRasa(), FakePlatforms()
    # Bursts of 13 (one Messenger user) and 30 (one web sender) messages: over the default
    # per-conversation burst on purpose (the limits have their tests in test_rate_limits.py).
    running = start_gateway(
        tmp_path_factory.mktemp("channels"), rasa, fake, ISEE_RATE_LIMIT_USER_BURST="100"
    )
    try:
        yield running
    finally:
        running.process.stop()
        rasa.close()
        fake.close()


# Webhooks as the platforms send them


def messenger_body(psid: str, text: str | None = None, **message: Any) -> bytes:
    event: dict[str, Any] = {
        "sender": {"id": psid},
        "recipient": {"id": "page-1"},
        "timestamp": int(time.time() * 1000),
    }
    if "postback" in message:
        event["postback"] = message["postback"]
    else:
        event["message"] = {"mid": message.get("mid") or unique("mid"), **message}
        if text is not None:
            event["message"]["text"] = text
    return json.dumps(
        {"object": "page", "entry": [{"id": "page-1", "time": 1, "messaging": [event]}]}
    ).encode()


def messenger_signature(body: bytes) -> str:
    return "sha256=" + hmac.new(APP_SECRET.encode(), body, hashlib.sha256).hexdigest()


def post_messenger(stack: Stack, body: bytes, signature: str | None = "sign") -> httpx.Response:
    headers = {"Content-Type": "application/json"}
    if signature is not None:
        headers["X-Hub-Signature-256"] = (
            messenger_signature(body) if signature == "sign" else signature
        )
    return httpx.post(f"{stack.url}/webhooks/messenger", content=body, headers=headers, timeout=30)


def zalo_body(user: str, event: str = "user_send_text", text: str = "", age_s: float = 0) -> bytes:
    timestamp = str(int((time.time() - age_s) * 1000))
    payload: dict[str, Any] = {"app_id": ZALO_APP_ID, "event_name": event, "timestamp": timestamp}
    if event in {"follow", "unfollow"}:
        payload["follower"] = {"id": user}
        payload["oa_id"] = "oa-1"
    else:
        payload["sender"] = {"id": user}
        payload["recipient"] = {"id": "oa-1"}
        payload["message"] = {"msg_id": unique("zmsg"), "text": text}
    return json.dumps(payload, ensure_ascii=False).encode()


def zalo_signature(body: bytes) -> str:
    timestamp = json.loads(body)["timestamp"]
    digest = hashlib.sha256(ZALO_APP_ID.encode() + body + timestamp.encode() + ZALO_SECRET.encode())
    return "mac=" + digest.hexdigest()


def post_zalo(stack: Stack, body: bytes, signature: str | None = "sign") -> httpx.Response:
    headers = {"Content-Type": "application/json"}
    if signature is not None:
        headers["X-ZEvent-Signature"] = zalo_signature(body) if signature == "sign" else signature
    return httpx.post(f"{stack.url}/webhooks/zalo", content=body, headers=headers, timeout=30)


def settle(stack: Stack, channel: str, user: str) -> list[str]:
    """Every text sent to ``user`` once the user's queue is empty: a last message is answered
    only after everything before it (one user's messages go in order)."""
    marker = unique("kết thúc")
    if channel == "messenger":
        assert post_messenger(stack, messenger_body(user, marker)).status_code == 200
    else:
        assert post_zalo(stack, zalo_body(user, text=marker)).status_code == 200
    wait_for(lambda: f"Dạ, trả lời: {marker}" in stack.fake.texts_to(channel, user))
    texts = stack.fake.texts_to(channel, user)
    assert texts[-1] == f"Dạ, trả lời: {marker}"
    return texts[:-1]


# Messenger


def test_handshake_echoes_the_challenge_only_for_our_token(stack: Stack) -> None:
    params = {"hub.mode": "subscribe", "hub.verify_token": VERIFY_TOKEN, "hub.challenge": "42x"}
    ok = httpx.get(f"{stack.url}/webhooks/messenger", params=params, timeout=10)
    assert ok.status_code == 200
    assert ok.text == "42x"
    wrong = httpx.get(
        f"{stack.url}/webhooks/messenger",
        params={**params, "hub.verify_token": "guess"},
        timeout=10,
    )
    assert wrong.status_code == 403
    assert wrong.json()["error"]["code"] == "verification_failed"


def test_a_signed_message_gets_exactly_one_reply_with_typing(stack: Stack) -> None:
    psid = unique("psid")
    response = post_messenger(stack, messenger_body(psid, "xin chào"))
    assert response.status_code == 200
    assert response.json() == {"status": "received"}
    assert settle(stack, "messenger", psid) == ["Dạ, trả lời: xin chào"]
    [reply] = [b for b in stack.fake.bodies_to("messenger", psid) if "message" in b][:1]
    assert reply["messaging_type"] == "RESPONSE"
    assert {"recipient": {"id": psid}, "sender_action": "typing_on"} in stack.fake.bodies_to(
        "messenger", psid
    )


def test_the_same_webhook_delivered_three_times_is_answered_once(stack: Stack) -> None:
    psid = unique("psid")
    text = unique("lặp lại")
    body = messenger_body(psid, text)
    for _ in range(3):
        assert post_messenger(stack, body).status_code == 200
    assert settle(stack, "messenger", psid) == [f"Dạ, trả lời: {text}"]
    assert stack.rasa.received.count(text) == 1


def test_echoes_deliveries_and_reads_are_not_answered(stack: Stack) -> None:
    psid = unique("psid")
    echo = messenger_body(psid, "tin của trang", is_echo=True)
    assert post_messenger(stack, echo).status_code == 200
    read = json.dumps(
        {
            "object": "page",
            "entry": [{"messaging": [{"sender": {"id": psid}, "read": {"watermark": 1}}]}],
        }
    ).encode()
    assert post_messenger(stack, read).status_code == 200
    assert settle(stack, "messenger", psid) == []
    assert "tin của trang" not in stack.rasa.received


@pytest.mark.parametrize(
    ("signature", "status"),
    [(None, 401), ("sha256=" + "0" * 64, 403), ("sha1=abc", 403), ("", 401)],
)
def test_a_bad_or_missing_messenger_signature_reaches_nobody(
    stack: Stack, signature: str | None, status: int
) -> None:
    psid = unique("psid")
    text = unique("giả mạo")
    response = post_messenger(stack, messenger_body(psid, text), signature=signature)
    assert response.status_code == status
    assert response.json()["error"]["message"].startswith("Dạ")
    assert settle(stack, "messenger", psid) == []
    assert text not in stack.rasa.received


def test_a_body_changed_after_signing_is_refused(stack: Stack) -> None:
    psid = unique("psid")
    body = messenger_body(psid, "số 1")
    response = post_messenger(
        stack, body.replace(b"s\\u1ed1 1", b"s\\u1ed1 2"), messenger_signature(body)
    )
    assert response.status_code == 403


def test_quick_replies_postbacks_and_the_handover_payload_reach_the_dialogue(
    stack: Stack,
) -> None:
    psid = unique("psid")
    assert post_messenger(stack, messenger_body(psid, "nút")).status_code == 200
    picked = messenger_body(psid, "Gặp cán bộ hỗ trợ", quick_reply={"payload": "/talk_to_human"})
    assert post_messenger(stack, picked).status_code == 200
    postback = messenger_body(
        psid, postback={"title": "Khai sinh", "payload": "/ask_birth", "mid": unique("pb")}
    )
    assert post_messenger(stack, postback).status_code == 200
    texts = settle(stack, "messenger", psid)
    assert texts == [
        "Dạ, anh/chị muốn hỏi thủ tục nào?",
        "Dạ, trả lời: /talk_to_human",
        "Dạ, trả lời: /ask_birth",
    ]
    offer = next(
        b
        for b in stack.fake.bodies_to("messenger", psid)
        if "quick_replies" in b.get("message", {})
    )
    assert offer["message"]["quick_replies"] == [
        {"content_type": "text", "title": "Khai sinh", "payload": "/ask_birth"},
        {"content_type": "text", "title": "Gặp cán bộ hỗ trợ", "payload": "/talk_to_human"},
    ]


def test_too_many_choices_become_a_numbered_list_answered_by_number(stack: Stack) -> None:
    psid = unique("psid")
    assert post_messenger(stack, messenger_body(psid, "nhiều nút")).status_code == 200
    assert post_messenger(stack, messenger_body(psid, "3")).status_code == 200
    texts = settle(stack, "messenger", psid)
    listing = "\n".join(texts[:-1])
    assert "1. Thủ tục số 0" in listing
    assert "15. Thủ tục số 14" in listing
    assert texts[-1] == f"Dạ, trả lời: {MANY_BUTTONS[2]['payload']}"
    assert all(
        "quick_replies" not in b.get("message", {}) for b in stack.fake.bodies_to("messenger", psid)
    )


def test_a_429_from_the_send_api_is_retried(stack: Stack) -> None:
    psid = unique("psid")
    text = unique("thử lại")
    with stack.fake.lock:
        stack.fake.busy_sends = 1
    assert post_messenger(stack, messenger_body(psid, text)).status_code == 200
    assert settle(stack, "messenger", psid) == [f"Dạ, trả lời: {text}"]
    tries = [
        b for b in stack.fake.messenger_tries if b.get("message", {}).get("text", "").endswith(text)
    ]
    assert len(tries) == 2


def test_a_send_that_keeps_failing_is_recorded_and_the_queue_moves_on(stack: Stack) -> None:
    psid = unique("down")
    text = unique("không gửi được")
    for message in (text, "nút"):
        assert post_messenger(stack, messenger_body(psid, message)).status_code == 200
    engine = create_engine(stack.db_url)
    failed = (
        select(OutgoingMessage.attempts, OutgoingMessage.error, IncomingMessage.status)
        .join(IncomingMessage, IncomingMessage.id == OutgoingMessage.incoming_id)
        .where(IncomingMessage.sender == f"fb:{psid}", OutgoingMessage.status == "failed")
    )
    with engine.connect() as connection:
        wait_for(lambda: len(connection.execute(failed).all()) == 2)
        rows = connection.execute(failed).all()
    engine.dispose()
    assert [(attempts, status) for attempts, _, status in rows] == [(5, "failed")] * 2
    assert all("HTTP 500" in error for _, error, _ in rows)
    assert text in stack.rasa.received


def test_one_users_messages_are_answered_in_order(stack: Stack) -> None:
    psid = unique("psid")
    texts = [f"câu hỏi {n}" for n in range(12)]
    for text in texts:
        assert post_messenger(stack, messenger_body(psid, text)).status_code == 200
    assert settle(stack, "messenger", psid) == [f"Dạ, trả lời: {t}" for t in texts]


# Zalo OA


def test_a_signed_zalo_text_gets_exactly_one_reply(stack: Stack) -> None:
    user = unique("zuser")
    body = zalo_body(user, text="thủ tục khai sinh")
    for _ in range(3):
        assert post_zalo(stack, body).status_code == 200
    assert settle(stack, "zalo", user) == ["Dạ, trả lời: thủ tục khai sinh"]
    assert stack.rasa.received.count("thủ tục khai sinh") == 1


@pytest.mark.parametrize(
    ("case", "status"),
    [("missing", 401), ("wrong", 403), ("stale", 403), ("future", 403), ("other-secret", 403)],
)
def test_a_bad_missing_or_stale_zalo_signature_reaches_nobody(
    stack: Stack, case: str, status: int
) -> None:
    user = unique("zuser")
    text = unique("giả mạo")
    age = {"stale": 600.0, "future": -600.0}.get(case, 0.0)
    body = zalo_body(user, text=text, age_s=age)
    signature: str | None = {
        "missing": None,
        "wrong": "mac=" + "0" * 64,
        "other-secret": "mac=" + hashlib.sha256(ZALO_APP_ID.encode() + body).hexdigest(),
    }.get(case, "sign")
    response = post_zalo(stack, body, signature)
    assert response.status_code == status
    assert settle(stack, "zalo", user) == []
    assert text not in stack.rasa.received


def test_images_get_a_text_only_notice_and_follow_a_greeting(stack: Stack) -> None:
    user = unique("zuser")
    greets = stack.rasa.received.count("/greet")
    assert post_zalo(stack, zalo_body(user, event="follow")).status_code == 200
    assert post_zalo(stack, zalo_body(user, event="user_send_image")).status_code == 200
    assert post_zalo(stack, zalo_body(user, event="user_send_sticker")).status_code == 200
    assert post_zalo(stack, zalo_body(user, event="unfollow")).status_code == 200
    texts = settle(stack, "zalo", user)
    assert texts[0] == "Dạ, trả lời: /greet"
    assert len(texts) == 3
    assert all(t.startswith("Dạ, hiện em chỉ đọc được tin nhắn chữ") for t in texts[1:])
    assert stack.rasa.received.count("/greet") == greets + 1


def test_a_5000_character_answer_arrives_in_ordered_chunks(stack: Stack) -> None:
    user = unique("zuser")
    assert post_zalo(stack, zalo_body(user, text="dài")).status_code == 200
    chunks = settle(stack, "zalo", user)
    expected = " ".join(LONG_SENTENCES)
    assert len(expected) > 5000
    assert len(chunks) >= 3
    assert all(len(chunk) <= 2000 for chunk in chunks)
    assert all(chunk.endswith("thủ tục.") for chunk in chunks)  # cut at sentence ends
    assert " ".join(chunks) == expected


def test_zalo_buttons_are_template_buttons_sending_the_payload(stack: Stack) -> None:
    user = unique("zuser")
    assert post_zalo(stack, zalo_body(user, text="nút")).status_code == 200
    settle(stack, "zalo", user)
    [offer] = [b for b in stack.fake.bodies_to("zalo", user) if "attachment" in b["message"]]
    assert offer["message"]["attachment"]["payload"]["buttons"] == [
        {"title": "Khai sinh", "payload": "/ask_birth", "type": "oa.query.show"},
        {"title": "Gặp cán bộ hỗ trợ", "payload": "/talk_to_human", "type": "oa.query.show"},
    ]


def test_the_zalo_token_was_refreshed_once_and_rotated(stack: Stack) -> None:
    user = unique("zuser")
    assert post_zalo(stack, zalo_body(user, text="một")).status_code == 200
    settle(stack, "zalo", user)
    assert len(stack.fake.refreshes) == 1
    [form] = stack.fake.refreshes
    assert form == {
        "app_id": [ZALO_APP_ID],
        "refresh_token": ["zalo-refresh-0"],
        "grant_type": ["refresh_token"],
    }


def test_twenty_concurrent_sends_refresh_the_token_once(tmp_path: Path) -> None:
    fake = FakePlatforms()
    try:
        store = DeliveryStore(f"sqlite:///{tmp_path / 'channels.db'}")
        store.seed_zalo_tokens("zalo-access-0", "zalo-refresh-0")

        async def send_all() -> None:
            tokens = ZaloTokens(store, fake.url, ZALO_APP_ID, ZALO_SECRET, margin_s=600)
            output = ZaloOutput(fake.url, tokens)
            try:
                await asyncio.gather(
                    *(
                        output.send({"recipient": {"user_id": f"u{n}"}, "message": {"text": "hi"}})
                        for n in range(20)
                    )
                )
            finally:
                await output.aclose()

        asyncio.run(send_all())
        assert len(fake.refreshes) == 1
        assert len(fake.zalo) == 20
        assert store.zalo_tokens().refresh_token == "zalo-refresh-1"
        # A restart reads the rotated pair from the database: no second refresh.
        store.seed_zalo_tokens("zalo-access-0", "zalo-refresh-0")
        asyncio.run(send_again(store, fake))
        assert len(fake.refreshes) == 1
        assert len(fake.zalo) == 21
    finally:
        fake.close()


async def send_again(store: DeliveryStore, fake: FakePlatforms) -> None:
    output = ZaloOutput(fake.url, ZaloTokens(store, fake.url, ZALO_APP_ID, ZALO_SECRET, 600))
    try:
        await output.send({"recipient": {"user_id": "u"}, "message": {"text": "again"}})
    finally:
        await output.aclose()


# Web chat


def test_the_web_chat_cannot_speak_as_a_platform_user(stack: Stack) -> None:
    for sender in ("zalo:123", "fb:456", "FB:456"):
        response = httpx.post(
            f"{stack.url}/api/v1/chat", json={"sender": sender, "message": "hi"}, timeout=30
        )
        assert response.status_code == 422
        assert response.json()["error"]["code"] == "foreign_sender"


def test_a_burst_of_thirty_web_messages_is_answered_one_at_a_time(stack: Stack) -> None:
    async def burst() -> list[httpx.Response]:
        async with httpx.AsyncClient(base_url=stack.url, timeout=DEADLINE_S) as client:
            tasks = []
            for n in range(30):
                tasks.append(
                    asyncio.create_task(
                        client.post(
                            "/api/v1/chat", json={"sender": "web-burst", "message": f"tin {n}"}
                        )
                    )
                )
                await asyncio.sleep(0)
            return await asyncio.gather(*tasks)

    responses = asyncio.run(burst())
    assert [r.status_code for r in responses] == [200] * 30
    for n, response in enumerate(responses):
        assert response.json()["replies"][0]["text"] == f"Dạ, trả lời: tin {n}"
    assert stack.rasa.most_in_flight == 1  # one at a time: Rasa never waits on its own lock


# Restarts and configuration


def test_a_gateway_killed_mid_processing_answers_once_after_restart(
    tmp_path: Path,
) -> None:
    rasa, fake = ChannelRasa(), FakePlatforms()
    stack = start_gateway(tmp_path, rasa, fake)
    try:
        user = unique("zuser")
        assert post_zalo(stack, zalo_body(user, text="chậm")).status_code == 200
        wait_for(lambda: "chậm" in rasa.received)  # acknowledged, and the answer is under way
        os.killpg(stack.process.proc.pid, 9)
        stack.process.proc.wait()
        rasa.release.set()
        assert fake.texts_to("zalo", user) == []
        stack.process.restart()
        stack.process.wait_until(http_ok(f"{stack.url}/health"), DEADLINE_S)
        assert settle(stack, "zalo", user) == ["Dạ, trả lời: chậm"]
    finally:
        rasa.release.set()
        stack.process.stop()
        rasa.close()
        fake.close()


def test_unconfigured_channels_answer_503_and_say_why(tmp_path: Path) -> None:
    settings = Settings(
        inbox_db_url=f"sqlite:///{tmp_path / 'inbox.db'}",
        rasa_url=f"http://127.0.0.1:{free_port()}",
        _env_file=None,  # type: ignore[call-arg]
    )
    with TestClient(create_app(settings)) as client:
        for response in (
            client.get("/webhooks/messenger", params={"hub.mode": "subscribe"}),
            client.post("/webhooks/messenger", content=b"{}"),
            client.post("/webhooks/zalo", content=b"{}"),
        ):
            assert response.status_code == 503
            error = response.json()["error"]
            assert error["code"] == "channel_not_configured"
            assert error["message"].startswith("Dạ, kênh")


def test_finished_channel_messages_are_purged_after_the_retention(tmp_path: Path) -> None:
    endpoints = tmp_path / "endpoints.yml"
    endpoints.write_text("{}\n", encoding="utf-8")
    store = DeliveryStore(f"sqlite:///{tmp_path / 'channels.db'}")
    inbox = InboxStore(f"sqlite:///{tmp_path / 'inbox.db'}")
    for text in ("đã trả lời", "đang chờ"):
        event = IncomingEvent(
            channel="zalo", message_id=text, user_id="u", sender="zalo:u", kind="text", text=text
        )
        assert store.enqueue(event)
    done = store.next_for("zalo:u")
    assert done is not None
    store.save_answer(done.id, "zalo:u", Rendering(bodies=[{"message": {"text": "Dạ"}}]))
    store.finish(done.id)
    later = dt.datetime.now(dt.UTC) + dt.timedelta(days=100)
    report = purge(inbox, endpoints, retention_days=90, now=later, channels=store)
    assert report.channel_messages_deleted == 1
    assert store.status_counts() == {"pending": 1}  # a queued message is never purged
