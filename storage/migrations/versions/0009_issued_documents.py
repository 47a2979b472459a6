"""issued documents of record (issue 14): per unit/form/year numbering, and each document's
number, data snapshot, SHA-256 and signed PDF

`document_sequence` holds the last number a unit gave a form in a year; issuing takes the next
one with an upsert in the step's transaction (concurrency-safe). The new `document` columns are
nullable: documents issued before this migration have no PDF (they stay as issued). `corrects`
names the document a correction replaces (a correction is a new document, never an edit). The
columns are added in place, so the append-only triggers of migration 0006 stay.

Revision ID: 0009_issued_documents
Revises: 0008_password_set_by
Create Date: 2026-12-03 00:10:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0009_issued_documents"
down_revision = "0008_password_set_by"
branch_labels = None
depends_on = None

JSON = sa.JSON().with_variant(postgresql.JSONB(), "postgresql")
BYTES = sa.LargeBinary().with_variant(postgresql.BYTEA(), "postgresql")


def upgrade() -> None:
    op.create_table(
        "document_sequence",
        sa.Column("unit_code", sa.String(length=40), nullable=False),
        sa.Column("form", sa.String(length=20), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("last_value", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("unit_code", "form", "year", name=op.f("pk_document_sequence")),
    )
    op.add_column("document", sa.Column("template", sa.String(length=20), nullable=True))
    op.add_column("document", sa.Column("year", sa.Integer(), nullable=True))
    op.add_column("document", sa.Column("sequence", sa.Integer(), nullable=True))
    op.add_column("document", sa.Column("number", sa.String(length=60), nullable=True))
    op.add_column("document", sa.Column("snapshot", JSON, nullable=True))
    op.add_column("document", sa.Column("sha256", sa.String(length=64), nullable=True))
    op.add_column("document", sa.Column("pdf", BYTES, nullable=True))
    op.add_column("document", sa.Column("corrects", sa.Integer(), nullable=True))
    op.create_index(
        "ux_document_number",
        "document",
        ["unit_code", "template", "year", "sequence"],
        unique=True,
    )


def downgrade() -> None:
    op.drop_index("ux_document_number", table_name="document")
    for column in ("corrects", "pdf", "sha256", "snapshot", "number", "sequence", "year"):
        op.drop_column("document", column)
    op.drop_column("document", "template")
    op.drop_table("document_sequence")
