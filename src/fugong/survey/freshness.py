"""Fresh aggregates without a shell (汇总入湖): after accepted submissions, and when an official asks.

The web app calls :func:`refresh_in_background` once the answer to a request that submitted reports has gone out,
so the worker never waits for it. At most one aggregation of a form runs at a time in a process; reports that arrive
while it runs are taken by one more run right after it, so a burst of reports at the deadline costs two
aggregations, not one per report. Every run first asks whether the lake already holds the store's state (another
process may have written it) and then writes nothing.
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime
from threading import Lock
from typing import Any

from sqlalchemy.orm import Session

from fugong.hub import lake
from fugong.settings import Settings
from fugong.store import Store
from fugong.survey import aggregate
from fugong.survey.orgunits import load_hierarchy

log = logging.getLogger(__name__)
_guard = Lock()
_running: set[str] = set()
_again: set[str] = set()


def refresh(
    session: Session, settings: Settings, form_id: str, *, trigger: str, by: str | None, now: datetime
) -> list[dict[str, Any]]:
    """Bring the form's datasets up to date (only the periods that changed); each dataset written or unchanged."""
    written = aggregate.refresh(session, settings, load_hierarchy(settings), form_id, now=now, trigger=trigger, by=by)
    if written:
        return [{**w.as_json(), "status": "written"} for w in written]
    found = [lake.get_lake(settings).require(name) for name in aggregate.datasets_of(form_id)]
    return [{"dataset": v.dataset, "snapshot_id": v.snapshot_id, "rows": v.rows, "status": "unchanged"} for v in found]


def refresh_in_background(store: Store, settings: Settings, form_id: str, by: str) -> None:
    """Bring the form's datasets up to date after a submission; a failure is logged, never shown to the worker."""
    with _guard:
        if form_id in _running:
            _again.add(form_id)  # the running aggregation takes this report in one more run
            return
        _running.add(form_id)
    done = False
    try:
        while not done:
            with _guard:
                _again.discard(form_id)
            with store.session() as session:
                refresh(session, settings, form_id, trigger="submission", by=by, now=datetime.now(UTC))
            with _guard:
                done = form_id not in _again
                if done:
                    _running.discard(form_id)
    except Exception:
        with _guard:
            _running.discard(form_id)
            _again.discard(form_id)
        log.exception(
            "aggregating %s after a submission failed; `fugong survey aggregate` or the progress page's "
            "button writes it again",
            form_id,
        )
