"""Grassroots digital forms: loaded form versions, workers' units, assignments, drafts, submissions, corrections.

Revision ID: 0006_survey
Revises: 0005_enterprise
Create Date: 2026-11-26
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0006_survey"
down_revision: str | Sequence[str] | None = "0005_enterprise"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Create the survey tables."""
    op.create_table(
        "survey_forms",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("form_id", sa.String(length=64), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("definition", sa.Text(), nullable=False),
        sa.Column("loaded_by", sa.String(length=64), nullable=False),
        sa.Column("loaded_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_survey_forms")),
        sa.UniqueConstraint("form_id", "version", name=op.f("uq_survey_forms_form_id_version")),
    )
    op.create_table(
        "survey_workers",
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("unit_code", sa.String(length=12), nullable=False),
        sa.ForeignKeyConstraint(
            ["user_id"], ["auth_users.id"], name=op.f("fk_survey_workers_user_id_auth_users"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("user_id", "unit_code", name=op.f("pk_survey_workers")),
    )
    op.create_table(
        "survey_assignments",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("form_id", sa.String(length=64), nullable=False),
        sa.Column("form_version", sa.Integer(), nullable=False),
        sa.Column("unit_code", sa.String(length=12), nullable=False),
        sa.Column("county_code", sa.String(length=6), nullable=False),
        sa.Column("period", sa.Date(), nullable=False),
        sa.Column("due_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("assigned_by", sa.String(length=64), nullable=False),
        sa.Column("assigned_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_survey_assignments")),
        sa.UniqueConstraint(
            "form_id", "unit_code", "period", name=op.f("uq_survey_assignments_form_id_unit_code_period")
        ),
    )
    op.create_index(op.f("ix_survey_assignments_unit_code"), "survey_assignments", ["unit_code"])
    op.create_index(op.f("ix_survey_assignments_county_code"), "survey_assignments", ["county_code"])
    op.create_index(op.f("ix_survey_assignments_period"), "survey_assignments", ["period"])
    op.create_table(
        "survey_drafts",
        sa.Column("assignment_id", sa.Integer(), nullable=False),
        sa.Column("form_version", sa.Integer(), nullable=False),
        sa.Column("answers", sa.Text(), nullable=False),
        sa.Column("saved_by", sa.String(length=64), nullable=False),
        sa.Column("saved_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["assignment_id"], ["survey_assignments.id"], name=op.f("fk_survey_drafts_assignment_id_survey_assignments")
        ),
        sa.PrimaryKeyConstraint("assignment_id", name=op.f("pk_survey_drafts")),
    )
    op.create_table(
        "survey_submissions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("assignment_id", sa.Integer(), nullable=False),
        sa.Column("form_version", sa.Integer(), nullable=False),
        sa.Column("answers", sa.Text(), nullable=False),
        sa.Column("prefill", sa.Text(), nullable=False),
        sa.Column("idempotency_key", sa.String(length=64), nullable=False),
        sa.Column("channel", sa.String(length=8), nullable=False),
        sa.Column("late", sa.Boolean(), nullable=False),
        sa.Column("submitted_by", sa.String(length=64), nullable=False),
        sa.Column("submitted_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["assignment_id"],
            ["survey_assignments.id"],
            name=op.f("fk_survey_submissions_assignment_id_survey_assignments"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_survey_submissions")),
        sa.UniqueConstraint("assignment_id", name=op.f("uq_survey_submissions_assignment_id")),
        sa.UniqueConstraint("idempotency_key", name=op.f("uq_survey_submissions_idempotency_key")),
    )
    op.create_table(
        "survey_corrections",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("submission_id", sa.Integer(), nullable=False),
        sa.Column("field", sa.String(length=64), nullable=False),
        sa.Column("hub_value", sa.Text(), nullable=False),
        sa.Column("reported_value", sa.Text(), nullable=False),
        sa.Column("source", sa.String(length=200), nullable=False),
        sa.Column("unit_code", sa.String(length=12), nullable=False),
        sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["submission_id"],
            ["survey_submissions.id"],
            name=op.f("fk_survey_corrections_submission_id_survey_submissions"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_survey_corrections")),
    )
    op.create_index(op.f("ix_survey_corrections_submission_id"), "survey_corrections", ["submission_id"])
    op.create_index(op.f("ix_survey_corrections_unit_code"), "survey_corrections", ["unit_code"])


def downgrade() -> None:
    """Drop the survey tables."""
    op.drop_table("survey_corrections")
    op.drop_table("survey_submissions")
    op.drop_table("survey_drafts")
    op.drop_table("survey_assignments")
    op.drop_table("survey_workers")
    op.drop_table("survey_forms")
