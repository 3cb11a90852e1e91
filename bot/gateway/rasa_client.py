"""Talks to the Rasa replicas over their REST channel."""

from __future__ import annotations

import asyncio
import itertools
import json
from collections.abc import Sequence
from typing import Any

import httpx

JSON_HEADERS = {"Content-Type": "application/json"}
WEBHOOK_PATH = "/webhooks/rest/webhook"
# Errors raised before the request reached a replica: the message was not delivered, so the
# next replica may take it (a replica restarting for a new model refuses connections).
NOT_DELIVERED = (httpx.ConnectError, httpx.ConnectTimeout)


class RasaUnavailableError(Exception):
    """Rasa did not answer (not started yet, restarting, or overloaded)."""


class RasaTooSlowError(Exception):
    """Rasa took the connection but did not reply within the budget (often: a stalled action)."""


class RasaClient:
    """A pooled async client for the REST webhook of one or several Rasa replicas.

    Replicas share the tracker and lock stores, so any of them can serve any message: each
    message goes to the next replica in turn, and to the one after when a replica refuses the
    connection. The gateway keeps one sender's messages in order (``SenderLocks``).
    """

    def __init__(self, base_urls: Sequence[str], budget_s: float, connect_timeout_s: float) -> None:
        if not base_urls:
            raise ValueError("at least one Rasa URL is needed")
        self._urls = [url.rstrip("/") for url in base_urls]
        self._turn = itertools.count()
        self._http = httpx.AsyncClient(timeout=httpx.Timeout(None, connect=connect_timeout_s))
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
        body = json.dumps(payload, ensure_ascii=True).encode("ascii")
        try:
            async with asyncio.timeout(self._budget_s):
                response = await self._post(body)
            response.raise_for_status()
            messages = response.json()
        except TimeoutError as exc:
            raise RasaTooSlowError(f"no reply within {self._budget_s:g} s") from exc
        except (httpx.TransportError, httpx.HTTPStatusError, ValueError) as exc:
            raise RasaUnavailableError(str(exc)) from exc
        if not isinstance(messages, list):
            raise RasaUnavailableError(f"unexpected webhook answer: {type(messages).__name__}")
        return messages

    async def _post(self, body: bytes) -> httpx.Response:
        """Post to the replica whose turn it is; move on only while replicas refuse."""
        first = next(self._turn)
        order = [self._urls[(first + i) % len(self._urls)] for i in range(len(self._urls))]
        for url in order[:-1]:
            try:
                return await self._post_to(url, body)
            except NOT_DELIVERED:
                continue
        return await self._post_to(order[-1], body)

    async def _post_to(self, url: str, body: bytes) -> httpx.Response:
        return await self._http.post(f"{url}{WEBHOOK_PATH}", content=body, headers=JSON_HEADERS)

    async def aclose(self) -> None:
        await self._http.aclose()
