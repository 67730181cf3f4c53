"""FastAPI's way into the store: a session per request, committed before the response is sent."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Annotated

from fastapi import Depends, Request
from sqlalchemy.orm import Session

from fugong.store.engine import Store


def request_store(request: Request) -> Store:
    """The store the app was built with (``app.state.store``)."""
    store: Store = request.app.state.store
    return store


def db_session(request: Request) -> Iterator[Session]:
    """A session for one request: committed after the endpoint returns, rolled back if it raises."""
    with request_store(request).session() as session:
        yield session


# scope="function": commit before the response goes out, so a failed commit is an error the caller sees.
DbSession = Annotated[Session, Depends(db_session, scope="function")]
