"""hash links as bytes (issue 20): on PostgreSQL the audit chain's SHA-256 values (`event.hash`,
`event.prev_hash`, `chain.head_hash`, `checkpoint_head.hash`) are stored as their 32 bytes
(`bytea`, 33 bytes a value instead of 65); the application still sees lower-case hex
(`storage.packed.HexDigest`), so hashing, verification, export and checkpoints are unchanged.

A stored value that is not a lower-case hex SHA-256 (only a forgery can be) keeps its text as
UTF-8 bytes, and reads back as it was: a row that failed verification before still fails. The
column types change in place (`ALTER TABLE`, no UPDATE), so the append-only triggers stay. SQLite
keeps the text: nothing to do there.

Revision ID: 0016_hash_links_as_bytes
Revises: 0015_packed_workflow_state
Create Date: 2026-12-03 11:00:00
"""

from __future__ import annotations

from alembic import op

revision = "0016_hash_links_as_bytes"
down_revision = "0015_packed_workflow_state"
branch_labels = None
depends_on = None

COLUMNS = (
    ("event", "prev_hash"),
    ("event", "hash"),
    ("chain", "head_hash"),
    ("checkpoint_head", "hash"),
)


def upgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    for table, column in COLUMNS:
        op.execute(
            f"ALTER TABLE {table} ALTER COLUMN {column} TYPE bytea USING "
            f"CASE WHEN {column} ~ '^[0-9a-f]{{64}}$' THEN decode({column}, 'hex') "
            f"ELSE convert_to({column}, 'UTF8') END"
        )


def downgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    for table, column in COLUMNS:
        op.execute(
            f"ALTER TABLE {table} ALTER COLUMN {column} TYPE varchar(64) USING "
            f"CASE WHEN length({column}) = 32 THEN encode({column}, 'hex') "
            f"ELSE convert_from({column}, 'UTF8') END"
        )
