"""submission keys: the key a submission carries (the portal's signed draft, the API's
`Idempotency-Key`) recorded with the dossier it created, unique, so a replayed or repeated
submission finds that dossier instead of creating a second one

Revision ID: 0019_submission_keys
Revises: 0018_staged_uploads
Create Date: 2026-12-03 14:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0019_submission_keys"
down_revision = "0018_staged_uploads"
branch_labels = None
depends_on = None

UTC_TIME = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "submission_key",
        sa.Column("key", sa.String(length=64), nullable=False),
        sa.Column("dossier_id", sa.Integer(), nullable=False),
        sa.Column("request_hash", sa.String(length=64), nullable=False),
        sa.Column("created_at", UTC_TIME, nullable=False),
        sa.ForeignKeyConstraint(
            ["dossier_id"], ["dossier.id"], name=op.f("fk_submission_key_dossier_id_dossier")
        ),
        sa.PrimaryKeyConstraint("key", name=op.f("pk_submission_key")),
        sa.UniqueConstraint("dossier_id", name=op.f("uq_submission_key_dossier_id")),
    )


def downgrade() -> None:
    op.drop_table("submission_key")
