"""Liveness and readiness probes of the reference portal (outside the portal API contract)."""

from __future__ import annotations

from fastapi import APIRouter
from fastapi.responses import JSONResponse
from sqlalchemy import select
from sqlalchemy.exc import SQLAlchemyError

from bot.portal_service import tables
from bot.portal_service.deps import SessionDep

router = APIRouter(tags=["probes"], include_in_schema=False)


@router.get("/health")
def health() -> dict[str, str]:
    """Liveness: the process is up and serving."""
    return {"status": "ok"}


@router.get("/ready")
def ready(session: SessionDep) -> JSONResponse:
    """Readiness: the database answers and holds the migrated schema."""
    try:
        session.execute(select(tables.Dossier.code).limit(1))
    except SQLAlchemyError as exc:
        return JSONResponse(
            status_code=503,
            content={
                "status": "not_ready",
                "checks": {"database": "down"},
                "detail": type(exc).__name__,
            },
        )
    return JSONResponse(content={"status": "ready", "checks": {"database": "up"}})
