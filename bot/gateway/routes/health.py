"""Liveness and readiness of the gateway and what it depends on."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse

router = APIRouter(tags=["health"])


@router.get("/health")
async def health(request: Request) -> JSONResponse:
    """200 when Rasa answers, 503 otherwise; the body says which part is down."""
    rasa_ready = await request.app.state.rasa.is_ready()
    body = {"status": "ok" if rasa_ready else "degraded", "rasa": "up" if rasa_ready else "down"}
    return JSONResponse(status_code=200 if rasa_ready else 503, content=body)
