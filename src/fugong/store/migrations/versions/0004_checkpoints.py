"""Health code II: checkpoint places and their scans (each recorded once, by the gate's scan id).

Revision ID: 0004_checkpoints
Revises: 0003_healthcode
Create Date: 2026-11-26
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0004_checkpoints"
down_revision: str | Sequence[str] | None = "0003_healthcode"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Create gate_places and gate_scans."""
    op.create_table(
        "gate_places",
        sa.Column("place_id", sa.String(length=64), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("place_type", sa.String(length=20), nullable=True),
        sa.Column("county", sa.String(length=6), nullable=True),
        sa.Column("source", sa.String(length=80), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("place_id", name=op.f("pk_gate_places")),
    )
    op.create_index(op.f("ix_gate_places_county"), "gate_places", ["county"])
    op.create_table(
        "gate_scans",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("scan_id", sa.String(length=64), nullable=False),
        sa.Column("place_id", sa.String(length=64), nullable=False),
        sa.Column("scanned_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("staff", sa.String(length=64), nullable=False),
        sa.Column("method", sa.String(length=9), nullable=False),
        sa.Column("subject", sa.String(length=128), nullable=True),
        sa.Column("temperature_tenths", sa.Integer(), nullable=False),
        sa.Column("colour", sa.String(length=6), nullable=True),
        sa.Column("result", sa.String(length=6), nullable=False),
        sa.Column("reason", sa.String(length=32), nullable=False),
        sa.Column("offline", sa.Boolean(), nullable=False),
        sa.ForeignKeyConstraint(
            ["place_id"], ["gate_places.place_id"], name=op.f("fk_gate_scans_place_id_gate_places")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_gate_scans")),
        sa.UniqueConstraint("scan_id", name=op.f("uq_gate_scans_scan_id")),
    )
    op.create_index(op.f("ix_gate_scans_subject"), "gate_scans", ["subject"])
    op.create_index("ix_gate_scans_place_id_scanned_at", "gate_scans", ["place_id", "scanned_at"])


def downgrade() -> None:
    """Drop gate_scans and gate_places."""
    op.drop_index("ix_gate_scans_place_id_scanned_at", table_name="gate_scans")
    op.drop_index(op.f("ix_gate_scans_subject"), table_name="gate_scans")
    op.drop_table("gate_scans")
    op.drop_index(op.f("ix_gate_places_county"), table_name="gate_places")
    op.drop_table("gate_places")
