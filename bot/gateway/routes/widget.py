"""The embeddable chat widget (``/widget.js``), a page imitating the portal with it embedded
(``/demo``) and the full-page chat (``/``)."""

from __future__ import annotations

from pathlib import Path

from fastapi import APIRouter
from fastapi.responses import FileResponse

router = APIRouter(tags=["widget"])
STATIC = Path(__file__).resolve().parent.parent / "static"
HTML = "text/html; charset=utf-8"


@router.get("/", include_in_schema=False)
async def widget_page() -> FileResponse:
    """A page with the widget open on load."""
    return FileResponse(STATIC / "index.html", media_type=HTML)


@router.get("/demo", include_in_schema=False)
async def demo_page() -> FileResponse:
    """A page imitating the provincial portal, embedding the widget with one script tag."""
    return FileResponse(STATIC / "demo.html", media_type=HTML)


@router.get("/widget.js", include_in_schema=False)
async def widget_script() -> FileResponse:
    """The embed script; cached briefly so that a fix reaches the portal's visitors quickly."""
    return FileResponse(
        STATIC / "widget.js",
        media_type="text/javascript; charset=utf-8",
        headers={"Cache-Control": "public, max-age=300"},
    )
