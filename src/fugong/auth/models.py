"""Tables of the auth app: users, their roles and counties, API tokens, recent failed sign-ins."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, String, UniqueConstraint, true
from sqlalchemy.orm import Mapped, mapped_column, relationship

from fugong.store.base import Base
from fugong.store.types import EncryptedString, UTCDateTime


class User(Base):
    """A person or a department system that signs in (by password) or calls the API (by token)."""

    __tablename__ = "auth_users"

    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(64), unique=True)
    # A person's name is personal data: encrypted at rest.
    display_name: Mapped[str] = mapped_column(EncryptedString())
    # None for a system account that only uses API tokens.
    password_hash: Mapped[str | None] = mapped_column(String(255))
    active: Mapped[bool] = mapped_column(server_default=true())
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())

    roles: Mapped[list[UserRole]] = relationship(
        back_populates="user", cascade="all, delete-orphan", lazy="selectin", order_by="UserRole.role"
    )
    counties: Mapped[list[UserCounty]] = relationship(
        back_populates="user", cascade="all, delete-orphan", lazy="selectin", order_by="UserCounty.county_code"
    )


class UserRole(Base):
    """One role held by one user."""

    __tablename__ = "auth_user_roles"

    user_id: Mapped[int] = mapped_column(ForeignKey("auth_users.id", ondelete="CASCADE"), primary_key=True)
    role: Mapped[str] = mapped_column(String(32), primary_key=True)

    user: Mapped[User] = relationship(back_populates="roles")


class UserCounty(Base):
    """A county (GB/T 2260 code) a county official acts in."""

    __tablename__ = "auth_user_counties"

    user_id: Mapped[int] = mapped_column(ForeignKey("auth_users.id", ondelete="CASCADE"), primary_key=True)
    county_code: Mapped[str] = mapped_column(String(6), primary_key=True)

    user: Mapped[User] = relationship(back_populates="counties")


class ApiToken(Base):
    """A bearer token for a department system; only its SHA-256 is kept."""

    __tablename__ = "auth_api_tokens"
    __table_args__ = (UniqueConstraint("user_id", "name"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("auth_users.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(100))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    # The first characters of the token, so a person can tell tokens apart without the secret.
    prefix: Mapped[str] = mapped_column(String(16))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    created_by: Mapped[str | None] = mapped_column(String(64))
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime())
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    last_used_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    user: Mapped[User] = relationship()


class LoginAttempt(Base):
    """A failed sign-in, kept for the length of the rate-limit window (shared by every server process)."""

    __tablename__ = "auth_login_attempts"
    __table_args__ = (Index("ix_auth_login_attempts_key", "username", "client", "attempted_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(64))
    client: Mapped[str] = mapped_column(String(64))
    attempted_at: Mapped[datetime] = mapped_column(UTCDateTime(), index=True)
