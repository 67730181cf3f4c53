"""Hub: grants of datasets by purpose, and the append-only audit log of reads (triggers refuse edits).

Revision ID: 0002_hub
Revises: 0001_foundation
Create Date: 2026-11-26
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0002_hub"
down_revision: str | Sequence[str] | None = "0001_foundation"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_MESSAGE = "hub_audit_log is append-only"


def upgrade() -> None:
    """Create the hub's tables; make the audit log refuse UPDATE and DELETE in the database itself."""
    op.create_table(
        "hub_grants",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("grantee_kind", sa.String(length=8), nullable=False),
        sa.Column("grantee", sa.String(length=64), nullable=False),
        sa.Column("dataset", sa.String(length=100), nullable=False),
        sa.Column("columns", sa.Text(), nullable=False),
        sa.Column("purpose", sa.String(length=200), nullable=False),
        sa.Column("granted_by", sa.String(length=64), nullable=False),
        sa.Column("granted_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("revoked_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_hub_grants")),
        sa.UniqueConstraint(
            "grantee_kind",
            "grantee",
            "dataset",
            "purpose",
            name=op.f("uq_hub_grants_grantee_kind_grantee_dataset_purpose"),
        ),
    )
    op.create_index(op.f("ix_hub_grants_dataset"), "hub_grants", ["dataset"])
    op.create_table(
        "hub_audit_log",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("actor", sa.String(length=64), nullable=False),
        sa.Column("actor_kind", sa.String(length=8), nullable=False),
        sa.Column("roles", sa.Text(), nullable=False),
        sa.Column("via", sa.String(length=16), nullable=False),
        sa.Column("dataset", sa.String(length=100), nullable=False),
        sa.Column("snapshot_id", sa.String(length=40), nullable=True),
        sa.Column("columns", sa.Text(), nullable=False),
        sa.Column("personal_columns", sa.Text(), nullable=False),
        sa.Column("purpose", sa.Text(), nullable=False),
        sa.Column("outcome", sa.String(length=8), nullable=False),
        sa.Column("rows", sa.Integer(), nullable=True),
        sa.Column("detail", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_hub_audit_log")),
    )
    op.create_index(op.f("ix_hub_audit_log_at"), "hub_audit_log", ["at"])
    op.create_index(op.f("ix_hub_audit_log_actor"), "hub_audit_log", ["actor"])
    op.create_index("ix_hub_audit_log_dataset_at", "hub_audit_log", ["dataset", "at"])
    if op.get_bind().dialect.name == "postgresql":
        op.execute(
            "CREATE FUNCTION hub_audit_log_append_only() RETURNS trigger LANGUAGE plpgsql AS $$ "
            f"BEGIN RAISE EXCEPTION '{_MESSAGE}'; END; $$"
        )
        op.execute(
            "CREATE TRIGGER hub_audit_log_no_change BEFORE UPDATE OR DELETE ON hub_audit_log "
            "FOR EACH ROW EXECUTE FUNCTION hub_audit_log_append_only()"
        )
        op.execute(
            "CREATE TRIGGER hub_audit_log_no_truncate BEFORE TRUNCATE ON hub_audit_log "
            "FOR EACH STATEMENT EXECUTE FUNCTION hub_audit_log_append_only()"
        )
    else:
        for action in ("UPDATE", "DELETE"):
            op.execute(
                f"CREATE TRIGGER hub_audit_log_no_{action.lower()} BEFORE {action} ON hub_audit_log "
                f"BEGIN SELECT RAISE(ABORT, '{_MESSAGE}'); END"
            )


def downgrade() -> None:
    """Drop the hub's tables (and the audit log's triggers with them)."""
    op.drop_index("ix_hub_audit_log_dataset_at", table_name="hub_audit_log")
    op.drop_index(op.f("ix_hub_audit_log_actor"), table_name="hub_audit_log")
    op.drop_index(op.f("ix_hub_audit_log_at"), table_name="hub_audit_log")
    op.drop_table("hub_audit_log")
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP FUNCTION IF EXISTS hub_audit_log_append_only()")
    op.drop_index(op.f("ix_hub_grants_dataset"), table_name="hub_grants")
    op.drop_table("hub_grants")
