"""API v1 routes of the reference portal: health, dossiers, procedures."""

from __future__ import annotations

import datetime as dt
import re
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Header, Query
from sqlalchemy import func, select
from sqlalchemy.orm import selectinload

from bot.portal_contract.codes import normalise_dossier_code, normalise_procedure_code
from bot.portal_contract.errors import InvalidCode
from bot.portal_contract.models import (
    API_VERSION,
    END_USER_HEADER,
    END_USER_PATTERN,
    OWNER_PROOF_HEADER,
    PROOF_PATTERN,
    Dossier,
    ErrorResponse,
    Health,
    ProcedureRequirements,
    ProcedureSearch,
    ProcedureSummary,
)
from bot.portal_service import tables
from bot.portal_service.deps import ConfigDep, SessionDep, require_api_key
from bot.portal_service.errors import ApiError
from bot.portal_service.text import search_key
from bot.portal_service.verification import Check
from bot.portal_service.views import dossier_view, requirements_view

_UNSAFE_QUERY = re.compile(r"[<>;{}`\\\x00-\x1f\x7f]")


def _errors(*statuses: int) -> dict[int | str, dict[str, Any]]:
    return {status: {"model": ErrorResponse} for status in statuses}


health_router = APIRouter(prefix="/api/v1", tags=["health"])
router = APIRouter(
    prefix="/api/v1",
    dependencies=[Depends(require_api_key)],
    responses=_errors(401, 422),
)


@health_router.get("/health", response_model=Health)
def health(session: SessionDep) -> Health:
    """Liveness, with a database round trip. No API key needed."""
    count = session.scalar(select(func.count()).select_from(tables.Dossier)) or 0
    return Health(status="ok", version=API_VERSION, dossiers=count)


@router.get(
    "/dossiers/{code}",
    response_model=Dossier,
    tags=["dossiers"],
    responses=_errors(400, 403, 404, 429),
)
def get_dossier(
    code: str,
    session: SessionDep,
    config: ConfigDep,
    end_user: Annotated[
        str,
        Header(
            alias=END_USER_HEADER,
            pattern=END_USER_PATTERN,
            description="The end client as the calling service identifies it (a pseudonym of the "
            "channel user id or web client it assigned, never one the end user typed). Trusted "
            "because the API key authenticates the service; lookup and owner-check limits are "
            "counted per client.",
        ),
    ],
    proof: Annotated[
        str | None,
        Header(
            alias=OWNER_PROOF_HEADER,
            pattern=PROOF_PATTERN,
            description="Last 4 digits (ASCII 0-9) of the phone number the dossier was filed with",
        ),
    ] = None,
) -> Dossier:
    """A dossier by code (any form citizens type): status and procedure, and every other detail
    only with a matching owner proof. Different dossiers per client and wrong proofs per dossier
    and per client are limited (429)."""
    try:
        canonical = normalise_dossier_code(code)
    except InvalidCode as exc:
        raise ApiError(
            400,
            "invalid_code",
            "Dạ, mã hồ sơ chưa đúng định dạng. Mã hồ sơ có dạng 000.00.20.H37-250612-0001, "
            "in trên giấy tiếp nhận hồ sơ.",
        ) from exc
    check = Check(session, config, end_user, canonical, dt.datetime.now(dt.UTC))
    check.note_lookup()
    dossier = session.get(
        tables.Dossier,
        canonical,
        options=[
            selectinload(tables.Dossier.events),
            selectinload(tables.Dossier.procedure),
            selectinload(tables.Dossier.agency),
        ],
    )
    if dossier is None:
        raise ApiError(
            404,
            "not_found",
            f"Dạ, không tìm thấy hồ sơ có mã {canonical}. Anh/chị vui lòng kiểm tra lại mã "
            "trên giấy tiếp nhận.",
        )
    verified = False
    if proof is not None:
        check.verify_owner(dossier, proof)
        verified = True
    return dossier_view(dossier, verified)


@router.get(
    "/procedures",
    response_model=ProcedureSearch,
    tags=["procedures"],
    responses=_errors(400),
)
def search_procedures(
    session: SessionDep,
    q: Annotated[str, Query(min_length=2, max_length=200, description="Words of the name")],
    limit: Annotated[int, Query(ge=1, le=50)] = 10,
) -> ProcedureSearch:
    """Procedures whose name contains every word of ``q`` (diacritics optional)."""
    if _UNSAFE_QUERY.search(q):
        raise ApiError(400, "invalid_request", "Dạ, từ khoá tìm kiếm có ký tự không hợp lệ.")
    words = search_key(q).split()
    if not words:
        raise ApiError(400, "invalid_request", "Dạ, anh/chị vui lòng nhập tên thủ tục cần tìm.")
    query = (
        select(tables.Procedure)
        .where(*(tables.Procedure.name_folded.contains(word, autoescape=True) for word in words))
        .order_by(func.length(tables.Procedure.name), tables.Procedure.code)
        .limit(limit)
    )
    items = [
        ProcedureSummary(code=row.code, name=row.name, field=row.field)
        for row in session.scalars(query)
    ]
    return ProcedureSearch(query=q, items=items)


@router.get(
    "/procedures/{code}",
    response_model=ProcedureRequirements,
    tags=["procedures"],
    responses=_errors(400, 404),
)
def get_procedure(code: str, session: SessionDep) -> ProcedureRequirements:
    """Today's requirements of a procedure, by base code or provincial code."""
    try:
        base = normalise_procedure_code(code)
    except InvalidCode as exc:
        raise ApiError(
            400, "invalid_code", "Dạ, mã thủ tục chưa đúng định dạng (ví dụ: 1.001193)."
        ) from exc
    procedure = session.get(
        tables.Procedure,
        base,
        options=[
            selectinload(tables.Procedure.documents),
            selectinload(tables.Procedure.channels),
        ],
    )
    if procedure is None:
        raise ApiError(404, "not_found", f"Dạ, cổng không có thủ tục mã {base}.")
    return requirements_view(procedure)
