"""Whether a civil servant can take a hand-over now: inside the working hours of
``knowledge_base/staff.yml`` and with a staff console session seen recently."""

from __future__ import annotations

import datetime as dt
import itertools
from collections.abc import Callable
from enum import StrEnum
from pathlib import Path
from typing import Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from bot.knowledge.loader import parse_file

Day = Literal["mon", "tue", "wed", "thu", "fri", "sat", "sun"]
WEEK: tuple[Day, ...] = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
DAY_NAMES = {
    "mon": "thứ Hai",
    "tue": "thứ Ba",
    "wed": "thứ Tư",
    "thu": "thứ Năm",
    "fri": "thứ Sáu",
    "sat": "thứ Bảy",
    "sun": "Chủ nhật",
}


class Period(BaseModel):
    """One stretch of a working day, ``open`` included, ``close`` excluded."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    open: dt.time
    close: dt.time

    @model_validator(mode="after")
    def _ordered(self) -> Period:
        if self.close <= self.open:
            raise ValueError(f"close {self.close} must be after open {self.open}")
        return self

    def describe(self) -> str:
        return f"{self.open:%H:%M}–{self.close:%H:%M}"


class StaffHours(BaseModel):
    """Working hours of the staff who answer hand-overs, and what counts as online."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    timezone: str
    days: tuple[Day, ...] = Field(min_length=1)
    periods: tuple[Period, ...] = Field(min_length=1)
    holidays: frozenset[dt.date] = frozenset()
    recently_seen_minutes: int = Field(ge=1, le=24 * 60)

    @field_validator("timezone")
    @classmethod
    def _known_zone(cls, name: str) -> str:
        try:
            ZoneInfo(name)
        except (ZoneInfoNotFoundError, ValueError) as exc:
            raise ValueError(f"unknown time zone {name!r}") from exc
        return name

    @field_validator("days")
    @classmethod
    def _week_order(cls, days: tuple[Day, ...]) -> tuple[Day, ...]:
        return tuple(day for day in WEEK if day in days)

    @model_validator(mode="after")
    def _apart(self) -> StaffHours:
        ordered = sorted(self.periods, key=lambda p: p.open)
        for before, after in itertools.pairwise(ordered):
            if after.open < before.close:
                raise ValueError(f"periods overlap: {before.describe()} and {after.describe()}")
        return self

    @classmethod
    def load(cls, path: Path) -> StaffHours:
        """Read ``path`` (``staff.yml``); a missing or invalid file raises with its path."""
        return parse_file(path, cls)

    def is_open(self, moment: dt.datetime) -> bool:
        """Whether ``moment`` (timezone-aware) falls inside the working hours."""
        local = moment.astimezone(ZoneInfo(self.timezone))
        if WEEK[local.weekday()] not in self.days or local.date() in self.holidays:
            return False
        now = local.time()
        return any(period.open <= now < period.close for period in self.periods)

    def describe(self) -> str:
        """The hours in Vietnamese: "từ thứ Hai đến thứ Sáu, 07:30–11:30 và 13:30–17:00"."""
        indexes = [WEEK.index(day) for day in self.days]
        contiguous = len(indexes) > 2 and indexes == list(range(indexes[0], indexes[-1] + 1))
        if contiguous:
            days = f"từ {DAY_NAMES[self.days[0]]} đến {DAY_NAMES[self.days[-1]]}"
        else:
            days = ", ".join(DAY_NAMES[day] for day in self.days)
        periods = sorted(self.periods, key=lambda p: p.open)
        hours = " và ".join(period.describe() for period in periods)
        return f"{days}, {hours} (trừ ngày nghỉ lễ, Tết)"


class Presence(StrEnum):
    """Whether staff can take a hand-over, and if not, why."""

    AVAILABLE = "available"
    CLOSED = "closed"
    NOBODY_ONLINE = "nobody_online"


def staff_presence(
    hours: StaffHours, now: dt.datetime, seen_since: Callable[[dt.datetime], bool]
) -> Presence:
    """``AVAILABLE`` inside working hours when ``seen_since(cutoff)`` says a console session was
    active after ``now`` minus ``recently_seen_minutes``."""
    if not hours.is_open(now):
        return Presence.CLOSED
    cutoff = now - dt.timedelta(minutes=hours.recently_seen_minutes)
    return Presence.AVAILABLE if seen_since(cutoff) else Presence.NOBODY_ONLINE
