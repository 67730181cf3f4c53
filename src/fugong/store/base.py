"""The declarative base every app's models share, with constraint names Alembic can find again."""

from __future__ import annotations

from sqlalchemy import MetaData
from sqlalchemy.orm import DeclarativeBase

# Named constraints: SQLite batch migrations recreate tables and must drop constraints by name, and
# PostgreSQL needs the same names so that a downgrade written once works on both.
NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    """Base class of every table in the operational store."""

    metadata = MetaData(naming_convention=NAMING_CONVENTION)
