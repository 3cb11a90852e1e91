"""No personal data in logs: the reference portal (``isee portal serve``, access log on) and the
assistant's dossier actions run as real processes at DEBUG level; every line they write is read."""

from __future__ import annotations

import datetime as dt
import os
import re
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest
from sqlalchemy import select

from bot.portal_service.db import make_engine, make_sessionmaker, migrate
from bot.portal_service.seed import seed
from bot.portal_service.tables import Dossier
from bot.settings import REPO_ROOT
from tests.integration.conftest import API_KEY, fixture_procedures, loopback_socket

pytestmark = pytest.mark.e2e


def _seeded(tmp_path: Path) -> tuple[str, Dossier]:
    url = f"sqlite:///{tmp_path / 'portal.db'}"
    migrate(url)
    engine = make_engine(url)
    sessions = make_sessionmaker(engine)
    with sessions() as session:
        seed(session, fixture_procedures(), dossiers=30, seed=5, now=dt.datetime.now(dt.UTC))
    with sessions() as session:
        row = session.scalars(select(Dossier).where(Dossier.status == "processing")).first()
        assert row is not None
        session.expunge(row)
    engine.dispose()
    return url, row


def test_a_dossier_conversation_leaves_no_personal_data_in_any_log(tmp_path: Path) -> None:
    db_url, row = _seeded(tmp_path)
    sock = loopback_socket()
    port = sock.getsockname()[1]
    sock.close()
    env = {
        **os.environ,
        "ISEE_ENV": "development",
        "ISEE_LOG_LEVEL": "DEBUG",
        "ISEE_PORTAL_DB_URL": db_url,
        "ISEE_PORTAL_URL": f"http://127.0.0.1:{port}",
        "ISEE_PORTAL_API_KEY": API_KEY,
        "ISEE_PRIVACY_HASH_KEY": "log-test-key",
        "ISEE_INBOX_DB_URL": f"sqlite:///{tmp_path / 'inbox.db'}",
        "PYTHONPATH": str(REPO_ROOT),
    }
    portal_log = tmp_path / "portal.log"
    with portal_log.open("wb") as out:
        portal = subprocess.Popen(
            [sys.executable, "-m", "bot.cli", "portal", "serve", "--port", str(port)],
            cwd=REPO_ROOT,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
        )
        try:
            _wait_until_up(f"http://127.0.0.1:{port}/api/v1/health", portal)
            wrong = next(f"{n:04d}" for n in range(1000, 10_000) if f"{n:04d}" not in row.code)
            digits = [row.applicant_phone[-4:], wrong]
            flow = subprocess.run(
                [sys.executable, "-m", "tests.integration.privacy_flow", row.code, *digits],
                cwd=REPO_ROOT,
                env=env,
                capture_output=True,
                text=True,
                timeout=120,
            )
        finally:
            portal.terminate()
            portal.wait(timeout=20)
    assert flow.returncode == 0, flow.stderr
    lines = portal_log.read_text(encoding="utf-8").splitlines()
    lines += (flow.stdout + flow.stderr).splitlines()
    assert any("/api/v1/dossiers/dossier#" in line for line in lines), "access log was read"
    assert any("portal.refused" in line for line in lines), "client log was read"
    compact = re.sub(r"[.\-]", "", row.code)
    last4 = re.compile(rf"(?<![\w.:-]){row.applicant_phone[-4:]}(?![\w.:-])")
    for line in lines:
        for secret in (row.code, compact, row.code.lower(), row.applicant_name):
            assert secret not in line
        for secret in (row.applicant_phone, row.applicant_id_number, row.applicant_address):
            assert secret not in line
        assert not last4.search(line), line


def _wait_until_up(url: str, process: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        assert process.poll() is None, "the portal exited"
        try:
            if httpx.get(url, timeout=1.0).status_code == 200:
                return
        except httpx.TransportError:
            pass
        time.sleep(0.1)
    raise AssertionError("the portal did not start")
