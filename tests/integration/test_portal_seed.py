"""Seeding: realistic, consistent, deterministic dossiers; procedures from the knowledge base."""

from __future__ import annotations

import datetime as dt
from collections import Counter
from itertools import pairwise
from pathlib import Path

import pytest
from sqlalchemy import func, select
from typer.testing import CliRunner

from bot.cli import app
from bot.portal_contract.codes import normalise_dossier_code
from bot.portal_contract.models import DossierStatus
from bot.portal_service import tables
from bot.portal_service.db import make_engine, make_sessionmaker, migrate
from bot.portal_service.seed import dossier_candidates, seed
from bot.portal_service.synthetic import AGENCIES, DossierGenerator
from bot.settings import get_settings
from tests.integration.conftest import fixture_kb_dir, fixture_procedures

NOW = dt.datetime(2026, 3, 18, 9, 30, tzinfo=dt.UTC)
OPEN = {"received", "processing", "supplement_required", "payment_required"}
CLOSED = {"result_ready", "returned", "rejected", "withdrawn"}


@pytest.fixture(scope="module")
def generated() -> list[tables.Dossier]:
    return DossierGenerator(dossier_candidates(fixture_procedures()), 11, NOW).generate(2000)


def test_every_status_and_agency_kind_is_covered(generated: list[tables.Dossier]) -> None:
    statuses = Counter(dossier.status for dossier in generated)
    assert set(statuses) == {status.value for status in DossierStatus}
    assert min(statuses.values()) >= 40
    agencies = {dossier.agency_code for dossier in generated}
    assert AGENCIES[0].code in agencies and len(agencies) == len(AGENCIES)
    assert len({dossier.procedure_code for dossier in generated}) == 3


def test_codes_are_unique_canonical_and_dated_by_submission(
    generated: list[tables.Dossier],
) -> None:
    codes = [dossier.code for dossier in generated]
    assert len(set(codes)) == len(codes)
    for dossier in generated:
        assert normalise_dossier_code(dossier.code) == dossier.code
        assert dossier.code.startswith(dossier.agency_code + "-")
        local = dossier.submitted_at.astimezone(dt.timezone(dt.timedelta(hours=7)))
        assert dossier.code.split("-")[1] == f"{local:%y%m%d}"


def test_histories_are_consistent_with_status(generated: list[tables.Dossier]) -> None:
    for dossier in generated:
        events = dossier.events
        times = [event.at for event in events]
        assert events[0].status == "received" and times[0] == dossier.submitted_at
        assert all(a < b for a, b in pairwise(times)), dossier.code
        assert times[-1] <= NOW
        assert events[-1].status == dossier.status
        assert dossier.current_step == events[-1].step
        assert dossier.due_at > dossier.submitted_at
        if dossier.status in OPEN:
            assert dossier.due_at > NOW and dossier.completed_at is None
        if dossier.status == "overdue":
            assert dossier.due_at < events[-1].at <= NOW
        if dossier.status in CLOSED:
            assert dossier.completed_at is not None
            assert dossier.submitted_at < dossier.completed_at <= NOW
        assert bool(dossier.supplement_documents) == (dossier.status == "supplement_required")
        assert (dossier.fee_due is not None) == (dossier.status == "payment_required")
        assert dossier.applicant_id_number.startswith("020")
        assert len(dossier.applicant_phone) == 10


def test_commune_procedures_go_to_commune_desks(generated: list[tables.Dossier]) -> None:
    communes = {agency.code for agency in AGENCIES if agency.level == "xa"}
    for dossier in generated:
        if dossier.procedure_code in {"1.001193", "1.000894"}:
            assert dossier.agency_code in communes
        else:
            assert dossier.agency_code == AGENCIES[0].code


def test_generation_is_deterministic_for_a_seed(generated: list[tables.Dossier]) -> None:
    again = DossierGenerator(dossier_candidates(fixture_procedures()), 11, NOW).generate(2000)
    other = DossierGenerator(dossier_candidates(fixture_procedures()), 12, NOW).generate(2000)

    def fingerprint(rows: list[tables.Dossier]) -> list[tuple[str, str, str]]:
        return [(row.code, row.status, row.applicant_name) for row in rows]

    assert fingerprint(again) == fingerprint(generated)
    assert fingerprint(other) != fingerprint(generated)


def test_dossiers_go_to_current_procedures_of_the_provincial_list() -> None:
    codes = {procedure.code for procedure in dossier_candidates(fixture_procedures())}
    assert codes == {"1.001193", "1.000894", "1.009972"}


def test_seed_replaces_everything_in_one_transaction(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'portal.sqlite3'}"
    migrate(url)
    engine = make_engine(url)
    sessions = make_sessionmaker(engine)
    with sessions() as session:
        first = seed(session, fixture_procedures(), dossiers=300, seed=3, now=NOW)
    with sessions() as session:
        second = seed(session, fixture_procedures(), dossiers=50, seed=3, now=NOW)
        with pytest.raises(ValueError, match="no procedure"):
            seed(session, [], dossiers=10, seed=3, now=NOW)
    with sessions() as session:
        count = session.scalar(select(func.count()).select_from(tables.Dossier))
        procedures = session.scalar(select(func.count()).select_from(tables.Procedure))
    engine.dispose()
    assert first.dossiers == 300 and sum(first.statuses.values()) == 300
    assert second.dossiers == count == 50
    assert procedures == len(fixture_procedures())


def test_cli_migrates_and_seeds_from_a_knowledge_base_dir(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    kb_dir = fixture_kb_dir(tmp_path / "kb")
    monkeypatch.setenv("ISEE_PORTAL_DB_URL", f"sqlite:///{tmp_path / 'cli.sqlite3'}")
    get_settings.cache_clear()
    try:
        runner = CliRunner()
        migrated = runner.invoke(app, ["portal", "migrate"])
        seeded = runner.invoke(
            app, ["portal", "seed", "--dossiers", "120", "--seed", "5", "--kb-dir", str(kb_dir)]
        )
        empty = runner.invoke(app, ["portal", "seed", "--kb-dir", str(tmp_path / "none")])
    finally:
        get_settings.cache_clear()
    assert migrated.exit_code == 0, migrated.output
    assert seeded.exit_code == 0, seeded.output
    assert '"dossiers": 120' in seeded.output
    assert empty.exit_code == 1
