"""Async client of the portal API v1: pooled, time-boxed, retried, circuit-broken and typed.

Every failure surfaces as a ``PortalError`` subclass (``bot.portal_contract.errors``, ``bot.portal.errors``); nothing else escapes.
Logs carry the endpoint template, a keyed hash of the dossier code (or the procedure code) and the
outcome, never personal data.
"""

from __future__ import annotations

import asyncio
import re
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

from bot.metrics import count_portal_errors
from bot.portal.breaker import CircuitBreaker
from bot.portal.errors import (
    InvalidProof,
    NotFound,
    Throttled,
    Unauthorised,
    Unavailable,
    VerificationFailed,
)
from bot.portal_contract.codes import normalise_dossier_code, normalise_procedure_code
from bot.portal_contract.errors import InvalidCode, PortalError
from bot.portal_contract.models import (
    API_KEY_HEADER,
    END_USER_HEADER,
    END_USER_PATTERN,
    OWNER_PROOF_HEADER,
    PROOF_PATTERN,
    Dossier,
    ErrorResponse,
    Health,
    ProcedureRequirements,
    ProcedureSearch,
)
from bot.privacy import pseudonym
from bot.settings import Settings, refuse_default_secrets

log = structlog.get_logger(__name__)
ModelT = TypeVar("ModelT", bound=BaseModel)


class PortalClientConfig(BaseModel):
    """How the client reaches the portal and how long it may wait."""

    model_config = ConfigDict(frozen=True)

    base_url: str
    api_key: str
    hash_key: str = Field(min_length=1, description="HMAC key of the dossier codes in logs")
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
        """The configuration given by ``ISEE_*`` settings; refuses development secrets outside
        development (``InsecureSettingsError``)."""
        refuse_default_secrets(settings)
        return cls(
            base_url=settings.portal_url,
            api_key=settings.portal_api_key,
            hash_key=settings.privacy_hash_key,
            connect_timeout_s=settings.portal_connect_timeout_s,
            read_timeout_s=settings.portal_read_timeout_s,
            budget_s=settings.portal_budget_s,
            attempts=settings.portal_attempts,
            breaker_failures=settings.portal_breaker_failures,
            breaker_reset_s=settings.portal_breaker_reset_s,
        )


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
        return await self._get("/api/v1/health", Health, endpoint="/api/v1/health")

    async def get_dossier(self, code: str, client: str, last4: str | None = None) -> Dossier:
        """A dossier's status; its details too when ``last4`` (the last 4 digits of the phone
        number it was filed with) matches. ``client`` is the end client's pseudonymous id that
        the assistant assigned (``bot.portal.owner.client_id``); the portal limits per client.

        Raises ``InvalidCode`` / ``InvalidProof`` without calling the portal on malformed input.
        """
        canonical = normalise_dossier_code(code)
        if not re.fullmatch(END_USER_PATTERN, client):
            raise InvalidProof("malformed client id")
        headers = {END_USER_HEADER: client}
        if last4 is not None:
            if not re.fullmatch(PROOF_PATTERN, last4):
                raise InvalidProof("the owner proof must be 4 ASCII digits")
            headers[OWNER_PROOF_HEADER] = last4
        return await self._get(
            f"/api/v1/dossiers/{canonical}",
            Dossier,
            endpoint="/api/v1/dossiers/{code}",
            ref=pseudonym(canonical, self.config.hash_key),
            headers=headers,
        )

    async def get_procedure(self, code: str) -> ProcedureRequirements:
        """Today's requirements of a procedure (base or provincial code)."""
        base = normalise_procedure_code(code)
        return await self._get(
            f"/api/v1/procedures/{base}",
            ProcedureRequirements,
            endpoint="/api/v1/procedures/{code}",
            ref=base,
        )

    async def search_procedures(self, query: str, limit: int = 10) -> ProcedureSearch:
        """Procedures whose name contains every word of ``query``."""
        params = {"q": query, "limit": str(limit)}
        return await self._get(
            "/api/v1/procedures", ProcedureSearch, endpoint="/api/v1/procedures", params=params
        )

    @count_portal_errors
    async def _get(
        self,
        path: str,
        model: type[ModelT],
        *,
        endpoint: str,
        ref: str | None = None,
        params: dict[str, str] | None = None,
        headers: dict[str, str] | None = None,
    ) -> ModelT:
        permit = self.breaker.allow()
        if permit is None:
            log.warning("portal.circuit_open", endpoint=endpoint, ref=ref)
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
                endpoint=endpoint,
                ref=ref,
                error=type(exc).__name__,
                breaker=self.breaker.state.value,
                elapsed_s=round(time.monotonic() - started, 3),
            )
            if isinstance(exc, Unavailable):
                raise
            raise Unavailable(f"portal did not answer usefully: {type(exc).__name__}") from exc
        except PortalError as exc:
            self.breaker.record_success()
            log.info("portal.refused", endpoint=endpoint, ref=ref, error=type(exc).__name__)
            raise
        finally:
            self.breaker.release(permit)
        self.breaker.record_success()
        log.debug(
            "portal.ok", endpoint=endpoint, ref=ref, elapsed_s=round(time.monotonic() - started, 3)
        )
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
