"""Conversation ids (Rasa sender ids) belong to the server: each platform channel prefixes its
platform's user id; the web chat keeps its own ``web:`` namespace (``bot.channels.widget``)."""

from __future__ import annotations

from bot.channels.widget import WEB_PREFIX
from bot.privacy import pseudonym

ZALO = "zalo"
MESSENGER = "messenger"
WEB = "web"
OTHER = "other"

PREFIXES = {ZALO: "zalo:", MESSENGER: "fb:"}
"""Sender id prefix of each platform channel."""


def platform_sender(channel: str, user_id: str) -> str:
    """The conversation id of a platform user (``zalo:<user id>``, ``fb:<PSID>``)."""
    return PREFIXES[channel] + user_id


def platform_client_id(channel: str, user_id: str, hash_key: str) -> str:
    """The client id the portal limits a platform user by: a pseudonym of the platform's id."""
    return f"{channel}:{pseudonym(user_id, hash_key)}"


def channel_of(sender: str) -> str:
    """The channel a conversation id belongs to: ``web``, ``zalo``, ``messenger`` or ``other``."""
    if sender.startswith(WEB_PREFIX):
        return WEB
    return next((c for c, prefix in PREFIXES.items() if sender.startswith(prefix)), OTHER)
