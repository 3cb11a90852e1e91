"""The reference portal on loopback, driven through the real client and raw HTTP."""

from __future__ import annotations

import httpx
import pytest
from sqlalchemy import func, select
from structlog.testing import capture_logs

from bot.portal.client import OwnerProof, PortalClient
from bot.portal.errors import (
    InvalidCode,
    NotFound,
    Throttled,
    Unauthorised,
    VerificationFailed,
)
from bot.portal.models import STATUS_LABELS, DossierStatus, NextAction
from bot.portal.privacy import mask_name
from bot.portal_service import tables
from tests.integration.conftest import API_KEY, RunningPortal

pytestmark = [pytest.mark.anyio, pytest.mark.e2e]

EXPECTED_ACTION = {
    DossierStatus.RECEIVED: NextAction.WAIT,
    DossierStatus.PROCESSING: NextAction.WAIT,
    DossierStatus.SUPPLEMENT_REQUIRED: NextAction.SUPPLEMENT_DOCUMENTS,
    DossierStatus.PAYMENT_REQUIRED: NextAction.PAY_FEE,
    DossierStatus.RESULT_READY: NextAction.COLLECT_RESULT,
    DossierStatus.RETURNED: NextAction.NONE,
    DossierStatus.OVERDUE: NextAction.WAIT,
    DossierStatus.REJECTED: NextAction.NONE,
    DossierStatus.WITHDRAWN: NextAction.NONE,
}


def _dossiers(portal: RunningPortal, status: DossierStatus, count: int = 1) -> list[tables.Dossier]:
    with portal.sessions() as session:
        query = (
            select(tables.Dossier)
            .where(tables.Dossier.status == status.value)
            .order_by(tables.Dossier.code)
            .limit(count)
        )
        rows = list(session.scalars(query))
    assert len(rows) == count, f"seed has fewer than {count} {status} dossiers"
    return rows


def _row_counts(portal: RunningPortal) -> dict[str, int]:
    with portal.sessions() as session:
        return {
            table.__tablename__: session.scalar(select(func.count()).select_from(table)) or 0
            for table in (
                tables.Agency,
                tables.Procedure,
                tables.ProcedureDocument,
                tables.ProcedureChannel,
                tables.Dossier,
                tables.DossierEvent,
                tables.VerificationAttempt,
            )
        }


def _messy(code: str) -> str:
    """A dossier code as a citizen might type it: lower case, spaces instead of dashes."""
    return " " + code.lower().replace("-", " ") + " "


async def test_health_needs_no_key_and_counts_dossiers(running_portal: RunningPortal) -> None:
    async with PortalClient(running_portal.client_config(api_key="wrong")) as portal:
        health = await portal.health()
    assert health.status == "ok"
    assert health.dossiers == running_portal.report.dossiers


@pytest.mark.parametrize("status", list(DossierStatus))
async def test_every_status_is_served_masked_and_consistent(
    running_portal: RunningPortal, status: DossierStatus
) -> None:
    row = _dossiers(running_portal, status)[0]
    async with PortalClient(running_portal.client_config()) as portal:
        dossier = await portal.get_dossier(_messy(row.code))
    assert dossier.code == row.code
    assert dossier.status is status
    assert dossier.status_label == STATUS_LABELS[status]
    assert dossier.procedure.code == row.procedure_code
    assert dossier.agency.code == row.agency_code
    assert dossier.applicant.verified is False
    assert dossier.applicant.name == mask_name(row.applicant_name)
    assert dossier.applicant.name != row.applicant_name
    assert dossier.applicant.phone is None and dossier.applicant.address is None
    assert dossier.history[0].status is DossierStatus.RECEIVED
    assert dossier.history[-1].status is status or status is DossierStatus.RECEIVED
    assert [step.at for step in dossier.history] == sorted(step.at for step in dossier.history)
    assert dossier.next_step.action is EXPECTED_ACTION[status]
    assert dossier.next_step.text.startswith("Dạ")
    if status is DossierStatus.SUPPLEMENT_REQUIRED:
        assert dossier.next_step.documents
    if status is DossierStatus.PAYMENT_REQUIRED:
        assert dossier.next_step.fee


