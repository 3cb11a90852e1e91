"""Two Rasa replicas sharing one PostgreSQL tracker store and one Redis lock store, exactly as
``endpoints.scale.yml`` configures them (docs/deploy.md): a conversation goes on whichever replica
takes the next message, and the gateway keeps serving while a replica is down."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import httpx
import pytest
from sqlalchemy import create_engine, make_url, text

from bot.portal_service.config import normalise_db_url
from tests.e2e.processes import (
    MODEL,
    RASA_BIN,
    REPO,
    VENV_BIN,
    ManagedProcess,
    free_port,
    http_ok,
)

pytestmark = pytest.mark.e2e

ISEE = str(VENV_BIN / "isee")
REDIS_SERVER = shutil.which("redis-server")
REDIS_CLI = shutil.which("redis-cli")
MARRIAGE = "1.000894"  # the marriage registration procedure's code


@dataclass
class ScaledOut:
    replicas: list[str]
    rasa: list[ManagedProcess]
    gateway_url: str
    redis_port: int


def redis_commands(port: int) -> int:
    """Commands the Redis server has processed so far."""
    info = subprocess.run(
        [str(REDIS_CLI), "-p", str(port), "info", "stats"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    line = next(li for li in info.splitlines() if li.startswith("total_commands_processed:"))
    return int(line.split(":", 1)[1])


def redis_answers(port: int) -> bool:
    done = subprocess.run([str(REDIS_CLI), "-p", str(port), "ping"], capture_output=True, text=True)
    return done.stdout.strip() == "PONG"


@pytest.fixture(scope="module")
def tracker_db() -> Iterator[str]:
    """A database of its own on the test PostgreSQL, dropped afterwards; its URL for Rasa."""
    raw = os.environ.get("ISEE_TEST_POSTGRES_URL")
    if not raw:
        pytest.skip("ISEE_TEST_POSTGRES_URL is not set (`make test` starts a PostgreSQL)")
    name = f"isee_scale_{uuid.uuid4().hex[:8]}"
    admin = create_engine(normalise_db_url(raw), isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f"CREATE DATABASE {name}"))
    try:
        # Rasa's own SQLAlchemy 1.4 and psycopg2 read the plain postgresql:// URL.
        yield make_url(raw).set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as connection:
            connection.execute(text(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
        admin.dispose()


@pytest.fixture(scope="module")
def scaled(tracker_db: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[ScaledOut]:
    if REDIS_SERVER is None or REDIS_CLI is None:
        pytest.skip("redis-server is not installed (Debian package redis-server)")
    if not MODEL.exists() or not RASA_BIN.exists():
        pytest.skip("No trained Rasa model: run `make test` (it sets up and trains first).")
    work = tmp_path_factory.mktemp("scale")
    redis_port, action_port, gateway_port = free_port(), free_port(), free_port()
    rasa_ports = [free_port(), free_port()]
    replicas = [f"http://127.0.0.1:{port}" for port in rasa_ports]
    env = {
        "HF_HUB_OFFLINE": "1",
        "OMP_NUM_THREADS": "1",
        "ISEE_ACTION_PORT": str(action_port),
        "ISEE_INBOX_DB_URL": f"sqlite:///{work / 'inbox.db'}",
        "ISEE_PORTAL_URL": f"http://127.0.0.1:{free_port()}",
        # The settings endpoints.scale.yml reads.
        "ISEE_RASA_ACTION_URL": f"http://127.0.0.1:{action_port}/webhook",
        "ISEE_RASA_TRACKER_URL": tracker_db,
        "ISEE_RASA_REDIS_HOST": "127.0.0.1",
        "ISEE_RASA_REDIS_PORT": str(redis_port),
        "ISEE_RASA_REDIS_PASSWORD": "",
        # The gateway spreads messages over both replicas.
        "ISEE_RASA_URLS": json.dumps(replicas),
        "ISEE_GATEWAY_PORT": str(gateway_port),
        "ISEE_ACTION_BUDGET_S": "60",
    }
    processes: list[ManagedProcess] = []
    try:
        redis_dir = work / "redis"
        redis_dir.mkdir()
        redis_args = f"--port {redis_port} --bind 127.0.0.1 --appendonly no --dir {redis_dir}"
        redis = ManagedProcess(
            "redis",
            [REDIS_SERVER, *redis_args.split(), "--save", ""],
            work,
            env,
        )
        processes.append(redis)
        actions = ManagedProcess("actions", [ISEE, "serve", "actions"], work, env)
        processes.append(actions)
        rasa = [
            ManagedProcess(
                f"rasa-{index}",
                [
                    str(RASA_BIN),
                    "run",
                    "--model",
                    str(MODEL),
                    "--interface",
                    "127.0.0.1",
                    "--port",
                    str(port),
                    "--endpoints",
                    str(REPO / "endpoints.scale.yml"),
                    "--credentials",
                    str(REPO / "credentials.yml"),
                ],
                work,
                env,
            )
            for index, port in enumerate(rasa_ports)
        ]
        processes.extend(rasa)
        gateway = ManagedProcess("gateway", [ISEE, "serve", "gateway"], work, env)
        processes.append(gateway)
        redis.wait_until(lambda: redis_answers(redis_port), 60)
        actions.wait_until(http_ok(f"http://127.0.0.1:{action_port}/ready"), 400)
        for process, url in zip(rasa, replicas, strict=True):
            process.wait_until(http_ok(f"{url}/"), 400)
        gateway_url = f"http://127.0.0.1:{gateway_port}"
        gateway.wait_until(http_ok(f"{gateway_url}/health"), 60)
        yield ScaledOut(replicas, rasa, gateway_url, redis_port)
    finally:
        for process in reversed(processes):
            process.stop()


def say(rasa_url: str, sender: str, message: str) -> list[dict[str, Any]]:
    """One message straight to a replica's REST webhook."""
    response = httpx.post(
        f"{rasa_url}/webhooks/rest/webhook",
        json={"sender": sender, "message": message},
        timeout=120,
    )
    assert response.status_code == 200, response.text
    replies = response.json()
    assert replies, f"no reply to {message!r} from {rasa_url}"
    return replies


