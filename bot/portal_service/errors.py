"""Errors of the reference portal, rendered as the contract's JSON error body."""

from __future__ import annotations

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from bot.portal_contract.models import ErrorBody, ErrorCode, ErrorResponse


class ApiError(Exception):
    """An answer other than 2xx, with a stable code and a Vietnamese message."""

    def __init__(
        self,
        status: int,
        code: ErrorCode,
        message: str,
        *,
        attempts_left: int | None = None,
        retry_after_s: int | None = None,
    ) -> None:
        super().__init__(message)
        self.status = status
        self.body = ErrorBody(
            code=code, message=message, attempts_left=attempts_left, retry_after_s=retry_after_s
        )


def _response(status: int, body: ErrorBody, headers: dict[str, str] | None = None) -> JSONResponse:
    content = ErrorResponse(error=body).model_dump(mode="json", exclude_none=True)
    return JSONResponse(content, status_code=status, headers=headers)


async def _api_error(_request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, ApiError)
    headers = None
    if exc.body.retry_after_s is not None:
        headers = {"Retry-After": str(exc.body.retry_after_s)}
    return _response(exc.status, exc.body, headers)


async def _validation_error(_request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, RequestValidationError)
    fields = sorted({str(error["loc"][-1]) for error in exc.errors() if error.get("loc")})
    message = "Dạ, yêu cầu có thông tin chưa hợp lệ"
    if fields:
        message += f" ({', '.join(fields)})"
    return _response(422, ErrorBody(code="invalid_request", message=message + "."))


async def _http_error(_request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, StarletteHTTPException)
    if exc.status_code == 404:
        body = ErrorBody(code="not_found", message="Dạ, không có địa chỉ này trên cổng.")
    elif exc.status_code < 500:
        body = ErrorBody(code="invalid_request", message="Dạ, yêu cầu chưa đúng.")
    else:
        body = ErrorBody(code="internal_error", message="Dạ, cổng đang gặp sự cố.")
    return _response(exc.status_code, body)


async def _unexpected_error(_request: Request, _exc: Exception) -> JSONResponse:
    body = ErrorBody(
        code="internal_error", message="Dạ, cổng đang gặp sự cố, anh/chị vui lòng thử lại sau."
    )
    return _response(500, body)


def install_error_handlers(app: FastAPI) -> None:
    """Render every error as ``{"error": {"code", "message"}}``."""
    app.add_exception_handler(ApiError, _api_error)
    app.add_exception_handler(RequestValidationError, _validation_error)
    app.add_exception_handler(StarletteHTTPException, _http_error)
    app.add_exception_handler(Exception, _unexpected_error)
