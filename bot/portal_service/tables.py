"""Database tables of the reference portal (SQLAlchemy 2 ORM). Every change goes through Alembic."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import (
    JSON,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    TypeDecorator,
)
from sqlalchemy.engine import Dialect
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship


class UTCDateTime(TypeDecorator[dt.datetime]):
    """A timezone-aware UTC datetime on every backend (SQLite drops the zone; this restores it)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: dt.datetime | None, dialect: Dialect) -> dt.datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to a UTC column")
        return value.astimezone(dt.UTC)

    def process_result_value(
        self, value: dt.datetime | None, dialect: Dialect
    ) -> dt.datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=dt.UTC) if value.tzinfo is None else value.astimezone(dt.UTC)


class Base(DeclarativeBase):
    """Declarative base of the portal tables."""


class Agency(Base):
    """A receiving agency (one-stop desk), e.g. ``000.00.20.H37``."""

    __tablename__ = "agencies"

    code: Mapped[str] = mapped_column(String(20), primary_key=True)
    name: Mapped[str] = mapped_column(String(255))
    level: Mapped[str] = mapped_column(String(8))


class Procedure(Base):
    """A procedure with its live requirements."""

    __tablename__ = "procedures"

    code: Mapped[str] = mapped_column(String(10), primary_key=True)
    name: Mapped[str] = mapped_column(Text)
    name_folded: Mapped[str] = mapped_column(Text, doc="Lower case without diacritics, for search")
    field: Mapped[str] = mapped_column(String(255))
    agency: Mapped[str | None] = mapped_column(Text)
    address: Mapped[str | None] = mapped_column(Text)
    updated_on: Mapped[dt.date]
    documents: Mapped[list[ProcedureDocument]] = relationship(
        order_by="ProcedureDocument.position", cascade="all, delete-orphan"
    )
    channels: Mapped[list[ProcedureChannel]] = relationship(
        order_by="ProcedureChannel.position", cascade="all, delete-orphan"
    )


class ProcedureDocument(Base):
    """One document of a procedure's dossier."""

    __tablename__ = "procedure_documents"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    procedure_code: Mapped[str] = mapped_column(
        ForeignKey("procedures.code", ondelete="CASCADE"), index=True
    )
    position: Mapped[int]
    name: Mapped[str] = mapped_column(Text)
    copies: Mapped[str | None] = mapped_column(Text)
    form: Mapped[str | None] = mapped_column(Text)


class ProcedureChannel(Base):
    """One way to submit a procedure's dossier."""

    __tablename__ = "procedure_channels"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    procedure_code: Mapped[str] = mapped_column(
        ForeignKey("procedures.code", ondelete="CASCADE"), index=True
    )
    position: Mapped[int]
    kind: Mapped[str] = mapped_column(String(12))
    time: Mapped[str | None] = mapped_column(Text)
    fee: Mapped[str | None] = mapped_column(Text)


class Dossier(Base):
    """A citizen's dossier."""

    __tablename__ = "dossiers"
    __table_args__ = (Index("ix_dossiers_status_due", "status", "due_at"),)

    code: Mapped[str] = mapped_column(String(32), primary_key=True)
    procedure_code: Mapped[str] = mapped_column(ForeignKey("procedures.code"), index=True)
    agency_code: Mapped[str] = mapped_column(ForeignKey("agencies.code"), index=True)
    status: Mapped[str] = mapped_column(String(24))
    submitted_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    due_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    completed_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    current_step: Mapped[str] = mapped_column(Text)
    supplement_documents: Mapped[list[str]] = mapped_column(JSON, default=list)
    fee_due: Mapped[str | None] = mapped_column(Text)
    delivery: Mapped[str] = mapped_column(String(10))
    applicant_name: Mapped[str] = mapped_column(String(120))
    applicant_phone: Mapped[str] = mapped_column(String(15))
    applicant_id_number: Mapped[str] = mapped_column(String(12))
    applicant_address: Mapped[str] = mapped_column(Text)
    procedure: Mapped[Procedure] = relationship()
    agency: Mapped[Agency] = relationship()
    events: Mapped[list[DossierEvent]] = relationship(
        order_by="DossierEvent.position", cascade="all, delete-orphan"
    )


class DossierEvent(Base):
    """One step of a dossier's history."""

    __tablename__ = "dossier_events"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    dossier_code: Mapped[str] = mapped_column(
        ForeignKey("dossiers.code", ondelete="CASCADE"), index=True
    )
    position: Mapped[int]
    at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    status: Mapped[str] = mapped_column(String(24))
    step: Mapped[str] = mapped_column(Text)
    agency: Mapped[str | None] = mapped_column(Text)
    note: Mapped[str | None] = mapped_column(Text)


class ThrottleCounter(Base):
    """One counter per throttled key (a dossier's or a client's owner checks, a client's lookups),
    counted in fixed windows and only ever changed by one atomic UPDATE … RETURNING."""

    __tablename__ = "throttle_counters"

    key: Mapped[str] = mapped_column(String(160), primary_key=True)
    count: Mapped[int] = mapped_column(Integer)
    window_started_s: Mapped[float] = mapped_column(Float, doc="Unix time the window began")


class ClientLookup(Base):
    """A dossier a client looked up recently (keyed hash), to count different dossiers."""

    __tablename__ = "client_lookups"

    client_key: Mapped[str] = mapped_column(String(128), primary_key=True)
    dossier_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    seen_s: Mapped[float] = mapped_column(Float, doc="Unix time of the counted lookup")


class CheckAudit(Base):
    """Audit log of owner checks and refused lookups: no dossier code, only its keyed hash."""

    __tablename__ = "check_audit"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    dossier_hash: Mapped[str] = mapped_column(String(64), index=True)
    client_key: Mapped[str] = mapped_column(String(128), index=True)
    result: Mapped[str] = mapped_column(String(24))
    at: Mapped[dt.datetime] = mapped_column(UTCDateTime, index=True)