async def test_second_factor_reveals_details_by_phone_or_id_number(
    running_portal: RunningPortal,
) -> None:
    by_phone, by_id = _dossiers(running_portal, DossierStatus.PROCESSING, 2)
    with capture_logs() as logs:
        async with PortalClient(running_portal.client_config()) as portal:
            shown = await portal.get_dossier(
                by_phone.code, OwnerProof(last4=by_phone.applicant_phone[-4:], sender_id="zalo:1")
            )
            shown_by_id = await portal.get_dossier(
                by_id.code, OwnerProof(last4=by_id.applicant_id_number[-4:], sender_id="zalo:1")
            )
            with pytest.raises(VerificationFailed):
                await portal.get_dossier(
                    by_id.code, OwnerProof(last4=_wrong_last4(by_id), sender_id="zalo:1")
                )
    assert logs, "the client logs its calls"
    assert {key for event in logs for key in event} <= {
        "event",
        "log_level",
        "path",
        "error",
        "breaker",
        "elapsed_s",
    }
    assert by_phone.applicant_name not in repr(logs) and "zalo:1" not in repr(logs)
    assert shown.applicant.verified and shown.applicant.name == by_phone.applicant_name
    assert shown.applicant.address == by_phone.applicant_address
    assert shown.applicant.phone is not None
    assert shown.applicant.phone.endswith(by_phone.applicant_phone[-3:])
    assert by_phone.applicant_phone not in shown.model_dump_json()
    assert shown_by_id.applicant.verified
    assert by_id.applicant_id_number not in shown_by_id.model_dump_json()


def _wrong_last4(row: tables.Dossier) -> str:
    taken = {row.applicant_phone[-4:], row.applicant_id_number[-4:]}
    return next(f"{n:04d}" for n in range(10_000) if f"{n:04d}" not in taken)


async def test_wrong_attempts_are_throttled_per_dossier_and_persisted(
    running_portal: RunningPortal,
) -> None:
    row = _dossiers(running_portal, DossierStatus.RESULT_READY)[0]
    wrong = _wrong_last4(row)
    limit = running_portal.config.proof_max_failures
    async with PortalClient(running_portal.client_config()) as portal:
        left = []
        for attempt in range(limit):
            with pytest.raises(VerificationFailed) as failed:
                await portal.get_dossier(row.code, OwnerProof(last4=wrong, sender_id=f"u{attempt}"))
            left.append(failed.value.attempts_left)
        with pytest.raises(Throttled) as throttled:
            right = OwnerProof(last4=row.applicant_phone[-4:], sender_id="someone-else")
            await portal.get_dossier(row.code, right)
        status_only = await portal.get_dossier(row.code)
    assert left == list(range(limit - 1, -1, -1))
    assert throttled.value.retry_after_s and throttled.value.retry_after_s > 0
    assert status_only.applicant.verified is False
    with running_portal.sessions() as session:
        failures = session.scalar(
            select(func.count())
            .select_from(tables.VerificationAttempt)
            .where(tables.VerificationAttempt.dossier_code == row.code)
        )
    assert failures == limit


async def test_wrong_attempts_are_throttled_per_user_across_dossiers(
    running_portal: RunningPortal,
) -> None:
    rows = _dossiers(running_portal, DossierStatus.RETURNED, 4)
    limit = running_portal.config.proof_max_failures
    async with PortalClient(running_portal.client_config()) as portal:
        for row in rows[:limit]:
            with pytest.raises(VerificationFailed):
                await portal.get_dossier(
                    row.code, OwnerProof(last4=_wrong_last4(row), sender_id="guesser")
                )
        fresh = rows[limit]
        with pytest.raises(Throttled):
            await portal.get_dossier(
                fresh.code, OwnerProof(last4=fresh.applicant_phone[-4:], sender_id="guesser")
            )
        allowed = await portal.get_dossier(
            fresh.code, OwnerProof(last4=fresh.applicant_phone[-4:], sender_id="owner")
        )
    assert allowed.applicant.verified


async def test_unknown_and_malformed_dossier_codes(running_portal: RunningPortal) -> None:
    async with PortalClient(running_portal.client_config()) as portal:
        with pytest.raises(NotFound):
            await portal.get_dossier("000.00.20.H37-200101-9999")
        with pytest.raises(InvalidCode):
            await portal.get_dossier("hồ sơ của tôi")


async def test_wrong_api_key_is_unauthorised_and_not_counted_as_outage(
    running_portal: RunningPortal,
) -> None:
    row = _dossiers(running_portal, DossierStatus.RECEIVED)[0]
    async with PortalClient(running_portal.client_config(api_key="stolen")) as portal:
        for _ in range(3):
            with pytest.raises(Unauthorised):
                await portal.get_dossier(row.code)
        with pytest.raises(Unauthorised):
            await portal.get_procedure("1.001193")
        assert portal.breaker.allow()


