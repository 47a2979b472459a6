"""account token send failures: `account_token.send_failed_at` records that the token's message
(confirmation, reset link, notice) could not be sent, so the resend limit does not count it and
the citizen can ask again at once

Revision ID: 0020_account_token_send_failed
Revises: 0019_submission_keys
Create Date: 2026-12-03 14:40:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0020_account_token_send_failed"
down_revision = "0019_submission_keys"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column(
        "account_token", sa.Column("send_failed_at", sa.DateTime(timezone=True), nullable=True)
    )


def downgrade() -> None:
    with op.batch_alter_table("account_token") as batch:
        batch.drop_column("send_failed_at")
