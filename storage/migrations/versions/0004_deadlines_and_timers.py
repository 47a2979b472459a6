"""deadlines and timers: pinned deadline clock on dossiers, step timeliness, timers, calendar

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-28 09:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None

JSON = sa.JSON().with_variant(postgresql.JSONB(), "postgresql")


def upgrade() -> None:
    with op.batch_alter_table("dossier", schema=None) as batch_op:
        batch_op.add_column(sa.Column("sla", sa.String(length=60), nullable=True))
        batch_op.add_column(sa.Column("supplement_clock", sa.String(length=10), nullable=True))
        batch_op.add_column(sa.Column("counted_from", sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column("clock_budget", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("clock_paused_at", sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column("original_due_at", sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column("reappointment", JSON, nullable=True))
        batch_op.add_column(
            sa.Column("overdue_warned_at", sa.DateTime(timezone=True), nullable=True)
        )
        batch_op.add_column(sa.Column("timeliness", sa.String(length=10), nullable=True))
        batch_op.add_column(sa.Column("receipt", JSON, nullable=True))

    with op.batch_alter_table("work_item", schema=None) as batch_op:
        batch_op.add_column(sa.Column("timeliness", sa.String(length=10), nullable=True))

    op.create_table(
        "timer",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("dossier_id", sa.Integer(), nullable=False),
        sa.Column("bpmn_id", sa.String(length=200), nullable=False),
        sa.Column("due_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("closed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("error", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(
            ["dossier_id"], ["dossier.id"], name=op.f("fk_timer_dossier_id_dossier")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_timer")),
    )
    with op.batch_alter_table("timer", schema=None) as batch_op:
        batch_op.create_index("ix_timer_dossier", ["dossier_id", "status"], unique=False)
        batch_op.create_index("ix_timer_due", ["status", "due_at"], unique=False)

    op.create_table(
        "calendar_override",
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("kind", sa.String(length=10), nullable=False),
        sa.Column("note", sa.String(length=300), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_by", sa.String(length=80), nullable=False),
        sa.PrimaryKeyConstraint("day", name=op.f("pk_calendar_override")),
    )


def downgrade() -> None:
    op.drop_table("calendar_override")
    with op.batch_alter_table("timer", schema=None) as batch_op:
        batch_op.drop_index("ix_timer_due")
        batch_op.drop_index("ix_timer_dossier")
    op.drop_table("timer")
    with op.batch_alter_table("work_item", schema=None) as batch_op:
        batch_op.drop_column("timeliness")
    with op.batch_alter_table("dossier", schema=None) as batch_op:
        for column in (
            "receipt",
            "timeliness",
            "overdue_warned_at",
            "reappointment",
            "original_due_at",
            "clock_paused_at",
            "clock_budget",
            "counted_from",
            "supplement_clock",
            "sla",
        ):
            batch_op.drop_column(column)
