"""the outbox (issue 18): messages to other systems, written in the transaction of the change
they report and delivered by the scheduler's dispatcher; and the active scheduler's heartbeat,
which the health check reads

Revision ID: 0010_outbox
Revises: 0009_issued_documents
Create Date: 2026-12-03 04:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0010_outbox"
down_revision = "0009_issued_documents"
branch_labels = None
depends_on = None

JSON = sa.JSON().with_variant(postgresql.JSONB(), "postgresql")
BIGINT_PK = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
UTC_TIME = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "outbox_message",
        sa.Column("id", BIGINT_PK, autoincrement=True, nullable=False),
        sa.Column("destination", sa.String(length=40), nullable=False),
        sa.Column("key", sa.String(length=100), nullable=False),
        sa.Column("dossier_code", sa.String(length=60), nullable=False),
        sa.Column("seq", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=40), nullable=False),
        sa.Column("payload", JSON, nullable=False),
        sa.Column("state", sa.String(length=10), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("created_at", UTC_TIME, nullable=False),
        sa.Column("next_attempt_at", UTC_TIME, nullable=False),
        sa.Column("last_attempt_at", UTC_TIME, nullable=True),
        sa.Column("delivered_at", UTC_TIME, nullable=True),
        sa.Column("retried_at", UTC_TIME, nullable=True),
        sa.Column("last_error", sa.String(length=500), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_outbox_message")),
        sa.UniqueConstraint("destination", "key", name=op.f("uq_outbox_message_destination_key")),
    )
    op.create_index("ix_outbox_message_state_next", "outbox_message", ["state", "next_attempt_at"])
    op.create_index(
        "ix_outbox_message_dossier", "outbox_message", ["destination", "dossier_code", "seq"]
    )

    op.create_table(
        "scheduler_heartbeat",
        sa.Column("name", sa.String(length=60), nullable=False),
        sa.Column("holder", sa.String(length=200), nullable=False),
        sa.Column("beat_at", UTC_TIME, nullable=False),
        sa.PrimaryKeyConstraint("name", name=op.f("pk_scheduler_heartbeat")),
    )


def downgrade() -> None:
    op.drop_table("scheduler_heartbeat")
    op.drop_index("ix_outbox_message_dossier", table_name="outbox_message")
    op.drop_index("ix_outbox_message_state_next", table_name="outbox_message")
    op.drop_table("outbox_message")
