"""Real servers on loopback for the portal tests: the reference portal (SQLite, and PostgreSQL
when ``ISEE_TEST_POSTGRES_URL`` names a disposable database) and a misbehaving portal."""

from __future__ import annotations

import datetime as dt
import json
import os
import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
import uvicorn
from fastapi import FastAPI
from sqlalchemy import Engine, text
from sqlalchemy.orm import Session, sessionmaker

from bot.knowledge.schema import Channel, Document, Overrides, Procedure
from bot.portal.client import PortalClientConfig
from bot.portal_service.app import create_app
from bot.portal_service.config import ServiceConfig, normalise_db_url
from bot.portal_service.db import make_engine, make_sessionmaker, migrate
from bot.portal_service.seed import SeedReport, seed
from bot.portal_service.tables import Base

API_KEY = "test-portal-key"
HASH_KEY = "test-hash-key"
LIMITS = {
    "proof_max_failures": 3,
    "proof_window_s": 600,
    "lookup_max_dossiers": 12,
    "lookup_window_s": 600,
}
SEED_NOW = dt.datetime.now(dt.UTC)


def fixture_procedures() -> list[Procedure]:
    """A tiny knowledge base: two commune procedures, a provincial one with a staff override,
    a superseded record and a national record missing from the provincial list."""
    data_date = dt.date(2025, 6, 12)
    return [
        Procedure(
            code="1.001193",
            province_codes=["1.001193.000.00.00.H37"],
            name="Thủ tục đăng ký khai sinh",
            field="Hộ tịch",
            source="national",
            levels=["xa"],
            agency="Ủy ban nhân dân cấp xã",
            channels=[
                Channel(kind="truc_tiep", time="Ngay trong ngày", fee="Miễn lệ phí"),
                Channel(kind="truc_tuyen", time="1 Ngày làm việc", fee="Miễn lệ phí"),
            ],
            documents=[
                Document(name="Tờ khai đăng ký khai sinh", copies="1 bản chính"),
                Document(name="Giấy chứng sinh", copies="1 bản chính"),
            ],
            data_date=data_date,
        ),
        Procedure(
            code="1.000894",
            province_codes=["1.000894.000.00.00.H37"],
            name="Thủ tục đăng ký kết hôn",
            field="Hộ tịch",
            source="national",
            levels=["xa"],
            channels=[Channel(kind="truc_tiep", time="3 Ngày làm việc", fee="Miễn lệ phí")],
            documents=[Document(name="Tờ khai đăng ký kết hôn", copies="1 bản chính")],
            data_date=data_date,
        ),
        Procedure(
            code="1.009972",
            province_codes=["1.009972.000.00.00.H37"],
            name="Cấp giấy phép xây dựng mới đối với công trình cấp III",
            field="Hoạt động xây dựng",
            source="provincial",
            levels=["tinh"],
            agency="Sở Xây dựng",
            channels=[
                Channel(kind="truc_tuyen", time="20 Ngày", fee="150.000 đồng"),
                Channel(kind="buu_chinh", time="20 Ngày", fee="150.000 đồng"),
            ],
            documents=[Document(name="Đơn đề nghị cấp giấy phép xây dựng", form="Mẫu số 01")],
            data_date=data_date,
            overrides=Overrides(
                documents=[
                    Document(name="Đơn đề nghị cấp giấy phép xây dựng", form="Mẫu số 01"),
                    Document(name="Bản vẽ thiết kế xây dựng", copies="2 bộ"),
                ],
                checked_date=dt.date(2025, 9, 1),
            ),
        ),
        Procedure(
            code="1.002809",
            name="Đổi giấy phép lái xe do ngành Giao thông vận tải cấp",
            field="Đường bộ",
            source="provincial",
            levels=["tinh"],
            data_date=data_date,
            superseded_by="3.000346",
        ),
        Procedure(
            code="1.007847",
            name="Thủ tục hải quan nhập khẩu kim cương thô",
            field="Hải quan",
            source="national",
            levels=["xa"],
            data_date=data_date,
        ),
    ]


@dataclass(frozen=True)
class RunningPortal:
    """A reference portal serving on loopback, and direct access to its database."""

    base_url: str
    db_url: str
    sessions: sessionmaker[Session]
    report: SeedReport
    config: ServiceConfig

    def client_config(self, **changes: object) -> PortalClientConfig:
        """A client configuration for this portal with short test timeouts."""
        return client_config(self.base_url, **changes)


def client_config(base_url: str, **changes: object) -> PortalClientConfig:
    """A client configuration for ``base_url`` with short test timeouts and backoff."""
    values: dict[str, object] = {
        "base_url": base_url,
        "api_key": API_KEY,
        "hash_key": HASH_KEY,
        "connect_timeout_s": 0.3,
        "read_timeout_s": 2.0,
        "budget_s": 4.0,
        "attempts": 2,
        "backoff_initial_s": 0.05,
        "backoff_max_s": 0.1,
    }
    values.update(changes)
    return PortalClientConfig.model_validate(values)


def service_config(db_url: str, **changes: object) -> ServiceConfig:
    """The reference portal's configuration for tests: test secrets, small limits."""
    values = {"db_url": db_url, "api_key": API_KEY, "hash_key": HASH_KEY, **LIMITS, **changes}
    return ServiceConfig.model_validate(values)


