"""The Prometheus metrics of every process, in one place, and the thin hooks that feed them.

Each process exports the metrics it moves on ``GET /metrics`` (the gateway and the action server;
see README "Operations"). Metric objects live in the process-wide default registry; a process
that never touches one exports it at zero.
"""

from __future__ import annotations

import functools
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, ParamSpec, TypeVar

from prometheus_client import CONTENT_TYPE_LATEST, Counter, Histogram, generate_latest

from bot.portal_contract.errors import PortalError

if TYPE_CHECKING:
    from bot.search.searcher import SearchResult

P = ParamSpec("P")
T = TypeVar("T")

# Latency buckets in seconds: chat turns and actions take tens of milliseconds to seconds.
LATENCY_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0)

# Gateway
HTTP_REQUESTS = Counter(
    "isee_gateway_requests_total",
    "Gateway HTTP requests by method, route template and status code",
    ["method", "route", "status"],
)
HTTP_LATENCY = Histogram(
    "isee_gateway_request_seconds",
    "Gateway HTTP request latency by method and route template",
    ["method", "route"],
    buckets=LATENCY_BUCKETS,
)
CHANNEL_SEND_FAILURES = Counter(
    "isee_channel_send_failures_total",
    "Replies a channel's platform send API did not accept (after retries), by channel and reason",
    ["channel", "reason"],
)

# Action server
ACTION_RUNS = Counter(
    "isee_action_runs_total",
    "Custom action runs by action name and outcome (ok, rejected, error)",
    ["action", "outcome"],
)
ACTION_LATENCY = Histogram(
    "isee_action_seconds",
    "Custom action run latency by action name",
    ["action"],
    buckets=LATENCY_BUCKETS,
)
SEARCH_DECISIONS = Counter(
    "isee_search_decisions_total",
    "Knowledge-base search decisions (answer, guess, clarify, none)",
    ["decision"],
)
SEARCH_LATENCY = Histogram(
    "isee_search_seconds", "Knowledge-base search latency", buckets=LATENCY_BUCKETS
)
PORTAL_ERRORS = Counter(
    "isee_portal_errors_total",
    "Portal API calls that ended in an error, by error kind and endpoint template",
    ["kind", "endpoint"],
)
KB_RELOADS = Counter(
    "isee_kb_reloads_total",
    "Live reloads of the knowledge base and search index by outcome (ok, failed)",
    ["outcome"],
)


def exposition() -> tuple[bytes, str]:
    """The current metrics in Prometheus' text format, and its content type."""
    return generate_latest(), CONTENT_TYPE_LATEST


def observe_search(
    search: Callable[P, SearchResult],
) -> Callable[P, SearchResult]:
    """Count the decision and time of every call of a search method."""

    @functools.wraps(search)
    def timed(*args: P.args, **kwargs: P.kwargs) -> SearchResult:
        with SEARCH_LATENCY.time():
            result = search(*args, **kwargs)
        SEARCH_DECISIONS.labels(decision=result.decision).inc()
        return result

    return timed


def count_portal_errors(call: Callable[P, Awaitable[T]]) -> Callable[P, Awaitable[T]]:
    """Count each ``PortalError`` an async portal call raises, by its class and the call's
    ``endpoint=`` keyword."""

    @functools.wraps(call)
    async def counted(*args: P.args, **kwargs: P.kwargs) -> T:
        try:
            return await call(*args, **kwargs)
        except PortalError as exc:
            endpoint = str(kwargs.get("endpoint", "unknown"))
            PORTAL_ERRORS.labels(kind=snake_case(type(exc).__name__), endpoint=endpoint).inc()
            raise

    return counted


def snake_case(name: str) -> str:
    """``VerificationFailed`` → ``verification_failed``."""
    return "".join(f"_{c.lower()}" if c.isupper() and i else c.lower() for i, c in enumerate(name))
