"""Owner checks that resist guessing: atomic throttle counters, per-client lookups, audit log.

Replaces ``verification_attempts`` (raw dossier codes, caller-chosen user keys, check-then-insert)
with one counter row per key, the dossiers each client looked up (keyed hashes) and an audit log.

Revision ID: 0002
Revises: 0001
Create Date: 2026-12-04
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0002"
down_revision: str | Sequence[str] | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

UTC_DATETIME = sa.DateTime(timezone=True)


def upgrade() -> None:
    """Create the counters, lookups and audit tables; drop the old attempts table."""
    op.create_table(
        "throttle_counters",
        sa.Column("key", sa.String(160), primary_key=True),
        sa.Column("count", sa.Integer(), nullable=False),
        sa.Column("window_started_s", sa.Float(), nullable=False),
    )
    op.create_table(
        "client_lookups",
        sa.Column("client_key", sa.String(128), primary_key=True),
        sa.Column("dossier_hash", sa.String(64), primary_key=True),
        sa.Column("seen_s", sa.Float(), nullable=False),
    )
    op.create_table(
        "check_audit",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("dossier_hash", sa.String(64), nullable=False),
        sa.Column("client_key", sa.String(128), nullable=False),
        sa.Column("result", sa.String(24), nullable=False),
        sa.Column("at", UTC_DATETIME, nullable=False),
    )
    for column in ("dossier_hash", "client_key", "at"):
        op.create_index(f"ix_check_audit_{column}", "check_audit", [column])
    op.drop_table("verification_attempts")


def downgrade() -> None:
    """Restore the old attempts table (empty) and drop the new ones."""
    op.create_table(
        "verification_attempts",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column(
            "dossier_code",
            sa.String(32),
            sa.ForeignKey("dossiers.code", ondelete="CASCADE"),
            nullable=False,
        ),
        sa.Column("user_key", sa.String(128), nullable=False),
        sa.Column("succeeded", sa.Boolean(), nullable=False),
        sa.Column("attempted_at", UTC_DATETIME, nullable=False),
    )
    for column in ("dossier_code", "user_key", "attempted_at"):
        op.create_index(f"ix_verification_attempts_{column}", "verification_attempts", [column])
    for table in ("check_audit", "client_lookups", "throttle_counters"):
        op.drop_table(table)
