"""payloads as compact JSON text (issue 20): on PostgreSQL `event.payload` and
`outbox_message.payload` become `text` holding the payload's canonical JSON (keys sorted, no
spaces), ~15-25% fewer bytes than JSONB took; nothing queries inside a payload in SQL. Rows
stored before keep JSONB's text form (with spaces), which reads as the same document, so every
hash still verifies. The types change in place (`ALTER TABLE`, no UPDATE): the event table's
append-only triggers stay. SQLite stores JSON as text already: nothing to do there.

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


TABLES = ("event", "outbox_message")


def upgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        for table in TABLES:
            op.execute(f"ALTER TABLE {table} ALTER COLUMN payload TYPE text USING payload::text")


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        for table in TABLES:
            op.execute(f"ALTER TABLE {table} ALTER COLUMN payload TYPE jsonb USING payload::jsonb")
