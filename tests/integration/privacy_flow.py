"""The assistant's side of a dossier conversation, run as its own process by
``test_privacy_logs.py``: logging configured as in the action server, then the real dossier
actions against the portal named by ``ISEE_PORTAL_URL``.

Usage: python -m tests.integration.privacy_flow <dossier code> <right last 4> <wrong last 4>
"""

from __future__ import annotations

import asyncio
import sys
from typing import Any

from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher

from actions.dossier import ActionCheckDossier, ActionDossierDetails
from actions.handover import ActionHandover
from bot import runtime
from bot.logging import configure_logging
from bot.settings import get_settings


def tracker(text: str, slots: dict[str, Any]) -> Tracker:
    return Tracker.from_dict(
        {
            "sender_id": "web-session-1",
            "slots": slots,
            "latest_message": {
                "text": text,
                "intent": {"name": "inform_phone_digits", "confidence": 0.99},
                "entities": [],
                "metadata": {"client": "web:flow"},
            },
            "events": [{"event": "user", "text": text, "parse_data": {}}],
            "active_loop": {},
            "latest_action_name": "action_listen",
        }
    )


async def main(code: str, right: str, wrong: str) -> None:
    settings = get_settings()
    configure_logging(settings.log_level, settings.log_json, settings.privacy_hash_key)
    steps: list[tuple[Any, str, dict[str, Any]]] = [
        (ActionCheckDossier(), code, {"dossier_code": code}),
        (ActionDossierDetails(), f"4 số cuối là {wrong}", {"checked_dossier": code}),
        (ActionDossierDetails(), f"4 số cuối là {right}", {"checked_dossier": code}),
        (ActionCheckDossier(), "", {"dossier_code": code[:-4] + "9999"}),
        (ActionHandover(), f"hồ sơ {code} của tôi sao rồi", {}),
    ]
    for action, text, slots in steps:
        dispatcher = CollectingDispatcher()
        await action.run(dispatcher, tracker(text, slots), {})
        assert dispatcher.messages, f"{action.name()} gave no reply"
    await runtime.portal().aclose()


if __name__ == "__main__":
    asyncio.run(main(*sys.argv[1:4]))
