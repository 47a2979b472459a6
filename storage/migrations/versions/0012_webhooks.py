"""integration-gaps (issue 18): webhook endpoints, the applicants' choice of notification
channels, and the online dossiers whose acknowledgement was late (R-2.4)

Revision ID: 0012_webhooks
Revises: 0011_citizen_accounts
Create Date: 2026-12-03 07:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0012_webhooks"
down_revision = "0011_citizen_accounts"
branch_labels = None
depends_on = None

JSON = sa.JSON().with_variant(postgresql.JSONB(), "postgresql")
UTC_TIME = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "webhook",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("url", sa.String(length=500), nullable=False),
        sa.Column("events", JSON, nullable=False),
        sa.Column("statuses", JSON, nullable=False),
        sa.Column("sealed_secret", sa.String(length=200), nullable=False),
        sa.Column("description", sa.String(length=200), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("created_at", UTC_TIME, nullable=False),
        sa.Column("created_by", sa.String(length=80), nullable=False),
        sa.Column("disabled_at", UTC_TIME, nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_webhook")),
    )
    op.create_table(
        "notification_choice",
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("email", sa.Boolean(), nullable=False),
        sa.Column("sms", sa.Boolean(), nullable=False),
        sa.Column("email_address", sa.String(length=200), nullable=True),
        sa.Column("phone", sa.String(length=20), nullable=True),
        sa.Column("updated_at", UTC_TIME, nullable=False),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["user_account.id"],
            name=op.f("fk_notification_choice_user_id_user_account"),
        ),
        sa.PrimaryKeyConstraint("user_id", name=op.f("pk_notification_choice")),
    )
    op.create_table(
        "late_acknowledgement",
        sa.Column("dossier_code", sa.String(length=60), nullable=False),
        sa.Column("unit_code", sa.String(length=40), nullable=False),
        sa.Column("submitted_at", UTC_TIME, nullable=False),
        sa.Column("flagged_at", UTC_TIME, nullable=False),
        sa.Column("delivered_at", UTC_TIME, nullable=True),
        sa.Column("reason", sa.String(length=200), nullable=False),
        sa.PrimaryKeyConstraint("dossier_code", name=op.f("pk_late_acknowledgement")),
    )
    op.create_index(
        op.f("ix_late_acknowledgement_unit_code"), "late_acknowledgement", ["unit_code"]
    )
    op.create_index(
        op.f("ix_late_acknowledgement_submitted_at"), "late_acknowledgement", ["submitted_at"]
    )


def downgrade() -> None:
    op.drop_index(op.f("ix_late_acknowledgement_submitted_at"), table_name="late_acknowledgement")
    op.drop_index(op.f("ix_late_acknowledgement_unit_code"), table_name="late_acknowledgement")
    op.drop_table("late_acknowledgement")
    op.drop_table("notification_choice")
    op.drop_table("webhook")
