"""The web widget in headless Chromium (Playwright), embedded in the demo page of the real stack:
a question, a clicked suggestion, a reload that restores the conversation, a send while offline,
escaping, a phone-sized screen and an axe-core scan. A failing test leaves a screenshot in the
pytest temporary folder (``…/widget-screenshots``)."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import (
    Browser,
    BrowserContext,
    Locator,
    Page,
    Playwright,
    expect,
    sync_playwright,
)

from tests.e2e.stack import Stack

pytestmark = pytest.mark.e2e

CHROMIUM = Path("/usr/bin/chromium")
ANSWER_TIMEOUT_MS = 90_000
PROCEDURE_CODE = re.compile(r"\b[123]\.\d{6}\b")


@pytest.fixture(scope="module")
def playwright() -> Iterator[Playwright]:
    if not CHROMIUM.exists():
        pytest.skip("Debian chromium is not installed (apt-get install chromium)")
    with sync_playwright() as running:
        yield running


@pytest.fixture(scope="module")
def browser(playwright: Playwright) -> Iterator[Browser]:
    chromium = playwright.chromium.launch(executable_path=str(CHROMIUM))
    yield chromium
    chromium.close()


@pytest.fixture(scope="module")
def screenshots(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("widget-screenshots")


@pytest.fixture
def context(browser: Browser) -> Iterator[BrowserContext]:
    """A fresh browser profile (empty localStorage: a new visitor)."""
    fresh = browser.new_context(locale="vi-VN")
    yield fresh
    fresh.close()


@pytest.fixture
def page(
    context: BrowserContext, request: pytest.FixtureRequest, screenshots: Path
) -> Iterator[Page]:
    opened = context.new_page()
    opened.set_default_timeout(ANSWER_TIMEOUT_MS)
    yield opened
    report = getattr(request.node, "report_call", None)
    if report is not None and report.failed:
        path = screenshots / f"{request.node.name}.png"
        opened.screenshot(path=str(path), full_page=True)
        print(f"screenshot of the failure: {path}")


def open_widget(page: Page, stack: Stack) -> None:
    page.goto(f"{stack.gateway_url}/demo")
    launcher = page.get_by_role("button", name="Trò chuyện với trợ lý ảo")
    expect(launcher).to_have_attribute("aria-expanded", "false")
    launcher.click()
    expect(page.get_by_role("dialog", name="Trợ lý ảo dịch vụ công")).to_be_visible()
    expect(page.get_by_role("textbox", name="Câu hỏi của anh/chị")).to_be_focused()
    expect(bot_messages(page)).not_to_have_count(0)  # the greeting


def bot_messages(page: Page) -> Locator:
    return page.locator(".msg.bot")


def wait_for_replies(page: Page, before: int) -> None:
    """Wait until the assistant's messages after the first ``before`` have all arrived."""
    expect(bot_messages(page)).not_to_have_count(before)
    expect(page.get_by_role("status")).to_have_text("")


def ask(page: Page, text: str) -> int:
    """Type ``text``, send it and wait for the replies; returns how many assistant messages
    there were before it."""
    before = bot_messages(page).count()
    box = page.get_by_role("textbox", name="Câu hỏi của anh/chị")
    box.fill(text)
    box.press("Enter")
    wait_for_replies(page, before)
    return before


def click(page: Page, button: Locator) -> int:
    """Click a suggestion; its title is shown as the user's message. Returns how many assistant
    messages there were before it."""
    before = bot_messages(page).count()
    title = button.inner_text()
    button.click()
    expect(page.locator(".msg.user").last).to_contain_text(title)
    wait_for_replies(page, before)
    return before


def answer_since(page: Page, before: int) -> Locator | None:
    """The first assistant message after the first ``before`` that names a procedure code."""
    messages = bot_messages(page)
    for index in range(before, messages.count()):
        if PROCEDURE_CODE.search(messages.nth(index).inner_text()):
            return messages.nth(index)
    return None


def test_demo_page_embeds_the_widget_with_one_script_tag(stack: Stack, page: Page) -> None:
    html = httpx.get(f"{stack.gateway_url}/demo", timeout=10).text
    scripts = re.findall(r"<script\b[^>]*>", html)
    assert len(scripts) == 1 and 'src="/widget.js"' in scripts[0]
    failed: list[str] = []
    page.on("response", lambda r: failed.append(f"{r.status} {r.url}") if r.status >= 400 else 0)
    open_widget(page, stack)
    assert failed == []
    # the demo page styles every button yellow with !important: none of it reaches the widget
    send = page.get_by_role("button", name="Gửi")
    expect(send).to_have_css("background-color", "rgb(179, 38, 30)")
    page.keyboard.press("Escape")
    launcher = page.get_by_role("button", name="Trò chuyện với trợ lý ảo")
    expect(launcher).to_be_focused()
    expect(launcher).to_have_attribute("aria-expanded", "false")
    expect(page.get_by_role("dialog")).to_be_hidden()