def loopback_socket() -> socket.socket:
    """A listening-ready socket on a free loopback port."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", 0))
    return sock


@contextmanager
def serve_app(app: FastAPI) -> Iterator[str]:
    """Run ``app`` under uvicorn in a thread on a free loopback port; yield its base URL."""
    sock = loopback_socket()
    server = uvicorn.Server(uvicorn.Config(app, log_level="warning", lifespan="off"))
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started:
        if time.monotonic() > deadline or not thread.is_alive():
            raise RuntimeError("reference portal did not start")
        time.sleep(0.02)
    try:
        yield f"http://127.0.0.1:{sock.getsockname()[1]}"
    finally:
        server.should_exit = True
        thread.join(timeout=10)
        sock.close()


def _reset_postgres(engine: Engine) -> None:
    Base.metadata.drop_all(engine)
    with engine.begin() as connection:
        connection.execute(text("DROP TABLE IF EXISTS verification_attempts"))
        connection.execute(text("DROP TABLE IF EXISTS alembic_version"))


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def portal_db_url(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> str:
    """A fresh, migrated database: SQLite always, PostgreSQL when ISEE_TEST_POSTGRES_URL is set."""
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path_factory.mktemp('portal') / 'portal.sqlite3'}"
    else:
        raw = os.environ.get("ISEE_TEST_POSTGRES_URL")
        if not raw:
            pytest.skip("ISEE_TEST_POSTGRES_URL is not set")
        url = normalise_db_url(raw)
        engine = make_engine(url)
        _reset_postgres(engine)
        engine.dispose()
    migrate(url)
    return url


@pytest.fixture(scope="module")
def running_portal(portal_db_url: str) -> Iterator[RunningPortal]:
    """The reference portal seeded with the fixture procedures and 180 dossiers."""
    engine = make_engine(portal_db_url)
    sessions = make_sessionmaker(engine)
    with sessions() as session:
        report = seed(session, fixture_procedures(), dossiers=180, seed=7, now=SEED_NOW)
    config = service_config(portal_db_url)
    with serve_app(create_app(config)) as base_url:
        yield RunningPortal(base_url, portal_db_url, sessions, report, config)
    engine.dispose()


class MisbehavingPortal:
    """A real HTTP server on loopback whose answers the test chooses: ``ok``, ``slow``,
    ``error`` (500), ``garbage`` (200 with broken JSON) or ``not_found`` (a proper 404)."""

    def __init__(self) -> None:
        self.mode = "ok"
        self.delay_s = 1.0
        self.requests = 0
        outer = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                outer.requests += 1
                if outer.mode == "slow":
                    time.sleep(outer.delay_s)
                status, body = outer.answer()
                try:
                    self.send_response(status)
                    self.send_header("Content-Type", "application/json")
                    self.send_header("Content-Length", str(len(body)))
                    self.end_headers()
                    self.wfile.write(body)
                except (BrokenPipeError, ConnectionResetError):
                    return

            def log_message(self, format: str, *args: object) -> None:
                return

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.base_url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self._thread = threading.Thread(
            target=self.server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )

    def answer(self) -> tuple[int, bytes]:
        """Status and body for the current mode."""
        if self.mode == "error":
            return 500, b'{"error": {"code": "internal_error", "message": "boom"}}'
        if self.mode == "garbage":
            return 200, b'{"status": "ok", "version": '
        if self.mode == "not_found":
            body = {"error": {"code": "not_found", "message": "Dạ, không tìm thấy."}}
            return 404, json.dumps(body).encode()
        return 200, json.dumps({"status": "ok", "version": "1.0.0", "dossiers": 0}).encode()

    def __enter__(self) -> MisbehavingPortal:
        self._thread.start()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def misbehaving_portal() -> Iterator[MisbehavingPortal]:
    """A fresh misbehaving portal, answering ``ok`` until the test changes its mode."""
    with MisbehavingPortal() as portal:
        yield portal


@pytest.fixture
def refused_url() -> str:
    """A loopback URL where nothing listens (connections are refused)."""
    sock = loopback_socket()
    port = sock.getsockname()[1]
    sock.close()
    return f"http://127.0.0.1:{port}"


@pytest.fixture
def anyio_backend() -> str:
    """Run async tests on asyncio (the loop the action server uses)."""
    return "asyncio"


def fixture_kb_dir(tmp_path: Path) -> Path:
    """The fixture procedures written as a knowledge-base directory, with the answer rules."""
    import shutil

    import yaml

    repo_kb = Path(__file__).resolve().parents[2] / "knowledge_base"
    tmp_path.mkdir(parents=True, exist_ok=True)
    for name in ("site.yml", "answers.yml"):
        shutil.copy(repo_kb / name, tmp_path / name)

    for procedure in fixture_procedures():
        folder = tmp_path / "procedures" / procedure.field.lower().replace(" ", "-")
        folder.mkdir(parents=True, exist_ok=True)
        data = procedure.model_dump(mode="json", exclude_defaults=True)
        (folder / f"{procedure.code}.yml").write_text(
            yaml.safe_dump(data, allow_unicode=True), encoding="utf-8"
        )
    return tmp_path
