"""The reference portal: a FastAPI app implementing portal API v1 on a real database."""

from __future__ import annotations

from fastapi import FastAPI

from bot.portal_contract.models import API_VERSION
from bot.portal_service.config import ServiceConfig
from bot.portal_service.db import make_engine, make_sessionmaker
from bot.portal_service.errors import install_error_handlers
from bot.portal_service.probes import router as probes_router
from bot.portal_service.routes import health_router, router


def create_app(config: ServiceConfig) -> FastAPI:
    """The portal app on ``config.db_url`` (migrated beforehand by ``isee portal migrate``)."""
    app = FastAPI(
        title="Lạng Sơn public-service portal API",
        version=API_VERSION,
        summary="Dossier status and live procedure requirements for the virtual assistant.",
    )
    app.state.config = config
    app.state.sessions = make_sessionmaker(make_engine(config.db_url))
    install_error_handlers(app)
    app.include_router(probes_router)
    app.include_router(health_router)
    app.include_router(router)
    return app
