"""Prometheus metrics of the gateway: requests by route template and status, latency, and
``GET /metrics``."""

from __future__ import annotations

import time

from fastapi import FastAPI, Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from bot import metrics

UNMATCHED = "unmatched"  # requests no route took: one label, whatever path was asked


class MetricsMiddleware:
    """Count and time every HTTP request by method, route template and status code."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        status = 500  # what the caller gets if the app fails before answering

        async def send_status(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            await send(message)

        try:
            await self.app(scope, receive, send_status)
        finally:
            route = getattr(scope.get("route"), "path", UNMATCHED)
            method = scope["method"]
            metrics.HTTP_REQUESTS.labels(method=method, route=route, status=str(status)).inc()
            metrics.HTTP_LATENCY.labels(method=method, route=route).observe(
                time.perf_counter() - started
            )


async def metrics_page() -> Response:
    """The gateway's Prometheus metrics."""
    body, content_type = metrics.exposition()
    return Response(content=body, media_type=content_type)


def install_metrics(app: FastAPI) -> None:
    """Add the metrics middleware (inside the request guard) and ``GET /metrics``."""
    app.add_middleware(MetricsMiddleware)
    app.add_api_route("/metrics", metrics_page, methods=["GET"], include_in_schema=False)
