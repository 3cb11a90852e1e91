"""Abuse limits through the real gateway with a stand-in Rasa: per sender and per client address
on the web chat (429 with the JSON error body and ``Retry-After``), per user on Zalo and
Messenger (one notice, Rasa not called), the in-process store's bound and Redis shared by two
gateway instances."""

from __future__ import annotations

import asyncio
import shutil
import subprocess
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import create_engine, select

from bot.channels.delivery.models import IncomingMessage, IncomingStatus
from bot.gateway.app import create_app
from bot.gateway.rate_limit import LimitStore, MemoryStore, Rate, RedisStore
from bot.settings import Settings
from tests.e2e.processes import VENV_BIN, ManagedProcess, free_port, http_ok
from tests.integration.test_channels import (
    ChannelRasa,
    FakePlatforms,
    Stack,
    messenger_body,
    post_messenger,
    post_zalo,
    start_gateway,
    unique,
    wait_for,
    zalo_body,
)
from tests.integration.test_gateway_input import StandInRasa

DEADLINE_S = 60.0
USER_BURST = 3
ADDRESS_BURST = 10
WINDOW_S = 10.0
"""One message per window comes back: a burst sent within it is counted whole."""
LIMITS = {
    "ISEE_RATE_LIMIT_USER_MESSAGES": "1",
    "ISEE_RATE_LIMIT_USER_BURST": str(USER_BURST),
    "ISEE_RATE_LIMIT_IP_MESSAGES": "1",
    "ISEE_RATE_LIMIT_IP_BURST": str(ADDRESS_BURST),
    "ISEE_RATE_LIMIT_WINDOW_S": str(WINDOW_S),
}


@dataclass
class Gateway:
    url: str
    rasa: StandInRasa


@pytest.fixture(scope="module")
def gateway(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Gateway]:
    rasa = StandInRasa()
    port = free_port()
    work: Path = tmp_path_factory.mktemp("limits")
    env = {
        "ISEE_GATEWAY_PORT": str(port),
        "ISEE_RASA_URL": rasa.url,
        "ISEE_ACTION_PORT": str(free_port()),
        "ISEE_PORTAL_URL": f"http://127.0.0.1:{free_port()}",
        "ISEE_INBOX_DB_URL": f"sqlite:///{work / 'inbox.db'}",
        **LIMITS,
    }
    process = ManagedProcess("gateway", [str(VENV_BIN / "isee"), "serve", "gateway"], work, env)
    try:
        process.wait_until(http_ok(f"http://127.0.0.1:{port}/health"), DEADLINE_S)
        yield Gateway(f"http://127.0.0.1:{port}", rasa)
    finally:
        process.stop()
        rasa.close()


def send(gateway: Gateway, sender: str, message: str, address: str) -> httpx.Response:
    """One web chat message from ``address`` (``X-Forwarded-For``, trusted from loopback)."""
    return httpx.post(
        f"{gateway.url}/api/v1/chat",
        json={"sender": sender, "message": message},
        headers={"X-Forwarded-For": address},
        timeout=30,
    )


def refusal(response: httpx.Response, code: str) -> int:
    """The 429's ``Retry-After`` after checking its JSON error body."""
    assert response.status_code == 429, response.text
    assert response.headers["content-type"] == "application/json"
    error = response.json()["error"]
    assert error["code"] == code
    assert error["message"].startswith("Dạ")
    seconds = int(response.headers["Retry-After"])
    assert 1 <= seconds <= WINDOW_S
    assert f"{seconds} giây" in error["message"]
    return seconds


