"""One conversation pipeline for every channel: validate, send to Rasa, render replies."""

from __future__ import annotations

import structlog

from bot.channels.models import Reply
from bot.gateway.errors import ApiError
from bot.gateway.rasa_client import RasaClient, RasaUnavailableError
from bot.portal.owner import CLIENT_METADATA_KEY

log = structlog.get_logger(__name__)


class ConversationPipeline:
    """Carries a user's message to the assistant and its replies back."""

    def __init__(self, rasa: RasaClient, max_chars: int, portal_link: str) -> None:
        self._rasa = rasa
        self._max_chars = max_chars
        self._portal_link = portal_link

    def clean(self, message: str) -> str:
        """The message as Rasa should see it, or an ApiError saying what is wrong."""
        text = " ".join(message.split())
        if not text:
            raise ApiError(
                422, "empty_message", "Dạ, tin nhắn đang trống. Anh/chị vui lòng nhập câu hỏi."
            )
        if len(text) > self._max_chars:
            raise ApiError(
                422,
                "message_too_long",
                f"Dạ, tin nhắn dài {len(text)} ký tự, vượt quá giới hạn {self._max_chars} ký tự. "
                "Anh/chị vui lòng rút gọn câu hỏi.",
            )
        return text

    async def handle(self, sender: str, message: str, client: str | None = None) -> list[Reply]:
        """Send one message through Rasa and return the assistant's replies; ``client`` is the
        client id the gateway assigned (``bot.portal.owner``), which the portal limits on."""
        text = self.clean(message)
        metadata = {CLIENT_METADATA_KEY: client} if client else None
        try:
            messages = await self._rasa.send(sender, text, metadata)
        except RasaUnavailableError as exc:
            log.warning("rasa_unavailable", error=str(exc))
            raise ApiError(
                503,
                "assistant_unavailable",
                "Dạ, trợ lý ảo đang khởi động hoặc tạm gián đoạn. Anh/chị vui lòng thử lại sau ít "
                f"phút, hoặc tra cứu thủ tục trên Cổng dịch vụ công: {self._portal_link}",
            ) from exc
        log.info("message_handled", sender=sender, chars=len(text), replies=len(messages))
        return [Reply.from_rasa(m) for m in messages]
