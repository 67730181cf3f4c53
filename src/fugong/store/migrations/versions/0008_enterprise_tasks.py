"""Enterprise platform: reasons on the white list, and the service tasks' append-only state log.

Revision ID: 0008_enterprise_tasks
Revises: 0007_evidence_purge
Create Date: 2026-11-27
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0008_enterprise_tasks"
down_revision: str | Sequence[str] | None = "0007_evidence_purge"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_LOG_MESSAGE = "ent_task_log is append-only"


def upgrade() -> None:
    """Add ``ent_whitelist.reason`` and ``removed_reason``; create ``ent_task_log`` and its append-only triggers."""
    with op.batch_alter_table("ent_whitelist") as batch:
        batch.add_column(sa.Column("reason", sa.Text(), nullable=True))
        batch.add_column(sa.Column("removed_reason", sa.Text(), nullable=True))
    op.create_table(
        "ent_task_log",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("task_id", sa.Integer(), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("from_state", sa.String(length=10), nullable=True),
        sa.Column("to_state", sa.String(length=10), nullable=False),
        sa.Column("actor", sa.String(length=64), nullable=False),
        sa.Column("assignee", sa.String(length=64), nullable=True),
        sa.Column("note", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(
            ["task_id"], ["ent_service_tasks.id"], name=op.f("fk_ent_task_log_task_id_ent_service_tasks")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_ent_task_log")),
    )
    op.create_index(op.f("ix_ent_task_log_task_id"), "ent_task_log", ["task_id"])
    if op.get_bind().dialect.name == "postgresql":
        op.execute(
            "CREATE FUNCTION ent_task_log_append_only() RETURNS trigger LANGUAGE plpgsql AS $$ "
            f"BEGIN RAISE EXCEPTION '{_LOG_MESSAGE}'; END; $$"
        )
        op.execute(
            "CREATE TRIGGER ent_task_log_no_change BEFORE UPDATE OR DELETE ON ent_task_log "
            "FOR EACH ROW EXECUTE FUNCTION ent_task_log_append_only()"
        )
    else:
        for action in ("UPDATE", "DELETE"):
            op.execute(
                f"CREATE TRIGGER ent_task_log_no_{action.lower()} BEFORE {action} ON ent_task_log "
                f"BEGIN SELECT RAISE(ABORT, '{_LOG_MESSAGE}'); END"
            )


def downgrade() -> None:
    """Drop ``ent_task_log`` (its triggers go with it) and the white list's reasons."""
    op.drop_table("ent_task_log")
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP FUNCTION ent_task_log_append_only()")
    with op.batch_alter_table("ent_whitelist") as batch:
        batch.drop_column("removed_reason")
        batch.drop_column("reason")