async def test_procedure_requirements_follow_the_knowledge_base(
    running_portal: RunningPortal,
) -> None:
    async with PortalClient(running_portal.client_config()) as portal:
        birth = await portal.get_procedure("1.001193.000.00.00.H37")
        permit = await portal.get_procedure("1.009972")
        with pytest.raises(NotFound):
            await portal.get_procedure("9.999999")
        with pytest.raises(InvalidCode):
            await portal.get_procedure("1.0011")
    assert birth.code == "1.001193"
    assert [doc.name for doc in birth.documents] == [
        "Tờ khai đăng ký khai sinh",
        "Giấy chứng sinh",
    ]
    assert {channel.kind for channel in birth.channels} == {"truc_tiep", "truc_tuyen"}
    assert birth.agency == "Ủy ban nhân dân cấp xã"
    assert [doc.name for doc in permit.documents][-1] == "Bản vẽ thiết kế xây dựng"
    assert permit.updated_on.isoformat() == "2025-09-01"


async def test_search_by_name_without_diacritics(running_portal: RunningPortal) -> None:
    async with PortalClient(running_portal.client_config()) as portal:
        found = await portal.search_procedures("dang ky KHAI sinh")
        marriage = await portal.search_procedures("kết hôn")
        both = await portal.search_procedures("đăng ký", limit=1)
        nothing = await portal.search_procedures("100%_")
    assert [item.code for item in found.items] == ["1.001193"]
    assert [item.code for item in marriage.items] == ["1.000894"]
    assert len(both.items) == 1
    assert nothing.items == []


@pytest.mark.parametrize(
    ("path", "headers", "status", "code"),
    [
        ("/api/v1/dossiers/" + "9" * 2000, {}, 400, "invalid_code"),
        ("/api/v1/dossiers/000.00.20.H37-251399-0001", {}, 400, "invalid_code"),
        ("/api/v1/dossiers/1' OR '1'='1", {}, 400, "invalid_code"),
        ("/api/v1/dossiers/<img src=x onerror=alert(1)>", {}, 400, "invalid_code"),
        ("/api/v1/procedures/1.001193'; DROP TABLE dossiers;--", {}, 400, "invalid_code"),
        ("/api/v1/procedures/" + "1" * 2000, {}, 400, "invalid_code"),
        ("/api/v1/procedures?q=x'; DROP TABLE procedures;--", {}, 400, "invalid_request"),
        ("/api/v1/procedures?q=<b>khai sinh</b>", {}, 400, "invalid_request"),
        ("/api/v1/procedures?q=" + "a" * 2000, {}, 422, "invalid_request"),
        ("/api/v1/procedures?q=khai&limit=100000", {}, 422, "invalid_request"),
        ("/api/v1/procedures", {}, 422, "invalid_request"),
        ("/api/v1/nowhere", {}, 404, "not_found"),
    ],
)
async def test_bad_input_gets_a_clear_4xx_and_writes_nothing(
    running_portal: RunningPortal, path: str, headers: dict[str, str], status: int, code: str
) -> None:
    before = _row_counts(running_portal)
    async with httpx.AsyncClient(
        base_url=running_portal.base_url, headers={"X-API-Key": API_KEY}
    ) as http:
        response = await http.get(path, headers=headers)
    assert response.status_code == status
    error = response.json()["error"]
    assert error["code"] == code
    assert error["message"].startswith("Dạ")
    assert _row_counts(running_portal) == before


@pytest.mark.parametrize(
    "headers",
    [
        {"X-Owner-Proof": "12a4", "X-End-User": "user-1"},
        {"X-Owner-Proof": "<b>1</b>", "X-End-User": "user-1"},
        {"X-Owner-Proof": "1234", "X-End-User": "x'; DELETE FROM dossiers;--"},
        {"X-Owner-Proof": "1234", "X-End-User": "u" * 2000},
        {"X-Owner-Proof": "1234"},
    ],
)
async def test_bad_proofs_are_refused_before_any_attempt_is_recorded(
    running_portal: RunningPortal, headers: dict[str, str]
) -> None:
    row = _dossiers(running_portal, DossierStatus.OVERDUE)[0]
    before = _row_counts(running_portal)
    async with httpx.AsyncClient(
        base_url=running_portal.base_url, headers={"X-API-Key": API_KEY}
    ) as http:
        response = await http.get(f"/api/v1/dossiers/{row.code}", headers=headers)
    assert response.status_code in {400, 422}
    assert response.json()["error"]["code"] == "invalid_request"
    assert row.applicant_name not in response.text
    assert _row_counts(running_portal) == before


async def test_missing_api_key_is_a_json_401(running_portal: RunningPortal) -> None:
    async with httpx.AsyncClient(base_url=running_portal.base_url) as http:
        response = await http.get("/api/v1/procedures/1.001193")
    assert response.status_code == 401
    assert response.json()["error"]["code"] == "unauthorised"
