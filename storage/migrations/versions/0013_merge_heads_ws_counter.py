"""merge heads (branch ws-counter): main's head 0012_webhooks and 0011_report_projection
(reports-gaps, merged into ws-counter for its overdue list, follows 0010_outbox); this joins
them and changes nothing. Drop it when reports-gaps' migration is renumbered on main.

Revision ID: 0013_merge_heads_ws_counter
Revises: 0012_webhooks, 0011_report_projection
Create Date: 2026-12-03 07:30:00
"""

from __future__ import annotations

revision = "0013_merge_heads_ws_counter"
down_revision = ("0012_webhooks", "0011_report_projection")
branch_labels = None
depends_on = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
