"""A staff reply to a Messenger or Zalo hand-over goes to the channel outbox, where the delivery
worker sends it like any answer (real SQLite databases)."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from bot.channels.delivery.models import IncomingStatus
from bot.channels.delivery.send_api import MessengerOutput
from bot.channels.delivery.store import DeliveryStore
from bot.channels.platform import EventKind
from bot.console.handover import ReplyNotDeliveredError, reply_to_handover
from bot.inbox.store import InboxStore


def test_a_messenger_reply_is_queued_for_the_worker(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'inbox.db'}"
    inbox, delivery = InboxStore(url), DeliveryStore(url)
    request = inbox.open_handover("fb:778899", "cho tôi gặp cán bộ", None)
    output = MessengerOutput("http://127.0.0.1:9", "page-token")
    try:
        reply_to_handover(request, "Chúng tôi sẽ gọi lại.", inbox, delivery, {"messenger": output})
    finally:
        asyncio.run(output.aclose())
    assert delivery.senders_with_work() == ["fb:778899"]
    queued = delivery.next_for("fb:778899")
    assert queued is not None
    assert (queued.kind, queued.status) == (EventKind.STAFF, IncomingStatus.ANSWERED)
    [part] = delivery.unsent(queued.id)
    assert part.body["recipient"] == {"id": "778899"}
    assert "Chúng tôi sẽ gọi lại." in part.body["message"]["text"]
    assert inbox.handover(request.id).status == "answered"


def test_a_reply_to_an_unconfigured_channel_is_refused_and_the_request_stays_open(
    tmp_path: Path,
) -> None:
    url = f"sqlite:///{tmp_path / 'inbox.db'}"
    inbox, delivery = InboxStore(url), DeliveryStore(url)
    request = inbox.open_handover("zalo:4455", "gặp cán bộ", None)
    with pytest.raises(ReplyNotDeliveredError, match="zalo"):
        reply_to_handover(request, "Dạ vâng", inbox, delivery, {})
    with pytest.raises(ReplyNotDeliveredError, match="trống"):
        reply_to_handover(request, "   ", inbox, delivery, {})
    assert delivery.senders_with_work() == []
    assert inbox.handover(request.id).status == "open"
