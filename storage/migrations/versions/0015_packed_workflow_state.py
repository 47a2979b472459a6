"""packed workflow state (issue 20): `dossier.state` becomes bytes, SpiffWorkflow's JSON compressed
with DEFLATE and a preset dictionary (`storage.packed`), ~1.5 KB instead of ~4 KB of TOAST

The column changes type with each row's text kept as its UTF-8 bytes (which `storage.packed`
still reads), then every row is packed, in batches.

Revision ID: 0015_packed_workflow_state
Revises: 0014_step_spent_time
Create Date: 2026-12-03 10:45:00
"""

from __future__ import annotations

from collections.abc import Callable

import sqlalchemy as sa
from alembic import op

from storage.packed import pack, unpack

revision = "0015_packed_workflow_state"
down_revision = "0014_step_spent_time"
branch_labels = None
depends_on = None

BATCH = 500


def upgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute(
            "ALTER TABLE dossier ALTER COLUMN state TYPE bytea USING convert_to(state, 'UTF8')"
        )
    else:  # SQLite: a table rebuild, CAST(state AS BLOB) keeps the UTF-8 bytes
        with op.batch_alter_table("dossier") as batch_op:
            batch_op.alter_column("state", type_=sa.LargeBinary(), existing_nullable=False)
    _rewrite(lambda stored: pack(unpack(stored)))


def downgrade() -> None:
    _rewrite(lambda stored: unpack(stored).encode())
    if op.get_bind().dialect.name == "postgresql":
        op.execute(
            "ALTER TABLE dossier ALTER COLUMN state TYPE text USING convert_from(state, 'UTF8')"
        )
    else:
        with op.batch_alter_table("dossier") as batch_op:
            batch_op.alter_column("state", type_=sa.Text(), existing_nullable=False)


def _rewrite(convert: Callable[[bytes], bytes]) -> None:
    """Every dossier's stored state through `convert`, by ascending id, BATCH rows at a time."""
    bind = op.get_bind()
    select = sa.text("SELECT id, state FROM dossier WHERE id > :after ORDER BY id LIMIT :n")
    update = sa.text("UPDATE dossier SET state = :state WHERE id = :id")
    after = 0
    while True:
        rows = bind.execute(select, {"after": after, "n": BATCH}).all()
        if not rows:
            return
        changes = []
        for id_, stored in rows:
            new = convert(bytes(stored))
            if new != bytes(stored):
                changes.append({"id": id_, "state": new})
        if changes:
            bind.execute(update.bindparams(sa.bindparam("state", type_=sa.LargeBinary())), changes)
        after = rows[-1][0]
