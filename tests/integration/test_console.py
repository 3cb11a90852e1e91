"""The staff console on the real gateway process, against a stand-in Rasa on loopback that
reports search outcomes like the action server does, and a real inbox database."""

from __future__ import annotations

import os
import re
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
from playwright.sync_api import expect, sync_playwright

from bot.inbox.store import InboxStore
from tests.e2e.processes import REPO, VENV_BIN, ManagedProcess, free_port, http_ok
from tests.integration.standin_rasa import StandInRasa

ENTRY = "1.000894:ho_so"
UNKNOWN_WORD = "phithuyen"
PASSWORD = "mat-khau-rat-dai-123"
CHROMIUM = Path("/usr/bin/chromium")


class SearchingRasa(StandInRasa):
    """Reports search outcomes like the action server does: a message holding ``UNKNOWN_WORD``
    is declined (search decision ``none``), anything else answered from ``ENTRY``."""

    def reply(self, body: dict[str, Any]) -> list[dict[str, Any]]:
        message = body["message"]
        if message.startswith("/feedback"):
            return [{"text": "Dạ, em cảm ơn anh/chị đã phản hồi ạ."}]
        if UNKNOWN_WORD in message:
            search = {"decision": "none", "entry": None, "confidence": None}
            return [{"text": "Dạ, em chưa tìm thấy.", "custom": {"search": search}}]
        search = {"decision": "answer", "entry": ENTRY, "confidence": 0.91}
        return [{"text": "Dạ, hồ sơ gồm…", "custom": {"search": search}}]


@dataclass
class Gateway:
    url: str
    env: dict[str, str]
    inbox_url: str


@pytest.fixture(scope="module")
def gateway(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Gateway]:
    rasa = SearchingRasa()
    work: Path = tmp_path_factory.mktemp("console")
    port = free_port()
    inbox_url = f"sqlite:///{work / 'inbox.db'}"
    env = {
        "ISEE_GATEWAY_PORT": str(port),
        "ISEE_RASA_URL": rasa.url,
        "ISEE_INBOX_DB_URL": inbox_url,
        "ISEE_ENV": "development",
    }
    process = ManagedProcess("gateway", [str(VENV_BIN / "isee"), "serve", "gateway"], work, env)
    try:
        process.wait_until(http_ok(f"http://127.0.0.1:{port}/health"), 60)
        yield Gateway(f"http://127.0.0.1:{port}", env, inbox_url)
    finally:
        process.stop()
        rasa.close()


def add_user(gateway: Gateway, name: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(VENV_BIN / "isee"), "console", "add-user", name],
        cwd=REPO,
        env={**os.environ, **gateway.env, "ISEE_CONSOLE_PASSWORD": PASSWORD},
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def chat(gateway: Gateway, sender: str, message: str) -> None:
    body = {"sender": sender, "message": message}
    response = httpx.post(f"{gateway.url}/api/v1/chat", json=body, timeout=30)
    assert response.status_code == 200, response.text


def csrf_token(html: str) -> str:
    match = re.search(r'name="csrf" value="([^"]+)"', html)
    assert match, html
    return match.group(1)


@pytest.fixture(scope="module")
def staff(gateway: Gateway) -> Iterator[httpx.Client]:
    created = add_user(gateway, "canbo1")
    assert created.returncode == 0, created.stdout + created.stderr
    assert add_user(gateway, "canbo1").returncode == 1  # the name is taken
    with httpx.Client(base_url=gateway.url, timeout=30) as client:
        wrong = client.post("/console/login", data={"name": "canbo1", "password": "sai-mat-khau"})
        assert wrong.status_code == 401 and "không đúng" in wrong.text
        assert "isee_console" not in client.cookies
        right = client.post("/console/login", data={"name": "canbo1", "password": PASSWORD})
        assert right.status_code == 303
        cookie = right.headers["set-cookie"].lower()
        assert "httponly" in cookie and "samesite=strict" in cookie
        yield client


def test_the_console_asks_for_a_login(gateway: Gateway) -> None:
    page = httpx.get(f"{gateway.url}/console", timeout=10)
    assert page.status_code == 200 and 'action="/console/login"' in page.text
    for path in ("/console/unanswered", "/console/handovers", "/console/export.csv"):
        refused = httpx.get(f"{gateway.url}{path}", timeout=10)
        assert refused.status_code == 303 and refused.headers["location"] == "/console"


def test_overview_counts_the_turns_just_sent(gateway: Gateway, staff: httpx.Client) -> None:
    shown = re.search(r'data-channel="web">(\d+)<', staff.get("/console").text)
    before = int(shown.group(1)) if shown else 0
    chat(gateway, "web:overview-1", "đăng ký khai sinh cần giấy tờ gì")
    chat(gateway, "web:overview-1", "lệ phí bao nhiêu")
    chat(gateway, "web:overview-2", "đăng ký khai sinh cần giấy tờ gì")
    page = staff.get("/console")
    assert page.status_code == 200
    assert f'data-channel="web">{before + 3}<' in page.text
    assert "<svg" in page.text and "đăng ký khai sinh cần giấy tờ gì" in page.text


