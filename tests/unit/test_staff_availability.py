"""Staff availability (working hours of staff.yml and recent console sessions) and callback
contacts, over a real inbox database."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from pydantic import ValidationError

from bot.answers.availability import Presence, StaffHours, staff_presence
from bot.answers.contact import read_contact
from bot.console.accounts import AccountStore
from bot.inbox.models import CALLBACK, HandoverRequest
from bot.inbox.store import InboxStore
from bot.logging import scrub
from bot.retention import purge

REPO_STAFF = Path(__file__).resolve().parents[2] / "knowledge_base" / "staff.yml"
VIETNAM = dt.timezone(dt.timedelta(hours=7))
HOURS = StaffHours.model_validate(
    {
        "timezone": "Asia/Ho_Chi_Minh",
        "days": ["mon", "tue", "wed", "thu", "fri"],
        "periods": [{"open": "07:30", "close": "11:30"}, {"open": "13:30", "close": "17:00"}],
        "holidays": ["2026-09-02"],
        "recently_seen_minutes": 15,
    }
)
TUESDAY_MORNING = dt.datetime(2026, 12, 8, 9, 0, tzinfo=VIETNAM)


def always(_: dt.datetime) -> bool:
    return True


def never(_: dt.datetime) -> bool:
    return False


def test_the_repository_staff_file_loads() -> None:
    assert StaffHours.load(REPO_STAFF).recently_seen_minutes >= 1


@pytest.mark.parametrize(
    ("moment", "open_"),
    [
        (TUESDAY_MORNING, True),
        (dt.datetime(2026, 12, 8, 7, 29, tzinfo=VIETNAM), False),
        (dt.datetime(2026, 12, 8, 12, 0, tzinfo=VIETNAM), False),  # lunch break
        (dt.datetime(2026, 12, 8, 17, 0, tzinfo=VIETNAM), False),  # close is excluded
        (dt.datetime(2026, 12, 12, 9, 0, tzinfo=VIETNAM), False),  # Saturday
        (dt.datetime(2026, 9, 2, 9, 0, tzinfo=VIETNAM), False),  # holiday (Wednesday)
        (dt.datetime(2026, 12, 8, 2, 0, tzinfo=dt.UTC), True),  # 09:00 in Vietnam
    ],
)
def test_working_hours_in_vietnam_time(moment: dt.datetime, open_: bool) -> None:
    assert HOURS.is_open(moment) is open_


def test_available_only_inside_hours_with_a_recent_session() -> None:
    assert staff_presence(HOURS, TUESDAY_MORNING, always) is Presence.AVAILABLE
    assert staff_presence(HOURS, TUESDAY_MORNING, never) is Presence.NOBODY_ONLINE
    evening = TUESDAY_MORNING.replace(hour=20)
    assert staff_presence(HOURS, evening, always) is Presence.CLOSED


def test_presence_asks_for_sessions_seen_within_the_configured_minutes() -> None:
    asked: list[dt.datetime] = []
    staff_presence(HOURS, TUESDAY_MORNING, lambda cutoff: asked.append(cutoff) or True)
    assert asked == [TUESDAY_MORNING - dt.timedelta(minutes=15)]


def test_hours_are_described_in_vietnamese() -> None:
    assert HOURS.describe() == (
        "từ thứ Hai đến thứ Sáu, 07:30–11:30 và 13:30–17:00 (trừ ngày nghỉ lễ, Tết)"
    )


@pytest.mark.parametrize(
    "change",
    [
        {"timezone": "Mars/Olympus"},
        {"days": []},
        {"days": ["monday"]},
        {"periods": [{"open": "17:00", "close": "08:00"}]},
        {"periods": [{"open": "07:00", "close": "12:00"}, {"open": "11:00", "close": "17:00"}]},
        {"recently_seen_minutes": 0},
        {"lunch": "12:00"},
    ],
)
def test_bad_hours_are_refused(change: dict[str, object]) -> None:
    with pytest.raises(ValidationError):
        StaffHours.model_validate({**HOURS.model_dump(), **change})


def test_staff_seen_since_follows_console_requests(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'inbox.db'}"
    inbox, accounts = InboxStore(url), AccountStore(url)
    start = dt.datetime.now(dt.UTC)
    assert not inbox.staff_seen_since(start - dt.timedelta(minutes=15))
    accounts.add_user("canbo", "mat-khau-du-dai")
    user = accounts.verify("canbo", "mat-khau-du-dai")
    assert user is not None
    token = accounts.open_session(user, dt.timedelta(hours=8))
    assert inbox.staff_seen_since(start - dt.timedelta(seconds=1))
    later = dt.datetime.now(dt.UTC)
    assert not inbox.staff_seen_since(later + dt.timedelta(seconds=1))
    assert accounts.login(token) is not None  # each console request marks the session seen
    assert inbox.staff_seen_since(later)
    accounts.close_session(token)
    assert not inbox.staff_seen_since(start - dt.timedelta(seconds=1))


@pytest.mark.parametrize(
    ("text", "contact"),
    [
        ("0912345678", "0912345678"),
        ("số của tôi là 0912 345 678 ạ", "0912345678"),
        ("0912.345.678", "0912345678"),
        ("+84 912 345 678", "+84912345678"),
        ("email: Nguyen.An@Gmail.com", "nguyen.an@gmail.com"),
        ("an@mail.vn hoặc 0356112233", "an@mail.vn, 0356112233"),
        ("091234567", None),  # 9 digits
        ("09123456789", None),  # 11 digits
        ("1912345678", None),  # does not start with 0
        ("+85912345678", None),
        ("84912345678", "84912345678"),
        ("an@mail", None),
        ("gọi cho tôi nhé", None),
        ("", None),
    ],
)
def test_contacts(text: str, contact: str | None) -> None:
    assert read_contact(text) == contact


@pytest.mark.parametrize("text", ["gọi 0912 345 678", "gọi +84 912 345 678", "mail an@mail.vn"])
def test_contacts_never_reach_logs(text: str) -> None:
    scrubbed = scrub(text, "key")
    assert "345" not in scrubbed and "an@mail" not in scrubbed


def test_callbacks_are_kept_then_purged(tmp_path: Path) -> None:
    inbox = InboxStore(f"sqlite:///{tmp_path / 'inbox.db'}")
    opened = inbox.open_handover("web:abc", "cho gặp cán bộ", None)
    kept = inbox.leave_callback("web:abc", "hồ sơ bị trả lại", "0912345678", "1.001193")
    assert kept.id == opened.id
    stored = inbox.handover(kept.id)
    assert isinstance(stored, HandoverRequest)
    assert (stored.kind, stored.contact, stored.last_message) == (
        CALLBACK,
        "0912345678",
        "hồ sơ bị trả lại",
    )
    endpoints = tmp_path / "endpoints.yml"
    endpoints.write_text("action_endpoint:\n  url: http://127.0.0.1:5055/webhook\n")
    report = purge(inbox, endpoints, 1, dt.datetime.now(dt.UTC) + dt.timedelta(days=2))
    assert report.handovers_deleted == 1
    assert inbox.handover(kept.id) is None
