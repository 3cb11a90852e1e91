"""The schema of the assistant's own tables (inbox, conversation store, console accounts,
channel delivery queue), kept by Alembic: every store brings its database to the latest revision
when it opens it; ``isee inbox migrate`` does the same explicitly."""

from __future__ import annotations

import fcntl
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Engine, text

from bot.channels.delivery.models import Base as DeliveryBase
from bot.inbox.models import Base as InboxBase

ALEMBIC_INI = Path(__file__).resolve().parent / "alembic.ini"
TARGET_METADATA = [InboxBase.metadata, DeliveryBase.metadata]
ADVISORY_LOCK_KEY = 7_319_019
"""PostgreSQL advisory lock held while migrating (one process migrates, the others wait)."""


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
    """Upgrade the database of ``engine`` to the latest revision. A database made before
    migrations existed has no version: the first revision creates only the tables it lacks."""
    with migration_lock(engine):
        config = alembic_config(engine.url.render_as_string(hide_password=False))
        command.upgrade(config, "head")


def ensure_schema(engine: Engine) -> None:
    """Make sure the database is at the latest revision, migrating it if needed (several
    processes opening a new database at once take turns)."""
    if current_revision(engine) != head_revision():
        migrate(engine)


@contextmanager
def migration_lock(engine: Engine) -> Iterator[None]:
    """Hold a lock that one migrating process at a time can have: a lock file next to a SQLite
    database, an advisory lock on PostgreSQL."""
    database = engine.url.database
    if engine.dialect.name == "sqlite" and database and database != ":memory:":
        with open(f"{database}.migrate-lock", "a") as handle:
            fcntl.flock(handle, fcntl.LOCK_EX)
            yield
    elif engine.dialect.name == "postgresql":
        with engine.connect() as connection:
            connection.execute(text("SELECT pg_advisory_lock(:key)"), {"key": ADVISORY_LOCK_KEY})
            connection.commit()
            try:
                yield
            finally:
                connection.execute(
                    text("SELECT pg_advisory_unlock(:key)"), {"key": ADVISORY_LOCK_KEY}
                )
                connection.commit()
    else:
        yield