def test_posts_without_the_csrf_token_are_refused(staff: httpx.Client) -> None:
    assert staff.post("/console/logout", data={}).status_code == 403
    assert staff.post("/console/logout", data={"csrf": "forged"}).status_code == 403
    assert staff.post("/console/handovers/1/reply", data={"text": "x"}).status_code == 403
    assert staff.get("/console").status_code == 200  # still logged in


def test_export_holds_the_text_with_personal_data_masked(
    gateway: Gateway, staff: httpx.Client
) -> None:
    chat(gateway, "web:export-1", "số em là 0912 345 678, hồ sơ 000.00.20.H37-250612-0001")
    export = staff.get("/console/export.csv")
    assert export.status_code == 200 and export.headers["content-type"].startswith("text/csv")
    assert "số em là [số điện thoại], hồ sơ [mã hồ sơ]" in export.text
    assert "0912" not in export.text and "web:export-1" not in export.text


def test_unanswered_questions_and_disliked_answers_are_listed(
    gateway: Gateway, staff: httpx.Client
) -> None:
    chat(gateway, "web:weak-1", f"thủ tục {UNKNOWN_WORD} ra sao")
    chat(gateway, "web:weak-2", f"Thủ tục {UNKNOWN_WORD} ra sao ạ")
    groups = staff.get("/console/unanswered").text
    assert re.search(rf"<strong>Thủ tục {UNKNOWN_WORD} ra sao ạ</strong> — 2 câu", groups)
    assert f"<li>thủ tục {UNKNOWN_WORD} ra sao</li>" in groups
    chat(gateway, "web:dislike-1", "lệ phí khai sinh")
    chat(gateway, "web:dislike-1", "/feedback_bad")
    assert f"<td>{ENTRY}</td><td>1</td>" in staff.get("/console/feedback").text


def test_a_handover_reply_reaches_the_web_citizen(gateway: Gateway, staff: httpx.Client) -> None:
    sender = "web:handover-1"
    chat(gateway, sender, "tôi muốn gặp cán bộ")
    request = InboxStore(gateway.inbox_url).open_handover(sender, "tôi muốn gặp cán bộ", None)
    page = staff.get("/console/handovers")
    assert f"Yêu cầu #{request.id}" in page.text and "tôi muốn gặp cán bộ" in page.text
    sent = staff.post(
        f"/console/handovers/{request.id}/reply",
        data={"csrf": csrf_token(page.text), "text": "Anh/chị mang CCCD tới bộ phận một cửa."},
    )
    assert sent.status_code == 200 and "Đã gửi" in sent.text
    history = httpx.get(f"{gateway.url}/api/v1/history", params={"sender": sender}, timeout=10)
    last = history.json()["turns"][-1]
    assert last["user"] == ""
    assert "Anh/chị mang CCCD tới bộ phận một cửa." in last["replies"][0]["text"]
    assert InboxStore(gateway.inbox_url).handover(request.id).status == "answered"


def test_the_search_outcome_never_reaches_the_citizen(gateway: Gateway) -> None:
    body = {"sender": "web:outcome-1", "message": "đăng ký khai sinh"}
    answer = httpx.post(f"{gateway.url}/api/v1/chat", json=body, timeout=30).json()
    assert answer["replies"] == [{"text": "Dạ, hồ sơ gồm…", "buttons": [], "link": None}]
    history = httpx.get(
        f"{gateway.url}/api/v1/history", params={"sender": "web:outcome-1"}, timeout=10
    )
    assert "confidence" not in history.text and ENTRY not in history.text


def test_login_and_overview_in_headless_chromium(gateway: Gateway, staff: httpx.Client) -> None:
    if not CHROMIUM.exists():
        pytest.skip("Debian chromium is not installed (apt-get install chromium)")
    chat(gateway, "web:browser-1", "cấp lại giấy khai sinh")
    with sync_playwright() as running:
        browser = running.chromium.launch(executable_path=str(CHROMIUM))
        try:
            page = browser.new_page(locale="vi-VN")
            problems: list[str] = []
            page.on("console", lambda m: problems.append(m.text) if m.type == "error" else None)
            page.goto(f"{gateway.url}/console")
            page.get_by_label("Tên đăng nhập").fill("canbo1")
            page.get_by_label("Mật khẩu").fill("sai-mat-khau")
            page.get_by_role("button", name="Đăng nhập").click()
            expect(page.get_by_role("alert")).to_contain_text("không đúng")
            problems.clear()  # the refused login's 401, logged by the browser
            page.get_by_label("Tên đăng nhập").fill("canbo1")
            page.get_by_label("Mật khẩu").fill(PASSWORD)
            page.get_by_role("button", name="Đăng nhập").click()
            expect(page.get_by_role("heading", level=1)).to_contain_text("Tổng quan")
            expect(page.get_by_role("img", name="Lượt hỏi theo kênh")).to_be_visible()
            web = int(page.locator('[data-channel="web"]').inner_text())
            assert web >= 1
            expect(page.get_by_role("cell", name="cấp lại giấy khai sinh")).to_be_visible()
            page.get_by_role("button", name="Đăng xuất").click()
            expect(page.get_by_role("button", name="Đăng nhập")).to_be_visible()
            assert problems == []
        finally:
            browser.close()
