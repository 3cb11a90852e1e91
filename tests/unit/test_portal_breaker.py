"""The circuit breaker's states, on a controlled clock."""

from __future__ import annotations

import pytest

from bot.portal.breaker import BreakerState, CircuitBreaker


class Clock:
    """A clock the test moves by hand."""

    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def test_opens_after_consecutive_failures_only() -> None:
    breaker = CircuitBreaker(3, 10.0, Clock())
    breaker.record_failure()
    breaker.record_failure()
    breaker.record_success()
    breaker.record_failure()
    breaker.record_failure()
    assert breaker.state is BreakerState.CLOSED and breaker.allow()
    breaker.record_failure()
    assert breaker.state is BreakerState.OPEN
    assert not breaker.allow()


def test_half_open_allows_one_trial_and_closes_on_success() -> None:
    clock = Clock()
    breaker = CircuitBreaker(1, 10.0, clock)
    breaker.record_failure()
    clock.now += 9.9
    assert not breaker.allow()
    clock.now += 0.1
    assert breaker.state is BreakerState.HALF_OPEN
    assert breaker.allow()
    assert not breaker.allow()
    breaker.record_success()
    assert breaker.state is BreakerState.CLOSED
    assert breaker.allow() and breaker.allow()


def test_failed_trial_reopens_for_a_full_delay() -> None:
    clock = Clock()
    breaker = CircuitBreaker(2, 5.0, clock)
    breaker.record_failure()
    breaker.record_failure()
    clock.now += 5.0
    assert breaker.allow()
    breaker.record_failure()
    assert breaker.state is BreakerState.OPEN
    clock.now += 4.9
    assert not breaker.allow()
    clock.now += 0.1
    assert breaker.allow()


def test_a_trial_released_without_outcome_lets_the_next_call_try() -> None:
    clock = Clock()
    breaker = CircuitBreaker(1, 10.0, clock)
    breaker.record_failure()
    clock.now += 10.0
    trial = breaker.allow()
    assert trial is not None and trial.trial
    assert breaker.allow() is None
    breaker.release(trial)  # cancelled: no success, no failure
    assert breaker.state is BreakerState.HALF_OPEN
    second = breaker.allow()
    assert second is not None and second.trial
    breaker.record_success()
    breaker.release(second)
    assert breaker.state is BreakerState.CLOSED


def test_releasing_an_ordinary_permit_keeps_the_running_trial() -> None:
    clock = Clock()
    breaker = CircuitBreaker(1, 10.0, clock)
    ordinary = breaker.allow()
    assert ordinary is not None and not ordinary.trial
    breaker.record_failure()
    clock.now += 10.0
    trial = breaker.allow()
    assert trial is not None
    breaker.release(ordinary)
    assert breaker.allow() is None


@pytest.mark.parametrize(("threshold", "reset"), [(0, 1.0), (1, 0.0)])
def test_rejects_meaningless_settings(threshold: int, reset: float) -> None:
    with pytest.raises(ValueError):
        CircuitBreaker(threshold, reset)
