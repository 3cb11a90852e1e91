"""Callback requests (a contact left when no staff member is available) and when each console
session was last seen (staff presence).

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-05
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0003"
down_revision: str | Sequence[str] | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

UTC_DATETIME = sa.DateTime(timezone=True)


def upgrade() -> None:
    """Add handover_requests.kind and .contact, and staff_sessions.last_seen_at."""
    with op.batch_alter_table("handover_requests") as table:
        table.add_column(sa.Column("kind", sa.String(16), nullable=False, server_default="chat"))
        table.add_column(sa.Column("contact", sa.String(254), nullable=True))
    with op.batch_alter_table("staff_sessions") as table:
        table.add_column(sa.Column("last_seen_at", UTC_DATETIME, nullable=True))
        table.create_index("ix_staff_sessions_last_seen_at", ["last_seen_at"])


def downgrade() -> None:
    """Drop them."""
    with op.batch_alter_table("staff_sessions") as table:
        table.drop_index("ix_staff_sessions_last_seen_at")
        table.drop_column("last_seen_at")
    with op.batch_alter_table("handover_requests") as table:
        table.drop_column("contact")
        table.drop_column("kind")
