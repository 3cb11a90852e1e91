"""The schema of the assistant's own tables (inbox, conversation store, console accounts,
channel delivery queue), kept by Alembic: every store brings its database to the latest revision
when it opens it; ``isee inbox migrate`` does the same explicitly."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Engine, inspect
from sqlalchemy.exc import DBAPIError

from bot.channels.delivery.models import Base as DeliveryBase
from bot.inbox.models import Base as InboxBase

ALEMBIC_INI = Path(__file__).resolve().parent / "alembic.ini"
TARGET_METADATA = [InboxBase.metadata, DeliveryBase.metadata]
BEFORE_MIGRATIONS = "0001"
"""The revision whose tables earlier versions made with ``create_all`` (no version table)."""
LEGACY_TABLE = "handover_requests"


def alembic_config(url: str) -> Config:
    config = Config(str(ALEMBIC_INI))
    config.set_main_option("script_location", str(ALEMBIC_INI.parent / "migrations"))
    config.attributes["database_url"] = url
    return config


def head_revision() -> str:
    head = ScriptDirectory.from_config(alembic_config("")).get_current_head()
    assert head is not None, "the migrations folder has no revision"
    return head


def current_revision(engine: Engine) -> str | None:
    with engine.connect() as connection:
        return MigrationContext.configure(connection).get_current_revision()


def migrate(engine: Engine) -> None:
    """Upgrade the database of ``engine`` to the latest revision; a database made before
    migrations existed is first stamped with the revision it already has."""
    url = engine.url.render_as_string(hide_password=False)
    config = alembic_config(url)
    if current_revision(engine) is None and inspect(engine).has_table(LEGACY_TABLE):
        command.stamp(config, BEFORE_MIGRATIONS)
    command.upgrade(config, "head")


def ensure_schema(engine: Engine) -> None:
    """Make sure the database is at the latest revision, migrating it if needed. Several
    processes may open the same new database at once: when the upgrade fails because another
    one did it first, the database is at head all the same."""
    head = head_revision()
    if current_revision(engine) == head:
        return
    try:
        migrate(engine)
    except DBAPIError:
        if current_revision(engine) != head:
            raise
