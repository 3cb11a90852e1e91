"""Pydantic models of the knowledge base: procedures (one YAML file each) and searchable entries."""

from __future__ import annotations

import datetime as dt
from typing import Literal, get_args

from pydantic import BaseModel, ConfigDict, Field, model_serializer, model_validator

Topic = Literal[
    "tong_quan",
    "ho_so",
    "le_phi",
    "thoi_han",
    "noi_nop",
    "trinh_tu",
    "dieu_kien",
    "ket_qua",
    "can_cu",
    "truc_tuyen",
]
TOPICS: tuple[Topic, ...] = get_args(Topic)

ServiceLevel = Literal["toan_trinh", "mot_phan", "muc_2", "muc_1"]
Level = Literal["tinh", "huyen", "xa", "bo", "khac"]
ChannelKind = Literal["truc_tuyen", "truc_tiep", "buu_chinh"]
Source = Literal["provincial", "national"]

BASE_CODE_PATTERN = r"^\d\.\d{6}$"


class _Strict(BaseModel):
    """Base for knowledge-base models: unknown keys are errors, values are immutable."""

    model_config = ConfigDict(extra="forbid", frozen=True)


class Channel(_Strict):
    """One time/fee row of a way to submit a dossier, in the source's order.

    A way to submit can have several rows, one per case (e.g. "hoàn thuế trước" and "kiểm tra
    trước hoàn thuế"): the procedure then lists several channels of the same ``kind``, each with
    the case in ``note``.
    """

    kind: ChannelKind
    time: str | None = Field(
        None,
        description="Processing time in the source's words, e.g. '7 ngày làm việc' "
        "(a bare number stays bare: the source gave no unit)",
    )
    fee: str | None = Field(None, description="Fee as published, e.g. 'Miễn phí', '70.000 đồng'")
    fee_note: str | None = Field(
        None, description="The fee's explanation published with it, e.g. '70.000 đồng/Giấy'"
    )
    note: str | None = Field(
        None, description="Description published with the row: the case it is for, details"
    )


class Document(_Strict):
    """One document of the dossier."""

    name: str
    copies: str | None = Field(None, description="Number of copies, e.g. '1 bản chính'")
    form: str | None = Field(None, description="Name of the form (mẫu đơn, tờ khai) to fill in")
    group: str | None = Field(None, description="Heading the document sits under, if any")


class LegalRef(_Strict):
    """One legal document the procedure is based on.

    ``number`` is a valid Vietnamese document number (``isee kb check`` warns otherwise); a
    reference whose number could not be read keeps only its ``title``, as published.
    """

    number: str | None = Field(None, description="Document number, e.g. '123/2015/NĐ-CP'")
    kind: str | None = Field(None, description="Type, e.g. 'Luật', 'Nghị định', 'Thông tư'")
    date: dt.date | None = Field(None, description="Issuing date, when the source gives it")
    title: str | None = Field(None, description="Title as published (may repeat the number)")

    @model_validator(mode="after")
    def _named(self) -> LegalRef:
        if not (self.number or self.title):
            raise ValueError("a legal reference needs a number or a title")
        return self


class Links(_Strict):
    """Source pages of the procedure."""

    province: str | None = Field(None, description="Detail page on the Lạng Sơn portal")
    national: str | None = Field(None, description="Detail page on the national portal")


class Overrides(_Strict):
    """Staff edits. Every field set here wins over the imported value, and re-imports keep it."""

    name: str | None = None
    service_level: ServiceLevel | None = None
    agency: str | None = None
    audience: str | None = None
    address: str | None = None
    channels: list[Channel] | None = None
    documents: list[Document] | None = None
    steps: list[str] | None = None
    conditions: list[str] | None = None
    result: str | None = None
    legal_basis: list[LegalRef] | None = None
    checked_date: dt.date | None = Field(None, description="Date a civil servant last checked")


