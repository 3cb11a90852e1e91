"""One real assistant stack (Rasa server, action server, gateway) shared by the e2e tests."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.e2e.processes import (
    MODEL,
    RASA_BIN,
    VENV_BIN,
    ManagedProcess,
    free_port,
    http_ok,
    write_endpoints,
)


@dataclass
class Stack:
    gateway_url: str
    rasa_url: str


@pytest.fixture(scope="session")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    if not MODEL.exists() or not RASA_BIN.exists():
        pytest.fail("No trained Rasa model: run `make test` (it sets up and trains first).")
    logs: Path = tmp_path_factory.mktemp("stack")
    action_port, rasa_port, gateway_port = free_port(), free_port(), free_port()
    rasa_url = f"http://127.0.0.1:{rasa_port}"
    env = {
        "ISEE_ACTION_PORT": str(action_port),
        "ISEE_RASA_URL": rasa_url,
        "ISEE_GATEWAY_PORT": str(gateway_port),
        "HF_HUB_OFFLINE": "1",
        "OMP_NUM_THREADS": "1",
    }
    endpoints = write_endpoints(logs / "endpoints.yml", action_port, logs / "tracker.db")
    procs: list[ManagedProcess] = []
    try:
        actions = ManagedProcess("actions", [str(VENV_BIN / "isee"), "serve", "actions"], logs, env)
        procs.append(actions)
        rasa = ManagedProcess(
            "rasa",
            [
                str(RASA_BIN),
                "run",
                "--model",
                str(MODEL),
                "--port",
                str(rasa_port),
                "--interface",
                "127.0.0.1",
                "--endpoints",
                str(endpoints),
                "--credentials",
                "credentials.yml",
            ],
            logs,
            env,
        )
        procs.append(rasa)
        gateway = ManagedProcess("gateway", [str(VENV_BIN / "isee"), "serve", "gateway"], logs, env)
        procs.append(gateway)
        actions.wait_until(http_ok(f"http://127.0.0.1:{action_port}/health"), 120)
        rasa.wait_until(http_ok(f"{rasa_url}/"), 240)
        gateway.wait_until(http_ok(f"http://127.0.0.1:{gateway_port}/health"), 60)
        yield Stack(gateway_url=f"http://127.0.0.1:{gateway_port}", rasa_url=rasa_url)
    finally:
        for p in reversed(procs):
            p.stop()
