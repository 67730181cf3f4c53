"""On PostgreSQL the audit log refuses UPDATE, DELETE and TRUNCATE in the database itself."""

from __future__ import annotations

from pathlib import Path

import pytest
import sqlalchemy as sa

from fugong.hub.audit import Reader, record
from fugong.settings import Settings
from fugong.store import Store, migrate
from fugong.store.testing import scratch_store_url


@pytest.mark.postgres
def test_postgres_refuses_every_edit_of_the_audit_log(postgres_url: str, tmp_path: Path, settings: Settings) -> None:
    with scratch_store_url("postgresql", tmp_path, postgres_url) as url:
        migrate.upgrade(url)
        store = Store(url, field_key=settings.key("field_encryption"))
        try:
            with store.session() as session:
                record(
                    session,
                    Reader.of_app("riskmap"),
                    dataset="cdc_cases",
                    columns=["person_key"],
                    personal_columns=["person_key"],
                    purpose="grading",
                    outcome="granted",
                    rows=3,
                )
            for statement in (
                "UPDATE hub_audit_log SET rows = 0",
                "DELETE FROM hub_audit_log",
                "TRUNCATE hub_audit_log",
            ):
                with (
                    pytest.raises(sa.exc.DatabaseError, match="hub_audit_log is append-only"),
                    store.engine.begin() as c,
                ):
                    c.execute(sa.text(statement))
            with store.engine.connect() as connection:
                assert connection.execute(sa.text("SELECT actor, rows FROM hub_audit_log")).all() == [("riskmap", 3)]
        finally:
            store.dispose()
        migrate.downgrade(url, "0001_foundation")
        migrate.upgrade(url)
