"""The chat widget page, as embedded on the provincial portal."""

from __future__ import annotations

from pathlib import Path

from fastapi import APIRouter
from fastapi.responses import FileResponse

router = APIRouter(tags=["widget"])
STATIC = Path(__file__).resolve().parent.parent / "static"


@router.get("/", include_in_schema=False)
async def widget_page() -> FileResponse:
    return FileResponse(STATIC / "index.html", media_type="text/html; charset=utf-8")
