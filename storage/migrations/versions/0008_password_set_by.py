"""who set each account's password (issue 12, C11): a role reading personal data across units
is approved by an administrator other than the one who knows the account's password

Accounts whose password was set before this migration keep NULL (unknown).

Revision ID: 0008_password_set_by
Revises: 0007_account_security
Create Date: 2026-12-02 16:20:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0008_password_set_by"
down_revision = "0007_account_security"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("user_account") as batch:
        batch.add_column(sa.Column("password_set_by", sa.String(length=80), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("user_account") as batch:
        batch.drop_column("password_set_by")
