"""API tokens for department systems: shown once, kept only as a SHA-256, with expiry and revocation."""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from fugong.auth.models import ApiToken, User
from fugong.auth.principal import Principal
from fugong.auth.users import get_user, principal_of
from fugong.errors import Conflict, InvalidInput, NotFound, Unauthorized

TOKEN_PREFIX = "fgt_"  # noqa: S105  (a public marker that makes leaked tokens easy to spot, not a secret)
DEFAULT_DAYS = 90
MAX_DAYS = 3650
# Writing last_used_at on every call would turn each read into a write; once a minute is enough to audit.
LAST_USED_RESOLUTION = timedelta(minutes=1)


@dataclass(frozen=True)
class IssuedToken:
    """A new token: the secret is here once and nowhere else."""

    id: int
    username: str
    name: str
    token: str
    expires_at: datetime


def token_hash(token: str) -> str:
    """The stored form of a token (a token has 256 random bits, so a fast hash is enough)."""
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def issue_token(
    session: Session,
    username: str,
    *,
    name: str,
    now: datetime,
    days: int = DEFAULT_DAYS,
    created_by: str | None = None,
) -> IssuedToken:
    """Make a token for ``username`` named ``name`` that expires after ``days`` days."""
    label = name.strip()
    if not label or len(label) > 100:
        raise InvalidInput("a token needs a name of 1 to 100 characters (what system uses it)", field="name")
    if not 1 <= days <= MAX_DAYS:
        raise InvalidInput(f"days must be between 1 and {MAX_DAYS}, got {days}", field="days")
    user = get_user(session, username)
    if not user.active:
        raise InvalidInput(f"user {user.username!r} is deactivated", field="username")
    owner = user.username  # read now: a failed flush below expires the user's attributes
    secret = TOKEN_PREFIX + secrets.token_urlsafe(32)
    row = ApiToken(
        user_id=user.id,
        name=label,
        token_hash=token_hash(secret),
        prefix=secret[:12],
        created_at=now,
        created_by=created_by,
        expires_at=now + timedelta(days=days),
    )
    session.add(row)
    try:
        session.flush()
    except IntegrityError:
        raise Conflict(f"user {owner!r} already has a token named {label!r}", field="name") from None
    return IssuedToken(id=row.id, username=owner, name=label, token=secret, expires_at=row.expires_at)


def authenticate_token(session: Session, token: str, *, now: datetime) -> Principal:
    """The principal behind a bearer token; unknown, revoked, expired or of a deactivated user is refused."""
    row = session.scalar(select(ApiToken).where(ApiToken.token_hash == token_hash(token.strip())))
    if row is None:
        raise Unauthorized("unknown API token")
    if row.revoked_at is not None:
        raise Unauthorized(f"the API token {row.name!r} was revoked")
    if row.expires_at <= now:
        raise Unauthorized(f"the API token {row.name!r} expired on {row.expires_at:%Y-%m-%d %H:%M} UTC")
    user: User = row.user
    if not user.active:
        raise Unauthorized(f"user {user.username!r} is deactivated")
    if row.last_used_at is None or now - row.last_used_at >= LAST_USED_RESOLUTION:
        row.last_used_at = now
    return principal_of(user, via="token")


def list_tokens(session: Session, username: str | None = None) -> list[ApiToken]:
    """Tokens (never their secrets), of one user or of all, newest first."""
    query = select(ApiToken).join(ApiToken.user).order_by(ApiToken.created_at.desc(), ApiToken.id.desc())
    if username is not None:
        query = query.where(User.id == get_user(session, username).id)
    return list(session.scalars(query))


def get_token(session: Session, token_id: int) -> ApiToken:
    """The token with id ``token_id``; an unknown id is a clear error."""
    row = session.get(ApiToken, token_id)
    if row is None:
        raise NotFound(f"no API token with id {token_id}", field="token_id")
    return row


def revoke_token(session: Session, row: ApiToken, *, now: datetime) -> ApiToken:
    """Revoke a token from now on; revoking twice keeps the first time."""
    if row.revoked_at is None:
        row.revoked_at = now
    return row
