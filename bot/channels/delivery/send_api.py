"""The platforms' send APIs: one pooled HTTP client each, errors sorted into retryable or not."""

from __future__ import annotations

import asyncio
import datetime as dt
from typing import Any, Protocol

import httpx
import structlog

from bot.channels import messenger, zalo
from bot.channels.delivery.store import DeliveryStore, TokenPair
from bot.channels.models import Reply
from bot.channels.platform import Rendering

log = structlog.get_logger(__name__)

HTTP_TIMEOUT = httpx.Timeout(15.0, connect=5.0)
ZALO_TOKEN_REJECTED = frozenset({-216})
"""Zalo API error codes meaning the access token is invalid or expired."""


class SendError(Exception):
    """The platform refused a message for good (bad request, unknown user…)."""


class RetryableSendError(SendError):
    """The platform was busy or unreachable (429, 5xx, network): try again later."""


def raise_for_status(response: httpx.Response, what: str) -> None:
    if response.status_code == 429 or response.status_code >= 500:
        raise RetryableSendError(f"{what}: HTTP {response.status_code}")
    if response.status_code >= 400:
        raise SendError(f"{what}: HTTP {response.status_code} {response.text[:300]}")


class ChannelOutput(Protocol):
    """How the delivery worker renders and sends on one platform."""

    def render(self, replies: list[Reply], user_id: str) -> Rendering: ...

    async def typing(self, user_id: str) -> None: ...

    async def send(self, body: dict[str, Any]) -> None: ...

    async def aclose(self) -> None: ...


class MessengerOutput:
    """The Messenger Send API with the page access token."""

    def __init__(self, api_url: str, page_token: str) -> None:
        self._http = httpx.AsyncClient(base_url=api_url, timeout=HTTP_TIMEOUT)
        self._token = page_token

    def render(self, replies: list[Reply], user_id: str) -> Rendering:
        return messenger.render(replies, user_id)

    async def typing(self, user_id: str) -> None:
        """Show the typing indicator; best effort (a failure only loses the indicator)."""
        try:
            await self.send(messenger.typing_body(user_id))
        except SendError as exc:
            log.warning("messenger_typing_failed", error=str(exc))

    async def send(self, body: dict[str, Any]) -> None:
        try:
            response = await self._http.post(
                "/me/messages", params={"access_token": self._token}, json=body
            )
        except httpx.TransportError as exc:
            raise RetryableSendError(f"messenger send: {type(exc).__name__}") from exc
        raise_for_status(response, "messenger send")

    async def aclose(self) -> None:
        await self._http.aclose()


class ZaloTokens:
    """The OA access token, refreshed with the refresh token before it expires: one refresh at a
    time (a lock, then a second look), the rotated pair kept in the database."""

    def __init__(
        self,
        store: DeliveryStore,
        oauth_url: str,
        app_id: str,
        oa_secret: str,
        margin_s: float,
    ) -> None:
        self._store = store
        self._http = httpx.AsyncClient(base_url=oauth_url, timeout=HTTP_TIMEOUT)
        self._app_id = app_id
        self._secret = oa_secret
        self._margin = dt.timedelta(seconds=margin_s)
        self._lock = asyncio.Lock()

    def _usable(self, pair: TokenPair) -> bool:
        if not pair.access_token:
            return False
        if pair.expires_at is None:  # as configured, age unknown: refresh when we can
            return not pair.refresh_token
        return pair.expires_at - self._margin > dt.datetime.now(dt.UTC)

    async def access_token(self) -> str:
        pair = self._store.zalo_tokens()
        if self._usable(pair):
            return pair.access_token
        async with self._lock:
            pair = self._store.zalo_tokens()  # another task may have refreshed meanwhile
            if self._usable(pair):
                return pair.access_token
            return await self._refresh(pair)

    def rejected(self, access_token: str) -> None:
        """The API refused ``access_token``: the next send refreshes it."""
        self._store.expire_zalo_access_token(access_token)

    async def _refresh(self, pair: TokenPair) -> str:
        if not pair.refresh_token:
            raise SendError("zalo token refresh: no refresh token (set ISEE_ZALO_REFRESH_TOKEN)")
        try:
            response = await self._http.post(
                "/v4/oa/access_token",
                data={
                    "app_id": self._app_id,
                    "refresh_token": pair.refresh_token,
                    "grant_type": "refresh_token",
                },
                headers={"secret_key": self._secret},
            )
        except httpx.TransportError as exc:
            raise RetryableSendError(f"zalo token refresh: {type(exc).__name__}") from exc
        raise_for_status(response, "zalo token refresh")
        try:
            data = dict(response.json())
        except (ValueError, TypeError) as exc:
            raise SendError("zalo token refresh: unreadable answer") from exc
        if not data.get("access_token") or not data.get("refresh_token"):
            log.error("zalo_token_refresh_refused", error=data.get("error"))
            raise SendError(f"zalo token refresh refused: {data.get('error')}")
        expires_at = dt.datetime.now(dt.UTC) + dt.timedelta(seconds=int(data["expires_in"]))
        self._store.save_zalo_tokens(
            TokenPair(str(data["access_token"]), str(data["refresh_token"]), expires_at)
        )
        log.info("zalo_token_refreshed", expires_at=expires_at.isoformat())
        return str(data["access_token"])

    async def aclose(self) -> None:
        await self._http.aclose()


class ZaloOutput:
    """The OA customer-service message API with the OA access token."""

    def __init__(self, api_url: str, tokens: ZaloTokens) -> None:
        self._http = httpx.AsyncClient(base_url=api_url, timeout=HTTP_TIMEOUT)
        self._tokens = tokens

    def render(self, replies: list[Reply], user_id: str) -> Rendering:
        return zalo.render(replies, user_id)

    async def typing(self, user_id: str) -> None:
        """Zalo OA has no typing indicator."""

    async def send(self, body: dict[str, Any]) -> None:
        token = await self._tokens.access_token()
        try:
            response = await self._http.post(
                "/v3.0/oa/message/cs", json=body, headers={"access_token": token}
            )
        except httpx.TransportError as exc:
            raise RetryableSendError(f"zalo send: {type(exc).__name__}") from exc
        raise_for_status(response, "zalo send")
        try:
            answer = response.json()
            error = int(answer.get("error", 0))
        except (ValueError, AttributeError, TypeError) as exc:
            raise SendError(f"zalo send: unreadable answer {response.text[:300]!r}") from exc
        if error in ZALO_TOKEN_REJECTED:
            self._tokens.rejected(token)
            raise RetryableSendError(f"zalo send: access token refused ({error})")
        if error != 0:
            raise SendError(f"zalo send: error {error} {answer.get('message', '')}")

    async def aclose(self) -> None:
        await self._http.aclose()
        await self._tokens.aclose()