class CuratedQuestion(_Strict):
    """How citizens ask about a procedure, written by staff; ``topic`` when it asks one topic.

    In YAML a phrasing is a plain string (a general question) or a one-key mapping
    ``ho_so: làm khai sinh cần giấy tờ gì`` (the topic it asks, then the text).
    """

    text: str = Field(min_length=1)
    topic: Topic | None = None

    @model_validator(mode="before")
    @classmethod
    def _from_yaml(cls, value: object) -> object:
        if isinstance(value, str):
            return {"text": value}
        if isinstance(value, dict) and len(value) == 1 and "text" not in value:
            ((topic, text),) = value.items()
            return {"text": text, "topic": topic}
        return value

    @model_serializer
    def _to_yaml(self) -> str | dict[str, str]:
        return self.text if self.topic is None else {self.topic: self.text}


class Procedure(_Strict):
    """One administrative procedure, stored at ``procedures/<field-slug>/<code>.yml``."""

    code: str = Field(pattern=BASE_CODE_PATTERN, description="Base code, e.g. '1.001193'")
    province_codes: list[str] = Field(default_factory=list)
    name: str
    field: str
    source: Source
    service_level: ServiceLevel | None = None
    levels: list[Level] = Field(default_factory=list)
    agency: str | None = None
    audience: str | None = None
    address: str | None = Field(None, description="Where dossiers are received, as published")
    channels: list[Channel] = Field(default_factory=list)
    documents: list[Document] = Field(default_factory=list)
    steps: list[str] = Field(default_factory=list)
    conditions: list[str] = Field(default_factory=list)
    result: str | None = None
    legal_basis: list[LegalRef] = Field(default_factory=list)
    links: Links = Links()
    decision: str | None = Field(None, description="Provincial decision that published it")
    national_decision: str | None = Field(None, description="Ministry decision (national record)")
    data_date: dt.date = Field(description="Snapshot date of the sources it was imported from")
    preferred: bool = Field(True, description="False for a level variant citizens rarely use")
    variant_of: str | None = Field(None, description="Code of the preferred level variant")
    superseded_by: str | None = Field(None, pattern=BASE_CODE_PATTERN)
    supersedes: list[str] = Field(default_factory=list)
    questions: list[CuratedQuestion] = Field(
        default_factory=list,
        description="Staff-curated phrasings: a text, or 'topic: text' when it asks one topic",
    )
    overrides: Overrides | None = None

    @property
    def has_details(self) -> bool:
        """Whether any detail (documents, channels, steps…) is known beyond the list row."""
        return bool(self.documents or self.channels or self.steps or self.legal_basis)

    def effective(self) -> Procedure:
        """The procedure as citizens see it: staff overrides applied over imported facts."""
        if self.overrides is None:
            return self
        edits = {
            name: getattr(self.overrides, name)
            for name in self.overrides.model_fields_set - {"checked_date"}
            if getattr(self.overrides, name) is not None
        }
        return self.model_copy(update=edits)

    @property
    def answer_date(self) -> dt.date:
        """The date answers cite: the staff check date when newer than the import."""
        checked = self.overrides.checked_date if self.overrides else None
        return max(self.data_date, checked) if checked else self.data_date


class Entry(_Strict):
    """The searchable unit: one topic of one procedure, or one FAQ."""

    id: str = Field(description="Stable id, e.g. '1.001193:ho_so' or 'faq:tai_khoan'")
    kind: Literal["procedure", "faq"]
    procedure: str | None = Field(None, description="Base code of the procedure")
    procedure_name: str | None = None
    field: str | None = None
    topic: Topic | None = None
    title: str
    questions: list[str] = Field(default_factory=list)
    answer: str
    link: str | None = None
    has_facts: bool = Field(False, description="The answer states a fact from the sources")
    district_notice: bool = Field(False, description="The answer carries the district notice")
    preferred: bool = Field(True, description="False for a non-preferred or superseded record")


class CentralProcedure(_Strict):
    """A ministry-only national procedure: not answered locally, pointed to the national portal."""

    code: str = Field(pattern=BASE_CODE_PATTERN)
    name: str
    field: str
    agency: str | None = None
    link: str | None = None


class CentralIndex(_Strict):
    """``knowledge_base/central.yml``: ministry-only procedures citizens may still ask about."""

    data_date: dt.date
    procedures: list[CentralProcedure]
