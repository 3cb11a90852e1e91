"""Talks to the Rasa server over its REST channel."""

from __future__ import annotations

from typing import Any

import httpx


class RasaUnavailableError(Exception):
    """Rasa did not answer (not started yet, restarting, or overloaded)."""


class RasaClient:
    """A pooled async client for Rasa's REST webhook and status endpoints."""

    def __init__(self, base_url: str, timeout_s: float) -> None:
        self._http = httpx.AsyncClient(base_url=base_url, timeout=timeout_s)

    async def send(
        self, sender: str, message: str, metadata: dict[str, str] | None = None
    ) -> list[dict[str, Any]]:
        """Send one user message (with metadata the actions read); return Rasa's bot messages."""
        body: dict[str, Any] = {"sender": sender, "message": message}
        if metadata:
            body["metadata"] = metadata
        try:
            response = await self._http.post("/webhooks/rest/webhook", json=body)
            response.raise_for_status()
        except (httpx.TransportError, httpx.HTTPStatusError) as exc:
            raise RasaUnavailableError(str(exc)) from exc
        return list(response.json())

    async def is_ready(self) -> bool:
        """True once Rasa accepts requests (it loads its model before it listens)."""
        try:
            response = await self._http.get("/", timeout=2.0)
        except httpx.TransportError:
            return False
        return response.status_code == 200

    async def aclose(self) -> None:
        await self._http.aclose()
