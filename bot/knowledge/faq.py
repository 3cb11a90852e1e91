"""Hand-written general FAQ (``knowledge_base/faq/*.yml``) and its conversion to entries."""

from __future__ import annotations

import datetime as dt

from pydantic import Field, model_validator

from bot.knowledge.schema import Entry
from bot.knowledge.site import Curated, Site

FAQ_ID_PATTERN = r"^[a-z][a-z0-9_]*$"
ENTRY_PREFIX = "faq:"


class Faq(Curated):
    """One general question citizens ask, not tied to a single procedure."""

    id: str = Field(pattern=FAQ_ID_PATTERN, description="Stable id, e.g. 'tai_khoan'")
    title: str = Field(min_length=3, description="Short title shown as a choice")
    questions: list[str] = Field(min_length=2, description="Ways citizens type the question")
    answer: str = Field(min_length=20, description="Polite Vietnamese answer; may use {site.<key>}")
    tags: list[str] = Field(min_length=1)
    reviewed: bool = Field(description="True once a civil servant has confirmed the answer")
    reviewed_at: dt.date | None = Field(None, description="Date of that confirmation")
    updated_at: dt.date = Field(description="Date the answer was last written or edited")

    @model_validator(mode="after")
    def _review_state(self) -> Faq:
        if any(not question.strip() for question in self.questions):
            raise ValueError("có câu hỏi để trống")
        if self.reviewed and self.reviewed_at is None:
            raise ValueError("câu trả lời đã duyệt (reviewed: true) phải có ngày reviewed_at")
        if not self.reviewed and self.reviewed_at is not None:
            raise ValueError("reviewed_at chỉ ghi khi reviewed: true")
        return self

    @property
    def entry_id(self) -> str:
        """The id of this FAQ's searchable entry."""
        return f"{ENTRY_PREFIX}{self.id}"

    @property
    def answer_date(self) -> dt.date:
        """The date an answer cites: the review date when newer than the last edit."""
        return max(self.updated_at, self.reviewed_at) if self.reviewed_at else self.updated_at


class FaqFile(Curated):
    """One ``faq/<theme>.yml`` file: a theme and its questions."""

    theme: str = Field(min_length=1, description="Theme of the file, for staff")
    faqs: list[Faq] = Field(min_length=1)


def faq_entry(faq: Faq, site: Site) -> Entry:
    """The searchable entry of one FAQ, its answer rendered with the site's facts."""
    dated = f"(Thông tin hướng dẫn chung, cập nhật ngày {faq.answer_date:%d/%m/%Y}.)"
    return Entry(
        id=faq.entry_id,
        kind="faq",
        title=faq.title,
        questions=list(faq.questions),
        answer=f"{site.render(faq.answer).strip()}\n\n{dated}",
    )
