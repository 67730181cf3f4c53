"""Health code retention: the purge log counts the appeal evidence files it removed.

Revision ID: 0007_evidence_purge
Revises: 0006_survey
Create Date: 2026-11-27
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0007_evidence_purge"
down_revision: str | Sequence[str] | None = "0006_survey"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Add ``hc_purge_log.evidence_removed`` (0 for the purges before it)."""
    with op.batch_alter_table("hc_purge_log") as batch:
        batch.add_column(sa.Column("evidence_removed", sa.Integer(), nullable=False, server_default="0"))


def downgrade() -> None:
    """Drop ``hc_purge_log.evidence_removed``."""
    with op.batch_alter_table("hc_purge_log") as batch:
        batch.drop_column("evidence_removed")
