"""Alembic environment of the assistant's own tables: online migrations only, URL from the
caller."""

from __future__ import annotations

from alembic import context
from sqlalchemy import create_engine

from bot.inbox.schema import TARGET_METADATA
from bot.settings import get_settings, inbox_url

url = context.config.attributes.get("database_url") or inbox_url(get_settings())
engine = create_engine(url)
with engine.connect() as connection:
    context.configure(
        connection=connection,
        target_metadata=TARGET_METADATA,
        render_as_batch=connection.dialect.name == "sqlite",
    )
    with context.begin_transaction():
        context.run_migrations()
engine.dispose()
