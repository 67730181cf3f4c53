"""Named errors: one type per kind of failure, turned once into a JSON error or a CLI line."""

from __future__ import annotations


class FugongError(Exception):
    """Base of every error Fugong reports to a person or a department system."""

    code = "error"
    status = 400

    def __init__(self, detail: str, *, field: str | None = None) -> None:
        super().__init__(detail)
        self.detail = detail
        self.field = field

    def as_json(self) -> dict[str, str | None]:
        """The one error format: ``{"error": code, "detail": text, "field": path-or-null}``."""
        return {"error": self.code, "detail": self.detail, "field": self.field}


class InvalidInput(FugongError):
    """The input is malformed or breaks a rule."""

    code = "invalid_input"
    status = 422


class NotFound(FugongError):
    """The thing asked for does not exist."""

    code = "not_found"
    status = 404


class Unauthorized(FugongError):
    """No valid credentials were given."""

    code = "unauthorized"
    status = 401


class Forbidden(FugongError):
    """The credentials are valid but do not admit this action."""

    code = "forbidden"
    status = 403


class Conflict(FugongError):
    """The action collides with the current state (a concurrent change, a duplicate)."""

    code = "conflict"
    status = 409


class TooManyRequests(FugongError):
    """Too many attempts in a short time."""

    code = "too_many_requests"
    status = 429
