"""The real action server on a tiny knowledge base: its ``/metrics`` counts actions, search
decisions and portal errors, and ``isee kb reload`` swaps in a curator's edit without a restart
and without a failed request, or refuses a broken edit while the old knowledge keeps serving."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
import rasa_sdk
from typer.testing import CliRunner, Result

from bot.cli import app
from bot.knowledge.loader import load_knowledge_base
from bot.search.build import build_index
from bot.settings import get_settings
from tests.e2e.processes import VENV_BIN, ManagedProcess, free_port, http_ok
from tests.metrics_text import scrape, value
from tests.unit.test_search_index import MODEL, PROMPTS, write_kb

TOKEN = "test-admin-token"
# A curated le_phi phrasing of 1.001612.
FEE_QUESTION = "lập hộ kinh doanh phải nộp lệ phí bao nhiêu tiền"
NEW_QUESTION = "mở tiệm sửa xe máy ở phường thì đóng lệ phí đăng ký bao nhiêu"
NEW_FEE = "235.000 đồng"
# What a curator adds to 1.001612's file: a phrasing citizens use, and the fee the office charges.
CURATOR_EDIT = f"""- le_phi: {NEW_QUESTION}
overrides:
  channels:
  - kind: truc_tiep
    time: 3 ngày làm việc
    fee: {NEW_FEE}
  checked_date: '2026-06-01'
"""


def action_call(text: str) -> dict[str, Any]:
    """What Rasa posts to run ``action_answer_question`` after the user said ``text``."""
    return {
        "next_action": "action_answer_question",
        "sender_id": "reload-user",
        "version": rasa_sdk.__version__,
        "domain": {},
        "tracker": {
            "sender_id": "reload-user",
            "slots": {},
            "latest_message": {
                "text": text,
                "intent": {"name": "ask_question", "confidence": 0.99},
                "entities": [],
            },
            "events": [],
            "active_loop": {},
            "latest_action_name": "action_listen",
        },
    }


@dataclass
class ActionServer:
    url: str
    kb_dir: Path
    build_dir: Path
    env: dict[str, str]
    process: ManagedProcess

    def answer(self, text: str) -> dict[str, Any]:
        """Run ``action_answer_question`` for ``text`` as Rasa would; the webhook's JSON."""
        response = httpx.post(f"{self.url}/webhook", json=action_call(text), timeout=60)
        assert response.status_code == 200, response.text
        return response.json()


def first_text(reply: dict[str, Any]) -> str:
    return str(reply["responses"][0]["text"])


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ActionServer]:
    kb_dir = tmp_path_factory.mktemp("reload-kb")
    build_dir = tmp_path_factory.mktemp("reload-build")
    write_kb(kb_dir)
    build_index(load_knowledge_base(kb_dir), build_dir, MODEL, *PROMPTS)
    port = free_port()
    env = {
        "ISEE_KB_DIR": str(kb_dir),
        "ISEE_BUILD_DIR": str(build_dir),
        "ISEE_ACTION_PORT": str(port),
        "ISEE_ADMIN_TOKEN": TOKEN,
        "ISEE_INBOX_DB_URL": f"sqlite:///{build_dir / 'inbox.db'}",
        "ISEE_PORTAL_URL": f"http://127.0.0.1:{free_port()}",  # down: the KB's answers stand
        "ISEE_PORTAL_ATTEMPTS": "1",
    }
    work = tmp_path_factory.mktemp("reload-logs")
    process = ManagedProcess("actions", [str(VENV_BIN / "isee"), "serve", "actions"], work, env)
    url = f"http://127.0.0.1:{port}"
    try:
        process.wait_until(http_ok(f"{url}/health"), 180)
        yield ActionServer(url, kb_dir, build_dir, env, process)
    finally:
        process.stop()


def reload_cli(server: ActionServer, monkeypatch: pytest.MonkeyPatch) -> Result:
    """``isee kb reload`` with the server's settings."""
    for name, setting in server.env.items():
        monkeypatch.setenv(name, setting)
    monkeypatch.setenv("ISEE_ACTION_SERVER_URLS", f'["{server.url}"]')
    get_settings.cache_clear()
    try:
        return CliRunner().invoke(app, ["kb", "reload"])
    finally:
        get_settings.cache_clear()


