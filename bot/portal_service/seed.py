"""Seeding the reference portal: procedures from the knowledge base, agencies and synthetic dossiers."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

from pydantic import BaseModel
from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from bot.knowledge.schema import Procedure
from bot.portal_service import tables
from bot.portal_service.synthetic import AGENCIES, DossierGenerator
from bot.portal_service.text import search_key


class SeedReport(BaseModel):
    """What a seed run wrote."""

    procedures: int
    agencies: int
    dossiers: int
    events: int
    statuses: dict[str, int]


def procedure_row(procedure: Procedure) -> tables.Procedure:
    """A knowledge-base procedure (staff overrides applied) as a portal row."""
    shown = procedure.effective()
    return tables.Procedure(
        code=shown.code,
        name=shown.name,
        name_folded=search_key(shown.name),
        field=shown.field,
        agency=shown.agency,
        address=shown.address,
        updated_on=procedure.answer_date,
        documents=[
            tables.ProcedureDocument(
                position=position, name=document.name, copies=document.copies, form=document.form
            )
            for position, document in enumerate(shown.documents)
        ],
        channels=[
            tables.ProcedureChannel(
                position=position, kind=channel.kind, time=channel.time, fee=channel.fee
            )
            for position, channel in enumerate(shown.channels)
        ],
    )


def dossier_candidates(procedures: Iterable[Procedure]) -> list[Procedure]:
    """Procedures citizens of Lạng Sơn file: current, preferred records on the provincial list
    (falling back to any current record, then to everything)."""
    everything = list(procedures)
    current = [p for p in everything if p.preferred and p.superseded_by is None]
    listed = [p for p in current if p.province_codes]
    return listed or current or everything


def seed(
    session: Session,
    procedures: Iterable[Procedure],
    *,
    dossiers: int,
    seed: int,
    now: dt.datetime,
) -> SeedReport:
    """Replace every row of the portal with procedures, agencies and ``dossiers`` generated ones.

    Runs in one transaction: on any error nothing is changed.
    """
    kb_procedures = list(procedures)
    generated = DossierGenerator(dossier_candidates(kb_procedures), seed, now).generate(dossiers)
    for table in (
        tables.ThrottleCounter,
        tables.ClientLookup,
        tables.CheckAudit,
        tables.DossierEvent,
        tables.Dossier,
        tables.ProcedureDocument,
        tables.ProcedureChannel,
        tables.Procedure,
        tables.Agency,
    ):
        session.execute(delete(table))
    session.add_all(
        tables.Agency(code=agency.code, name=agency.name, level=agency.level) for agency in AGENCIES
    )
    session.add_all(procedure_row(procedure) for procedure in kb_procedures)
    session.flush()
    session.add_all(generated)
    session.commit()
    statuses = dict(
        session.execute(
            select(tables.Dossier.status, func.count()).group_by(tables.Dossier.status)
        ).all()
    )
    return SeedReport(
        procedures=len(kb_procedures),
        agencies=len(AGENCIES),
        dossiers=len(generated),
        events=sum(len(dossier.events) for dossier in generated),
        statuses=statuses,
    )
