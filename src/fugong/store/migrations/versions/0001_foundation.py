"""Foundation: users, their roles and counties, API tokens, failed sign-ins.

Revision ID: 0001_foundation
Revises:
Create Date: 2026-11-26
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0001_foundation"
down_revision: str | Sequence[str] | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Create the auth app's tables."""
    op.create_table(
        "auth_users",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("username", sa.String(length=64), nullable=False),
        sa.Column("display_name", sa.Text(), nullable=False),
        sa.Column("password_hash", sa.String(length=255), nullable=True),
        sa.Column("active", sa.Boolean(), server_default=sa.true(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_auth_users")),
        sa.UniqueConstraint("username", name=op.f("uq_auth_users_username")),
    )
    op.create_table(
        "auth_user_roles",
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("role", sa.String(length=32), nullable=False),
        sa.ForeignKeyConstraint(
            ["user_id"], ["auth_users.id"], name=op.f("fk_auth_user_roles_user_id_auth_users"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("user_id", "role", name=op.f("pk_auth_user_roles")),
    )
    op.create_table(
        "auth_user_counties",
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("county_code", sa.String(length=6), nullable=False),
        sa.ForeignKeyConstraint(
            ["user_id"], ["auth_users.id"], name=op.f("fk_auth_user_counties_user_id_auth_users"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("user_id", "county_code", name=op.f("pk_auth_user_counties")),
    )
    op.create_table(
        "auth_api_tokens",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("prefix", sa.String(length=16), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("created_by", sa.String(length=64), nullable=True),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("revoked_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("last_used_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["user_id"], ["auth_users.id"], name=op.f("fk_auth_api_tokens_user_id_auth_users"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_auth_api_tokens")),
        sa.UniqueConstraint("token_hash", name=op.f("uq_auth_api_tokens_token_hash")),
        sa.UniqueConstraint("user_id", "name", name=op.f("uq_auth_api_tokens_user_id_name")),
    )
    op.create_index(op.f("ix_auth_api_tokens_user_id"), "auth_api_tokens", ["user_id"])
    op.create_table(
        "auth_login_attempts",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("username", sa.String(length=64), nullable=False),
        sa.Column("client", sa.String(length=64), nullable=False),
        sa.Column("attempted_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_auth_login_attempts")),
    )
    op.create_index(
        "ix_auth_login_attempts_key", "auth_login_attempts", ["username", "client", "attempted_at"], unique=False
    )
    op.create_index(op.f("ix_auth_login_attempts_attempted_at"), "auth_login_attempts", ["attempted_at"])


def downgrade() -> None:
    """Drop the auth app's tables."""
    op.drop_index(op.f("ix_auth_login_attempts_attempted_at"), table_name="auth_login_attempts")
    op.drop_index("ix_auth_login_attempts_key", table_name="auth_login_attempts")
    op.drop_table("auth_login_attempts")
    op.drop_index(op.f("ix_auth_api_tokens_user_id"), table_name="auth_api_tokens")
    op.drop_table("auth_api_tokens")
    op.drop_table("auth_user_counties")
    op.drop_table("auth_user_roles")
    op.drop_table("auth_users")
