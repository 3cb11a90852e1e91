"""One conversation pipeline for every channel: validate, send to Rasa, render replies."""

from __future__ import annotations

import time
import unicodedata
from collections.abc import Callable

import structlog
from fastapi.concurrency import run_in_threadpool

from bot.channels.models import HANDOVER_BUTTON, Reply
from bot.gateway.errors import ApiError
from bot.gateway.rasa_client import RasaClient, RasaTooSlowError, RasaUnavailableError
from bot.portal.owner import CLIENT_METADATA_KEY

log = structlog.get_logger(__name__)

ALLOWED_CONTROLS = frozenset("\n\t")

TurnObserver = Callable[[str, str, list[Reply], int], None]
"""Called (in a worker thread) after each answered message: sender, cleaned text, the replies,
milliseconds taken. The conversation store is one (``bot.inbox.recorder``)."""


def has_unsafe_characters(text: str) -> bool:
    """True when ``text`` holds a lone surrogate, NUL or a control character other than \\n, \\t."""
    return any(
        unicodedata.category(char) in ("Cc", "Cs") and char not in ALLOWED_CONTROLS for char in text
    )


class ConversationPipeline:
    """Carries a user's message to the assistant and its replies back."""

    def __init__(self, rasa: RasaClient, max_chars: int, portal_link: str) -> None:
        self._rasa = rasa
        self._max_chars = max_chars
        self._portal_link = portal_link
        self._observers: list[TurnObserver] = []

    def add_observer(self, observer: TurnObserver) -> None:
        """Have ``observer`` see every turn from now on."""
        self._observers.append(observer)

    def clean(self, message: str) -> str:
        """The message as Rasa should see it, or an ApiError saying what is wrong."""
        if has_unsafe_characters(message):
            raise ApiError(
                422,
                "invalid_characters",
                "Dạ, tin nhắn có ký tự không hợp lệ (ký tự điều khiển hoặc mã hoá lỗi). "
                "Anh/chị vui lòng gõ lại câu hỏi.",
            )
        if len(message) > self._max_chars:
            raise ApiError(
                422,
                "message_too_long",
                f"Dạ, tin nhắn dài {len(message)} ký tự, vượt quá giới hạn {self._max_chars} "
                "ký tự. Anh/chị vui lòng rút gọn câu hỏi.",
            )
        text = " ".join(message.split())
        if not text:
            raise ApiError(
                422, "empty_message", "Dạ, tin nhắn đang trống. Anh/chị vui lòng nhập câu hỏi."
            )
        return text

    async def handle(self, sender: str, message: str, client: str | None = None) -> list[Reply]:
        """Send one message through Rasa and return the assistant's replies (never none);
        ``client`` is the client id the gateway assigned (``bot.portal.owner``), which the portal
        limits on."""
        text = self.clean(message)
        started = time.perf_counter()
        replies = await self._answer(sender, text, client)
        latency_ms = round((time.perf_counter() - started) * 1000)
        for observer in self._observers:
            await run_in_threadpool(observer, sender, text, replies, latency_ms)
        return replies

    async def _answer(self, sender: str, text: str, client: str | None) -> list[Reply]:
        metadata = {CLIENT_METADATA_KEY: client} if client else None
        try:
            messages = await self._rasa.send(sender, text, metadata)
        except RasaTooSlowError as exc:
            log.warning("reply_over_budget", sender=sender, error=str(exc))
            return [self._too_slow()]
        except RasaUnavailableError as exc:
            log.warning("rasa_unavailable", error=str(exc))
            raise ApiError(
                503,
                "assistant_unavailable",
                "Dạ, trợ lý ảo đang khởi động hoặc tạm gián đoạn. Anh/chị vui lòng thử lại sau ít "
                f"phút, hoặc tra cứu thủ tục trên Cổng dịch vụ công: {self._portal_link}",
            ) from exc
        replies = [Reply.from_rasa(m) for m in messages]
        if not any(reply.text or reply.buttons or reply.link for reply in replies):
            log.warning("empty_reply", sender=sender, messages=len(messages))
            return [self._failed()]
        log.info("message_handled", sender=sender, chars=len(text), replies=len(replies))
        return replies

    def _too_slow(self) -> Reply:
        return Reply(
            text="Dạ, em đang tra cứu chậm hơn thường lệ nên chưa trả lời kịp anh/chị. "
            "Anh/chị vui lòng gửi lại câu hỏi sau ít phút, tra cứu trên Cổng dịch vụ công "
            f"({self._portal_link}) hoặc gặp cán bộ hỗ trợ ạ.",
            buttons=[HANDOVER_BUTTON],
            link=self._portal_link,
        )

    def _failed(self) -> Reply:
        return Reply(
            text="Dạ, em xin lỗi, em gặp trục trặc khi xử lý tin nhắn này. Anh/chị vui lòng hỏi "
            f"lại theo cách khác, tra cứu trên Cổng dịch vụ công ({self._portal_link}) hoặc gặp "
            "cán bộ hỗ trợ ạ.",
            buttons=[HANDOVER_BUTTON],
            link=self._portal_link,
        )
