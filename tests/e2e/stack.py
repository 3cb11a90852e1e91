"""The whole assistant on free loopback ports: portal, action server, Rasa server, gateway."""

from __future__ import annotations

import os
import subprocess
from dataclasses import dataclass, field
from pathlib import Path

from tests.e2e.processes import (
    MODEL,
    RASA_BIN,
    REPO,
    VENV_BIN,
    ManagedProcess,
    free_port,
    http_ok,
    write_endpoints,
)

ISEE = str(VENV_BIN / "isee")


@dataclass
class Stack:
    gateway_url: str
    rasa_url: str
    portal_url: str
    endpoints: Path
    env: dict[str, str]
    processes: list[ManagedProcess] = field(default_factory=list)

    def process(self, name: str) -> ManagedProcess:
        return next(p for p in self.processes if p.name == name)

    def stop(self) -> None:
        for process in reversed(self.processes):
            process.stop()


def seed_portal(env: dict[str, str], dossiers: int) -> None:
    """Create and seed the reference portal database named by ``env``."""
    for args in (["portal", "migrate"], ["portal", "seed", "--dossiers", str(dossiers)]):
        subprocess.run([ISEE, *args], cwd=REPO, env=env, check=True, capture_output=True)


def start_stack(
    work: Path, *, dossiers: int = 300, extra_env: dict[str, str] | None = None
) -> Stack:
    """Start every process of the assistant, wait until each answers, and return where they are."""
    if not MODEL.exists() or not RASA_BIN.exists():
        raise RuntimeError("No trained Rasa model: run `make test` (it sets up and trains first).")
    ports = {name: free_port() for name in ("portal", "actions", "rasa", "gateway")}
    rasa_url = f"http://127.0.0.1:{ports['rasa']}"
    portal_url = f"http://127.0.0.1:{ports['portal']}"
    env = {
        "ISEE_PORTAL_PORT": str(ports["portal"]),
        "ISEE_PORTAL_URL": portal_url,
        "ISEE_PORTAL_DB_URL": f"sqlite:///{work / 'portal.db'}",
        "ISEE_INBOX_DB_URL": f"sqlite:///{work / 'inbox.db'}",
        "ISEE_ACTION_PORT": str(ports["actions"]),
        "ISEE_RASA_URL": rasa_url,
        "ISEE_GATEWAY_PORT": str(ports["gateway"]),
        "HF_HUB_OFFLINE": "1",
        "OMP_NUM_THREADS": "1",
        # On a busy test machine a generous reply budget keeps real answers from turning into the
        # over-budget fallback (tests of the budget start a gateway of their own with a short one).
        "ISEE_ACTION_BUDGET_S": "25",
        **(extra_env or {}),
    }
    seed_portal({**os.environ, **env}, dossiers)
    endpoints = write_endpoints(work / "endpoints.yml", ports["actions"], work / "tracker.db")
    stack = Stack(
        gateway_url=f"http://127.0.0.1:{ports['gateway']}",
        rasa_url=rasa_url,
        portal_url=portal_url,
        endpoints=endpoints,
        env=env,
    )
    try:
        portal = ManagedProcess("portal", [ISEE, "portal", "serve"], work, env)
        stack.processes.append(portal)
        actions = ManagedProcess("actions", [ISEE, "serve", "actions"], work, env)
        stack.processes.append(actions)
        rasa = ManagedProcess(
            "rasa",
            [
                str(RASA_BIN),
                "run",
                "--model",
                str(MODEL),
                "--port",
                str(ports["rasa"]),
                "--interface",
                "127.0.0.1",
                "--endpoints",
                str(endpoints),
                "--credentials",
                "credentials.yml",
            ],
            work,
            env,
        )
        stack.processes.append(rasa)
        gateway = ManagedProcess("gateway", [ISEE, "serve", "gateway"], work, env)
        stack.processes.append(gateway)
        portal.wait_until(http_ok(f"{portal_url}/ready"), 60)
        actions.wait_until(http_ok(f"http://127.0.0.1:{ports['actions']}/ready"), 300)
        rasa.wait_until(http_ok(f"{rasa_url}/"), 240)
        gateway.wait_until(http_ok(f"{stack.gateway_url}/health"), 60)
    except BaseException:
        stack.stop()
        raise
    return stack