def procedure_file(server: ActionServer) -> Path:
    return server.kb_dir / "procedures" / "test" / "1.001612.yml"


def test_metrics_count_actions_searches_and_portal_errors(server: ActionServer) -> None:
    before = scrape(server.url)
    reply = server.answer(FEE_QUESTION)
    assert "1.001612" in first_text(reply)
    server.answer("tỷ giá đô la mỹ hôm nay mua vào bao nhiêu")
    after = scrape(server.url)

    def moved(name: str, **labels: str) -> float:
        return value(after, name, **labels) - value(before, name, **labels)

    ok = {"action": "action_answer_question", "outcome": "ok"}
    assert moved("isee_action_runs_total", **ok) == 2
    assert moved("isee_action_seconds_count", action="action_answer_question") == 2
    assert moved("isee_search_seconds_count") == 2
    decisions = sum(
        moved("isee_search_decisions_total", decision=d)
        for d in ("answer", "guess", "clarify", "none")
    )
    assert decisions == 2
    assert moved("isee_search_decisions_total", decision="answer") >= 1
    # The fee answer asked the (stopped) portal for live data, and fell back to the KB.
    assert (
        moved("isee_portal_errors_total", kind="unavailable", endpoint="/api/v1/procedures/{code}")
        >= 1
    )


def test_reload_needs_the_admin_token(server: ActionServer) -> None:
    for headers in ({}, {"Authorization": "Bearer wrong"}, {"Authorization": TOKEN}):
        response = httpx.post(f"{server.url}/admin/reload", headers=headers, timeout=60)
        assert response.status_code == 401
        assert response.json()["error"]["code"] == "unauthorised"


def test_a_curators_edit_is_served_after_reload_without_a_failed_request(
    server: ActionServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert NEW_FEE not in first_text(server.answer(FEE_QUESTION))
    with procedure_file(server).open("a", encoding="utf-8") as file:
        file.write(CURATOR_EDIT)

    statuses: list[int] = []
    empty: list[str] = []
    done = threading.Event()

    def stream() -> None:
        while not done.is_set():
            try:
                response = httpx.post(
                    f"{server.url}/webhook", json=action_call(FEE_QUESTION), timeout=60
                )
            except httpx.HTTPError as exc:
                statuses.append(-1)
                empty.append(repr(exc))
                continue
            statuses.append(response.status_code)
            if response.status_code != 200 or not response.json()["responses"]:
                empty.append(response.text)

    caller = threading.Thread(target=stream)
    caller.start()
    try:
        result = reload_cli(server, monkeypatch)
        for _ in range(3):  # more swaps under the same stream of calls
            swapped = httpx.post(
                f"{server.url}/admin/reload",
                headers={"Authorization": f"Bearer {TOKEN}"},
                timeout=120,
            )
            assert swapped.status_code == 200, swapped.text
    finally:
        done.set()
        caller.join()
    assert result.exit_code == 0, result.output
    assert "đã dựng lại" in result.output  # the new phrasing was embedded into a new index
    assert f"{server.url}: đã nạp 90 mục" in result.output
    assert statuses and set(statuses) == {200}
    assert not empty

    answered = first_text(server.answer(FEE_QUESTION))
    assert NEW_FEE in answered and "1.001612" in answered
    assert "1.001612" in first_text(server.answer(NEW_QUESTION))
    assert value(scrape(server.url), "isee_kb_reloads_total", outcome="ok") == 4


def test_a_broken_edit_is_refused_and_the_old_knowledge_keeps_serving(
    server: ActionServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = procedure_file(server)
    path.write_text(path.read_text(encoding="utf-8") + "  - kind: [\n", encoding="utf-8")
    result = reload_cli(server, monkeypatch)
    assert result.exit_code == 1
    assert "1.001612.yml:" in result.output and "lỗi" in result.output
    assert "Không tải lại" in result.output
    assert "đã nạp" not in result.output
    answered = first_text(server.answer(FEE_QUESTION))
    assert "1.001612" in answered and NEW_FEE in answered
