"""The client against a misbehaving portal on loopback: typed errors within budget, circuit breaker."""

from __future__ import annotations

import asyncio
import time

import pytest

from bot.portal.breaker import BreakerState
from bot.portal.client import PortalClient, PortalClientConfig
from bot.portal.errors import NotFound, Unavailable
from tests.integration.conftest import MisbehavingPortal, client_config

pytestmark = [pytest.mark.anyio, pytest.mark.e2e]


def _config(base_url: str, **changes: object) -> PortalClientConfig:
    """Tight timeouts, so faults show within a second."""
    values: dict[str, object] = {
        "read_timeout_s": 0.3,
        "budget_s": 1.0,
        "breaker_failures": 3,
        "breaker_reset_s": 30.0,
    }
    values.update(changes)
    return client_config(base_url, **values)


async def test_slow_portal_is_unavailable_within_budget_after_a_retry(
    misbehaving_portal: MisbehavingPortal,
) -> None:
    misbehaving_portal.mode = "slow"
    config = _config(misbehaving_portal.base_url)
    async with PortalClient(config) as portal:
        started = time.monotonic()
        with pytest.raises(Unavailable):
            await portal.health()
        elapsed = time.monotonic() - started
    assert elapsed < config.budget_s + 0.2
    assert misbehaving_portal.requests == config.attempts


async def test_budget_caps_a_call_whatever_the_retries(
    misbehaving_portal: MisbehavingPortal,
) -> None:
    misbehaving_portal.mode = "slow"
    config = _config(misbehaving_portal.base_url, attempts=10, budget_s=0.5)
    async with PortalClient(config) as portal:
        started = time.monotonic()
        with pytest.raises(Unavailable):
            await portal.health()
    assert time.monotonic() - started < 0.7


async def test_server_errors_are_retried_then_unavailable(
    misbehaving_portal: MisbehavingPortal,
) -> None:
    misbehaving_portal.mode = "error"
    config = _config(misbehaving_portal.base_url, attempts=3)
    async with PortalClient(config) as portal:
        with pytest.raises(Unavailable):
            await portal.health()
    assert misbehaving_portal.requests == 3


async def test_garbage_json_is_unavailable_without_retry(
    misbehaving_portal: MisbehavingPortal,
) -> None:
    misbehaving_portal.mode = "garbage"
    async with PortalClient(_config(misbehaving_portal.base_url)) as portal:
        with pytest.raises(Unavailable):
            await portal.health()
    assert misbehaving_portal.requests == 1


async def test_client_errors_are_not_retried(misbehaving_portal: MisbehavingPortal) -> None:
    misbehaving_portal.mode = "not_found"
    async with PortalClient(_config(misbehaving_portal.base_url)) as portal:
        with pytest.raises(NotFound):
            await portal.get_procedure("1.001193")
        assert portal.breaker.state is BreakerState.CLOSED
    assert misbehaving_portal.requests == 1


async def test_refused_connection_is_unavailable_quickly(refused_url: str) -> None:
    async with PortalClient(_config(refused_url)) as portal:
        started = time.monotonic()
        with pytest.raises(Unavailable):
            await portal.get_dossier("000.00.20.H37-250612-0001", "web:test")
    assert time.monotonic() - started < 1.0


async def test_circuit_opens_fails_fast_and_closes_after_a_good_trial(
    misbehaving_portal: MisbehavingPortal,
) -> None:
    misbehaving_portal.mode = "error"
    config = _config(
        misbehaving_portal.base_url, attempts=1, breaker_failures=2, breaker_reset_s=0.3
    )
    async with PortalClient(config) as portal:
        for _ in range(2):
            with pytest.raises(Unavailable):
                await portal.health()
        assert portal.breaker.state is BreakerState.OPEN
        sent = misbehaving_portal.requests
        started = time.monotonic()
        with pytest.raises(Unavailable):
            await portal.health()
        assert time.monotonic() - started < 0.05
        assert misbehaving_portal.requests == sent

        time.sleep(0.35)
        assert portal.breaker.state is BreakerState.HALF_OPEN
        with pytest.raises(Unavailable):
            await portal.health()
        assert portal.breaker.state is BreakerState.OPEN
        assert misbehaving_portal.requests == sent + 1

        misbehaving_portal.mode = "ok"
        time.sleep(0.35)
        health = await portal.health()
        assert health.status == "ok"
        assert portal.breaker.state is BreakerState.CLOSED


class Clock:
    """A monotonic clock the test moves by hand (no sleeping, no timed assertions)."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


async def test_circuit_recovers_after_its_trial_call_is_cancelled(
    misbehaving_portal: MisbehavingPortal,
) -> None:
    clock = Clock()
    misbehaving_portal.mode = "error"
    config = _config(
        misbehaving_portal.base_url, attempts=1, breaker_failures=1, breaker_reset_s=30.0
    )
    async with PortalClient(config, clock=clock) as portal:
        with pytest.raises(Unavailable):
            await portal.health()
        assert portal.breaker.state is BreakerState.OPEN
        clock.now += 30.0
        misbehaving_portal.mode = "slow"
        misbehaving_portal.delay_s = 5.0
        sent = misbehaving_portal.requests
        trial = asyncio.create_task(portal.health())
        while misbehaving_portal.requests == sent:
            await asyncio.sleep(0.01)
        with pytest.raises(Unavailable):
            await portal.health()  # only one trial at a time
        trial.cancel()
        with pytest.raises(asyncio.CancelledError):
            await trial
        assert portal.breaker.state is BreakerState.HALF_OPEN
        misbehaving_portal.mode = "ok"
        health = await portal.health()
        assert health.status == "ok"
        assert portal.breaker.state is BreakerState.CLOSED
