"""Alembic environment of the reference portal: online migrations only, URL from the caller."""

from __future__ import annotations

from alembic import context

from bot.portal_service.config import database_url
from bot.portal_service.db import make_engine
from bot.portal_service.tables import Base
from bot.settings import get_settings

url = context.config.attributes.get("database_url") or database_url(get_settings())
engine = make_engine(url)
with engine.connect() as connection:
    context.configure(
        connection=connection,
        target_metadata=Base.metadata,
        render_as_batch=connection.dialect.name == "sqlite",
    )
    with context.begin_transaction():
        context.run_migrations()
engine.dispose()
