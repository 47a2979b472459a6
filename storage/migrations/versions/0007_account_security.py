"""account security: a credentials epoch per account (tokens issued before a deactivation,
password, role or unit change stop working for good) and role grant requests (a role reading
personal data across units needs a second administrator)

Tokens issued before this migration carry no epoch and are refused: everyone logs in again.

Revision ID: 0007_account_security
Revises: 0006
Create Date: 2026-12-02 15:20:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0007_account_security"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("user_account") as batch:
        batch.add_column(
            sa.Column("credentials_epoch", sa.Integer(), server_default="0", nullable=False)
        )
    op.create_table(
        "role_grant",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("username", sa.String(length=80), nullable=False),
        sa.Column("role", sa.String(length=40), nullable=False),
        sa.Column("reason", sa.String(length=500), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("requested_by", sa.String(length=80), nullable=False),
        sa.Column("requested_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("decided_by", sa.String(length=80), nullable=True),
        sa.Column("decided_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["user_id"], ["user_account.id"], name=op.f("fk_role_grant_user_id_user_account")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_role_grant")),
    )
    op.create_index("ix_role_grant_status", "role_grant", ["status", "id"], unique=False)


def downgrade() -> None:
    op.drop_index("ix_role_grant_status", table_name="role_grant")
    op.drop_table("role_grant")
    with op.batch_alter_table("user_account") as batch:
        batch.drop_column("credentials_epoch")
