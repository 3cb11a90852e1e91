"""The reference portal's liveness and readiness probes, on a real server and database."""

from __future__ import annotations

from pathlib import Path

import httpx

from bot.portal_service.app import create_app
from tests.integration.conftest import RunningPortal, serve_app, service_config


def test_health_and_ready_answer_without_a_key(running_portal: RunningPortal) -> None:
    health = httpx.get(f"{running_portal.base_url}/health", timeout=10)
    assert health.status_code == 200
    assert health.json() == {"status": "ok"}
    ready = httpx.get(f"{running_portal.base_url}/ready", timeout=10)
    assert ready.status_code == 200
    assert ready.json() == {"status": "ready", "checks": {"database": "up"}}


def test_ready_is_503_on_a_database_without_the_schema(tmp_path: Path) -> None:
    config = service_config(f"sqlite:///{tmp_path / 'empty.sqlite3'}")
    with serve_app(create_app(config)) as base_url:
        assert httpx.get(f"{base_url}/health", timeout=10).status_code == 200
        ready = httpx.get(f"{base_url}/ready", timeout=10)
    assert ready.status_code == 503
    body = ready.json()
    assert body["status"] == "not_ready"
    assert body["checks"] == {"database": "down"}


def test_probes_stay_out_of_the_portal_contract(running_portal: RunningPortal) -> None:
    spec = httpx.get(f"{running_portal.base_url}/openapi.json", timeout=10).json()
    assert "/health" not in spec["paths"]
    assert "/ready" not in spec["paths"]
