"""The delivery worker: takes each user's oldest queued message, one at a time per user, gets
the assistant's answer, puts it in the outbox, then sends it part by part with retries."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable
from contextlib import suppress

import structlog
from tenacity import (
    AsyncRetrying,
    retry_if_exception_type,
    stop_after_attempt,
    wait_exponential,
)

from bot.channels.delivery.models import IncomingStatus
from bot.channels.delivery.send_api import ChannelOutput, RetryableSendError, SendError
from bot.channels.delivery.store import DeliveryStore, QueuedMessage
from bot.channels.models import HANDOVER_BUTTON, Reply
from bot.channels.platform import (
    FOLLOW_MESSAGE,
    UNSUPPORTED_NOTICE,
    EventKind,
    IncomingEvent,
)
from bot.channels.text import chosen_payload

log = structlog.get_logger(__name__)

Assistant = Callable[[str, str, str], Awaitable[list[Reply]]]
"""(sender, text, client id) → the assistant's replies."""

FAILED_REPLY = Reply(
    text="Dạ, em xin lỗi, em gặp trục trặc khi xử lý tin nhắn này. Anh/chị vui lòng hỏi lại "
    "theo cách khác hoặc gặp cán bộ hỗ trợ ạ.",
    buttons=[HANDOVER_BUTTON],
)


class AssistantUnavailableError(Exception):
    """The assistant cannot answer now (Rasa down): the message stays queued."""


class SendPolicy:
    """How many times, and how patiently, one outgoing message is tried."""

    def __init__(self, attempts: int, backoff_s: float, backoff_max_s: float) -> None:
        self.attempts = attempts
        self.backoff_s = backoff_s
        self.backoff_max_s = backoff_max_s


class DeliveryWorker:
    """One per process. Users are served concurrently (up to ``concurrency``), each user's
    messages strictly in arrival order; queued messages survive a restart."""

    def __init__(
        self,
        store: DeliveryStore,
        outputs: dict[str, ChannelOutput],
        assistant: Assistant,
        client_id: Callable[[str, str], str],
        policy: SendPolicy,
        concurrency: int,
        retry_s: float,
    ) -> None:
        self._store = store
        self._outputs = outputs
        self._assistant = assistant
        self._client_id = client_id
        self._policy = policy
        self._slots = concurrency
        self._retry_s = retry_s
        self._wake = asyncio.Event()
        self._active: dict[str, asyncio.Task[None]] = {}
        self._not_before: dict[str, float] = {}
        self._loop: asyncio.Task[None] | None = None

    def accept(self, events: list[IncomingEvent]) -> int:
        """Queue a webhook's events (each platform message once); returns how many were new."""
        new = sum(1 for event in events if self._store.enqueue(event))
        if new:
            self._wake.set()
        return new

    def start(self) -> None:
        """Start serving, beginning with whatever a previous run left queued."""
        self._loop = asyncio.create_task(self._dispatch())

    async def stop(self) -> None:
        tasks = [t for t in (self._loop, *self._active.values()) if t is not None]
        for task in tasks:
            task.cancel()
        for task in tasks:
            with suppress(asyncio.CancelledError):
                await task

    async def _dispatch(self) -> None:
        while True:
            self._wake.clear()
            now = time.monotonic()
            for sender in self._store.senders_with_work():
                if len(self._active) >= self._slots:
                    break
                if sender in self._active or self._not_before.get(sender, 0.0) > now:
                    continue
                self._not_before.pop(sender, None)
                self._active[sender] = asyncio.create_task(self._serve(sender))
            with suppress(TimeoutError):
                await asyncio.wait_for(self._wake.wait(), timeout=self._retry_s)

    async def _serve(self, sender: str) -> None:
        try:
            while (message := self._store.next_for(sender)) is not None:
                if not await self._process(message):
                    self._not_before[sender] = time.monotonic() + self._retry_s
                    return
        except Exception:
            log.exception("delivery_worker_error", sender=sender)
            self._not_before[sender] = time.monotonic() + self._retry_s
        finally:
            self._active.pop(sender, None)
            self._wake.set()

    async def _process(self, message: QueuedMessage) -> bool:
        """Answer and send one message; False when it must wait (the assistant is down)."""
        output = self._outputs.get(message.channel)
        if output is None:
            log.warning("channel_not_configured", channel=message.channel, id=message.id)
            return False
        if message.status == IncomingStatus.PENDING:
            await output.typing(message.user_id)
            try:
                replies = await self._answer(message)
            except AssistantUnavailableError as exc:
                self._store.retry_later(message.id, str(exc))
                log.warning("channel_message_waiting", channel=message.channel, id=message.id)
                return False
            rendering = output.render(replies, message.user_id)
            self._store.save_answer(message.id, message.sender, rendering)
        for part in self._store.unsent(message.id):
            attempts = 0
            try:
                async for attempt in AsyncRetrying(
                    stop=stop_after_attempt(self._policy.attempts),
                    wait=wait_exponential(
                        multiplier=self._policy.backoff_s, max=self._policy.backoff_max_s
                    ),
                    retry=retry_if_exception_type(RetryableSendError),
                    reraise=True,
                ):
                    with attempt:
                        attempts = attempt.retry_state.attempt_number
                        await output.send(part.body)
            except SendError as exc:
                self._store.mark_failed(message.id, part.id, attempts, str(exc))
                log.error(
                    "channel_send_failed",
                    channel=message.channel,
                    id=message.id,
                    attempts=attempts,
                    error=str(exc),
                )
                return True
            self._store.mark_sent(part.id, attempts)
        self._store.finish(message.id)
        log.info("channel_message_answered", channel=message.channel, id=message.id)
        return True

    async def _answer(self, message: QueuedMessage) -> list[Reply]:
        if message.kind == EventKind.UNSUPPORTED:
            return [Reply(text=UNSUPPORTED_NOTICE)]
        if message.kind == EventKind.FOLLOW:
            text = FOLLOW_MESSAGE
        else:
            picked = chosen_payload(message.text, self._store.choices(message.sender))
            text = picked or message.text
        client = self._client_id(message.channel, message.user_id)
        try:
            return await self._assistant(message.sender, text, client)
        except AssistantUnavailableError:
            raise
        except Exception:
            log.exception("channel_answer_error", channel=message.channel, id=message.id)
            return [FAILED_REPLY]
