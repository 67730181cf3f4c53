"""Signing in with a password, with failed attempts limited per username and client address.

Failed attempts are rows in the store, not counters in memory, so the limit holds across every server process
behind a load balancer. A success clears the failures of that username and address.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from fugong.auth.models import LoginAttempt, User
from fugong.auth.passwords import hash_password, needs_rehash, verify_password
from fugong.auth.principal import Principal
from fugong.auth.users import find_user, normalise_username, principal_of
from fugong.errors import TooManyRequests, Unauthorized
from fugong.settings import Settings
from fugong.store.engine import Store

KEY_LENGTH = 64


class WrongCredentials(Unauthorized):
    """The username or the password is wrong (which one is not said)."""

    code = "wrong_credentials"


class AccountDeactivated(Unauthorized):
    """The password is right but the account has been switched off."""

    code = "account_deactivated"


class TooManyLogins(TooManyRequests):
    """Too many failed sign-ins for one username from one address."""

    code = "too_many_logins"

    def __init__(self, detail: str, retry_after_seconds: int) -> None:
        super().__init__(detail, field="username")
        self.retry_after_seconds = retry_after_seconds


@dataclass(frozen=True)
class LoginLimit:
    """At most ``max_attempts`` failed sign-ins per username and address within ``window``."""

    max_attempts: int
    window: timedelta

    @classmethod
    def from_settings(cls, settings: Settings) -> LoginLimit:
        """The limit configured by ``login_max_attempts`` and ``login_window_seconds``."""
        return cls(settings.login_max_attempts, timedelta(seconds=settings.login_window_seconds))


def _check_limit(session: Session, username: str, client: str, now: datetime, limit: LoginLimit) -> None:
    since = now - limit.window
    failures = list(
        session.scalars(
            select(LoginAttempt.attempted_at)
            .where(
                LoginAttempt.username == username,
                LoginAttempt.client == client,
                LoginAttempt.attempted_at > since,
            )
            .order_by(LoginAttempt.attempted_at)
        )
    )
    if len(failures) >= limit.max_attempts:
        # Allowed again once enough of the counted failures have left the window.
        frees_at = failures[len(failures) - limit.max_attempts] + limit.window
        wait = max(1, math.ceil((frees_at - now).total_seconds()))
        raise TooManyLogins(
            f"too many failed sign-ins for {username!r} from {client}: "
            f"{len(failures)} in the last {int(limit.window.total_seconds())} s; try again in {wait} s",
            wait,
        )


def sign_in(store: Store, username: str, password: str, *, client: str, now: datetime, limit: LoginLimit) -> Principal:
    """The principal for a right username and password; a failure is recorded before it is reported."""
    key = normalise_username(username)[:KEY_LENGTH]
    address = client[:KEY_LENGTH]
    with store.session() as session:
        _check_limit(session, key, address, now, limit)
        user: User | None = find_user(session, key)
        if verify_password(user.password_hash if user else None, password) and user is not None:
            if not user.active:
                raise AccountDeactivated(f"the account {user.username!r} is deactivated; ask an administrator")
            session.execute(delete(LoginAttempt).where(LoginAttempt.username == key, LoginAttempt.client == address))
            if user.password_hash is not None and needs_rehash(user.password_hash):
                user.password_hash = hash_password(password)
            return principal_of(user, via="session")
        session.add(LoginAttempt(username=key, client=address, attempted_at=now))
        # Keep the table small: failures older than the window no longer count for anyone.
        session.execute(delete(LoginAttempt).where(LoginAttempt.attempted_at <= now - limit.window))
    raise WrongCredentials("wrong username or password", field="password")
