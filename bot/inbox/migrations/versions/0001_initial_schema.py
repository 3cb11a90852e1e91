"""Initial schema: the tables earlier versions made with create_all — hand-over requests,
feedback, web-chat turns and the channel delivery queue.

Revision ID: 0001
Revises:
Create Date: 2026-12-04
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0001"
down_revision: str | Sequence[str] | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

UTC_DATETIME = sa.DateTime(timezone=True)


def _absent(table: str) -> bool:
    return table not in sa.inspect(op.get_bind()).get_table_names()


def upgrade() -> None:
    """Create the inbox and channel delivery tables; a table a database made before
    migrations already has (by ``create_all``, in this very shape) is left as it is."""
    if _absent("handover_requests"):
        op.create_table(
            "handover_requests",
            sa.Column("id", sa.Integer(), primary_key=True),
            sa.Column("conversation_id", sa.String(128), nullable=False),
            sa.Column("last_message", sa.Text(), nullable=False),
            sa.Column("procedure", sa.String(32), nullable=True),
            sa.Column("status", sa.String(16), nullable=False),
            sa.Column("created_at", UTC_DATETIME, nullable=False),
        )
        op.create_index(
            "ix_handover_requests_conversation_id", "handover_requests", ["conversation_id"]
        )
    if _absent("feedback"):
        op.create_table(
            "feedback",
            sa.Column("id", sa.Integer(), primary_key=True),
            sa.Column("conversation_id", sa.String(128), nullable=False),
            sa.Column("entry_id", sa.String(128), nullable=False),
            sa.Column("helpful", sa.Boolean(), nullable=False),
            sa.Column("created_at", UTC_DATETIME, nullable=False),
        )
        op.create_index("ix_feedback_conversation_id", "feedback", ["conversation_id"])
        op.create_index("ix_feedback_entry_id", "feedback", ["entry_id"])
    if _absent("chat_turns"):
        op.create_table(
            "chat_turns",
            sa.Column("id", sa.Integer(), primary_key=True),
            sa.Column("conversation_id", sa.String(128), nullable=False),
            sa.Column("user_text", sa.Text(), nullable=False),
            sa.Column("replies", sa.JSON(), nullable=False),
            sa.Column("created_at", UTC_DATETIME, nullable=False),
        )
        op.create_index("ix_chat_turns_conversation_id", "chat_turns", ["conversation_id"])
        op.create_index("ix_chat_turns_created_at", "chat_turns", ["created_at"])
    if _absent("channel_incoming"):
        op.create_table(
            "channel_incoming",
            sa.Column("id", sa.Integer(), primary_key=True),
            sa.Column("channel", sa.String(16), nullable=False),
            sa.Column("message_id", sa.String(255), nullable=False),
            sa.Column("user_id", sa.String(128), nullable=False),
            sa.Column("sender", sa.String(160), nullable=False),
            sa.Column("kind", sa.String(16), nullable=False),
            sa.Column("text", sa.Text(), nullable=False),
            sa.Column("status", sa.String(16), nullable=False),
            sa.Column("attempts", sa.Integer(), nullable=False),
            sa.Column("error", sa.Text(), nullable=True),
            sa.Column("received_at", UTC_DATETIME, nullable=False),
            sa.Column("updated_at", UTC_DATETIME, nullable=False),
            sa.UniqueConstraint("channel", "message_id", name="uq_channel_incoming_id"),
        )
        op.create_index("ix_channel_incoming_sender", "channel_incoming", ["sender"])
        op.create_index("ix_channel_incoming_status", "channel_incoming", ["status"])
    if _absent("channel_outgoing"):
        op.create_table(
            "channel_outgoing",
            sa.Column("id", sa.Integer(), primary_key=True),
            sa.Column("incoming_id", sa.Integer(), nullable=False),
            sa.Column("seq", sa.Integer(), nullable=False),
            sa.Column("body", sa.Text(), nullable=False),
            sa.Column("status", sa.String(16), nullable=False),
            sa.Column("attempts", sa.Integer(), nullable=False),
            sa.Column("error", sa.Text(), nullable=True),
            sa.Column("created_at", UTC_DATETIME, nullable=False),
        )
        op.create_index("ix_channel_outgoing_incoming_id", "channel_outgoing", ["incoming_id"])
    if _absent("channel_choices"):
        op.create_table(
            "channel_choices",
            sa.Column("sender", sa.String(160), primary_key=True),
            sa.Column("payloads", sa.Text(), nullable=False),
        )
    if _absent("zalo_tokens"):
        op.create_table(
            "zalo_tokens",
            sa.Column("id", sa.Integer(), primary_key=True),
            sa.Column("access_token", sa.Text(), nullable=False),
            sa.Column("refresh_token", sa.Text(), nullable=False),
            sa.Column("expires_at", UTC_DATETIME, nullable=True),
            sa.Column("seed_refresh_token", sa.Text(), nullable=False),
            sa.Column("updated_at", UTC_DATETIME, nullable=False),
        )


def downgrade() -> None:
    """Drop them."""
    for table in (
        "zalo_tokens",
        "channel_choices",
        "channel_outgoing",
        "channel_incoming",
        "chat_turns",
        "feedback",
        "handover_requests",
    ):
        op.drop_table(table)
