"""A small circuit breaker, so a dead portal costs one fast failure instead of a slow call."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from enum import StrEnum


class BreakerState(StrEnum):
    """Closed: calls go through. Open: calls fail at once. Half-open: one trial call goes through."""

    CLOSED = "closed"
    OPEN = "open"
    HALF_OPEN = "half_open"


@dataclass(eq=False)
class Permit:
    """Leave to make one call; ``trial`` when it is the half-open state's single trial."""

    trial: bool


class CircuitBreaker:
    """Opens after ``failure_threshold`` consecutive failures; after ``reset_after_s`` lets one
    trial call through, closing again on its success and reopening on its failure.

    Every permit must end in ``release`` (in a ``finally``): a trial that ends without an outcome
    (cancelled, or an unexpected exception) is given back, so the next call can be the trial
    instead of the circuit staying half-open with a trial that will never report.

    Single event loop only (no locking): the portal client is used from one asyncio loop.
    """

    def __init__(
        self,
        failure_threshold: int,
        reset_after_s: float,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        if failure_threshold < 1 or reset_after_s <= 0:
            raise ValueError("failure_threshold must be >= 1 and reset_after_s > 0")
        self._threshold = failure_threshold
        self._reset_after_s = reset_after_s
        self._clock = clock
        self._failures = 0
        self._opened_at: float | None = None
        self._trial: Permit | None = None

    @property
    def state(self) -> BreakerState:
        """The current state, moving from open to half-open once the reset delay has passed."""
        if self._opened_at is None:
            return BreakerState.CLOSED
        if self._clock() - self._opened_at >= self._reset_after_s:
            return BreakerState.HALF_OPEN
        return BreakerState.OPEN

    def allow(self) -> Permit | None:
        """A permit when a call may go out now (in half-open state one trial at a time)."""
        state = self.state
        if state is BreakerState.CLOSED:
            return Permit(trial=False)
        if state is BreakerState.HALF_OPEN and self._trial is None:
            self._trial = Permit(trial=True)
            return self._trial
        return None

    def release(self, permit: Permit) -> None:
        """The call of ``permit`` is over, whatever happened; a trial without outcome is given
        back."""
        if permit is self._trial:
            self._trial = None

    def record_success(self) -> None:
        """A call succeeded: close the circuit."""
        self._failures = 0
        self._opened_at = None
        self._trial = None

    def record_failure(self) -> None:
        """A call failed: count it, and open (or reopen) the circuit at the threshold."""
        self._trial = None
        if self._opened_at is not None:
            self._opened_at = self._clock()
            return
        self._failures += 1
        if self._failures >= self._threshold:
            self._opened_at = self._clock()
