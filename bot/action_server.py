"""The rasa-sdk action server app, with a readiness probe next to rasa-sdk's own ``/health``,
Prometheus metrics and the admin endpoint that swaps in a new knowledge base."""

from __future__ import annotations

import asyncio
import hmac
from dataclasses import asdict
from typing import Any

import structlog
from rasa_sdk.endpoint import create_app
from rasa_sdk.executor import ActionExecutor, ActionExecutorRunResult
from rasa_sdk.interfaces import ActionExecutionRejection
from sanic import Request, Sanic, response
from sqlalchemy.exc import SQLAlchemyError

from bot import metrics, runtime
from bot.settings import get_settings

log = structlog.get_logger(__name__)


class MeteredExecutor(ActionExecutor):
    """rasa-sdk's executor, counting and timing every action run by name and outcome."""

    async def run(
        self, action_call: dict[str, Any], *args: Any, **kwargs: Any
    ) -> ActionExecutorRunResult | None:
        name = str(action_call.get("next_action") or "")
        label = name if name in self.actions else "unknown"
        outcome = "error"
        try:
            with metrics.ACTION_LATENCY.labels(action=label).time():
                result = await super().run(action_call, *args, **kwargs)
            outcome = "ok"
            return result
        except ActionExecutionRejection:
            outcome = "rejected"
            raise
        finally:
            metrics.ACTION_RUNS.labels(action=label, outcome=outcome).inc()


async def ready(_: Request) -> response.HTTPResponse:
    """200 when the inbox database answers (the index is loaded before the server listens)."""
    try:
        await asyncio.to_thread(runtime.inbox().ping)
    except SQLAlchemyError as exc:
        log.warning("inbox_unavailable", error=type(exc).__name__)
        return response.json({"status": "not_ready", "checks": {"inbox": "down"}}, status=503)
    return response.json({"status": "ready", "checks": {"inbox": "up"}})


async def metrics_page(_: Request) -> response.HTTPResponse:
    """The action server's Prometheus metrics."""
    body, content_type = metrics.exposition()
    return response.raw(body, content_type=content_type)


def authorised(request: Request) -> bool:
    """Whether the request carries ``Authorization: Bearer <ISEE_ADMIN_TOKEN>``."""
    scheme, _, token = (request.headers.get("authorization") or "").partition(" ")
    expected = get_settings().admin_token
    return scheme.lower() == "bearer" and hmac.compare_digest(token.encode(), expected.encode())


async def reload_knowledge(request: Request) -> response.HTTPResponse:
    """Load the knowledge base and the current index in a worker thread, then swap them in.

    Requests keep being served meanwhile, by the old knowledge; when loading fails it stays.
    """
    if not authorised(request):
        return response.json(
            {"error": {"code": "unauthorised", "message": "missing or wrong admin token"}},
            status=401,
        )
    try:
        report = await asyncio.to_thread(runtime.reload)
    except Exception as exc:  # whatever failed, the old knowledge keeps serving
        metrics.KB_RELOADS.labels(outcome="failed").inc()
        log.error("kb_reload_failed", error=type(exc).__name__, detail=str(exc))
        body = {"error": {"code": "reload_failed", "message": f"{type(exc).__name__}: {exc}"}}
        return response.json(body, status=409)
    metrics.KB_RELOADS.labels(outcome="ok").inc()
    log.info("kb_reloaded", **asdict(report))
    return response.json({"status": "reloaded", **asdict(report)})


def create_action_server() -> Sanic:
    """rasa-sdk's app (``/health``, ``/webhook``, ``/actions``) running our actions, plus
    ``/ready``, ``/metrics`` and ``POST /admin/reload``."""
    executor = MeteredExecutor()
    executor.register_package("actions")
    app = create_app(executor, cors_origins=None)
    app.add_route(ready, "/ready", methods=["GET"])
    app.add_route(metrics_page, "/metrics", methods=["GET"])
    app.add_route(reload_knowledge, "/admin/reload", methods=["POST"])
    return app