def text_of(replies: list[dict[str, Any]]) -> str:
    return "\n".join(reply.get("text") or "" for reply in replies)


def test_the_conversation_goes_on_whichever_replica_takes_the_message(scaled: ScaledOut) -> None:
    first, second = scaled.replicas
    sender = "scale-alternating"
    commands_before = redis_commands(scaled.redis_port)
    asked = say(first, sender, "thủ tục đăng ký kết hôn gồm những giấy tờ nào")
    if MARRIAGE not in asked[0]["text"]:
        # An unsure answer offers the procedure as a choice: the click goes to the other replica.
        buttons = [b for r in asked for b in r.get("buttons") or [] if MARRIAGE in b["payload"]]
        assert buttons, f"{MARRIAGE} neither answered nor offered: {asked}"
        asked = say(second, sender, buttons[0]["payload"])
        first, second = second, first
    assert MARRIAGE in asked[0]["text"]
    # The follow-up names no procedure: only the slot stored by the other replica can place it.
    fee = text_of(say(second, sender, "thế lệ phí bao nhiêu?"))
    assert MARRIAGE in fee
    assert "lệ phí" in fee.lower()
    assert MARRIAGE in text_of(say(first, sender, "mất bao lâu thì xong"))
    # Each message took and released the conversation's lock in Redis.
    assert redis_commands(scaled.redis_port) > commands_before


def test_the_gateway_keeps_the_conversation_when_a_replica_goes_down(scaled: ScaledOut) -> None:
    def chat(message: str) -> str:
        response = httpx.post(
            f"{scaled.gateway_url}/api/v1/chat",
            json={"sender": "scale-gateway", "message": message},
            timeout=120,
        )
        assert response.status_code == 200, response.text
        return "\n".join(reply["text"] for reply in response.json()["replies"])

    assert MARRIAGE in chat("đi đăng ký kết hôn phải mang những gì")
    # A rolling restart: one replica stops; every later message goes to the other one.
    scaled.rasa[0].stop()
    for _ in scaled.replicas:
        assert MARRIAGE in chat("lệ phí bao nhiêu")
    ready = httpx.get(f"{scaled.gateway_url}/ready", timeout=30).json()
    assert ready["checks"]["rasa"]["status"] == "up"
    assert scaled.replicas[0] in ready["checks"]["rasa"]["detail"]
