"""the handling report's projection (issue 17, branch reports-gaps): per dossier the moments
its figures are decided by, the spans of waiting for the applicant and of each statutory due
date, kept with the events; `motcua migrate` folds the existing event log into it

Revision ID: 0011_report_projection
Revises: 0010_outbox
Create Date: 2026-12-03 07:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0011_report_projection"
down_revision = "0010_outbox"
branch_labels = None
depends_on = None

UTC_TIME = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "report_dossier",
        sa.Column("dossier_id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("code", sa.String(length=60), nullable=False),
        sa.Column("unit_code", sa.String(length=40), nullable=False),
        sa.Column("procedure_key", sa.String(length=100), nullable=False),
        sa.Column("channel", sa.String(length=10), nullable=False),
        sa.Column("submitted_at", UTC_TIME, nullable=False),
        sa.Column("handled_at", UTC_TIME, nullable=True),
        sa.Column("outcome", sa.String(length=10), nullable=True),
        sa.Column("timeliness", sa.String(length=10), nullable=True),
        sa.Column("returned_at", UTC_TIME, nullable=True),
        sa.PrimaryKeyConstraint("dossier_id", name=op.f("pk_report_dossier")),
    )
    op.create_index(
        "ix_report_dossier_unit_submitted", "report_dossier", ["unit_code", "submitted_at"]
    )
    op.create_index("ix_report_dossier_procedure", "report_dossier", ["procedure_key"])
    op.create_table(
        "report_wait",
        sa.Column("dossier_id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("seq", sa.SmallInteger(), autoincrement=False, nullable=False),
        sa.Column("kind", sa.String(length=10), nullable=False),
        sa.Column("from_at", UTC_TIME, nullable=False),
        sa.Column("to_at", UTC_TIME, nullable=True),
        sa.PrimaryKeyConstraint("dossier_id", "seq", name=op.f("pk_report_wait")),
    )
    op.create_table(
        "report_due",
        sa.Column("dossier_id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("seq", sa.SmallInteger(), autoincrement=False, nullable=False),
        sa.Column("due_at", UTC_TIME, nullable=True),
        sa.Column("from_at", UTC_TIME, nullable=False),
        sa.Column("to_at", UTC_TIME, nullable=True),
        sa.PrimaryKeyConstraint("dossier_id", "seq", name=op.f("pk_report_due")),
    )


def downgrade() -> None:
    op.drop_table("report_due")
    op.drop_table("report_wait")
    op.drop_index("ix_report_dossier_procedure", table_name="report_dossier")
    op.drop_index("ix_report_dossier_unit_submitted", table_name="report_dossier")
    op.drop_table("report_dossier")
