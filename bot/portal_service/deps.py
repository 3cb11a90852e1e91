"""FastAPI dependencies: configuration, database session and API-key check."""

from __future__ import annotations

import hmac
from collections.abc import Iterator
from typing import Annotated

from fastapi import Depends, Request, Security
from fastapi.security import APIKeyHeader
from sqlalchemy.orm import Session

from bot.portal_contract.models import API_KEY_HEADER
from bot.portal_service.config import ServiceConfig
from bot.portal_service.errors import ApiError

api_key_header = APIKeyHeader(name=API_KEY_HEADER, auto_error=False)


def get_config(request: Request) -> ServiceConfig:
    """The service configuration the app was created with."""
    return request.app.state.config


def get_session(request: Request) -> Iterator[Session]:
    """One database session per request."""
    with request.app.state.sessions() as session:
        yield session


def require_api_key(
    config: Annotated[ServiceConfig, Depends(get_config)],
    api_key: Annotated[str | None, Security(api_key_header)],
) -> None:
    """Refuse requests without the right API key."""
    if api_key is None or not hmac.compare_digest(api_key.encode(), config.api_key.encode()):
        raise ApiError(401, "unauthorised", "Dạ, khoá truy cập cổng không hợp lệ.")


ConfigDep = Annotated[ServiceConfig, Depends(get_config)]
SessionDep = Annotated[Session, Depends(get_session)]
