"""Health code: persons, proxies, facts, colours with their append-only log, appeals, notifications, purges.

Revision ID: 0003_healthcode
Revises: 0002_hub
Create Date: 2026-11-26
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0003_healthcode"
down_revision: str | Sequence[str] | None = "0002_hub"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_LOG_MESSAGE = "hc_colour_log is append-only"
_STATUS_MESSAGE = "hc_status changes only with a new hc_colour_log record"


def _person_fk(table: str) -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint(["person_id"], ["hc_persons.id"], name=op.f(f"fk_{table}_person_id_hc_persons"))


def upgrade() -> None:
    """Create the health code's tables and the triggers that keep the colour log honest."""
    op.create_table(
        "hc_persons",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("pseudonym", sa.String(length=32), nullable=False),
        sa.Column("name", sa.Text(), nullable=False),
        sa.Column("id_number", sa.Text(), nullable=False),
        sa.Column("phone", sa.Text(), nullable=True),
        sa.Column("county", sa.String(length=6), nullable=False),
        sa.Column("account", sa.String(length=64), nullable=True),
        sa.Column("registration", sa.String(length=8), nullable=False),
        sa.Column("registered_by", sa.String(length=64), nullable=False),
        sa.Column("registered_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_hc_persons")),
        sa.UniqueConstraint("pseudonym", name=op.f("uq_hc_persons_pseudonym")),
    )
    op.create_index(op.f("ix_hc_persons_county"), "hc_persons", ["county"])
    op.create_index(op.f("ix_hc_persons_account"), "hc_persons", ["account"])
    op.create_table(
        "hc_proxies",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("person_id", sa.Integer(), nullable=False),
        sa.Column("account", sa.String(length=64), nullable=False),
        sa.Column("relation", sa.String(length=20), nullable=False),
        sa.Column("recorded_by", sa.String(length=64), nullable=False),
        sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False),
        _person_fk("hc_proxies"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_hc_proxies")),
        sa.UniqueConstraint("person_id", "account", name=op.f("uq_hc_proxies_person_id_account")),
    )
    op.create_index(op.f("ix_hc_proxies_person_id"), "hc_proxies", ["person_id"])
    op.create_table(
        "hc_facts",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("person_id", sa.Integer(), nullable=False),
        sa.Column("type", sa.String(length=32), nullable=False),
        sa.Column("source", sa.String(length=20), nullable=False),
        sa.Column("on", sa.Date(), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False),
        _person_fk("hc_facts"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_hc_facts")),
    )
    op.create_index(op.f("ix_hc_facts_on"), "hc_facts", ["on"])
    op.create_index("ix_hc_facts_person_id_on", "hc_facts", ["person_id", "on"])
    op.create_table(
        "hc_colour_log",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("person_id", sa.Integer(), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("old_colour", sa.String(length=6), nullable=True),
        sa.Column("new_colour", sa.String(length=6), nullable=False),
        sa.Column("kind", sa.String(length=9), nullable=False),
        sa.Column("on", sa.Date(), nullable=False),
        sa.Column("ruleset_id", sa.String(length=100), nullable=True),
        sa.Column("ruleset_version", sa.Integer(), nullable=True),
        sa.Column("rule", sa.String(length=100), nullable=True),
        sa.Column("facts", sa.Text(), nullable=False),
        sa.Column("proposed_by", sa.String(length=64), nullable=True),
        sa.Column("approved_by", sa.String(length=64), nullable=True),
        sa.Column("reason", sa.Text(), nullable=True),
        sa.Column("appeal_id", sa.Integer(), nullable=True),
        _person_fk("hc_colour_log"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_hc_colour_log")),
    )
    op.create_index(op.f("ix_hc_colour_log_person_id"), "hc_colour_log", ["person_id"])
    op.create_table(
        "hc_status",
        sa.Column("person_id", sa.Integer(), nullable=False),
        sa.Column("colour", sa.String(length=6), nullable=False),
        sa.Column("since", sa.Date(), nullable=True),
        sa.Column("green_on", sa.Date(), nullable=True),
        sa.Column("changed_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("change_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["change_id"], ["hc_colour_log.id"], name=op.f("fk_hc_status_change_id_hc_colour_log")),
        _person_fk("hc_status"),
        sa.PrimaryKeyConstraint("person_id", name=op.f("pk_hc_status")),
    )
    op.create_table(
        "hc_appeals",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("person_id", sa.Integer(), nullable=False),
        sa.Column("filed_by", sa.String(length=64), nullable=False),
        sa.Column("filed_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("due_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("evidence", sa.Text(), nullable=False),
        sa.Column("file_name", sa.String(length=200), nullable=True),
        sa.Column("file_sha256", sa.String(length=64), nullable=True),
        sa.Column("state", sa.String(length=8), nullable=False),
        sa.Column("proposed_colour", sa.String(length=6), nullable=True),
        sa.Column("proposed_by", sa.String(length=64), nullable=True),
        sa.Column("proposal_reason", sa.Text(), nullable=True),
        sa.Column("decided_by", sa.String(length=64), nullable=True),
        sa.Column("decided_at", sa.DateTime(timezone=True), nullable=True),
        _person_fk("hc_appeals"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_hc_appeals")),
    )
    op.create_index(op.f("ix_hc_appeals_person_id"), "hc_appeals", ["person_id"])
    op.create_index(op.f("ix_hc_appeals_state"), "hc_appeals", ["state"])
    op.create_table(
        "hc_notifications",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("person_id", sa.Integer(), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("text_zh", sa.Text(), nullable=False),
        sa.Column("text_en", sa.Text(), nullable=False),
        _person_fk("hc_notifications"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_hc_notifications")),
    )
    op.create_index(op.f("ix_hc_notifications_person_id"), "hc_notifications", ["person_id"])
    op.create_table(
        "hc_purge_log",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("cutoff", sa.Date(), nullable=False),
        sa.Column("retention_days", sa.Integer(), nullable=False),
        sa.Column("removed", sa.Integer(), nullable=False),
        sa.Column("kept_for_appeals", sa.Integer(), nullable=False),
        sa.Column("kept_for_cases", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_hc_purge_log")),
    )
    _triggers()


def _triggers() -> None:
    """The colour log refuses UPDATE and DELETE; a status update must point at a new log record."""
    if op.get_bind().dialect.name == "postgresql":
        op.execute(
            "CREATE FUNCTION hc_colour_log_append_only() RETURNS trigger LANGUAGE plpgsql AS $$ "
            f"BEGIN RAISE EXCEPTION '{_LOG_MESSAGE}'; END; $$"
        )
        op.execute(
            "CREATE TRIGGER hc_colour_log_no_change BEFORE UPDATE OR DELETE ON hc_colour_log "
            "FOR EACH ROW EXECUTE FUNCTION hc_colour_log_append_only()"
        )
        op.execute(
            "CREATE TRIGGER hc_colour_log_no_truncate BEFORE TRUNCATE ON hc_colour_log "
            "FOR EACH STATEMENT EXECUTE FUNCTION hc_colour_log_append_only()"
        )
        op.execute(
            "CREATE FUNCTION hc_status_needs_record() RETURNS trigger LANGUAGE plpgsql AS $$ "
            f"BEGIN IF TG_OP = 'DELETE' OR NEW.change_id = OLD.change_id THEN RAISE EXCEPTION '{_STATUS_MESSAGE}'; "
            "END IF; RETURN NEW; END; $$"
        )
        op.execute(
            "CREATE TRIGGER hc_status_needs_record BEFORE UPDATE OR DELETE ON hc_status "
            "FOR EACH ROW EXECUTE FUNCTION hc_status_needs_record()"
        )
    else:
        for action in ("UPDATE", "DELETE"):
            op.execute(
                f"CREATE TRIGGER hc_colour_log_no_{action.lower()} BEFORE {action} ON hc_colour_log "
                f"BEGIN SELECT RAISE(ABORT, '{_LOG_MESSAGE}'); END"
            )
        op.execute(
            "CREATE TRIGGER hc_status_needs_record BEFORE UPDATE ON hc_status "
            f"WHEN NEW.change_id = OLD.change_id BEGIN SELECT RAISE(ABORT, '{_STATUS_MESSAGE}'); END"
        )
        op.execute(
            f"CREATE TRIGGER hc_status_no_delete BEFORE DELETE ON hc_status "
            f"BEGIN SELECT RAISE(ABORT, '{_STATUS_MESSAGE}'); END"
        )


def downgrade() -> None:
    """Drop the health code's tables (their triggers go with them) and the trigger functions."""
    op.drop_table("hc_purge_log")
    op.drop_index(op.f("ix_hc_notifications_person_id"), table_name="hc_notifications")
    op.drop_table("hc_notifications")
    op.drop_index(op.f("ix_hc_appeals_state"), table_name="hc_appeals")
    op.drop_index(op.f("ix_hc_appeals_person_id"), table_name="hc_appeals")
    op.drop_table("hc_appeals")
    op.drop_table("hc_status")
    op.drop_index(op.f("ix_hc_colour_log_person_id"), table_name="hc_colour_log")
    op.drop_table("hc_colour_log")
    op.drop_index("ix_hc_facts_person_id_on", table_name="hc_facts")
    op.drop_index(op.f("ix_hc_facts_on"), table_name="hc_facts")
    op.drop_table("hc_facts")
    op.drop_index(op.f("ix_hc_proxies_person_id"), table_name="hc_proxies")
    op.drop_table("hc_proxies")
    op.drop_index(op.f("ix_hc_persons_account"), table_name="hc_persons")
    op.drop_index(op.f("ix_hc_persons_county"), table_name="hc_persons")
    op.drop_table("hc_persons")
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP FUNCTION IF EXISTS hc_status_needs_record()")
        op.execute("DROP FUNCTION IF EXISTS hc_colour_log_append_only()")
