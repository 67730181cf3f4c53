"""API tokens for department systems: shown once, kept only as a SHA-256, with expiry and revocation.

A server process keeps the principal of a token it has just checked for :data:`KEEP_SECONDS` (a
:class:`TokenCache`), so that a busy caller such as a checkpoint gate is not looked up on every request. Expiry is
still checked on every request; any change to a token, user, role or county made through an ORM session of this
process forgets every kept principal at once; a change made elsewhere (another server process, the CLI, plain
SQL) takes effect within :data:`KEEP_SECONDS`.
"""

from __future__ import annotations

import hashlib
import itertools
import secrets
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import event, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import ORMExecuteState, Session, joinedload
from sqlalchemy.orm.attributes import instance_state

from fugong.auth.models import ApiToken, User, UserCounty, UserRole
from fugong.auth.principal import Principal
from fugong.auth.users import get_user, principal_of
from fugong.errors import Conflict, InvalidInput, NotFound, Unauthorized

TOKEN_PREFIX = "fgt_"  # noqa: S105  (a public marker that makes leaked tokens easy to spot, not a secret)
DEFAULT_DAYS = 90
MAX_DAYS = 3650
# Writing last_used_at on every call would turn each read into a write; once a minute is enough to audit.
LAST_USED_RESOLUTION = timedelta(minutes=1)
KEEP_SECONDS = 5.0
KEEP_MAX = 10_000
_WATCHED = (ApiToken, User, UserRole, UserCounty)
_changes = itertools.count(1)
_generation = 0


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


def authenticate_token(session: Session, token: str, *, now: datetime, cache: TokenCache | None = None) -> Principal:
    """The principal behind a bearer token; unknown, revoked, expired or of a deactivated user is refused.

    With ``cache``, a principal kept from a recent check is returned without reading the store.
    """
    digest = token_hash(token.strip())
    if cache is not None and (kept := cache.get(digest, now)) is not None:
        return kept
    generation = _generation  # read before the store, so a change made meanwhile is not hidden by this answer
    user_loads = joinedload(ApiToken.user)
    query = (
        select(ApiToken)
        .where(ApiToken.token_hash == digest)
        .options(user_loads.joinedload(User.roles), user_loads.joinedload(User.counties))
    )
    row = session.scalars(query).unique().one_or_none()  # one query: token, user, roles and counties
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
    principal = principal_of(user, via="token")
    if cache is not None:
        cache.keep(digest, principal, row.expires_at, generation)
    return principal


@dataclass(frozen=True)
class _Kept:
    principal: Principal
    expires_at: datetime
    until: float
    generation: int


class TokenCache:
    """Principals of tokens checked in the last :data:`KEEP_SECONDS`, by token hash (one per store and process).

    ``clock`` gives monotonic seconds (``time.monotonic``); a test may replace it.
    """

    def __init__(self, seconds: float = KEEP_SECONDS, *, size: int = KEEP_MAX) -> None:
        self.seconds = seconds
        self.size = size
        self.clock: Callable[[], float] = time.monotonic
        self._kept: dict[str, _Kept] = {}
        self._lock = threading.Lock()

    def get(self, digest: str, now: datetime) -> Principal | None:
        """The kept principal of a token hash, if kept recently, unchanged since, and the token not yet expired."""
        kept = self._kept.get(digest)
        if kept is None:
            return None
        if kept.generation != _generation or kept.until <= self.clock() or kept.expires_at <= now:
            with self._lock:
                self._kept.pop(digest, None)
            return None
        return kept.principal

    def keep(self, digest: str, principal: Principal, expires_at: datetime, generation: int) -> None:
        """Keep a token's principal, as read from the store when the change counter was ``generation``."""
        if self.seconds <= 0:
            return
        with self._lock:
            if len(self._kept) >= self.size:
                self._kept.clear()  # many distinct tokens at once is unusual: start again rather than track age
            self._kept[digest] = _Kept(principal, expires_at, self.clock() + self.seconds, generation)


def forget_kept_principals() -> None:
    """Make every kept principal stale (in every :class:`TokenCache` of this process)."""
    global _generation
    _generation = next(_changes)


_CHANGED = "fugong.auth.tokens:changed"


def _changed_in(session: Session) -> None:
    # Forget now (this session reads its own change) and again at commit, when other sessions start to see it.
    session.info[_CHANGED] = True
    forget_kept_principals()


def _alters_principals(session: Session) -> bool:
    # A revoked token, a deactivated user, a role or county added or removed. Not a new token or user (nobody
    # kept it yet), nor a token's last use written by authenticate_token (that would forget at every sign-in).
    if any(isinstance(instance, _WATCHED) for instance in session.deleted):
        return True
    if any(isinstance(instance, (UserRole, UserCounty)) for instance in session.new):
        return True
    for instance in session.dirty:
        if isinstance(instance, _WATCHED):
            changed = {attr.key for attr in instance_state(instance).attrs if attr.history.has_changes()}
            if changed - {"last_used_at"}:
                return True
    return False


@event.listens_for(Session, "after_flush")
def _after_flush(session: Session, _context: Any) -> None:
    if _alters_principals(session):
        _changed_in(session)


@event.listens_for(Session, "do_orm_execute")
def _on_orm_execute(state: ORMExecuteState) -> None:
    # The same for an UPDATE or DELETE statement run through a session.
    if (state.is_update or state.is_delete) and any(m.class_ in _WATCHED for m in state.all_mappers):
        _changed_in(state.session)


@event.listens_for(Session, "after_commit")
def _after_commit(session: Session) -> None:
    if session.info.pop(_CHANGED, False):
        forget_kept_principals()


@event.listens_for(Session, "after_rollback")
def _after_rollback(session: Session) -> None:
    session.info.pop(_CHANGED, None)


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