def test_a_sender_over_its_limit_gets_429_and_its_neighbours_are_served(gateway: Gateway) -> None:
    sender, neighbour = unique("nhanh"), unique("hang-xom")
    for n in range(USER_BURST):
        assert send(gateway, sender, f"{sender} {n}", "10.1.0.1").status_code == 200
    over = f"{sender} quá"
    refusal(send(gateway, sender, over, "10.1.0.1"), "rate_limited")
    assert over not in gateway.rasa.received
    response = send(gateway, neighbour, "xin chào", "10.1.0.1")
    assert response.status_code == 200, response.text
    assert response.json()["replies"][0]["text"] == "Dạ, em chào anh/chị."


def test_many_senders_behind_one_address_hit_its_limit_other_addresses_do_not(
    gateway: Gateway,
) -> None:
    for _ in range(ADDRESS_BURST):
        assert send(gateway, unique("cong-so"), "xin chào", "10.2.0.1").status_code == 200
    last = unique("cong-so")
    refusal(send(gateway, last, f"{last} hỏi", "10.2.0.1"), "rate_limited_address")
    assert f"{last} hỏi" not in gateway.rasa.received
    assert send(gateway, unique("nha-khac"), "xin chào", "10.2.0.2").status_code == 200


def test_a_refused_sender_is_served_again_once_a_message_came_back(gateway: Gateway) -> None:
    sender = unique("cho")
    for n in range(USER_BURST):
        assert send(gateway, sender, f"tin {n}", "10.3.0.1").status_code == 200
    refusal(send(gateway, sender, "tin thêm", "10.3.0.1"), "rate_limited")
    end = time.monotonic() + DEADLINE_S
    while (response := send(gateway, sender, "tin sau", "10.3.0.1")).status_code == 429:
        assert time.monotonic() < end, "still refused after the deadline"
        time.sleep(0.5)
    assert response.status_code == 200, response.text
    assert gateway.rasa.received[-1] == "tin sau"


def test_the_in_process_store_stays_bounded_and_forgets_idle_buckets() -> None:
    async def run() -> None:
        store = MemoryStore(max_keys=1_000)
        strict = Rate(messages=1, burst=1, window_s=3600)
        for n in range(10_000):
            assert (await store.hit(f"user:{n}", strict)).allowed
            assert len(store) <= 1_000
        # the most recent buckets are still counted; the oldest were forgotten (start afresh)
        assert not (await store.hit("user:9999", strict)).allowed
        assert (await store.hit("user:0", strict)).allowed

        fleeting = Rate(messages=1, burst=1, window_s=0.01)
        idle = MemoryStore(max_keys=1_000)
        for n in range(500):
            await idle.hit(f"user:{n}", fleeting)
        time.sleep(0.05)  # every bucket's message came back: they hold nothing
        await idle.hit("user:new", fleeting)
        assert len(idle) == 1

    asyncio.run(run())


# Redis: two gateway instances share the count


@pytest.fixture
def redis_url(tmp_path: Path) -> Iterator[str]:
    pytest.importorskip("redis", reason="the redis package is not installed")
    server = shutil.which("redis-server")
    if server is None:
        pytest.skip("redis-server is not installed (apt-get install -y redis-server)")
    port = free_port()
    process = subprocess.Popen(
        [server, "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--dir", str(tmp_path)],
        stdout=subprocess.DEVNULL,
    )
    try:
        import redis

        client = redis.Redis(port=port)
        wait_for(lambda: _pings(client))
        client.close()
        yield f"redis://127.0.0.1:{port}/0"
    finally:
        process.terminate()
        process.wait(timeout=10)


def _pings(client: object) -> bool:
    import redis

    try:
        return bool(client.ping())  # type: ignore[attr-defined]
    except redis.ConnectionError:
        return False


