"""Async client of the portal API v1: pooled, time-boxed, retried, circuit-broken and typed.

Every failure surfaces as a ``bot.portal.errors.PortalError`` subclass; nothing else escapes.
Logs carry the endpoint, the dossier or procedure code and the outcome, never personal data.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from typing import Self, TypeVar

import httpx
import structlog
from pydantic import BaseModel, ConfigDict, Field, ValidationError
from tenacity import (
    AsyncRetrying,
    retry_if_exception_type,
    stop_after_attempt,
    wait_exponential_jitter,
)

from bot.portal.breaker import CircuitBreaker
from bot.portal.codes import normalise_dossier_code, normalise_procedure_code
from bot.portal.errors import (
    InvalidCode,
    NotFound,
    PortalError,
    Throttled,
    Unauthorised,
    Unavailable,
    VerificationFailed,
)
from bot.portal.models import (
    API_KEY_HEADER,
    END_USER_HEADER,
    OWNER_PROOF_HEADER,
    PROOF_PATTERN,
    Dossier,
    ErrorResponse,
    Health,
    ProcedureRequirements,
    ProcedureSearch,
)
from bot.portal.privacy import end_user_key
from bot.settings import Settings

log = structlog.get_logger(__name__)
ModelT = TypeVar("ModelT", bound=BaseModel)


class PortalClientConfig(BaseModel):
    """How the client reaches the portal and how long it may wait."""

    model_config = ConfigDict(frozen=True)

    base_url: str
    api_key: str
    connect_timeout_s: float = Field(1.0, gt=0)
    read_timeout_s: float = Field(3.0, gt=0)
    budget_s: float = Field(6.0, gt=0, description="Whole call, retries and backoff included")
    attempts: int = Field(3, ge=1)
    backoff_initial_s: float = Field(0.2, ge=0)
    backoff_max_s: float = Field(1.0, ge=0)
    breaker_failures: int = Field(3, ge=1)
    breaker_reset_s: float = Field(30.0, gt=0)
    max_connections: int = Field(20, ge=1)

    @classmethod
    def from_settings(cls, settings: Settings) -> PortalClientConfig:
        """The configuration given by ``ISEE_PORTAL_*`` settings."""
        return cls(
            base_url=settings.portal_url,
            api_key=settings.portal_api_key,
            connect_timeout_s=settings.portal_connect_timeout_s,
            read_timeout_s=settings.portal_read_timeout_s,
            budget_s=settings.portal_budget_s,
            attempts=settings.portal_attempts,
            breaker_failures=settings.portal_breaker_failures,
            breaker_reset_s=settings.portal_breaker_reset_s,
        )


class OwnerProof(BaseModel):
    """The second factor a citizen gives to see personal details of a dossier."""

    model_config = ConfigDict(frozen=True)

    last4: str = Field(pattern=PROOF_PATTERN, description="Last 4 digits of phone or ID number")
    sender_id: str = Field(min_length=1, description="Conversation sender, pseudonymised on send")


class _Transient(Exception):
    """A failure worth retrying: timeout, connection error or 5xx."""


class PortalClient:
    """One client per process; use ``async with PortalClient(config) as portal``."""

    def __init__(
        self, config: PortalClientConfig, *, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self.config = config
        self.breaker = CircuitBreaker(config.breaker_failures, config.breaker_reset_s, clock)
        self._http = httpx.AsyncClient(
            base_url=config.base_url,
            headers={API_KEY_HEADER: config.api_key, "Accept": "application/json"},
            timeout=httpx.Timeout(config.read_timeout_s, connect=config.connect_timeout_s),
            limits=httpx.Limits(
                max_connections=config.max_connections,
                max_keepalive_connections=config.max_connections,
            ),
        )

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.aclose()

    async def aclose(self) -> None:
        """Close the connection pool."""
        await self._http.aclose()

    async def health(self) -> Health:
        """The portal's health."""
        return await self._get("/api/v1/health", Health)

    async def get_dossier(self, code: str, owner: OwnerProof | None = None) -> Dossier:
        """A dossier's status; personal details too when ``owner`` proves ownership.

        Raises ``InvalidCode`` without calling the portal when ``code`` is malformed.
        """
        canonical = normalise_dossier_code(code)
        headers: dict[str, str] = {}
        if owner is not None:
            headers = {
                OWNER_PROOF_HEADER: owner.last4,
                END_USER_HEADER: end_user_key(owner.sender_id),
            }
        return await self._get(f"/api/v1/dossiers/{canonical}", Dossier, headers=headers)

    async def get_procedure(self, code: str) -> ProcedureRequirements:
        """Today's requirements of a procedure (base or provincial code)."""
        base = normalise_procedure_code(code)
        return await self._get(f"/api/v1/procedures/{base}", ProcedureRequirements)

    async def search_procedures(self, query: str, limit: int = 10) -> ProcedureSearch:
        """Procedures whose name contains every word of ``query``."""
        params = {"q": query, "limit": str(limit)}
        return await self._get("/api/v1/procedures", ProcedureSearch, params=params)

    async def _get(
        self,
        path: str,
        model: type[ModelT],
        *,
        params: dict[str, str] | None = None,
        headers: dict[str, str] | None = None,
    ) -> ModelT:
        if not self.breaker.allow():
            log.warning("portal.circuit_open", path=path)
            raise Unavailable("circuit open: the portal failed recently")
        started = time.monotonic()
        try:
            async with asyncio.timeout(self.config.budget_s):
                response = await self._send_with_retries(path, params, headers)
            result = _parse(response, model)
        except (TimeoutError, _Transient, Unavailable, httpx.HTTPError) as exc:
            self.breaker.record_failure()
            log.warning(
                "portal.unavailable",
                path=path,
                error=type(exc).__name__,
                breaker=self.breaker.state.value,
                elapsed_s=round(time.monotonic() - started, 3),
            )
            if isinstance(exc, Unavailable):
                raise
            raise Unavailable(f"portal did not answer usefully: {type(exc).__name__}") from exc
        except PortalError as exc:
            self.breaker.record_success()
            log.info("portal.refused", path=path, error=type(exc).__name__)
            raise
        self.breaker.record_success()
        log.debug("portal.ok", path=path, elapsed_s=round(time.monotonic() - started, 3))
        return result

    async def _send_with_retries(
        self, path: str, params: dict[str, str] | None, headers: dict[str, str] | None
    ) -> httpx.Response:
        retrying = AsyncRetrying(
            stop=stop_after_attempt(self.config.attempts),
            wait=wait_exponential_jitter(
                multiplier=self.config.backoff_initial_s,
                max=self.config.backoff_max_s,
                jitter=self.config.backoff_initial_s,
            ),
            retry=retry_if_exception_type(_Transient),
            reraise=True,
        )
        async for attempt in retrying:
            with attempt:
                try:
                    response = await self._http.get(path, params=params, headers=headers)
                except httpx.TransportError as exc:
                    raise _Transient(type(exc).__name__) from exc
                if response.status_code >= 500:
                    raise _Transient(f"HTTP {response.status_code}")
        return response


def _parse(response: httpx.Response, model: type[ModelT]) -> ModelT:
    """The typed body of a 2xx answer, or the typed error of a 4xx one."""
    if response.is_success:
        try:
            return model.model_validate_json(response.content)
        except ValidationError as exc:
            raise Unavailable("portal answered with an unexpected body") from exc
    try:
        error = ErrorResponse.model_validate_json(response.content).error
    except ValidationError as exc:
        raise Unavailable(f"portal answered HTTP {response.status_code} without an error") from exc
    status = response.status_code
    if status == 401:
        raise Unauthorised(error.message)
    if status == 404:
        raise NotFound(error.message)
    if status == 429:
        raise Throttled(error.message, error.retry_after_s)
    if error.code == "verification_failed":
        raise VerificationFailed(error.message, error.attempts_left)
    if error.code in {"invalid_code", "invalid_request"}:
        raise InvalidCode(error.message)
    raise Unavailable(f"portal answered HTTP {status} ({error.code})")
