"""Guessing attacks against the owner check, on the real portal (SQLite, and PostgreSQL when
``ISEE_TEST_POSTGRES_URL`` is set), through the real client, the real actions and the real
gateway: concurrent guesses, fresh sender ids, many dossiers from one client."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
import uvicorn
from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher
from sqlalchemy import func, select

from actions.dossier import ActionCheckDossier, ActionDossierDetails
from bot.answers import DossierAnswers
from bot.gateway.app import create_app as create_gateway
from bot.portal.client import PortalClient
from bot.portal.errors import InvalidProof, Throttled, VerificationFailed
from bot.portal_service import tables
from bot.portal_service.app import create_app
from bot.portal_service.db import make_engine, make_sessionmaker
from bot.portal_service.seed import seed
from bot.settings import Settings
from tests.integration.conftest import (
    HASH_KEY,
    SEED_NOW,
    RunningPortal,
    fixture_procedures,
    loopback_socket,
    serve_app,
    service_config,
)
from tests.integration.standin_rasa import StandInRasa

pytestmark = [pytest.mark.anyio, pytest.mark.e2e]

PROOF_LIMIT = 5
LOOKUP_LIMIT = 10


@pytest.fixture(scope="module")
def portal(portal_db_url: str) -> Iterator[RunningPortal]:
    """A portal with the production-like limits: 5 wrong proofs, 10 different dossiers."""
    engine = make_engine(portal_db_url)
    sessions = make_sessionmaker(engine)
    with sessions() as session:
        report = seed(session, fixture_procedures(), dossiers=120, seed=11, now=SEED_NOW)
    config = service_config(
        portal_db_url, proof_max_failures=PROOF_LIMIT, lookup_max_dossiers=LOOKUP_LIMIT
    )
    with serve_app(create_app(config)) as base_url:
        yield RunningPortal(base_url, portal_db_url, sessions, report, config)
    engine.dispose()


def _rows(portal: RunningPortal, count: int, offset: int) -> list[tables.Dossier]:
    with portal.sessions() as session:
        query = select(tables.Dossier).order_by(tables.Dossier.code).offset(offset).limit(count)
        rows = list(session.scalars(query))
    assert len(rows) == count
    return rows


def _wrong(row: tables.Dossier) -> str:
    return next(f"{n:04d}" for n in range(10_000) if f"{n:04d}" != row.applicant_phone[-4:])


def _audit(portal: RunningPortal, result: str) -> int:
    with portal.sessions() as session:
        return (
            session.scalar(
                select(func.count())
                .select_from(tables.CheckAudit)
                .where(tables.CheckAudit.result == result)
            )
            or 0
        )


async def test_forty_concurrent_wrong_guesses_count_at_most_the_limit(
    portal: RunningPortal,
) -> None:
    row = _rows(portal, 1, offset=0)[0]
    wrong_before = _audit(portal, "wrong")

    async def guess(index: int, client: PortalClient) -> str:
        try:
            await client.get_dossier(row.code, f"web:attacker-{index}", last4=_wrong(row))
        except VerificationFailed:
            return "wrong"
        except Throttled:
            return "throttled"
        return "verified"

    async with PortalClient(portal.client_config(max_connections=40, budget_s=30.0)) as client:
        results = await asyncio.gather(*(guess(index, client) for index in range(40)))
        with pytest.raises(Throttled):
            await client.get_dossier(row.code, "web:owner", last4=row.applicant_phone[-4:])
    assert results.count("wrong") <= PROOF_LIMIT
    assert results.count("wrong") + results.count("throttled") == 40
    assert _audit(portal, "wrong") - wrong_before == results.count("wrong")


async def test_many_dossiers_from_one_client_with_fresh_sender_ids_are_locked_out(
    portal: RunningPortal,
) -> None:
    assigned = {"client": "web:one-connection"}
    answers = []
    async with PortalClient(portal.client_config()) as client:
        dossiers = DossierAnswers(client, portal_link="https://portal.test", hash_key=HASH_KEY)
        check, details_of = (
            ActionCheckDossier(lambda: dossiers),
            ActionDossierDetails(lambda: dossiers),
        )
        for index, row in enumerate(_rows(portal, 30, offset=10)):
            sender = f"fresh-sender-{index}"
            status = await _run(check, sender, "", {"dossier_code": row.code}, assigned)
            details = await _run(
                details_of, sender, _wrong(row), {"checked_dossier": row.code}, assigned
            )
            answers.append((status, details))
    shown = [status for status, _ in answers if "Trạng thái" in status]
    refused = [status for status, _ in answers if "nhiều hồ sơ khác nhau" in status]
    assert len(shown) == LOOKUP_LIMIT and len(refused) == 30 - LOOKUP_LIMIT
    assert all("nhiều hồ sơ khác nhau" in status for status, _ in answers[LOOKUP_LIMIT:])
    wrong = [details for _, details in answers if "chưa khớp" in details]
    locked = [details for _, details in answers[PROOF_LIMIT:LOOKUP_LIMIT]]
    assert len(wrong) == PROOF_LIMIT
    assert all("tạm khóa" in details for details in locked)


async def _run(
    action: Any, sender: str, text: str, slots: dict[str, Any], metadata: dict[str, str]
) -> str:
    tracker = Tracker.from_dict(
        {
            "sender_id": sender,
            "slots": slots,
            "latest_message": {
                "text": text,
                "intent": {"name": "inform_phone_digits", "confidence": 0.99},
                "entities": [],
                "metadata": metadata,
            },
            "events": [],
            "active_loop": {},
            "latest_action_name": "action_listen",
        }
    )
    dispatcher = CollectingDispatcher()
    await action.run(dispatcher, tracker, {})
    return "\n".join(message.get("text") or "" for message in dispatcher.messages)


class RasaStandIn(StandInRasa):
    """Rasa's REST webhook as a loopback server that records what the gateway sends."""

    def reply(self, body: dict[str, Any]) -> list[dict[str, Any]]:
        return [{"recipient_id": "x", "text": "Dạ."}]


