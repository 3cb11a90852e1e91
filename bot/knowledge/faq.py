"""Hand-written general FAQ (``knowledge_base/faq/*.yml``) and its conversion to entries."""

from __future__ import annotations

import datetime as dt

from pydantic import Field, model_validator

from bot.knowledge.schema import BASE_CODE_PATTERN, Entry
from bot.knowledge.site import Curated, Site

FAQ_ID_PATTERN = r"^[a-z][a-z0-9_]*$"
ENTRY_PREFIX = "faq:"
DOCUMENT_NUMBER_PATTERN = r"^\d+(\.\d+)?/\d{4}/[A-ZĐ0-9]+(-[A-ZĐa-z0-9]+)*$"
OFFICIAL_URL_PATTERN = r"^https://[^\s/]+(/\S*)?$"


class FaqSource(Curated):
    """Where the facts of an FAQ answer come from.

    Exactly one of: ``document`` (a legal document's number, with its ``title`` as the source
    data gives it), ``procedure`` (a procedure of the knowledge base, with its name as ``title``),
    ``site`` (an official portal of ``site.yml``, shown as that fact is shown) or ``url`` (another
    official page, with its ``title``).
    """

    document: str | None = Field(
        None, pattern=DOCUMENT_NUMBER_PATTERN, description="Document number, e.g. '118/2025/NĐ-CP'"
    )
    procedure: str | None = Field(
        None, pattern=BASE_CODE_PATTERN, description="Code of a procedure, e.g. '2.000815'"
    )
    site: str | None = Field(None, description="Key of an official portal in site.yml")
    url: str | None = Field(None, pattern=OFFICIAL_URL_PATTERN, description="Official page")
    title: str | None = Field(None, min_length=3, description="Title shown to the citizen")

    @model_validator(mode="after")
    def _one_kind(self) -> FaqSource:
        kinds = (self.document, self.procedure, self.site, self.url)
        if sum(value is not None for value in kinds) != 1:
            raise ValueError(
                "mỗi nguồn ghi đúng một trong: document (số văn bản), procedure (mã thủ tục), "
                "site (mục trong site.yml) hoặc url (trang chính thức)"
            )
        if self.site is None and self.title is None:
            raise ValueError("nguồn là văn bản, thủ tục hoặc trang web phải có title (tên)")
        if self.site is not None and self.title is not None:
            raise ValueError("nguồn site: lấy tên từ site.yml, không ghi title")
        return self

    @property
    def is_legal(self) -> bool:
        """Whether the source is a legal document (cited as 'Căn cứ'), not a page or procedure."""
        return self.document is not None

    def citation(self, site: Site) -> str:
        """The words an answer shows for this source."""
        if self.document is not None:
            return f"{self.title} ({self.document})"
        if self.procedure is not None:
            return f'thủ tục "{self.title}" (mã {self.procedure})'
        if self.site is not None:
            return site.render(f"{{site.{self.site}}}")
        return f"{self.title} ({self.url})"


class Faq(Curated):
    """One general question citizens ask, not tied to a single procedure."""

    id: str = Field(pattern=FAQ_ID_PATTERN, description="Stable id, e.g. 'tai_khoan'")
    title: str = Field(min_length=3, description="Short title shown as a choice")
    questions: list[str] = Field(min_length=2, description="Ways citizens type the question")
    answer: str = Field(min_length=20, description="Polite Vietnamese answer; may use {site.<key>}")
    tags: list[str] = Field(min_length=1)
    sources: list[FaqSource] = Field(
        default_factory=list,
        description="Legal documents, official pages or procedures that support every fact",
    )
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


def sources_lines(sources: list[FaqSource], site: Site) -> list[str]:
    """'Căn cứ: …' for legal documents and 'Nguồn: …' for pages and procedures, when any."""
    legal = [source.citation(site) for source in sources if source.is_legal]
    other = [source.citation(site) for source in sources if not source.is_legal]
    lines = []
    if legal:
        lines.append(f"Căn cứ: {'; '.join(legal)}.")
    if other:
        lines.append(f"Nguồn: {'; '.join(other)}.")
    return lines


def faq_entry(faq: Faq, site: Site) -> Entry:
    """The searchable entry of one FAQ, its answer rendered with the site's facts and sources."""
    dated = f"(Thông tin hướng dẫn chung, cập nhật ngày {faq.answer_date:%d/%m/%Y}.)"
    footer = "\n".join([*sources_lines(faq.sources, site), dated])
    return Entry(
        id=faq.entry_id,
        kind="faq",
        title=faq.title,
        questions=list(faq.questions),
        answer=f"{site.render(faq.answer).strip()}\n\n{footer}",
    )
