"""Every request gets an id (in its log lines and the ``X-Request-ID`` header); an error nobody
expected becomes the JSON error body with that id, logged once with a plain traceback."""

from __future__ import annotations

import traceback
import uuid

import structlog
from starlette.datastructures import MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from bot.gateway.errors import REQUEST_ID_HEADER, error_response

log = structlog.get_logger(__name__)


class RequestGuardMiddleware:
    """The outermost layer of the gateway's own middleware."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        request_id = uuid.uuid4().hex
        started = False

        async def send_with_id(message: Message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
                MutableHeaders(scope=message)[REQUEST_ID_HEADER] = request_id
            await send(message)

        with structlog.contextvars.bound_contextvars(request_id=request_id):
            try:
                await self.app(scope, receive, send_with_id)
            except Exception as exc:
                # No locals in the traceback: they may hold what a citizen typed.
                log.error(
                    "unexpected_error",
                    method=scope.get("method"),
                    path=scope.get("path"),
                    error=type(exc).__name__,
                    traceback="".join(traceback.format_exception(exc)),
                )
                if started:
                    raise
                response = error_response(
                    500,
                    "internal_error",
                    "Dạ, trợ lý ảo vừa gặp sự cố khi xử lý yêu cầu này. Anh/chị vui lòng thử lại "
                    f"sau ít phút; nếu vẫn lỗi, xin báo cho cán bộ hỗ trợ mã sự cố {request_id}.",
                    request_id,
                )
                await response(scope, receive, send)
