"""step timeliness (branch ws-analyst, issue 16/17): the time a completed user task took, kept on
its work item, and an index that hands the heatmap each step's times in order (percentiles by
rank without sorting a procedure's 100,000 dossiers)

Revision ID: 0014_step_spent_time
Revises: 0013_report_projection
Create Date: 2026-12-03 07:15:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0014_step_spent_time"
down_revision = "0013_report_projection"
branch_labels = None
depends_on = None

#: by "is SQLite": the seconds between opening and closing, in each dialect's own arithmetic
_BACKFILL = {
    True: "UPDATE work_item SET spent_seconds = "
    "(julianday(completed_at) - julianday(created_at)) * 86400.0 WHERE completed_at IS NOT NULL",
    False: "UPDATE work_item SET spent_seconds = "
    "extract(epoch from completed_at - created_at) WHERE completed_at IS NOT NULL",
}


def upgrade() -> None:
    with op.batch_alter_table("work_item") as batch_op:
        batch_op.add_column(sa.Column("spent_seconds", sa.Float(), nullable=True))
    op.execute(_BACKFILL[op.get_bind().dialect.name == "sqlite"])
    op.create_index(
        "ix_work_item_step_times",
        "work_item",
        [
            "procedure_key",
            "status",
            "bpmn_id",
            "spent_seconds",
            "completed_at",
            "unit_code",
            "timeliness",
            "due_at",
        ],
    )


def downgrade() -> None:
    op.drop_index("ix_work_item_step_times", table_name="work_item")
    with op.batch_alter_table("work_item") as batch_op:
        batch_op.drop_column("spent_seconds")
