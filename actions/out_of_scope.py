"""What the assistant says about things outside public services."""

from __future__ import annotations

from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.executor import CollectingDispatcher

from bot.settings import get_settings


class ActionOutOfScope(Action):
    """Say politely that the question is outside what the assistant knows, and offer a way on."""

    def name(self) -> str:
        return "action_out_of_scope"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[dict[str, Any]]:
        portal = get_settings().portal_link
        dispatcher.utter_message(
            text=(
                "Dạ, câu hỏi này nằm ngoài phạm vi thủ tục hành chính và dịch vụ công nên em chưa "
                "trả lời được ạ. Em có thể giúp anh/chị tìm hiểu giấy tờ, lệ phí, thời hạn, nơi nộp "
                f"của các thủ tục, hoặc tra cứu tình trạng hồ sơ. Cổng dịch vụ công: {portal}"
            ),
            buttons=[
                {"title": "Tra cứu hồ sơ", "payload": "/check_dossier"},
                {"title": "Gặp cán bộ hỗ trợ", "payload": "/talk_to_human"},
            ],
        )
        return []
