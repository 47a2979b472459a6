"""calendar versions and documents of record: registered calendar data, the version each dossier
pinned at acceptance, and issued documents (Mẫu 01, Mẫu 04), both immutable

Receipts kept in `dossier.receipt` by earlier versions become Mẫu 01 documents, rebuilt from the
dossier row and marked `reconstructed` (their appointment is the statutory due date the row
holds); the column is then dropped.

Revision ID: 0006
Revises: 0004
Create Date: 2026-12-02 09:00:00
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0006"
down_revision = "0004"
branch_labels = None
depends_on = None

JSON = sa.JSON().with_variant(postgresql.JSONB(), "postgresql")
#: Rows of these tables are records of record: inserted once, never changed or removed.
IMMUTABLE_TABLES = ("calendar_version", "document")
RECEIPT_TITLE = "Giấy tiếp nhận hồ sơ và hẹn trả kết quả"
FORM_SET = "Thông tư 03/2025/TT-VPCP"
APPLICANT_FIELDS = ("full_name", "id_number", "address", "phone", "email")
CHANNELS = {1: "direct", 2: "online", 3: "postal"}


def upgrade() -> None:
    op.create_table(
        "calendar_version",
        sa.Column("version", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("content_hash", sa.String(length=64), nullable=False),
        sa.Column("content", JSON, nullable=False),
        sa.Column("registered_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("registered_by", sa.String(length=80), nullable=False),
        sa.PrimaryKeyConstraint("version", name=op.f("pk_calendar_version")),
    )
    op.create_table(
        "document",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("dossier_id", sa.Integer(), nullable=False),
        sa.Column("form", sa.String(length=10), nullable=False),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("form_set", sa.String(length=100), nullable=False),
        sa.Column("issued_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("issued_by", sa.String(length=80), nullable=False),
        sa.Column("unit_code", sa.String(length=40), nullable=False),
        sa.Column("data", JSON, nullable=False),
        sa.ForeignKeyConstraint(
            ["dossier_id"], ["dossier.id"], name=op.f("fk_document_dossier_id_dossier")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_document")),
    )
    with op.batch_alter_table("document", schema=None) as batch_op:
        batch_op.create_index("ix_document_dossier", ["dossier_id", "form"], unique=False)

    _receipts_to_documents()
    if op.get_bind().dialect.name == "sqlite":
        # In place, not by a batch rebuild of the table: the rows of event, work_item, timer,
        # dossier_file and document refer to dossier, and SQLite enforces those foreign keys,
        # so dropping the old table under them fails. (DROP COLUMN: SQLite 3.35 or later.)
        op.execute(
            "ALTER TABLE dossier ADD COLUMN calendar_version INTEGER "
            "REFERENCES calendar_version (version)"
        )
        op.execute("ALTER TABLE dossier DROP COLUMN receipt")
    else:
        op.add_column("dossier", sa.Column("calendar_version", sa.Integer(), nullable=True))
        op.create_foreign_key(
            op.f("fk_dossier_calendar_version_calendar_version"),
            "dossier",
            "calendar_version",
            ["calendar_version"],
            ["version"],
        )
        op.drop_column("dossier", "receipt")

    if op.get_bind().dialect.name == "postgresql":
        for table in IMMUTABLE_TABLES:
            # motcua_refuse_audit_change() comes from migration 0003.
            op.execute(
                f"CREATE TRIGGER {table}_append_only BEFORE UPDATE OR DELETE ON {table} "
                "FOR EACH ROW EXECUTE FUNCTION motcua_refuse_audit_change()"
            )
            op.execute(
                f"CREATE TRIGGER {table}_no_truncate BEFORE TRUNCATE ON {table} "
                "FOR EACH STATEMENT EXECUTE FUNCTION motcua_refuse_audit_change()"
            )
    else:
        for table in IMMUTABLE_TABLES:
            for operation in ("UPDATE", "DELETE"):
                message = (
                    f"{table} is an append-only audit table: {operation} is refused "
                    "(tamper-evident log, Decision 352/QĐ-BHXH)"
                )
                op.execute(
                    f"CREATE TRIGGER {table}_refuse_{operation.lower()} BEFORE {operation} "
                    f"ON {table} BEGIN SELECT RAISE(ABORT, '{message}'); END"
                )


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        for table in IMMUTABLE_TABLES:
            op.execute(f"DROP TRIGGER IF EXISTS {table}_append_only ON {table}")
            op.execute(f"DROP TRIGGER IF EXISTS {table}_no_truncate ON {table}")
    else:
        for table in IMMUTABLE_TABLES:
            for operation in ("update", "delete"):
                op.execute(f"DROP TRIGGER IF EXISTS {table}_refuse_{operation}")
    op.add_column("dossier", sa.Column("receipt", JSON, nullable=True))
    with op.batch_alter_table("dossier", schema=None) as batch_op:  # SQLite: a table rebuild
        batch_op.drop_constraint(
            op.f("fk_dossier_calendar_version_calendar_version"), type_="foreignkey"
        )
        batch_op.drop_column("calendar_version")
    with op.batch_alter_table("document", schema=None) as batch_op:
        batch_op.drop_index("ix_document_dossier")
    op.drop_table("document")
    op.drop_table("calendar_version")


def _receipts_to_documents() -> None:
    """Each receipt an earlier version kept on the dossier row becomes a Mẫu 01 document."""
    bind = op.get_bind()
    meta = sa.MetaData()
    dossier = sa.Table("dossier", meta, autoload_with=bind)
    definition = sa.Table("definition", meta, autoload_with=bind)
    unit = sa.Table("unit", meta, autoload_with=bind)
    document = sa.Table("document", meta, autoload_with=bind)
    rows = bind.execute(
        sa.select(dossier, definition.c.name, definition.c.model, unit.c.name.label("unit_name"))
        .join(definition, definition.c.id == dossier.c.definition_id)
        .join(unit, unit.c.code == dossier.c.unit_code)
        .where(dossier.c.receipt.is_not(None))
    ).mappings()
    for row in rows:
        receipt: dict[str, Any] = row["receipt"] or {}
        reappointment: dict[str, Any] = row["reappointment"] or {}
        appointment = reappointment.get("previous_due_at") or _iso(row["original_due_at"])
        applicant = row["applicant"] or {}
        data = {
            "code": row["code"],
            "procedure": row["procedure_key"],
            "procedure_code": (row["model"] or {}).get("code"),
            "procedure_name": row["name"],
            "unit_code": row["unit_code"],
            "unit_name": row["unit_name"],
            "applicant": {key: applicant.get(key) for key in APPLICANT_FIELDS},
            "documents_received": list(receipt.get("documents_received") or []),
            "received_at": _iso(row["received_at"]),
            "received_by": str(receipt.get("received_by", "")),
            "sla": row["sla"],
            "appointment_at": appointment,
            "channel": CHANNELS.get(row["channel"], str(row["channel"])),
            "return_channel": CHANNELS.get(row["return_channel"], str(row["return_channel"])),
            "calendar_version": None,
            "reconstructed": True,
        }
        bind.execute(
            document.insert().values(
                dossier_id=row["id"],
                form="01",
                title=RECEIPT_TITLE,
                form_set=FORM_SET,
                issued_at=row["received_at"] or row["status_changed_at"],
                issued_by=data["received_by"] or "migration-0006",
                unit_code=row["unit_code"],
                data=data,
            )
        )


def _iso(moment: datetime | None) -> str | None:
    if moment is None:
        return None
    if moment.tzinfo is None:  # SQLite hands back naive UTC
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC).isoformat(timespec="microseconds")
