"""The Alembic migrations of the assistant's own tables build exactly what the models define, on
SQLite and (when ISEE_TEST_POSTGRES_URL names a scratch database) PostgreSQL."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import Engine, create_engine, inspect, make_url

from bot.channels.delivery.store import DeliveryStore
from bot.inbox.schema import (
    TARGET_METADATA,
    alembic_config,
    current_revision,
    head_revision,
    migrate,
)
from bot.inbox.store import InboxStore
from bot.retention import POSTGRES_DRIVER
from tests.e2e.processes import REPO


def schema_diff(url: str) -> list[object]:
    engine = create_engine(url)
    try:
        with engine.connect() as connection:
            context = MigrationContext.configure(connection)
            return list(compare_metadata(context, TARGET_METADATA))
    finally:
        engine.dispose()


def test_migrating_an_empty_sqlite_database_gives_the_models_schema(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'inbox.db'}"
    engine = create_engine(url)
    migrate(engine)
    assert current_revision(engine) == head_revision()
    engine.dispose()
    assert schema_diff(url) == []


SCRATCH_DATABASE = "isee_test_inbox_migrations"


@pytest.mark.skipif(
    not os.environ.get("ISEE_TEST_POSTGRES_URL"), reason="ISEE_TEST_POSTGRES_URL not set"
)
def test_migrating_an_empty_postgres_database_gives_the_models_schema() -> None:
    server = make_url(os.environ["ISEE_TEST_POSTGRES_URL"]).set(drivername=POSTGRES_DRIVER)
    admin = create_engine(server, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:  # a database of its own: other tests share the server's
        connection.exec_driver_sql(f"DROP DATABASE IF EXISTS {SCRATCH_DATABASE}")
        connection.exec_driver_sql(f"CREATE DATABASE {SCRATCH_DATABASE}")
    admin.dispose()
    url = server.set(database=SCRATCH_DATABASE).render_as_string(hide_password=False)
    engine = create_engine(url)
    migrate(engine)
    assert current_revision(engine) == head_revision()
    engine.dispose()
    assert schema_diff(url) == []


def made_before_migrations(url: str, keep: set[str]) -> Engine:
    """A database as ``create_all`` made it before migrations existed: the first revision's
    tables (only ``keep``), no version table."""
    command.upgrade(alembic_config(url), "0001")
    engine = create_engine(url)
    with engine.begin() as connection:
        for table in [*inspect(connection).get_table_names()]:
            if table not in keep:
                connection.exec_driver_sql(f"DROP TABLE {table}")
    assert current_revision(engine) is None
    return engine


INBOX_TABLES = {"handover_requests", "feedback", "chat_turns"}
CHANNEL_TABLES = {"channel_incoming", "channel_outgoing", "channel_choices", "zalo_tokens"}


def test_a_database_made_before_migrations_is_adopted_and_upgraded(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'old.db'}"
    engine = made_before_migrations(url, INBOX_TABLES | CHANNEL_TABLES)
    with engine.begin() as connection:
        connection.exec_driver_sql(
            "INSERT INTO feedback (conversation_id, entry_id, helpful, created_at) "
            "VALUES ('web:a', 'faq:x', 1, '2026-01-01 00:00:00')"
        )
    InboxStore(url).record_turn("web:a", "xin chào", [])
    assert current_revision(engine) == head_revision()
    assert "conversation_turns" in inspect(engine).get_table_names()
    assert InboxStore(url).feedback_summary() == {"faq:x": (1, 0)}
    engine.dispose()
    assert schema_diff(url) == []


def test_every_store_opens_a_new_database_at_the_latest_revision(tmp_path: Path) -> None:
    for store in (InboxStore, DeliveryStore):
        url = f"sqlite:///{tmp_path / (store.__name__ + '.db')}"
        store(url)
        engine = create_engine(url)
        assert current_revision(engine) == head_revision()
        engine.dispose()


def test_a_channel_only_database_made_before_migrations_is_adopted(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'channels.db'}"
    engine = made_before_migrations(url, CHANNEL_TABLES)
    DeliveryStore(url)
    assert current_revision(engine) == head_revision()
    engine.dispose()
    assert schema_diff(url) == []


def test_processes_opening_a_new_database_at_once_all_start(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'shared.db'}"
    opener = f"from bot.inbox.store import InboxStore; InboxStore({url!r})"
    processes = [
        subprocess.Popen([sys.executable, "-c", opener], cwd=REPO, stderr=subprocess.PIPE)
        for _ in range(4)
    ]
    for process in processes:
        _, errors = process.communicate(timeout=120)
        assert process.returncode == 0, errors.decode()
    assert schema_diff(url) == []
