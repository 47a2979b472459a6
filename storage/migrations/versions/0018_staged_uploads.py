"""staged uploads (branch staged-uploads): every file a citizen uploads on the portal's
submission steps before the dossier exists is recorded per account (size, type, time), so that
a quota can bound what an account keeps staged and the scheduler can sweep what was never
attached; and an index on `dossier_file.sha256`, which the sweep asks before deleting bytes.
Files staged before this migration are not recorded (they were not before either).

Revision ID: 0018_staged_uploads
Revises: 0017_payloads_as_text
Create Date: 2026-12-04 09:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0018_staged_uploads"
down_revision = "0017_payloads_as_text"
branch_labels = None
depends_on = None

UTC_TIME = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "staged_upload",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("size", sa.Integer(), nullable=False),
        sa.Column("content_type", sa.String(length=100), nullable=False),
        sa.Column("staged_at", UTC_TIME, nullable=False),
        sa.ForeignKeyConstraint(
            ["user_id"], ["user_account.id"], name=op.f("fk_staged_upload_user_id_user_account")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_staged_upload")),
        sa.UniqueConstraint("user_id", "sha256", name=op.f("uq_staged_upload_user_id_sha256")),
    )
    op.create_index("ix_staged_upload_sha256", "staged_upload", ["sha256"])
    op.create_index("ix_staged_upload_staged_at", "staged_upload", ["staged_at"])
    op.create_index("ix_dossier_file_sha256", "dossier_file", ["sha256"])


def downgrade() -> None:
    op.drop_index("ix_dossier_file_sha256", table_name="dossier_file")
    op.drop_index("ix_staged_upload_staged_at", table_name="staged_upload")
    op.drop_index("ix_staged_upload_sha256", table_name="staged_upload")
    op.drop_table("staged_upload")