def test_two_gateway_instances_share_the_limit_through_redis(
    redis_url: str, tmp_path: Path
) -> None:
    import redis

    rasa = StandInRasa()
    settings = Settings(
        inbox_db_url=f"sqlite:///{tmp_path / 'inbox.db'}",
        rasa_url=rasa.url,
        rate_limit_redis_url=redis_url,
        rate_limit_user_messages=1,
        rate_limit_user_burst=USER_BURST,
        rate_limit_window_s=3600,
        _env_file=None,  # type: ignore[call-arg]
    )
    sender = unique("hai-may")
    message = {"sender": sender, "message": "xin chào"}
    try:
        with TestClient(create_app(settings)) as one, TestClient(create_app(settings)) as two:
            statuses = [
                client.post("/api/v1/chat", json=message).status_code for client in (one, two, one)
            ]
            assert statuses == [200] * USER_BURST
            for client in (two, one):
                response = client.post("/api/v1/chat", json=message)
                assert response.status_code == 429, response.text
                assert response.json()["error"]["code"] == "rate_limited"
                assert int(response.headers["Retry-After"]) >= 1
            assert rasa.received.count("xin chào") == USER_BURST
        keys = [key.decode() for key in redis.Redis.from_url(redis_url).keys("*")]
        assert keys
        assert all(key.startswith("isee:rate:") and sender not in key for key in keys)
    finally:
        rasa.close()


def test_both_stores_tell_the_first_refusal_of_a_run_apart(redis_url: str) -> None:
    async def run(store: LimitStore) -> list[tuple[bool, bool]]:
        rate = Rate(messages=1, burst=2, window_s=3600)
        try:
            verdicts = [await store.hit("user:run", rate) for _ in range(4)]
        finally:
            await store.aclose()
        assert all(0 < v.retry_after_s <= 3600 for v in verdicts[2:])
        return [(v.allowed, v.first_refusal) for v in verdicts]

    expected = [(True, False), (True, False), (False, True), (False, False)]
    assert asyncio.run(run(MemoryStore(max_keys=10))) == expected
    assert asyncio.run(run(RedisStore(redis_url))) == expected


# Zalo and Messenger: acknowledged, one notice, Rasa not called


@pytest.fixture(scope="module")
def channels(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    rasa, fake = ChannelRasa(), FakePlatforms()
    running = start_gateway(
        tmp_path_factory.mktemp("limited-channels"),
        rasa,
        fake,
        ISEE_RATE_LIMIT_USER_MESSAGES="1",
        ISEE_RATE_LIMIT_USER_BURST="2",
        ISEE_RATE_LIMIT_WINDOW_S="3600",
    )
    try:
        yield running
    finally:
        running.process.stop()
        rasa.close()
        fake.close()


def all_done(stack: Stack, sender: str, count: int) -> bool:
    engine = create_engine(stack.db_url)
    try:
        with engine.connect() as connection:
            statuses = connection.execute(
                select(IncomingMessage.status).where(IncomingMessage.sender == sender)
            ).all()
    finally:
        engine.dispose()
    return len(statuses) == count and all(s == IncomingStatus.DONE for (s,) in statuses)


@pytest.mark.parametrize("channel", ["zalo", "messenger"])
def test_a_platform_user_over_the_limit_gets_one_notice_and_rasa_is_not_called(
    channels: Stack, channel: str
) -> None:
    user = unique("nhanh")
    texts = [unique("câu") for _ in range(5)]
    for text in texts:
        if channel == "zalo":
            response = post_zalo(channels, zalo_body(user, text=text))
        else:
            response = post_messenger(channels, messenger_body(user, text))
        assert response.status_code == 200  # the platform is always acknowledged
        assert response.json() == {"status": "received"}
    sender = f"{'zalo' if channel == 'zalo' else 'fb'}:{user}"
    wait_for(lambda: all_done(channels, sender, len(texts)))
    sent = channels.fake.texts_to(channel, user)
    assert sent[:2] == [f"Dạ, trả lời: {text}" for text in texts[:2]]
    [notice] = sent[2:]
    assert notice.startswith("Dạ, anh/chị đang gửi tin nhắn nhanh")
    assert "giây" in notice
    assert all(text in channels.rasa.received for text in texts[:2])
    assert not any(text in channels.rasa.received for text in texts[2:])
