"""Requirements of a procedure: the portal's live data when it answers, the knowledge base otherwise.

A live answer's one provenance line names the province's portal and its update date; a knowledge-base
answer keeps its own provenance line and adds a warning that the portal did not answer. This lookup
never raises a portal error: a silent or failing portal means the knowledge base.
"""

from __future__ import annotations

import datetime as dt
from typing import Literal

import structlog
from pydantic import BaseModel, ConfigDict

from bot.knowledge.schema import Procedure
from bot.portal.client import PortalClient
from bot.portal_contract.errors import PortalError
from bot.portal_contract.models import RequirementChannel, RequirementDocument

log = structlog.get_logger(__name__)


class Requirements(BaseModel):
    """A procedure's documents, channels (time, fee) and agency, with their provenance."""

    model_config = ConfigDict(frozen=True)

    code: str
    name: str
    source: Literal["portal", "knowledge_base"]
    data_date: dt.date
    agency: str | None
    address: str | None
    documents: list[RequirementDocument]
    channels: list[RequirementChannel]

    @property
    def provenance(self) -> str:
        """For the end of an answer: the live source's line, or the portal-silent warning."""
        if self.source == "portal":
            day = f"{self.data_date:%d/%m/%Y}"
            return f"Nguồn: Cổng Dịch vụ công tỉnh Lạng Sơn (dữ liệu cập nhật ngày {day})."
        return (
            "Cổng Dịch vụ công tỉnh tạm thời chưa phản hồi nên em trả lời theo dữ liệu đã lưu; "
            "anh/chị nên kiểm tra lại trên Cổng trước khi nộp."
        )


def from_knowledge_base(procedure: Procedure) -> Requirements:
    """The requirements as the knowledge base records them (staff overrides applied)."""
    shown = procedure.effective()
    return Requirements(
        code=shown.code,
        name=shown.name,
        source="knowledge_base",
        data_date=procedure.answer_date,
        agency=shown.agency,
        address=shown.address,
        documents=[
            RequirementDocument(name=document.name, copies=document.copies, form=document.form)
            for document in shown.documents
        ],
        channels=[
            RequirementChannel(kind=channel.kind, time=channel.time, fee=channel.fee)
            for channel in shown.channels
        ],
    )


async def lookup_requirements(procedure: Procedure, portal: PortalClient) -> Requirements:
    """Live requirements from ``portal``; the knowledge base's when the portal fails or lacks it."""
    try:
        live = await portal.get_procedure(procedure.code)
    except PortalError as exc:
        log.info("requirements.fallback", code=procedure.code, reason=type(exc).__name__)
        return from_knowledge_base(procedure)
    return Requirements(
        code=live.code,
        name=live.name,
        source="portal",
        data_date=live.updated_on,
        agency=live.agency,
        address=live.address,
        documents=live.documents,
        channels=live.channels,
    )