def test_the_gateway_assigns_the_client_id_from_the_connection_not_the_sender() -> None:
    rasa = RasaStandIn()
    settings = Settings(rasa_url=rasa.url, privacy_hash_key="gateway-test-key")
    sock = loopback_socket()
    server = uvicorn.Server(uvicorn.Config(create_gateway(settings), log_level="warning"))
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    try:
        while not server.started:
            thread.join(0.02)
        base = f"http://127.0.0.1:{sock.getsockname()[1]}"
        for sender in ("fresh-a", "fresh-b"):
            response = httpx.post(
                f"{base}/api/v1/chat", json={"sender": sender, "message": "xin chào"}
            )
            assert response.status_code == 200
    finally:
        server.should_exit = True
        thread.join(10)
        sock.close()
        rasa.close()
    clients = {body["metadata"]["client"] for body in rasa.bodies}
    assert [body["sender"] for body in rasa.bodies] == ["web:fresh-a", "web:fresh-b"]
    assert len(clients) == 1
    (client,) = clients
    assert client.startswith("web:") and "127.0.0.1" not in client


@pytest.mark.parametrize("last4", ["١٢٣٤", "１２３４", "¹²³⁴", "12 4"])
async def test_the_client_never_sends_other_digits(portal: RunningPortal, last4: str) -> None:
    row = _rows(portal, 1, offset=60)[0]
    async with PortalClient(portal.client_config()) as client:
        with pytest.raises(InvalidProof):
            await client.get_dossier(row.code, "web:unicode", last4=last4)
        with pytest.raises(InvalidProof):
            await client.get_dossier(row.code, "web:ñ")
        assert (await client.get_dossier(row.code, "web:unicode")).verified is False
