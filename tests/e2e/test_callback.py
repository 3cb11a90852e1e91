"""A hand-over when no civil servant is available: the citizen is told so and leaves a contact
for a callback, which the inbox keeps; with staff online inside working hours the hand-over
stays in the conversation. The staff hours come from a staff file of the test's own."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
import yaml

from bot.console.accounts import AccountStore
from bot.inbox.models import CALLBACK, CHAT
from bot.inbox.store import InboxStore
from tests.e2e.stack import Stack, start_stack
from tests.e2e.test_dialogue_flows import Conversation

pytestmark = pytest.mark.e2e

VIETNAM = ZoneInfo("Asia/Ho_Chi_Minh")
WEEK = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"]


@pytest.fixture(scope="module")
def staffed(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Stack, Path]]:
    """A stack whose staff hours are read from a file the tests rewrite (read at each
    hand-over)."""
    work = tmp_path_factory.mktemp("callback-stack")
    staff = work / "staff.yml"
    write_hours(staff, open_now=False)
    running = start_stack(
        work,
        dossiers=20,
        extra_env={
            "ISEE_STAFF_FILE": str(staff),
            "ISEE_RATE_LIMIT_IP_MESSAGES": "100000",
            "ISEE_RATE_LIMIT_IP_BURST": "100000",
        },
    )
    try:
        yield running, staff
    finally:
        running.stop()


def write_hours(path: Path, *, open_now: bool) -> None:
    """Open all day, every day; closed: today and tomorrow (Vietnam time) are holidays."""
    today = dt.datetime.now(VIETNAM).date()
    holidays = [] if open_now else [str(today), str(today + dt.timedelta(days=1))]
    hours = {
        "timezone": "Asia/Ho_Chi_Minh",
        "days": WEEK,
        "periods": [{"open": "00:00", "close": "23:59:59.999999"}],  # the whole day
        "holidays": holidays,
        "recently_seen_minutes": 15,
    }
    path.write_text(yaml.safe_dump(hours), encoding="utf-8")


def inbox(stack: Stack) -> InboxStore:
    return InboxStore(stack.env["ISEE_INBOX_DB_URL"])


def test_outside_hours_the_citizen_leaves_a_contact_for_a_callback(
    staffed: tuple[Stack, Path],
) -> None:
    stack, staff = staffed
    write_hours(staff, open_now=False)
    chat = Conversation(stack, "callback-closed")
    question = "hồ sơ đăng ký kết hôn của tôi bị trả lại thì phải làm sao"
    chat.say(question)
    offer = chat.text("/talk_to_human")
    assert "ngoài giờ làm việc" in offer
    assert "từ thứ Hai đến Chủ nhật" in offer
    assert "để cán bộ liên hệ lại" in offer  # the form asks for the contact at once
    retry = chat.text("gọi cho tôi nhé")
    assert "chưa nhận ra số điện thoại" in retry
    confirmation = chat.text("0912345678")
    requests = [r for r in inbox(stack).open_handovers() if r.conversation_id.endswith("closed")]
    assert len(requests) == 1
    request = requests[0]
    assert (request.kind, request.contact, request.last_message) == (
        CALLBACK,
        "0912345678",
        question,
    )
    assert f"YC-{request.id}" in confirmation
    assert "0912345678" in confirmation


def test_the_citizen_can_decline_the_callback(staffed: tuple[Stack, Path]) -> None:
    stack, staff = staffed
    write_hours(staff, open_now=False)
    chat = Conversation(stack, "callback-declined")
    chat.say("đi khai sinh cho cháu cần mang gì")
    assert "ngoài giờ làm việc" in chat.text("/talk_to_human")
    assert "không ghi thông tin liên hệ" in chat.text("thôi")
    requests = [r for r in inbox(stack).open_handovers() if r.conversation_id.endswith("declined")]
    assert [(r.kind, r.contact) for r in requests] == [(CHAT, None)]


def test_inside_hours_with_staff_online_the_hand_over_stays_in_the_conversation(
    staffed: tuple[Stack, Path],
) -> None:
    stack, staff = staffed
    write_hours(staff, open_now=True)
    chat = Conversation(stack, "callback-offline")
    chat.say("đi khai sinh cho cháu cần mang gì")
    assert "chưa có cán bộ nào đang trực tuyến" in chat.text("/talk_to_human")
    chat.text("thôi")

    accounts = AccountStore(stack.env["ISEE_INBOX_DB_URL"])
    accounts.add_user("canbo", "mat-khau-du-dai")
    user = accounts.verify("canbo", "mat-khau-du-dai")
    assert user is not None
    accounts.open_session(user, dt.timedelta(hours=1))
    chat = Conversation(stack, "callback-open")
    chat.say("đi khai sinh cho cháu cần mang gì")
    reply = chat.text("/talk_to_human")
    assert "trả lời ngay trong cuộc trò chuyện này" in reply
    assert "ngoài giờ" not in reply and "số điện thoại" not in reply
