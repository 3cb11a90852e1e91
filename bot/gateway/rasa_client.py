"""Talks to the Rasa server over its REST channel."""

from __future__ import annotations

import asyncio
import json
from typing import Any

import httpx

JSON_HEADERS = {"Content-Type": "application/json"}


class RasaUnavailableError(Exception):
    """Rasa did not answer (not started yet, restarting, or overloaded)."""


class RasaTooSlowError(Exception):
    """Rasa took the connection but did not reply within the budget (often: a stalled action)."""


class RasaClient:
    """A pooled async client for Rasa's REST webhook."""

    def __init__(self, base_url: str, budget_s: float, connect_timeout_s: float) -> None:
        self._http = httpx.AsyncClient(
            base_url=base_url, timeout=httpx.Timeout(None, connect=connect_timeout_s)
        )
        self._budget_s = budget_s

    async def send(
        self, sender: str, message: str, metadata: dict[str, str] | None = None
    ) -> list[dict[str, Any]]:
        """Send one user message (with metadata the actions read); return Rasa's bot messages in
        order, within the budget."""
        payload: dict[str, Any] = {"sender": sender, "message": message}
        if metadata:
            payload["metadata"] = metadata
        # ASCII JSON: any Python string can be sent, even one httpx could not encode as UTF-8.
        body = json.dumps(payload, ensure_ascii=True)
        try:
            async with asyncio.timeout(self._budget_s):
                response = await self._http.post(
                    "/webhooks/rest/webhook", content=body.encode("ascii"), headers=JSON_HEADERS
                )
            response.raise_for_status()
            messages = response.json()
        except TimeoutError as exc:
            raise RasaTooSlowError(f"no reply within {self._budget_s:g} s") from exc
        except (httpx.TransportError, httpx.HTTPStatusError, ValueError) as exc:
            raise RasaUnavailableError(str(exc)) from exc
        if not isinstance(messages, list):
            raise RasaUnavailableError(f"unexpected webhook answer: {type(messages).__name__}")
        return messages

    async def aclose(self) -> None:
        await self._http.aclose()
