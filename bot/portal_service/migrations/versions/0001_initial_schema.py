"""Initial schema: agencies, procedures with requirements, dossiers with history, verifications.

Revision ID: 0001
Revises:
Create Date: 2026-11-26
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0001"
down_revision: str | Sequence[str] | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

UTC_DATETIME = sa.DateTime(timezone=True)


def upgrade() -> None:
    """Create every table of API v1."""
    op.create_table(
        "agencies",
        sa.Column("code", sa.String(20), primary_key=True),
        sa.Column("name", sa.String(255), nullable=False),
        sa.Column("level", sa.String(8), nullable=False),
    )
    op.create_table(
        "procedures",
        sa.Column("code", sa.String(10), primary_key=True),
        sa.Column("name", sa.Text(), nullable=False),
        sa.Column("name_folded", sa.Text(), nullable=False),
        sa.Column("field", sa.String(255), nullable=False),
        sa.Column("agency", sa.Text(), nullable=True),
        sa.Column("address", sa.Text(), nullable=True),
        sa.Column("updated_on", sa.Date(), nullable=False),
    )
    for table, columns in (
        (
            "procedure_documents",
            [
                sa.Column("name", sa.Text(), nullable=False),
                sa.Column("copies", sa.Text(), nullable=True),
                sa.Column("form", sa.Text(), nullable=True),
            ],
        ),
        (
            "procedure_channels",
            [
                sa.Column("kind", sa.String(12), nullable=False),
                sa.Column("time", sa.Text(), nullable=True),
                sa.Column("fee", sa.Text(), nullable=True),
            ],
        ),
    ):
        op.create_table(
            table,
            sa.Column("id", sa.Integer(), primary_key=True),
            sa.Column(
                "procedure_code",
                sa.String(10),
                sa.ForeignKey("procedures.code", ondelete="CASCADE"),
                nullable=False,
            ),
            sa.Column("position", sa.Integer(), nullable=False),
            *columns,
        )
        op.create_index(f"ix_{table}_procedure_code", table, ["procedure_code"])
    op.create_table(
        "dossiers",
        sa.Column("code", sa.String(32), primary_key=True),
        sa.Column(
            "procedure_code", sa.String(10), sa.ForeignKey("procedures.code"), nullable=False
        ),
        sa.Column("agency_code", sa.String(20), sa.ForeignKey("agencies.code"), nullable=False),
        sa.Column("status", sa.String(24), nullable=False),
        sa.Column("submitted_at", UTC_DATETIME, nullable=False),
        sa.Column("due_at", UTC_DATETIME, nullable=False),
        sa.Column("completed_at", UTC_DATETIME, nullable=True),
        sa.Column("current_step", sa.Text(), nullable=False),
        sa.Column("supplement_documents", sa.JSON(), nullable=False),
        sa.Column("fee_due", sa.Text(), nullable=True),
        sa.Column("delivery", sa.String(10), nullable=False),
        sa.Column("applicant_name", sa.String(120), nullable=False),
        sa.Column("applicant_phone", sa.String(15), nullable=False),
        sa.Column("applicant_id_number", sa.String(12), nullable=False),
        sa.Column("applicant_address", sa.Text(), nullable=False),
    )
    op.create_index("ix_dossiers_procedure_code", "dossiers", ["procedure_code"])
    op.create_index("ix_dossiers_agency_code", "dossiers", ["agency_code"])
    op.create_index("ix_dossiers_status_due", "dossiers", ["status", "due_at"])
    op.create_table(
        "dossier_events",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column(
            "dossier_code",
            sa.String(32),
            sa.ForeignKey("dossiers.code", ondelete="CASCADE"),
            nullable=False,
        ),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("at", UTC_DATETIME, nullable=False),
        sa.Column("status", sa.String(24), nullable=False),
        sa.Column("step", sa.Text(), nullable=False),
        sa.Column("agency", sa.Text(), nullable=True),
        sa.Column("note", sa.Text(), nullable=True),
    )
    op.create_index("ix_dossier_events_dossier_code", "dossier_events", ["dossier_code"])
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


def downgrade() -> None:
    """Drop every table of API v1."""
    for table in (
        "verification_attempts",
        "dossier_events",
        "dossiers",
        "procedure_channels",
        "procedure_documents",
        "procedures",
        "agencies",
    ):
        op.drop_table(table)
