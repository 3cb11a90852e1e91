"""Liveness of the gateway and readiness of what it depends on."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse

from bot.gateway.probes import Readiness, ReadinessChecker

router = APIRouter(tags=["health"])


@router.get("/health")
async def health() -> dict[str, str]:
    """Liveness: the gateway process is up and serving (dependencies are not asked)."""
    return {"status": "ok"}


@router.get("/ready", response_model=Readiness, responses={503: {"model": Readiness}})
async def ready(request: Request) -> JSONResponse:
    """Readiness: Rasa, the action server and the portal, one entry each; 503 when a required
    one is down."""
    checker: ReadinessChecker = request.app.state.readiness
    readiness = await checker.check()
    status = 503 if readiness.status == "not_ready" else 200
    return JSONResponse(status_code=status, content=readiness.model_dump(exclude_none=True))
