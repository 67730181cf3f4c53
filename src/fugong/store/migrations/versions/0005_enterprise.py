"""Enterprise platform: enterprises, accounts, declarations with their append-only state log, notices, white list,
employees, service tasks.

Revision ID: 0005_enterprise
Revises: 0004_checkpoints
Create Date: 2026-11-26
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

import sqlalchemy as sa
from alembic import op

revision: str = "0005_enterprise"
down_revision: str | Sequence[str] | None = "0004_checkpoints"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_LOG_MESSAGE = "ent_state_log is append-only"
_FALSE = sa.false()
_OPEN = "state IN ('submitted', 'under_review')"


def _fk(table: str, column: str, target: str) -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint([column], [f"{target}.id"], name=op.f(f"fk_{table}_{column}_{target}"))


def _enterprise_fk(table: str) -> sa.ForeignKeyConstraint:
    return _fk(table, "enterprise_id", "ent_enterprises")


def _when(name: str, nullable: bool = False) -> sa.Column[datetime]:
    return sa.Column(name, sa.DateTime(timezone=True), nullable=nullable)


def upgrade() -> None:
    """Create the enterprise platform's tables and the triggers that keep the state log append-only."""
    op.create_table(
        "ent_enterprises",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("enterprise_key", sa.String(length=32), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("county_code", sa.String(length=6), nullable=False),
        sa.Column("industry_section", sa.String(length=1), nullable=True),
        sa.Column("industry_division", sa.String(length=2), nullable=True),
        sa.Column("size_class", sa.String(length=4), nullable=True),
        *(
            sa.Column(flag, sa.Boolean(), server_default=_FALSE, nullable=False)
            for flag in ("epidemic_supplies", "daily_necessities", "utilities", "exporter", "key_project")
        ),
        sa.Column("registered_employees", sa.Integer(), nullable=True),
        sa.Column("source", sa.String(length=100), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_ent_enterprises")),
        sa.UniqueConstraint("enterprise_key", name=op.f("uq_ent_enterprises_enterprise_key")),
    )
    op.create_index(op.f("ix_ent_enterprises_county_code"), "ent_enterprises", ["county_code"])
    op.create_table(
        "ent_accounts",
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("enterprise_id", sa.Integer(), nullable=False),
        _when("bound_at"),
        sa.ForeignKeyConstraint(
            ["user_id"], ["auth_users.id"], name=op.f("fk_ent_accounts_user_id_auth_users"), ondelete="CASCADE"
        ),
        _enterprise_fk("ent_accounts"),
        sa.PrimaryKeyConstraint("user_id", name=op.f("pk_ent_accounts")),
    )
    op.create_index(op.f("ix_ent_accounts_enterprise_id"), "ent_accounts", ["enterprise_id"])
    op.create_table(
        "ent_declarations",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("enterprise_id", sa.Integer(), nullable=False),
        sa.Column("county_code", sa.String(length=6), nullable=False),
        sa.Column("state", sa.String(length=12), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("idempotency_key", sa.String(length=64), nullable=False),
        sa.Column("planned_on", sa.Date(), nullable=False),
        *(
            sa.Column(name, sa.Integer(), nullable=False)
            for name in (
                "workforce_total",
                "workforce_returning",
                "origin_in_county",
                "origin_in_province",
                "origin_out_of_province",
                "origin_key_areas",
                "mask_stock_days",
            )
        ),
        sa.Column("temperature_checks", sa.Boolean(), nullable=False),
        sa.Column("disinfection", sa.Boolean(), nullable=False),
        sa.Column("canteen", sa.String(length=200), nullable=False),
        sa.Column("isolation_room", sa.Boolean(), nullable=False),
        sa.Column("responsible_person", sa.Text(), nullable=False),
        sa.Column("responsible_phone", sa.Text(), nullable=False),
        sa.Column("production_plan", sa.Text(), nullable=False),
        sa.Column("suppliers", sa.Text(), nullable=False),
        sa.Column("employee_ids", sa.Text(), nullable=False),
        sa.Column("priority", sa.Integer(), nullable=False),
        sa.Column("precheck", sa.Text(), nullable=True),
        sa.Column("auto_approved", sa.Boolean(), server_default=_FALSE, nullable=False),
        sa.Column("created_by", sa.String(length=64), nullable=False),
        _when("created_at"),
        _when("submitted_at", nullable=True),
        _when("due_at", nullable=True),
        sa.Column("decided_by", sa.String(length=64), nullable=True),
        _when("decided_at", nullable=True),
        sa.Column("reason", sa.Text(), nullable=True),
        _enterprise_fk("ent_declarations"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_ent_declarations")),
        sa.UniqueConstraint(
            "enterprise_id", "idempotency_key", name=op.f("uq_ent_declarations_enterprise_id_idempotency_key")
        ),
    )
    op.create_index(op.f("ix_ent_declarations_enterprise_id"), "ent_declarations", ["enterprise_id"])
    op.create_index(
        "ix_ent_declarations_open",
        "ent_declarations",
        ["priority", "submitted_at"],
        postgresql_where=sa.text(_OPEN),
        sqlite_where=sa.text(_OPEN),
    )
    op.create_index("ix_ent_declarations_county_state", "ent_declarations", ["county_code", "state"])
    op.create_table(
        "ent_state_log",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("declaration_id", sa.Integer(), nullable=False),
        _when("at"),
        sa.Column("from_state", sa.String(length=12), nullable=True),
        sa.Column("to_state", sa.String(length=12), nullable=False),
        sa.Column("actor", sa.String(length=64), nullable=False),
        sa.Column("automatic", sa.Boolean(), nullable=False),
        sa.Column("reason", sa.Text(), nullable=True),
        _fk("ent_state_log", "declaration_id", "ent_declarations"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_ent_state_log")),
    )
    op.create_index(op.f("ix_ent_state_log_declaration_id"), "ent_state_log", ["declaration_id"])
    op.create_table(
        "ent_notices",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("enterprise_id", sa.Integer(), nullable=False),
        sa.Column("declaration_id", sa.Integer(), nullable=True),
        _when("at"),
        sa.Column("text", sa.Text(), nullable=False),
        _enterprise_fk("ent_notices"),
        _fk("ent_notices", "declaration_id", "ent_declarations"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_ent_notices")),
    )
    op.create_index(op.f("ix_ent_notices_enterprise_id"), "ent_notices", ["enterprise_id"])
    op.create_table(
        "ent_whitelist",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("enterprise_id", sa.Integer(), nullable=False),
        sa.Column("county_code", sa.String(length=6), nullable=False),
        sa.Column("category", sa.String(length=20), nullable=False),
        sa.Column("added_by", sa.String(length=64), nullable=False),
        _when("added_at"),
        sa.Column("removed_by", sa.String(length=64), nullable=True),
        _when("removed_at", nullable=True),
        _enterprise_fk("ent_whitelist"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_ent_whitelist")),
    )
    op.create_index(op.f("ix_ent_whitelist_enterprise_id"), "ent_whitelist", ["enterprise_id"])
    op.create_index(op.f("ix_ent_whitelist_county_code"), "ent_whitelist", ["county_code"])
    op.create_table(
        "ent_employees",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("enterprise_id", sa.Integer(), nullable=False),
        sa.Column("person_key", sa.String(length=32), nullable=False),
        sa.Column("name", sa.Text(), nullable=False),
        sa.Column("id_number", sa.Text(), nullable=False),
        sa.Column("phone", sa.Text(), nullable=True),
        sa.Column("returned_from_outside", sa.Boolean(), nullable=False),
        sa.Column("returned_from", sa.String(length=6), nullable=True),
        sa.Column("arrived_on", sa.Date(), nullable=True),
        sa.Column("uploaded_by", sa.String(length=64), nullable=False),
        _when("uploaded_at"),
        _enterprise_fk("ent_employees"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_ent_employees")),
        sa.UniqueConstraint("enterprise_id", "person_key", name=op.f("uq_ent_employees_enterprise_id_person_key")),
    )
    op.create_index(op.f("ix_ent_employees_enterprise_id"), "ent_employees", ["enterprise_id"])
    op.create_index(op.f("ix_ent_employees_person_key"), "ent_employees", ["person_key"])
    op.create_table(
        "ent_checkins",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("employee_id", sa.Integer(), nullable=False),
        sa.Column("on", sa.Date(), nullable=False),
        sa.Column("temperature_tenths", sa.Integer(), nullable=False),
        sa.Column("symptoms", sa.Boolean(), nullable=False),
        sa.Column("recorded_by", sa.String(length=64), nullable=False),
        _when("recorded_at"),
        _fk("ent_checkins", "employee_id", "ent_employees"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_ent_checkins")),
        sa.UniqueConstraint("employee_id", "on", name=op.f("uq_ent_checkins_employee_id_on")),
    )
    op.create_index(op.f("ix_ent_checkins_employee_id"), "ent_checkins", ["employee_id"])
    op.create_table(
        "ent_service_tasks",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("county_code", sa.String(length=6), nullable=False),
        sa.Column("enterprise_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("title", sa.Text(), nullable=False),
        sa.Column("state", sa.String(length=10), nullable=False),
        sa.Column("assignee", sa.String(length=64), nullable=True),
        sa.Column("created_by", sa.String(length=64), nullable=False),
        _when("created_at"),
        _when("done_at", nullable=True),
        sa.Column("note", sa.Text(), nullable=True),
        _enterprise_fk("ent_service_tasks"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_ent_service_tasks")),
    )
    op.create_index(op.f("ix_ent_service_tasks_county_code"), "ent_service_tasks", ["county_code"])
    op.create_index(op.f("ix_ent_service_tasks_enterprise_id"), "ent_service_tasks", ["enterprise_id"])
    op.create_index(op.f("ix_ent_service_tasks_state"), "ent_service_tasks", ["state"])
    _triggers()


def _triggers() -> None:
    """The state log refuses UPDATE and DELETE, in the database as in the ORM."""
    if op.get_bind().dialect.name == "postgresql":
        op.execute(
            "CREATE FUNCTION ent_state_log_append_only() RETURNS trigger LANGUAGE plpgsql AS $$ "
            f"BEGIN RAISE EXCEPTION '{_LOG_MESSAGE}'; END; $$"
        )
        op.execute(
            "CREATE TRIGGER ent_state_log_no_change BEFORE UPDATE OR DELETE ON ent_state_log "
            "FOR EACH ROW EXECUTE FUNCTION ent_state_log_append_only()"
        )
    else:
        for action in ("UPDATE", "DELETE"):
            op.execute(
                f"CREATE TRIGGER ent_state_log_no_{action.lower()} BEFORE {action} ON ent_state_log "
                f"BEGIN SELECT RAISE(ABORT, '{_LOG_MESSAGE}'); END"
            )


def downgrade() -> None:
    """Drop the enterprise platform's tables (their triggers go with them) and the trigger function."""
    for table in (
        "ent_service_tasks",
        "ent_checkins",
        "ent_employees",
        "ent_whitelist",
        "ent_notices",
        "ent_state_log",
        "ent_declarations",
        "ent_accounts",
        "ent_enterprises",
    ):
        op.drop_table(table)
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP FUNCTION ent_state_log_append_only()")
