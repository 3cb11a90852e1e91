"""The reference portal on loopback, driven through the real client and raw HTTP."""

from __future__ import annotations

import httpx
import pytest
from sqlalchemy import func, select
from structlog.testing import capture_logs

from bot.portal.client import PortalClient
from bot.portal.errors import NotFound, Throttled, Unauthorised, VerificationFailed
from bot.portal_contract.errors import InvalidCode
from bot.portal_contract.models import STATUS_LABELS, DossierStatus, NextAction
from bot.portal_service import tables
from bot.privacy import pseudonym
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
                tables.ThrottleCounter,
                tables.ClientLookup,
                tables.CheckAudit,
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
async def test_every_status_is_public_in_short_and_consistent_in_full(
    running_portal: RunningPortal, status: DossierStatus
) -> None:
    row = _dossiers(running_portal, status)[0]
    client = f"web:status-{status.value}"
    async with PortalClient(running_portal.client_config()) as portal:
        public = await portal.get_dossier(_messy(row.code), client)
        full = await portal.get_dossier(row.code, client, last4=row.applicant_phone[-4:])
    assert public.code == row.code
    assert public.status is status
    assert public.status_label == STATUS_LABELS[status]
    assert public.procedure.code == row.procedure_code
    assert public.verified is False and public.details is None
    for secret in (row.applicant_name, row.applicant_address, row.current_step, "history"):
        assert secret not in public.model_dump_json()
    details = full.details
    assert full.verified and details is not None
    assert details.agency.code == row.agency_code
    assert details.applicant.name == row.applicant_name
    assert details.history[0].status is DossierStatus.RECEIVED
    assert details.history[-1].status is status or status is DossierStatus.RECEIVED
    assert [step.at for step in details.history] == sorted(step.at for step in details.history)
    assert details.next_step.action is EXPECTED_ACTION[status]
    assert details.next_step.text.startswith("Dạ")
    if status is DossierStatus.SUPPLEMENT_REQUIRED:
        assert details.next_step.documents
    if status is DossierStatus.PAYMENT_REQUIRED:
        assert details.next_step.fee


async def test_owner_proof_is_the_phone_number_and_logs_hold_no_personal_data(
    running_portal: RunningPortal,
) -> None:
    row = _dossiers(running_portal, DossierStatus.PROCESSING, 2)[1]
    client = "zalo:owner-1"
    with capture_logs() as logs:
        async with PortalClient(running_portal.client_config()) as portal:
            shown = await portal.get_dossier(row.code, client, last4=row.applicant_phone[-4:])
            if row.applicant_id_number[-4:] != row.applicant_phone[-4:]:
                with pytest.raises(VerificationFailed):
                    await portal.get_dossier(row.code, client, last4=row.applicant_id_number[-4:])
    assert logs, "the client logs its calls"
    assert {key for event in logs for key in event} <= {
        "event",
        "log_level",
        "endpoint",
        "ref",
        "error",
        "breaker",
        "elapsed_s",
    }
    for secret in (row.applicant_name, row.code, row.applicant_phone[-4:], client):
        assert secret not in repr(logs)
    assert shown.details is not None
    applicant = shown.details.applicant
    assert shown.verified and applicant.name == row.applicant_name
    assert applicant.address == row.applicant_address
    assert applicant.phone.endswith(row.applicant_phone[-3:])
    assert row.applicant_phone not in shown.model_dump_json()
    assert row.applicant_id_number not in shown.model_dump_json()


def _wrong_last4(row: tables.Dossier) -> str:
    taken = {row.applicant_phone[-4:], row.applicant_id_number[-4:]}
    return next(f"{n:04d}" for n in range(10_000) if f"{n:04d}" not in taken)


