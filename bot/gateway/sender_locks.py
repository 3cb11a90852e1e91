"""One conversation at a time per sender for the synchronous web chat: a burst from one sender
waits its turn here (in arrival order) instead of piling up on Rasa's conversation lock."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager


class SenderLocks:
    """An asyncio lock per sender (FIFO), dropped when nobody holds or waits for it. In-process:
    with several gateway replicas, a sender must be routed to one of them (sticky sessions)."""

    def __init__(self) -> None:
        self._locks: dict[str, tuple[asyncio.Lock, int]] = {}

    @asynccontextmanager
    async def hold(self, sender: str) -> AsyncIterator[None]:
        lock, users = self._locks.get(sender, (asyncio.Lock(), 0))
        self._locks[sender] = (lock, users + 1)
        try:
            async with lock:
                yield
        finally:
            lock, users = self._locks[sender]
            if users == 1:
                del self._locks[sender]
            else:
                self._locks[sender] = (lock, users - 1)
