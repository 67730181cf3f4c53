"""Tables of the checkpoints: the places that scan codes, and every scan recorded exactly once."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, ForeignKey, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from fugong.store.base import Base
from fugong.store.types import UTCDateTime


class GatePlace(Base):
    """A checkpoint place (卡口场所): a mall, a station, a factory gate; from the lake or made by an admin."""

    __tablename__ = "gate_places"

    place_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    place_type: Mapped[str | None] = mapped_column(String(20))
    county: Mapped[str | None] = mapped_column(String(6), index=True)
    source: Mapped[str] = mapped_column(String(80))  # "admin <user>" or the lake snapshot id it came from
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())


class GateScan(Base):
    """One scan at a checkpoint: place, time, pseudonymous subject, temperature and the decision.

    ``scan_id`` is made by the gate's browser before it sends the scan, so a retry or an offline gate syncing
    later cannot record the same scan twice (the database holds it unique).
    """

    __tablename__ = "gate_scans"
    __table_args__ = (Index("ix_gate_scans_place_id_scanned_at", "place_id", "scanned_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    scan_id: Mapped[str] = mapped_column(String(64), unique=True)
    place_id: Mapped[str] = mapped_column(ForeignKey("gate_places.place_id"))
    scanned_at: Mapped[datetime] = mapped_column(UTCDateTime())
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime())
    staff: Mapped[str] = mapped_column(String(64))
    method: Mapped[str] = mapped_column(String(9))  # code | id_number
    subject: Mapped[str | None] = mapped_column(String(128), index=True)  # the pseudonym, never an ID number
    temperature_tenths: Mapped[int] = mapped_column(Integer)
    colour: Mapped[str | None] = mapped_column(String(6))
    result: Mapped[str] = mapped_column(String(6))  # admit | refuse
    reason: Mapped[str] = mapped_column(String(32))
    offline: Mapped[bool] = mapped_column(Boolean)