async def test_wrong_attempts_are_throttled_per_dossier_and_audited(
    running_portal: RunningPortal,
) -> None:
    row = _dossiers(running_portal, DossierStatus.RESULT_READY)[0]
    wrong = _wrong_last4(row)
    limit = running_portal.config.proof_max_failures
    async with PortalClient(running_portal.client_config()) as portal:
        left = []
        for attempt in range(limit):
            with pytest.raises(VerificationFailed) as failed:
                await portal.get_dossier(row.code, f"web:guesser-{attempt}", last4=wrong)
            left.append(failed.value.attempts_left)
        with pytest.raises(Throttled) as throttled:
            await portal.get_dossier(row.code, "web:someone-else", last4=row.applicant_phone[-4:])
        status_only = await portal.get_dossier(row.code, "web:someone-else")
    assert left == list(range(limit - 1, -1, -1))
    assert throttled.value.retry_after_s and throttled.value.retry_after_s > 0
    assert status_only.verified is False and status_only.details is None
    with running_portal.sessions() as session:
        audit = session.execute(
            select(tables.CheckAudit.dossier_hash, tables.CheckAudit.result)
        ).all()
    hashes = {dossier_hash for dossier_hash, _ in audit}
    assert row.code not in hashes and all(row.code not in value for value in hashes)
    mine = [result for dossier_hash, result in audit if dossier_hash == _hash(running_portal, row)]
    assert mine.count("wrong") == limit and mine.count("throttled") == 1


def _hash(portal: RunningPortal, row: tables.Dossier) -> str:
    return pseudonym(row.code, portal.config.hash_key)


async def test_wrong_attempts_are_throttled_per_client_across_dossiers(
    running_portal: RunningPortal,
) -> None:
    rows = _dossiers(running_portal, DossierStatus.RETURNED, 4)
    limit = running_portal.config.proof_max_failures
    async with PortalClient(running_portal.client_config()) as portal:
        for row in rows[:limit]:
            with pytest.raises(VerificationFailed):
                await portal.get_dossier(row.code, "web:guesser", last4=_wrong_last4(row))
        fresh = rows[limit]
        with pytest.raises(Throttled):
            await portal.get_dossier(fresh.code, "web:guesser", last4=fresh.applicant_phone[-4:])
        allowed = await portal.get_dossier(
            fresh.code, "web:owner", last4=fresh.applicant_phone[-4:]
        )
    assert allowed.verified


async def test_unknown_and_malformed_dossier_codes(running_portal: RunningPortal) -> None:
    async with PortalClient(running_portal.client_config()) as portal:
        with pytest.raises(NotFound):
            await portal.get_dossier("000.00.20.H37-200101-9999", "web:unknown")
        with pytest.raises(InvalidCode):
            await portal.get_dossier("hồ sơ của tôi", "web:unknown")


async def test_wrong_api_key_is_unauthorised_and_not_counted_as_outage(
    running_portal: RunningPortal,
) -> None:
    row = _dossiers(running_portal, DossierStatus.RECEIVED)[0]
    async with PortalClient(running_portal.client_config(api_key="stolen")) as portal:
        for _ in range(3):
            with pytest.raises(Unauthorised):
                await portal.get_dossier(row.code, "web:stolen")
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


CLIENT = {"X-End-User": "web:bad-input"}


@pytest.mark.parametrize(
    ("path", "headers", "status", "code"),
    [
        ("/api/v1/dossiers/" + "9" * 2000, CLIENT, 400, "invalid_code"),
        ("/api/v1/dossiers/000.00.20.H37-251399-0001", CLIENT, 400, "invalid_code"),
        ("/api/v1/dossiers/1' OR '1'='1", CLIENT, 400, "invalid_code"),
        ("/api/v1/dossiers/<img src=x onerror=alert(1)>", CLIENT, 400, "invalid_code"),
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
        {"X-Owner-Proof": "١٢٣٤".encode(), "X-End-User": "user-1"},
        {"X-Owner-Proof": "１２３４".encode(), "X-End-User": "user-1"},
        {"X-Owner-Proof": "1234", "X-End-User": "zalo:ñ".encode()},
        {"X-Owner-Proof": "<b>1</b>", "X-End-User": "user-1"},
        {"X-Owner-Proof": "1234", "X-End-User": "x'; DELETE FROM dossiers;--"},
        {"X-Owner-Proof": "1234", "X-End-User": "u" * 2000},
        {"X-Owner-Proof": "1234"},
    ],
)
async def test_bad_proofs_are_refused_before_any_attempt_is_recorded(
    running_portal: RunningPortal, headers: dict[str, str | bytes]
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
