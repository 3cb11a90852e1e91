"""Requirements lookup: live portal data when it answers, the knowledge base otherwise."""

from __future__ import annotations

import pytest

from bot.portal.client import PortalClient
from bot.portal.requirements import lookup_requirements
from tests.integration.conftest import (
    MisbehavingPortal,
    RunningPortal,
    client_config,
    fixture_procedures,
)

pytestmark = [pytest.mark.anyio, pytest.mark.e2e]

PROCEDURES = {procedure.code: procedure for procedure in fixture_procedures()}


async def test_live_portal_data_is_used_and_labelled(running_portal: RunningPortal) -> None:
    permit = PROCEDURES["1.009972"]
    async with PortalClient(running_portal.client_config()) as portal:
        answer = await lookup_requirements(permit, portal)
    assert answer.source == "portal"
    assert [doc.name for doc in answer.documents] == [
        doc.name for doc in permit.effective().documents
    ]
    assert answer.provenance == (
        "Nguồn: Cổng Dịch vụ công tỉnh Lạng Sơn (dữ liệu cập nhật ngày 01/09/2025)."
    )


async def test_knowledge_base_answers_when_the_portal_is_down(refused_url: str) -> None:
    birth = PROCEDURES["1.001193"]
    async with PortalClient(client_config(refused_url)) as portal:
        answer = await lookup_requirements(birth, portal)
    assert answer.source == "knowledge_base"
    assert answer.documents[0].name == birth.documents[0].name
    assert answer.channels[0].time == birth.channels[0].time
    assert answer.data_date == birth.answer_date
    assert "chưa phản hồi" in answer.provenance
    assert "Nguồn:" not in answer.provenance  # the stored answer keeps its one provenance line


async def test_knowledge_base_answers_when_the_portal_sends_garbage(
    misbehaving_portal: MisbehavingPortal,
) -> None:
    misbehaving_portal.mode = "garbage"
    marriage = PROCEDURES["1.000894"]
    async with PortalClient(client_config(misbehaving_portal.base_url)) as portal:
        answer = await lookup_requirements(marriage, portal)
    assert answer.source == "knowledge_base"
    assert answer.name == marriage.name
