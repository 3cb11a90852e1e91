"""JSON errors with a stable code and a Vietnamese message the widget can show as is."""

from __future__ import annotations

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel
from starlette.exceptions import HTTPException as StarletteHTTPException

REQUEST_ID_HEADER = "X-Request-ID"


class ErrorBody(BaseModel):
    code: str
    message: str
    request_id: str | None = None


class ErrorResponse(BaseModel):
    error: ErrorBody


class ApiError(Exception):
    """An error the gateway reports to the caller with an HTTP status."""

    def __init__(
        self, status: int, code: str, message: str, headers: dict[str, str] | None = None
    ) -> None:
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message
        self.headers = headers


def error_response(
    status: int,
    code: str,
    message: str,
    request_id: str | None = None,
    headers: dict[str, str] | None = None,
) -> JSONResponse:
    body = ErrorResponse(error=ErrorBody(code=code, message=message, request_id=request_id))
    headers = {**(headers or {}), **({REQUEST_ID_HEADER: request_id} if request_id else {})}
    return JSONResponse(
        status_code=status, content=body.model_dump(exclude_none=True), headers=headers
    )


async def handle_api_error(_: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, ApiError)
    return error_response(exc.status, exc.code, exc.message, headers=exc.headers)


async def handle_validation_error(_: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, RequestValidationError)
    fields = ", ".join(".".join(str(p) for p in e["loc"][1:]) or "body" for e in exc.errors())
    return error_response(
        422,
        "invalid_request",
        f"Dạ, yêu cầu không hợp lệ (trường: {fields}). Anh/chị vui lòng kiểm tra và gửi lại.",
    )


async def handle_http_error(_: Request, exc: Exception) -> JSONResponse:
    """Starlette's own errors (unknown path, wrong method, unreadable body) in our body."""
    assert isinstance(exc, StarletteHTTPException)
    if exc.status_code == 404:
        return error_response(404, "not_found", "Dạ, không có địa chỉ này trên trợ lý ảo.")
    if exc.status_code == 405:
        return error_response(405, "method_not_allowed", "Dạ, địa chỉ này không nhận cách gọi đó.")
    return error_response(
        exc.status_code,
        "invalid_request",
        "Dạ, yêu cầu không đọc được. Anh/chị vui lòng kiểm tra và gửi lại.",
    )


def install_error_handlers(app: FastAPI) -> None:
    """Errors the routes raise, as ``{"error": {"code", "message"}}``; errors nobody expected
    are caught by ``RequestGuardMiddleware``."""
    app.add_exception_handler(ApiError, handle_api_error)
    app.add_exception_handler(RequestValidationError, handle_validation_error)
    app.add_exception_handler(StarletteHTTPException, handle_http_error)
