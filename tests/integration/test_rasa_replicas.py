"""The gateway's Rasa client and readiness over several Rasa replicas (stand-ins on loopback):
messages take turns, a replica that refuses connections is skipped without losing the message,
and Rasa counts as up while any replica answers. tests/e2e/test_scale_out.py runs real replicas."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator

import pytest

from bot.gateway.probes import Probe, ReadinessChecker
from bot.gateway.rasa_client import RasaClient, RasaUnavailableError
from tests.e2e.processes import free_port
from tests.integration.test_gateway_input import StandInRasa


@pytest.fixture
def replicas() -> Iterator[tuple[StandInRasa, StandInRasa]]:
    first, second = StandInRasa(), StandInRasa()
    try:
        yield first, second
    finally:
        first.close()
        second.close()


def send_all(urls: list[str], messages: list[str]) -> list[list[dict[str, object]]]:
    async def run() -> list[list[dict[str, object]]]:
        client = RasaClient(urls, budget_s=10, connect_timeout_s=2)
        try:
            return [await client.send("it-user", message) for message in messages]
        finally:
            await client.aclose()

    return asyncio.run(run())


def dead_url() -> str:
    return f"http://127.0.0.1:{free_port()}"


def test_messages_take_turns_over_the_replicas(replicas: tuple[StandInRasa, StandInRasa]) -> None:
    first, second = replicas
    answers = send_all([first.url, second.url], ["một", "hai", "ba", "bốn"])
    assert all(answer for answer in answers)
    assert first.received == ["một", "ba"]
    assert second.received == ["hai", "bốn"]


def test_a_refusing_replica_is_skipped_and_no_message_is_lost(
    replicas: tuple[StandInRasa, StandInRasa],
) -> None:
    first, _ = replicas
    answers = send_all([dead_url(), first.url], ["một", "hai", "ba"])
    assert all(answer for answer in answers)
    assert first.received == ["một", "hai", "ba"]


def test_every_replica_refusing_is_reported() -> None:
    with pytest.raises(RasaUnavailableError):
        send_all([dead_url(), dead_url()], ["một"])


def test_rasa_is_up_while_any_replica_answers(replicas: tuple[StandInRasa, StandInRasa]) -> None:
    first, _ = replicas
    down = dead_url()

    async def check(probe: Probe) -> tuple[str, str | None]:
        checker = ReadinessChecker([probe], timeout_s=2)
        try:
            result = (await checker.check()).checks["rasa"]
        finally:
            await checker.aclose()
        return result.status, result.detail

    one_down = Probe("rasa", f"{first.url}/", required=True, replicas=(f"{down}/",))
    status, detail = asyncio.run(check(one_down))
    assert status == "up"
    assert detail is not None and down in detail
    all_down = Probe("rasa", f"{down}/", required=True, replicas=(f"{dead_url()}/",))
    assert asyncio.run(check(all_down)) == ("down", "ConnectError")
