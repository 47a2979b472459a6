"""payloads as compact JSON text (issue 20): on PostgreSQL `event.payload` and
`outbox_message.payload` (and a document's `data` and `snapshot`) become `text` holding the
canonical JSON (keys sorted, no spaces), ~15-25% fewer bytes than JSONB took; nothing queries
inside them in SQL. Rows stored before keep JSONB's text form (with spaces), which reads as the
same document, so every hash still verifies. The types change in place (`ALTER TABLE`, no UPDATE): the append-only
triggers of `event` and `document` stay. SQLite stores JSON as text already: nothing to do there.

Revision ID: 0017_payloads_as_text
Revises: 0016_hash_links_as_bytes
Create Date: 2026-12-03 11:10:00
"""

from __future__ import annotations

from alembic import op

revision = "0017_payloads_as_text"
down_revision = "0016_hash_links_as_bytes"
branch_labels = None
depends_on = None


COLUMNS = (
    ("event", "payload"),
    ("outbox_message", "payload"),
    ("document", "data"),
    ("document", "snapshot"),
)


def upgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        for table, column in COLUMNS:
            op.execute(f"ALTER TABLE {table} ALTER COLUMN {column} TYPE text USING {column}::text")


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        for table, column in COLUMNS:
            op.execute(
                f"ALTER TABLE {table} ALTER COLUMN {column} TYPE jsonb USING {column}::jsonb"
            )