def test_question_suggestion_source_link_and_history_after_reload(stack: Stack, page: Page) -> None:
    open_widget(page, stack)
    before = ask(page, "đăng ký kết hôn cần giấy tờ gì")
    answer = answer_since(page, before)
    if answer is None:  # an unsure answer offers the procedures as choices
        answer = answer_since(page, click(page, page.locator(".buttons button").first))
    assert answer is not None, bot_messages(page).all_inner_texts()
    source = answer.locator(".source a")
    expect(source).to_have_attribute("href", re.compile(r"^https?://"))
    expect(source).to_have_attribute("target", "_blank")

    follow_up = page.get_by_role("button", name="Lệ phí bao nhiêu?")
    before = click(page, follow_up)
    fee = answer_since(page, before)
    assert fee is not None, bot_messages(page).all_inner_texts()
    expect(fee).to_contain_text("phí")
    users = page.locator(".msg.user").all_inner_texts()
    bots = bot_messages(page).all_inner_texts()

    page.reload()  # the panel stays open and the conversation comes back from the server
    expect(page.get_by_role("dialog")).to_be_visible()
    expect(bot_messages(page)).to_have_count(len(bots))
    assert page.locator(".msg.user").all_inner_texts() == users
    assert bot_messages(page).all_inner_texts() == bots

    other_tab = page.context.new_page()
    other_tab.goto(f"{stack.gateway_url}/demo")
    other_tab.get_by_role("button", name="Trò chuyện với trợ lý ảo").click()
    expect(other_tab.locator(".msg.bot")).to_have_count(len(bots))


def test_a_message_sent_offline_is_delivered_when_back_online(
    stack: Stack, page: Page, context: BrowserContext
) -> None:
    open_widget(page, stack)
    expect(page.get_by_role("status")).to_have_text("")
    before = bot_messages(page).count()
    context.set_offline(True)
    box = page.get_by_role("textbox", name="Câu hỏi của anh/chị")
    box.fill("đi khai sinh cho cháu cần mang gì")
    box.press("Enter")
    expect(page.locator(".msg.notice")).to_contain_text("mất kết nối mạng")
    expect(page.locator(".msg.user").last).to_have_text(
        re.compile("đi khai sinh cho cháu cần mang gì")
    )
    assert bot_messages(page).count() == before
    context.set_offline(False)
    wait_for_replies(page, before)
    expect(page.locator(".msg.notice")).to_have_count(0)
    expect(page.locator(".msg.error")).to_have_count(0)
    assert "khai sinh" in " ".join(bot_messages(page).all_inner_texts()[before:]).lower()


def test_html_in_an_answer_is_shown_as_text(stack: Stack, page: Page) -> None:
    attack = '<img src=x onerror="window.__pwned=1"> xem https://example.org/a?b=1.'

    def answer_with_html(route):  # the server's answer replaced, to test the widget's rendering
        body = {"sender": "web:x", "replies": [{"text": attack, "buttons": [], "link": None}]}
        route.fulfill(status=200, json=body)

    open_widget(page, stack)
    page.route("**/api/v1/chat", answer_with_html)
    answer = bot_messages(page).nth(ask(page, "thử"))
    expect(answer).to_contain_text('<img src=x onerror="window.__pwned=1">')
    assert answer.locator("img").count() == 0
    expect(answer.locator("a")).to_have_attribute("href", "https://example.org/a?b=1")
    assert page.evaluate("window.__pwned") is None


def test_the_open_widget_has_no_accessibility_violations(stack: Stack, page: Page) -> None:
    open_widget(page, stack)
    ask(page, "lệ phí đăng ký khai sinh")
    results = Axe().run(page)
    assert results.violations_count == 0, results.generate_report()


def test_the_widget_fits_a_phone_screen(stack: Stack, page: Page) -> None:
    page.set_viewport_size({"width": 375, "height": 667})
    open_widget(page, stack)
    box = page.get_by_role("dialog").bounding_box()
    assert box is not None and box["x"] >= 0 and box["x"] + box["width"] <= 375
    send = page.get_by_role("button", name="Gửi")
    expect(send).to_be_in_viewport()
    page.get_by_role("button", name="Đóng trợ lý ảo").click()
    expect(page.get_by_role("button", name="Trò chuyện với trợ lý ảo")).to_be_focused()
