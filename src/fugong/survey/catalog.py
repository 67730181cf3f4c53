"""The forms in use: those shipped with Fugong and the versions officials loaded from JSON files into the store."""

from __future__ import annotations

import json
from datetime import datetime
from functools import lru_cache

from sqlalchemy import select
from sqlalchemy.orm import Session

from fugong.errors import Conflict, NotFound
from fugong.survey.definitions import FormDefinition, parse_form, shipped_forms
from fugong.survey.models import SurveyForm


class UnknownForm(NotFound):
    """No form (or no such version of it) is known."""

    code = "unknown_form"


@lru_cache(maxsize=64)
def _parsed(definition: str) -> FormDefinition:
    """A stored definition, parsed once per process (a version's text never changes)."""
    return parse_form(json.loads(definition))


def all_forms(session: Session) -> dict[tuple[str, int], FormDefinition]:
    """Every known form version by (id, version): shipped ones, then loaded ones."""
    found = dict(shipped_forms())
    for row in session.scalars(select(SurveyForm).order_by(SurveyForm.form_id, SurveyForm.version)):
        found[(row.form_id, row.version)] = _parsed(row.definition)
    return found


def get_form(session: Session, form_id: str, version: int | None = None) -> FormDefinition:
    """A form at ``version`` (default: its newest); a clear error listing the forms otherwise."""
    forms = all_forms(session)
    versions = sorted(v for (fid, v) in forms if fid == form_id)
    if not versions:
        known = ", ".join(sorted({fid for fid, _ in forms}))
        raise UnknownForm(f"no form {form_id!r}; forms are {known}", field="form")
    if version is None:
        return forms[(form_id, versions[-1])]
    if version not in versions:
        raise UnknownForm(
            f"form {form_id!r} has no version {version}; versions: {', '.join(map(str, versions))}", field="version"
        )
    return forms[(form_id, version)]


def load_form(session: Session, form: FormDefinition, *, by: str, now: datetime) -> bool:
    """Keep a checked definition as a new version; False if exactly this version is already there.

    A version is never changed once in use: the same id and version with other content is a conflict, so an
    official who edits a form must raise its version (drafts of the old version are then told so).
    """
    existing = all_forms(session).get((form.id, form.version))
    if existing is not None:
        if existing.source == form.source:
            return False
        raise Conflict(
            f"form {form.reference} is already loaded with other content: give the changed form version "
            f"{max(v for (fid, v) in all_forms(session) if fid == form.id) + 1}",
            field="version",
        )
    body = json.dumps(form.source, ensure_ascii=False, sort_keys=True)
    session.add(SurveyForm(form_id=form.id, version=form.version, definition=body, loaded_by=by, loaded_at=now))
    session.flush()
    return True
